//! `inline-secret`: secret values written into `environment` are visible to anyone who can
//! `docker inspect`, and end up in logs and version control. They move into Compose secrets.

use super::secret_moves::{
    define, env_secret, file_secret, follow_up_for_app, mount, point_env_at_file,
};
use super::{Context, Finding, Outcome, Pass, finding};
use crate::knowledge::secret_names::{classify, secret_name, url_password};
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
        let base = || finding(rule, svc, Some("environment"), String::new()).at(at.clone());
        let file_var = format!("{name}_FILE");
        let has_file_var = all.iter().any(|v| v.name == file_var);
        match shape(value) {
            Shape::Literal(literal) => {
                let detection = classify(name, &literal)?;
                let mut f = base();
                f.message = format!(
                    "`{name}` holds a secret in plain text ({}, {} confidence)",
                    detection.why,
                    detection.confidence.as_str()
                );
                if svc.is_skipped(rule) {
                    return Some(f);
                }
                if has_file_var {
                    f.message.push_str(&format!(
                        "; `{file_var}` is already set: remove `{name}` by hand once `{file_var}` holds the value"
                    ));
                    return Some(f);
                }
                let secret = file_secret(cx, out, &format!("{}_{}", svc.name, name), &literal);
                f.message.push_str(&format!(
                    ": moved to the secret `{secret}`, read through `{file_var}`"
                ));
                let ops = self.ops(out, svc, form, var, &secret);
                follow_up_for_app(cx, out, rule, svc, name);
                Some(f.fix("moved", ops))
            }
            Shape::Variable {
                name: host_var,
                default,
            } => {
                if secret_name(name).is_none() && secret_name(&host_var).is_none() {
                    return None;
                }
                let mut f = base();
                if let Some(d) = default
                    && classify(name, &d).is_some()
                {
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
                if has_file_var {
                    return None;
                }
                let secret = env_secret(cx, out, &host_var);
                f.message.push_str(&format!(
                    ": now a secret read from `{host_var}` when the stack starts (`{secret}`), through `{file_var}`; no value touches disk"
                ));
                let ops = self.ops(out, svc, form, var, &secret);
                follow_up_for_app(cx, out, rule, svc, name);
                Some(f.fix("moved", ops))
            }
            Shape::Mixed => {
                let secretish = secret_name(name).is_some() || url_password(value).is_some();
                if !secretish {
                    return None;
                }
                let mut f = base();
                f.message = format!(
                    "`{name}` mixes literal text with variables, so it cannot become one secret: \
                     pass the secret part on its own (e.g. `{name}` built by the application from a file under /run/secrets)"
                );
                out.follow_up(
                    rule,
                    Some(&svc.name),
                    format!(
                        "split the secret out of `{name}`: keep only non-secret parts in the variable and give the password to the application as a Compose secret (`<VAR>_FILE`)"
                    ),
                );
                Some(f)
            }
        }
    }

    fn ops(
        &self,
        out: &Outcome,
        svc: &Service,
        form: EnvForm,
        var: &EnvVar,
        secret: &str,
    ) -> Vec<crate::edit::Op> {
        let mut ops = point_env_at_file(svc, form, var, secret);
        ops.extend(mount(svc, secret));
        ops.extend(define(out, secret));
        ops
    }
}
