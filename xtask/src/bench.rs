//! `cargo xtask bench [--quick]`: runs the criterion benches of `crates/synack-bench` and prints
//! their medians as one table, synack against smoltcp measured in the same run, the ratios last.

use serde::Deserialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The sizes and loss rates `benches/lifecycles.rs` measures.
const CONNECTIONS: [u64; 3] = [64, 1_000, 10_000];
const LOSS_PERMILLE: [u32; 2] = [0, 10];
/// The runs `benches/scale.rs` and `examples/scale_once.rs` measure, by the names of
/// synack-bench's `SCALE_RUNS` (which these must match), and what each is.
const SCALE_RUNS: [(&str, &str); 2] = [
    (
        "port-exhaustion",
        "the scenario at its defaults: 28,232 connections, 1.2 M trace events",
    ),
    (
        "syn-flood-100k",
        "syn-flood with syn_rate=10000: 100,000 spoofed SYNs in 10 s",
    ),
];

#[derive(Deserialize)]
struct Estimates {
    median: Estimate,
}

#[derive(Deserialize)]
struct Estimate {
    /// Nanoseconds per iteration.
    point_estimate: f64,
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// The median time of one iteration, in seconds, as criterion wrote it for `bench` (its path
/// under the group, `stack/size` or a name).
fn median(root: &Path, group: &str, bench: &str) -> Option<f64> {
    let path = target_dir(root)
        .join("criterion")
        .join(group)
        .join(bench)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let e: Estimates = serde_json::from_str(&text).ok()?;
    Some(e.median.point_estimate / 1e9)
}

/// Runs `cmd` in `root` (`what` names it) and returns what it printed; its errors if it failed.
fn output_of(cmd: &mut Command, root: &Path, what: &str) -> Result<String, String> {
    eprintln!("xtask: {what}");
    let out = cmd
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The diagram layouts `benches/scale.rs` measures, and what each is.
const LAYOUTS: [(&str, &str); 2] = [
    (
        "port-exhaustion-whole",
        "its diagram laid out whole (the CLI's SVG, the exports)",
    ),
    (
        "port-exhaustion-last-window",
        "the window at its end, as the page lays it out",
    ),
];

/// Samples of each scale run in a fresh process (`examples/scale_once.rs`).
const FRESH_SAMPLES: usize = 5;

/// Each scale run made by a fresh process, as the CLI makes it, [`FRESH_SAMPLES`] times: the
/// median in milliseconds, by name.
fn fresh_runs(root: &Path) -> Result<Vec<(String, f64)>, String> {
    output_of(
        Command::new("cargo").args([
            "build",
            "-q",
            "--release",
            "-p",
            "synack-bench",
            "--example",
            "scale_once",
        ]),
        root,
        "cargo build --release -p synack-bench --example scale_once",
    )?;
    let exe = target_dir(root)
        .join("release/examples")
        .join(format!("scale_once{}", std::env::consts::EXE_SUFFIX));
    let mut out = Vec::new();
    for (name, _) in SCALE_RUNS {
        let mut ms = Vec::new();
        for _ in 0..FRESH_SAMPLES {
            let text = output_of(Command::new(&exe).arg(name), root, "scale_once")?;
            let value = text
                .lines()
                .filter_map(|l| l.strip_prefix("scale: "))
                .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
                .next()
                .ok_or_else(|| format!("scale_once {name} printed no time: {text}"))?;
            ms.push(value);
        }
        ms.sort_by(f64::total_cmp);
        out.push((
            String::from(name),
            ms.get(ms.len() / 2).copied().unwrap_or(f64::NAN),
        ));
    }
    Ok(out)
}

pub fn bench(root: &Path, args: &[String]) -> Result<(), String> {
    let quick = args.iter().any(|a| a == "--quick");
    if let Some(other) = args.iter().find(|a| *a != "--quick") {
        return Err(format!(
            "unknown option `{other}`; usage: cargo xtask bench [--quick]"
        ));
    }
    for bench in ["lifecycles", "scale"] {
        let mut cmd = Command::new("cargo");
        cmd.current_dir(root)
            .args(["bench", "-p", "synack-bench", "--bench", bench, "--"])
            .arg("--noplot");
        if quick {
            // Criterion's quick mode, and only the lossless half (the ratio lines need no more).
            cmd.arg("--quick").env("SYNACK_BENCH_QUICK", "1");
        }
        if bench == "lifecycles" {
            // Both stacks on a heap that stays as the last run left it. By default glibc gives
            // the top of its heap back to the system once enough of it is free, and both its
            // trim and its mmap thresholds slide with the blocks freed, so that a run of 64
            // connections sometimes began by faulting its memory in again: smoltcp's rate at 64
            // came out at about 460,000 or at 600,000 to 665,000 a second, and the ratio anywhere
            // from 0.5x to 0.95x (docs/PERFORMANCE.md, the tenth round). Setting either tunable
            // stops both from sliding, so both are set: the trim threshold far above what a run
            // frees, the mmap threshold at 32 MiB, the highest glibc's own sliding one reaches
            // (`DEFAULT_MMAP_THRESHOLD_MAX`). The variable replaces one the caller had, and also
            // reaches cargo and rustc as they build the bench, which it does not change.
            cmd.env(
                "GLIBC_TUNABLES",
                "glibc.malloc.trim_threshold=1073741824:glibc.malloc.mmap_threshold=33554432",
            );
        }
        eprintln!(
            "xtask: cargo bench -p synack-bench --bench {bench}{}",
            if quick { " (quick)" } else { "" }
        );
        let status = cmd.status().map_err(|e| format!("cargo bench: {e}"))?;
        if !status.success() {
            return Err(format!("cargo bench --bench {bench} failed: {status}"));
        }
    }
    let fresh = fresh_runs(root)?;
    let memory = output_of(
        Command::new("cargo").args(["bench", "-q", "-p", "synack-bench", "--bench", "memory"]),
        root,
        "cargo bench -p synack-bench --bench memory",
    )?;
    // The page's own wasm, timed in node: what a knob change costs the reader.
    let (page_gz, _) = crate::page::build(root)?;
    let wasm = output_of(
        Command::new("node").arg(root.join("xtask/js/wasm-timing.mjs")),
        root,
        "node xtask/js/wasm-timing.mjs",
    )?;
    let losses: &[u32] = if quick {
        &LOSS_PERMILLE[..1]
    } else {
        &LOSS_PERMILLE
    };
    let missing = |what: &str| format!("no criterion estimates for {what} under target/criterion");
    let mut table = String::from(
        "\nconnection lifecycles per second of CPU (medians; handshake + close, 7 segments)\n\
         loss  concurrent  synack (TW 60 s)  synack (TW 10 s)       smoltcp   ratio\n",
    );
    let mut ratios = Vec::new();
    for &loss in losses {
        let group = format!("lifecycles-loss{loss}");
        for n in CONNECTIONS {
            let rate =
                |stack: &str| median(root, &group, &format!("{stack}/{n}")).map(|s| n as f64 / s);
            let (Some(a), Some(a10), Some(b)) =
                (rate("synack"), rate("synack-tw10"), rate("smoltcp"))
            else {
                return Err(missing(&format!("{group}/{n}")));
            };
            let _ = writeln!(
                table,
                "{:>3}%  {n:>10}  {a:>16.0}  {a10:>16.0}  {b:>12.0}  {:>6.1}x",
                f64::from(loss) / 10.0,
                a / b
            );
            if loss == 0 {
                ratios.push((n, a / b));
            }
        }
    }
    table.push_str(
        "\nsynack at scale (medians, one core, every trace event kept; criterion's runs in one \
         process, and in a fresh process each as the CLI runs it)\n",
    );
    for (name, what) in SCALE_RUNS {
        let s = median(root, "scenario", name).ok_or_else(|| missing(name))?;
        let once = fresh
            .iter()
            .find(|(n, _)| n == name)
            .map_or(f64::NAN, |(_, ms)| *ms);
        let _ = writeln!(
            table,
            "  {name:<18} {:>9.1} ms  {once:>6.1} ms fresh  {what}",
            s * 1e3
        );
    }
    for (name, what) in LAYOUTS {
        let s = median(root, "layout", name).ok_or_else(|| missing(name))?;
        let _ = writeln!(table, "  {name:<30} {:>9.1} ms  {what}", s * 1e3);
    }
    let mut per = Vec::new();
    for n in [10u64, 1_000, 100_000] {
        let s = median(root, "concurrent", &format!("synack/{n}"))
            .ok_or_else(|| missing(&format!("concurrent/synack/{n}")))?;
        per.push((n, s / n as f64));
    }
    let first = per.first().map_or(1.0, |p| p.1);
    for (n, s) in &per {
        let _ = writeln!(
            table,
            "  {n:>7} concurrent    {:>6.2} us per lifecycle  ({:.2}x the cost at 10)",
            s * 1e6,
            s / first
        );
    }
    let _ = writeln!(
        table,
        "\nthe page's wasm: {page_gz} bytes gzipped; a whole run in it (new Playground, medians, node)"
    );
    for line in wasm.lines() {
        if let Some(m) = line.strip_prefix("wasm: ") {
            let _ = writeln!(table, "  {m}");
        }
    }
    table.push_str("\nmemory (bytes of a host's state, from a counting allocator)\n");
    for line in memory.lines() {
        if let Some(m) = line.strip_prefix("memory: ") {
            let _ = writeln!(table, "  {m}");
        }
    }
    print!("{table}");
    for (n, r) in ratios.iter().filter(|(n, _)| *n == 64 || *n == 10_000) {
        println!("lifecycles/s vs smoltcp @{n}: {r:.1}");
    }
    Ok(())
}
