//! Real compose files written by other projects (../shared/corpus/compose): every file the
//! schema accepts hardens; outputs are schema-valid and accepted by Docker Compose v2 wherever
//! the input is; a second run is byte-identical with zero changes; every comment survives; keys
//! hardening has no business with are unchanged; every service ends hardened or excepted.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use compose_harden::edit::verify::schema_errors;
use compose_harden::harden::harden;
use compose_harden::knowledge::Knowledge;
use compose_harden::load;
use compose_harden::options::Options;
use serde_json::Value;

/// Keys the hardening may change; everything else in a service must stay as it was.
const HARDEN_KEYS: [&str; 16] = [
    "privileged",
    "cap_drop",
    "cap_add",
    "security_opt",
    "read_only",
    "tmpfs",
    "user",
    "environment",
    "env_file",
    "secrets",
    "volumes",
    "networks",
    "x-harden",
    "build",
    "depends_on",
    "use_api_socket",
];

fn corpus_dir() -> PathBuf {
    std::env::var_os("COMPOSE_HARDEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::root().join("../shared/corpus/compose"))
}

fn corpus() -> Vec<PathBuf> {
    let dir = corpus_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the corpus {} is needed: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            !n.starts_with('.') && n != "MANIFEST.tsv" && n != "README.md"
        })
        .collect();
    files.sort();
    assert!(files.len() > 100, "corpus too small: {}", files.len());
    files
}

struct Run {
    name: String,
    input: load::Document,
    output_text: String,
    output: load::Document,
}

fn harden_in(dir: &Path, file: &str) -> Result<(load::Document, String, usize), String> {
    let bytes = std::fs::read(dir.join(file)).unwrap();
    let doc = load::load_bytes(file, Some(dir.join(file)), &bytes).map_err(|e| e.to_string())?;
    let options = Options {
        output_dir: dir.to_path_buf(),
        ..Options::default()
    };
    let h = harden(doc.clone(), &options, &Knowledge::builtin()).map_err(|e| e.to_string())?;
    let changes = h
        .outcome
        .findings
        .iter()
        .filter(|f| f.status == compose_harden::passes::Status::Fixed)
        .count();
    Ok((doc, h.text, changes))
}

fn runs() -> Vec<Run> {
    let mut out = Vec::new();
    let mut failures = Vec::new();
    for path in corpus() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let tmp = tempfile::tempdir().unwrap();
        std::fs::copy(&path, tmp.path().join("compose.yaml")).unwrap();
        let input_ok = load::load_bytes("x", None, &std::fs::read(&path).unwrap())
            .map(|d| schema_errors(&d.value).is_empty())
            .unwrap_or(false);
        match harden_in(tmp.path(), "compose.yaml") {
            Ok((input, text, _)) => {
                let output = load::load_text(
                    "hardened.yaml",
                    None,
                    text.trim_start_matches('\u{feff}').into(),
                    false,
                )
                .unwrap_or_else(|e| panic!("{name}: the output does not load: {e}"));
                out.push(Run {
                    name,
                    input,
                    output_text: text,
                    output,
                });
            }
            Err(e) if input_ok => failures.push(format!("{name}: {e}")),
            Err(_) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "schema-valid inputs that did not harden:\n{}",
        failures.join("\n")
    );
    out
}

#[test]
fn corpus_hardens_validly_idempotently_and_preserves_the_rest() {
    let runs = runs();
    assert!(runs.len() > 100);
    let mut problems: Vec<String> = Vec::new();
    for r in &runs {
        // Schema: no error the input did not already have.
        let before: BTreeSet<String> = schema_errors(&r.input.value)
            .into_iter()
            .map(|e| e.instance)
            .collect();
        for e in schema_errors(&r.output.value) {
            if !before.contains(&e.instance) {
                problems.push(format!("{}: schema: {} {}", r.name, e.instance, e.message));
            }
        }
        // Idempotence: byte-identical, no change reported.
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("hardened.yaml"), &r.output_text).unwrap();
        match harden_in(tmp.path(), "hardened.yaml") {
            Ok((_, again, changes)) => {
                if again != r.output_text {
                    problems.push(format!("{}: a second run changes the file", r.name));
                }
                if changes != 0 {
                    problems.push(format!(
                        "{}: a second run reports {changes} changes",
                        r.name
                    ));
                }
            }
            Err(e) => problems.push(format!("{}: second run failed: {e}", r.name)),
        }
        // Comments: every one survives, byte for byte.
        for c in &r.input.tree.comments {
            let text = &r.input.text[c.start..c.end];
            if !r.output_text.contains(text) {
                problems.push(format!("{}: comment lost: {text}", r.name));
            }
        }
        // Anchors survive.
        for n in &r.input.tree.nodes {
            if let Some(a) = &n.anchor
                && !r.output_text.contains(&format!("&{a}"))
            {
                problems.push(format!("{}: anchor &{a} lost", r.name));
            }
        }
        problems.extend(unrelated_changes(r));
        problems.extend(unhardened_services(r));
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

fn unrelated_changes(r: &Run) -> Vec<String> {
    let mut out = Vec::new();
    let (i, o) = (&r.input.value, &r.output.value);
    for (key, value) in i.as_object().into_iter().flatten() {
        if key == "services" || key == "secrets" || key == "networks" {
            continue;
        }
        // An anchor block may lose a secret the services reach through it, nothing else.
        let scrubbed = key.starts_with("x-")
            && o.get(key)
                .is_some_and(|after| only_secrets_moved(value, after));
        if o.get(key) != Some(value) && !scrubbed {
            out.push(format!("{}: top-level `{key}` changed", r.name));
        }
    }
    for top in ["secrets", "networks"] {
        for (k, v) in i.get(top).and_then(Value::as_object).into_iter().flatten() {
            if o.get(top).and_then(|t| t.get(k)) != Some(v) {
                out.push(format!("{}: {top}.{k} changed", r.name));
            }
        }
    }
    let services = |v: &Value| {
        v.get("services")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let (is, os) = (services(i), services(o));
    for (name, svc) in &is {
        let Some(osvc) = os.get(name) else {
            out.push(format!("{}: service {name} lost", r.name));
            continue;
        };
        for (k, v) in svc.as_object().into_iter().flatten() {
            if HARDEN_KEYS.contains(&k.as_str()) || osvc.get(k) == Some(v) {
                continue;
            }
            // A socket consumer's engine endpoint flag may point at the proxy now; nothing else
            // in its command changes.
            if k == "command" && only_endpoint_flags_changed(v, osvc.get(k)) {
                continue;
            }
            out.push(format!("{}: {name}.{k} changed", r.name));
        }
    }
    out
}

/// Whether `after` is `before` with secret variables replaced by `_FILE` pointers (anywhere
/// inside: environment maps and `KEY=VALUE` lists).
fn only_secrets_moved(before: &Value, after: &Value) -> bool {
    use compose_harden::knowledge::secret_names::classify;
    let pointer = |k: &str| k.ends_with("_FILE") || k.starts_with("FILE__");
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            b.iter().all(|(k, v)| match a.get(k) {
                Some(av) => only_secrets_moved(v, av),
                None => v.as_str().is_some_and(|s| classify(k, s).is_some()),
            }) && a.keys().all(|k| b.contains_key(k) || pointer(k))
        }
        (Value::Array(b), Value::Array(a)) => {
            let kept = |x: &&Value| {
                x.as_str()
                    .and_then(|s| s.split_once('='))
                    .is_none_or(|(k, v)| classify(k, v).is_none())
            };
            let b_kept: Vec<&Value> = b.iter().filter(kept).collect();
            let a_rest: Vec<&Value> = a
                .iter()
                .filter(|x| {
                    !x.as_str()
                        .and_then(|s| s.split_once('='))
                        .is_some_and(|(k, _)| pointer(k))
                })
                .collect();
            b_kept == a_rest
        }
        _ => before == after,
    }
}

fn only_endpoint_flags_changed(before: &Value, after: Option<&Value>) -> bool {
    let args = |v: &Value| -> Option<Vec<Value>> {
        match v {
            Value::Array(a) => Some(a.clone()),
            Value::String(s) => Some(
                s.split_whitespace()
                    .map(|w| Value::String(w.into()))
                    .collect(),
            ),
            _ => None,
        }
    };
    let (Some(b), Some(a)) = (args(before), after.and_then(args)) else {
        return false;
    };
    let proxied = |x: &Value| {
        x.as_str()
            .is_some_and(|s| s.contains("tcp://docker-socket-proxy"))
    };
    a.len() >= b.len()
        && b.iter().zip(&a).all(|(x, y)| x == y || proxied(y))
        && a[b.len()..].iter().all(proxied)
}

fn unhardened_services(r: &Run) -> Vec<String> {
    let mut out = Vec::new();
    let services = r
        .output
        .value
        .get("services")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (name, svc) in &services {
        let skip: Vec<&str> = svc
            .pointer("/x-harden/skip")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let strs = |k: &str| -> Vec<String> {
            svc.get(k)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let extends = svc.get("extends").is_some();
        let mut missing = Vec::new();
        if svc.get("privileged") == Some(&Value::Bool(true)) && !skip.contains(&"privileged") {
            missing.push("privileged");
        }
        if !strs("cap_drop")
            .iter()
            .any(|c| c.eq_ignore_ascii_case("ALL"))
            && !skip.contains(&"capabilities")
            && !extends
        {
            missing.push("cap_drop");
        }
        if !strs("security_opt")
            .iter()
            .any(|o| o == "no-new-privileges:true")
            && !skip.contains(&"no-new-privileges")
            && !extends
        {
            missing.push("no-new-privileges");
        }
        let ro = svc.get("read_only");
        if ro != Some(&Value::Bool(true))
            && !ro.is_some_and(|v| v.as_str().is_some_and(|s| s.contains('$')))
            && !skip.contains(&"writable-rootfs")
        {
            missing.push("read_only");
        }
        if svc.get("user").is_none() && !skip.contains(&"root-user") && !extends {
            missing.push("user");
        }
        let socket = svc
            .get("volumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|v| {
                let source = match v {
                    Value::String(s) => s.split(':').next().unwrap_or("").to_string(),
                    other => other["source"].as_str().unwrap_or("").to_string(),
                };
                compose_harden::model::is_engine_socket(&source)
            });
        let host_network = svc
            .get("network_mode")
            .and_then(Value::as_str)
            .is_some_and(|m| m == "host" || m.starts_with("service:"));
        if socket && !skip.contains(&"docker-socket") && !host_network {
            missing.push("docker-socket");
        }
        if !missing.is_empty() {
            out.push(format!(
                "{}: service {name} lacks {}",
                r.name,
                missing.join(", ")
            ));
        }
    }
    out
}

#[test]
fn compose_v2_accepts_every_output_whose_input_it_accepts() {
    let Some(compose) = common::compose_v2() else {
        panic!("COMPOSE_V2 must point at the Docker Compose v2 binary (scripts/test sets it)");
    };
    let mut refused = Vec::new();
    let mut accepted_inputs = 0;
    for path in corpus() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let tmp = tempfile::tempdir().unwrap();
        std::fs::copy(&path, tmp.path().join("compose.yaml")).unwrap();
        stub_siblings(tmp.path());
        if !compose_accepts(&compose, tmp.path(), "compose.yaml") {
            continue;
        }
        accepted_inputs += 1;
        let Ok((_, text, _)) = harden_in(tmp.path(), "compose.yaml") else {
            refused.push(format!("{name}: did not harden"));
            continue;
        };
        std::fs::write(tmp.path().join("hardened.yaml"), &text).unwrap();
        if !compose_accepts(&compose, tmp.path(), "hardened.yaml") {
            refused.push(name);
        }
    }
    assert!(
        accepted_inputs > 100,
        "Compose accepted only {accepted_inputs} inputs: is the binary working?"
    );
    assert!(
        refused.is_empty(),
        "Compose v2 refuses these outputs:\n{}",
        refused.join("\n")
    );
}

fn compose_accepts(compose: &Path, dir: &Path, file: &str) -> bool {
    std::process::Command::new(compose)
        .args(["-f", file, "--project-directory"])
        .arg(dir)
        .args(["config", "-q"])
        .current_dir(dir)
        .env("DOCKER_HOST", "unix:///nonexistent.sock")
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROFILES")
        .env_remove("COMPOSE_PROJECT_NAME")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Corpus files come alone: create empty stand-ins for the relative files and folders they name.
fn stub_siblings(dir: &Path) {
    let Ok(doc) = load::load_path(&dir.join("compose.yaml")) else {
        return;
    };
    for r in compose_harden::model::relative_paths(&doc) {
        if r.source.contains('$') {
            continue;
        }
        let target = dir.join(&r.source);
        if target.exists() || !target.starts_with(dir) {
            continue;
        }
        let is_dir = r.path.to_string().ends_with(".build")
            || r.path.to_string().ends_with("build.context")
            || r.path.to_string().contains(".volumes[");
        if is_dir {
            let _ = std::fs::create_dir_all(&target);
        } else {
            if let Some(p) = target.parent() {
                let _ = std::fs::create_dir_all(p);
            }
            let _ = std::fs::write(&target, "");
        }
    }
}

/// The fallback that rewrites every edited key whole (used when an in-place patch does not
/// verify) also produces verified output on every file.
#[test]
fn the_rewriting_fallback_verifies_on_the_corpus() {
    let mut failures = Vec::new();
    for path in corpus() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let tmp = tempfile::tempdir().unwrap();
        std::fs::copy(&path, tmp.path().join("compose.yaml")).unwrap();
        let bytes = std::fs::read(tmp.path().join("compose.yaml")).unwrap();
        let Ok(doc) = load::load_bytes(
            "compose.yaml",
            Some(tmp.path().join("compose.yaml")),
            &bytes,
        ) else {
            continue;
        };
        let options = Options {
            output_dir: tmp.path().to_path_buf(),
            ..Options::default()
        };
        let Ok(h) = harden(doc, &options, &Knowledge::builtin()) else {
            continue;
        };
        if h.edits.is_empty() {
            continue;
        }
        let result = compose_harden::edit::patch::apply_rewriting(&h.input, &h.edits)
            .and_then(|t| compose_harden::edit::verify::check(&h.input, &h.edits, &t));
        if let Err(e) = result {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
