//! synack's packetdrill runner: scripts that pass on a real Linux kernel, run against a simulated
//! linux-6.18 host.
//!
//! **Architecture invariant:** `no_std` + `alloc`, on `synack-core` only, so that the CLI and the
//! page run the same judge. It never touches a file: the caller hands it the script's text and,
//! through [`Files`], the helper scripts a backtick line names.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod code;
pub mod lex;
pub mod parse;
pub mod run;
pub mod shell;

pub use run::{Files, NoFiles, Report, run};
