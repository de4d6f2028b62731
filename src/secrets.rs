//! The secret store: secret values go to files in a 0700 folder, written atomically, never
//! overwritten silently; and the type that keeps a value out of every message.

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// A secret value. Its `Debug` and `Display` print a mask, so it cannot reach a message by
/// accident; `expose` is the one way to the text, used only to write the secret file.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SecretValue(String);

impl SecretValue {
    pub fn new(value: impl Into<String>) -> Self {
        SecretValue(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue(***)")
    }
}

impl fmt::Display for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// A file in the secrets folder; `path` is as written in the compose file.
    File { path: String, value: SecretValue },
    /// Compose reads the value from this host variable when the stack starts.
    Environment { var: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedSecret {
    /// The top-level secret's name.
    pub name: String,
    pub source: SecretSource,
}

/// The secrets a run plans, indexed so that planning thousands stays linear.
#[derive(Debug, Default)]
pub struct SecretPlan {
    list: Vec<PlannedSecret>,
    by_name: std::collections::HashMap<String, usize>,
    by_value: std::collections::HashMap<SecretValue, usize>,
    by_env: std::collections::HashMap<String, usize>,
}

impl SecretPlan {
    pub fn push(&mut self, secret: PlannedSecret) {
        let i = self.list.len();
        self.by_name.insert(secret.name.clone(), i);
        match &secret.source {
            SecretSource::File { value, .. } => {
                self.by_value.entry(value.clone()).or_insert(i);
            }
            SecretSource::Environment { var } => {
                self.by_env.entry(var.clone()).or_insert(i);
            }
        }
        self.list.push(secret);
    }

    pub fn get(&self, name: &str) -> Option<&PlannedSecret> {
        self.by_name.get(name).map(|&i| &self.list[i])
    }

    /// The file-backed secret already planned for this value.
    pub fn with_value(&self, value: &str) -> Option<&PlannedSecret> {
        self.by_value
            .get(&SecretValue::new(value))
            .map(|&i| &self.list[i])
    }

    /// The environment-sourced secret already planned for this host variable.
    pub fn with_env(&self, var: &str) -> Option<&PlannedSecret> {
        self.by_env.get(var).map(|&i| &self.list[i])
    }

    pub fn iter(&self) -> std::slice::Iter<'_, PlannedSecret> {
        self.list.iter()
    }

    pub fn as_slice(&self) -> &[PlannedSecret] {
        &self.list
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

impl<'a> IntoIterator for &'a SecretPlan {
    type Item = &'a PlannedSecret;
    type IntoIter = std::slice::Iter<'a, PlannedSecret>;

    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

/// A file a fix needs beside the compose file (a sanitised copy of an env file).
#[derive(Debug, Clone)]
pub struct SideFile {
    /// Where to write it (absolute, or relative to the working folder).
    pub path: PathBuf,
    pub contents: String,
    /// Keep the file it replaces as `<file>.orig` (an env file edited in place).
    pub backup: bool,
}

pub const GITIGNORE: &str =
    "# written by compose-harden: secret values never go to version control\n*\n";

/// Checks, before anything is written, that no secret file would be overwritten with another
/// value. Returns the secrets whose file already holds their value (nothing to write).
pub fn check_conflicts(
    base: &Path,
    secrets: &[PlannedSecret],
) -> Result<std::collections::HashSet<String>, Error> {
    let mut present = std::collections::HashSet::new();
    // One listing per folder instead of one failed open per new secret.
    let mut listings: std::collections::HashMap<
        PathBuf,
        std::collections::HashSet<std::ffi::OsString>,
    > = std::collections::HashMap::new();
    for s in secrets {
        if let SecretSource::File { path, value } = &s.source {
            let full = base.join(path);
            let dir = full.parent().unwrap_or(base).to_path_buf();
            let names = listings.entry(dir.clone()).or_insert_with(|| {
                fs::read_dir(&dir)
                    .map(|r| r.filter_map(|e| e.ok().map(|e| e.file_name())).collect())
                    .unwrap_or_default()
            });
            if !full.file_name().is_some_and(|n| names.contains(n)) {
                continue;
            }
            match fs::read(&full) {
                Ok(existing) if existing == value.expose().as_bytes() => {
                    present.insert(s.name.clone());
                }
                Ok(_) => {
                    return Err(Error::Conflict(format!(
                        "{}: the secret file exists with another value; compose-harden does not \
                         overwrite it (move it away or use --secrets-dir)",
                        full.display()
                    )));
                }
                Err(_) => {}
            }
        }
    }
    Ok(present)
}

/// Writes the file-backed secrets under `base` (the output file's folder).
pub fn write_all(base: &Path, secrets: &[PlannedSecret]) -> Result<(), Error> {
    let present = check_conflicts(base, secrets)?;
    let mut ready: Vec<PathBuf> = Vec::new();
    for s in secrets {
        let SecretSource::File { path, value } = &s.source else {
            continue;
        };
        if present.contains(&s.name) {
            continue;
        }
        let full = base.join(path);
        let dir = full.parent().unwrap_or(base).to_path_buf();
        if !ready.contains(&dir) {
            ensure_private_dir(&dir)?;
            ready.push(dir);
        }
        // Renamed into place, not fsynced one by one: thousands of secrets would take minutes,
        // and a file a power cut leaves empty is refused as a conflict on the next run, never
        // silently used.
        write_file(&full, value.expose().as_bytes(), 0o644, false)?;
    }
    Ok(())
}

/// Creates the secrets folder 0700 with a `.gitignore` of `*`.
pub fn ensure_private_dir(dir: &Path) -> Result<(), Error> {
    if !dir.exists() {
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
        set_mode(dir, 0o700)?;
    }
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        write_atomic(&ignore, GITIGNORE.as_bytes(), 0o644)?;
    }
    Ok(())
}

/// Writes through a temporary file in the same folder, fsyncs it and renames it into place,
/// so a reader sees the old file or the new one, never half of one.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<(), Error> {
    write_file(path, bytes, mode, true)
}

fn write_file(path: &Path, bytes: &[u8], mode: u32, durable: bool) -> Result<(), Error> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".compose-harden-")
        .tempfile_in(&dir)
        .map_err(|e| Error::io(&dir, &e))?;
    tmp.write_all(bytes).map_err(|e| Error::io(path, &e))?;
    if durable {
        tmp.as_file().sync_all().map_err(|e| Error::io(path, &e))?;
    }
    set_mode(tmp.path(), mode)?;
    tmp.persist(path).map_err(|e| Error::io(path, &e.error))?;
    if durable && let Ok(d) = fs::File::open(&dir) {
        // Makes the rename itself durable; not every filesystem supports it.
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(|e| Error::io(path, &e))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> Result<(), Error> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_value_never_formats() {
        let v = SecretValue::new("hunter2");
        assert_eq!(format!("{v} {v:?}"), "*** SecretValue(***)");
        let planned = PlannedSecret {
            name: "db".into(),
            source: SecretSource::File {
                path: ".secrets/db".into(),
                value: v,
            },
        };
        assert!(!format!("{planned:?}").contains("hunter2"));
    }

    #[cfg(unix)]
    #[test]
    fn store_is_private_atomic_and_refuses_to_overwrite() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let planned = |v: &str| {
            vec![PlannedSecret {
                name: "db".into(),
                source: SecretSource::File {
                    path: ".secrets/db".into(),
                    value: SecretValue::new(v),
                },
            }]
        };
        write_all(dir.path(), &planned("zqx-first")).unwrap();
        let folder = dir.path().join(".secrets");
        assert_eq!(
            fs::metadata(&folder).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert_eq!(
            fs::read_to_string(folder.join(".gitignore")).unwrap(),
            GITIGNORE
        );
        let file = folder.join("db");
        assert_eq!(fs::read_to_string(&file).unwrap(), "zqx-first");
        assert_eq!(
            fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o644
        );
        // The same value again: nothing to do.
        write_all(dir.path(), &planned("zqx-first")).unwrap();
        // Another value: refused, and the file keeps the first one.
        let err = write_all(dir.path(), &planned("zqx-second")).unwrap_err();
        assert!(!err.to_string().contains("zqx-second") && !err.to_string().contains("zqx-first"));
        assert_eq!(fs::read_to_string(&file).unwrap(), "zqx-first");
    }
}
