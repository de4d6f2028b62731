//! `env-file-secret`: secrets read from `env_file` files reach the container's environment
//! just like inline ones. They move into Compose secrets; the env file loses them: edited in
//! place with `--in-place` (the original kept as `.orig`), otherwise a sanitised copy is written
//! beside the output and the service points at it.

use std::path::{Path as FsPath, PathBuf};

use super::secret_moves::{
    FileVar, define, file_secret, file_var, follow_up_for_app, mount, target,
};
use super::{Context, Outcome, Pass, finding};
use crate::edit::{Op, Path, Value};
use crate::knowledge::secret_names::classify;
use crate::load::NodeId;
use crate::load::envfile;
use crate::model::{EnvForm, Service, environment};
use crate::rules::RuleId;
use crate::secrets::SideFile;

pub struct EnvFileSecret;

/// One `env_file` entry of a service.
struct EnvFileRef {
    /// Where the path is written (to point it at the sanitised copy).
    path_at: Path,
    node: NodeId,
    file: String,
    required: bool,
    raw: bool,
}

fn env_files(svc: &Service) -> Vec<EnvFileRef> {
    let Some(e) = svc.get("env_file") else {
        return Vec::new();
    };
    let tree = &svc.doc.tree;
    let at = svc.path().key("env_file");
    if let Some(s) = tree.non_null_scalar(e.value) {
        return vec![EnvFileRef {
            path_at: at,
            node: e.value,
            file: s.to_string(),
            required: true,
            raw: false,
        }];
    }
    tree.items(e.value)
        .iter()
        .enumerate()
        .filter_map(|(i, &item)| {
            if let Some(s) = tree.non_null_scalar(item) {
                return Some(EnvFileRef {
                    path_at: at.clone().index(i),
                    node: item,
                    file: s.to_string(),
                    required: true,
                    raw: false,
                });
            }
            let get = |k: &str| {
                tree.get(item, k)
                    .and_then(|x| tree.non_null_scalar(x.value))
            };
            Some(EnvFileRef {
                path_at: at.clone().index(i).key("path"),
                node: tree.get(item, "path")?.value,
                file: get("path")?.to_string(),
                required: get("required").is_none_or(|r| !matches!(r, "false" | "False" | "no")),
                raw: get("format") == Some("raw"),
            })
        })
        .collect()
}

impl Pass for EnvFileSecret {
    fn rule(&self) -> RuleId {
        RuleId::EnvFileSecret
    }

    fn run(&self, cx: &Context, out: &mut Outcome) {
        let base = cx.doc.base_dir();
        for svc in &cx.services {
            let (form, inline) = environment(svc);
            for ef in env_files(svc) {
                if ef.file.contains('$') {
                    continue;
                }
                let on_disk = base.join(&ef.file);
                let Ok(text) = std::fs::read_to_string(&on_disk) else {
                    if ef.required {
                        out.notes.push(format!(
                            "{}: env file `{}` of service `{}` not found: its secrets were not checked",
                            cx.doc.name, ef.file, svc.name
                        ));
                    }
                    continue;
                };
                let entries = match envfile::parse(&text, ef.raw) {
                    Ok(e) => e,
                    Err(e) => {
                        out.notes.push(format!(
                            "{}:{}:{}: env file not read: {}",
                            ef.file, e.line, e.column, e.message
                        ));
                        continue;
                    }
                };
                self.service_file(cx, out, svc, form, &inline, &ef, &on_disk, &text, &entries);
            }
        }
    }
}

impl EnvFileSecret {
    #[allow(clippy::too_many_arguments)]
    fn service_file(
        &self,
        cx: &Context,
        out: &mut Outcome,
        svc: &Service,
        form: EnvForm,
        inline: &[crate::model::EnvVar],
        ef: &EnvFileRef,
        on_disk: &FsPath,
        text: &str,
        entries: &[envfile::EnvEntry],
    ) {
        let rule = self.rule();
        let mut moved: Vec<&envfile::EnvEntry> = Vec::new();
        let mut edits: Vec<Op> = Vec::new();
        let mut findings = Vec::new();
        for entry in entries {
            if entry.value.is_none() {
                continue;
            }
            // `environment` wins over `env_file`: what it sets is not read from the file.
            if inline
                .iter()
                .any(|v| v.name == entry.key || v.name == format!("{}_FILE", entry.key))
            {
                continue;
            }
            // Values that depend on interpolation are not literals on disk.
            let Some(literal) = entry.literal_value() else {
                continue;
            };
            let Some(detection) = classify(&entry.key, &literal) else {
                continue;
            };
            let mut f = finding(
                rule,
                svc,
                Some("env_file"),
                format!(
                    "`{}` in {} (line {}) holds a secret in plain text ({}, {} confidence)",
                    entry.key,
                    ef.file,
                    entry.line,
                    detection.why,
                    detection.confidence.as_str()
                ),
            )
            .at(svc.location_of(ef.node));
            if svc.is_skipped(rule) {
                out.findings.push(f);
                continue;
            }
            let (file_var, native) = match file_var(cx, svc, &entry.key) {
                FileVar::Refused(why) => {
                    f.message.push_str(&format!(": left, because {why}"));
                    out.findings.push(f);
                    continue;
                }
                FileVar::Names { names, native } => (names, native),
            };
            if inline.iter().any(|v| file_var.contains(&v.name)) {
                continue;
            }
            let secret = file_secret(cx, out, &format!("{}_{}", svc.name, entry.key), &literal);
            f.message.push_str(&format!(
                ": moved to the secret `{secret}`, read through `{}`",
                file_var.join("`, `")
            ));
            let env = svc.path().key("environment");
            match form {
                EnvForm::List => edits.push(Op::Append {
                    path: env,
                    items: file_var
                        .iter()
                        .map(|f| Value::str(format!("{f}={}", target(&secret))))
                        .collect(),
                }),
                _ => edits.extend(file_var.iter().map(|f| Op::Set {
                    path: env.clone().key(f),
                    value: Value::str(target(&secret)),
                })),
            }
            edits.extend(mount(svc, &secret));
            edits.extend(define(out, &secret));
            follow_up_for_app(out, rule, svc, &entry.key, native);
            moved.push(entry);
            findings.push(f);
        }
        if moved.is_empty() {
            return;
        }
        let sanitised = sanitise(text, &moved);
        if cx.options.in_place {
            push_side_file(out, on_disk.to_path_buf(), sanitised, true);
        } else {
            let name = format!(
                "{}.hardened",
                on_disk
                    .file_name()
                    .map_or("env".into(), |n| n.to_string_lossy().into_owned())
            );
            let copy = cx.options.output_dir.join(&name);
            push_side_file(out, copy, sanitised, false);
            edits.push(Op::Set {
                path: ef.path_at.clone(),
                value: Value::str(format!("./{name}")),
            });
            out.follow_up(
                rule,
                Some(&svc.name),
                format!(
                    "{} still holds the moved secrets; the hardened file reads ./{name} instead: delete the secrets from {} once you switch over",
                    ef.file, ef.file
                ),
            );
        }
        // Every finding of this file carries all its edits: they stand or fall together.
        for f in findings {
            out.findings.push(f.fix("moved", edits.clone()));
        }
    }
}

fn push_side_file(out: &mut Outcome, path: PathBuf, contents: String, backup: bool) {
    if let Some(existing) = out.side_files.iter_mut().find(|s| s.path == path) {
        // Several services read one env file: the copy drops every secret any of them moved.
        existing.contents = intersect_lines(&existing.contents, &contents);
        return;
    }
    out.side_files.push(SideFile {
        path,
        contents,
        backup,
    });
}

/// The env file without the moved entries, everything else byte for byte.
fn sanitise(text: &str, moved: &[&envfile::EnvEntry]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut cursor = 0;
    let mut spans: Vec<&std::ops::Range<usize>> = moved.iter().map(|e| &e.span).collect();
    spans.sort_by_key(|s| s.start);
    for s in spans {
        if s.start >= cursor {
            out.push_str(&text[cursor..s.start]);
            cursor = s.end;
        }
    }
    out.push_str(&text[cursor..]);
    out
}

/// Lines present in both sanitised copies of one file.
fn intersect_lines(a: &str, b: &str) -> String {
    let keep: Vec<&str> = b.split_inclusive('\n').collect();
    a.split_inclusive('\n')
        .filter(|l| keep.contains(l))
        .collect()
}
