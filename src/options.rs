//! Settings of one run: command-line flags over the file's top-level `x-harden` over defaults.

use std::path::PathBuf;
use std::str::FromStr;

use crate::error::Error;
use crate::load::Document;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketStrategy {
    /// Replace socket access with a hardened socket-proxy sidecar (default).
    Proxy,
    /// Delete the mount; the report says what stops working.
    Remove,
    /// Report only.
    Keep,
}

impl FromStr for SocketStrategy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "proxy" => Ok(SocketStrategy::Proxy),
            "remove" => Ok(SocketStrategy::Remove),
            "keep" => Ok(SocketStrategy::Keep),
            other => Err(format!(
                "unknown docker-socket strategy `{other}` (proxy, remove, keep)"
            )),
        }
    }
}

pub const DEFAULT_USER: &str = "1000:1000";
pub const DEFAULT_SECRETS_DIR: &str = ".secrets";

#[derive(Debug, Clone)]
pub struct Options {
    /// `user:` for services whose image the tool knows nothing about.
    pub default_user: String,
    pub socket: SocketStrategy,
    /// Where secret files go, relative to the output file's folder (or absolute).
    pub secrets_dir: PathBuf,
    /// The folder the hardened file will live in: relative paths are written for it.
    pub output_dir: PathBuf,
    /// Env files may be edited in place (only with `--in-place`).
    pub in_place: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            default_user: DEFAULT_USER.into(),
            socket: SocketStrategy::Proxy,
            secrets_dir: PathBuf::from(DEFAULT_SECRETS_DIR),
            output_dir: PathBuf::from("."),
            in_place: false,
        }
    }
}

/// What the command line said; `None` where it said nothing.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub default_user: Option<String>,
    pub socket: Option<SocketStrategy>,
    pub secrets_dir: Option<PathBuf>,
}

impl Options {
    /// Flags win over the file's top-level `x-harden`, which wins over the defaults.
    pub fn resolve(
        doc: &Document,
        flags: &Overrides,
        output_dir: PathBuf,
        in_place: bool,
    ) -> Result<Self, Error> {
        let mut opts = Options {
            output_dir,
            in_place,
            ..Options::default()
        };
        let tree = &doc.tree;
        if let Some(x) = tree.get(doc.root(), "x-harden")
            && tree.is_map(x.value)
        {
            for e in tree.entries(x.value) {
                let value = tree.non_null_scalar(e.value).map(str::to_string);
                let bad = |m: String| {
                    Error::invalid(doc.location(e.value), format!("x-harden.{}: {m}", e.key))
                };
                match (e.key.as_str(), value) {
                    ("default_user", Some(v)) => {
                        check_user(&v).map_err(bad)?;
                        opts.default_user = v;
                    }
                    ("docker_socket", Some(v)) => opts.socket = v.parse().map_err(bad)?,
                    ("secrets_dir", Some(v)) => opts.secrets_dir = PathBuf::from(v),
                    _ => {}
                }
            }
        }
        if let Some(u) = &flags.default_user {
            check_user(u).map_err(Error::Usage)?;
            opts.default_user = u.clone();
        }
        if let Some(s) = flags.socket {
            opts.socket = s;
        }
        if let Some(d) = &flags.secrets_dir {
            opts.secrets_dir = d.clone();
        }
        Ok(opts)
    }
}

/// `UID:GID` or `UID`, numeric and not root.
pub fn check_user(user: &str) -> Result<(), String> {
    let mut parts = user.split(':');
    let uid = parts.next().unwrap_or("");
    let gid = parts.next();
    let numeric = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !numeric(uid) || gid.is_some_and(|g| !numeric(g)) || parts.next().is_some() {
        return Err(format!("`{user}` is not UID:GID (numbers, e.g. 1000:1000)"));
    }
    if uid.trim_start_matches('0').is_empty() {
        return Err(format!(
            "`{user}` is root: the default user must not be uid 0"
        ));
    }
    Ok(())
}
