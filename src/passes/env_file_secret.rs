//! `env-file-secret`: secrets read from `env_file` files reach the container's environment
//! just like inline ones. They move into Compose secrets; the env file loses them: edited in
//! place with `--in-place` (the original kept as `.orig`), otherwise a sanitised copy is written
//! beside the output and the services that read the file point at it.
//!
//! An env file can be read by several services. A key leaves the file only when every service
//! that reads it from there can take it from a secret; otherwise it stays for all of them.

use std::collections::BTreeMap;
use std::path::{Component, Path as FsPath, PathBuf};

use super::secret_moves::{
    FileVar, define, file_secret, file_var, follow_up_for_app, mount, target,
};
use super::{Context, Finding, Outcome, Pass, finding};
use crate::edit::{Op, Path, Value};
use crate::knowledge::secret_names::{Detection, classify};
use crate::load::NodeId;
use crate::load::envfile::{self, EnvEntry};
use crate::model::{ComposeBool, EnvForm, EnvVar, Service, environment};
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
                required: get("required")
                    .is_none_or(|r| ComposeBool::parse(r) != ComposeBool::False),
                raw: get("format") == Some("raw"),
            })
        })
        .collect()
}

/// A service reading an env file.
struct Reader<'a> {
    svc: &'a Service<'a>,
    form: EnvForm,
    inline: Vec<EnvVar>,
    file: EnvFileRef,
}

/// An env file and everyone who reads it.
struct EnvFile<'a> {
    on_disk: PathBuf,
    text: String,
    entries: Vec<EnvEntry>,
    readers: Vec<Reader<'a>>,
}

/// Whether a reader can take a key from a secret: `Ok(file variables, native)`, or why not.
type Verdict = Result<(Vec<String>, bool), String>;

impl Pass for EnvFileSecret {
    fn rule(&self) -> RuleId {
        RuleId::EnvFileSecret
    }

    fn run(&self, cx: &Context, out: &mut Outcome) {
        for file in self.gather(cx, out) {
            self.file(cx, out, &file);
        }
    }
}

impl EnvFileSecret {
    /// Every readable env file, read once, with its readers.
    fn gather<'a>(&self, cx: &'a Context, out: &mut Outcome) -> Vec<EnvFile<'a>> {
        let base = cx.doc.base_dir();
        let mut files: BTreeMap<PathBuf, EnvFile<'a>> = BTreeMap::new();
        for svc in &cx.services {
            let (form, inline) = environment(svc);
            for ef in env_files(svc) {
                if ef.file.contains('$') {
                    continue;
                }
                // Two spellings of one file are one file.
                let on_disk = crate::edit::rebase::normalize(&base.join(&ef.file));
                if let Some(f) = files.get_mut(&on_disk) {
                    f.readers.push(Reader {
                        svc,
                        form,
                        inline: inline.clone(),
                        file: ef,
                    });
                    continue;
                }
                let text = match std::fs::read(&on_disk) {
                    Err(_) => {
                        if ef.required {
                            out.notes.push(format!(
                                "{}: env file `{}` of service `{}` not found: its secrets were not checked",
                                cx.doc.name, ef.file, svc.name
                            ));
                        }
                        continue;
                    }
                    Ok(bytes) => match String::from_utf8(bytes) {
                        Ok(t) => t,
                        Err(_) => {
                            out.notes.push(format!(
                                "{}: env file `{}` is not UTF-8 text: its secrets were not checked",
                                cx.doc.name, ef.file
                            ));
                            continue;
                        }
                    },
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
                files.insert(
                    on_disk.clone(),
                    EnvFile {
                        on_disk,
                        text,
                        entries,
                        readers: vec![Reader {
                            svc,
                            form,
                            inline: inline.clone(),
                            file: ef,
                        }],
                    },
                );
            }
        }
        files.into_values().collect()
    }

    fn verdict(&self, cx: &Context, r: &Reader, key: &str) -> Verdict {
        if r.svc.is_skipped(self.rule()) {
            return Err(format!(
                "`{}` keeps it (x-harden: {})",
                r.svc.name,
                r.svc.exceptions.reason.as_deref().unwrap_or("")
            ));
        }
        match file_var(cx, r.svc, key) {
            FileVar::Refused(why) => Err(format!(
                "`{}` cannot take it from a file: {why}",
                r.svc.name
            )),
            FileVar::Names { names, native } => {
                if r.inline.iter().any(|v| names.contains(&v.name)) {
                    Err(format!(
                        "`{}` already sets {} in `environment`",
                        r.svc.name,
                        names.join(", ")
                    ))
                } else {
                    Ok((names, native))
                }
            }
        }
    }

    fn file(&self, cx: &Context, out: &mut Outcome, file: &EnvFile) {
        let rule = self.rule();
        let doc = cx.doc;
        // Findings per reader, and the edits that come with moving.
        let mut findings: Vec<Finding> = Vec::new();
        let mut moved: Vec<&EnvEntry> = Vec::new();
        for entry in &file.entries {
            let Some(literal) = entry.literal_value() else {
                continue;
            };
            let Some(detection) = classify(&entry.key, &literal) else {
                continue;
            };
            out.sensitive(doc, None, &literal);
            let raw = &file.text[entry.span.clone()];
            for line in raw.lines() {
                out.sensitive(doc, None, line.trim());
            }
            // `environment` wins over `env_file`: a service that sets the key does not read it.
            let readers: Vec<&Reader> = file
                .readers
                .iter()
                .filter(|r| !r.inline.iter().any(|v| v.name == entry.key))
                .collect();
            let verdicts: Vec<Verdict> = readers
                .iter()
                .map(|r| self.verdict(cx, r, &entry.key))
                .collect();
            let blocker = verdicts.iter().find_map(|v| v.as_ref().err().cloned());
            for (r, verdict) in readers.iter().zip(&verdicts) {
                let mut f = self.finding(r, entry, &detection);
                match (&blocker, verdict) {
                    (_, Err(why)) => {
                        f.message.push_str(&format!(": left, because {why}"));
                        findings.push(f);
                    }
                    (Some(why), Ok(_)) => {
                        f.message.push_str(&format!(
                            ": left, because it stays in the file for another service: {why}"
                        ));
                        findings.push(f);
                    }
                    (None, Ok((names, native))) => {
                        let secret = file_secret(
                            cx,
                            out,
                            &format!("{}_{}", r.svc.name, entry.key),
                            &literal,
                        );
                        f.message.push_str(&format!(
                            ": moved to the secret `{secret}`, read through `{}`",
                            names.join("`, `")
                        ));
                        let mut ops = file_var_ops(r, names, &secret);
                        ops.extend(mount(r.svc, &secret));
                        ops.extend(define(out, &secret));
                        follow_up_for_app(out, rule, r.svc, &entry.key, *native);
                        findings.push(f.fix("moved", ops));
                    }
                }
            }
            if blocker.is_none() && !readers.is_empty() {
                moved.push(entry);
            }
        }
        if !moved.is_empty() {
            let sanitised = sanitise(&file.text, &moved);
            let switch = self.sanitised_copy(cx, out, file, sanitised);
            // Every reader switches to the copy; the first fix carries the switch.
            if let Some(first) = findings.iter_mut().find(|f| !f.edits.is_empty()) {
                first.edits.extend(switch);
            }
        }
        out.findings.extend(findings);
    }

    fn finding(&self, r: &Reader, entry: &EnvEntry, d: &Detection) -> Finding {
        finding(
            self.rule(),
            r.svc,
            Some("env_file"),
            format!(
                "`{}` in {} (line {}) holds a secret in plain text ({}, {} confidence)",
                entry.key,
                r.file.file,
                entry.line,
                d.why,
                d.confidence.as_str()
            ),
        )
        .at(r.svc.location_of(r.file.node))
    }

    /// Writes the sanitised env file: in place with `--in-place`, else as a copy beside the
    /// output that every reader's `env_file` then names. Returns those edits.
    fn sanitised_copy(
        &self,
        cx: &Context,
        out: &mut Outcome,
        file: &EnvFile,
        sanitised: String,
    ) -> Vec<Op> {
        if cx.options.in_place {
            out.side_files.push(SideFile {
                path: file.on_disk.clone(),
                contents: sanitised,
                backup: true,
            });
            return Vec::new();
        }
        let written = &file.readers[0].file.file;
        let copy_rel = copy_name(written, |p| {
            out.side_files
                .iter()
                .any(|s| s.path == cx.options.output_dir.join(p))
        });
        out.side_files.push(SideFile {
            path: cx.options.output_dir.join(&copy_rel),
            contents: sanitised,
            backup: false,
        });
        out.follow_up(
            self.rule(),
            None,
            format!(
                "{written} still holds the moved secrets; the hardened file reads ./{copy_rel} instead: delete them from {written} once you switch over"
            ),
        );
        file.readers
            .iter()
            .map(|r| Op::Set {
                path: r.file.path_at.clone(),
                value: Value::str(format!("./{copy_rel}")),
            })
            .collect()
    }
}

/// `<VAR>_FILE` (and the image's own convention) in the reader's environment.
fn file_var_ops(r: &Reader, names: &[String], secret: &str) -> Vec<Op> {
    let env = r.svc.path().key("environment");
    match r.form {
        EnvForm::List => vec![Op::Append {
            path: env,
            items: names
                .iter()
                .map(|f| Value::str(format!("{f}={}", target(secret))))
                .collect(),
        }],
        _ => names
            .iter()
            .map(|f| Op::Set {
                path: env.clone().key(f),
                value: Value::str(target(secret)),
            })
            .collect(),
    }
}

/// The copy's path relative to the output folder: the env file's own relative path plus
/// `.hardened` when it stays inside the folder, else its name (numbered if taken).
fn copy_name(written: &str, taken: impl Fn(&str) -> bool) -> String {
    let p = FsPath::new(written);
    let inside = p
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    let base = if inside {
        let clean: PathBuf = p
            .components()
            .filter(|c| matches!(c, Component::Normal(_)))
            .collect();
        clean.to_string_lossy().replace('\\', "/")
    } else {
        p.file_name()
            .map_or("env".into(), |n| n.to_string_lossy().into_owned())
    };
    let mut name = format!("{base}.hardened");
    let mut n = 2;
    while taken(&name) {
        name = format!("{base}.{n}.hardened");
        n += 1;
    }
    name
}

/// The env file without the moved entries, everything else byte for byte.
fn sanitise(text: &str, moved: &[&EnvEntry]) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_keep_their_folder_and_never_collide() {
        assert_eq!(copy_name("app.env", |_| false), "app.env.hardened");
        assert_eq!(copy_name("./a/app.env", |_| false), "a/app.env.hardened");
        assert_eq!(copy_name("b/app.env", |_| false), "b/app.env.hardened");
        assert_eq!(
            copy_name("../shared/app.env", |_| false),
            "app.env.hardened"
        );
        assert_eq!(
            copy_name("../x/app.env", |n| n == "app.env.hardened"),
            "app.env.2.hardened"
        );
    }
}
