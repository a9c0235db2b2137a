//! Connection lifecycles (handshake and close, seven segments) per second of CPU on one core:
//! synack's core against smoltcp 0.14 in the same process, on the same wire, losing the same
//! segments. `cargo xtask bench` runs this and prints the medians as one table.

#![allow(missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use synack_bench::{Workload, smol, synack};

fn lifecycles(c: &mut Criterion) {
    // `cargo xtask bench --quick` measures the lossless half only.
    let quick = std::env::var_os("SYNACK_BENCH_QUICK").is_some();
    let losses: &[u32] = if quick { &[0] } else { &[0, 10] };
    for &loss_permille in losses {
        let mut g = c.benchmark_group(format!("lifecycles-loss{loss_permille}"));
        g.sample_size(10);
        for connections in [64, 1_000, 10_000] {
            let w = Workload {
                loss_permille,
                ..Workload::new(connections)
            };
            let tw10 = Workload {
                time_wait_secs: 10,
                ..w
            };
            g.throughput(Throughput::Elements(connections as u64));
            g.bench_with_input(BenchmarkId::new("synack", connections), &w, |b, w| {
                b.iter(|| black_box(synack::run(*w)));
            });
            g.bench_with_input(
                BenchmarkId::new("synack-tw10", connections),
                &tw10,
                |b, w| {
                    b.iter(|| black_box(synack::run(*w)));
                },
            );
            g.bench_with_input(BenchmarkId::new("smoltcp", connections), &w, |b, w| {
                b.iter(|| black_box(smol::run(*w)));
            });
        }
        g.finish();
    }
}

criterion_group!(benches, lifecycles);
criterion_main!(benches);
