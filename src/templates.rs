//! `init`: hardened starter stacks.

use std::path::Path;

use crate::error::{Error, exit};

pub fn init(_template: Option<&str>, _dir: Option<&Path>, _list: bool) -> Result<i32, Error> {
    Err(Error::Usage("init: no templates yet".into()))
}

pub const _EXIT: i32 = exit::OK;
