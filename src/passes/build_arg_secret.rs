//! `build-arg-secret`: build arguments are recorded in the image's history, where anyone who
//! can pull the image reads them. Secret arguments become build secrets, mounted only while the
//! `RUN` step that needs them runs.

use super::secret_moves::{define, env_secret, file_secret};
use super::{Context, Outcome, Pass, finding};
use crate::edit::{Op, Value};
use crate::knowledge::secret_names::{Confidence, classify, secret_name};
use crate::model::Service;
use crate::model::interpolation::{Shape, shape};
use crate::rules::RuleId;

pub struct BuildArgSecret;

/// A build argument: position (in a list form), name, value, and the node holding the value.
type BuildArg = (usize, String, Option<String>, crate::load::NodeId);

/// The service's build arguments, and whether they are written as a list.
fn build_args(svc: &Service) -> Option<(bool, Vec<BuildArg>)> {
    let build = svc.get("build")?;
    let tree = &svc.doc.tree;
    let args = tree.get(build.value, "args")?;
    if tree.is_map(args.value) {
        let v = tree
            .entries(args.value)
            .into_iter()
            .enumerate()
            .map(|(i, e)| {
                let v = tree.non_null_scalar(e.value).map(str::to_string);
                (i, e.key, v, e.value)
            })
            .collect();
        return Some((false, v));
    }
    let v = tree
        .items(args.value)
        .iter()
        .enumerate()
        .filter_map(|(i, &n)| {
            let s = tree.non_null_scalar(n)?;
            Some(match s.split_once('=') {
                Some((k, v)) => (i, k.to_string(), Some(v.to_string()), n),
                None => (i, s.to_string(), None, n),
            })
        })
        .collect();
    Some((true, v))
}

impl Pass for BuildArgSecret {
    fn rule(&self) -> RuleId {
        RuleId::BuildArgSecret
    }

    fn run(&self, cx: &Context, out: &mut Outcome) {
        let rule = self.rule();
        for svc in &cx.services {
            let Some((list, args)) = build_args(svc) else {
                continue;
            };
            let dockerfile = svc.dockerfile();
            for (index, name, value, node) in args {
                let Some(value) = value else { continue };
                let (secret, what) = match shape(&value) {
                    Shape::Literal(l) => {
                        let Some(d) = classify(&name, &l) else {
                            continue;
                        };
                        out.sensitive(svc.doc, Some(node), &l);
                        (
                            Source::File(l),
                            format!(
                                "holds a secret in plain text ({}, {} confidence)",
                                d.why,
                                d.confidence.as_str()
                            ),
                        )
                    }
                    Shape::Variable {
                        name: host,
                        default: None,
                    } if secret_name(&name).is_some_and(|c| c >= Confidence::Medium) => (
                        Source::Env(host.clone()),
                        format!("passes the secret `{host}` into the image's build history"),
                    ),
                    _ => continue,
                };
                let mut f = finding(
                    rule,
                    svc,
                    Some("build"),
                    format!(
                        "build argument `{name}` {what}; build arguments stay readable in the image history"
                    ),
                );
                if svc.is_skipped(rule) {
                    out.findings.push(f);
                    continue;
                }
                let secret_name = match secret {
                    Source::File(v) => {
                        file_secret(cx, out, &format!("{}_build_{}", svc.name, name), &v)
                    }
                    Source::Env(host) => env_secret(cx, out, &host),
                };
                let args_path = svc.path().key("build").key("args");
                let mut ops = vec![if list {
                    Op::Remove {
                        path: args_path.index(index),
                    }
                } else {
                    Op::Remove {
                        path: args_path.key(&name),
                    }
                }];
                ops.push(Op::Append {
                    path: svc.path().key("build").key("secrets"),
                    items: vec![Value::str(secret_name.clone())],
                });
                ops.extend(define(out, &secret_name));
                f.message
                    .push_str(&format!(": moved to the build secret `{secret_name}`"));
                let arg_line = dockerfile.as_deref().and_then(|d| arg_line(d, &name));
                let where_ = match arg_line {
                    Some(n) => format!("delete `ARG {name}` (Dockerfile line {n}) and"),
                    None => format!("replace `ARG {name}` in the Dockerfile:"),
                };
                out.follow_up(
                    rule,
                    Some(&svc.name),
                    format!(
                        "{where_} read the secret only in the step that needs it: `RUN --mount=type=secret,id={secret_name},env={name} <command>`"
                    ),
                );
                out.findings.push(f.fix("moved", ops));
            }
        }
    }
}

enum Source {
    File(String),
    Env(String),
}

/// The 1-based line of `ARG name` in a Dockerfile (continuations counted).
fn arg_line(dockerfile: &str, name: &str) -> Option<usize> {
    dockerfile.lines().enumerate().find_map(|(i, l)| {
        let mut w = l.split_whitespace();
        let is_arg = w.next().is_some_and(|k| k.eq_ignore_ascii_case("ARG"));
        let arg = w.next()?;
        let arg_name = arg.split('=').next()?;
        (is_arg && arg_name == name).then_some(i + 1)
    })
}
