//! The sequence diagram's layout, as a display list: lifelines, arrows with Wireshark-style
//! labels, states on the lifelines, timer bars, and idle gaps folded as `⋯ 32 s ⋯`.
//!
//! **Architecture invariant:** `no_std` + `alloc`, on the core's trace only. This crate decides
//! where everything goes; it draws nothing. The page draws the display list as interactive SVG
//! (`www/src/diagram.js`), the CLI writes it as an SVG file ([`Diagram::to_svg`]): one layout,
//! two drawers, so they cannot drift apart. Texts that a reader reads in their language (gap
//! and timer labels) travel as data; segment labels are protocol notation, the same in every
//! language.
//!
//! Time flows down. Within an active stretch y is proportional to time ([`PX_PER_MS`]); an idle
//! stretch longer than [`FOLD_AFTER_US`] is folded to [`FOLD_PX`]. Several things at one
//! instant on one lifeline stack in trace order, one [`LINE_PX`] row each, so a state change
//! caused by a segment is drawn below the arrow that caused it.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod mermaid;
pub mod series;

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;
use serde::Serialize;
use synack_core::socket::{Call, CallResult};
use synack_core::tcp::State;
use synack_core::trace::{Event, EventKind, LossReason, SegId, TimerKind};
use synack_core::wire::{Endpoint, Segment};

/// Pixels per millisecond of simulated time within an active stretch.
pub const PX_PER_MS: u32 = 4;
/// An idle stretch longer than this (µs) is folded.
pub const FOLD_AFTER_US: u64 = 25_000;
/// The height of a folded gap.
pub const FOLD_PX: u32 = 34;
/// One stacked row: a state, a call, an arrow's end.
pub const LINE_PX: u32 = 18;
/// The top margin above the first instant (lane names go there).
pub const TOP_PX: u32 = 44;
/// How wide the diagram is laid out: the space for the time ruler, beside the outer lifelines
/// (state and call labels), and between two lifelines (segment labels).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Geometry {
    /// The left gutter for the time ruler (0: no ruler).
    pub gutter: u32,
    /// Room beside the outer lifelines.
    pub side: u32,
    /// The distance between two lifelines.
    pub lane_gap: u32,
}

impl Geometry {
    /// For a page or a file: the ruler, and room for every label.
    pub const WIDE: Geometry = Geometry {
        gutter: 64,
        side: 140,
        lane_gap: 250,
    };
    /// For a phone (about 360 px): no ruler, tighter margins.
    pub const COMPACT: Geometry = Geometry {
        gutter: 0,
        side: 96,
        lane_gap: 168,
    };
}

/// A lifeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Lane {
    /// Its x.
    pub x: u32,
    /// The host's name, or `injected` for segments from outside the hosts.
    pub name: String,
    /// Labels go on this side of the lifeline: -1 left, 1 right.
    pub side: i8,
}

/// A tick of the time ruler.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tick {
    /// Its y.
    pub y: u32,
    /// The simulated time, µs.
    pub at: u64,
}

/// One thing to draw. `step` is the trace index at which it appears, so that the page can show
/// the run up to a cursor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Item {
    /// A segment from one lifeline to another (or lost on the way).
    Arrow {
        /// Trace index of its `Sent`.
        step: usize,
        /// Trace index of its `Delivered` or `Lost`, if any.
        end_step: Option<usize>,
        /// The segment's number in the run.
        seg: u64,
        /// Sending lane.
        from: usize,
        /// Receiving lane.
        to: usize,
        /// y at the sender.
        y0: u32,
        /// y at the receiver (for a lost segment, where it was lost).
        y1: u32,
        /// `SYN, ACK Seq=0 Ack=1`, with sequence numbers relative to each side's ISN.
        label: String,
        /// The flags as tcpdump writes them (`S.`), for styling.
        flags: String,
        /// Why it never arrived, if it did not.
        lost: Option<LossReason>,
        /// The segment was retransmitted (drawn dashed).
        retransmit: bool,
        /// The router held it (a delayed segment or duplicate).
        held: bool,
        /// A copy the network made of segment `seg`.
        copy: bool,
    },
    /// The host crashed or booted again, on its lifeline.
    Host {
        /// Trace index.
        step: usize,
        /// Lane.
        lane: usize,
        /// y.
        y: u32,
        /// `crashed` or `restarted`.
        what: HostEvent,
    },
    /// A connection's new state, on its host's lifeline.
    State {
        /// Trace index.
        step: usize,
        /// Lane.
        lane: usize,
        /// y.
        y: u32,
        /// The state (RFC 9293's name).
        state: State,
    },
    /// A socket call and its result.
    Call {
        /// Trace index.
        step: usize,
        /// Lane.
        lane: usize,
        /// y.
        y: u32,
        /// `connect()`, `accept()`: the call without its arguments.
        name: String,
        /// What it returned: `0`, `4`, `-1 ECONNREFUSED`.
        result: String,
    },
    /// A timer running from `y0` to `y1` (TIME-WAIT, FIN-WAIT-2, or a retransmission timer that
    /// fired).
    Timer {
        /// Trace index where it was armed.
        step: usize,
        /// Trace index where it fired or was ended, if it was.
        end_step: Option<usize>,
        /// Lane.
        lane: usize,
        /// y where it was armed.
        y0: u32,
        /// y where it fired or was ended (the diagram's end if it still runs).
        y1: u32,
        /// Which timer.
        timer: TimerKind,
        /// Its length as armed, µs.
        span_us: u64,
    },
    /// An idle stretch folded to a fixed height.
    Fold {
        /// Trace index of the first event after it.
        step: usize,
        /// y of its top.
        y: u32,
        /// The simulated time it stands for, µs.
        span_us: u64,
    },
}

/// What happened to a host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HostEvent {
    /// It crashed.
    Crashed,
    /// It booted again.
    Restarted,
}

/// The whole layout.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Diagram {
    /// Width in px.
    pub width: u32,
    /// Height in px.
    pub height: u32,
    /// The lifelines.
    pub lanes: Vec<Lane>,
    /// The time ruler: one tick per instant (drawn only where a gutter is).
    pub ticks: Vec<Tick>,
    /// The width of the ruler's gutter (0: none).
    pub gutter: u32,
    /// Everything else, in trace order.
    pub items: Vec<Item>,
}

/// Per-direction ISNs, for relative sequence numbers as Wireshark shows them (keyed as on the
/// outside wire); and the public endpoint a NAT gave each inside one, so that both ends of a
/// translated connection count from the same ISNs, as a capture at the server would.
///
/// The ISNs are a hash table (only looked up, never iterated, so its order reaches nothing): a
/// window late in a large run notes the SYNs of every connection before it, tens of thousands.
#[derive(Default)]
struct Isns(
    hashbrown::HashMap<(Endpoint, Endpoint), u32, rustc_hash::FxBuildHasher>,
    Vec<(Endpoint, Endpoint)>,
);

impl Isns {
    /// A NAT rewrote a segment sent as `before` into `after`: the inside endpoint appears
    /// outside as the public one.
    fn translated(&mut self, before: &Segment, after: &Segment) {
        let (inside, public) = if before.src != after.src {
            // A SYN's ISN was noted before the NAT gave it its public endpoint.
            if let Some(isn) = self.0.get(&(before.src, before.dst)).copied() {
                self.0.insert((after.src, after.dst), isn);
            }
            (before.src, after.src)
        } else {
            (after.dst, before.dst)
        };
        // (A short list: one entry per inside endpoint, a few per run.)
        match self.1.iter_mut().find(|(i, _)| *i == inside) {
            Some(entry) => entry.1 = public,
            None => self.1.push((inside, public)),
        }
    }

    /// The direction's key as on the outside wire; a SYN notes its ISN.
    fn note(&mut self, seg: &Segment) -> (Endpoint, Endpoint) {
        let outside = |ep: Endpoint| {
            self.1
                .iter()
                .find(|(i, _)| *i == ep)
                .map_or(ep, |(_, p)| *p)
        };
        let key = (outside(seg.src), outside(seg.dst));
        if seg.flags.syn() {
            self.0.insert(key, seg.seq.0);
        }
        key
    }

    fn label(&mut self, seg: &Segment) -> String {
        let key = self.note(seg);
        let seq = match self.0.get(&key) {
            Some(isn) => seg.seq.0.wrapping_sub(*isn),
            None => seg.seq.0,
        };
        let mut s = String::new();
        let names = [
            (seg.flags.fin(), "FIN"),
            (seg.flags.syn(), "SYN"),
            (seg.flags.rst(), "RST"),
            (seg.flags.psh(), "PSH"),
            (seg.flags.ack(), "ACK"),
        ];
        for (on, name) in names {
            if on {
                if !s.is_empty() {
                    s.push_str(", ");
                }
                s.push_str(name);
            }
        }
        let _ = write!(s, " Seq={seq}");
        if seg.flags.ack() {
            let ack = match self.0.get(&(key.1, key.0)) {
                Some(isn) => seg.ack.0.wrapping_sub(*isn),
                None => seg.ack.0,
            };
            let _ = write!(s, " Ack={ack}");
        }
        if !seg.payload.is_empty() {
            let _ = write!(s, " Len={}", seg.payload.len());
        }
        s
    }
}

/// Which events the diagram draws.
fn drawn(kind: &EventKind) -> bool {
    match kind {
        EventKind::Sent { .. }
        | EventKind::Delivered { .. }
        | EventKind::Lost { .. }
        | EventKind::TimerArmed { .. }
        | EventKind::TimerFired { .. }
        | EventKind::Returned { .. }
        | EventKind::Duplicated { .. }
        | EventKind::Held { .. }
        | EventKind::Crashed
        | EventKind::Restarted => true,
        EventKind::Call { result, .. } => *result != CallResult::Blocked,
        EventKind::State { from, to, .. } => from != to,
        _ => false,
    }
}

/// Does the event take a row of its own on its lifeline?
fn takes_row(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Sent { .. }
            | EventKind::Delivered { .. }
            | EventKind::State { .. }
            | EventKind::Call { .. }
            | EventKind::Returned { .. }
            | EventKind::Crashed
            | EventKind::Restarted
    )
}

/// The call's name as the diagram shows it: `connect()`.
fn call_name(call: &Call) -> String {
    let full = call.to_string();
    match full.split_once('(') {
        Some((name, _)) => format!("{name}()"),
        None => full,
    }
}

/// `0`, `4`, `-1 ECONNREFUSED`, `100 bytes`.
fn call_result(call: &Call, result: &CallResult) -> String {
    match (call, result) {
        (_, CallResult::Err { errno }) => format!("-1 {}", errno.name()),
        (_, CallResult::Data { data }) => format!("{}", data.len()),
        (_, other) => other.to_string(),
    }
}

struct Open {
    step: usize,
    y: u32,
    span_us: u64,
    fired_before: bool,
}

/// Lays out a trace with [`Geometry::WIDE`]. `hosts` names the hosts by their index; segments
/// injected from outside get a lane of their own, at the right.
pub fn layout(trace: &[Event], hosts: &[&str]) -> Diagram {
    layout_with(trace, hosts, Geometry::WIDE)
}

/// Lays out a trace with the given geometry.
pub fn layout_with(trace: &[Event], hosts: &[&str], g: Geometry) -> Diagram {
    lay(trace, 0, hosts, &[], g)
}

/// Lays out a run: its hosts' names, and their addresses so that a segment to a host that never
/// sent anything (one that is down, say) still points at its lane.
pub fn layout_of(sim: &synack_core::sim::Sim, g: Geometry) -> Diagram {
    layout_window(sim, 0..sim.trace().len(), g)
}

/// Lays out the part `window` (trace indices) of a run, as [`layout_of`] lays out the whole:
/// items carry their index in the whole trace, sequence numbers count from the ISNs of SYNs
/// before the window, and the lanes are the whole run's. Segments sent before the window and
/// timers armed before it are left out; those still open at its end run to its bottom. For
/// the page's large runs, drawn a window at a time.
pub fn layout_window(
    sim: &synack_core::sim::Sim,
    window: core::ops::Range<usize>,
    g: Geometry,
) -> Diagram {
    let names: Vec<&str> = sim.hosts().iter().map(|h| h.name()).collect();
    let addrs: Vec<synack_core::wire::Ipv4> = sim.hosts().iter().map(|h| h.addr()).collect();
    let trace = sim.trace();
    let end = window.end.min(trace.len());
    lay(
        trace.get(..end).unwrap_or(trace),
        window.start.min(end),
        &names,
        &addrs,
        g,
    )
}

/// Lays out `trace[from..]`, `trace[..from]` read only for the ISNs and the NAT's endpoints.
fn lay(
    trace: &[Event],
    from: usize,
    hosts: &[&str],
    addrs: &[synack_core::wire::Ipv4],
    g: Geometry,
) -> Diagram {
    let injected = trace
        .iter()
        .any(|e| e.host().is_none() && matches!(e.kind, EventKind::Sent { .. }));
    let mut lanes: Vec<Lane> = hosts
        .iter()
        .enumerate()
        .map(|(i, name)| Lane {
            x: g.gutter + g.side + g.lane_gap * u32::try_from(i).unwrap_or(0),
            name: name.to_string(),
            side: if i == 0 { -1 } else { 1 },
        })
        .collect();
    if injected {
        let x = g.gutter + g.side + g.lane_gap * u32::try_from(lanes.len()).unwrap_or(0);
        lanes.push(Lane {
            x,
            name: String::from("injected"),
            side: 1,
        });
    }
    let injected_lane = lanes.len().saturating_sub(1);
    // Each host's addresses: as given, else from the segments its stack sent.
    // A short list (an address or two per host), not a map: a map type of its own is about a
    // kilobyte of the page's wasm.
    let mut lane_of_ip: Vec<(synack_core::wire::Ipv4, usize)> = Vec::new();
    for (i, a) in addrs.iter().enumerate() {
        let lane = i.min(injected_lane);
        match lane_of_ip.iter_mut().find(|(ip, _)| ip == a) {
            Some(entry) => entry.1 = lane,
            None => lane_of_ip.push((*a, lane)),
        }
    }
    for e in trace {
        if let (Some(h), EventKind::Sent { seg, .. }) = (e.host(), &e.kind)
            && !lane_of_ip.iter().any(|(ip, _)| *ip == seg.src.ip)
        {
            lane_of_ip.push((seg.src.ip, usize::from(h.0).min(injected_lane)));
        }
    }
    let lane_of = |e: &Event| -> usize {
        match e.host() {
            Some(h) => usize::from(h.0).min(lanes.len().saturating_sub(1)),
            None => injected_lane,
        }
    };

    let mut d = Diagram {
        lanes: lanes.clone(),
        ..Diagram::default()
    };
    let mut isns = Isns::default();
    // Open arrows by segment id: (item index).
    let mut arrows = ArrowIndex::default();
    // Running timers by (lane, connection, timer).
    let mut timers: BTreeMap<(usize, String, TimerKind), Open> = BTreeMap::new();
    let mut y = TOP_PX;
    let mut instant: Option<u64> = None;
    let mut rows: Vec<u32> = alloc::vec![0; lanes.len()];
    let mut row_h = LINE_PX;

    // The last segment sent: a NAT's translation of it comes right after.
    let mut last_sent: Option<(SegId, &Segment)> = None;
    for (step, e) in trace.iter().enumerate() {
        match &e.kind {
            EventKind::Sent { id, seg, .. } => {
                last_sent = Some((*id, seg));
                if step < from {
                    isns.note(seg);
                }
            }
            EventKind::Translated { id, seg } => {
                if let Some((_, before)) = last_sent.filter(|(sent, _)| sent == id) {
                    isns.translated(before, seg);
                }
            }
            _ => {}
        }
        if step < from || !drawn(&e.kind) {
            continue;
        }
        let at = e.at().micros();
        if instant != Some(at) {
            if let Some(prev) = instant {
                y += row_h;
                let gap = at.saturating_sub(prev);
                if gap > FOLD_AFTER_US {
                    d.items.push(Item::Fold {
                        step,
                        y,
                        span_us: gap,
                    });
                    y += FOLD_PX;
                } else {
                    y += u32::try_from(gap * u64::from(PX_PER_MS) / 1000).unwrap_or(0);
                }
            }
            instant = Some(at);
            rows.iter_mut().for_each(|r| *r = 0);
            row_h = LINE_PX;
            d.ticks.push(Tick { y, at });
        }
        let lane = lane_of(e);
        let row = rows.get(lane).copied().unwrap_or(0);
        let ey = y + row * LINE_PX;
        if takes_row(&e.kind)
            && let Some(r) = rows.get_mut(lane)
        {
            *r += 1;
            row_h = row_h.max(*r * LINE_PX);
        }
        match &e.kind {
            EventKind::Sent { id, seg, cause } => {
                // Towards the host that owns the destination address; an address no host owns
                // (a spoofed source's) is outside, in the injected lane when there is one.
                let to = match lane_of_ip.iter().find(|(ip, _)| *ip == seg.dst.ip) {
                    Some((_, l)) => *l,
                    None if injected && lane != injected_lane => injected_lane,
                    None => usize::from(lanes.len() > 1 && lane == 0),
                };
                arrows.insert(id.0, d.items.len());
                d.items.push(Item::Arrow {
                    step,
                    end_step: None,
                    seg: id.0,
                    from: lane,
                    to,
                    y0: ey,
                    y1: ey,
                    label: isns.label(seg),
                    flags: seg.flags.to_string(),
                    lost: None,
                    retransmit: matches!(
                        cause,
                        synack_core::trace::SendCause::Retransmit
                            | synack_core::trace::SendCause::SynAckRetransmit
                    ),
                    held: false,
                    copy: false,
                });
            }
            EventKind::Duplicated { id, copy } => {
                // The copy leaves with the original, from the same place.
                let original = arrows.get(id.0).and_then(|i| d.items.get(i)).cloned();
                if let Some(Item::Arrow {
                    from,
                    to,
                    y0,
                    label,
                    flags,
                    retransmit,
                    ..
                }) = original
                {
                    arrows.insert(copy.0, d.items.len());
                    d.items.push(Item::Arrow {
                        step,
                        end_step: None,
                        seg: copy.0,
                        from,
                        to,
                        y0,
                        y1: y0,
                        label,
                        flags,
                        lost: None,
                        retransmit,
                        held: false,
                        copy: true,
                    });
                }
            }
            EventKind::Held { id, .. } => {
                if let Some(Item::Arrow { held, .. }) =
                    arrows.get(id.0).and_then(|i| d.items.get_mut(i))
                {
                    *held = true;
                }
            }
            EventKind::Crashed | EventKind::Restarted => {
                d.items.push(Item::Host {
                    step,
                    lane,
                    y: ey,
                    what: if matches!(e.kind, EventKind::Crashed) {
                        HostEvent::Crashed
                    } else {
                        HostEvent::Restarted
                    },
                });
                // A crash ends every timer of the host: TIME-WAIT's bars stop here, a
                // retransmission timer that never fired was never drawn.
                let ended: Vec<(usize, String, TimerKind)> = timers
                    .keys()
                    .filter(|(l, _, _)| *l == lane)
                    .cloned()
                    .collect();
                for key in ended {
                    if let Some(open) = timers.remove(&key)
                        && matches!(key.2, TimerKind::TimeWait | TimerKind::FinWait2)
                    {
                        close_timer(&mut d, open, step, ey, lane, key.2);
                    }
                }
            }
            EventKind::Delivered { id } => {
                if let Some(Item::Arrow {
                    end_step, to, y1, ..
                }) = arrows.remove(id.0).and_then(|i| d.items.get_mut(i))
                {
                    *end_step = Some(step);
                    *to = lane;
                    *y1 = ey;
                }
            }
            EventKind::Lost { id, reason } => {
                if let Some(Item::Arrow {
                    end_step, lost, y1, ..
                }) = arrows.remove(id.0).and_then(|i| d.items.get_mut(i))
                {
                    *end_step = Some(step);
                    *lost = Some(*reason);
                    *y1 += LINE_PX;
                }
            }
            EventKind::State { from, to, .. } if from == to => {
                // A mini socket taking over the state of the full one: nothing changes.
            }
            EventKind::State { conn, from, to } => {
                d.items.push(Item::State {
                    step,
                    lane,
                    y: ey,
                    state: *to,
                });
                // Leaving TIME-WAIT or FIN-WAIT-2 ends its timer.
                for timer in [TimerKind::TimeWait, TimerKind::FinWait2] {
                    if (*from == State::TimeWait && timer == TimerKind::TimeWait)
                        || (*from == State::FinWait2 && timer == TimerKind::FinWait2)
                    {
                        let key = (lane, conn.to_string(), timer);
                        if let Some(open) = timers.remove(&key) {
                            close_timer(&mut d, open, step, ey, lane, timer);
                        }
                    }
                }
            }
            EventKind::Call { call, result, .. } | EventKind::Returned { call, result, .. } => {
                d.items.push(Item::Call {
                    step,
                    lane,
                    y: ey,
                    name: call_name(call),
                    result: call_result(call, result),
                });
            }
            EventKind::TimerArmed { conn, timer, at } => {
                if *timer == TimerKind::DelayedAck {
                    continue;
                }
                let key = (lane, conn.to_string(), *timer);
                let span_us = at.micros().saturating_sub(e.at().micros());
                let fired_before = match timers.remove(&key) {
                    // Re-armed: a TIME-WAIT restarted, a backed-off retransmission.
                    Some(open) if matches!(timer, TimerKind::TimeWait | TimerKind::FinWait2) => {
                        close_timer(&mut d, open, step, ey, lane, *timer);
                        false
                    }
                    Some(open) => open.fired_before,
                    None => false,
                };
                timers.insert(
                    key,
                    Open {
                        step,
                        y: ey,
                        span_us,
                        fired_before,
                    },
                );
            }
            EventKind::TimerFired { conn, timer } => {
                let key = (lane, conn.to_string(), *timer);
                if let Some(open) = timers.remove(&key) {
                    close_timer(&mut d, open, step, ey, lane, *timer);
                    // A retransmission timer is re-armed right after it fires.
                    if matches!(timer, TimerKind::Retransmit | TimerKind::Request) {
                        timers.insert(
                            key,
                            Open {
                                step,
                                y: ey,
                                span_us: 0,
                                fired_before: true,
                            },
                        );
                    }
                }
            }
            _ => {}
        }
    }
    let end = y + row_h + LINE_PX;
    // Timers still running at the end: TIME-WAIT and FIN-WAIT-2 run on past the diagram; an
    // armed retransmission timer that never fired was stopped by an ACK and is not drawn.
    for ((lane, _, timer), open) in timers {
        if matches!(timer, TimerKind::TimeWait | TimerKind::FinWait2) {
            d.items.push(Item::Timer {
                step: open.step,
                end_step: None,
                lane,
                y0: open.y,
                y1: end,
                timer,
                span_us: open.span_us,
            });
        }
    }
    // Arrows never delivered nor lost (still in flight when the run stopped).
    for i in arrows.into_values() {
        if let Some(Item::Arrow { y1, .. }) = d.items.get_mut(i) {
            *y1 = end;
        }
    }
    d.height = end + LINE_PX;
    d.width = d.lanes.last().map_or(0, |l| l.x) + g.side;
    d.gutter = g.gutter;
    d
}

fn close_timer(d: &mut Diagram, open: Open, step: usize, y: u32, lane: usize, timer: TimerKind) {
    // Retransmission timers are drawn only once they fire: an ACK stops most of them silently.
    let fired = step != open.step;
    if matches!(timer, TimerKind::Retransmit | TimerKind::Request) && !fired {
        return;
    }
    d.items.push(Item::Timer {
        step: open.step,
        end_step: Some(step),
        lane,
        y0: open.y,
        y1: y,
        timer,
        span_us: open.span_us,
    });
}

/// `1.5 s`, `40 ms`, `250 µs`: the length of a gap or a timer, in English.
pub fn span_text(us: u64) -> String {
    if us >= 1_000_000 {
        let tenths = (us + 50_000) / 100_000;
        if tenths.is_multiple_of(10) {
            format!("{} s", tenths / 10)
        } else {
            format!("{}.{} s", tenths / 10, tenths % 10)
        }
    } else if us >= 1000 {
        format!("{} ms", (us + 500) / 1000)
    } else {
        format!("{us} µs")
    }
}

/// `0.105 s`: a ruler tick.
pub fn tick_text(us: u64) -> String {
    format!("{}.{:03} s", us / 1_000_000, (us % 1_000_000) / 1000)
}

/// How far a segment to its own host (loopback) loops out from the lifeline (the page's
/// `SELF_LOOP_PX`).
pub const SELF_LOOP_PX: i64 = 26;

/// The dash pattern of a held or retransmitted segment's line.
fn arrow_dash(held: bool, retransmit: bool) -> &'static str {
    if held {
        " stroke-dasharray=\"1 3\""
    } else if retransmit {
        " stroke-dasharray=\"5 3\""
    } else {
        ""
    }
}

fn escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

impl Diagram {
    /// The whole diagram as a standalone SVG document, in English (`synack run ID --format svg`).
    pub fn to_svg(&self) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"11\">\n\
             <defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" fill=\"#333\"/></marker></defs>\n\
             <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n",
            w = self.width,
            h = self.height
        );
        for lane in &self.lanes {
            let _ = writeln!(
                s,
                "<g class=\"lane\"><text x=\"{x}\" y=\"{ty}\" text-anchor=\"middle\" font-weight=\"bold\" font-size=\"13\">{name}</text>\
                 <line x1=\"{x}\" y1=\"{y0}\" x2=\"{x}\" y2=\"{y1}\" stroke=\"#999\"/></g>",
                x = lane.x,
                ty = TOP_PX - 20,
                name = escape(&lane.name),
                y0 = TOP_PX - 10,
                y1 = self.height - LINE_PX
            );
        }
        let mut last_tick: Option<u32> = None;
        for t in self.ticks.iter().filter(|_| self.gutter > 0) {
            if last_tick.is_some_and(|ly| t.y < ly + LINE_PX) {
                continue;
            }
            last_tick = Some(t.y);
            let _ = writeln!(
                s,
                "<text class=\"tick\" x=\"4\" y=\"{}\" fill=\"#888\" font-size=\"10\">{}</text>",
                t.y + 4,
                tick_text(t.at)
            );
        }
        // Folds first, so that arrows and labels are drawn over their band.
        let (folds, rest): (Vec<&Item>, Vec<&Item>) = self
            .items
            .iter()
            .partition(|i| matches!(i, Item::Fold { .. }));
        for item in folds.into_iter().chain(rest) {
            self.item_svg(&mut s, item);
        }
        s.push_str("</svg>\n");
        s
    }

    /// Where a fold's label goes: between the first and the last host's lifelines (the
    /// injected lane aside).
    pub fn fold_x(&self) -> u32 {
        let last = self.lanes.iter().rev().find(|l| l.name != "injected");
        match (self.lanes.first(), last.filter(|_| self.lanes.len() > 1)) {
            (Some(a), Some(b)) => (a.x + b.x) / 2,
            (Some(a), None) => a.x,
            _ => self.width / 2,
        }
    }

    fn lane_x(&self, lane: usize) -> i64 {
        self.lanes.get(lane).map_or(0, |l| i64::from(l.x))
    }

    fn side(&self, lane: usize) -> i64 {
        self.lanes.get(lane).map_or(1, |l| i64::from(l.side))
    }

    fn item_svg(&self, s: &mut String, item: &Item) {
        match item {
            Item::Arrow {
                from,
                to,
                y0,
                y1,
                label,
                lost,
                retransmit,
                held,
                seg,
                ..
            } => {
                let x0 = self.lane_x(*from);
                let mut x1 = self.lane_x(*to);
                if lost.is_some() {
                    x1 = x0 + (x1 - x0) / 2;
                }
                let (y0, y1) = (i64::from(*y0), i64::from(*y1));
                let dash = arrow_dash(*held, *retransmit);
                let head = if lost.is_some() {
                    ""
                } else {
                    " marker-end=\"url(#head)\""
                };
                // A segment to its own host (loopback) is drawn as the page draws it
                // (`www/src/diagram.js`): a bracket out to the left of the lifeline and back,
                // its label left of the bracket.
                let (shape, tx, ty, anchor) = if from == to {
                    let bx = x0 - SELF_LOOP_PX;
                    (
                        format!(
                            "<polyline points=\"{x0},{y0} {bx},{y0} {bx},{y1} {x0},{y1}\" fill=\"none\""
                        ),
                        bx - 4,
                        (y0 + y1) / 2 + 4,
                        "end",
                    )
                } else {
                    (
                        format!("<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x1}\" y2=\"{y1}\""),
                        (x0 + x1) / 2,
                        (y0 + y1) / 2 - 4,
                        "middle",
                    )
                };
                let _ = write!(
                    s,
                    "<g class=\"arrow\" data-seg=\"{seg}\">{shape} stroke=\"#333\"{dash}{head}/>\
                     <text x=\"{tx}\" y=\"{ty}\" text-anchor=\"{anchor}\" paint-order=\"stroke\" stroke=\"#fff\" stroke-width=\"4\">{label}</text>",
                    label = escape(label)
                );
                if lost.is_some() {
                    let _ = write!(
                        s,
                        "<text x=\"{x1}\" y=\"{}\" text-anchor=\"middle\" fill=\"#c00\" font-size=\"14\">✕</text>",
                        y1 + 5
                    );
                }
                s.push_str("</g>\n");
            }
            Item::State { lane, y, state, .. } => {
                let x = self.lane_x(*lane) + self.side(*lane) * 8;
                let anchor = if self.side(*lane) < 0 { "end" } else { "start" };
                let _ = writeln!(
                    s,
                    "<text class=\"state\" x=\"{x}\" y=\"{}\" text-anchor=\"{anchor}\" font-weight=\"bold\" fill=\"#05a\">{}</text>",
                    y + 4,
                    state.rfc_name()
                );
            }
            Item::Call {
                lane,
                y,
                name,
                result,
                ..
            } => {
                let x = self.lane_x(*lane) + self.side(*lane) * 8;
                let anchor = if self.side(*lane) < 0 { "end" } else { "start" };
                let _ = writeln!(
                    s,
                    "<text class=\"call\" x=\"{x}\" y=\"{}\" text-anchor=\"{anchor}\" fill=\"#555\" font-family=\"monospace\" font-size=\"10\">{} = {}</text>",
                    y + 4,
                    escape(name),
                    escape(result)
                );
            }
            Item::Timer {
                lane,
                y0,
                y1,
                timer,
                span_us,
                ..
            } => {
                let x = self.lane_x(*lane) - self.side(*lane) * 6;
                let _ = writeln!(
                    s,
                    "<g class=\"timer\"><rect x=\"{}\" y=\"{y0}\" width=\"4\" height=\"{}\" fill=\"#e90\" opacity=\"0.7\"/>\
                     <title>{timer} timer, {}</title></g>",
                    x - 2,
                    y1.saturating_sub(*y0).max(2),
                    span_text(*span_us)
                );
            }
            Item::Host { lane, y, what, .. } => {
                let x = self.lane_x(*lane) + self.side(*lane) * 8;
                let anchor = if self.side(*lane) < 0 { "end" } else { "start" };
                let text = match what {
                    HostEvent::Crashed => "✕ crashed",
                    HostEvent::Restarted => "↻ rebooted",
                };
                let _ = writeln!(
                    s,
                    "<text class=\"host\" x=\"{x}\" y=\"{}\" text-anchor=\"{anchor}\" font-weight=\"bold\" fill=\"#c00\">{text}</text>",
                    y + 4
                );
            }
            Item::Fold { y, span_us, .. } => {
                let _ = writeln!(
                    s,
                    "<g class=\"fold\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#f4f4f4\"/>\
                     <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#777\">⋯ {} ⋯</text></g>",
                    self.gutter,
                    y + 6,
                    self.width.saturating_sub(self.gutter),
                    FOLD_PX - 12,
                    self.fold_x(),
                    y + FOLD_PX / 2 + 4,
                    span_text(*span_us)
                );
            }
        }
    }
}

/// The item index of each segment's arrow, by segment id: a run numbers its segments 1, 2, 3...,
/// so a vector indexed by id does what a map would, in O(1) and without a map's code in the
/// page's wasm.
#[derive(Default)]
struct ArrowIndex(Vec<usize>);

impl ArrowIndex {
    const NONE: usize = usize::MAX;

    fn insert(&mut self, id: u64, item: usize) {
        let Ok(k) = usize::try_from(id) else {
            return;
        };
        if self.0.len() <= k {
            self.0.resize(k + 1, Self::NONE);
        }
        if let Some(slot) = self.0.get_mut(k) {
            *slot = item;
        }
    }

    fn get(&self, id: u64) -> Option<usize> {
        let i = *self.0.get(usize::try_from(id).ok()?)?;
        (i != Self::NONE).then_some(i)
    }

    fn remove(&mut self, id: u64) -> Option<usize> {
        let slot = self.0.get_mut(usize::try_from(id).ok()?)?;
        let i = core::mem::replace(slot, Self::NONE);
        (i != Self::NONE).then_some(i)
    }

    /// The open arrows' items, in segment order.
    fn into_values(self) -> impl Iterator<Item = usize> {
        self.0.into_iter().filter(|i| *i != Self::NONE)
    }
}
