//! SARIF 2.1.0, for code-scanning dashboards: one result per finding or change.

use serde_json::{Value, json};

use super::FileReport;
use crate::passes::Status;
use crate::rules::{RuleId, Severity};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

pub fn render(files: &[FileReport]) -> String {
    let rules: Vec<Value> = RuleId::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.as_str(),
                "shortDescription": {"text": r.summary()},
                "helpUri": format!("https://github.com/compose-harden/compose-harden/blob/main/docs/rules/{}.md", r.as_str()),
                "defaultConfiguration": {"level": level(r.severity())},
            })
        })
        .collect();
    let mut results = Vec::new();
    for f in files {
        for x in f.hardened.outcome.findings.iter() {
            let (kind, suppressed) = match &x.status {
                Status::Fixed if f.applied => ("pass", None),
                Status::Accepted(r) => ("fail", Some(r.clone())),
                _ => ("fail", None),
            };
            let mut r = json!({
                "ruleId": x.rule.as_str(),
                "ruleIndex": RuleId::ALL.iter().position(|r| *r == x.rule),
                "level": if kind == "pass" { "none" } else { level(x.severity) },
                "kind": kind,
                "message": {"text": format!("{}: {}", x.service.as_deref().unwrap_or("-"), x.message)},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": f.input},
                    "region": {"startLine": x.location.line, "startColumn": x.location.column},
                }}],
            });
            if let Some(reason) = suppressed {
                r["suppressions"] = json!([{"kind": "inSource", "justification": reason}]);
            }
            results.push(r);
        }
    }
    let sarif = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "compose-harden",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/compose-harden/compose-harden",
                "rules": rules,
            }},
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&sarif).unwrap_or_default();
    s.push('\n');
    s
}
