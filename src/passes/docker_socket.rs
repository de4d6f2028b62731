//! `docker-socket`: access to the engine's API socket is root on the host, read-only or not.

use super::{Context, Outcome, Pass, finding};
use crate::model::mounts;
use crate::rules::RuleId;

pub struct DockerSocket;

/// Whether a host path is a container engine's API socket or a folder holding one.
pub fn is_engine_socket(source: &str) -> bool {
    let s = source.trim_end_matches('/');
    let file = s.rsplit('/').next().unwrap_or(s);
    matches!(
        file,
        "docker.sock" | "podman.sock" | "containerd.sock" | "crio.sock" | "dockershim.sock"
    ) || matches!(
        s,
        "/run" | "/var/run" | "/run/docker" | "/var/run/docker" | "/run/podman" | "/run/containerd"
    )
}

impl Pass for DockerSocket {
    fn rule(&self) -> RuleId {
        RuleId::DockerSocket
    }

    fn run(&self, cx: &Context, out: &mut Outcome) {
        for svc in &cx.services {
            for m in mounts(svc) {
                let Some(src) = m.source.as_deref() else {
                    continue;
                };
                if !is_engine_socket(src) {
                    continue;
                }
                out.findings.push(
                    finding(
                        self.rule(),
                        svc,
                        Some("volumes"),
                        format!("mounts the engine socket `{src}`: whoever controls this container controls the host (`:ro` does not make the API read-only)"),
                    )
                    .at(svc.location_of(m.node)),
                );
            }
        }
    }
}
