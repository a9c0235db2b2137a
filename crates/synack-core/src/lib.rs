//! synack's simulator: Linux TCP hosts, links, and a deterministic event engine.
//!
//! **Architecture invariant:** this crate is `no_std` + `alloc`, sans-IO and deterministic. It
//! never reads a clock (time is a value passed in, integer microseconds) nor a random source
//! (randomness comes from the seed in `sim::SimConfig`), and it knows nothing of JS, terminals or
//! files. Same seed and inputs give the same trace, natively and in wasm.
//!
//! Layers, bottom up: `time`, `seq` and `wire` (values), `tcp` (one host's stack: takes segments,
//! timeouts and calls; yields segments and trace events; says when it next needs to run), `net`
//! (links), `sim` (the only place that orders events), `scenario` (the catalogue), `pcap`.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(test)]
extern crate std;

/// Marks a rule branch so that its canonical test can check, with `cov_mark::check!`, that it
/// ran the branch it is about (rust-analyzer's "marked tests").
///
/// Only unit tests see the marks: outside `cfg(test)` this expands to nothing, because cov-mark is
/// a `std` crate and only a dev-dependency, and the core must stay `no_std` without it.
macro_rules! mark {
    ($name:ident) => {
        #[cfg(test)]
        cov_mark::hit!($name);
    };
}

pub mod attack;
pub mod config;
pub mod counters;
pub mod nat;
pub mod net;
pub mod pcap;
pub mod scenario;
pub mod seq;
pub mod sim;
mod slab;
pub mod small_sort;
pub mod socket;
pub mod tcp;
pub mod time;
pub mod trace;
pub mod wire;

pub use seq::SeqNum;
pub use time::{Duration, Instant};
