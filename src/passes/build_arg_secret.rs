//! `build-arg-secret`: secret values passed as `build.args`, which end up in the image history.

use super::{Context, Outcome, Pass};
use crate::rules::RuleId;

pub struct BuildArgSecret;

impl Pass for BuildArgSecret {
    fn rule(&self) -> RuleId {
        RuleId::BuildArgSecret
    }

    fn run(&self, _cx: &Context, _out: &mut Outcome) {}
}
