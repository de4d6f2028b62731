//! `sensitive-mount`: bind mounts of host paths that hand over the host. Reported, never
//! changed: removing a data mount would lose data.

use super::{Context, Outcome, Pass, finding};
use crate::model::mounts;
use crate::rules::RuleId;

pub struct SensitiveMount;

/// Host paths whose bind mount exposes the host (the path itself or anything under it).
const SENSITIVE: [&str; 12] = [
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/root",
    "/var/lib/docker",
    "/var/lib/kubelet",
    "/lib/modules",
    "/usr",
    "/bin",
    "/sbin",
];

/// Files under sensitive folders that are routinely shared read-only and harmless.
const BENIGN: [&str; 4] = [
    "/etc/localtime",
    "/etc/timezone",
    "/etc/hostname",
    "/etc/machine-id",
];

impl Pass for SensitiveMount {
    fn rule(&self) -> RuleId {
        RuleId::SensitiveMount
    }

    fn run(&self, cx: &Context, out: &mut Outcome) {
        for svc in &cx.services {
            for m in mounts(svc) {
                let Some(source) = m.source.as_deref() else {
                    continue;
                };
                if !m.bind || crate::model::is_engine_socket(source) {
                    continue;
                }
                let Some(why) = sensitivity(source) else {
                    continue;
                };
                let ro = if m.read_only { " (read-only)" } else { "" };
                out.findings.push(
                    finding(
                        self.rule(),
                        svc,
                        Some("volumes"),
                        format!("bind mount of `{source}`{ro}: {why}"),
                    )
                    .at(svc.location_of(m.node)),
                );
            }
        }
    }
}

fn sensitivity(source: &str) -> Option<&'static str> {
    let path = source.trim_end_matches('/');
    if path.is_empty() {
        return Some("the host's whole filesystem");
    }
    if path.contains(".ssh") {
        return Some("SSH keys give access to other machines");
    }
    if BENIGN.contains(&path) {
        return None;
    }
    let under = |root: &str| path == root || path.starts_with(&format!("{root}/"));
    if path == "~" || path == "$HOME" || path == "${HOME}" {
        return Some("the user's whole home folder");
    }
    SENSITIVE.iter().find(|r| under(r)).map(|r| match *r {
        "/etc" => "host configuration, including password hashes",
        "/proc" | "/sys" => "kernel interfaces of the host",
        "/dev" => "host devices",
        "/var/lib/docker" => "every container's data and the engine's state",
        "/boot" | "/lib/modules" => "the host's kernel and boot files",
        "/root" => "root's home folder",
        _ => "host system files",
    })
}
