//! `host-namespace`: sharing a host namespace removes a layer of isolation. Reported, never
//! changed: the service was built around it.

use super::{Context, Outcome, Pass, finding};
use crate::rules::RuleId;

pub struct HostNamespace;

const KEYS: [(&str, &str); 6] = [
    (
        "network_mode",
        "the host's network stack: every host port and interface",
    ),
    ("pid", "the host's processes: it can see and signal them"),
    ("ipc", "the host's shared memory"),
    ("uts", "the host's hostname"),
    (
        "userns_mode",
        "the host's user namespace: user remapping is off",
    ),
    ("cgroup", "the host's cgroup namespace"),
];

impl Pass for HostNamespace {
    fn rule(&self) -> RuleId {
        RuleId::HostNamespace
    }

    fn run(&self, cx: &Context, out: &mut Outcome) {
        for svc in &cx.services {
            for (key, what) in KEYS {
                if svc.str(key) == Some("host") {
                    out.findings.push(finding(
                        self.rule(),
                        svc,
                        Some(key),
                        format!(
                            "`{key}: host` shares {what}; keep it only if the service needs it"
                        ),
                    ));
                }
            }
        }
    }
}
