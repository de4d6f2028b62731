//! The built-in image knowledge: its data is well formed and sourced, lookups resolve tags to
//! the right uid, and the real binary applies each family's facts to a compose file.

use std::path::Path;

use compose_harden::knowledge::{Knowledge, split_reference};
use serde_json::Value;

/// Runs `compose-harden harden compose.yaml` on `yaml` in a fresh directory and returns the
/// hardened document.
fn harden(yaml: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), yaml).unwrap();
    let out = run(dir.path(), &["harden", "compose.yaml"]);
    serde_saphyr::from_str::<Value>(&out)
        .unwrap_or_else(|e| panic!("hardened output is not YAML: {e}\n{out}"))
}

fn run(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_compose-harden"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run compose-harden");
    assert!(
        out.status.success(),
        "compose-harden {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A single-service compose file.
fn one(image: &str) -> String {
    format!("services:\n  app:\n    image: {image}\n")
}

fn service<'a>(doc: &'a Value, name: &str) -> &'a Value {
    &doc["services"][name]
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().expect("a string item").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The mount paths of a service's `tmpfs` entries (`/run:exec` -> `/run`).
fn tmpfs_paths(svc: &Value) -> Vec<String> {
    strings(&svc["tmpfs"])
        .into_iter()
        .map(|t| t.split(':').next().unwrap().to_string())
        .collect()
}

fn assert_hardened_common(svc: &Value) {
    assert_eq!(strings(&svc["cap_drop"]), ["ALL"], "{svc}");
    assert!(
        strings(&svc["security_opt"]).contains(&"no-new-privileges:true".to_string()),
        "{svc}"
    );
}

fn skipped(svc: &Value) -> Vec<String> {
    strings(&svc["x-harden"]["skip"])
}

// ------------------------------------------------------------------ the data itself

#[test]
fn every_entry_is_sourced_over_https_and_well_formed() {
    let k = Knowledge::builtin();
    assert!(
        k.images.len() >= 30,
        "the embedded knowledge did not parse fully: {} entries",
        k.images.len()
    );
    let caps = [
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "NET_BIND_SERVICE",
        "SETGID",
        "SETUID",
        "SYS_CHROOT",
    ];
    let uid_gid = |u: &str| {
        let (a, b) = u.split_once(':').unwrap_or((u, "0"));
        !a.is_empty()
            && !b.is_empty()
            && a.chars().all(|c| c.is_ascii_digit())
            && b.chars().all(|c| c.is_ascii_digit())
    };
    let mut names = std::collections::HashSet::new();
    for p in &k.images {
        assert!(names.insert(p.name.clone()), "duplicate entry {}", p.name);
        assert!(!p.matches.is_empty(), "{} matches nothing", p.name);
        assert!(!p.sources.is_empty(), "{} has no source", p.name);
        for s in &p.sources {
            assert!(
                s.starts_with("https://"),
                "{}: source {s} is not https",
                p.name
            );
        }
        if let Some(u) = &p.user {
            assert!(uid_gid(u), "{}: user {u} is not uid:gid", p.name);
            assert!(
                p.needs_root.is_none(),
                "{}: both a user and needs_root",
                p.name
            );
            assert!(
                p.cap_add.is_empty(),
                "{}: cap_add has no effect for a non-root user",
                p.name
            );
        }
        for v in &p.variants {
            assert!(!v.tag.is_empty(), "{}: empty variant tag", p.name);
            if let Some(u) = &v.user {
                assert!(uid_gid(u), "{}: variant user {u} is not uid:gid", p.name);
            }
        }
        for t in &p.tmpfs {
            assert!(t.starts_with('/'), "{}: tmpfs {t} is not absolute", p.name);
        }
        for c in &p.cap_add {
            assert!(caps.contains(&c.as_str()), "{}: unexpected cap {c}", p.name);
        }
        if !p.read_only {
            assert!(
                p.notes.as_deref().is_some_and(|n| !n.trim().is_empty()),
                "{}: read_only: false needs a reason in notes",
                p.name
            );
        }
        if p.needs_root.is_some() {
            assert!(p.user.is_none(), "{}", p.name);
        }
        assert!(p.socket.is_none(), "{}: socket is someone else's", p.name);
    }
}

#[test]
fn tags_pick_the_uid_the_image_runs_as() {
    let k = Knowledge::builtin();
    let user = |image: &str| {
        k.lookup(image)
            .unwrap_or_else(|| panic!("{image} is unknown"))
            .user
    };
    assert_eq!(user("postgres:16-alpine").as_deref(), Some("70:70"));
    assert_eq!(user("postgres:alpine").as_deref(), Some("70:70"));
    assert_eq!(
        user("docker.io/library/postgres:16-alpine").as_deref(),
        Some("70:70")
    );
    assert_eq!(user("postgres:16").as_deref(), Some("999:999"));
    assert_eq!(user("postgres").as_deref(), Some("999:999"));
    assert_eq!(user("postgres:14.24-bookworm").as_deref(), Some("999:999"));
    assert_eq!(user("redis:alpine").as_deref(), Some("999:1000"));
    assert_eq!(user("redis:7").as_deref(), Some("999:999"));
    assert_eq!(
        user("docker.io/valkey/valkey:9-alpine").as_deref(),
        Some("999:1000")
    );
    assert_eq!(
        user("rabbitmq:4-management-alpine").as_deref(),
        Some("100:101")
    );
    assert_eq!(user("rabbitmq:4-management").as_deref(), Some("999:999"));
    assert_eq!(user("wordpress:fpm-alpine").as_deref(), Some("82:82"));
    assert_eq!(user("nginx:alpine-slim").as_deref(), Some("101:101"));
    for bitnami in [
        "bitnami/postgresql:16",
        "bitnami/redis:7.2",
        "docker.io/bitnami/mariadb:11",
        "bitnamilegacy/kafka:3.9",
    ] {
        let u = user(bitnami).unwrap();
        assert_eq!(u.split(':').next(), Some("1001"), "{bitnami}");
    }
    // Interpolated references are nobody's.
    assert!(k.lookup("${IMAGE}").is_none());
}

#[test]
fn the_common_images_are_known() {
    // The most frequent images of real compose files (registry and tag vary).
    let k = Knowledge::builtin();
    let common = [
        "postgres:16-alpine",
        "redis:alpine",
        "mariadb:lts",
        "nginx",
        "mysql:8.0",
        "traefik:v3.6",
        "nextcloud:apache",
        "docker.io/valkey/valkey:8.1",
        "alpine:3.20",
        "busybox:1.36",
        "mongo:8.2",
        "caddy:2-alpine",
        "ghcr.io/paperless-ngx/paperless-ngx:latest",
        "docker.n8n.io/n8nio/n8n:1.100.0",
        "elasticsearch:8.19.13",
        "docker.elastic.co/elasticsearch/elasticsearch:8.15.0",
        "kibana:8.19.13",
        "logstash:7.16.1",
        "zookeeper",
        "memcached:1.6-alpine",
        "ghcr.io/docker-mailserver/docker-mailserver:latest",
        "mailserver/docker-mailserver:latest",
        "nginxproxy/nginx-proxy",
        "docker.io/gotenberg/gotenberg:8",
        "docker.io/apache/tika:latest",
        "lscr.io/linuxserver/radarr:latest",
        "ghcr.io/linuxserver/mariadb:alpine",
        "ghost:6-alpine",
        "gitea/gitea:1.21.5",
        "clickhouse/clickhouse-server:25.4",
        "wordpress",
        "grafana/grafana:12.0.2",
        "prom/prometheus:v3.4.2",
        "rabbitmq:3-management",
        "node:22-alpine",
        "quay.io/keycloak/keycloak:26.0",
        "vaultwarden/server:latest-alpine",
        "nginxinc/nginx-unprivileged:stable",
        "bitnami/postgresql:16",
        "bitnami/redis:7",
        "mongo-express",
        "traefik/whoami",
    ];
    for image in common {
        assert!(k.lookup(image).is_some(), "{image} is not known");
    }
    assert!(common.len() >= 40);
    // Every match pattern is a repository name as `split_reference` produces it.
    for p in &k.images {
        for m in &p.matches {
            let plain = m.replace('*', "x");
            let (repo, _) = split_reference(&plain).unwrap();
            assert_eq!(
                repo, plain,
                "{}: match {m} is not a bare repository",
                p.name
            );
        }
    }
}

// ------------------------------------------------------------------ the binary, per family

#[test]
fn docker_library_databases_run_as_their_own_uid_with_their_runtime_dirs() {
    let doc = harden(
        "services:
  pg:
    image: postgres:16-alpine
  pgdeb:
    image: postgres:16
  my:
    image: mysql:8.4
  maria:
    image: mariadb:11.8
  cache:
    image: redis:7-alpine
  mongo:
    image: mongo:8
",
    );
    let expect = [
        ("pg", "70:70", "/var/run/postgresql"),
        ("pgdeb", "999:999", "/var/run/postgresql"),
        ("my", "999:999", "/var/run/mysqld"),
        ("maria", "999:999", "/run/mysqld"),
        ("cache", "999:1000", "/tmp"),
        ("mongo", "999:999", "/tmp"),
    ];
    for (name, user, path) in expect {
        let svc = service(&doc, name);
        assert_eq!(svc["user"], user, "{name}");
        assert_eq!(svc["read_only"], true, "{name}");
        let paths = tmpfs_paths(svc);
        assert!(paths.contains(&"/tmp".to_string()), "{name}: {paths:?}");
        assert!(paths.contains(&path.to_string()), "{name}: {paths:?}");
        assert!(svc.get("cap_add").is_none(), "{name}: {svc}");
        assert_hardened_common(svc);
    }
}

#[test]
fn postgres_password_moves_to_the_file_variable_the_entrypoint_reads() {
    let doc = harden(
        "services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: correct-horse-battery-staple
",
    );
    let svc = service(&doc, "db");
    let env = &svc["environment"];
    assert!(env.get("POSTGRES_PASSWORD").is_none(), "{env}");
    assert!(
        env["POSTGRES_PASSWORD_FILE"]
            .as_str()
            .is_some_and(|p| p.starts_with("/run/secrets/")),
        "{env}"
    );
}

#[test]
fn nginx_runs_as_101_with_its_cache_and_pid_on_tmpfs_and_no_capabilities() {
    let doc = harden(&one("nginx:1.27-alpine"));
    let svc = service(&doc, "app");
    assert_eq!(svc["user"], "101:101");
    assert_eq!(svc["read_only"], true);
    let paths = tmpfs_paths(svc);
    for p in ["/tmp", "/var/cache/nginx", "/var/run"] {
        assert!(paths.contains(&p.to_string()), "{paths:?}");
    }
    assert!(svc.get("cap_add").is_none(), "{svc}");
    assert!(svc.get("x-harden").is_none(), "{svc}");
    assert_hardened_common(svc);
}

#[test]
fn existing_tmpfs_and_volumes_are_not_mounted_twice() {
    let doc = harden(
        "services:
  web:
    image: nginx
    tmpfs:
      - /var/run:size=1m
    volumes:
      - cache:/var/cache/nginx
volumes:
  cache: {}
",
    );
    let paths = tmpfs_paths(service(&doc, "web"));
    assert_eq!(
        paths.iter().filter(|p| *p == "/var/run").count(),
        1,
        "{paths:?}"
    );
    assert!(
        !paths.contains(&"/var/cache/nginx".to_string()),
        "{paths:?}"
    );
}

#[test]
fn linuxserver_keeps_root_with_the_s6_capabilities_and_records_why() {
    let doc = harden(
        "services:
  sonarr:
    image: lscr.io/linuxserver/sonarr:latest
    environment:
      - PUID=1000
      - PGID=1000
",
    );
    let svc = service(&doc, "sonarr");
    assert!(svc.get("user").is_none(), "{svc}");
    assert!(svc.get("read_only").is_none(), "{svc}");
    let skip = skipped(svc);
    assert!(skip.contains(&"root-user".to_string()), "{skip:?}");
    assert!(skip.contains(&"writable-rootfs".to_string()), "{skip:?}");
    let reason = svc["x-harden"]["reason"].as_str().unwrap();
    assert!(reason.contains("s6-overlay"), "{reason}");
    assert!(reason.contains("PUID"), "{reason}");
    assert!(reason.contains("https://"), "{reason}");
    let caps = strings(&svc["cap_add"]);
    for c in [
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "SETUID",
        "SETGID",
        "KILL",
    ] {
        assert!(caps.contains(&c.to_string()), "{caps:?}");
    }
    assert_eq!(caps.len(), 6, "{caps:?}");
    assert_hardened_common(svc);
}

#[test]
fn bitnami_runs_as_1001_and_postgresql_gets_its_writable_dirs() {
    let doc = harden(
        "services:
  pg:
    image: docker.io/bitnami/postgresql:16
  kafka:
    image: bitnami/kafka:3.7
",
    );
    let pg = service(&doc, "pg");
    assert_eq!(pg["user"], "1001:0");
    assert_eq!(pg["read_only"], true);
    let paths = tmpfs_paths(pg);
    for p in [
        "/tmp",
        "/opt/bitnami/postgresql/conf",
        "/opt/bitnami/postgresql/tmp",
        "/opt/bitnami/postgresql/logs",
    ] {
        assert!(paths.contains(&p.to_string()), "{paths:?}");
    }
    assert!(pg.get("cap_add").is_none(), "{pg}");
    assert_hardened_common(pg);

    // Other Bitnami images write under /opt/bitnami/<app>: user yes, read-only left to the user.
    let kafka = service(&doc, "kafka");
    assert_eq!(kafka["user"], "1001:0");
    assert!(kafka.get("read_only").is_none(), "{kafka}");
    assert_eq!(skipped(kafka), ["writable-rootfs"]);
    assert!(
        kafka["x-harden"]["reason"]
            .as_str()
            .unwrap()
            .contains("/opt/bitnami/<app>")
    );
    assert_hardened_common(kafka);
}

#[test]
fn root_proxies_keep_root_with_only_the_bind_capability() {
    let doc = harden(
        "services:
  traefik:
    image: traefik:v3.6
  caddy:
    image: caddy:2
",
    );
    for name in ["traefik", "caddy"] {
        let svc = service(&doc, name);
        assert!(svc.get("user").is_none(), "{name}: {svc}");
        assert_eq!(skipped(svc), ["root-user"], "{name}");
        assert_eq!(strings(&svc["cap_add"]), ["NET_BIND_SERVICE"], "{name}");
        assert_eq!(svc["read_only"], true, "{name}");
        assert_hardened_common(svc);
    }
    assert!(tmpfs_paths(service(&doc, "traefik")).contains(&"/plugins-storage".to_string()));
    assert!(tmpfs_paths(service(&doc, "caddy")).contains(&"/config".to_string()));
}

#[test]
fn nextcloud_keeps_root_and_a_writable_root_with_the_apache_capabilities() {
    let doc = harden(&one("nextcloud:apache"));
    let svc = service(&doc, "app");
    assert!(svc.get("user").is_none(), "{svc}");
    assert!(svc.get("read_only").is_none(), "{svc}");
    let skip = skipped(svc);
    assert!(skip.contains(&"root-user".to_string()), "{skip:?}");
    assert!(skip.contains(&"writable-rootfs".to_string()), "{skip:?}");
    let caps = strings(&svc["cap_add"]);
    for c in ["CHOWN", "SETUID", "SETGID", "KILL", "NET_BIND_SERVICE"] {
        assert!(caps.contains(&c.to_string()), "{caps:?}");
    }
    assert_hardened_common(svc);
}

#[test]
fn elastic_stack_keeps_its_uid_and_elasticsearch_its_writable_config() {
    let doc = harden(
        "services:
  es:
    image: docker.elastic.co/elasticsearch/elasticsearch:8.15.0
  kibana:
    image: kibana:8.19.13
",
    );
    let es = service(&doc, "es");
    assert_eq!(es["user"], "1000:0");
    assert_eq!(skipped(es), ["writable-rootfs"]);
    assert!(
        es["x-harden"]["reason"]
            .as_str()
            .unwrap()
            .contains("keystore")
    );
    let kibana = service(&doc, "kibana");
    assert_eq!(kibana["user"], "1000:0");
    assert_eq!(kibana["read_only"], true);
    assert!(tmpfs_paths(kibana).contains(&"/usr/share/kibana/data".to_string()));
}

#[test]
fn non_root_apps_get_their_image_uid() {
    let doc = harden(
        "services:
  pdf:
    image: gotenberg/gotenberg:8
  tika:
    image: apache/tika:latest-full
  grafana:
    image: grafana/grafana:12.0.2
  prom:
    image: prom/prometheus:v3.4.2
  app:
    image: node:22-alpine
  mc:
    image: memcached:1.6
",
    );
    let expect = [
        ("pdf", "1001:1001"),
        ("tika", "35002:35002"),
        ("grafana", "472:0"),
        ("prom", "65534:65534"),
        ("app", "1000:1000"),
        ("mc", "11211:11211"),
    ];
    for (name, user) in expect {
        let svc = service(&doc, name);
        assert_eq!(svc["user"], user, "{name}");
        assert_eq!(svc["read_only"], true, "{name}");
        assert!(svc.get("cap_add").is_none(), "{name}");
        assert_hardened_common(svc);
    }
    assert!(tmpfs_paths(service(&doc, "pdf")).contains(&"/home/gotenberg".to_string()));
    assert!(tmpfs_paths(service(&doc, "grafana")).contains(&"/var/log/grafana".to_string()));
}

#[test]
fn a_user_in_the_file_is_kept() {
    let doc = harden(
        "services:
  db:
    image: postgres:16
    user: \"1234:1234\"
",
    );
    assert_eq!(service(&doc, "db")["user"], "1234:1234");
}
