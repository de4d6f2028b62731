//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_compose-harden"))
}

/// Compares `actual` with the committed snapshot at `path`. With `BLESS=1` the snapshot is
/// rewritten instead (review the diff before committing it).
pub fn assert_snapshot(path: &Path, actual: &str) {
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {} (run with BLESS=1 and review it)",
            path.display()
        )
    });
    pretty_assertions::assert_eq!(expected, actual, "snapshot {}", path.display());
}

/// Runs the binary in `dir` and returns (exit code, stdout, stderr).
pub fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(bin())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run compose-harden");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every file in `dir` with extension `ext`, sorted.
pub fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    v
}

/// The Compose v2 binary (`COMPOSE_V2`, set by scripts/test), if any.
pub fn compose_v2() -> Option<PathBuf> {
    std::env::var_os("COMPOSE_V2")
        .map(PathBuf::from)
        .filter(|p| p.exists())
}
