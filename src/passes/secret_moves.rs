//! How a secret value becomes a Compose secret, shared by the three secret passes: one secret
//! per value (several services and variables may share it), collision-free stable names, the
//! top-level definition, the service's mount and the `<VAR>_FILE` variable.

use super::{Context, Outcome};
use crate::edit::{Op, Value};
use crate::model::{EnvForm, EnvVar, Service};
use crate::rules::RuleId;
use crate::secrets::{PlannedSecret, SecretSource, SecretValue};

/// Whether the service's root filesystem ends up read-only: Compose cannot hand such a
/// service an environment-sourced secret ("'file' is the sole supported option").
pub fn ends_read_only(cx: &Context, svc: &Service) -> bool {
    use crate::model::ComposeBool;
    match svc.bool("read_only") {
        Some(ComposeBool::True) | Some(ComposeBool::Expr(_)) => true,
        _ => {
            !svc.is_skipped(RuleId::WritableRootfs)
                && !super::automatic_exceptions(cx, svc)
                    .iter()
                    .any(|(r, _)| *r == RuleId::WritableRootfs)
        }
    }
}

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
    in_file || out.secrets.get(name).is_some()
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
    if let Some(s) = out.secrets.with_env(var) {
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
    let s = out.secrets.get(name)?;
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

/// How a service's image takes a secret from a file instead of `VAR`.
pub enum FileVar {
    /// The variable(s) to set to the secret's path: `<VAR>_FILE` first (the contract), then the
    /// image's own convention where it has another (`FILE__<VAR>`); `native` when the image is
    /// known to read one of them.
    Names { names: Vec<String>, native: bool },
    /// The image cannot take its secrets from files: why.
    Refused(String),
}

impl FileVar {
    fn names(names: Vec<String>, native: bool) -> FileVar {
        FileVar::Names { names, native }
    }
}

/// `<VAR>_FILE` always; plus the image's own convention where the knowledge base has one
/// (LinuxServer's `FILE__<VAR>`); a refusal for images whose entrypoint rejects files.
pub fn file_var(cx: &Context, svc: &Service, var: &str) -> FileVar {
    let suffixed = format!("{var}_FILE");
    if let Some(k) = svc.image().and_then(|i| cx.knowledge.lookup(i)) {
        if let Some(why) = &k.profile.no_file_secrets {
            return FileVar::Refused(format!("{} (knowledge: {})", why, k.profile.name));
        }
        match k.file_env_name(var) {
            Some(n) if n == suffixed => return FileVar::names(vec![n], true),
            Some(n) => return FileVar::names(vec![suffixed, n], true),
            None => {}
        }
    }
    FileVar::names(vec![suffixed], false)
}

/// Replaces `VAR=value` with `<file var>=/run/secrets/<name>` for each file variable.
pub fn point_env_at_file(
    svc: &Service,
    form: EnvForm,
    var: &EnvVar,
    file_vars: &[String],
    name: &str,
) -> Vec<Op> {
    let env = svc.path().key("environment");
    match form {
        EnvForm::Map => {
            let mut ops = vec![Op::Remove {
                path: env.clone().key(&var.name),
            }];
            ops.extend(file_vars.iter().map(|f| Op::Set {
                path: env.clone().key(f),
                value: Value::str(target(name)),
            }));
            ops
        }
        EnvForm::List => vec![
            Op::Remove {
                path: env.clone().index(var.index.unwrap_or(0)),
            },
            Op::Append {
                path: env,
                items: file_vars
                    .iter()
                    .map(|f| Value::str(format!("{f}={}", target(name))))
                    .collect(),
            },
        ],
        EnvForm::Absent => Vec::new(),
    }
}

/// When the secret is written outside the service (in an anchor the service reaches through an
/// alias or a merge key), the edits that take it out of that place too: overriding it in the
/// service alone would leave the value in the file.
pub fn scrub_origin(svc: &Service, var: &EnvVar, file_vars: &[String], name: &str) -> Vec<Op> {
    let Some(written) = crate::edit::Path::written(svc.doc, var.node) else {
        return Vec::new();
    };
    if written.starts_with(&svc.path().key("environment")) {
        return Vec::new();
    }
    let parent = written.parent();
    match written.last() {
        Some(crate::edit::Seg::Key(_)) => {
            let mut ops = vec![Op::Remove { path: written }];
            ops.extend(file_vars.iter().map(|f| Op::Set {
                path: parent.clone().key(f),
                value: Value::str(target(name)),
            }));
            ops
        }
        Some(crate::edit::Seg::Index(_)) => vec![
            Op::Remove { path: written },
            Op::Append {
                path: parent,
                items: file_vars
                    .iter()
                    .map(|f| Value::str(format!("{f}={}", target(name))))
                    .collect(),
            },
        ],
        None => Vec::new(),
    }
}

/// Says what the application has to do, unless its image reads the file variable itself.
pub fn follow_up_for_app(out: &mut Outcome, rule: RuleId, svc: &Service, var: &str, native: bool) {
    if native {
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
