//! The JSON report, version 1 (a contract: see DESIGN.md section 5).

use serde::Serialize;

use super::FileReport;
use crate::passes::{Finding, Status};
use crate::secrets::SecretSource;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    tool: Tool,
    files: Vec<File<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct File<'a> {
    input: &'a str,
    output: Option<&'a str>,
    changes: Vec<Change<'a>>,
    findings: Vec<Found<'a>>,
    follow_ups: Vec<FollowUp<'a>>,
    secrets: Vec<Secret<'a>>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct Change<'a> {
    rule: &'static str,
    service: Option<&'a str>,
    action: &'static str,
    path: &'a str,
    line: usize,
    column: usize,
    severity: &'static str,
    message: &'a str,
}

#[derive(Serialize)]
struct Found<'a> {
    rule: &'static str,
    service: Option<&'a str>,
    severity: &'static str,
    line: usize,
    column: usize,
    message: &'a str,
    /// Kept on purpose: the service's `x-harden` accepts the risk.
    #[serde(skip_serializing_if = "Option::is_none")]
    accepted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    /// Not applied in this run (`check`, `--check`), but `harden` would fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    fixable: Option<bool>,
}

#[derive(Serialize)]
struct FollowUp<'a> {
    rule: &'static str,
    service: Option<&'a str>,
    message: &'a str,
}

#[derive(Serialize)]
struct Secret<'a> {
    name: &'a str,
    file: Option<&'a str>,
    source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    environment: Option<&'a str>,
}

#[derive(Serialize)]
struct Summary {
    changes: usize,
    findings: usize,
    follow_ups: usize,
}

fn change(c: &Finding) -> Change<'_> {
    Change {
        rule: c.rule.as_str(),
        service: c.service.as_deref(),
        action: c.action.unwrap_or("changed"),
        path: &c.path,
        line: c.location.line,
        column: c.location.column,
        severity: c.severity.as_str(),
        message: &c.message,
    }
}

fn found(x: &Finding) -> Found<'_> {
    let (accepted, reason, fixable) = match &x.status {
        Status::Accepted(r) => (Some(true), Some(r.as_str()), None),
        Status::Fixed => (None, None, Some(true)),
        Status::Left => (None, None, None),
    };
    Found {
        rule: x.rule.as_str(),
        service: x.service.as_deref(),
        severity: x.severity.as_str(),
        line: x.location.line,
        column: x.location.column,
        message: &x.message,
        accepted,
        reason,
        fixable,
    }
}

pub fn render(files: &[FileReport]) -> String {
    let mut summary = Summary {
        changes: 0,
        findings: 0,
        follow_ups: 0,
    };
    let files: Vec<File> = files
        .iter()
        .map(|f| {
            let outcome = &f.hardened.outcome;
            let file = File {
                input: &f.input,
                output: f.output.as_deref(),
                changes: f.changes().into_iter().map(change).collect(),
                findings: f.findings().into_iter().map(found).collect(),
                follow_ups: outcome
                    .follow_ups
                    .iter()
                    .map(|u| FollowUp {
                        rule: u.rule.as_str(),
                        service: u.service.as_deref(),
                        message: &u.message,
                    })
                    .collect(),
                secrets: if f.applied {
                    outcome
                        .secrets
                        .iter()
                        .map(|s| match &s.source {
                            SecretSource::File { path, .. } => Secret {
                                name: &s.name,
                                file: Some(path),
                                source: "file",
                                environment: None,
                            },
                            SecretSource::Environment { var } => Secret {
                                name: &s.name,
                                file: None,
                                source: "environment",
                                environment: Some(var),
                            },
                        })
                        .collect()
                } else {
                    Vec::new()
                },
                notes: &outcome.notes,
            };
            summary.changes += file.changes.len();
            summary.findings += file.findings.len();
            summary.follow_ups += file.follow_ups.len();
            file
        })
        .collect();
    let report = Report {
        version: 1,
        tool: Tool {
            name: "compose-harden",
            version: env!("CARGO_PKG_VERSION"),
        },
        files,
        summary,
    };
    let mut s = serde_json::to_string_pretty(&report).unwrap_or_default();
    s.push('\n');
    s
}
