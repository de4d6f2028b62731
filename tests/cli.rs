//! The command line, end to end: every flag, every exit code, nothing written on error, the
//! original kept on --in-place, and no secret value anywhere but in the secret files.

mod common;

use std::fs;
use std::path::Path;

use common::run;

const STACK: &str = "\
# a stack with a secret
services:
  app:
    image: registry.example.com/app:1
    privileged: true
    environment:
      API_TOKEN: tok-9f8e7d6c5b4a
      LOG_LEVEL: info
";

fn stack(dir: &Path) {
    fs::write(dir.join("compose.yaml"), STACK).unwrap();
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn harden_prints_the_file_on_stdout_and_the_report_on_stderr() {
    let tmp = tempfile::tempdir().unwrap();
    stack(tmp.path());
    let (code, stdout, stderr) = run(tmp.path(), &["harden", "compose.yaml"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("# a stack with a secret\nservices:\n"),
        "{stdout}"
    );
    assert!(stdout.contains("API_TOKEN_FILE: /run/secrets/app_api_token"));
    assert!(!stdout.contains("privileged"));
    assert!(stderr.contains("compose.yaml -> <stdout>"), "{stderr}");
    assert!(stderr.contains("checklist:"));
    // The secret went to a file beside the input; the file was not touched.
    assert_eq!(
        fs::read_to_string(tmp.path().join(".secrets/app_api_token")).unwrap(),
        "tok-9f8e7d6c5b4a"
    );
    assert_eq!(
        fs::read_to_string(tmp.path().join("compose.yaml")).unwrap(),
        STACK
    );
}

#[test]
fn discovery_order_is_composes() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(
        tmp.path().join("docker-compose.yml"),
        "services:\n  a:\n    image: x\n",
    )
    .unwrap();
    fs::write(
        tmp.path().join("compose.yml"),
        "services:\n  b:\n    image: y\n",
    )
    .unwrap();
    let (code, stdout, _) = run(tmp.path(), &["harden"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("  b:"),
        "compose.yml comes before docker-compose.yml: {stdout}"
    );
    let empty = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(empty.path(), &["harden"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml"),
        "{stderr}"
    );
}

#[test]
fn stdin_is_read_with_a_dash() {
    let tmp = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(common::bin())
        .args(["harden", "-"])
        .current_dir(tmp.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin
                .take()
                .unwrap()
                .write_all(b"services:\n  a:\n    image: alpine\n")?;
            c.wait_with_output()
        })
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("read_only: true"), "{stdout}");
}

#[test]
fn output_file_and_json_report() {
    let tmp = tempfile::tempdir().unwrap();
    stack(tmp.path());
    let (code, stdout, stderr) = run(
        tmp.path(),
        &[
            "harden",
            "compose.yaml",
            "-o",
            "hardened.yaml",
            "--report",
            "r.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.starts_with("compose-harden: "), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(tmp.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(report["version"], 1);
    assert_eq!(report["tool"]["name"], "compose-harden");
    let file = &report["files"][0];
    assert_eq!(file["input"], "compose.yaml");
    assert_eq!(file["output"], "hardened.yaml");
    let change = &file["changes"][0];
    for key in [
        "rule", "service", "action", "path", "line", "column", "severity", "message",
    ] {
        assert!(change.get(key).is_some(), "change lacks {key}: {change}");
    }
    assert_eq!(change["rule"], "privileged");
    assert_eq!(change["path"], "services.app.privileged");
    assert_eq!(change["line"], 5);
    assert_eq!(change["column"], 5);
    assert_eq!(file["secrets"][0]["name"], "app_api_token");
    assert_eq!(file["secrets"][0]["file"], "./.secrets/app_api_token");
    assert_eq!(file["secrets"][0]["source"], "file");
    let n = file["changes"].as_array().unwrap().len();
    assert_eq!(report["summary"]["changes"], n);
    // A second run over the output lists no change.
    let (code, _, _) = run(
        tmp.path(),
        &[
            "harden",
            "hardened.yaml",
            "-o",
            "again.yaml",
            "--report",
            "r2.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0);
    let again: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(tmp.path().join("r2.json")).unwrap()).unwrap();
    assert_eq!(again["summary"]["changes"], 0);
    assert_eq!(
        fs::read(tmp.path().join("hardened.yaml")).unwrap(),
        fs::read(tmp.path().join("again.yaml")).unwrap()
    );
}

#[test]
fn in_place_keeps_the_original_and_no_backup_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    stack(tmp.path());
    let (code, _, stderr) = run(tmp.path(), &["harden", "compose.yaml", "--in-place"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        fs::read_to_string(tmp.path().join("compose.yaml.orig")).unwrap(),
        STACK
    );
    assert!(
        fs::read_to_string(tmp.path().join("compose.yaml"))
            .unwrap()
            .contains("cap_drop")
    );
    // Nothing left to do: no new backup, the file untouched.
    let before = fs::read(tmp.path().join("compose.yaml")).unwrap();
    let (code, _, _) = run(tmp.path(), &["harden", "compose.yaml", "--in-place"]);
    assert_eq!(code, 0);
    assert_eq!(fs::read(tmp.path().join("compose.yaml")).unwrap(), before);
    assert_eq!(
        names(tmp.path()),
        vec![".secrets", "compose.yaml", "compose.yaml.orig"]
    );

    let other = tempfile::tempdir().unwrap();
    stack(other.path());
    let (code, _, _) = run(
        other.path(),
        &["harden", "compose.yaml", "--in-place", "--no-backup"],
    );
    assert_eq!(code, 0);
    assert_eq!(names(other.path()), vec![".secrets", "compose.yaml"]);
}

#[test]
fn in_place_keeps_the_original_when_hardening_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = "services:\n  app:\n    image: x\n    x-harden:\n      skip: [privileged]\n";
    fs::write(tmp.path().join("compose.yaml"), bad).unwrap();
    let (code, stdout, stderr) = run(tmp.path(), &["harden", "compose.yaml", "--in-place"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(stderr.contains("compose.yaml:4:5:"), "{stderr}");
    assert_eq!(
        fs::read_to_string(tmp.path().join("compose.yaml")).unwrap(),
        bad
    );
    assert_eq!(names(tmp.path()), vec!["compose.yaml"]);
}

#[test]
fn a_conflicting_secret_file_is_never_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    stack(tmp.path());
    fs::create_dir(tmp.path().join(".secrets")).unwrap();
    fs::write(tmp.path().join(".secrets/app_api_token"), "zz-different-zz").unwrap();
    let (code, stdout, stderr) = run(tmp.path(), &["harden", "compose.yaml", "-o", "out.yaml"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("exists with another value"), "{stderr}");
    assert!(!stderr.contains("tok-9f8e7d6c5b4a") && !stderr.contains("zz-different-zz"));
    assert!(!tmp.path().join("out.yaml").exists());
    assert_eq!(
        fs::read_to_string(tmp.path().join(".secrets/app_api_token")).unwrap(),
        "zz-different-zz"
    );
}

#[test]
fn check_flag_writes_nothing_and_exits_1_on_drift() {
    let tmp = tempfile::tempdir().unwrap();
    stack(tmp.path());
    let (code, stdout, stderr) = run(
        tmp.path(),
        &["harden", "compose.yaml", "-o", "out.yaml", "--check"],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("(fixable)"), "{stderr}");
    assert_eq!(names(tmp.path()), vec!["compose.yaml"]);
    // The hardened file passes the gate.
    run(tmp.path(), &["harden", "compose.yaml", "-o", "out.yaml"]);
    let (code, _, _) = run(tmp.path(), &["harden", "out.yaml", "--check"]);
    assert_eq!(code, 0);
}

#[test]
fn check_flag_passes_a_hardened_file_with_a_bom_and_crlf() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(
        tmp.path().join("compose.yaml"),
        "\u{feff}services:\r\n  a:\r\n    image: x\r\n",
    )
    .unwrap();
    let (code, _, stderr) = run(tmp.path(), &["harden", "compose.yaml", "-o", "out.yaml"]);
    assert_eq!(code, 0, "{stderr}");
    let out = fs::read(tmp.path().join("out.yaml")).unwrap();
    assert!(out.starts_with("\u{feff}services:\r\n".as_bytes()));
    let (code, _, stderr) = run(tmp.path(), &["harden", "out.yaml", "--check"]);
    assert_eq!(code, 0, "nothing left to change: {stderr}");
}

#[test]
fn diff_masks_secrets_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    stack(tmp.path());
    let (code, stdout, stderr) = run(tmp.path(), &["harden", "compose.yaml", "--diff"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("--- compose.yaml\n+++ compose.yaml (hardened)\n"),
        "{stdout}"
    );
    assert!(stdout.contains("-    privileged: true\n"));
    assert!(stdout.contains("-      API_TOKEN: ********\n"), "{stdout}");
    assert!(stdout.contains("+      API_TOKEN_FILE: /run/secrets/app_api_token\n"));
    assert!(!stdout.contains("tok-9f8e7d6c5b4a"));
    assert_eq!(names(tmp.path()), vec!["compose.yaml"]);
}

#[test]
fn check_command_reports_and_exits_by_findings() {
    let tmp = tempfile::tempdir().unwrap();
    stack(tmp.path());
    fs::write(
        tmp.path().join("clean.yaml"),
        "services:\n  a:\n    image: x\n    user: \"1000:1000\"\n    read_only: true\n    cap_drop: [ALL]\n    security_opt: [no-new-privileges:true]\n",
    )
    .unwrap();
    let (code, stdout, _) = run(
        tmp.path(),
        &["check", "compose.yaml", "clean.yaml", "--format", "json"],
    );
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["files"].as_array().unwrap().len(), 2);
    assert!(report["files"][0]["changes"].as_array().unwrap().is_empty());
    assert!(
        !report["files"][0]["findings"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        report["files"][1]["findings"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let (code, _, _) = run(tmp.path(), &["check", "clean.yaml"]);
    assert_eq!(code, 0);
    assert_eq!(names(tmp.path()), vec!["clean.yaml", "compose.yaml"]);
}

#[test]
fn every_report_format_renders() {
    let tmp = tempfile::tempdir().unwrap();
    stack(tmp.path());
    for (format, marker) in [
        ("text", "checklist:"),
        ("markdown", "### Checklist"),
        ("json", "\"version\": 1"),
        ("sarif", "\"version\": \"2.1.0\""),
    ] {
        let (code, _, stderr) = run(
            tmp.path(),
            &["harden", "compose.yaml", "--check", "--format", format],
        );
        assert_eq!(code, 1, "{format}");
        assert!(stderr.contains(marker), "{format}: {stderr}");
    }
    let (code, _, stderr) = run(tmp.path(), &["harden", "compose.yaml", "--format", "yaml"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown report format"), "{stderr}");
}

#[test]
fn canonical_reorders_and_says_so_in_the_readme() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(
        tmp.path().join("compose.yaml"),
        "volumes:\n  data: {}\nservices:\n  web:\n    ports: [\"80:80\"]\n    image: nginx\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(tmp.path(), &["harden", "compose.yaml", "--canonical"]);
    assert_eq!(code, 0, "{stderr}");
    let services = stdout.find("services:").unwrap();
    let volumes = stdout.find("volumes:").unwrap();
    assert!(services < volumes, "{stdout}");
    assert!(
        stdout.find("image:").unwrap() < stdout.find("ports:").unwrap(),
        "{stdout}"
    );
    let readme = fs::read_to_string(common::root().join("README.md")).unwrap();
    assert!(readme.contains("--canonical") && readme.contains("Lossy"));
}

#[test]
fn usage_errors_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    stack(tmp.path());
    for args in [
        vec!["harden", "compose.yaml", "-o", "x.yaml", "--in-place"],
        vec!["harden", "compose.yaml", "--no-backup"],
        vec!["harden", "compose.yaml", "--default-user", "root"],
        vec!["harden", "compose.yaml", "--default-user", "0:0"],
        vec!["harden", "compose.yaml", "--docker-socket", "maybe"],
        vec!["harden", "-", "--in-place"],
        vec!["harden", "missing.yaml"],
        vec!["frobnicate"],
    ] {
        let (code, stdout, _) = run(tmp.path(), &args);
        assert_eq!(code, 2, "{args:?}");
        assert!(stdout.is_empty(), "{args:?}");
    }
    assert_eq!(names(tmp.path()), vec!["compose.yaml"]);
}

#[test]
fn default_user_flag_and_file_default() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(
        tmp.path().join("compose.yaml"),
        "services:\n  a:\n    image: x\n",
    )
    .unwrap();
    let (_, stdout, _) = run(
        tmp.path(),
        &["harden", "compose.yaml", "--default-user", "4242:4242"],
    );
    assert!(stdout.contains("user: \"4242:4242\""), "{stdout}");
    fs::write(
        tmp.path().join("compose.yaml"),
        "x-harden:\n  default_user: \"5000:5000\"\nservices:\n  a:\n    image: x\n",
    )
    .unwrap();
    let (_, stdout, _) = run(tmp.path(), &["harden", "compose.yaml"]);
    assert!(stdout.contains("user: \"5000:5000\""), "{stdout}");
    let (_, stdout, _) = run(
        tmp.path(),
        &["harden", "compose.yaml", "--default-user", "4242:4242"],
    );
    assert!(
        stdout.contains("user: \"4242:4242\""),
        "the flag wins: {stdout}"
    );
}

#[test]
fn rules_lists_and_explains() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, stdout, _) = run(tmp.path(), &["rules"]);
    assert_eq!(code, 0);
    assert_eq!(stdout.lines().count(), 12);
    assert!(stdout.starts_with("privileged "));
    let (code, stdout, _) = run(tmp.path(), &["rules", "docker-socket"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("# docker-socket"));
    let (code, _, stderr) = run(tmp.path(), &["rules", "nope"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown rule `nope`"));
}

#[test]
fn output_into_another_folder_rebases_relative_paths() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join("out")).unwrap();
    fs::write(
        tmp.path().join("compose.yaml"),
        "services:\n  a:\n    build: ./app\n    env_file: [common.env]\n    volumes:\n      - ./data:/data:ro\n      - named:/cache\n      - /etc/localtime:/etc/localtime:ro\nvolumes:\n  named:\n",
    )
    .unwrap();
    fs::write(tmp.path().join("common.env"), "LOG_LEVEL=info\n").unwrap();
    fs::write(tmp.path().join(".env"), "TAG=1\n").unwrap();
    let (code, _, stderr) = run(
        tmp.path(),
        &["harden", "compose.yaml", "-o", "out/hardened.yaml"],
    );
    assert_eq!(code, 0, "{stderr}");
    let out = fs::read_to_string(tmp.path().join("out/hardened.yaml")).unwrap();
    assert!(out.contains("build: ../app\n"), "{out}");
    assert!(out.contains("env_file: [../common.env]"), "{out}");
    assert!(out.contains("- ../data:/data:ro\n"), "{out}");
    assert!(
        out.contains("- named:/cache\n"),
        "named volumes are not paths: {out}"
    );
    assert!(
        out.contains("- /etc/localtime:/etc/localtime:ro\n"),
        "{out}"
    );
    assert!(
        stderr.contains("Compose reads `.env` from the compose file's folder"),
        "{stderr}"
    );
}

#[test]
fn docker_socket_strategies_from_the_flag_and_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = "services:\n  watch:\n    image: containrrr/watchtower\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n";
    fs::write(tmp.path().join("compose.yaml"), file).unwrap();
    // proxy (default): the mount moves to the sidecar.
    let (code, out, _) = run(tmp.path(), &["harden", "compose.yaml"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("  docker-socket-proxy:\n")
            && out.contains("DOCKER_HOST: tcp://docker-socket-proxy:2375"),
        "{out}"
    );
    assert_eq!(
        out.lines().filter(|l| l.contains("docker.sock")).count(),
        1,
        "only the proxy mounts the socket: {out}"
    );
    // remove: the mount is gone, no sidecar, and the report says what stops working.
    let (code, out, err) = run(
        tmp.path(),
        &["harden", "compose.yaml", "--docker-socket", "remove"],
    );
    assert_eq!(code, 0);
    assert!(
        !out.contains("docker.sock") && !out.contains("docker-socket-proxy"),
        "{out}"
    );
    assert!(err.contains("no longer reaches the engine"), "{err}");
    // keep: reported, left, and the service keeps root to open the socket.
    let (code, out, err) = run(
        tmp.path(),
        &["harden", "compose.yaml", "--docker-socket", "keep"],
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("- /var/run/docker.sock:/var/run/docker.sock\n")
            && !out.contains("docker-socket-proxy"),
        "{out}"
    );
    assert!(
        err.contains("found and left") && err.contains("[docker-socket]"),
        "{err}"
    );
    // The file's own default, and the flag over it.
    fs::write(
        tmp.path().join("compose.yaml"),
        format!("x-harden:\n  docker_socket: remove\n{file}"),
    )
    .unwrap();
    let (_, out, _) = run(tmp.path(), &["harden", "compose.yaml"]);
    assert!(!out.contains("docker.sock"), "{out}");
    let (_, out, _) = run(
        tmp.path(),
        &["harden", "compose.yaml", "--docker-socket", "keep"],
    );
    assert!(out.contains("docker.sock"), "{out}");
}
