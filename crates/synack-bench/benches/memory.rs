//! Memory: the heap a host's state takes per TIME-WAIT entry and per established connection, at
//! 1,000 and 100,000 of them, and after every entry has expired. Measured with a counting global
//! allocator around a clone of the host: a clone allocates exactly what the state holds (every
//! table, index and queue, but not capacity left over from earlier peaks), and it is also what a
//! snapshot of the run costs the page. Linux for comparison: a `tcp_timewait_sock` takes a
//! 256-byte slab object, a `tcp_sock` 2,368 bytes (6.x, x86_64).
//!
//! Prints lines `memory: ...` that `cargo xtask bench` copies into its table; not a criterion
//! bench (it counts bytes, it does not time).

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/heap/mod.rs"]
mod heap;

use heap::heap_of;
use synack_bench::{PORTS, Workload, synack};
use synack_core::tcp::Host;

fn main() {
    // Criterion's flags (`--bench`, `--quick`, ...) are not ours.
    for n in [1_000, 100_000] {
        // A client host before its first call.
        let client_base = heap_of(&fresh_host());
        // Every connection ESTABLISHED (clients never close): 1 s is long past the handshakes.
        let mut open = synack::Run::new(Workload::new(n), false).unwrap();
        open.run_until(1_000_000);
        assert_eq!(open.report().lifecycles, 0);
        let (c, _) = open.hosts();
        let per_established = (heap_of(c) as f64 - client_base as f64) / n as f64;
        drop(open);
        // Every connection closed, the client holding n TIME-WAIT entries.
        let mut closing = synack::Run::new(Workload::new(n), true).unwrap();
        closing.run_until(1_000_000);
        let (c, _) = closing.hosts();
        assert_eq!(c.sockets().len(), n, "TIME-WAIT entries");
        let per_time_wait = (heap_of(c) as f64 - client_base as f64) / n as f64;
        // All expired.
        closing.run_until(u64::MAX);
        let (c, s) = closing.hosts();
        assert_eq!(closing.report().lifecycles, n);
        assert!(c.sockets().is_empty() && s.sockets().len() == n.div_ceil(PORTS));
        let after = heap_of(c);
        println!(
            "memory: {n} connections: {per_established:.0} B per ESTABLISHED socket on the client \
             (a socket made by connect(), its descriptor and its indexes), {per_time_wait:.0} B per \
             TIME-WAIT entry (the 64-B record and its indexes), {after} B on the client once all \
             expired (a fresh client host: {client_base} B)",
        );
    }
}

/// A client host as the workloads make it, before any call.
fn fresh_host() -> Host {
    let r = synack::Run::new(Workload::new(0), false).unwrap();
    r.hosts().0.clone()
}
