//! synack at scale: the two largest catalogue runs as the CLI and the page run them (every trace
//! event kept), the diagram of the largest, and the cost of one lifecycle at 10, 1,000 and
//! 100,000 concurrent connections.
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

/// The diagram of `port-exhaustion`, once simulated: the whole run laid out (the CLI's SVG, the
/// tools module's exports) and its last window (the page at the run's end, whose layout notes
/// the ISNs of every connection before the window).
fn layouts(c: &mut Criterion) {
    let mut g = c.benchmark_group("layout");
    g.sample_size(10);
    let Ok(s) = scenario::find("port-exhaustion") else {
        return;
    };
    let sim = s.run(&s.params(1));
    let len = sim.trace().len();
    let geometry = synack_diagram::Geometry::WIDE;
    g.bench_function("port-exhaustion-whole", |b| {
        b.iter(|| black_box(synack_diagram::layout_of(&sim, geometry).items.len()));
    });
    g.bench_function("port-exhaustion-last-window", |b| {
        let window = len.saturating_sub(1_500)..len;
        b.iter(|| {
            black_box(
                synack_diagram::layout_window(&sim, window.clone(), geometry)
                    .items
                    .len(),
            )
        });
    });
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

criterion_group!(benches, scenarios, layouts, per_lifecycle);
criterion_main!(benches);
