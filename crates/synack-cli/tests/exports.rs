//! The exports a reader takes away, as the CLI writes them (the page downloads the same bytes,
//! `tests/browser/exports.test.mjs`): the pcap read back by `tshark` with Wireshark's relative
//! sequence numbers equal to the diagram's, the SVG a well-formed XML document with one arrow
//! per segment, the Mermaid text one message per segment, the PNG that SVG at twice its size.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use std::collections::BTreeMap;
use std::process::Command;
use synack_core::scenario::{LARGE, SCENARIOS};
use synack_core::trace::EventKind;
use synack_diagram::{Geometry, Item, layout_of};

fn synack(args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_synack"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `Seq=N` and `Ack=N` of a diagram label (`SYN, ACK Seq=0 Ack=1`).
fn numbers(label: &str) -> (String, String) {
    let field = |name: &str| {
        label
            .split_whitespace()
            .find_map(|w| w.strip_prefix(name))
            .unwrap_or("")
            .to_string()
    };
    (field("Seq="), field("Ack="))
}

/// tshark's relative number equals the one computed from the trace, and the diagram's label
/// when the diagram numbers it relative too (`seen`: that direction's SYN was in the run).
fn check(tshark: &str, relative: u32, seen: bool, label: &str, line: &str) {
    assert_eq!(tshark, relative.to_string(), "{line}");
    if seen {
        assert_eq!(tshark, label, "{line} vs the diagram's {label}");
    }
}

#[test]
fn tshark_sees_the_diagrams_flags_and_relative_sequence_numbers() {
    let dir = std::env::temp_dir().join(format!("synack-exports-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut compared = 0;
    for sc in SCENARIOS.iter().filter(|s| !LARGE.contains(&s.id)) {
        let sim = sc.run(&sc.params(1));
        let d = layout_of(&sim, Geometry::WIDE);
        let labels: BTreeMap<u64, &str> = d
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Arrow { seg, label, .. } => Some((*seg, label.as_str())),
                _ => None,
            })
            .collect();
        let path = dir.join(format!("{}.pcap", sc.id));
        std::fs::write(&path, synack(&["run", sc.id, "--format", "pcap"])).unwrap();
        let out = Command::new("tshark")
            .arg("-r")
            .arg(&path)
            .args(["-o", "tcp.relative_sequence_numbers:TRUE"])
            .args(["-o", "tcp.analyze_sequence_numbers:TRUE"])
            .args(["-T", "fields", "-E", "separator=,"])
            .args(["-e", "tcp.flags.str", "-e", "tcp.seq", "-e", "tcp.ack"])
            .args(["-e", "tcp.flags.ack", "-e", "tcp.len"])
            .output()
            .expect("tshark must be installed (cargo xtask test installs it)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), sim.segments().len(), "{}", sc.id);
        let mut isn = BTreeMap::new();
        for (line, (id, _, seg)) in lines.iter().zip(sim.segments()) {
            let f: Vec<&str> = line.split(',').collect();
            let label = labels.get(&id.0).expect("every segment has an arrow");
            // Flags: tshark's `······A···F` string holds the same letters as the label's names.
            for (on, letter, name) in [
                (seg.flags.syn(), 'S', "SYN"),
                (seg.flags.fin(), 'F', "FIN"),
                (seg.flags.rst(), 'R', "RST"),
                (seg.flags.ack(), 'A', "ACK"),
            ] {
                assert_eq!(f[0].contains(letter), on, "{} {line} {label}", sc.id);
                assert_eq!(label.contains(name), on, "{} {line} {label}", sc.id);
            }
            let (seq, ack) = numbers(label);
            let len = if seg.payload.is_empty() {
                String::new()
            } else {
                format!(" Len={}", seg.payload.len())
            };
            assert_eq!(f[4], seg.payload.len().to_string(), "{} {line}", sc.id);
            assert!(label.ends_with(&len), "{} {label}", sc.id);
            // Relative to each direction's SYN, as the diagram numbers them; a direction whose
            // SYN was never seen counts from the first segment's number less one, as Wireshark
            // does for a capture started mid-connection (the diagram shows those absolute).
            let key = (seg.src, seg.dst);
            // A SYN on a 4-tuple seen before (a NAT reusing a port, a reused TIME-WAIT) starts a
            // new conversation for Wireshark ("TCP Port numbers reused"): the other direction
            // counts afresh from its next segment.
            if seg.flags.syn() && !seg.flags.ack() && isn.contains_key(&key) {
                isn.remove(&(seg.dst, seg.src));
            }
            if seg.flags.syn() {
                isn.insert(key, (seg.seq.0, true));
            }
            let (base, seen) = *isn.entry(key).or_insert((seg.seq.0.wrapping_sub(1), false));
            check(f[1], seg.seq.0.wrapping_sub(base), seen, &seq, line);
            if seg.flags.ack()
                && let Some((base, seen)) = isn.get(&(seg.dst, seg.src)).copied()
            {
                check(f[2], seg.ack.0.wrapping_sub(base), seen, &ack, line);
            }
            compared += 1;
        }
    }
    assert!(compared > 100, "{compared}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every segment of a run: those the hosts (or the reader) sent, and the copies the network
/// made of some of them (a copy is a segment of its own on the wire, with its own arrow).
fn on_the_wire(sim: &synack_core::sim::Sim) -> Vec<u64> {
    let mut ids: Vec<u64> = sim.segments().iter().map(|(id, _, _)| id.0).collect();
    ids.extend(sim.trace().iter().filter_map(|e| match e.kind {
        EventKind::Duplicated { copy, .. } => Some(copy.0),
        _ => None,
    }));
    ids.sort_unstable();
    ids
}

#[test]
fn the_svg_is_xml_with_one_arrow_per_segment() {
    for sc in SCENARIOS.iter().filter(|s| !LARGE.contains(&s.id)) {
        let sim = sc.run(&sc.params(1));
        let svg = String::from_utf8(synack(&["run", sc.id, "--format", "svg"])).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{}: {e}", sc.id));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        let arrows: Vec<u64> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("arrow"))
            .map(|n| n.attribute("data-seg").unwrap().parse().unwrap())
            .collect();
        let mut sorted = arrows.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, on_the_wire(&sim), "{}", sc.id);
        // Each arrow draws its line (or a loopback's bracket) and its label.
        for g in doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("arrow"))
        {
            assert!(
                g.children()
                    .any(|c| matches!(c.tag_name().name(), "line" | "polyline")),
                "{}",
                sc.id
            );
            assert!(g.children().any(|c| c.tag_name().name() == "text"));
        }
    }
}

#[test]
fn the_mermaid_text_has_one_message_per_segment() {
    for sc in SCENARIOS.iter().filter(|s| !LARGE.contains(&s.id)) {
        let sim = sc.run(&sc.params(1));
        let text = String::from_utf8(synack(&["run", sc.id, "--format", "mermaid"])).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("sequenceDiagram"));
        let lanes = sim.hosts().len();
        let (mut participants, mut messages) = (0, 0);
        for line in lines {
            let line = line.trim();
            if line.starts_with("participant ") {
                participants += 1;
            } else if line.starts_with("Note ") {
                assert!(line.contains(": "), "{}: {line}", sc.id);
            } else {
                // `L0->>L1: SYN Seq=0`, `L1--xL0: ...`: a message between two participants.
                let (arrow, label) = line.split_once(": ").unwrap();
                let ok = ["->>", "-->>", "-x", "--x"].iter().any(|a| {
                    arrow.split_once(a).is_some_and(|(f, t)| {
                        f.starts_with('L') && t.starts_with('L') && !t.contains('-')
                    })
                });
                assert!(ok, "{}: {line}", sc.id);
                assert!(label.contains("Seq="), "{}: {line}", sc.id);
                messages += 1;
            }
        }
        assert!(participants >= lanes, "{}", sc.id);
        assert_eq!(messages, on_the_wire(&sim).len(), "{}", sc.id);
    }
}

#[test]
fn the_png_is_the_svg_at_twice_its_size() {
    for id in ["close-four-way", "accept-overflow"] {
        let svg = String::from_utf8(synack(&["run", id, "--format", "svg"])).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let view: Vec<u32> = doc
            .root_element()
            .attribute("viewBox")
            .unwrap()
            .split(' ')
            .map(|n| n.parse().unwrap())
            .collect();
        let png = synack(&["run", id, "--format", "png"]);
        assert_eq!(
            png[..8],
            [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a],
            "{id}"
        );
        assert_eq!(&png[12..16], b"IHDR");
        let be = |i: usize| u32::from_be_bytes(png[i..i + 4].try_into().unwrap());
        assert_eq!((be(16), be(20)), (2 * view[2], 2 * view[3]), "{id}");
        // Drawn, not blank: a blank picture of that size compresses to a few KB.
        assert!(png.len() > 40_000, "{id}: {} bytes", png.len());
    }
}
