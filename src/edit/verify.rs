//! Every output is checked before it is written: it parses, it is as valid against the Compose
//! Specification schema as its input was, and it means exactly what the edits intended.

use std::sync::OnceLock;

use serde_json::Value as Json;

use super::{Edit, Op, semantic};
use crate::error::Error;
use crate::load::{self, Document};

const SCHEMA: &str = include_str!("../../schema/compose-spec.json");

fn validator() -> Option<&'static jsonschema::Validator> {
    static VALIDATOR: OnceLock<Option<jsonschema::Validator>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| {
            let schema: Json = serde_json::from_str(SCHEMA).ok()?;
            jsonschema::validator_for(&schema).ok()
        })
        .as_ref()
}

/// A schema error: where in the document, which schema keyword, and the message.
#[derive(Debug, Clone)]
pub struct SchemaError {
    pub instance: String,
    pub keyword: String,
    pub message: String,
}

impl SchemaError {
    /// Errors are the same error when place and keyword agree; messages list offending keys
    /// and change when hardening adds some.
    fn same(&self, other: &SchemaError) -> bool {
        self.instance == other.instance && self.keyword == other.keyword
    }
}

/// Schema errors of a document value.
pub fn schema_errors(value: &Json) -> Vec<SchemaError> {
    let Some(v) = validator() else {
        return vec![SchemaError {
            instance: String::new(),
            keyword: String::new(),
            message: "the embedded Compose schema did not load".into(),
        }];
    };
    v.iter_errors(value)
        .map(|e| SchemaError {
            instance: e.instance_path().to_string(),
            keyword: e.schema_path().to_string(),
            message: e.to_string(),
        })
        .collect()
}

/// Checks `output` (the patched text of `input`) against what `edits` intend.
pub fn check(input: &Document, edits: &[Edit], output: &str) -> Result<(), Error> {
    let text = output.strip_prefix('\u{feff}').unwrap_or(output);
    let out = load::semantic_value(&input.name, text).map_err(|e| Error::Verify {
        pass: blame(edits, None),
        message: format!("the hardened text does not parse: {e}"),
    })?;
    let mut expected = input.value.clone();
    let ops: Vec<Op> = edits.iter().map(|e| e.op.clone()).collect();
    semantic::apply_json(input, &mut expected, &ops).map_err(|m| Error::Verify {
        pass: blame(edits, None),
        message: m,
    })?;
    if let Some(path) = first_difference(&expected, &out, String::new()) {
        return Err(Error::Verify {
            pass: blame(edits, Some(&path)),
            message: format!("the hardened file differs from the intended one at `{path}`"),
        });
    }
    let after = schema_errors(&out);
    // The input's errors only matter when the output has some.
    let before = if after.is_empty() {
        Vec::new()
    } else {
        schema_errors(&input.value)
    };
    let new_errors: Vec<SchemaError> = after
        .into_iter()
        .filter(|e| !before.iter().any(|b| b.same(e)))
        .collect();
    if let Some(first) = new_errors.first() {
        let path = first.instance.replace('/', ".");
        return Err(Error::Verify {
            pass: blame(edits, Some(path.trim_start_matches('.'))),
            message: format!(
                "the hardened file breaks the Compose schema at {}: {}",
                first.instance, first.message
            ),
        });
    }
    Ok(())
}

/// The rule whose edit touches `path`; when that is not known, every rule that edited.
fn blame(edits: &[Edit], path: Option<&str>) -> String {
    if let Some(path) = path
        && let Some(e) = edits.iter().find(|e| {
            let p = e.op.path().to_string();
            path.starts_with(&p) || p.starts_with(path)
        })
    {
        return e.by.to_string();
    }
    // Not known: every rule that edited.
    let mut by: Vec<&str> = Vec::new();
    for e in edits {
        if !by.contains(&e.by) {
            by.push(e.by);
        }
    }
    if by.is_empty() {
        "load".into()
    } else {
        by.join(", ")
    }
}

fn first_difference(a: &Json, b: &Json, at: String) -> Option<String> {
    match (a, b) {
        (Json::Object(x), Json::Object(y)) => {
            for (k, va) in x {
                let p = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                match y.get(k) {
                    Some(vb) => {
                        if let Some(d) = first_difference(va, vb, p) {
                            return Some(d);
                        }
                    }
                    None => return Some(p),
                }
            }
            y.keys().find(|k| !x.contains_key(*k)).map(|k| {
                if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                }
            })
        }
        (Json::Array(x), Json::Array(y)) => {
            if x.len() != y.len() {
                return Some(at);
            }
            x.iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (va, vb))| first_difference(va, vb, format!("{at}[{i}]")))
        }
        (Json::Number(x), Json::Number(y)) => (x.as_f64() != y.as_f64()).then_some(at),
        _ => (a != b).then_some(at),
    }
}
