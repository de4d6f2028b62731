//! Passes: one per rule, run in registry order. A pass reads the model and returns findings,
//! each with the edits that fix it; it never prints and never writes files.

mod build_arg_secret;
mod capabilities;
pub(crate) mod docker_socket;
mod env_file_secret;
mod host_namespace;
mod inline_secret;
pub(crate) mod no_new_privileges;
mod privileged;
mod root_user;
mod secret_moves;
mod sensitive_mount;
mod unconfined_profile;
mod writable_rootfs;

use crate::edit::{Edit, Op, Path, Value};
use crate::error::Location;
use crate::knowledge::Knowledge;
use crate::load::Document;
use crate::model::Service;
use crate::options::Options;
use crate::rules::{RuleId, Severity};
use crate::secrets::SecretPlan;

/// What was done about a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Edits were applied.
    Fixed,
    /// Reported and left as it is.
    Left,
    /// Kept because the service's `x-harden` accepts the risk.
    Accepted(String),
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: RuleId,
    pub service: Option<String>,
    pub severity: Severity,
    pub location: Location,
    /// Where in the document, e.g. `services.vpn.privileged`.
    pub path: String,
    pub message: String,
    /// What the fix does: `removed`, `added`, `replaced`, `moved`.
    pub action: Option<&'static str>,
    pub edits: Vec<Op>,
    pub status: Status,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FollowUp {
    pub rule: RuleId,
    pub service: Option<String>,
    pub message: String,
}

/// Everything the passes produced.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub follow_ups: Vec<FollowUp>,
    pub secrets: SecretPlan,
    /// Files other than the compose file that the fixes need written (sanitised env files).
    pub side_files: Vec<crate::secrets::SideFile>,
    /// Things to know that belong to no rule (where the output lives, what it reads).
    pub notes: Vec<String>,
    /// Every secret value found, moved or not, as decoded and as written: nothing printed may
    /// contain one.
    pub sensitive: Vec<String>,
    follow_up_seen: std::collections::HashSet<FollowUp>,
}

impl Outcome {
    /// Records a secret value (and, when it is written in the file, its spelling there, line by
    /// line) so that no report, diff or message prints it.
    pub fn sensitive(&mut self, doc: &Document, node: Option<crate::load::NodeId>, value: &str) {
        self.sensitive.push(value.to_string());
        if let Some(id) = node {
            let n = doc.tree.node(doc.tree.deref(id));
            let raw = &doc.text[n.start.min(n.end)..n.end];
            self.sensitive.push(raw.to_string());
            for line in raw.lines() {
                self.sensitive.push(line.trim().to_string());
            }
        }
    }

    pub fn follow_up(&mut self, rule: RuleId, service: Option<&str>, message: impl Into<String>) {
        let f = FollowUp {
            rule,
            service: service.map(str::to_string),
            message: message.into(),
        };
        if self.follow_up_seen.insert(f.clone()) {
            self.follow_ups.push(f);
        }
    }

    /// The edits of every fixed finding, in pass order, without repeats.
    pub fn edits(&self) -> Vec<Edit> {
        let mut seen: std::collections::HashSet<&Op> = std::collections::HashSet::new();
        let mut out: Vec<Edit> = Vec::new();
        for f in &self.findings {
            if f.status != Status::Fixed {
                continue;
            }
            for op in &f.edits {
                if seen.insert(op) {
                    out.push(Edit {
                        by: f.rule.as_str(),
                        op: op.clone(),
                    });
                }
            }
        }
        merge_appends(out)
    }
}

/// Several passes may append to one list that does not exist yet; one append creates it.
fn merge_appends(edits: Vec<Edit>) -> Vec<Edit> {
    let mut out: Vec<Edit> = Vec::new();
    let mut by_path: std::collections::HashMap<Path, usize> = std::collections::HashMap::new();
    for e in edits {
        if let Op::Append { path, items } = &e.op {
            if let Some(&i) = by_path.get(path) {
                if let Op::Append { items: prev, .. } = &mut out[i].op {
                    for item in items {
                        if !prev.contains(item) {
                            prev.push(item.clone());
                        }
                    }
                }
                continue;
            }
            by_path.insert(path.clone(), out.len());
        }
        out.push(e);
    }
    out
}

/// What a pass can see.
pub struct Context<'a> {
    pub doc: &'a Document,
    pub services: Vec<Service<'a>>,
    pub options: &'a Options,
    pub knowledge: &'a Knowledge,
}

pub trait Pass {
    fn rule(&self) -> RuleId;
    fn run(&self, cx: &Context, out: &mut Outcome);
}

/// Every pass, in the order they run.
pub fn registry() -> Vec<Box<dyn Pass>> {
    vec![
        Box::new(privileged::Privileged),
        Box::new(docker_socket::DockerSocket),
        Box::new(inline_secret::InlineSecret),
        Box::new(env_file_secret::EnvFileSecret),
        Box::new(build_arg_secret::BuildArgSecret),
        Box::new(root_user::RootUser),
        Box::new(writable_rootfs::WritableRootfs),
        Box::new(capabilities::Capabilities),
        Box::new(no_new_privileges::NoNewPrivileges),
        Box::new(unconfined_profile::UnconfinedProfile),
        Box::new(host_namespace::HostNamespace),
        Box::new(sensitive_mount::SensitiveMount),
    ]
}

/// Runs every pass and settles each finding's status against the services' exceptions.
pub fn run_all(cx: &Context) -> Outcome {
    let mut out = Outcome::default();
    for pass in registry() {
        let before = out.findings.len();
        pass.run(cx, &mut out);
        debug_assert!(out.findings[before..].iter().all(|f| f.rule == pass.rule()));
    }
    let by_name: std::collections::HashMap<&str, &Service> =
        cx.services.iter().map(|s| (s.name.as_str(), s)).collect();
    for f in &mut out.findings {
        let skipped = f
            .service
            .as_deref()
            .and_then(|name| by_name.get(name))
            .filter(|s| s.is_skipped(f.rule));
        if let Some(svc) = skipped {
            let reason = svc.exceptions.reason.clone().unwrap_or_default();
            f.status = Status::Accepted(reason_for(&reason, f.rule));
            f.edits.clear();
        } else if f.edits.is_empty() {
            f.status = Status::Left;
        } else {
            f.status = Status::Fixed;
        }
    }
    // A follow-up about a kept risk is noise.
    out.follow_ups.retain(|u| {
        u.service
            .as_deref()
            .and_then(|name| by_name.get(name))
            .is_none_or(|s| !s.is_skipped(u.rule))
    });
    out
}

/// The part of an `x-harden` reason about one rule, when it is written `rule: why; rule: why`
/// (as the tool writes it); the whole reason otherwise.
fn reason_for(reason: &str, rule: RuleId) -> String {
    let prefix = format!("{rule}: ");
    reason
        .split("; ")
        .find_map(|part| part.strip_prefix(&prefix))
        .map_or_else(|| reason.to_string(), str::to_string)
}

/// Builds a finding about a service.
pub fn finding(
    rule: RuleId,
    svc: &Service,
    key: Option<&str>,
    message: impl Into<String>,
) -> Finding {
    let mut path = svc.path();
    if let Some(k) = key {
        path = path.key(k);
    }
    Finding {
        rule,
        service: Some(svc.name.clone()),
        severity: rule.severity(),
        location: svc.location(key),
        path: path.to_string(),
        message: message.into(),
        action: None,
        edits: Vec::new(),
        status: Status::Left,
    }
}

impl Finding {
    pub fn fix(mut self, action: &'static str, edits: Vec<Op>) -> Self {
        self.action = Some(action);
        self.edits = edits;
        self
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = location;
        self
    }
}

/// Edits that make `item` part of the list at `key`, however the list is written now.
pub fn add_to_list(svc: &Service, key: &str, items: Vec<Value>) -> Op {
    Op::Append {
        path: svc.path().key(key),
        items,
    }
}

/// Edits that take `key` out of a service: removed where written locally, overridden with
/// `replacement` where it reaches the service through a merge key.
pub fn unset(svc: &Service, key: &str, replacement: Value) -> Op {
    let path = svc.path().key(key);
    match svc.get(key) {
        Some(e) if !e.local => Op::Set {
            path,
            value: replacement,
        },
        _ => Op::Remove { path },
    }
}

/// Removes list items by index; an emptied list is removed (or emptied, when inherited).
pub fn remove_items(svc: &Service, key: &str, indices: &[usize], adding: bool) -> Vec<Op> {
    let Some(e) = svc.get(key) else {
        return Vec::new();
    };
    let total = svc.doc.tree.items(e.value).len();
    if !adding && indices.len() >= total {
        return vec![unset(svc, key, Value::Seq(Vec::new()))];
    }
    indices
        .iter()
        .map(|&i| Op::Remove {
            path: svc.path().key(key).index(i),
        })
        .collect()
}

/// Rules a service cannot run under, with why: from the knowledge base (an image that must
/// start as root, or write outside its volumes) and from what the service is (a socket proxy,
/// or a consumer that needs the whole engine API). Rules the service already skips are left out.
pub fn automatic_exceptions(cx: &Context, svc: &Service) -> Vec<(RuleId, String)> {
    use crate::knowledge::socket_consumers;
    let mut out = Vec::new();
    let repo = svc
        .image()
        .and_then(crate::knowledge::split_reference)
        .map(|(r, _)| r);
    let engine = docker_socket::uses_engine(svc);
    let proxy = repo
        .as_deref()
        .is_some_and(socket_consumers::is_socket_proxy);
    if proxy {
        if engine && !svc.is_skipped(RuleId::DockerSocket) {
            out.push((
                RuleId::DockerSocket,
                "a socket proxy: the one service meant to reach the engine, filtering what its clients may do".to_string(),
            ));
        }
        if !svc.has("user") && !svc.is_skipped(RuleId::RootUser) {
            out.push((
                RuleId::RootUser,
                "a socket proxy opens the engine socket (root:docker 0660) and the host's docker group id is not known here".to_string(),
            ));
        }
    } else if engine
        && cx.options.socket == crate::options::SocketStrategy::Proxy
        && !svc.is_skipped(RuleId::DockerSocket)
        && let Some(c) = repo.as_deref().and_then(socket_consumers::lookup)
        && c.full_access
    {
        out.push((
            RuleId::DockerSocket,
            format!(
                "{} needs the whole engine API (it creates containers), so a proxy could not narrow it; run it on an isolated engine if you can (source: {})",
                c.name, c.source
            ),
        ));
    }
    // A service that keeps the engine socket must be able to open it (root:docker 0660).
    let unreachable = docker_socket::fixed_network_mode(svc).is_some();
    let keeps_socket = engine
        && !proxy
        && (svc.is_skipped(RuleId::DockerSocket)
            || out.iter().any(|(r, _)| *r == RuleId::DockerSocket)
            || cx.options.socket == crate::options::SocketStrategy::Keep
            || cx.options.socket == crate::options::SocketStrategy::Proxy && unreachable);
    if keeps_socket && !svc.has("user") && !svc.is_skipped(RuleId::RootUser) {
        out.push((
            RuleId::RootUser,
            "it keeps the engine socket (root:docker 0660), which a non-root uid outside the host's docker group cannot open".to_string(),
        ));
    }
    let Some(k) = svc.image().and_then(|i| cx.knowledge.lookup(i)) else {
        return out;
    };
    let cite = format!("(knowledge: {}, {})", k.profile.name, k.source());
    if let Some(why) = &k.needs_root
        && !svc.has("user")
        && !svc.is_skipped(RuleId::RootUser)
        && !out.iter().any(|(r, _)| *r == RuleId::RootUser)
    {
        out.push((RuleId::RootUser, format!("{why} {cite}")));
    }
    if !k.read_only && !svc.is_skipped(RuleId::WritableRootfs) {
        let why = k
            .profile
            .notes
            .clone()
            .unwrap_or_else(|| "the image writes outside its volumes at run time".into());
        out.push((RuleId::WritableRootfs, format!("{why} {cite}")));
    }
    out
}

/// When `rule` is automatically excepted for the service: the finding that records it in the
/// service's `x-harden` (`what` says what stays as it is).
pub fn excepted_finding(cx: &Context, svc: &Service, rule: RuleId, what: &str) -> Option<Finding> {
    let why = automatic_exception(cx, svc, rule)?;
    let f = finding(
        rule,
        svc,
        None,
        format!("{what} because {why}; recorded in x-harden"),
    );
    Some(match exception_edit(cx, svc) {
        Some(op) => f.fix("excepted", vec![op]),
        None => f,
    })
}

/// The automatic exception for one rule, if any.
pub fn automatic_exception(cx: &Context, svc: &Service, rule: RuleId) -> Option<String> {
    automatic_exceptions(cx, svc)
        .into_iter()
        .find(|(r, _)| *r == rule)
        .map(|(_, why)| why)
}

/// The edit that records automatic exceptions in the service's own `x-harden`, so the file
/// states its accepted risks and a re-run keeps them. Every pass that asks computes the same
/// edit, so it is made once.
pub fn exception_edit(cx: &Context, svc: &Service) -> Option<Op> {
    let new = automatic_exceptions(cx, svc);
    if new.is_empty() {
        return None;
    }
    let doc = svc.doc;
    let tree = &doc.tree;
    let mut entries: Vec<(String, Value)> = Vec::new();
    let mut skip: Vec<Value> = Vec::new();
    let mut reasons: Vec<String> = Vec::new();
    if let Some(x) = svc.get("x-harden") {
        for e in tree.entries(x.value) {
            match e.key.as_str() {
                "skip" => skip.extend(
                    crate::model::strings_of(doc, e.value)
                        .into_iter()
                        .map(|(_, s)| Value::Str(s)),
                ),
                "reason" => reasons.extend(tree.non_null_scalar(e.value).map(str::to_string)),
                _ => entries.push((e.key.clone(), Value::Node(e.value))),
            }
        }
    }
    for (rule, why) in &new {
        skip.push(Value::str(rule.as_str()));
        reasons.push(format!("{rule}: {why}"));
    }
    let mut value = vec![
        ("skip".to_string(), Value::Seq(skip)),
        ("reason".to_string(), Value::Str(reasons.join("; "))),
    ];
    value.extend(entries);
    Some(Op::Set {
        path: svc.path().key("x-harden"),
        value: Value::Map(value),
    })
}
