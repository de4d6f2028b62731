//! `privileged`: a privileged container is root on the host in all but name.

use super::{Context, Outcome, Pass, finding, unset};
use crate::edit::Value;
use crate::model::ComposeBool;
use crate::rules::RuleId;

pub struct Privileged;

impl Pass for Privileged {
    fn rule(&self) -> RuleId {
        RuleId::Privileged
    }

    fn run(&self, cx: &Context, out: &mut Outcome) {
        for svc in &cx.services {
            let Some(value) = svc.bool("privileged") else {
                continue;
            };
            let rule = self.rule();
            match value {
                ComposeBool::True => {
                    out.findings.push(
                        finding(
                            rule,
                            svc,
                            Some("privileged"),
                            "`privileged: true` gives the container every capability and every host device: removed",
                        )
                        .fix("removed", vec![unset(svc, "privileged", Value::Bool(false))]),
                    );
                    out.follow_up(rule, Some(&svc.name), grant_hint(svc.image().unwrap_or("")));
                }
                ComposeBool::Expr(e) => out.findings.push(finding(
                    rule,
                    svc,
                    Some("privileged"),
                    format!("`privileged: {e}` is decided when the stack starts; set it to false or remove it"),
                )),
                ComposeBool::Invalid(v) => out.findings.push(finding(
                    rule,
                    svc,
                    Some("privileged"),
                    format!("`privileged: {v}` is not a boolean Compose accepts"),
                )),
                ComposeBool::False => {}
            }
        }
    }
}

/// What to grant instead of `privileged`, as narrowly as the image suggests.
fn grant_hint(image: &str) -> String {
    let lower = image.to_ascii_lowercase();
    let vpn = [
        "vpn",
        "wireguard",
        "wg-easy",
        "gluetun",
        "tailscale",
        "headscale",
        "netbird",
    ];
    if vpn.iter().any(|v| lower.contains(v)) {
        return "a VPN needs only the tunnel device and one capability: add `devices: [/dev/net/tun]` and `cap_add: [NET_ADMIN]`".into();
    }
    "if the service fails without privileged, grant only what it uses: the device under `devices:` (e.g. `/dev/dri`, `/dev/net/tun`) and the one capability under `cap_add:` (e.g. `NET_ADMIN`, `SYS_TIME`)".into()
}
