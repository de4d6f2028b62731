//! `writable-rootfs`: a writable root filesystem lets an intruder drop tools and persist.
//! `read_only: true` plus `tmpfs` for the paths the image writes keeps it running.

use super::{Context, Outcome, Pass, add_to_list, excepted_finding, finding};
use crate::edit::{Op, Value};
use crate::model::{ComposeBool, mounts};
use crate::rules::RuleId;

pub struct WritableRootfs;

impl Pass for WritableRootfs {
    fn rule(&self) -> RuleId {
        RuleId::WritableRootfs
    }

    fn run(&self, cx: &Context, out: &mut Outcome) {
        let rule = self.rule();
        for svc in &cx.services {
            match svc.bool("read_only") {
                Some(ComposeBool::True) => continue,
                Some(ComposeBool::Expr(e)) => {
                    out.findings.push(finding(
                        rule,
                        svc,
                        Some("read_only"),
                        format!("`read_only: {e}` is decided when the stack starts"),
                    ));
                    continue;
                }
                _ => {}
            }
            if svc.is_skipped(rule) {
                out.findings
                    .push(finding(rule, svc, None, "the root filesystem is writable"));
                continue;
            }
            if let Some(f) = excepted_finding(cx, svc, rule, "root filesystem left writable") {
                out.findings.push(f);
                continue;
            }
            let known = svc.image().and_then(|i| cx.knowledge.lookup(i));
            let mut wanted: Vec<String> = vec!["/tmp".into()];
            if let Some(k) = &known {
                wanted.extend(k.tmpfs.iter().cloned());
            }
            wanted.extend(svc.exceptions.tmpfs.iter().cloned());
            let have: Vec<String> = svc
                .strings("tmpfs")
                .into_iter()
                .map(|(_, s)| tmpfs_path(&s).to_string())
                .chain(mounts(svc).into_iter().filter_map(|m| m.target))
                .collect();
            let mut add: Vec<String> = Vec::new();
            for w in wanted {
                let p = tmpfs_path(&w).to_string();
                if !have.contains(&p) && !add.iter().any(|a| tmpfs_path(a) == p) {
                    add.push(w);
                }
            }
            let mut edits = vec![Op::Set {
                path: svc.path().key("read_only"),
                value: Value::Bool(true),
            }];
            let mut what = "added `read_only: true`".to_string();
            if !add.is_empty() {
                what.push_str(&format!(" and tmpfs {}", add.join(", ")));
                edits.push(add_to_list(
                    svc,
                    "tmpfs",
                    add.into_iter().map(Value::Str).collect(),
                ));
            }
            match &known {
                Some(k) => what.push_str(&format!(" (knowledge: {}, {})", k.profile.name, k.source())),
                None => out.follow_up(
                    rule,
                    Some(&svc.name),
                    format!(
                        "check that {} writes only to its volumes and /tmp; add any other path it writes to `tmpfs` (or x-harden.tmpfs)",
                        svc.image_label()
                    ),
                ),
            }
            out.findings.push(
                finding(
                    rule,
                    svc,
                    Some("read_only"),
                    format!("the root filesystem was writable: {what}"),
                )
                .fix("added", edits),
            );
        }
    }
}

/// `/run:mode=1777,size=64m` -> `/run`.
pub fn tmpfs_path(entry: &str) -> &str {
    entry
        .split(':')
        .next()
        .unwrap_or(entry)
        .trim_end_matches('/')
}
