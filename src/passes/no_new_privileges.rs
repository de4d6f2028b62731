//! `no-new-privileges`: stops setuid binaries and file capabilities from raising privileges.
//! Written as the exact string `no-new-privileges:true`, which every linter recognises.

use super::{Context, Outcome, Pass, add_to_list, finding};
use crate::edit::{Op, Value};
use crate::model::{Service, indexed_strings};
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

/// What the pass does to a service's `security_opt`. Docker applies the entries in order, so the
/// last no-new-privileges entry is the one that counts.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Entries to remove (their index in the list).
    pub remove: Vec<usize>,
    /// An entry to rewrite as the exact string.
    pub replace: Option<usize>,
    /// Whether the exact string is appended.
    pub append: bool,
    /// The service inherits the option from the service it `extends`.
    pub inherited: bool,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.remove.is_empty() && self.replace.is_none() && !self.append
    }
}

/// The plan for one service, `None` when the rule is skipped.
pub fn plan(cx: &Context, svc: &Service) -> Option<Plan> {
    let rule = RuleId::NoNewPrivileges;
    if svc.is_skipped(rule) {
        return None;
    }
    let items = indexed_strings(svc, "security_opt");
    let nnp: Vec<(usize, Nnp)> = items
        .iter()
        .map(|(i, _, o)| (*i, classify(o)))
        .filter(|(_, k)| *k != Nnp::Unrelated)
        .collect();
    // Compose appends an `extends` base's security_opt and refuses repeated entries, so a
    // service whose base gets the option drops its own entries and inherits it.
    if let Some(base) = svc.extends_local()
        && cx
            .services
            .iter()
            .any(|b| b.name == base && !b.is_skipped(rule))
    {
        return Some(Plan {
            remove: nnp.iter().map(|(i, _)| *i).collect(),
            inherited: true,
            ..Plan::default()
        });
    }
    let mut plan = Plan::default();
    match nnp.last() {
        None => plan.append = true,
        Some((_, Nnp::Exact)) => {}
        Some((last, _)) => {
            // Every other spelling goes; the exact one stays or takes the last one's place.
            let has_exact = nnp.iter().any(|(_, k)| *k == Nnp::Exact);
            for (i, k) in &nnp {
                if *k != Nnp::Exact && (has_exact || i != last) {
                    plan.remove.push(*i);
                }
            }
            if !has_exact {
                plan.replace = Some(*last);
            }
        }
    }
    Some(plan)
}

impl Pass for NoNewPrivileges {
    fn rule(&self) -> RuleId {
        RuleId::NoNewPrivileges
    }

    fn run(&self, cx: &Context, out: &mut Outcome) {
        let rule = self.rule();
        for svc in &cx.services {
            let Some(plan) = plan(cx, svc) else {
                let has = svc
                    .strings("security_opt")
                    .iter()
                    .any(|(_, o)| classify(o) == Nnp::Exact);
                if !has {
                    out.findings.push(finding(
                        rule,
                        svc,
                        None,
                        "processes may gain privileges (setuid)",
                    ));
                }
                continue;
            };
            if plan.is_empty() {
                continue;
            }
            let path = svc.path().key("security_opt");
            let items = indexed_strings(svc, "security_opt");
            let text = |i: usize| {
                items
                    .iter()
                    .find(|(j, _, _)| *j == i)
                    .map_or(String::new(), |(_, _, o)| o.clone())
            };
            let mut ops: Vec<Op> = plan
                .remove
                .iter()
                .map(|&i| Op::Remove {
                    path: path.clone().index(i),
                })
                .collect();
            let (action, message) = if let Some(i) = plan.replace {
                ops.push(Op::Set {
                    path: path.clone().index(i),
                    value: Value::str(EXACT),
                });
                ("replaced", format!("`{}` replaced with `{EXACT}`", text(i)))
            } else if plan.append {
                ops.push(add_to_list(svc, "security_opt", vec![Value::str(EXACT)]));
                (
                    "added",
                    format!(
                        "processes could gain privileges through setuid binaries: added `{EXACT}`"
                    ),
                )
            } else if plan.inherited {
                (
                    "removed",
                    "its own no-new-privileges entries removed: it inherits `no-new-privileges:true` from the service it extends (Compose refuses repeated entries)".to_string(),
                )
            } else {
                let removed: Vec<String> = plan.remove.iter().map(|&i| text(i)).collect();
                (
                    "removed",
                    format!("`{}` removed: it overrode `{EXACT}`", removed.join("`, `")),
                )
            };
            let mut f = finding(rule, svc, Some("security_opt"), message);
            if let Some(&(_, node, _)) = plan
                .replace
                .or(plan.remove.first().copied())
                .and_then(|i| items.iter().find(|(j, _, _)| *j == i))
            {
                f = f.at(svc.location_of(node));
            }
            out.findings.push(f.fix(action, ops));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_entry_counts() {
        // (entries, removed, replaced, appended)
        type Case<'a> = (&'a [&'a str], &'a [usize], Option<usize>, bool);
        let cases: [Case; 7] = [
            (&[], &[], None, true),
            (&["no-new-privileges:true"], &[], None, false),
            (&["no-new-privileges:false"], &[], Some(0), false),
            (&["no-new-privileges"], &[], Some(0), false),
            (
                &["no-new-privileges:true", "no-new-privileges:false"],
                &[1],
                None,
                false,
            ),
            (
                &["no-new-privileges", "no-new-privileges:false"],
                &[0],
                Some(1),
                false,
            ),
            (
                &["no-new-privileges:false", "no-new-privileges:true"],
                &[],
                None,
                false,
            ),
        ];
        for (entries, remove, replace, append) in cases {
            let yaml = format!(
                "services:\n  a:\n    image: x\n    security_opt: [{}]\n",
                entries.join(", ")
            );
            let doc = crate::load::load_text("t.yaml", None, yaml, false).unwrap();
            let services = Service::all(&doc).unwrap();
            let knowledge = crate::knowledge::Knowledge::default();
            let options = crate::options::Options::default();
            let cx = Context {
                doc: &doc,
                services,
                options: &options,
                knowledge: &knowledge,
            };
            let p = plan(&cx, &cx.services[0]).unwrap();
            assert_eq!(p.remove, remove, "{entries:?}");
            assert_eq!(p.replace, replace, "{entries:?}");
            assert_eq!(p.append, append, "{entries:?}");
        }
    }

    #[test]
    fn spellings_of_no_new_privileges() {
        assert_eq!(classify("no-new-privileges:true"), Nnp::Exact);
        assert_eq!(classify("no-new-privileges"), Nnp::OnOtherwise);
        assert_eq!(classify("no-new-privileges=true"), Nnp::OnOtherwise);
        assert_eq!(classify("no-new-privileges:false"), Nnp::Off);
        assert_eq!(classify("seccomp:unconfined"), Nnp::Unrelated);
    }
}
