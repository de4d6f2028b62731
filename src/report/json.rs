//! The JSON report, version 1 (a contract: see DESIGN.md section 5).

use serde_json::{Value, json};

use super::FileReport;
use crate::passes::Status;
use crate::secrets::SecretSource;

pub fn render(files: &[FileReport]) -> String {
    let mut total = (0, 0, 0);
    let files: Vec<Value> = files
        .iter()
        .map(|f| {
            let changes: Vec<Value> = f
                .changes()
                .iter()
                .map(|c| {
                    json!({
                        "rule": c.rule.as_str(),
                        "service": c.service,
                        "action": c.action.unwrap_or("changed"),
                        "path": c.path,
                        "line": c.location.line,
                        "column": c.location.column,
                        "severity": c.severity.as_str(),
                        "message": c.message,
                    })
                })
                .collect();
            let findings: Vec<Value> = f
                .findings()
                .iter()
                .map(|x| {
                    let mut v = json!({
                        "rule": x.rule.as_str(),
                        "service": x.service,
                        "severity": x.severity.as_str(),
                        "line": x.location.line,
                        "column": x.location.column,
                        "message": x.message,
                    });
                    match &x.status {
                        Status::Accepted(reason) => {
                            v["accepted"] = json!(true);
                            v["reason"] = json!(reason);
                        }
                        Status::Fixed => v["fixable"] = json!(true),
                        Status::Left => {}
                    }
                    v
                })
                .collect();
            let follow_ups: Vec<Value> = f
                .hardened
                .outcome
                .follow_ups
                .iter()
                .map(|u| json!({"rule": u.rule.as_str(), "service": u.service, "message": u.message}))
                .collect();
            let secrets: Vec<Value> = if f.applied {
                f.hardened
                    .outcome
                    .secrets
                    .iter()
                    .map(|s| match &s.source {
                        SecretSource::File { path, .. } => json!({"name": s.name, "file": path, "source": "file"}),
                        SecretSource::Environment { var } => {
                            json!({"name": s.name, "file": null, "source": "environment", "environment": var})
                        }
                    })
                    .collect()
            } else {
                Vec::new()
            };
            total.0 += changes.len();
            total.1 += findings.len();
            total.2 += follow_ups.len();
            json!({
                "input": f.input,
                "output": f.output,
                "changes": changes,
                "findings": findings,
                "follow_ups": follow_ups,
                "secrets": secrets,
                "notes": f.hardened.outcome.notes,
            })
        })
        .collect();
    let report = json!({
        "version": 1,
        "tool": {"name": "compose-harden", "version": env!("CARGO_PKG_VERSION")},
        "files": files,
        "summary": {"changes": total.0, "findings": total.1, "follow_ups": total.2},
    });
    let mut s = serde_json::to_string_pretty(&report).unwrap_or_default();
    s.push('\n');
    s
}
