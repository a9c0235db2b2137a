//! `tshark -r` reads each scenario's pcap and sees the same segments, flags and sequence numbers
//! as the trace, and verifies every TCP checksum (status 1 = good). (`cargo xtask test` installs
//! Debian's tshark when it is missing.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use std::process::Command;
use synack_core::scenario::{LARGE, SCENARIOS};

#[test]
fn tshark_reads_every_scenario_pcap_as_the_trace_says() {
    let dir = std::env::temp_dir().join(format!("synack-pcap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for sc in SCENARIOS.iter().filter(|s| !LARGE.contains(&s.id)) {
        let p = sc.params(1);
        let sim = sc.run(&p);
        let path = dir.join(format!("{}.pcap", sc.id));
        let status = Command::new(env!("CARGO_BIN_EXE_synack"))
            .args(["run", sc.id, "--format", "pcap", "--out"])
            .arg(&path)
            .status()
            .unwrap();
        assert!(status.success());
        let out = Command::new("tshark")
            .arg("-r")
            .arg(&path)
            .args([
                "-o",
                "tcp.check_checksum:TRUE",
                "-T",
                "fields",
                "-E",
                "separator=,",
            ])
            .args([
                "-e",
                "tcp.srcport",
                "-e",
                "tcp.dstport",
                "-e",
                "tcp.seq_raw",
                "-e",
                "tcp.ack_raw",
            ])
            .args([
                "-e",
                "tcp.flags",
                "-e",
                "tcp.len",
                "-e",
                "tcp.window_size_value",
                "-e",
                "tcp.checksum.status",
            ])
            .output()
            .expect("tshark must be installed (cargo xtask test installs it)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let lines: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        let expected: Vec<String> = sim
            .segments()
            .iter()
            .map(|(_, _, s)| {
                let ack = if s.flags.ack() { s.ack.0 } else { 0 };
                format!(
                    "{},{},{},{},0x{:04x},{},{},1",
                    s.src.port,
                    s.dst.port,
                    s.seq.0,
                    ack,
                    s.flags.0,
                    s.payload.len(),
                    s.window
                )
            })
            .collect();
        assert_eq!(lines, expected, "{}", sc.id);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_input_exits_2_with_one_line() {
    for (args, needle) in [
        (vec!["run", "nope"], "unknown setting `nope`"),
        (
            vec!["run", "handshake", "--set", "tcp_tw_recycle=1"],
            "does not exist on linux-6.18",
        ),
        (
            vec!["run", "handshake", "--set", "tcp_rfc1337=7"],
            "accepted: an integer from 0 to 1",
        ),
        (
            vec!["run", "handshake", "--set", "router.tcp_rfc1337=1"],
            "unknown host `router`",
        ),
        (
            vec!["run", "handshake", "--format", "gif"],
            "accepted: text, json, pcap",
        ),
        (vec!["run", "handshake", "--seed", "-1"], "bad seed"),
        (vec!["frobnicate"], "unknown command"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_synack"))
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(needle), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
}
