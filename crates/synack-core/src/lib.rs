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

pub mod config;
pub mod counters;
pub mod net;
pub mod pcap;
pub mod scenario;
pub mod seq;
pub mod sim;
mod slab;
pub mod socket;
pub mod tcp;
pub mod time;
pub mod trace;
pub mod wire;

pub use seq::SeqNum;
pub use time::{Duration, Instant};
