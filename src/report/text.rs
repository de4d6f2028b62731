//! The report for people: what changed, what is left, what to do next, and the checklist.

use std::fmt::Write;

use super::{CARDS, FileReport, checklist};
use crate::passes::Status;
use crate::secrets::SecretSource;

pub fn render(files: &[FileReport]) -> String {
    let mut out = String::new();
    for f in files {
        match &f.output {
            Some(o) => {
                let _ = writeln!(out, "{} -> {}", f.input, o);
            }
            None => {
                let _ = writeln!(out, "{}", f.input);
            }
        }
        let changes = f.changes();
        if !changes.is_empty() {
            let _ = writeln!(out, "\nchanged ({}):", changes.len());
            for c in changes {
                let _ = writeln!(
                    out,
                    "  {}:{}  [{}] {}: {}",
                    c.location.line,
                    c.location.column,
                    c.rule,
                    c.service.as_deref().unwrap_or("-"),
                    c.message
                );
            }
        }
        let findings = f.findings();
        if !findings.is_empty() {
            let title = if f.applied { "found and left" } else { "found" };
            let _ = writeln!(out, "\n{title} ({}):", findings.len());
            for x in findings {
                let note = match &x.status {
                    Status::Accepted(r) => format!(" (accepted: {r})"),
                    Status::Fixed => " (fixable)".to_string(),
                    Status::Left => String::new(),
                };
                let _ = writeln!(
                    out,
                    "  {}:{}  [{}] {} {}: {}{}",
                    x.location.line,
                    x.location.column,
                    x.rule,
                    x.severity.as_str(),
                    x.service.as_deref().unwrap_or("-"),
                    x.message,
                    note
                );
            }
        }
        let follow = &f.hardened.outcome.follow_ups;
        if !follow.is_empty() {
            let _ = writeln!(out, "\nto do ({}):", follow.len());
            for u in follow {
                let who = u
                    .service
                    .as_deref()
                    .map(|s| format!("{s}: "))
                    .unwrap_or_default();
                let _ = writeln!(out, "  - [{}] {who}{}", u.rule, u.message);
            }
        }
        for n in &f.hardened.outcome.notes {
            let _ = writeln!(out, "\nnote: {n}");
        }
        if f.applied && !f.hardened.outcome.secrets.is_empty() {
            let _ = writeln!(out, "\nsecrets:");
            for s in &f.hardened.outcome.secrets {
                match &s.source {
                    SecretSource::File { path, .. } => {
                        let _ = writeln!(out, "  {}: file {}", s.name, path);
                    }
                    SecretSource::Environment { var } => {
                        let _ = writeln!(
                            out,
                            "  {}: from the environment variable {} when the stack starts",
                            s.name, var
                        );
                    }
                }
            }
        }
        let rows = checklist(f);
        if !rows.is_empty() {
            let _ = writeln!(out, "\nchecklist:");
            let name_w = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(7).max(7);
            let widths: Vec<usize> = CARDS.iter().map(|(c, _)| c.len().max(16)).collect();
            let _ = write!(out, "  {:name_w$}", "service");
            for ((c, _), w) in CARDS.iter().zip(&widths) {
                let _ = write!(out, "  {c:w$}");
            }
            out.push('\n');
            for (name, states) in rows {
                let _ = write!(out, "  {name:name_w$}");
                for (s, w) in states.iter().zip(&widths) {
                    let _ = write!(out, "  {:w$}", s.label());
                }
                let trimmed = out.trim_end_matches(' ').len();
                out.truncate(trimmed);
                out.push('\n');
            }
        }
        out.push('\n');
    }
    out
}
