//! Installing what the checks need on a fresh Debian machine, from the registries this project
//! may reach (crates.io, npm, Debian): nothing is downloaded from anywhere else, and no tool
//! fetches its own binaries.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs a command, failing with its name if it fails.
pub fn run(program: &str, args: &[&str]) -> Result<(), String> {
    run_in(program, args, &[], None)
}

/// Runs a command with extra environment variables, in `dir` if given.
pub fn run_in(
    program: &str,
    args: &[&str],
    env: &[(&str, &str)],
    dir: Option<&Path>,
) -> Result<(), String> {
    eprintln!("xtask: {program} {}", args.join(" "));
    let mut cmd = Command::new(program);
    cmd.args(args).envs(env.iter().copied());
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

/// Whether `program` is on PATH.
pub fn found(program: &str) -> bool {
    which(program).is_some()
}

/// Where `program` is on PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    let out = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .ok()?;
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
}

/// The first line `program --version` prints, if it runs.
fn version_of(program: &str) -> Option<String> {
    let out = Command::new(program).arg("--version").output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Installs Debian packages (as root, non-interactively).
pub fn apt_install(packages: &[&str]) -> Result<(), String> {
    run("apt-get", &["update", "-qq"])?;
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend_from_slice(packages);
    run_in(
        "apt-get",
        &args,
        &[("DEBIAN_FRONTEND", "noninteractive")],
        None,
    )
}

/// The wasm32 target, tshark and a font: what `cargo test` and the core's wasm check need.
pub fn base() -> Result<(), String> {
    wasm_target()?;
    if !found("tshark") {
        // tshark's package asks whether non-root users may capture; the default (no) is fine.
        apt_install(&["tshark"])?;
    }
    // `synack run --format png` draws text with a font of the machine's.
    let fonts = Command::new("sh")
        .args([
            "-c",
            "find /usr/share/fonts -name '*.ttf' 2>/dev/null | head -1",
        ])
        .output()
        .map(|o| !o.stdout.is_empty())
        .unwrap_or(false);
    if !fonts {
        apt_install(&["fonts-dejavu-core"])?;
    }
    Ok(())
}

/// The wasm32 target, for the page's build (`cargo xtask dist` needs no more, so that it runs
/// where apt-get cannot, as on GitHub's runners).
pub fn wasm_target() -> Result<(), String> {
    let targets = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| e.to_string())?;
    if !String::from_utf8_lossy(&targets.stdout).contains("wasm32-unknown-unknown") {
        run("rustup", &["target", "add", "wasm32-unknown-unknown"])?;
    }
    Ok(())
}

/// `cargo install NAME --version =VERSION` unless `bin --version` already says VERSION.
/// Without `--locked`: one of wasm-bindgen-cli's locked dependencies cannot be fetched here.
/// The tools build in one target directory, so the second reuses what they share.
pub fn cargo_tool(root: &Path, crate_name: &str, bin: &str, version: &str) -> Result<(), String> {
    if version_of(bin).is_some_and(|v| v.split_whitespace().any(|w| w == version)) {
        return Ok(());
    }
    let target = root.join("target/tools");
    run(
        "cargo",
        &[
            "install",
            "--quiet",
            crate_name,
            "--version",
            &format!("={version}"),
            "--target-dir",
            target.to_str().unwrap_or("target/tools"),
        ],
    )
}

/// `npm ci` when `node_modules` is missing or older than `package-lock.json` (npm's own record
/// of what it installed, `node_modules/.package-lock.json`, is written at install time): a
/// package added to the lock file is installed on the next run.
pub fn npm(root: &Path) -> Result<(), String> {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let installed = modified(&root.join("node_modules/.package-lock.json"));
    let wanted = modified(&root.join("package-lock.json"));
    let ready = root.join("node_modules/.bin/wasm-opt").exists()
        && matches!((installed, wanted), (Some(i), Some(w)) if i >= w);
    if ready {
        return Ok(());
    }
    run_in("npm", &["ci", "--no-audit", "--no-fund"], &[], Some(root))
}

/// A Chromium to drive: one on the machine, else Debian's.
pub fn chromium() -> Result<PathBuf, String> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Some(p) = which(name) {
            return Ok(p);
        }
    }
    apt_install(&["chromium"])?;
    which("chromium").ok_or_else(|| String::from("Debian's chromium did not install a `chromium`"))
}

/// A CJK font, so that the Chinese page renders in screenshots (the page loads no font).
pub fn cjk_font() -> Result<(), String> {
    let listed = Command::new("sh")
        .args(["-c", "fc-list :lang=zh 2>/dev/null | head -1"])
        .output()
        .map(|o| !o.stdout.is_empty())
        .unwrap_or(false);
    if listed {
        Ok(())
    } else {
        apt_install(&["fonts-noto-cjk"])
    }
}
