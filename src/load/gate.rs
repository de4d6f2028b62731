//! The first reading of a file: serde-saphyr turns it into the value Compose would see, with
//! bounded work (alias bombs, deep nesting) and duplicate keys refused.

use serde_saphyr::{Budget, DuplicateKeyPolicy, Options};

use crate::error::{Error, Location};

pub fn semantic_value(name: &str, text: &str) -> Result<serde_json::Value, Error> {
    let mut budget = Budget::default();
    // A 5 MB compose file is unusual but legitimate; an alias bomb is stopped by the alias limits.
    budget.max_events = 20_000_000;
    budget.max_nodes = 10_000_000;
    // Many aliases of few anchors is ordinary (sentry: 142 of 10); replayed work is what is bounded.
    budget.enforce_alias_anchor_ratio = false;
    let mut options = Options::default();
    options.budget = Some(budget);
    options.duplicate_keys = DuplicateKeyPolicy::Error;
    options.legacy_octal_numbers = true;
    options.with_snippet = false;
    options.alias_limits.max_total_replayed_events = 2_000_000;
    serde_saphyr::from_str_with_options::<serde_json::Value>(text, options)
        .map_err(|e| to_error(name, &e))
}

fn to_error(name: &str, err: &serde_saphyr::Error) -> Error {
    let text = err.to_string();
    let (line, column, message) = split_location(&text);
    // The position is in the location already; drop serde-saphyr's repetition of it.
    let message = match message.find(" at line ") {
        Some(i) => message[..i].trim().to_string(),
        None => message.trim().to_string(),
    };
    let (line, column) = match err.location() {
        Some(l) if l.line() > 0 => (Some(l.line() as usize), Some(l.column().max(1) as usize)),
        _ => (line, column),
    };
    let location = Location::new(name, line.unwrap_or(1), column.unwrap_or(1));
    if message.contains("multiple YAML documents") {
        return Error::invalid(
            location,
            "several YAML documents in one file: Compose merges them like several -f files; \
             split them into one file each and harden each",
        );
    }
    if message.contains("duplicate mapping key") {
        let key = message
            .split("duplicate mapping key:")
            .nth(1)
            .and_then(|s| s.split(',').next())
            .unwrap_or("")
            .trim()
            .to_string();
        return Error::invalid(
            location,
            format!("duplicate key `{key}`: Compose refuses it"),
        );
    }
    if message.contains("Depth {") || message.contains("recursion limit") {
        return Error::invalid(
            location,
            "refused: nested more than 64 levels deep (no compose file needs that)",
        );
    }
    if message.contains("budget") || message.contains("alias") && message.contains("limit") {
        return Error::invalid(
            location,
            format!(
                "refused: the document expands beyond the work limit (an alias bomb or a huge file): {message}"
            ),
        );
    }
    Error::syntax(location, message)
}

/// serde-saphyr messages read "error: line L column C: message"; pull the position out.
fn split_location(text: &str) -> (Option<usize>, Option<usize>, String) {
    let first = text.lines().next().unwrap_or("");
    let body = first.strip_prefix("error: ").unwrap_or(first);
    if let Some(rest) = body.strip_prefix("line ") {
        let mut parts = rest.splitn(2, " column ");
        let line = parts.next().and_then(|l| l.trim().parse().ok());
        if let Some(after) = parts.next() {
            let mut p2 = after.splitn(2, ':');
            let column = p2.next().and_then(|c| c.trim().parse().ok());
            let message = p2.next().unwrap_or("").to_string();
            return (line, column, message);
        }
    }
    (None, None, body.to_string())
}
