//! `capabilities`: drop every capability, then add back only what the image needs.

use super::{Context, Outcome, Pass, add_to_list, finding};
use crate::edit::Value;
use crate::model::normalize_cap;
use crate::rules::RuleId;

pub struct Capabilities;

/// Capabilities that amount to host control, or close to it.
pub const DANGEROUS: [&str; 9] = [
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "DAC_READ_SEARCH",
    "SYS_RAWIO",
    "BPF",
    "SYS_BOOT",
];

impl Pass for Capabilities {
    fn rule(&self) -> RuleId {
        RuleId::Capabilities
    }

    fn run(&self, cx: &Context, out: &mut Outcome) {
        let rule = self.rule();
        for svc in &cx.services {
            let added: Vec<(crate::load::NodeId, String)> = svc.strings("cap_add");
            for (node, cap) in &added {
                let c = normalize_cap(cap);
                if DANGEROUS.contains(&c.as_str()) {
                    out.findings.push(
                        finding(
                            rule,
                            svc,
                            Some("cap_add"),
                            format!("`cap_add: {cap}` is close to host control; keep it only if the service cannot work without it"),
                        )
                        .at(svc.location_of(*node)),
                    );
                }
            }
            if svc.is_skipped(rule) {
                if !svc
                    .strings("cap_drop")
                    .iter()
                    .any(|(_, c)| normalize_cap(c) == "ALL")
                {
                    out.findings
                        .push(finding(rule, svc, None, "keeps the default capabilities"));
                }
                continue;
            }
            let mut edits = Vec::new();
            let mut what = Vec::new();
            if !svc
                .strings("cap_drop")
                .iter()
                .any(|(_, c)| normalize_cap(c) == "ALL")
            {
                edits.push(add_to_list(svc, "cap_drop", vec![Value::str("ALL")]));
                what.push("added `cap_drop: [ALL]`".to_string());
            }
            let have: Vec<String> = added.iter().map(|(_, c)| normalize_cap(c)).collect();
            let known = svc.image().and_then(|i| cx.knowledge.lookup(i));
            let mut needed: Vec<String> = known
                .iter()
                .flat_map(|k| k.cap_add.iter().cloned())
                .collect();
            needed.extend(svc.exceptions.cap_add.iter().cloned());
            let mut add: Vec<String> = Vec::new();
            for c in needed {
                let n = normalize_cap(&c);
                if !have.contains(&n) && !add.contains(&n) {
                    add.push(n);
                }
            }
            if !add.is_empty() && !edits.is_empty() {
                let source = known
                    .as_ref()
                    .map(|k| format!(" (knowledge: {}, {})", k.profile.name, k.source()))
                    .unwrap_or_else(|| " (x-harden.cap_add)".into());
                what.push(format!(
                    "added back `cap_add: [{}]`{source}",
                    add.join(", ")
                ));
                edits.push(add_to_list(
                    svc,
                    "cap_add",
                    add.into_iter().map(Value::Str).collect(),
                ));
            }
            if !edits.is_empty() {
                out.findings.push(
                    finding(
                        rule,
                        svc,
                        Some("cap_drop"),
                        format!("kept the default capabilities: {}", what.join("; ")),
                    )
                    .fix("added", edits),
                );
            }
        }
    }
}
