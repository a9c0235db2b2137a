//! The diagram as Mermaid `sequenceDiagram` text, for authors who write their articles in
//! Markdown: one participant per lifeline, one message per segment (in the order they were
//! sent), each state change, socket call and crash as a note beside its lifeline, and each folded
//! idle stretch as a note across the lifelines. The CLI (`--format mermaid`) and the page's
//! download both call [`Diagram::to_mermaid`], so they write the same text.
//!
//! Arrows follow the SVG's styles as far as Mermaid has them: `->>` delivered, `-->>`
//! retransmitted or held (dashed), `-x` / `--x` lost on the way.

use crate::{Diagram, HostEvent, Item, span_text};
use alloc::string::String;
use core::fmt::Write;

/// A text Mermaid shows as it is: `;` would end the statement, `#` start an entity code, and
/// a line break the line, so those are written as entity codes (`#59;`).
fn text(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            ';' | '#' | '\n' | '\r' | '<' | '>' => {
                let _ = write!(out, "#{};", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

impl Diagram {
    /// The diagram as a Mermaid `sequenceDiagram`, in English (protocol notation and RFC state
    /// names are the same in every language).
    pub fn to_mermaid(&self) -> String {
        let mut s = String::from("sequenceDiagram\n");
        for (i, lane) in self.lanes.iter().enumerate() {
            let _ = writeln!(s, "    participant L{i} as {}", text(&lane.name));
        }
        let beside = |lane: usize| -> &'static str {
            match self.lanes.get(lane) {
                Some(l) if l.side < 0 => "left of",
                _ => "right of",
            }
        };
        let mut items: alloc::vec::Vec<&Item> = self
            .items
            .iter()
            .filter(|i| !matches!(i, Item::Timer { .. }))
            .collect();
        // Trace order (the layout pushes items in trace order; the sort is stable).
        items.sort_by_key(|i| match i {
            Item::Arrow { step, .. }
            | Item::Host { step, .. }
            | Item::State { step, .. }
            | Item::Call { step, .. }
            | Item::Timer { step, .. }
            | Item::Fold { step, .. } => *step,
        });
        for item in items {
            match item {
                Item::Arrow {
                    from,
                    to,
                    label,
                    lost,
                    retransmit,
                    held,
                    ..
                } => {
                    let dashed = if *retransmit || *held { "--" } else { "-" };
                    let head = if lost.is_some() { "x" } else { ">>" };
                    let _ = writeln!(s, "    L{from}{dashed}{head}L{to}: {}", text(label));
                }
                Item::State { lane, state, .. } => {
                    let _ = writeln!(
                        s,
                        "    Note {} L{lane}: {}",
                        beside(*lane),
                        state.rfc_name()
                    );
                }
                Item::Call {
                    lane, name, result, ..
                } => {
                    let _ = writeln!(
                        s,
                        "    Note {} L{lane}: {} = {}",
                        beside(*lane),
                        text(name),
                        text(result)
                    );
                }
                Item::Host { lane, what, .. } => {
                    let what = match what {
                        HostEvent::Crashed => "crashed",
                        HostEvent::Restarted => "rebooted",
                    };
                    let _ = writeln!(s, "    Note {} L{lane}: {what}", beside(*lane));
                }
                Item::Fold { span_us, .. } => {
                    let over = match self.lanes.len() {
                        0 | 1 => String::from("L0"),
                        n => alloc::format!("L0,L{}", n - 1),
                    };
                    let _ = writeln!(s, "    Note over {over}: ⋯ {} ⋯", span_text(*span_us));
                }
                Item::Timer { .. } => {}
            }
        }
        s
    }
}
