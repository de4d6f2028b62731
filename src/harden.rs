//! One hardening: load -> passes -> patch -> verify. Nothing here prints or writes.

use crate::edit::{self, Edit};
use crate::error::Error;
use crate::knowledge::Knowledge;
use crate::load::Document;
use crate::model::Service;
use crate::options::Options;
use crate::passes::{self, Context, Outcome};

/// The result of hardening one document, verified, not yet written anywhere.
pub struct Hardened {
    pub input: Document,
    /// The hardened text (the input with minimal edits).
    pub text: String,
    pub outcome: Outcome,
    pub edits: Vec<Edit>,
    /// Names of the services, in file order, for the checklist.
    pub services: Vec<String>,
}

impl Hardened {
    pub fn changed(&self) -> bool {
        !self.edits.is_empty()
    }
}

fn same_dir(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

pub fn harden(
    input: Document,
    options: &Options,
    knowledge: &Knowledge,
) -> Result<Hardened, Error> {
    let services = Service::all(&input)?;
    let names: Vec<String> = services.iter().map(|s| s.name.clone()).collect();
    let cx = Context {
        doc: &input,
        services,
        options,
        knowledge,
    };
    let mut outcome = passes::run_all(&cx);
    drop(cx);
    let mut edits = outcome.edits();
    if input.path.is_some() {
        let input_dir = input.base_dir();
        // A path a pass already rewrote (an env file's sanitised copy) is not rebased again.
        let rebased: Vec<Edit> = edit::rebase::edits(&input, &input_dir, &options.output_dir)
            .into_iter()
            .filter(|r| !edits.iter().any(|e| e.op.path() == r.op.path()))
            .collect();
        edits.extend(rebased);
        if !same_dir(&input_dir, &options.output_dir) && input_dir.join(".env").is_file() {
            outcome.notes.push(format!(
                "Compose reads `.env` from the compose file's folder: copy {} beside the output, or pass --env-file",
                input_dir.join(".env").display()
            ));
        }
    }
    let text = if edits.is_empty() {
        let mut t = String::new();
        if input.bom {
            t.push('\u{feff}');
        }
        t.push_str(&input.text);
        t
    } else {
        let patched = edit::patch::apply(&input, &edits)
            .and_then(|text| edit::verify::check(&input, &edits, &text).map(|()| text));
        match patched {
            Ok(text) => text,
            // A layout the in-place patch gets wrong: rewrite the edited keys whole, verified
            // the same way; the first error stands if that fails too.
            Err(first) => edit::patch::apply_rewriting(&input, &edits)
                .and_then(|text| edit::verify::check(&input, &edits, &text).map(|()| text))
                .map_err(|_| first)?,
        }
    };
    Ok(Hardened {
        input,
        text,
        outcome,
        edits,
        services: names,
    })
}
