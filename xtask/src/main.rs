//! Build, test and serve automation for synack, in Rust (matklad's cargo-xtask pattern).
//!
//! - `cargo xtask serve [--port N] [--dist]`: builds the page (the wasm binding into `www/pkg`)
//!   and serves `www/` at http://127.0.0.1:8000 (`--dist`: `dist/` at /synack/, as GitHub Pages
//!   serves a project site).
//! - `cargo xtask test`: installs what it needs on a fresh Debian machine (the wasm32 target,
//!   tshark, the pinned wasm-bindgen-cli and wasm-pack from crates.io, npm's tools, Debian's
//!   chromium when no Chromium is present) and runs every check: rustfmt, clippy `-D warnings`,
//!   all tests (the packetdrill conformance scripts among them), the no_std crates built for
//!   wasm32, the page's wasm within its size budget, and the browser tests in real Chromium.
//! - `cargo xtask dist`: the page as a self-contained static site in `dist/` (relative URLs
//!   only, `.nojekyll`), as GitHub Pages serves it; `.github/workflows/pages.yml` deploys it.
//! - `cargo xtask screenshots`: the page in both languages, wide and narrow, and embedded (alone
//!   and in a plain article page), into `docs/screenshots/`.

//! - `cargo xtask bench [--quick]`: the benchmarks (`crates/synack-bench`), synack against
//!   smoltcp in the same run, printed as one table of medians and ratios.

mod bench;
mod dist;
mod page;
mod serve;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask test | cargo xtask serve [--port N] [--dist] | cargo xtask build | cargo xtask dist | cargo xtask screenshots | cargo xtask bench [--quick]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("serve") => serve(args.get(1..).unwrap_or(&[])),
        Some("build") => page::build(&root()).map(|_| ()),
        Some("dist") => dist::dist(&root()),
        Some("screenshots") => screenshots(),
        Some("bench") => bench::bench(&root(), args.get(1..).unwrap_or(&[])),
        _ => Err(String::from(USAGE)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Where `serve --dist` and the browser tests serve `dist/`: a project site's sub-path.
const SITE_PREFIX: &str = "/synack/";

/// The repository's root (xtask's parent).
fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map_or(manifest.clone(), Path::to_path_buf)
}

fn serve(args: &[String]) -> Result<(), String> {
    let mut port: u16 = 8000;
    let mut site = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--dist" => site = true,
            "--port" => {
                let v = it.next().ok_or("`--port` needs a value")?;
                port = v
                    .parse()
                    .map_err(|_| format!("bad port `{v}`; accepted: 0 to 65535"))?;
            }
            other => return Err(format!("unknown option `{other}`; {USAGE}")),
        }
    }
    let root = root();
    let (port, handle, path) = if site {
        // As GitHub Pages serves a project site: dist/ under /synack/.
        dist::dist(&root)?;
        let (port, handle) = serve::start_at(root.join("dist"), port, SITE_PREFIX)?;
        (port, handle, SITE_PREFIX)
    } else {
        page::build(&root)?;
        let (port, handle) = serve::start(root.join("www"), port)?;
        (port, handle, "/")
    };
    println!("synack: serving the playground at http://127.0.0.1:{port}{path} (Ctrl-C stops)");
    handle
        .join()
        .map_err(|_| String::from("the server thread stopped"))
}

/// Runs `cargo test --workspace`, printing its output; returns (passed, failed, success).
fn cargo_test() -> Result<(u64, u64, bool), String> {
    eprintln!("xtask: cargo test --workspace");
    let out = Command::new("cargo")
        .args(["test", "--workspace"])
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    print!("{text}");
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    Ok(count(&text, out.status.success()))
}

/// Totals of `test result:` lines (cargo) or `# pass`/`# fail` lines (node --test).
fn count(text: &str, success: bool) -> (u64, u64, bool) {
    let (mut passed, mut failed) = (0u64, 0u64);
    for line in text.lines() {
        if line.starts_with("test result:") {
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
        } else if let Some(n) = line.strip_prefix("# pass ") {
            passed += n.trim().parse::<u64>().unwrap_or(0);
        } else if let Some(n) = line.strip_prefix("# fail ") {
            failed += n.trim().parse::<u64>().unwrap_or(0);
        }
    }
    (passed, failed, success)
}

/// The scenarios whose runs are too large for a fixture of their whole trace (the core's
/// `scenario::LARGE`; xtask does not depend on the core).
const LARGE_RUNS: &[&str] = &["time-wait-server-load", "port-exhaustion"];

/// Writes every scenario's trace as the CLI's `--format json` gives it, and its exports (pcap,
/// SVG, Mermaid, text), for the browser tests that compare the page's with the CLI's.
fn cli_traces(root: &Path) -> Result<PathBuf, String> {
    let dir = root.join("target/browser-fixtures");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    tools::run("cargo", &["build", "--quiet", "-p", "synack-cli"])?;
    let synack = root.join("target/debug/synack");
    let list = Command::new(&synack)
        .arg("list")
        .output()
        .map_err(|e| e.to_string())?;
    for line in String::from_utf8_lossy(&list.stdout).lines() {
        let Some(id) = line.split_whitespace().next() else {
            continue;
        };
        // A million trace events each: the page draws them in windows, which the tests that
        // compare whole traces and diagrams do not cover (large.test.mjs and knobs.test.mjs do).
        if LARGE_RUNS.contains(&id) {
            continue;
        }
        // The trace for the trace test; the exports for the test that downloads them from
        // the page and compares them byte for byte.
        for (format, ext) in [
            ("json", "json"),
            ("pcap", "pcap"),
            ("svg", "svg"),
            ("mermaid", "mmd"),
            ("text", "txt"),
        ] {
            let out = dir.join(format!("{id}.{ext}"));
            let status = Command::new(&synack)
                .args(["run", id, "--format", format, "--out"])
                .arg(&out)
                .status()
                .map_err(|e| e.to_string())?;
            if !status.success() {
                return Err(format!("synack run {id} --format {format} failed"));
            }
        }
    }
    Ok(dir)
}

/// Runs node's test runner on `tests/browser/` against the page served from `www/`.
fn browser_tests(
    root: &Path,
    chromium: &Path,
    fixtures: &Path,
) -> Result<(u64, u64, bool), String> {
    let (port, _server) = serve::start(root.join("www"), 0)?;
    let (site_port, _site) = serve::start_at(root.join("dist"), 0, SITE_PREFIX)?;
    eprintln!("xtask: node --test tests/browser/ (page at http://127.0.0.1:{port}/)");
    let out = Command::new("node")
        .args(["--test", "--test-reporter=tap", "--test-concurrency=1"])
        .arg(root.join("tests/browser"))
        .env("SYNACK_URL", format!("http://127.0.0.1:{port}/"))
        .env(
            "SYNACK_SITE_URL",
            format!("http://127.0.0.1:{site_port}{SITE_PREFIX}"),
        )
        .env("CHROMIUM", chromium)
        .env("SYNACK_FIXTURES", fixtures)
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run node: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    print!("{text}");
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    Ok(count(&text, out.status.success()))
}

fn test() -> Result<(), String> {
    let root = root();
    tools::base()?;
    tools::run("cargo", &["fmt", "--all", "--check"])?;
    tools::run(
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
    let (mut passed, mut failed, mut ok) = cargo_test()?;
    tools::run(
        "cargo",
        &[
            "build",
            "--quiet",
            "-p",
            "synack-core",
            "-p",
            "synack-pkt",
            "-p",
            "synack-diagram",
            "--target",
            "wasm32-unknown-unknown",
        ],
    )?;
    let (gz, budget) = page::build(&root)?;
    dist::write(&root)?;
    let chromium = tools::chromium()?;
    let fixtures = cli_traces(&root)?;
    let (p, f, s) = browser_tests(&root, &chromium, &fixtures)?;
    passed += p;
    failed += f;
    ok &= s;
    println!("wasm: {gz} bytes gzipped, budget {budget}");
    println!("{passed} passed, {failed} failed");
    if gz > budget {
        return Err(format!(
            "the page's wasm is {gz} bytes gzipped, over its budget of {budget}"
        ));
    }
    if !ok || failed > 0 {
        return Err(String::from("tests failed"));
    }
    Ok(())
}

fn screenshots() -> Result<(), String> {
    let root = root();
    page::build(&root)?;
    let chromium = tools::chromium()?;
    tools::cjk_font()?;
    let (port, _server) = serve::start(root.join("www"), 0)?;
    let out_dir = root.join("docs/screenshots");
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    let status = Command::new("node")
        .arg(root.join("tests/browser/screenshots.mjs"))
        .env("SYNACK_URL", format!("http://127.0.0.1:{port}/"))
        .env("CHROMIUM", &chromium)
        .env("OUT_DIR", &out_dir)
        .current_dir(&root)
        .status()
        .map_err(|e| format!("cannot run node: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(String::from("taking the screenshots failed"))
    }
}
