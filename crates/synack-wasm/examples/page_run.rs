//! The page's whole run of a scenario, natively, for a profiler or for
//! `valgrind --tool=callgrind` (instructions, which a busy machine does not move):
//! `cargo run --release -p synack-wasm --example page_run -- port-exhaustion '' 3`
//! runs `new Playground("port-exhaustion", "", "", "")` three times, as a knob change on the page
//! does (the run, its snapshots, the chart's series, the diagram's windows).

#![allow(missing_docs)]

// The wall clock times the run from outside; the simulation reads none.
#[allow(clippy::disallowed_methods)]
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let id = args.get(1).map_or("port-exhaustion", String::as_str);
    let set = args.get(2).map_or("", String::as_str);
    let repeat: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(1);
    for _ in 0..repeat {
        let t = std::time::Instant::now();
        match synack_wasm::Playground::new(id, set, "", "") {
            Ok(p) => {
                println!("{id}: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
                drop(p);
            }
            Err(_) => {
                eprintln!("{id} {set:?}: the page would show an error");
                std::process::exit(2);
            }
        }
    }
}
