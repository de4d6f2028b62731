//! Reports of what was changed, what was found and left, and what the user still has to do.

mod json;
mod markdown;
mod sarif;
mod text;

use std::str::FromStr;

use crate::harden::Hardened;
use crate::passes::{Finding, Status};
use crate::rules::RuleId;
use crate::secrets::SecretSource;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
    Sarif,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(Format::Text),
            "markdown" | "md" => Ok(Format::Markdown),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            other => Err(format!(
                "unknown report format `{other}` (text, markdown, json, sarif)"
            )),
        }
    }
}

/// One file's part of a report.
pub struct FileReport<'a> {
    pub input: String,
    pub output: Option<String>,
    pub hardened: &'a Hardened,
    /// Whether the edits were applied (`harden`) or only found (`check`, `--check`).
    pub applied: bool,
}

impl FileReport<'_> {
    /// Edits applied: the fixed findings, when the run applied them.
    pub fn changes(&self) -> Vec<&Finding> {
        if !self.applied {
            return Vec::new();
        }
        self.hardened
            .outcome
            .findings
            .iter()
            .filter(|f| f.status == Status::Fixed)
            .collect()
    }

    /// Findings reported and left (and, when nothing was applied, those a run would fix).
    pub fn findings(&self) -> Vec<&Finding> {
        self.hardened
            .outcome
            .findings
            .iter()
            .filter(|f| f.status != Status::Fixed || !self.applied)
            .collect()
    }
}

/// The report, with every secret value masked wherever it appears (even where it equals a
/// service name: a secret value never reaches a report).
pub fn render(files: &[FileReport], format: Format) -> String {
    let text = match format {
        Format::Text => text::render(files),
        Format::Markdown => markdown::render(files),
        Format::Json => json::render(files),
        Format::Sarif => sarif::render(files),
    };
    let hardened: Vec<&Hardened> = files.iter().map(|f| f.hardened).collect();
    mask(&text, &secret_values(&hardened))
}

/// Values shorter than this are not masked: masking every "ab" would wreck the text, and the
/// finding already calls such a secret out.
const MASK_MIN_LEN: usize = 4;

/// Every secret value the runs know of, longest first.
pub fn secret_values<H: std::borrow::Borrow<Hardened>>(runs: &[H]) -> Vec<String> {
    let mut values: Vec<String> = runs
        .iter()
        .flat_map(|h| {
            let o = &h.borrow().outcome;
            o.secrets
                .iter()
                .filter_map(|s| match &s.source {
                    SecretSource::File { value, .. } => Some(value.expose().to_string()),
                    SecretSource::Environment { .. } => None,
                })
                .chain(o.sensitive.iter().cloned())
                .collect::<Vec<String>>()
        })
        .filter(|v| v.len() >= MASK_MIN_LEN)
        .collect();
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    values.dedup();
    values
}

pub fn mask(text: &str, values: &[String]) -> String {
    // The JSON report escapes quotes and backslashes: mask the escaped spelling too.
    let mut patterns: Vec<String> = Vec::new();
    for v in values {
        patterns.push(v.clone());
        let escaped = serde_json::to_string(v).unwrap_or_default();
        let escaped = escaped.trim_matches('"');
        if escaped != v {
            patterns.push(escaped.to_string());
        }
    }
    if patterns.is_empty() {
        return text.to_string();
    }
    match aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .build(&patterns)
    {
        Ok(ac) => ac.replace_all(text, &vec!["********"; patterns.len()]),
        // Building only fails past internal size limits; mask one value at a time then.
        Err(_) => patterns
            .iter()
            .fold(text.to_string(), |t, p| t.replace(p.as_str(), "********")),
    }
}

/// The danger cards of the course, each with the rules that cover it.
pub const CARDS: [(&str, &[RuleId]); 7] = [
    ("privileged", &[RuleId::Privileged]),
    ("docker.sock", &[RuleId::DockerSocket]),
    (
        "inline secrets",
        &[
            RuleId::InlineSecret,
            RuleId::EnvFileSecret,
            RuleId::BuildArgSecret,
        ],
    ),
    ("user", &[RuleId::RootUser]),
    ("read_only", &[RuleId::WritableRootfs]),
    ("cap_drop", &[RuleId::Capabilities]),
    ("no-new-privileges", &[RuleId::NoNewPrivileges]),
];

/// Where a service stands on one card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CardState {
    Ok,
    Fixed,
    Kept,
    Left,
}

impl CardState {
    pub fn label(self) -> &'static str {
        match self {
            CardState::Ok => "ok",
            CardState::Fixed => "fixed",
            CardState::Kept => "kept (exception)",
            CardState::Left => "LEFT",
        }
    }
}

/// Per service, the state of every card.
pub fn checklist(file: &FileReport) -> Vec<(String, Vec<CardState>)> {
    let h = file.hardened;
    let mut by_service: std::collections::HashMap<&str, Vec<&Finding>> =
        std::collections::HashMap::new();
    for f in &h.outcome.findings {
        if let Some(s) = f.service.as_deref() {
            by_service.entry(s).or_default().push(f);
        }
    }
    h.services
        .iter()
        .map(|svc| {
            let findings = by_service
                .get(svc.as_str())
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let states = CARDS
                .iter()
                .map(|(_, rules)| {
                    findings
                        .iter()
                        .filter(|f| rules.contains(&f.rule))
                        .map(|f| match &f.status {
                            Status::Fixed if file.applied && f.action == Some("excepted") => {
                                CardState::Kept
                            }
                            Status::Fixed if file.applied => CardState::Fixed,
                            Status::Fixed | Status::Left => CardState::Left,
                            Status::Accepted(_) => CardState::Kept,
                        })
                        .max()
                        .unwrap_or(CardState::Ok)
                })
                .collect();
            (svc.clone(), states)
        })
        .collect()
}

/// A one-line count, for stderr when the report goes to a file.
pub fn summary_line(files: &[FileReport]) -> String {
    let changes: usize = files.iter().map(|f| f.changes().len()).sum();
    let findings: usize = files.iter().map(|f| f.findings().len()).sum();
    let follow: usize = files
        .iter()
        .map(|f| f.hardened.outcome.follow_ups.len())
        .sum();
    format!("compose-harden: {changes} changes, {findings} findings, {follow} follow-ups")
}
