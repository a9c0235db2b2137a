//! The packetdrill scripts verified on a real Linux kernel (`tests/conformance/linux-*`) pass on
//! the simulated host, except those listed in `tests/conformance/expected-failures.txt`, which
//! must fail (so that the list stays true).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

struct Dir(PathBuf);

impl synack_pkt::Files for Dir {
    fn read(&self, path: &str) -> Option<String> {
        std::fs::read_to_string(self.0.join(path)).ok()
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance")
}

fn expected_failures() -> Vec<String> {
    std::fs::read_to_string(root().join("expected-failures.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect()
}

fn scripts() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(root()).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "pkt") {
                let name = format!(
                    "{}/{}",
                    dir.file_name().unwrap().to_string_lossy(),
                    f.file_name().unwrap().to_string_lossy()
                );
                out.push((name, f));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_kernel_verified_script_passes_unless_listed() {
    let listed = expected_failures();
    let all = scripts();
    assert!(all.len() >= 7, "the conformance scripts are missing");
    for l in &listed {
        assert!(
            all.iter().any(|(n, _)| n == l),
            "{l} is listed but does not exist"
        );
    }
    let mut wrong = Vec::new();
    for (name, path) in &all {
        let src = std::fs::read_to_string(path).unwrap();
        let dir = Dir(path.parent().unwrap().to_path_buf());
        let report = synack_pkt::run(name, &src, &dir, 1);
        match (report.passed, listed.contains(name)) {
            (true, true) => wrong.push(format!(
                "{name} passes but is listed in expected-failures.txt: remove it from the list"
            )),
            (false, false) => wrong.push(format!("{name} fails:\n{}", report.errors.join("\n"))),
            _ => {}
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

#[test]
fn the_copies_are_byte_identical_to_the_shared_scripts() {
    // CI checks out ../shared beside the repository; the copies must not drift from it.
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance");
    let Ok(entries) = std::fs::read_dir(&shared) else {
        return;
    };
    for e in entries {
        let p = e.unwrap().path();
        // The folder's README describes every script in it, the shared ones and the others.
        if p.file_name().is_some_and(|n| n == "README.md") {
            continue;
        }
        let copy = root().join("linux-6.18").join(p.file_name().unwrap());
        assert_eq!(
            std::fs::read(&p).unwrap(),
            std::fs::read(&copy).unwrap_or_default(),
            "{} differs from {}",
            copy.display(),
            p.display()
        );
    }
}
