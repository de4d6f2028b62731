//! `unconfined-profile`: turning seccomp, AppArmor or SELinux off removes the kernel's last
//! filter between the container and the host.

use super::{Context, Outcome, Pass, finding, remove_items};
use crate::model::indexed_strings;
use crate::rules::RuleId;

pub struct UnconfinedProfile;

pub fn is_unconfined(opt: &str) -> bool {
    let o: String = opt
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    matches!(
        o.replace('=', ":").as_str(),
        "seccomp:unconfined" | "apparmor:unconfined" | "label:disable" | "systempaths:unconfined"
    )
}

impl Pass for UnconfinedProfile {
    fn rule(&self) -> RuleId {
        RuleId::UnconfinedProfile
    }

    fn run(&self, cx: &Context, out: &mut Outcome) {
        let rule = self.rule();
        for svc in &cx.services {
            let Some(entry) = svc.get("security_opt") else {
                continue;
            };
            if !svc.doc.tree.is_seq(entry.value) {
                continue;
            }
            let opts = indexed_strings(svc, "security_opt");
            let bad: Vec<&(usize, crate::load::NodeId, String)> =
                opts.iter().filter(|(_, _, o)| is_unconfined(o)).collect();
            if bad.is_empty() {
                continue;
            }
            let names: Vec<&str> = bad.iter().map(|(_, _, o)| o.as_str()).collect();
            let indices: Vec<usize> = bad.iter().map(|(i, _, _)| *i).collect();
            out.findings.push(
                finding(
                    rule,
                    svc,
                    Some("security_opt"),
                    format!(
                        "`{}` switches off a kernel security profile: removed",
                        names.join("`, `")
                    ),
                )
                .at(svc.location_of(bad[0].1))
                // An emptied list stays as `security_opt: []`: no-new-privileges edits the
                // same list, and only one pass may decide whether the key goes.
                .fix("removed", remove_items(svc, "security_opt", &indices, true)),
            );
        }
    }
}
