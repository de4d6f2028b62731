//! `env-file-secret`: secret values read from `env_file` files.

use super::{Context, Outcome, Pass};
use crate::rules::RuleId;

pub struct EnvFileSecret;

impl Pass for EnvFileSecret {
    fn rule(&self) -> RuleId {
        RuleId::EnvFileSecret
    }

    fn run(&self, _cx: &Context, _out: &mut Outcome) {}
}
