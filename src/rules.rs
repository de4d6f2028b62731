//! The rule registry: stable ids, severities and one-line summaries.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleId {
    Privileged,
    DockerSocket,
    InlineSecret,
    EnvFileSecret,
    BuildArgSecret,
    RootUser,
    WritableRootfs,
    Capabilities,
    NoNewPrivileges,
    UnconfinedProfile,
    HostNamespace,
    SensitiveMount,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl RuleId {
    /// Every rule, in the order the passes run.
    pub const ALL: [RuleId; 12] = [
        RuleId::Privileged,
        RuleId::DockerSocket,
        RuleId::InlineSecret,
        RuleId::EnvFileSecret,
        RuleId::BuildArgSecret,
        RuleId::RootUser,
        RuleId::WritableRootfs,
        RuleId::Capabilities,
        RuleId::NoNewPrivileges,
        RuleId::UnconfinedProfile,
        RuleId::HostNamespace,
        RuleId::SensitiveMount,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleId::Privileged => "privileged",
            RuleId::DockerSocket => "docker-socket",
            RuleId::InlineSecret => "inline-secret",
            RuleId::EnvFileSecret => "env-file-secret",
            RuleId::BuildArgSecret => "build-arg-secret",
            RuleId::RootUser => "root-user",
            RuleId::WritableRootfs => "writable-rootfs",
            RuleId::Capabilities => "capabilities",
            RuleId::NoNewPrivileges => "no-new-privileges",
            RuleId::UnconfinedProfile => "unconfined-profile",
            RuleId::HostNamespace => "host-namespace",
            RuleId::SensitiveMount => "sensitive-mount",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            RuleId::Privileged | RuleId::DockerSocket => Severity::Critical,
            RuleId::InlineSecret
            | RuleId::EnvFileSecret
            | RuleId::BuildArgSecret
            | RuleId::UnconfinedProfile
            | RuleId::SensitiveMount => Severity::High,
            RuleId::RootUser
            | RuleId::Capabilities
            | RuleId::HostNamespace
            | RuleId::NoNewPrivileges => Severity::Medium,
            RuleId::WritableRootfs => Severity::Low,
        }
    }

    pub fn summary(self) -> &'static str {
        match self {
            RuleId::Privileged => {
                "removes `privileged: true`; the follow-up names the narrow grant (`devices:`, one `cap_add`)"
            }
            RuleId::DockerSocket => {
                "replaces engine-socket access with a hardened socket-proxy sidecar on an internal network"
            }
            RuleId::InlineSecret => {
                "moves secret values out of `environment` into file-backed Compose secrets with `<VAR>_FILE`"
            }
            RuleId::EnvFileSecret => {
                "moves secret values read from `env_file` files into file-backed Compose secrets"
            }
            RuleId::BuildArgSecret => {
                "moves secret `build.args` into `build.secrets`, with the Dockerfile follow-up"
            }
            RuleId::RootUser => "adds a non-root `user:`; reports an explicit root user",
            RuleId::WritableRootfs => {
                "adds `read_only: true` with `tmpfs` for `/tmp` and the paths the image writes"
            }
            RuleId::Capabilities => "adds `cap_drop: [ALL]`; reports dangerous `cap_add` entries",
            RuleId::NoNewPrivileges => {
                "adds `security_opt: [no-new-privileges:true]` (replaces `:false`)"
            }
            RuleId::UnconfinedProfile => {
                "removes `seccomp:unconfined`, `apparmor:unconfined`, `label:disable`"
            }
            RuleId::HostNamespace => {
                "reports host namespaces (`network_mode`, `pid`, `ipc`, `uts`, `userns_mode`, `cgroup`)"
            }
            RuleId::SensitiveMount => {
                "reports bind mounts of sensitive host paths (`/`, `/etc`, `/proc`, `~/.ssh`, ...)"
            }
        }
    }

    /// Whether the rule only reports (never edits).
    pub fn report_only(self) -> bool {
        matches!(self, RuleId::HostNamespace | RuleId::SensitiveMount)
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RuleId {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RuleId::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                let ids: Vec<&str> = RuleId::ALL.iter().map(|r| r.as_str()).collect();
                format!("unknown rule `{s}` (rules: {})", ids.join(", "))
            })
    }
}

/// The rule's documentation page (`docs/rules/<id>.md`).
pub fn doc(rule: RuleId) -> &'static str {
    match rule {
        RuleId::Privileged => include_str!("../docs/rules/privileged.md"),
        RuleId::DockerSocket => include_str!("../docs/rules/docker-socket.md"),
        RuleId::InlineSecret => include_str!("../docs/rules/inline-secret.md"),
        RuleId::EnvFileSecret => include_str!("../docs/rules/env-file-secret.md"),
        RuleId::BuildArgSecret => include_str!("../docs/rules/build-arg-secret.md"),
        RuleId::RootUser => include_str!("../docs/rules/root-user.md"),
        RuleId::WritableRootfs => include_str!("../docs/rules/writable-rootfs.md"),
        RuleId::Capabilities => include_str!("../docs/rules/capabilities.md"),
        RuleId::NoNewPrivileges => include_str!("../docs/rules/no-new-privileges.md"),
        RuleId::UnconfinedProfile => include_str!("../docs/rules/unconfined-profile.md"),
        RuleId::HostNamespace => include_str!("../docs/rules/host-namespace.md"),
        RuleId::SensitiveMount => include_str!("../docs/rules/sensitive-mount.md"),
    }
}
