//! Relative paths are relative to the compose file's folder: when the hardened file is written
//! into another folder, they are rewritten so that they still point at the same files.

use std::path::{Component, Path, PathBuf};

use super::{Edit, Op, Value};
use crate::load::Document;
use crate::model::relative_paths;

/// The edits that keep every relative path valid from `output_dir`.
pub fn edits(doc: &Document, input_dir: &Path, output_dir: &Path) -> Vec<Edit> {
    let (Ok(from), Ok(to)) = (input_dir.canonicalize(), output_dir.canonicalize()) else {
        return Vec::new();
    };
    if from == to {
        return Vec::new();
    }
    relative_paths(doc)
        .into_iter()
        .filter_map(|r| {
            let target = normalize(&from.join(&r.source));
            let rebased = relative(&to, &target);
            (rebased != r.source).then(|| Edit {
                by: "rebase",
                op: Op::Set {
                    path: r.path,
                    value: Value::Str(format!("{}{rebased}{}", r.prefix, r.suffix)),
                },
            })
        })
        .collect()
}

/// Resolves `.` and `..` without touching the filesystem (the target may not exist yet); a
/// relative path keeps the `..` it cannot resolve.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `target` relative to `dir`, always starting with `./` or `../` so that Compose reads a bind
/// mount source as a path, not a volume name.
pub fn relative(dir: &Path, target: &Path) -> String {
    let d: Vec<Component> = dir.components().collect();
    let t: Vec<Component> = target.components().collect();
    let common = d.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = Vec::new();
    for _ in common..d.len() {
        parts.push("..".into());
    }
    for c in &t[common..] {
        parts.push(c.as_os_str().to_string_lossy().into_owned());
    }
    if parts.is_empty() {
        return ".".into();
    }
    let joined = parts.join("/");
    if joined.starts_with("..") {
        joined
    } else {
        format!("./{joined}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_between_folders() {
        assert_eq!(
            relative(Path::new("/a/b/out"), Path::new("/a/b/app")),
            "../app"
        );
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/a/b/app/data")),
            "./app/data"
        );
        assert_eq!(
            relative(Path::new("/a/b/c/d"), Path::new("/a/x")),
            "../../../x"
        );
        assert_eq!(relative(Path::new("/a"), Path::new("/a")), ".");
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
    }
}
