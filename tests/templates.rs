//! `init`: every template is a finished hardened stack: `check` finds nothing to do, `harden`
//! leaves it byte for byte, Compose v2 accepts it, and init never overwrites a file.

mod common;

use std::fs;

use common::run;

const TEMPLATES: [&str; 3] = ["postgres", "nginx-static", "traefik-proxy"];

#[test]
fn init_lists_the_templates() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, stdout, _) = run(tmp.path(), &["init", "--list"]);
    assert_eq!(code, 0);
    let names: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(names, TEMPLATES);
    let (code, _, stderr) = run(tmp.path(), &["init", "nope"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown template `nope`"), "{stderr}");
}

#[test]
fn every_template_is_already_hardened_and_valid() {
    for name in TEMPLATES {
        let tmp = tempfile::tempdir().unwrap();
        let (code, _, stderr) = run(tmp.path(), &["init", name, "--dir", "stack"]);
        assert_eq!(code, 0, "{name}: {stderr}");
        let dir = tmp.path().join("stack");
        let compose = fs::read_to_string(dir.join("compose.yaml")).unwrap();
        let (code, stdout, _) = run(&dir, &["check", "compose.yaml", "--format", "json"]);
        assert_eq!(code, 0, "{name}: check found something: {stdout}");
        let (code, hardened, stderr) = run(&dir, &["harden", "compose.yaml"]);
        assert_eq!(code, 0, "{name}: {stderr}");
        pretty_assertions::assert_eq!(compose, hardened, "{name}: harden changed the template");
        {
            let v2 = common::compose_v2()
                .expect("COMPOSE_V2 must name the Compose v2 binary (scripts/test sets it)");
            let o = std::process::Command::new(v2)
                .args(["-f", "compose.yaml", "config", "-q"])
                .current_dir(&dir)
                .env("DOCKER_HOST", "unix:///nonexistent.sock")
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "{name}: Compose v2 refuses it: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
}

#[test]
fn postgres_template_generates_a_private_secret_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, _) = run(tmp.path(), &["init", "postgres"]);
    assert_eq!(code, 0);
    let secret = fs::read_to_string(tmp.path().join(".secrets/postgres_password")).unwrap();
    assert_eq!(secret.len(), 32);
    assert!(
        secret
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(tmp.path().join(".secrets"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }
    let (code, _, stderr) = run(tmp.path(), &["init", "postgres"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("exists"), "{stderr}");
    assert_eq!(
        fs::read_to_string(tmp.path().join(".secrets/postgres_password")).unwrap(),
        secret
    );
    let other = tempfile::tempdir().unwrap();
    run(other.path(), &["init", "postgres"]);
    let second = fs::read_to_string(other.path().join(".secrets/postgres_password")).unwrap();
    assert_ne!(secret, second, "each init generates its own password");
}
