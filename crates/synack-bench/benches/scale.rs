//! synack at scale: the two largest catalogue runs as the CLI and the page run them (every trace
//! event kept), and the cost of one lifecycle at 10, 1,000 and 100,000 concurrent connections.
//! `cargo xtask bench` prints the medians.

#![allow(missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use synack_bench::{SCALE_RUNS, Workload, synack};
use synack_core::scenario;

fn scenarios(c: &mut Criterion) {
    let mut g = c.benchmark_group("scenario");
    g.sample_size(10);
    for (name, id, set) in SCALE_RUNS {
        let Ok(s) = scenario::find(id) else {
            continue;
        };
        let mut p = s.params(1);
        if s.set_all(&mut p, set).is_err() {
            continue;
        }
        g.bench_function(name, |b| b.iter(|| black_box(s.run(&p).trace().len())));
    }
    g.finish();
}

fn per_lifecycle(c: &mut Criterion) {
    let mut g = c.benchmark_group("concurrent");
    g.sample_size(10);
    for connections in [10, 1_000, 100_000] {
        let w = Workload::new(connections);
        g.throughput(Throughput::Elements(connections as u64));
        g.bench_with_input(BenchmarkId::new("synack", connections), &w, |b, w| {
            b.iter(|| black_box(synack::run(*w)));
        });
    }
    g.finish();
}

criterion_group!(benches, scenarios, per_lifecycle);
criterion_main!(benches);
