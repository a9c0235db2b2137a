//! Build, test and serve automation for synack, in Rust (matklad's cargo-xtask pattern).
//!
//! `cargo xtask test` installs what it needs on a fresh Debian machine (the wasm32 target,
//! Debian's tshark) and runs every check: rustfmt, clippy with `-D warnings`, all tests (the
//! packetdrill conformance scripts among them), and the no_std crates built for
//! `wasm32-unknown-unknown`.

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("serve") => Err(String::from(
            "the page (www/ and the wasm binding) is not built yet: it arrives with the first page issue; \
             meanwhile `cargo run -p synack-cli -- list` and `-- run ID` show every scenario",
        )),
        _ => Err(String::from("usage: cargo xtask test | cargo xtask serve")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a command, failing with its name if it fails.
fn run(program: &str, args: &[&str]) -> Result<(), String> {
    eprintln!("xtask: {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

fn found(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null")])
        .status()
        .is_ok_and(|s| s.success())
}

/// Installs what the tests need and is missing.
fn setup() -> Result<(), String> {
    let targets = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| e.to_string())?;
    if !String::from_utf8_lossy(&targets.stdout).contains("wasm32-unknown-unknown") {
        run("rustup", &["target", "add", "wasm32-unknown-unknown"])?;
    }
    if !found("tshark") {
        run("apt-get", &["update", "-qq"])?;
        // tshark's package asks whether non-root users may capture; the default (no) is fine.
        let status = Command::new("apt-get")
            .args(["install", "-y", "-qq", "tshark"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(String::from("installing Debian's tshark failed"));
        }
    }
    Ok(())
}

fn test() -> Result<(), String> {
    setup()?;
    run("cargo", &["fmt", "--all", "--check"])?;
    run(
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--quiet",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    eprintln!("xtask: cargo test --workspace");
    let out = Command::new("cargo")
        .args(["test", "--workspace"])
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    print!("{text}");
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    // Totals over every test binary, so that the last line counts them all.
    let (mut passed, mut failed) = (0u64, 0u64);
    for line in text.lines().filter(|l| l.starts_with("test result:")) {
        for part in line.split(['.', ';']) {
            let mut words = part.split_whitespace();
            if let (Some(n), Some(w)) = (words.next(), words.next()) {
                match (n.parse::<u64>(), w) {
                    (Ok(n), "passed") => passed += n,
                    (Ok(n), "failed") => failed += n,
                    _ => {}
                }
            }
        }
    }
    run(
        "cargo",
        &[
            "build",
            "--quiet",
            "-p",
            "synack-core",
            "-p",
            "synack-pkt",
            "--target",
            "wasm32-unknown-unknown",
        ],
    )?;
    println!("{passed} passed, {failed} failed");
    if !out.status.success() || failed > 0 {
        return Err(String::from("tests failed"));
    }
    Ok(())
}
