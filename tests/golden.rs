//! Golden examples: each `examples/<name>/compose.yaml` hardens to its committed `hardened.yaml`
//! and `report.txt` (review snapshot diffs; `BLESS=1` rewrites them), and a second run over the
//! hardened file changes nothing.

mod common;

use common::{assert_snapshot, root, run};

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        let n = name.to_string_lossy();
        if n == ".secrets" || n == "hardened.yaml" || n == "report.txt" || n.ends_with(".hardened")
        {
            continue;
        }
        let target = to.join(&name);
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn examples_harden_to_their_committed_output_and_report() {
    let mut seen = 0;
    let mut dirs: Vec<_> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("e2e-")
            || !dir.join("hardened.yaml").exists() && std::env::var_os("BLESS").is_none()
        {
            continue;
        }
        seen += 1;
        let tmp = tempfile::tempdir().unwrap();
        copy_dir(&dir, tmp.path());
        let (code, stdout, stderr) = run(
            tmp.path(),
            &[
                "harden",
                "compose.yaml",
                "-o",
                "hardened.yaml",
                "--report",
                "report.txt",
            ],
        );
        assert_eq!(code, 0, "{name}: {stderr}");
        assert!(stdout.is_empty(), "{name}");
        let hardened = std::fs::read_to_string(tmp.path().join("hardened.yaml")).unwrap();
        let report = std::fs::read_to_string(tmp.path().join("report.txt")).unwrap();
        assert_snapshot(&dir.join("hardened.yaml"), &hardened);
        assert_snapshot(&dir.join("report.txt"), &report);
        let (code, _, stderr) = run(
            tmp.path(),
            &["harden", "hardened.yaml", "-o", "again.yaml", "--check"],
        );
        assert_eq!(
            code, 0,
            "{name}: the hardened example still has something to change: {stderr}"
        );
    }
    assert!(seen >= 3, "golden examples missing");
}
