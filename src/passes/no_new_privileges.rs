//! `no-new-privileges`: stops setuid binaries and file capabilities from raising privileges.
//! Written as the exact string `no-new-privileges:true`, which every linter recognises.

use super::{Context, Outcome, Pass, add_to_list, finding};
use crate::edit::{Op, Value};
use crate::model::indexed_strings;
use crate::rules::RuleId;

pub struct NoNewPrivileges;

pub const EXACT: &str = "no-new-privileges:true";

/// How one `security_opt` entry speaks of no-new-privileges.
#[derive(Debug, PartialEq, Eq)]
pub enum Nnp {
    Exact,
    /// `no-new-privileges`, `no-new-privileges=true`: on, spelled differently.
    OnOtherwise,
    Off,
    Unrelated,
}

pub fn classify(opt: &str) -> Nnp {
    let o: String = opt.chars().filter(|c| !c.is_whitespace()).collect();
    if o == EXACT {
        return Nnp::Exact;
    }
    let Some(rest) = o.strip_prefix("no-new-privileges") else {
        return Nnp::Unrelated;
    };
    match rest
        .trim_start_matches([':', '='])
        .to_ascii_lowercase()
        .as_str()
    {
        "" | "true" => Nnp::OnOtherwise,
        _ => Nnp::Off,
    }
}

impl Pass for NoNewPrivileges {
    fn rule(&self) -> RuleId {
        RuleId::NoNewPrivileges
    }

    fn run(&self, cx: &Context, out: &mut Outcome) {
        let rule = self.rule();
        for svc in &cx.services {
            let opts = svc.strings("security_opt");
            if opts.iter().any(|(_, o)| classify(o) == Nnp::Exact) {
                continue;
            }
            if svc.is_skipped(rule) {
                out.findings.push(finding(
                    rule,
                    svc,
                    None,
                    "processes may gain privileges (setuid)",
                ));
                continue;
            }
            // Compose appends an `extends` base's security_opt and refuses repeated entries,
            // so a service whose base gets the option inherits it rather than repeating it.
            if let Some(base) = svc.extends_local()
                && cx
                    .services
                    .iter()
                    .any(|b| b.name == base && !b.is_skipped(rule))
            {
                continue;
            }
            let items = indexed_strings(svc, "security_opt");
            let other = items.iter().find(|(_, _, o)| classify(o) != Nnp::Unrelated);
            let f = match other {
                Some((i, node, old)) => finding(
                    rule,
                    svc,
                    Some("security_opt"),
                    format!("`{old}` replaced with `{EXACT}`"),
                )
                .at(svc.location_of(*node))
                .fix(
                    "replaced",
                    vec![Op::Set {
                        path: svc.path().key("security_opt").index(*i),
                        value: Value::str(EXACT),
                    }],
                ),
                None => finding(
                    rule,
                    svc,
                    Some("security_opt"),
                    format!(
                        "processes could gain privileges through setuid binaries: added `{EXACT}`"
                    ),
                )
                .fix(
                    "added",
                    vec![add_to_list(svc, "security_opt", vec![Value::str(EXACT)])],
                ),
            };
            out.findings.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_no_new_privileges() {
        assert_eq!(classify("no-new-privileges:true"), Nnp::Exact);
        assert_eq!(classify("no-new-privileges"), Nnp::OnOtherwise);
        assert_eq!(classify("no-new-privileges=true"), Nnp::OnOtherwise);
        assert_eq!(classify("no-new-privileges:false"), Nnp::Off);
        assert_eq!(classify("seccomp:unconfined"), Nnp::Unrelated);
    }
}
