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
        !self.edits.is_empty() || self.text != self.input.text
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
    let outcome = passes::run_all(&cx);
    drop(cx);
    let edits = outcome.edits();
    let text = if edits.is_empty() {
        let mut t = String::new();
        if input.bom {
            t.push('\u{feff}');
        }
        t.push_str(&input.text);
        t
    } else {
        let text = edit::patch::apply(&input, &edits)?;
        edit::verify::check(&input, &edits, &text)?;
        text
    };
    Ok(Hardened {
        input,
        text,
        outcome,
        edits,
        services: names,
    })
}
