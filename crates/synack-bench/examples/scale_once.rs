//! One scale run (`SCALE_RUNS`) in this process, as the CLI makes it: `cargo xtask bench` starts
//! it afresh for each sample, next to criterion's samples of many runs in one process (there,
//! glibc's allocator, having seen the first run free its large blocks, serves the next runs'
//! growing vectors from its heap, where a reallocation copies them; in a fresh process they are
//! mapped, and grow in place). Prints `scale: NAME MS`.
//! `cargo run --release -p synack-bench --example scale_once -- syn-flood-100k`

#![allow(missing_docs)]
// A wall clock times the run from outside, as criterion does.
#![allow(clippy::disallowed_methods)]

use std::hint::black_box;
use std::time::Instant;
use synack_bench::SCALE_RUNS;
use synack_core::scenario;

fn main() {
    let name = std::env::args().nth(1).unwrap_or_default();
    let Some((name, id, set)) = SCALE_RUNS.iter().find(|r| r.0 == name) else {
        eprintln!("usage: scale_once NAME (one of SCALE_RUNS)");
        std::process::exit(2);
    };
    let Ok(s) = scenario::find(id) else {
        eprintln!("scale_once: no scenario {id}");
        std::process::exit(2);
    };
    let mut p = s.params(1);
    if let Err(e) = s.set_all(&mut p, set) {
        eprintln!("scale_once: {e:?}");
        std::process::exit(2);
    }
    // Timed as criterion times an iteration: the run, and dropping it.
    let t = Instant::now();
    black_box(s.run(&p).trace().len());
    println!("scale: {name} {:.1}", t.elapsed().as_secs_f64() * 1e3);
}
