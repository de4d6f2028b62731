//! `docker-socket`: whoever can talk to the engine's API can start a privileged container that
//! mounts the host's `/`; a socket mounted `:ro` is still the whole API. By default every
//! consumer goes through one hardened socket-proxy sidecar that alone mounts the socket and
//! lets through only the API sections its clients need.

use super::{Context, Finding, Outcome, Pass, excepted_finding, finding, remove_items, unset};
use crate::edit::{Op, Path, Value};
use crate::knowledge::socket_consumers::{
    self as consumers, Consumer, Endpoint, PROXY, PROXY_NETWORK, PROXY_SERVICE,
};
use crate::knowledge::split_reference;
use crate::model::{ComposeBool, EnvForm, Mount, Service, environment, is_engine_socket, mounts};
use crate::options::SocketStrategy;
use crate::rules::RuleId;

pub struct DockerSocket;

/// How one service reaches the engine.
struct Access {
    /// Socket mounts (and binds of `/run`, `/var/run`).
    mounts: Vec<Mount>,
    use_api_socket: bool,
    /// `DOCKER_HOST=unix://...` in the environment.
    unix_host: bool,
}

impl Access {
    fn of(svc: &Service) -> Option<Access> {
        let mounts: Vec<Mount> = mounts(svc)
            .into_iter()
            .filter(|m| m.source.as_deref().is_some_and(is_engine_socket))
            .collect();
        let use_api_socket = svc.bool("use_api_socket") == Some(ComposeBool::True);
        let unix_host = environment(svc).1.iter().any(|v| {
            v.name == "DOCKER_HOST" && v.value.as_deref().is_some_and(|x| x.starts_with("unix://"))
        });
        (!mounts.is_empty() || use_api_socket || unix_host).then_some(Access {
            mounts,
            use_api_socket,
            unix_host,
        })
    }

    fn describe(&self) -> String {
        let mut what: Vec<String> = self
            .mounts
            .iter()
            .map(|m| {
                let src = m.source.as_deref().unwrap_or("");
                let ro = if m.read_only {
                    " (read-only: the API is still all there)"
                } else {
                    ""
                };
                if src.ends_with(".sock") {
                    format!("mounts the engine socket `{src}`{ro}")
                } else {
                    format!("mounts `{src}`, which holds the engine socket{ro}")
                }
            })
            .collect();
        if self.use_api_socket {
            what.push("has `use_api_socket: true`".into());
        }
        if self.unix_host && self.mounts.is_empty() {
            what.push("points DOCKER_HOST at a unix socket".into());
        }
        what.join(", ")
    }
}

/// A `network_mode` that keeps the service off Compose networks (`host`, `none`, `bridge`,
/// `service:x`, `container:x`): it cannot join the proxy's network.
pub fn fixed_network_mode<'a>(svc: &Service<'a>) -> Option<&'a str> {
    svc.str("network_mode")
        .filter(|m| !m.is_empty() && *m != "default")
}

/// Whether the service reaches the engine through a socket mount or `use_api_socket`.
pub fn uses_engine(svc: &Service) -> bool {
    Access::of(svc).is_some_and(|a| !a.mounts.is_empty() || a.use_api_socket)
}

fn repository(svc: &Service) -> Option<String> {
    svc.image().and_then(split_reference).map(|(r, _)| r)
}

/// A consumer the proxy will serve, and what it gets.
struct Client<'a> {
    svc: &'a Service<'a>,
    access: Access,
    known: Option<&'static Consumer>,
    sections: Vec<&'static str>,
}

impl Pass for DockerSocket {
    fn rule(&self) -> RuleId {
        RuleId::DockerSocket
    }

    fn run(&self, cx: &Context, out: &mut Outcome) {
        let rule = self.rule();
        let strategy = cx.options.socket;
        let mut clients: Vec<Client> = Vec::new();
        let mut pending: Vec<Finding> = Vec::new();
        for svc in &cx.services {
            let Some(access) = Access::of(svc) else {
                continue;
            };
            let base = finding(
                rule,
                svc,
                Some("volumes").filter(|_| !access.mounts.is_empty()),
                format!(
                    "{}: whoever controls this container controls the host",
                    access.describe()
                ),
            );
            let base = match access.mounts.first() {
                Some(m) => base.at(svc.location_of(m.node)),
                None => base,
            };
            if svc.is_skipped(rule) {
                out.findings.push(base);
                continue;
            }
            if let Some(f) = excepted_finding(cx, svc, rule, "engine access kept") {
                out.findings.push(f);
                continue;
            }
            match strategy {
                SocketStrategy::Keep => out.findings.push(base),
                SocketStrategy::Remove => {
                    let mut f = base;
                    f.message.push_str(": access removed");
                    out.follow_up(
                        rule,
                        Some(&svc.name),
                        format!(
                            "{} no longer reaches the engine: whatever it did with the API (discovery, restarts, updates) stops; use --docker-socket proxy to keep the read-only part",
                            svc.name
                        ),
                    );
                    let ops = cut_access(svc, &access, None);
                    out.findings.push(f.fix("removed", ops));
                }
                SocketStrategy::Proxy => {
                    if let Some(mode) = fixed_network_mode(svc) {
                        let mut f = base;
                        f.message.push_str(&format!(
                            ": left, because `network_mode: {mode}` cannot join the proxy's network; give the service its own network to put it behind the proxy"
                        ));
                        out.findings.push(f);
                        continue;
                    }
                    let known = repository(svc).as_deref().and_then(consumers::lookup);
                    let swarm = swarm_mode(svc);
                    let sections = match known {
                        Some(c) => c.sections(swarm),
                        None => {
                            let mut s = consumers::baseline().to_vec();
                            s.extend(consumers::default_allow());
                            s
                        }
                    };
                    pending.push(base);
                    clients.push(Client {
                        svc,
                        access,
                        known,
                        sections,
                    });
                }
            }
        }
        if clients.is_empty() {
            return;
        }
        let proxy = unique_service_name(cx);
        let network = unique_network_name(cx);
        let shared = proxy_ops(&clients, &proxy, &network);
        let url = format!("tcp://{proxy}:{}", PROXY.port);
        // The proxy and its network are made once, with the first consumer's fix.
        let mut shared = Some(shared);
        for (client, mut f) in clients.iter().zip(pending) {
            let svc = client.svc;
            let mut ops = cut_access(svc, &client.access, Some(&url));
            ops.extend(join_network(svc, &network));
            ops.extend(depend_on(svc, &proxy));
            ops.extend(endpoint_ops(out, client, &url));
            ops.extend(shared.take().into_iter().flatten());
            let granted: Vec<&str> = client
                .sections
                .iter()
                .filter(|s| !consumers::baseline().contains(s))
                .copied()
                .collect();
            f.message.push_str(&format!(
                ": now reaches the engine through `{proxy}` ({url}), allowed {}",
                if granted.is_empty() {
                    "only the version handshake".to_string()
                } else {
                    granted.join(", ")
                }
            ));
            match client.known {
                Some(c) => {
                    f.message.push_str(&format!(" ({}: {})", c.name, c.source));
                    if c.root_equivalent() {
                        out.follow_up(
                            RuleId::DockerSocket,
                            Some(&svc.name),
                            format!(
                                "{} needs API calls that amount to root on the host ({}); the proxy only narrows what else it could do",
                                svc.name,
                                granted.join(", ")
                            ),
                        );
                    }
                }
                None => out.follow_up(
                    rule,
                    Some(&svc.name),
                    format!(
                        "compose-harden does not know what {} needs from the engine: it was given read-only access to containers and events; if it needs more (starting or stopping containers, images, networks), add the sections to `{proxy}`'s SP_ALLOW_* variables (see docs/socket-proxy.md)",
                        svc.image_label()
                    ),
                ),
            }
            out.findings.push(f.fix("replaced", ops));
        }
    }
}

/// Traefik in swarm mode needs services and tasks too.
fn swarm_mode(svc: &Service) -> bool {
    command_args(svc).is_some_and(|(_, args)| {
        args.iter().any(|a| {
            let a = a.to_ascii_lowercase();
            a.starts_with("--providers.swarm") || a.starts_with("--providers.docker.swarmmode")
        })
    })
}

/// The edits that take the engine away from a service: socket mounts removed,
/// `use_api_socket` dropped, `DOCKER_HOST` pointed at the proxy (or dropped).
fn cut_access(svc: &Service, access: &Access, url: Option<&str>) -> Vec<Op> {
    let mut ops = Vec::new();
    if !access.mounts.is_empty() {
        let indices: Vec<usize> = access.mounts.iter().map(|m| m.index).collect();
        ops.extend(remove_items(svc, "volumes", &indices, false));
    }
    if access.use_api_socket {
        ops.push(unset(svc, "use_api_socket", Value::Bool(false)));
    }
    let (form, vars) = environment(svc);
    let env = svc.path().key("environment");
    match (url, vars.iter().find(|v| v.name == "DOCKER_HOST")) {
        (Some(url), Some(v)) if v.value.as_deref().is_some_and(|x| x.starts_with("unix://")) => ops
            .push(match form {
                EnvForm::List => Op::Set {
                    path: env.index(v.index.unwrap_or(0)),
                    value: Value::str(format!("DOCKER_HOST={url}")),
                },
                _ => Op::Set {
                    path: env.key("DOCKER_HOST"),
                    value: Value::str(url),
                },
            }),
        (Some(url), None) => ops.push(match form {
            EnvForm::List => Op::Append {
                path: env,
                items: vec![Value::str(format!("DOCKER_HOST={url}"))],
            },
            _ => Op::Set {
                path: env.key("DOCKER_HOST"),
                value: Value::str(url),
            },
        }),
        (None, Some(v)) if v.value.as_deref().is_some_and(|x| x.starts_with("unix://")) => ops
            .push(match form {
                EnvForm::List => Op::Remove {
                    path: env.index(v.index.unwrap_or(0)),
                },
                _ => Op::Remove {
                    path: env.key("DOCKER_HOST"),
                },
            }),
        _ => {}
    }
    ops
}

/// The consumer joins the proxy's network and keeps every network it had; one that was on the
/// implicit default network lists `default`, so nothing else loses its route to it.
fn join_network(svc: &Service, network: &str) -> Vec<Op> {
    let tree = &svc.doc.tree;
    let path = svc.path().key("networks");
    // An empty `networks:` (`{}`, `[]`) means the default network, like none at all.
    let empty = svc
        .get("networks")
        .is_none_or(|e| tree.raw_entries(e.value).is_empty() && tree.items(e.value).is_empty());
    match svc.get("networks") {
        _ if empty => vec![Op::Set {
            path,
            value: Value::strs(["default", network]),
        }],
        Some(e) if tree.is_map(e.value) => vec![Op::Set {
            path: path.key(network),
            value: Value::Null,
        }],
        Some(e) if tree.is_seq(e.value) => vec![Op::Append {
            path,
            items: vec![Value::str(network)],
        }],
        _ => vec![Op::Set {
            path,
            value: Value::strs(["default", network]),
        }],
    }
}

/// Starts the consumer after the proxy is healthy.
fn depend_on(svc: &Service, proxy: &str) -> Vec<Op> {
    let tree = &svc.doc.tree;
    let path = svc.path().key("depends_on");
    let healthy = Value::map([("condition", Value::str("service_healthy"))]);
    match svc.get("depends_on") {
        Some(e) if tree.is_seq(e.value) => vec![Op::Append {
            path,
            items: vec![Value::str(proxy)],
        }],
        Some(e) if tree.is_map(e.value) => vec![Op::Set {
            path: path.key(proxy),
            value: healthy,
        }],
        _ => vec![Op::Set {
            path,
            value: Value::map([(proxy, healthy)]),
        }],
    }
}

/// `command` as its arguments: (is it a list, the arguments). Strings are split on blanks
/// only when they hold no quotes, the one case where that is exactly what Compose does.
fn command_args(svc: &Service) -> Option<(bool, Vec<String>)> {
    let e = svc.get("command")?;
    let tree = &svc.doc.tree;
    if tree.is_seq(e.value) {
        let args = crate::model::strings_of(svc.doc, e.value)
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        return Some((true, args));
    }
    let s = tree.non_null_scalar(e.value)?;
    if s.contains(['"', '\'', '\\', '$']) {
        return None;
    }
    Some((false, s.split_whitespace().map(str::to_string).collect()))
}

/// Where the consumer takes its endpoint besides DOCKER_HOST: a flag rewritten in `command`,
/// a variable set, or the exact follow-up for a config file or a web interface.
fn endpoint_ops(out: &mut Outcome, client: &Client, url: &str) -> Vec<Op> {
    let svc = client.svc;
    let Some(c) = client.known else {
        return Vec::new();
    };
    if let Some((list, args)) = command_args(svc)
        && let Some(new) = consumers::endpoint_flag_rewrite(c, &args, url)
    {
        let path = svc.path().key("command");
        if !list {
            return vec![Op::Set {
                path,
                value: Value::str(new.join(" ")),
            }];
        }
        // Only the arguments that change are touched.
        let mut ops: Vec<Op> = args
            .iter()
            .zip(&new)
            .enumerate()
            .filter(|(_, (old, new))| old != new)
            .map(|(i, (_, new))| Op::Set {
                path: path.clone().index(i),
                value: Value::str(new.clone()),
            })
            .collect();
        if new.len() > args.len() {
            ops.push(Op::Append {
                path,
                items: new[args.len()..].iter().cloned().map(Value::Str).collect(),
            });
        }
        return ops;
    }
    let config_mounted = |file: &str| {
        let stem = file.split('.').next().unwrap_or(file);
        mounts(svc)
            .iter()
            .any(|m| m.target.as_deref().is_some_and(|t| t.contains(stem)))
    };
    for endpoint in c.endpoints {
        match *endpoint {
            Endpoint::DockerHost | Endpoint::Flag(_) => {}
            Endpoint::Env(var) => {
                if c.name == "traefik" && (svc.has("command") || config_mounted("traefik.yml")) {
                    continue;
                }
                let (form, _) = environment(svc);
                let env = svc.path().key("environment");
                return vec![match form {
                    EnvForm::List => Op::Append {
                        path: env,
                        items: vec![Value::str(format!("{var}={url}"))],
                    },
                    _ => Op::Set {
                        path: env.key(var),
                        value: Value::str(url),
                    },
                }];
            }
            Endpoint::ConfigFile { file, key } => {
                out.follow_up(
                    RuleId::DockerSocket,
                    Some(&svc.name),
                    format!("set `{key}` to `{url}` in {file} (the file {} reads its engine endpoint from)", svc.name),
                );
                return Vec::new();
            }
            Endpoint::Ui(where_) => {
                out.follow_up(
                    RuleId::DockerSocket,
                    Some(&svc.name),
                    format!(
                        "in {}'s web interface ({where_}), change the Docker host to `{url}`",
                        svc.name
                    ),
                );
                return Vec::new();
            }
            Endpoint::Fixed => {
                out.follow_up(
                    RuleId::DockerSocket,
                    Some(&svc.name),
                    format!("{} has no setting for its engine endpoint that its documentation names: check that it honours DOCKER_HOST", svc.name),
                );
                return Vec::new();
            }
        }
    }
    Vec::new()
}

fn unique_service_name(cx: &Context) -> String {
    let taken = |n: &str| cx.services.iter().any(|s| s.name == n);
    if !taken(PROXY_SERVICE) {
        return PROXY_SERVICE.into();
    }
    (2..)
        .map(|i| format!("{PROXY_SERVICE}-{i}"))
        .find(|n| !taken(n))
        .unwrap_or_else(|| PROXY_SERVICE.into())
}

fn unique_network_name(cx: &Context) -> String {
    let tree = &cx.doc.tree;
    let taken = |n: &str| {
        tree.get(cx.doc.root(), "networks")
            .is_some_and(|t| tree.get(t.value, n).is_some())
    };
    if !taken(PROXY_NETWORK) {
        return PROXY_NETWORK.into();
    }
    (2..)
        .map(|i| format!("{PROXY_NETWORK}-{i}"))
        .find(|n| !taken(n))
        .unwrap_or_else(|| PROXY_NETWORK.into())
}

/// The proxy service and its internal network: one for the whole file, its allowlist the union
/// of what the consumers need.
fn proxy_ops(clients: &[Client], proxy: &str, network: &str) -> Vec<Op> {
    let names: Vec<&str> = clients.iter().map(|c| c.svc.name.as_str()).collect();
    let sections: Vec<&str> = clients
        .iter()
        .flat_map(|c| c.sections.iter().copied())
        .collect();
    // Sections come from our own table: an unknown one would be a defect the tests catch.
    let env = consumers::proxy_environment(&names, sections).unwrap_or_default();
    let socket = clients
        .iter()
        .flat_map(|c| c.access.mounts.iter())
        .filter_map(|m| m.source.clone())
        .find(|s| s.ends_with(".sock"))
        .unwrap_or_else(|| "/var/run/docker.sock".into());
    let mut service: Vec<(String, Value)> = vec![
        ("image".into(), Value::str(PROXY.image)),
        ("restart".into(), Value::str(PROXY.restart)),
        (
            "environment".into(),
            Value::Map(env.into_iter().map(|(k, v)| (k, Value::Str(v))).collect()),
        ),
        (
            "volumes".into(),
            Value::strs([format!("{socket}:/var/run/docker.sock:ro")]),
        ),
        ("networks".into(), Value::strs([network])),
        (
            "healthcheck".into(),
            Value::map([
                ("test", Value::strs(PROXY.healthcheck_test.iter().copied())),
                ("interval", Value::str("30s")),
                ("timeout", Value::str("5s")),
                ("retries", Value::Int(3)),
            ]),
        ),
    ];
    if let Some(m) = PROXY.mem_limit {
        service.push(("mem_limit".into(), Value::str(m)));
    }
    if let Some(u) = PROXY.user {
        service.push(("user".into(), Value::str(u)));
    }
    service.push(("read_only".into(), Value::Bool(PROXY.read_only)));
    if !PROXY.tmpfs.is_empty() {
        service.push(("tmpfs".into(), Value::strs(PROXY.tmpfs.iter().copied())));
    }
    service.push((
        "cap_drop".into(),
        Value::strs(PROXY.cap_drop.iter().copied()),
    ));
    if !PROXY.cap_add.is_empty() {
        service.push(("cap_add".into(), Value::strs(PROXY.cap_add.iter().copied())));
    }
    service.push((
        "security_opt".into(),
        Value::strs(PROXY.security_opt.iter().copied()),
    ));
    service.push((
        "x-harden".into(),
        Value::map([
            ("skip", Value::strs(["docker-socket", "root-user"])),
            (
                "reason",
                Value::str(format!(
                    "the socket proxy: the one service that reaches the engine (read-only mount), letting through only what {} need; it runs as uid 0 to open the socket (root:docker 0660) without knowing the host's docker group id, with no capability",
                    names.join(", ")
                )),
            ),
        ]),
    ));
    vec![
        Op::Set {
            path: Path::service(proxy),
            value: Value::Map(service),
        },
        Op::Set {
            path: Path::root().key("networks").key(network),
            value: Value::map([("internal", Value::Bool(true))]),
        },
    ]
}
