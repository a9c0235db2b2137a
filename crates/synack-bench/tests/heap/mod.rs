//! A host's heap, counted by a counting global allocator: shared by `benches/memory.rs` and
//! `tests/memory.rs`, each of which is a binary of its own with this allocator.

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;
use synack_core::tcp::Host;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes of heap a clone of `h` allocates: a clone allocates exactly what the state holds (every
/// table, index and queue, but not capacity left over from earlier peaks), and it is also what a
/// snapshot of the run costs the page.
pub fn heap_of(h: &Host) -> usize {
    let region = Region::new(GLOBAL);
    let copy = h.clone();
    let change = region.change();
    drop(copy);
    change.bytes_allocated + usize::try_from(change.bytes_reallocated.max(0)).unwrap_or(0)
        - change.bytes_deallocated
}
