//! The report as Markdown, for pull-request comments and CI summaries.

use std::fmt::Write;

use super::{CARDS, FileReport, checklist};
use crate::passes::Status;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn render(files: &[FileReport]) -> String {
    let mut out = String::from("# compose-harden report\n");
    for f in files {
        let _ = writeln!(
            out,
            "\n## `{}`{}\n",
            f.input,
            f.output
                .as_ref()
                .map(|o| format!(" → `{o}`"))
                .unwrap_or_default()
        );
        let changes = f.changes();
        if !changes.is_empty() {
            let _ = writeln!(
                out,
                "### Changed\n\n| line | rule | service | change |\n|---|---|---|---|"
            );
            for c in changes {
                let _ = writeln!(
                    out,
                    "| {}:{} | `{}` | {} | {} |",
                    c.location.line,
                    c.location.column,
                    c.rule,
                    cell(c.service.as_deref().unwrap_or("-")),
                    cell(&c.message)
                );
            }
            out.push('\n');
        }
        let findings = f.findings();
        if !findings.is_empty() {
            let _ = writeln!(
                out,
                "### Found{}\n\n| line | rule | severity | service | finding |\n|---|---|---|---|---|",
                if f.applied { " and left" } else { "" }
            );
            for x in findings {
                let note = match &x.status {
                    Status::Accepted(r) => format!(" (accepted: {r})"),
                    Status::Fixed => " (fixable)".into(),
                    Status::Left => String::new(),
                };
                let _ = writeln!(
                    out,
                    "| {}:{} | `{}` | {} | {} | {}{} |",
                    x.location.line,
                    x.location.column,
                    x.rule,
                    x.severity.as_str(),
                    cell(x.service.as_deref().unwrap_or("-")),
                    cell(&x.message),
                    cell(&note)
                );
            }
            out.push('\n');
        }
        let follow = &f.hardened.outcome.follow_ups;
        if !follow.is_empty() {
            let _ = writeln!(out, "### To do\n");
            for u in follow {
                let who = u
                    .service
                    .as_deref()
                    .map(|s| format!("{}: ", cell(s)))
                    .unwrap_or_default();
                let _ = writeln!(out, "- [ ] `{}` {who}{}", u.rule, u.message);
            }
            out.push('\n');
        }
        for n in &f.hardened.outcome.notes {
            let _ = writeln!(out, "> **Note:** {n}\n");
        }
        let rows = checklist(f);
        if !rows.is_empty() {
            let _ = write!(out, "### Checklist\n\n| service |");
            for (c, _) in CARDS {
                let _ = write!(out, " {c} |");
            }
            out.push_str("\n|---|");
            for _ in CARDS {
                out.push_str("---|");
            }
            out.push('\n');
            for (name, states) in rows {
                let _ = write!(out, "| {} |", cell(&name));
                for s in states {
                    let _ = write!(out, " {} |", s.label());
                }
                out.push('\n');
            }
        }
    }
    out
}
