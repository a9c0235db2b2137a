//! One workload run once, for a profiler or for `valgrind --tool=callgrind` (which counts
//! instructions, so that a change can be compared on a busy machine):
//! `cargo run --release -p synack-bench --example once -- synack 64 0`.

#![allow(missing_docs)]

use synack_bench::{Workload, smol, synack};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let stack = args.get(1).map_or("synack", String::as_str);
    let connections = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(64);
    let loss_permille = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(0);
    let repeat: usize = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(1);
    let w = Workload {
        loss_permille,
        ..Workload::new(connections)
    };
    for _ in 0..repeat {
        let r = match stack {
            "smoltcp" => smol::run(w),
            _ => synack::run(w),
        };
        println!("{stack} {w:?}: {r:?}");
    }
}
