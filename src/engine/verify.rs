//! `compose-harden verify`: compares what the engine actually runs for a Compose project with
//! the hardened intent (privileged, capabilities, read-only root, no-new-privileges, user,
//! engine sockets, secrets). Exceptions written in the file (`x-harden.skip`) are honoured and
//! reported as such. A secret value is never printed: only the variable's name.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::Engine;
use crate::error::{Error, exit};
use crate::knowledge::secret_names;
use crate::load::{self, Document};
use crate::model::{is_root_user, normalize_cap};

/// The label Compose (v1 and v2) puts on every container of a project.
pub const PROJECT_LABEL: &str = "com.docker.compose.project";
pub const SERVICE_LABEL: &str = "com.docker.compose.service";

/// Output format of `verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            other => Err(format!("unknown verify format `{other}` (text, json)")),
        }
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Gap,
    /// Not hardened, and the file says so on purpose (`x-harden.skip`).
    Excepted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Gap => "GAP",
            Status::Excepted => "excepted",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// A rule id where the check matches one (`privileged`, `capabilities`, ...), else `secrets`.
    pub check: &'static str,
    pub status: Status,
    pub detail: String,
}

#[derive(Debug, Clone)]
pub struct ContainerReport {
    pub service: String,
    pub container: String,
    pub state: String,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub project: String,
    pub file: Option<String>,
    pub containers: Vec<ContainerReport>,
}

impl Report {
    pub fn gaps(&self) -> usize {
        self.containers
            .iter()
            .flat_map(|c| &c.checks)
            .filter(|c| c.status == Status::Gap)
            .count()
    }
}

/// What the compose file intends for one service.
#[derive(Debug, Clone, Default)]
pub struct Intent {
    /// The service is in the file.
    pub known: bool,
    /// `cap_add`, normalized (`NET_ADMIN`), sorted.
    pub cap_add: Vec<String>,
    /// Rule ids in `x-harden.skip`.
    pub skip: Vec<String>,
    pub reason: Option<String>,
    /// Where the service's `secrets:` are mounted.
    pub secret_targets: Vec<String>,
}

impl Intent {
    fn skips(&self, rule: &str) -> bool {
        self.skip.iter().any(|s| s == rule)
    }
}

/// What the file (if any) says: per service intents.
#[derive(Debug, Clone, Default)]
pub struct FileIntent {
    pub name: Option<String>,
    pub services: Vec<(String, Intent)>,
}

impl FileIntent {
    pub fn from_value(value: &Value) -> Self {
        let name = value
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string);
        let services = value
            .get("services")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(name, svc)| (name.clone(), intent_of(svc)))
                    .collect()
            })
            .unwrap_or_default();
        FileIntent { name, services }
    }

    fn service(&self, name: &str) -> Option<&Intent> {
        self.services
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, i)| i)
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn intent_of(svc: &Value) -> Intent {
    let mut cap_add: Vec<String> = strings(svc.get("cap_add"))
        .iter()
        .map(|c| normalize_cap(c))
        .collect();
    cap_add.sort();
    cap_add.dedup();
    let xh = svc.get("x-harden");
    let skip = strings(xh.and_then(|x| x.get("skip")));
    let reason = xh
        .and_then(|x| x.get("reason"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let secret_targets = match svc.get("secrets") {
        Some(Value::Array(items)) => items.iter().filter_map(secret_target).collect(),
        _ => Vec::new(),
    };
    Intent {
        known: true,
        cap_add,
        skip,
        reason,
        secret_targets,
    }
}

/// Where Compose mounts one entry of a service's `secrets:`.
fn secret_target(item: &Value) -> Option<String> {
    let (source, target) = match item {
        Value::String(s) => (s.as_str(), None),
        Value::Object(m) => (
            m.get("source").and_then(Value::as_str)?,
            m.get("target").and_then(Value::as_str),
        ),
        _ => return None,
    };
    Some(match target {
        Some(t) if t.starts_with('/') => t.to_string(),
        Some(t) => format!("/run/secrets/{t}"),
        None => format!("/run/secrets/{source}"),
    })
}

/// Compose's project-name normalization: lowercase, only `[a-z0-9_-]`, no leading `_`/`-`.
pub fn normalize_project_name(s: &str) -> String {
    let lower = s.to_lowercase();
    let kept: String = lower
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    kept.trim_start_matches(['_', '-']).to_string()
}

/// The project name as Compose chooses it: `-p`, `COMPOSE_PROJECT_NAME`, the file's `name:`,
/// the file's folder name.
pub fn project_name(
    given: Option<&str>,
    env: Option<&str>,
    file_name: Option<&str>,
    file: Option<&Path>,
) -> Result<String, Error> {
    let pick = |s: &str, from: &str| -> Result<String, Error> {
        let n = normalize_project_name(s);
        if n.is_empty() {
            Err(Error::Usage(format!(
                "the project name from {from} (`{s}`) is empty once normalized: name it with -p NAME"
            )))
        } else {
            Ok(n)
        }
    };
    if let Some(p) = given.filter(|p| !p.trim().is_empty()) {
        return pick(p, "-p");
    }
    if let Some(p) = env.filter(|p| !p.trim().is_empty()) {
        return pick(p, "COMPOSE_PROJECT_NAME");
    }
    if let Some(n) = file_name.filter(|n| !n.trim().is_empty()) {
        if n.contains('$') {
            return Err(Error::Usage(format!(
                "the file's `name: {n}` is interpolated: name the project with -p NAME"
            )));
        }
        return pick(n, "the file's `name:`");
    }
    let Some(file) = file else {
        return Err(Error::Usage(
            "no compose file found and no project name: pass FILE or -p NAME".into(),
        ));
    };
    let abs = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    let folder = abs
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    pick(&folder, "the file's folder name")
}

/// The `verify` command. Returns the exit code: 0 clean, 1 gaps, errors are exit 2.
pub fn run(file: Option<&Path>, project: Option<&str>, format: &str) -> Result<i32, Error> {
    let format: Format = format.parse().map_err(Error::Usage)?;
    let path: Option<PathBuf> = match file {
        Some(p) => Some(p.to_path_buf()),
        None => load::discover(None).ok(),
    };
    let doc: Option<Document> = match &path {
        Some(p) if p == Path::new("-") => {
            return Err(Error::Usage(
                "verify reads the compose file from disk, not stdin (`-`)".into(),
            ));
        }
        Some(p) => Some(load::load_path(p)?),
        None => None,
    };
    let intent = doc
        .as_ref()
        .map(|d| FileIntent::from_value(&d.value))
        .unwrap_or_default();
    let env_name = std::env::var("COMPOSE_PROJECT_NAME").ok();
    let project = project_name(
        project,
        env_name.as_deref(),
        intent.name.as_deref(),
        path.as_deref(),
    )?;
    let engine = Engine::from_env()?;
    let report = collect(&engine, &project, doc.as_ref().map(|_| &intent), path)?;
    let out = match format {
        Format::Text => render_text(&report),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&to_json(&report)).unwrap_or_default();
            s.push('\n');
            s
        }
    };
    print!("{out}");
    Ok(if report.gaps() > 0 {
        exit::FOUND
    } else {
        exit::OK
    })
}

/// Lists and inspects the project's containers and checks each.
pub fn collect(
    engine: &Engine,
    project: &str,
    intent: Option<&FileIntent>,
    file: Option<PathBuf>,
) -> Result<Report, Error> {
    let listed = engine.project_containers(project)?;
    if listed.is_empty() {
        return Err(Error::Usage(format!(
            "the Docker Engine at {} has no container of project `{project}` (label {PROJECT_LABEL}={project}): is it up? Name another project with -p NAME",
            engine.socket().display()
        )));
    }
    let mut containers = Vec::new();
    for c in &listed {
        let Some(id) = c.get("Id").and_then(Value::as_str) else {
            continue;
        };
        let inspected = match engine.inspect(id) {
            Ok(v) => v,
            // Removed between the list and the inspect.
            Err(_) if !still_there(engine, id) => continue,
            Err(e) => return Err(e),
        };
        // Environment-sourced secrets are copied into the container, not mounted: ask the
        // engine whether the file is there (`HEAD .../archive` answers 200 or 404).
        let present = |path: &str| {
            engine
                .request(
                    "HEAD",
                    &format!(
                        "/containers/{}/archive?path={}",
                        super::percent_encode(id),
                        super::percent_encode(path)
                    ),
                )
                .is_ok_and(|r| r.status == 200)
        };
        containers.push(check_container(&inspected, intent, &present));
    }
    containers.sort_by(|a, b| (&a.service, &a.container).cmp(&(&b.service, &b.container)));
    Ok(Report {
        project: project.to_string(),
        file: file.map(|p| p.display().to_string()),
        containers,
    })
}

fn still_there(engine: &Engine, id: &str) -> bool {
    engine
        .request(
            "GET",
            &format!("/containers/{}/json", super::percent_encode(id)),
        )
        .is_ok_and(|r| r.status != 404)
}

/// Every check for one inspected container (`GET /containers/{id}/json`).
/// `present` says whether a path exists in the container (for secrets that are not mounts).
pub fn check_container(
    c: &Value,
    file: Option<&FileIntent>,
    present: &dyn Fn(&str) -> bool,
) -> ContainerReport {
    let hc = &c["HostConfig"];
    let cfg = &c["Config"];
    let service = cfg["Labels"][SERVICE_LABEL]
        .as_str()
        .unwrap_or("")
        .to_string();
    let container = c["Name"]
        .as_str()
        .unwrap_or("")
        .trim_start_matches('/')
        .to_string();
    let state = c["State"]["Status"].as_str().unwrap_or("").to_string();
    let no_intent = Intent::default();
    let intent = file.and_then(|f| f.service(&service)).unwrap_or(&no_intent);
    let mut checks = Vec::new();
    let mut add = |rule: &'static str, ok: bool, detail: String| {
        checks.push(decide(rule, ok, detail, intent));
    };

    // privileged
    let privileged = hc["Privileged"].as_bool().unwrap_or(false);
    add(
        "privileged",
        !privileged,
        if privileged {
            "HostConfig.Privileged is true: every capability and every host device".into()
        } else {
            "not privileged".into()
        },
    );

    // capabilities
    let cap_drop: Vec<String> = strings(hc.get("CapDrop"))
        .iter()
        .map(|s| normalize_cap(s))
        .collect();
    let mut cap_add: Vec<String> = strings(hc.get("CapAdd"))
        .iter()
        .map(|s| normalize_cap(s))
        .collect();
    cap_add.sort();
    cap_add.dedup();
    let drops_all = cap_drop.iter().any(|c| c == "ALL");
    let adds_all = cap_add.iter().any(|c| c == "ALL");
    let mut problems = Vec::new();
    if !drops_all {
        problems.push(format!(
            "CapDrop is [{}]: ALL is missing, the default capabilities are kept",
            cap_drop.join(", ")
        ));
    }
    if adds_all {
        problems.push("CapAdd holds ALL".to_string());
    }
    if file.is_some() && intent.known && cap_add != intent.cap_add {
        problems.push(format!(
            "CapAdd is [{}], the file asks for [{}]",
            cap_add.join(", "),
            intent.cap_add.join(", ")
        ));
    }
    let cap_detail = if problems.is_empty() {
        let added = if cap_add.is_empty() {
            "none added".to_string()
        } else {
            format!("added [{}]", cap_add.join(", "))
        };
        let compared = if file.is_some() && intent.known {
            " (as the file asks)"
        } else {
            " (no compose file for this service: CapAdd not compared)"
        };
        format!("CapDrop ALL, {added}{compared}")
    } else {
        problems.join("; ")
    };
    add("capabilities", problems.is_empty(), cap_detail);

    // writable-rootfs
    let read_only = hc["ReadonlyRootfs"].as_bool().unwrap_or(false);
    add(
        "writable-rootfs",
        read_only,
        if read_only {
            "the root filesystem is read-only".into()
        } else {
            "HostConfig.ReadonlyRootfs is false: the root filesystem is writable".into()
        },
    );

    // no-new-privileges
    let security_opt = strings(hc.get("SecurityOpt"));
    let nnp = no_new_privileges(&security_opt);
    add(
        "no-new-privileges",
        nnp,
        if nnp {
            "no-new-privileges is set".into()
        } else {
            format!(
                "HostConfig.SecurityOpt [{}] lacks no-new-privileges:true",
                security_opt.join(", ")
            )
        },
    );

    // root-user
    let user = cfg["User"].as_str().unwrap_or("").trim().to_string();
    let root = is_root_user(&user);
    add(
        "root-user",
        !root,
        if user.is_empty() {
            "Config.User is empty: runs as root".into()
        } else if root {
            format!("Config.User is `{user}`: runs as root")
        } else {
            format!("runs as `{user}`")
        },
    );

    // docker-socket
    let mounts: Vec<&Value> = c["Mounts"]
        .as_array()
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    let sockets: Vec<String> = mounts
        .iter()
        .filter_map(|m| m["Source"].as_str())
        .filter(|s| crate::model::is_engine_socket(s))
        .map(str::to_string)
        .collect();
    add(
        "docker-socket",
        sockets.is_empty(),
        if sockets.is_empty() {
            "no engine socket mounted".into()
        } else {
            format!("mounts the engine socket {}", sockets.join(", "))
        },
    );

    // secrets: declared secrets and every `<VAR>_FILE=/run/secrets/...` are mounted
    let env: Vec<(String, String)> = strings(cfg.get("Env"))
        .iter()
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (kv.clone(), String::new()),
        })
        .collect();
    let mut expected: BTreeSet<String> = intent.secret_targets.iter().cloned().collect();
    for (k, v) in &env {
        if k.ends_with("_FILE") && v.starts_with("/run/secrets/") {
            expected.insert(v.clone());
        }
    }
    let destinations: BTreeSet<&str> = mounts
        .iter()
        .filter_map(|m| m["Destination"].as_str())
        .collect();
    let missing: Vec<&String> = expected
        .iter()
        .filter(|t| !destinations.contains(t.as_str()) && !present(t))
        .collect();
    add(
        "secrets",
        missing.is_empty(),
        if expected.is_empty() {
            "no secrets declared".into()
        } else if missing.is_empty() {
            format!(
                "present: {}",
                expected.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        } else {
            format!(
                "missing: {}",
                missing
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
    );

    // inline-secret: names only, never values
    let mut secret_vars: Vec<&str> = env
        .iter()
        .filter(|(k, v)| secret_names::classify(k, v).is_some())
        .map(|(k, _)| k.as_str())
        .collect();
    secret_vars.sort();
    secret_vars.dedup();
    add(
        "inline-secret",
        secret_vars.is_empty(),
        if secret_vars.is_empty() {
            "no secret value in Config.Env".into()
        } else {
            format!(
                "Config.Env holds a secret value in {}",
                secret_vars.join(", ")
            )
        },
    );

    ContainerReport {
        service,
        container,
        state,
        checks,
    }
}

fn decide(rule: &'static str, ok: bool, detail: String, intent: &Intent) -> Check {
    if ok {
        return Check {
            check: rule,
            status: Status::Ok,
            detail,
        };
    }
    if intent.skips(rule) {
        let why = intent
            .reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        return Check {
            check: rule,
            status: Status::Excepted,
            detail: format!("kept by exception{why}: {detail}"),
        };
    }
    Check {
        check: rule,
        status: Status::Gap,
        detail,
    }
}

/// Whether `SecurityOpt` ends up with no-new-privileges on (the engine reads them in order,
/// the last one wins; `no-new-privileges` alone means true).
pub fn no_new_privileges(opts: &[String]) -> bool {
    let mut on = false;
    for o in opts {
        let o = o.trim();
        let Some(rest) = o.strip_prefix("no-new-privileges") else {
            continue;
        };
        if rest.is_empty() {
            on = true;
        } else if let Some(v) = rest.strip_prefix(':').or_else(|| rest.strip_prefix('=')) {
            match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "t" => on = true,
                "false" | "0" | "f" => on = false,
                _ => {}
            }
        }
    }
    on
}

pub fn render_text(r: &Report) -> String {
    let mut out = String::new();
    let file = r
        .file
        .as_deref()
        .map(|f| format!(", compared with {f}"))
        .unwrap_or_else(|| ", no compose file: exceptions and cap_add not known".into());
    out.push_str(&format!(
        "project {}: {} container(s){file}\n",
        r.project,
        r.containers.len()
    ));
    for c in &r.containers {
        let state = if c.state == "running" || c.state.is_empty() {
            String::new()
        } else {
            format!(", {}", c.state)
        };
        for k in &c.checks {
            out.push_str(&format!(
                "{:8} {} ({}{state}) {}: {}\n",
                k.status.as_str(),
                c.container,
                c.service,
                k.check,
                k.detail
            ));
        }
    }
    let gaps = r.gaps();
    let excepted = r
        .containers
        .iter()
        .flat_map(|c| &c.checks)
        .filter(|c| c.status == Status::Excepted)
        .count();
    if gaps == 0 {
        out.push_str(&format!(
            "clean: every container matches the hardened intent ({excepted} kept by exception)\n"
        ));
    } else {
        out.push_str(&format!(
            "{gaps} gap(s) between the running containers and the hardened intent ({excepted} kept by exception)\n"
        ));
    }
    out
}

pub fn to_json(r: &Report) -> Value {
    json!({
        "version": 1,
        "project": r.project,
        "file": r.file,
        "containers": r.containers.iter().map(|c| json!({
            "service": c.service,
            "container": c.container,
            "state": c.state,
            "checks": c.checks.iter().map(|k| json!({
                "check": k.check,
                "ok": k.status != Status::Gap,
                "status": match k.status {
                    Status::Ok => "ok",
                    Status::Gap => "gap",
                    Status::Excepted => "excepted",
                },
                "detail": k.detail,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "gaps": r.gaps(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(hc: Value, cfg: Value, mounts: Value) -> Value {
        json!({
            "Name": "/p-app-1",
            "State": {"Status": "running"},
            "HostConfig": hc,
            "Config": cfg,
            "Mounts": mounts,
        })
    }

    fn hardened() -> Value {
        container(
            json!({"Privileged": false, "CapDrop": ["ALL"], "CapAdd": ["CAP_NET_BIND_SERVICE"],
                   "ReadonlyRootfs": true, "SecurityOpt": ["no-new-privileges:true"]}),
            json!({"User": "1000:1000",
                   "Labels": {"com.docker.compose.service": "app"},
                   "Env": ["PATH=/bin", "DB_PASSWORD_FILE=/run/secrets/db_password"]}),
            json!([{"Type": "bind", "Source": "/x/.secrets/db_password",
                    "Destination": "/run/secrets/db_password"}]),
        )
    }

    fn file(yaml_json: Value) -> FileIntent {
        FileIntent::from_value(&yaml_json)
    }

    fn status(r: &ContainerReport, check: &str) -> Status {
        r.checks.iter().find(|c| c.check == check).unwrap().status
    }

    #[test]
    fn a_hardened_container_is_clean() {
        let f = file(json!({"services": {"app": {
            "cap_add": ["net_bind_service"], "secrets": ["db_password"]}}}));
        let r = check_container(&hardened(), Some(&f), &|_| false);
        assert!(
            r.checks.iter().all(|c| c.status == Status::Ok),
            "{:#?}",
            r.checks
        );
        assert_eq!(r.service, "app");
        assert_eq!(r.container, "p-app-1");
    }

    #[test]
    fn gaps_are_found_and_secret_values_never_printed() {
        let c = container(
            json!({"Privileged": true, "CapDrop": null, "CapAdd": null,
                   "ReadonlyRootfs": false, "SecurityOpt": null}),
            json!({"User": "", "Labels": {"com.docker.compose.service": "app"},
                   "Env": ["DB_PASSWORD=hunter2-very-secret", "DB_HOST=db"]}),
            json!([{"Type": "bind", "Source": "/var/run/docker.sock",
                    "Destination": "/var/run/docker.sock"}]),
        );
        let r = check_container(&c, None, &|_| false);
        for check in [
            "privileged",
            "capabilities",
            "writable-rootfs",
            "no-new-privileges",
            "root-user",
            "docker-socket",
            "inline-secret",
        ] {
            assert_eq!(status(&r, check), Status::Gap, "{check}");
        }
        assert_eq!(status(&r, "secrets"), Status::Ok);
        let report = Report {
            project: "p".into(),
            file: None,
            containers: vec![r],
        };
        let text = render_text(&report);
        let json = to_json(&report).to_string();
        assert!(text.contains("DB_PASSWORD"));
        assert!(!text.contains("hunter2") && !json.contains("hunter2"));
        assert_eq!(report.gaps(), 7);
    }

    #[test]
    fn skipped_rules_are_excepted() {
        let c = container(
            json!({"Privileged": false, "CapDrop": ["ALL"], "ReadonlyRootfs": true,
                   "SecurityOpt": ["no-new-privileges"]}),
            json!({"User": "0", "Labels": {"com.docker.compose.service": "proxy"}}),
            json!([{"Type": "bind", "Source": "/run/docker.sock", "Destination": "/var/run/docker.sock"}]),
        );
        let f = file(json!({"services": {"proxy": {
            "x-harden": {"skip": ["docker-socket", "root-user"], "reason": "the socket proxy"}}}}));
        let r = check_container(&c, Some(&f), &|_| false);
        assert_eq!(status(&r, "docker-socket"), Status::Excepted);
        assert_eq!(status(&r, "root-user"), Status::Excepted);
        assert_eq!(status(&r, "no-new-privileges"), Status::Ok);
        let d = &r
            .checks
            .iter()
            .find(|c| c.check == "docker-socket")
            .unwrap();
        assert!(d.detail.starts_with("kept by exception"), "{}", d.detail);
    }

    #[test]
    fn cap_add_is_compared_with_the_file() {
        let f = file(json!({"services": {"app": {"secrets": ["db_password"]}}}));
        let r = check_container(&hardened(), Some(&f), &|_| false);
        assert_eq!(status(&r, "capabilities"), Status::Gap);
        // Without a file CapAdd is information only.
        let r = check_container(&hardened(), None, &|_| false);
        assert_eq!(status(&r, "capabilities"), Status::Ok);
    }

    #[test]
    fn missing_secret_mounts_are_gaps() {
        let f = file(json!({"services": {"app": {
            "cap_add": ["NET_BIND_SERVICE"],
            "secrets": ["db_password", {"source": "tls", "target": "cert.pem"}]}}}));
        let r = check_container(&hardened(), Some(&f), &|_| false);
        assert_eq!(status(&r, "secrets"), Status::Gap);
        let d = r.checks.iter().find(|c| c.check == "secrets").unwrap();
        assert!(d.detail.contains("/run/secrets/cert.pem"), "{}", d.detail);
    }

    #[test]
    fn no_new_privileges_forms() {
        let v =
            |s: &[&str]| no_new_privileges(&s.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        assert!(v(&["no-new-privileges:true"]));
        assert!(v(&["no-new-privileges"]));
        assert!(v(&["no-new-privileges=true"]));
        assert!(!v(&["no-new-privileges:false"]));
        assert!(!v(&["no-new-privileges:true", "no-new-privileges:false"]));
        assert!(!v(&["seccomp=unconfined"]));
    }

    #[test]
    fn users_and_sockets() {
        assert!(is_root_user(""));
        assert!(is_root_user("root:root"));
        assert!(is_root_user("0:1000"));
        assert!(!is_root_user("1000:0"));
        assert!(!is_root_user("nobody"));
        use crate::model::is_engine_socket;
        assert!(is_engine_socket("/var/run/docker.sock"));
        assert!(is_engine_socket("/run/user/1000/podman/podman.sock"));
        assert!(is_engine_socket("/var/run/"));
        assert!(is_engine_socket("/run"));
        assert!(!is_engine_socket("/srv/data"));
        assert!(!is_engine_socket(""));
    }

    #[test]
    fn project_names_follow_compose() {
        assert_eq!(normalize_project_name("My App.v2"), "myappv2");
        assert_eq!(normalize_project_name("_-x"), "x");
        let p = |g, e, n, f: Option<&str>| project_name(g, e, n, f.map(Path::new)).unwrap();
        assert_eq!(p(Some("Given"), Some("env"), Some("n"), None), "given");
        assert_eq!(p(None, Some("Env"), Some("n"), None), "env");
        assert_eq!(
            p(None, None, Some("named"), Some("/a/b/compose.yaml")),
            "named"
        );
        assert_eq!(
            p(None, None, None, Some("/srv/My Stack/compose.yaml")),
            "mystack"
        );
        assert!(project_name(None, None, Some("${X}"), None).is_err());
        assert!(project_name(None, None, None, None).is_err());
    }
}
