//! What the tool knows about the images people run: the uid they run as, the paths they
//! write, the capabilities they need, the variables they read from files. Every fact carries
//! its source. Built in from `knowledge/images.yaml`; `--knowledge FILE` adds or overrides.

pub mod secret_names;
pub mod socket_consumers;

use serde::Deserialize;

use crate::error::{Error, Location};

const BUILTIN: &str = include_str!("../../knowledge/images.yaml");

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeFile {
    #[serde(default)]
    pub images: Vec<ImageProfile>,
}

/// One image family.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ImageProfile {
    /// The entry's name, shown in reports.
    pub name: String,
    /// Repository names it covers, registry and `library/` stripped; `*` matches any run of
    /// characters (`bitnami/*`).
    #[serde(rename = "match")]
    pub matches: Vec<String>,
    /// `uid:gid` the image's process runs as once started.
    #[serde(default)]
    pub user: Option<String>,
    /// Tag-dependent differences (`postgres:*-alpine` runs as 70).
    #[serde(default)]
    pub variants: Vec<Variant>,
    /// Paths the image writes besides its volumes.
    #[serde(default)]
    pub tmpfs: Vec<String>,
    /// Capabilities it needs after `cap_drop: [ALL]`.
    #[serde(default)]
    pub cap_add: Vec<String>,
    /// Variables the entrypoint also reads as `<VAR>_FILE`.
    #[serde(default)]
    pub file_env: Vec<String>,
    /// Whether every `<VAR>` has a `<VAR>_FILE` twin (docker-library's `file_env`).
    #[serde(default)]
    pub file_env_any: bool,
    /// A prefix convention instead of the `_FILE` suffix: LinuxServer images read
    /// `FILE__<VAR>` (a path) into `<VAR>` for any variable.
    #[serde(default)]
    pub file_env_prefix: Option<String>,
    /// Whether it can run with a read-only root filesystem (with `tmpfs`).
    #[serde(default = "yes")]
    pub read_only: bool,
    /// Set when it must start as root (then steps down itself): why, from the docs.
    #[serde(default)]
    pub needs_root: Option<String>,
    /// Set when the image cannot take its secrets from files at all (its entrypoint refuses
    /// `<VAR>_FILE`): why. Its secrets are then reported, not moved.
    #[serde(default)]
    pub no_file_secrets: Option<String>,
    /// What it needs from the engine API when it is a socket consumer.
    #[serde(default)]
    pub socket: Option<SocketNeeds>,
    /// Where each fact comes from: the image's official docs or Dockerfile.
    pub sources: Vec<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// The tag contains this (`alpine`).
    pub tag: String,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub tmpfs: Option<Vec<String>>,
    #[serde(default)]
    pub cap_add: Option<Vec<String>>,
    #[serde(default)]
    pub read_only: Option<bool>,
    /// Overrides the family's `needs_root`; an empty string means the variant runs non-root.
    #[serde(default)]
    pub needs_root: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SocketNeeds {
    /// Proxy allowlist sections (`CONTAINERS`, `NETWORKS`, `SERVICES`, `EVENTS`, ...).
    pub allow: Vec<String>,
    /// Whether it needs write calls (`POST`): start, stop, create.
    #[serde(default)]
    pub post: bool,
    pub why: String,
}

#[derive(Debug, Clone, Default)]
pub struct Knowledge {
    pub images: Vec<ImageProfile>,
}

/// The profile that applies to one image reference, variants resolved.
#[derive(Debug, Clone)]
pub struct Resolved<'a> {
    pub profile: &'a ImageProfile,
    pub user: Option<String>,
    pub tmpfs: Vec<String>,
    pub cap_add: Vec<String>,
    pub read_only: bool,
    pub needs_root: Option<String>,
}

impl Resolved<'_> {
    pub fn source(&self) -> &str {
        self.profile.sources.first().map_or("", String::as_str)
    }

    /// Whether `<var>_FILE` is read natively.
    pub fn reads_file_env(&self, var: &str) -> bool {
        self.profile.file_env_any || self.profile.file_env.iter().any(|v| v == var)
    }

    /// The variable that points the image at a file holding `var`'s value: `<VAR>_FILE` where
    /// the image reads it, `<prefix><VAR>` for a prefix convention (`FILE__<VAR>`), else `None`.
    pub fn file_env_name(&self, var: &str) -> Option<String> {
        if self.reads_file_env(var) {
            return Some(format!("{var}_FILE"));
        }
        self.profile
            .file_env_prefix
            .as_deref()
            .filter(|p| !p.is_empty())
            .map(|p| format!("{p}{var}"))
    }
}

impl Knowledge {
    pub fn builtin() -> Self {
        // The file is ours and embedded: a parse failure is a build defect the tests catch.
        #[allow(clippy::expect_used)]
        let file: KnowledgeFile =
            serde_saphyr::from_str(BUILTIN).expect("knowledge/images.yaml is valid");
        Knowledge {
            images: file.images,
        }
    }

    /// Adds the entries of a user file; an entry with the name of a built-in one replaces it.
    pub fn extend_from(&mut self, name: &str, text: &str) -> Result<(), Error> {
        let file: KnowledgeFile = serde_saphyr::from_str(text).map_err(|e| {
            let loc = e.location();
            Error::invalid(
                Location::new(
                    name,
                    loc.map_or(1, |l| l.line() as usize),
                    loc.map_or(1, |l| l.column() as usize),
                ),
                format!(
                    "not a knowledge file: {}",
                    e.to_string().lines().next().unwrap_or("")
                ),
            )
        })?;
        for p in file.images {
            self.images.retain(|q| q.name != p.name);
            // User entries go first so they win over built-in patterns too.
            self.images.insert(0, p);
        }
        Ok(())
    }

    pub fn lookup(&self, image: &str) -> Option<Resolved<'_>> {
        let (repo, tag) = split_reference(image)?;
        let profile = self
            .images
            .iter()
            .find(|p| p.matches.iter().any(|m| glob(m, &repo)))?;
        let mut resolved = Resolved {
            profile,
            user: profile.user.clone(),
            tmpfs: profile.tmpfs.clone(),
            cap_add: profile.cap_add.clone(),
            read_only: profile.read_only,
            needs_root: profile.needs_root.clone(),
        };
        if let Some(v) = profile.variants.iter().find(|v| tag.contains(&v.tag)) {
            if v.user.is_some() {
                resolved.user = v.user.clone();
            }
            if let Some(t) = &v.tmpfs {
                resolved.tmpfs = t.clone();
            }
            if let Some(c) = &v.cap_add {
                resolved.cap_add = c.clone();
            }
            if let Some(r) = v.read_only {
                resolved.read_only = r;
            }
            if let Some(n) = &v.needs_root {
                resolved.needs_root = Some(n.clone()).filter(|n| !n.is_empty());
            }
        }
        Some(resolved)
    }
}

/// `registry:5000/library/postgres:16-alpine@sha256:...` -> (`postgres`, `16-alpine`).
/// `None` for references that are interpolated as a whole (`${IMAGE}`).
pub fn split_reference(image: &str) -> Option<(String, String)> {
    let image = image.trim();
    let image = image.split('@').next().unwrap_or(image);
    let mut parts: Vec<&str> = image.split('/').collect();
    let last = parts.pop()?;
    let (name, tag) = match last.split_once(':') {
        Some((n, t)) => (n, t),
        None => (last, "latest"),
    };
    if name.is_empty() || name.contains('$') {
        return None;
    }
    if let Some(first) = parts.first()
        && (first.contains('.') || first.contains(':') || *first == "localhost")
    {
        parts.remove(0);
    }
    if parts.first() == Some(&"library") {
        parts.remove(0);
    }
    parts.push(name);
    Some((parts.join("/").to_ascii_lowercase(), tag.to_string()))
}

fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            text.len() >= head.len() + tail.len()
                && text.starts_with(head)
                && glob_tail(tail, &text[head.len()..])
        }
    }
}

fn glob_tail(pattern: &str, text: &str) -> bool {
    if !pattern.contains('*') {
        return text.ends_with(pattern);
    }
    (0..=text.len()).any(|i| text.is_char_boundary(i) && glob(pattern, &text[i..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_reduce_to_repository_and_tag() {
        let cases = [
            ("postgres", ("postgres", "latest")),
            ("postgres:16-alpine", ("postgres", "16-alpine")),
            ("docker.io/library/postgres:16", ("postgres", "16")),
            (
                "lscr.io/linuxserver/sonarr:latest",
                ("linuxserver/sonarr", "latest"),
            ),
            ("localhost:5000/app:1@sha256:abc", ("app", "1")),
            (
                "ghcr.io/paperless-ngx/paperless-ngx:2",
                ("paperless-ngx/paperless-ngx", "2"),
            ),
            ("bitnami/redis", ("bitnami/redis", "latest")),
        ];
        for (input, (repo, tag)) in cases {
            assert_eq!(
                split_reference(input),
                Some((repo.to_string(), tag.to_string())),
                "{input}"
            );
        }
        assert_eq!(split_reference("${IMAGE}"), None);
    }

    #[test]
    fn globs_match_families() {
        assert!(glob("bitnami/*", "bitnami/postgresql"));
        assert!(glob("linuxserver/*", "linuxserver/sonarr"));
        assert!(!glob("bitnami/*", "postgres"));
        assert!(glob("postgres", "postgres"));
        assert!(!glob("postgres", "postgresql"));
    }

    #[test]
    fn file_env_names_follow_the_image_convention() {
        let k = Knowledge::builtin();
        let pg = k.lookup("postgres:16").unwrap();
        assert_eq!(
            pg.file_env_name("POSTGRES_PASSWORD").as_deref(),
            Some("POSTGRES_PASSWORD_FILE")
        );
        assert_eq!(pg.file_env_name("PGDATA"), None);
        let lsio = k.lookup("lscr.io/linuxserver/mariadb:latest").unwrap();
        assert_eq!(
            lsio.file_env_name("MYSQL_ROOT_PASSWORD").as_deref(),
            Some("FILE__MYSQL_ROOT_PASSWORD")
        );
        assert!(!lsio.reads_file_env("MYSQL_ROOT_PASSWORD"));
    }

    #[test]
    fn builtin_knowledge_loads_and_every_entry_has_a_source() {
        let k = Knowledge::builtin();
        assert!(
            !k.images.is_empty(),
            "the embedded knowledge file did not parse"
        );
        for p in &k.images {
            assert!(!p.sources.is_empty(), "{} has no source", p.name);
            assert!(
                p.sources.iter().all(|s| s.starts_with("https://")),
                "{}: sources are URLs",
                p.name
            );
        }
    }
}
