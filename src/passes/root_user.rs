//! `root-user`: without `user:` most images run as root, so an escape from the process is an
//! escape as root.

use super::{Context, Outcome, Pass, excepted_finding, finding};
use crate::edit::{Op, Value};
use crate::model::{Service, is_root_user};
use crate::rules::RuleId;

pub struct RootUser;

impl Pass for RootUser {
    fn rule(&self) -> RuleId {
        RuleId::RootUser
    }

    fn run(&self, cx: &Context, out: &mut Outcome) {
        let rule = self.rule();
        for svc in &cx.services {
            if let Some(user) = svc.str("user") {
                // An empty `user:` is not an explicit root: nothing is said about it.
                if !user.trim().is_empty() && is_root_user(user) {
                    out.findings.push(finding(
                        rule,
                        svc,
                        Some("user"),
                        format!("runs as root explicitly (`user: {user}`): left as written; use a non-root uid if the image allows it"),
                    ));
                }
                continue;
            }
            if svc.has("user") || svc.is_skipped(rule) {
                if !svc.has("user") {
                    out.findings
                        .push(finding(rule, svc, None, "runs as root (no `user:`)"));
                }
                continue;
            }
            if let Some(f) = excepted_finding(cx, svc, rule, "runs as root: left without `user:`") {
                out.findings.push(f);
                continue;
            }
            let (user, why) = choose_user(cx, svc, out);
            out.findings.push(
                finding(
                    rule,
                    svc,
                    None,
                    format!("runs as root (no `user:`): added `user: \"{user}\"` ({why})"),
                )
                .fix(
                    "added",
                    vec![Op::Set {
                        path: svc.path().key("user"),
                        value: Value::Str(user),
                    }],
                ),
            );
        }
    }
}

/// The user to write, and where it came from.
fn choose_user(cx: &Context, svc: &Service, out: &mut Outcome) -> (String, String) {
    if let Some(u) = &svc.exceptions.user {
        return (u.clone(), "from x-harden.user".into());
    }
    if let Some(k) = svc.image().and_then(|i| cx.knowledge.lookup(i))
        && let Some(u) = &k.user
    {
        return (
            u.clone(),
            format!(
                "the uid the image runs as (knowledge: {}, {})",
                k.profile.name,
                k.source()
            ),
        );
    }
    if let Some(u) = dockerfile_user(svc)
        && !is_root_user(&u)
    {
        return (u, "the USER its Dockerfile sets".into());
    }
    let image = svc.image_label();
    out.follow_up(
        RuleId::RootUser,
        Some(&svc.name),
        format!(
            "compose-harden has no uid on record for {image}: check that it runs as {} (what it writes must be writable for that uid), or set `x-harden: {{user: ...}}`",
            cx.options.default_user
        ),
    );
    (cx.options.default_user.clone(), "the default user".into())
}

/// The user the final stage of the service's Dockerfile switches to, when it is readable.
pub fn dockerfile_user(svc: &Service) -> Option<String> {
    let text = svc.dockerfile()?;
    let mut user = None;
    for line in logical_lines(&text) {
        let mut words = line.split_whitespace();
        match words.next().map(str::to_ascii_uppercase).as_deref() {
            Some("FROM") => user = None,
            Some("USER") => user = words.next().map(str::to_string),
            _ => {}
        }
    }
    user.filter(|u| !u.contains('$'))
}

/// Dockerfile lines with `\` continuations joined and comments dropped.
pub fn logical_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('#') && cur.is_empty() {
            continue;
        }
        if let Some(body) = t.strip_suffix('\\') {
            cur.push_str(body);
            cur.push(' ');
        } else {
            cur.push_str(t);
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}
