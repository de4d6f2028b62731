//! One fixture per tricky YAML case: the hardened output is compared whole with its committed
//! snapshot, a second run changes nothing, and bad input fails with file:line:column, exit 2
//! and nothing written.

mod common;

use common::{assert_snapshot, files, root, run};

#[test]
fn hardened_fixtures_match_their_snapshots_and_are_idempotent() {
    let dir = root().join("tests/cases/ok");
    let inputs: Vec<_> = files(&dir, "yaml")
        .into_iter()
        .filter(|p| !p.to_string_lossy().ends_with(".hardened.yaml"))
        .collect();
    assert!(inputs.len() >= 8, "fixtures missing");
    for input in inputs {
        let name = input.file_name().unwrap().to_string_lossy().into_owned();
        let tmp = tempfile::tempdir().unwrap();
        std::fs::copy(&input, tmp.path().join("compose.yaml")).unwrap();
        let (code, stdout, stderr) = run(tmp.path(), &["harden", "compose.yaml"]);
        assert_eq!(code, 0, "{name}: {stderr}");
        let snapshot = input.with_extension("hardened.yaml");
        assert_snapshot(&snapshot, &stdout);
        // A second run over the output is byte-identical and reports no change.
        std::fs::write(tmp.path().join("hardened.yaml"), &stdout).unwrap();
        let (code, again, stderr) = run(
            tmp.path(),
            &[
                "harden",
                "hardened.yaml",
                "--format",
                "json",
                "--report",
                "r.json",
            ],
        );
        assert_eq!(code, 0, "{name} (second run): {stderr}");
        pretty_assertions::assert_eq!(stdout, again, "{name}: not idempotent");
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(tmp.path().join("r.json")).unwrap())
                .unwrap();
        assert_eq!(
            report["summary"]["changes"], 0,
            "{name}: second run changed something"
        );
    }
}

#[test]
fn bad_input_names_file_line_and_column_exits_2_and_writes_nothing() {
    let dir = root().join("tests/cases/errors");
    let inputs = files(&dir, "yaml");
    assert!(inputs.len() >= 10, "error fixtures missing");
    for input in inputs {
        let name = input.file_name().unwrap().to_string_lossy().into_owned();
        let tmp = tempfile::tempdir().unwrap();
        std::fs::copy(&input, tmp.path().join(&name)).unwrap();
        let start = std::time::Instant::now();
        let (code, stdout, stderr) = run(tmp.path(), &["harden", &name, "-o", "out.yaml"]);
        assert!(
            start.elapsed().as_secs() < 30,
            "{name}: took {:?}",
            start.elapsed()
        );
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(stdout.is_empty(), "{name}: printed {stdout}");
        let expected = std::fs::read_to_string(input.with_extension("err")).unwrap_or_default();
        let actual = stderr.replace(&name, "FILE");
        if std::env::var_os("BLESS").is_some() {
            std::fs::write(input.with_extension("err"), &actual).unwrap();
        } else {
            pretty_assertions::assert_eq!(expected, actual, "{name}");
        }
        assert!(
            actual.starts_with("compose-harden: FILE:"),
            "{name}: the message must start with file:line:column: {actual}"
        );
        let left: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 1, "{name}: wrote {left:?}");
    }
}
