//! `inline-secret`: secret values written into `environment` are visible to anyone who can
//! `docker inspect`, and end up in logs and version control. They move into Compose secrets.

use super::secret_moves::{
    FileVar, define, ends_read_only, env_secret, file_secret, file_var, follow_up_for_app, mount,
    point_env_at_file, scrub_origin,
};
use super::{Context, Finding, Outcome, Pass, finding};
use crate::edit::Op;
use crate::knowledge::secret_names::{
    Confidence, classify, interpolation_default_is_secret, secret_name, url_password,
};
use crate::model::interpolation::{Shape, shape};
use crate::model::{EnvForm, EnvVar, Service, environment};
use crate::rules::RuleId;

pub struct InlineSecret;

impl Pass for InlineSecret {
    fn rule(&self) -> RuleId {
        RuleId::InlineSecret
    }

    fn run(&self, cx: &Context, out: &mut Outcome) {
        for svc in &cx.services {
            let (form, vars) = environment(svc);
            for var in &vars {
                if let Some(f) = self.check(cx, out, svc, form, var, &vars) {
                    out.findings.push(f);
                }
            }
        }
    }
}

/// Whether a variable's name says it holds a secret, sure enough to act on a value we cannot
/// see (an interpolated one).
fn named_secret(name: &str) -> bool {
    secret_name(name).is_some_and(|c| c >= Confidence::Medium)
}

impl InlineSecret {
    fn check(
        &self,
        cx: &Context,
        out: &mut Outcome,
        svc: &Service,
        form: EnvForm,
        var: &EnvVar,
        all: &[EnvVar],
    ) -> Option<Finding> {
        let rule = self.rule();
        let value = var.value.as_deref()?;
        let at = svc.location_of(var.key_node.unwrap_or(var.node));
        let name = &var.name;
        let mut f = finding(rule, svc, Some("environment"), String::new()).at(at);
        match shape(value) {
            Shape::Literal(literal) => {
                let detection = classify(name, &literal)?;
                out.sensitive(svc.doc, Some(var.node), &literal);
                f.message = format!(
                    "`{name}` holds a secret in plain text ({}, {} confidence)",
                    detection.why,
                    detection.confidence.as_str()
                );
                if svc.is_skipped(rule) {
                    return Some(f);
                }
                let (targets, native) = match self.target(cx, svc, name, all, &mut f) {
                    Some(t) => t,
                    None => return Some(f),
                };
                let secret = file_secret(cx, out, &format!("{}_{}", svc.name, name), &literal);
                f.message.push_str(&format!(
                    ": moved to the secret `{secret}`, read through `{}`",
                    targets.join("`, `")
                ));
                let ops = self.ops(out, svc, form, var, &targets, &secret);
                follow_up_for_app(out, rule, svc, name, native);
                Some(f.fix("moved", ops))
            }
            Shape::Variable {
                name: host_var,
                default,
            } => {
                if !named_secret(name) && !named_secret(&host_var) {
                    return None;
                }
                if let Some(d) = default
                    && interpolation_default_is_secret(name, &d).is_some()
                {
                    out.sensitive(svc.doc, None, &d);
                    f.message = format!(
                        "`{name}` falls back to a literal secret when `{host_var}` is unset (a leaked default): \
                         remove the default (`${{{host_var}:?set it}}`) and set `{host_var}` where the stack starts"
                    );
                    return Some(f);
                }
                f.message = format!(
                    "`{name}` takes a secret from `{host_var}` into the container's environment"
                );
                if svc.is_skipped(rule) {
                    return Some(f);
                }
                if ends_read_only(cx, svc) {
                    f.message.push_str(
                        ": left, because Compose cannot give a read-only service a secret read from the environment \
                         (it accepts only file secrets there); write the value to a file kept out of version control \
                         and declare it as `secrets: <name>: {file: ...}` to move it",
                    );
                    return Some(f);
                }
                let (targets, native) = self.target(cx, svc, name, all, &mut f)?;
                let secret = env_secret(cx, out, &host_var);
                f.message.push_str(&format!(
                    ": now the secret `{secret}`, read from `{host_var}` when the stack starts, through `{}`; no value touches disk",
                    targets.join("`, `")
                ));
                let ops = self.ops(out, svc, form, var, &targets, &secret);
                follow_up_for_app(out, rule, svc, name, native);
                Some(f.fix("moved", ops))
            }
            Shape::Mixed => {
                if !named_secret(name) && url_password(value).is_none() {
                    return None;
                }
                if let Some(r) = url_password(value) {
                    out.sensitive(svc.doc, None, &value[r]);
                }
                f.message = format!(
                    "`{name}` mixes literal text with variables, so it cannot become one secret: left"
                );
                out.follow_up(
                    rule,
                    Some(&svc.name),
                    format!(
                        "split the secret out of `{name}`: keep only non-secret parts in the variable and give the password to the application as a Compose secret it reads from a file"
                    ),
                );
                Some(f)
            }
        }
    }

    /// The variable that will point at the secret file, or `None` (with the finding saying why)
    /// when the move cannot be made.
    fn target(
        &self,
        cx: &Context,
        svc: &Service,
        name: &str,
        all: &[EnvVar],
        f: &mut Finding,
    ) -> Option<(Vec<String>, bool)> {
        match file_var(cx, svc, name) {
            FileVar::Refused(why) => {
                f.message.push_str(&format!(": left, because {why}"));
                None
            }
            FileVar::Names { names, native } => {
                if let Some(target) = names.iter().find(|t| all.iter().any(|v| v.name == **t)) {
                    f.message.push_str(&format!(
                        "; `{target}` is already set: remove `{name}` by hand once `{target}` holds the value"
                    ));
                    return None;
                }
                Some((names, native))
            }
        }
    }

    fn ops(
        &self,
        out: &Outcome,
        svc: &Service,
        form: EnvForm,
        var: &EnvVar,
        targets: &[String],
        secret: &str,
    ) -> Vec<Op> {
        let mut ops = point_env_at_file(svc, form, var, targets, secret);
        ops.extend(scrub_origin(svc, var, targets, secret));
        ops.extend(mount(svc, secret));
        ops.extend(define(out, secret));
        ops
    }
}
