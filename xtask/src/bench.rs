//! `cargo xtask bench [--quick]`: runs the criterion benches of `crates/synack-bench` and prints
//! their medians as one table, synack against smoltcp measured in the same run, the ratios last.

use serde::Deserialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The sizes and loss rates `benches/lifecycles.rs` measures.
const CONNECTIONS: [u64; 3] = [64, 1_000, 10_000];
const LOSS_PERMILLE: [u32; 2] = [0, 10];

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

/// The median time of one iteration, in seconds, as criterion wrote it.
fn median(root: &Path, group: &str, stack: &str, n: u64) -> Option<f64> {
    let path = target_dir(root)
        .join("criterion")
        .join(group)
        .join(stack)
        .join(n.to_string())
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let e: Estimates = serde_json::from_str(&text).ok()?;
    Some(e.median.point_estimate / 1e9)
}

pub fn bench(root: &Path, args: &[String]) -> Result<(), String> {
    let quick = args.iter().any(|a| a == "--quick");
    if let Some(other) = args.iter().find(|a| *a != "--quick") {
        return Err(format!(
            "unknown option `{other}`; usage: cargo xtask bench [--quick]"
        ));
    }
    let mut cmd = Command::new("cargo");
    cmd.current_dir(root)
        .args(["bench", "-p", "synack-bench", "--bench", "lifecycles", "--"])
        .arg("--noplot");
    if quick {
        // Criterion's quick mode, and only the lossless half (the two ratio lines need no more).
        cmd.arg("--quick").env("SYNACK_BENCH_QUICK", "1");
    }
    eprintln!(
        "xtask: cargo bench -p synack-bench{}",
        if quick { " (quick)" } else { "" }
    );
    let status = cmd.status().map_err(|e| format!("cargo bench: {e}"))?;
    if !status.success() {
        return Err(format!("cargo bench failed: {status}"));
    }
    let losses: &[u32] = if quick {
        &LOSS_PERMILLE[..1]
    } else {
        &LOSS_PERMILLE
    };
    let mut table = String::from(
        "\nconnection lifecycles per second of CPU (median of >= 10 samples; handshake + close, 7 segments)\n\
         loss  concurrent        synack       smoltcp   ratio\n",
    );
    let mut ratios = Vec::new();
    for &loss in losses {
        let group = format!("lifecycles-loss{loss}");
        for n in CONNECTIONS {
            let rate = |stack| median(root, &group, stack, n).map(|s| n as f64 / s);
            let (Some(a), Some(b)) = (rate("synack"), rate("smoltcp")) else {
                return Err(format!(
                    "no criterion estimates for {group}/{n} under target/criterion"
                ));
            };
            let _ = writeln!(
                table,
                "{:>3}%  {n:>10}  {a:>12.0}  {b:>12.0}  {:>6.1}x",
                f64::from(loss) / 10.0,
                a / b
            );
            if loss == 0 {
                ratios.push((n, a / b));
            }
        }
    }
    print!("{table}");
    for (n, r) in ratios.iter().filter(|(n, _)| *n == 64 || *n == 10_000) {
        println!("lifecycles/s vs smoltcp @{n}: {r:.1}");
    }
    Ok(())
}
