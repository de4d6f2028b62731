//! How a secret value becomes a Compose secret, shared by the three secret passes: one secret
//! per value (several services and variables may share it), collision-free stable names, the
//! top-level definition, the service's mount and the `<VAR>_FILE` variable.

use super::{Context, Outcome};
use crate::edit::{Op, Value};
use crate::model::{EnvForm, EnvVar, Service};
use crate::rules::RuleId;
use crate::secrets::{PlannedSecret, SecretSource, SecretValue};

/// Where Compose mounts a secret.
pub fn target(name: &str) -> String {
    format!("/run/secrets/{name}")
}

/// A secret name Compose accepts, from a service and variable name: `db_postgres_password`.
pub fn sanitize(raw: &str) -> String {
    let mut s: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    while s.contains("__") {
        s = s.replace("__", "_");
    }
    let s = s.trim_matches('_').to_string();
    if s.is_empty() { "secret".into() } else { s }
}

fn taken(cx: &Context, out: &Outcome, name: &str) -> bool {
    let tree = &cx.doc.tree;
    let in_file = tree
        .get(cx.doc.root(), "secrets")
        .is_some_and(|t| tree.get(t.value, name).is_some());
    in_file || out.secrets.iter().any(|s| s.name == name)
}

fn unique(cx: &Context, out: &Outcome, base: &str) -> String {
    let base = sanitize(base);
    if !taken(cx, out, &base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}_{n}"))
        .find(|n| !taken(cx, out, n))
        .unwrap_or(base)
}

/// The path of a secret file as written in the compose file, relative to its folder.
fn file_path(cx: &Context, name: &str) -> String {
    let dir = &cx.options.secrets_dir;
    let joined = dir.join(name);
    let s = joined.to_string_lossy().replace('\\', "/");
    if dir.is_absolute() || s.starts_with("./") || s.starts_with("../") {
        s
    } else {
        format!("./{s}")
    }
}

/// The file-backed secret holding `value`: an existing one with the same value, or a new one
/// named after the first service and variable that use it.
pub fn file_secret(cx: &Context, out: &mut Outcome, preferred: &str, value: &str) -> String {
    if let Some(s) = out
        .secrets
        .iter()
        .find(|s| matches!(&s.source, SecretSource::File { value: v, .. } if v.expose() == value))
    {
        return s.name.clone();
    }
    let name = unique(cx, out, preferred);
    out.secrets.push(PlannedSecret {
        name: name.clone(),
        source: SecretSource::File {
            path: file_path(cx, &name),
            value: SecretValue::new(value),
        },
    });
    name
}

/// The secret Compose reads from the host variable `var` when the stack starts.
pub fn env_secret(cx: &Context, out: &mut Outcome, var: &str) -> String {
    if let Some(s) = out
        .secrets
        .iter()
        .find(|s| matches!(&s.source, SecretSource::Environment { var: v } if v == var))
    {
        return s.name.clone();
    }
    let name = unique(cx, out, var);
    out.secrets.push(PlannedSecret {
        name: name.clone(),
        source: SecretSource::Environment {
            var: var.to_string(),
        },
    });
    name
}

/// The top-level definition of a planned secret.
pub fn define(out: &Outcome, name: &str) -> Option<Op> {
    let s = out.secrets.iter().find(|s| s.name == name)?;
    let value = match &s.source {
        SecretSource::File { path, .. } => Value::map([("file", Value::str(path.clone()))]),
        SecretSource::Environment { var } => Value::map([("environment", Value::str(var.clone()))]),
    };
    Some(Op::Set {
        path: crate::edit::Path::root().key("secrets").key(name),
        value,
    })
}

/// Mounts the secret into the service, unless it already is.
pub fn mount(svc: &Service, name: &str) -> Option<Op> {
    let tree = &svc.doc.tree;
    let present = svc.get("secrets").is_some_and(|e| {
        tree.items(e.value).iter().any(|&i| {
            tree.non_null_scalar(i) == Some(name)
                || tree
                    .get(i, "source")
                    .and_then(|s| tree.non_null_scalar(s.value))
                    == Some(name)
        })
    });
    (!present).then(|| super::add_to_list(svc, "secrets", vec![Value::str(name)]))
}

/// Replaces `VAR=value` with `VAR_FILE=/run/secrets/<name>` in the service's environment.
pub fn point_env_at_file(svc: &Service, form: EnvForm, var: &EnvVar, name: &str) -> Vec<Op> {
    let env = svc.path().key("environment");
    let file_var = format!("{}_FILE", var.name);
    match form {
        EnvForm::Map => vec![
            Op::Remove {
                path: env.clone().key(&var.name),
            },
            Op::Set {
                path: env.key(&file_var),
                value: Value::str(target(name)),
            },
        ],
        EnvForm::List => vec![
            Op::Remove {
                path: env.clone().index(var.index.unwrap_or(0)),
            },
            Op::Append {
                path: env,
                items: vec![Value::str(format!("{file_var}={}", target(name)))],
            },
        ],
        EnvForm::Absent => Vec::new(),
    }
}

/// Says what the application has to do, unless its image reads `<VAR>_FILE` itself.
pub fn follow_up_for_app(cx: &Context, out: &mut Outcome, rule: RuleId, svc: &Service, var: &str) {
    let known = svc.image().and_then(|i| cx.knowledge.lookup(i));
    if known.as_ref().is_some_and(|k| k.reads_file_env(var)) {
        return;
    }
    out.follow_up(
        rule,
        Some(&svc.name),
        format!(
            "the application must read {var}_FILE (a file holding the value) instead of {var}; \
             e.g. in its entrypoint: `export {var}=\"$(cat \"${var}_FILE\")\"`"
        ),
    );
}
