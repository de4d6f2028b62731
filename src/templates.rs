//! `init`: hardened starter stacks, written as compose files that `check` finds nothing in.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, exit};
use crate::secrets;

/// A starter stack: its files, and the secrets it needs generated.
pub struct Template {
    pub name: &'static str,
    pub about: &'static str,
    pub compose: &'static str,
    /// Secret files to create under `.secrets/` with a fresh random value.
    pub secrets: &'static [&'static str],
    /// Other files to create (path, contents).
    pub files: &'static [(&'static str, &'static str)],
}

pub const TEMPLATES: [Template; 3] = [
    Template {
        name: "postgres",
        about: "PostgreSQL with a generated password as a file secret",
        compose: include_str!("../templates/postgres/compose.yaml"),
        secrets: &["postgres_password"],
        files: &[],
    },
    Template {
        name: "nginx-static",
        about: "a static site served by nginx as uid 101 on a read-only root",
        compose: include_str!("../templates/nginx-static/compose.yaml"),
        secrets: &[],
        files: &[(
            "site/index.html",
            "<!doctype html>\n<title>It works</title>\n<p>Served by a hardened nginx.</p>\n",
        )],
    },
    Template {
        name: "traefik-proxy",
        about: "Traefik reaching the engine only through a hardened socket proxy",
        compose: include_str!("../templates/traefik-proxy/compose.yaml"),
        secrets: &[],
        files: &[],
    },
];

pub fn find(name: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.name == name)
}

pub fn init(template: Option<&str>, dir: Option<&Path>, list: bool) -> Result<i32, Error> {
    if list || template.is_none() {
        let mut out = String::new();
        for t in &TEMPLATES {
            out.push_str(&format!("{:15} {}\n", t.name, t.about));
        }
        print!("{out}");
        if template.is_none() && !list {
            eprintln!("compose-harden init TEMPLATE [--dir DIR]: name one of the templates above");
            return Ok(exit::BAD_INPUT);
        }
        return Ok(exit::OK);
    }
    let name = template.unwrap_or_default();
    let t = find(name).ok_or_else(|| {
        let names: Vec<&str> = TEMPLATES.iter().map(|t| t.name).collect();
        Error::Usage(format!(
            "unknown template `{name}` (templates: {})",
            names.join(", ")
        ))
    })?;
    let dir: PathBuf = dir.map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, &e))?;
    let compose = dir.join("compose.yaml");
    // Never overwrite: a starter goes into a folder that does not have a stack yet.
    let mut planned: Vec<PathBuf> = vec![compose.clone()];
    planned.extend(t.files.iter().map(|(p, _)| dir.join(p)));
    planned.extend(t.secrets.iter().map(|s| dir.join(".secrets").join(s)));
    if let Some(existing) = planned.iter().find(|p| p.exists()) {
        return Err(Error::Usage(format!(
            "{} exists: compose-harden init writes only into a folder without those files",
            existing.display()
        )));
    }
    for (path, contents) in t.files {
        let full = dir.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, &e))?;
        }
        secrets::write_atomic(&full, contents.as_bytes(), 0o644)?;
    }
    if !t.secrets.is_empty() {
        let store = dir.join(".secrets");
        secrets::ensure_private_dir(&store)?;
        for s in t.secrets {
            secrets::write_atomic(&store.join(s), random_secret()?.as_bytes(), 0o644)?;
        }
    }
    secrets::write_atomic(&compose, t.compose.as_bytes(), 0o644)?;
    eprintln!(
        "compose-harden: wrote the `{}` template to {}{}",
        t.name,
        compose.display(),
        if t.secrets.is_empty() {
            String::new()
        } else {
            format!(
                " and generated {} in {}",
                t.secrets.join(", "),
                dir.join(".secrets").display()
            )
        }
    );
    Ok(exit::OK)
}

/// 32 random characters from the system's generator.
fn random_secret() -> Result<String, Error> {
    let mut bytes = [0u8; 24];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| Error::io("/dev/urandom", &e))?;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // 24 bytes = 192 bits = 32 base64url characters.
    let mut out = String::with_capacity(32);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]);
        for shift in [18, 12, 6, 0] {
            out.push(ALPHABET[((n >> shift) & 63) as usize] as char);
        }
    }
    Ok(out)
}
