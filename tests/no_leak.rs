//! A secret value never reaches stdout, stderr, a report, a diff or an error message: every
//! command and flag runs over a stack full of secrets, and the values may appear only in the
//! secret files (and in the untouched input files).

mod common;

use std::fs;
use std::path::Path;

use common::run;

/// Values that must never be printed. Each is unlike anything else in the stack.
const SECRETS: [&str; 9] = [
    "Xq9-literal-db-password",
    "tok_5b8e2c1d9f0a7e3b",
    "postgres://app:Url-Pa55-7731@db/app",
    "AKIAZ3X9QK2MPL7WTR4B",
    "envfile-Secret-4471",
    "npm_buildArgToken998877",
    "listform-Hunter-2211",
    "quoted'value\"with-escapes",
    "shared-value-5566",
];

const COMPOSE: &str = r#"# a stack full of secrets
services:
  app:
    build:
      context: ./app
      args:
        NPM_TOKEN: npm_buildArgToken998877
    image: registry.example.com/app:1
    privileged: true
    environment:
      DB_PASSWORD: Xq9-literal-db-password
      API_TOKEN: tok_5b8e2c1d9f0a7e3b
      DATABASE_URL: postgres://app:Url-Pa55-7731@db/app
      CLOUD_ID: AKIAZ3X9QK2MPL7WTR4B
      TRICKY_SECRET: "quoted'value\"with-escapes"
      SHARED_SECRET: shared-value-5566
    env_file: [app.env]
  worker:
    image: registry.example.com/worker:1
    environment:
      - WORKER_PASSWORD=listform-Hunter-2211
      - OTHER_SECRET=shared-value-5566
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
"#;

fn stack(dir: &Path) {
    fs::write(dir.join("compose.yaml"), COMPOSE).unwrap();
    fs::write(
        dir.join("app.env"),
        "LOG_LEVEL=debug\nSMTP_PASSWORD=envfile-Secret-4471\n",
    )
    .unwrap();
    fs::create_dir_all(dir.join("app")).unwrap();
    fs::write(dir.join("app/Dockerfile"), "FROM scratch\nARG NPM_TOKEN\n").unwrap();
}

fn assert_clean(what: &str, text: &str) {
    for s in SECRETS {
        assert!(
            !text.contains(s),
            "{what} printed a secret value ({} chars)",
            s.len()
        );
        let escaped = serde_json::to_string(s).unwrap();
        assert!(
            !text.contains(escaped.trim_matches('"')),
            "{what} printed an escaped secret value"
        );
    }
}

/// Every file under `dir` that may hold a secret value: the inputs and the secret files.
fn allowed(path: &Path) -> bool {
    let name = path.file_name().unwrap().to_string_lossy();
    path.components()
        .any(|c| c.as_os_str() == ".secrets" || c.as_os_str() == "vault")
        || name == "compose.yaml"
        || name == "app.env"
        || name == "Dockerfile"
        || name.ends_with(".orig")
}

fn assert_files_clean(dir: &Path) {
    for e in walk(dir) {
        if allowed(&e) {
            continue;
        }
        let text = fs::read_to_string(&e).unwrap_or_default();
        assert_clean(&e.display().to_string(), &text);
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn no_command_or_flag_prints_a_secret_value() {
    const RUNS: [&str; 21] = [
        "harden compose.yaml -o hardened.yaml",
        "harden compose.yaml -o hardened.yaml --report r.json --format json",
        "harden compose.yaml -o hardened.yaml --report r.sarif --format sarif",
        "harden compose.yaml -o hardened.yaml --report r.md --format markdown",
        "harden compose.yaml -o hardened.yaml --format json",
        "harden compose.yaml -o hardened.yaml --format markdown",
        "harden compose.yaml -o hardened.yaml --format sarif",
        "harden compose.yaml --check",
        "harden compose.yaml --check --format json",
        "harden compose.yaml --diff",
        "harden compose.yaml --diff --format sarif",
        "harden compose.yaml -o c.yaml --canonical",
        "harden compose.yaml -o s.yaml --docker-socket remove",
        "harden compose.yaml -o k.yaml --docker-socket keep",
        "harden compose.yaml -o u.yaml --default-user 4000:4000",
        "harden compose.yaml -o d.yaml --secrets-dir vault",
        "check compose.yaml",
        "check compose.yaml --format json",
        "check compose.yaml --format sarif",
        "check compose.yaml --format markdown",
        "rules",
    ];
    let runs = RUNS
        .iter()
        .map(|r| r.split_whitespace().collect::<Vec<&str>>());
    for args in runs {
        let tmp = tempfile::tempdir().unwrap();
        stack(tmp.path());
        let (code, stdout, stderr) = run(tmp.path(), &args);
        assert!(code == 0 || code == 1, "{args:?}: exit {code}: {stderr}");
        let label = format!("{args:?}");
        assert_clean(&format!("stdout of {label}"), &stdout);
        assert_clean(&format!("stderr of {label}"), &stderr);
        assert_files_clean(tmp.path());
    }
}

#[test]
fn in_place_keeps_values_only_in_secret_files_and_backups() {
    let tmp = tempfile::tempdir().unwrap();
    stack(tmp.path());
    let (code, stdout, stderr) = run(tmp.path(), &["harden", "compose.yaml", "--in-place"]);
    assert_eq!(code, 0, "{stderr}");
    assert_clean("stdout", &stdout);
    assert_clean("stderr", &stderr);
    let hardened = fs::read_to_string(tmp.path().join("compose.yaml")).unwrap();
    assert_clean("the hardened compose file", &hardened);
    let env = fs::read_to_string(tmp.path().join("app.env")).unwrap();
    assert!(
        !env.contains("envfile-Secret-4471"),
        "the env file still holds the secret: {env}"
    );
    assert!(tmp.path().join("app.env.orig").exists());
    // Every value is in exactly the secret files, each file holding exactly its value.
    let mut stored: Vec<String> = walk(&tmp.path().join(".secrets"))
        .into_iter()
        .filter(|p| p.file_name().unwrap() != ".gitignore")
        .map(|p| fs::read_to_string(p).unwrap())
        .collect();
    stored.sort();
    let mut expected: Vec<String> = SECRETS.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(stored, expected);
}

#[test]
fn errors_do_not_print_secret_values() {
    let tmp = tempfile::tempdir().unwrap();
    stack(tmp.path());
    // A conflicting secret file, then a broken file that quotes a secret near the error.
    fs::create_dir_all(tmp.path().join(".secrets")).unwrap();
    fs::write(
        tmp.path().join(".secrets/app_db_password"),
        "something else",
    )
    .unwrap();
    let (code, stdout, stderr) = run(tmp.path(), &["harden", "compose.yaml", "-o", "out.yaml"]);
    assert_eq!(code, 2);
    assert_clean("conflict stdout", &stdout);
    assert_clean("conflict stderr", &stderr);
    fs::write(
        tmp.path().join("broken.yaml"),
        "services:\n  app:\n    environment:\n      DB_PASSWORD: Xq9-literal-db-password\n      DB_PASSWORD: tok_5b8e2c1d9f0a7e3b\n",
    )
    .unwrap();
    let (code, _, stderr) = run(tmp.path(), &["harden", "broken.yaml"]);
    assert_eq!(code, 2);
    assert_clean("duplicate-key error", &stderr);
    fs::write(
        tmp.path().join("broken2.yaml"),
        "services:\n  app:\n    environment: [\"DB_PASSWORD=Xq9-literal-db-password\"\n",
    )
    .unwrap();
    let (code, _, stderr) = run(tmp.path(), &["harden", "broken2.yaml"]);
    assert_eq!(code, 2);
    assert_clean("syntax error", &stderr);
}
