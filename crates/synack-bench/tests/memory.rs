//! A host's heap once every connection it had is gone: what is left is the state Linux keeps as
//! well (here the TCP metrics cache's record of the server), the same however many connections
//! there were. Counted with a counting global allocator around a clone of the host, as
//! `benches/memory.rs` counts it.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod heap;

use heap::heap_of;
use synack_bench::{Workload, synack};

/// The client's heap after `n` lifecycles (connect, close, TIME-WAIT) have all ended.
fn left_after(n: usize) -> usize {
    let mut run = synack::Run::new(Workload::new(n), true).unwrap();
    run.run_until(u64::MAX);
    assert_eq!(run.report().lifecycles, n);
    let (client, _) = run.hosts();
    assert!(client.sockets().is_empty());
    heap_of(client)
}

/// Emptied tables and a destination's set of ports in use give their memory back: 1,000
/// connections (whose ports toward the server were a bitmap, and whose hash tables grew) leave
/// what one leaves.
#[test]
fn a_host_whose_connections_are_all_gone_holds_what_one_connection_leaves() {
    let one = left_after(1);
    let many = left_after(1_000);
    assert_eq!(
        many, one,
        "1,000 expired connections leave {many} B, one leaves {one} B"
    );
}
