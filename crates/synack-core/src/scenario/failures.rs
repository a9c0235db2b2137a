//! The catalogue's timer and failure rows (core 2): SYN schedules, an orphan's FIN-WAIT-2, a
//! crashed peer, fixed ISNs and stale duplicates, aborts. Each builds hosts' scripts (with the
//! machine's own crash and reboot steps) and router rules, and computes its outcome from the
//! trace.

use super::{
    Build, CLIENT, Fact, Params, SERVER_EP, Setting, connector, fact, listener, machine, step,
};
use crate::counters::Counter;
use crate::net::Rule;
use crate::sim::{Op, Sim, Step};
use crate::socket::{Call, CallResult, Errno};
use crate::tcp::{IsnStrategy, State};
use crate::time::{Duration, Instant};
use crate::trace::{EventKind, HostId};
use crate::wire::Endpoint;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// The client's port in scenarios where it reconnects from the same one (an explicit bind).
pub const CLIENT_PORT: u16 = 40000;
/// The ISN of `IsnStrategy::Fixed` in these scenarios: near 2^32, so the run crosses the wrap.
pub const FIXED_ISN: u32 = 4_294_967_000;

/// The `isn` setting: how both hosts choose initial sequence numbers.
pub const ISN: Setting = Setting {
    name: "isn",
    help: "how the host picks ISNs: rfc6528 (Linux: keyed hash + clock), fixed (a constant), clock (RFC 793's 4 µs clock), random",
    default: 1,
    min: 0,
    max: 3,
    choices: &["rfc6528", "fixed", "clock", "random"],
};

/// The strategy the `isn` setting names.
pub fn isn_strategy(v: u64) -> IsnStrategy {
    match v {
        1 => IsnStrategy::Fixed(FIXED_ISN),
        2 => IsnStrategy::Clock4us,
        3 => IsnStrategy::Random,
        _ => IsnStrategy::Rfc6528,
    }
}

fn client_ep() -> Endpoint {
    Endpoint::new(CLIENT, CLIENT_PORT)
}

/// socket, SO_REUSEADDR, bind to the client's fixed port, connect (blocking), after `after_ms`.
fn bound_connector(after_ms: u64) -> Vec<Step> {
    alloc::vec![
        step(after_ms, Call::Socket),
        step(0, Call::SetReuseAddr { fd: 3, on: true }),
        step(
            0,
            Call::Bind {
                fd: 3,
                addr: client_ep()
            }
        ),
        step(
            0,
            Call::Connect {
                fd: 3,
                addr: SERVER_EP
            }
        ),
    ]
}

#[allow(clippy::box_collection)]
fn data(len: usize) -> alloc::boxed::Box<Vec<u8>> {
    alloc::boxed::Box::new((0..len).map(|i| b'a' + (i % 26) as u8).collect())
}

/// Seconds, as the outcome prints them: `63`, `0.008`.
pub(super) fn secs(d: Duration) -> String {
    let us = d.micros();
    if us.is_multiple_of(1_000_000) {
        format!("{}", us / 1_000_000)
    } else {
        let s = format!("{}.{:06}", us / 1_000_000, us % 1_000_000);
        String::from(s.trim_end_matches('0'))
    }
}

/// When host `h` sent segments matching `which`.
pub(super) fn sent_at(
    sim: &Sim,
    h: u16,
    which: impl Fn(&crate::wire::Segment) -> bool,
) -> Vec<Instant> {
    sim.trace()
        .iter()
        .filter(|e| e.host() == Some(HostId(h)))
        .filter_map(|e| match &e.kind {
            EventKind::Sent { seg, .. } if which(seg) => Some(e.at()),
            _ => None,
        })
        .collect()
}

/// `0, 1, 3, 7 s`: times relative to the first.
fn schedule(times: &[Instant]) -> String {
    let Some(first) = times.first() else {
        return String::from("none");
    };
    let parts: Vec<String> = times.iter().map(|t| secs(*t - *first)).collect();
    format!("{} s", parts.join(", "))
}

/// The first result of a call matching `which` on host `h`, and when it came.
pub(super) fn result_of(
    sim: &Sim,
    h: u16,
    which: impl Fn(&Call) -> bool,
) -> Option<(Instant, CallResult)> {
    sim.trace()
        .iter()
        .filter(|e| e.host() == Some(HostId(h)))
        .find_map(|e| match &e.kind {
            EventKind::Call { call, result, .. } | EventKind::Returned { call, result, .. }
                if which(call) && *result != CallResult::Blocked =>
            {
                Some((e.at(), result.clone()))
            }
            _ => None,
        })
}

pub(super) fn show(r: &CallResult) -> String {
    match r {
        CallResult::Err { errno } => String::from(errno.name()),
        CallResult::Data { data } => format!("{} bytes", data.len()),
        other => format!("{other}"),
    }
}

/// Bytes host `h`'s application read from descriptor `fd` after its `nth` (from 1) successful
/// accept() (a descriptor number is reused once closed).
fn bytes_read_on_accepted(sim: &Sim, h: u16, fd: i32, nth: usize) -> usize {
    let since = sim
        .trace()
        .iter()
        .filter(|e| e.host() == Some(HostId(h)))
        .filter(|e| {
            matches!(
                &e.kind,
                EventKind::Call {
                    call: Call::Accept { .. },
                    result: CallResult::Ok { .. },
                    ..
                } | EventKind::Returned {
                    call: Call::Accept { .. },
                    result: CallResult::Ok { .. },
                    ..
                }
            )
        })
        .nth(nth.saturating_sub(1))
        .map(|e| e.at());
    let Some(since) = since else {
        return 0;
    };
    sim.trace()
        .iter()
        .filter(|e| e.host() == Some(HostId(h)) && e.at() >= since)
        .filter_map(|e| match &e.kind {
            EventKind::Call {
                call: Call::Read { fd: f, .. },
                result: CallResult::Data { data },
                ..
            }
            | EventKind::Returned {
                call: Call::Read { fd: f, .. },
                result: CallResult::Data { data },
                ..
            } if *f == fd => Some(data.len()),
            _ => None,
        })
        .sum()
}

pub(super) fn counter(sim: &Sim, h: u16, c: Counter) -> u64 {
    sim.host(HostId(h)).map_or(0, |host| host.counters().get(c))
}

// ============================================================================
// synack-timeout
// ============================================================================

/// A client that connects at `ms` (a blocking connect to the server).
pub(super) fn connect_at(ms: u64) -> Vec<Step> {
    alloc::vec![
        step(ms, Call::Socket),
        step(
            0,
            Call::Connect {
                fd: 3,
                addr: SERVER_EP
            }
        ),
    ]
}

/// The client sends a SYN and vanishes (its host crashes); the server's request timer
/// retransmits the SYN-ACK and drops the request (`reqsk_timer_handler`).
pub fn synack_timeout_build(_: &Params) -> Build {
    let mut server = listener(128);
    server.push(step(0, Call::Accept { fd: 3 }));
    Build {
        // The SYN leaves at 11 ms and reaches the server at 16 ms, on a jiffy boundary (HZ
        // 250), so that its timer's seconds come out whole; the client is gone before the
        // SYN-ACK arrives at 21 ms.
        threads: alloc::vec![connect_at(11), server],
        machine: alloc::vec![alloc::vec![machine(13, Op::Crash)]],
        rules: Vec::new(),
        attack: None,
        nat: None,
    }
}

/// SYN-ACK times and when the request left the SYN queue.
pub fn synack_timeout_outcome(sim: &Sim, _: &Params) -> Vec<Fact> {
    let synacks = sent_at(sim, 1, |s| s.flags.syn() && s.flags.ack());
    let gone = sim.trace().iter().find_map(|e| match e.kind {
        EventKind::State {
            from: State::SynReceived,
            to: State::Closed,
            ..
        } if e.host() == Some(HostId(1)) => Some(e.at()),
        _ => None,
    });
    alloc::vec![
        fact("synack_times", schedule(&synacks)),
        fact(
            "request_dropped_after",
            match (synacks.first(), gone) {
                (Some(first), Some(at)) => format!("{} s", secs(at - *first)),
                _ => String::from("never"),
            }
        ),
        fact("syn_queue_left", counter_queue(sim)),
    ]
}

/// The listener's SYN queue length at the end.
fn counter_queue(sim: &Sim) -> u32 {
    sim.trace()
        .iter()
        .rev()
        .find_map(|e| match e.kind {
            EventKind::Queues { syn_queue, .. } if e.host() == Some(HostId(1)) => Some(syn_queue),
            _ => None,
        })
        .unwrap_or(0)
}

// ============================================================================
// syn-retries
// ============================================================================

/// The server's host is down; the client's SYN is retransmitted until connect() gives up.
pub fn syn_retries_build(_: &Params) -> Build {
    Build {
        // The SYN leaves at 12 ms, on a jiffy boundary (HZ 250): its timer's seconds come out
        // whole.
        threads: alloc::vec![connect_at(12), Vec::new()],
        machine: alloc::vec![Vec::new(), alloc::vec![machine(0, Op::Crash)]],
        rules: Vec::new(),
        attack: None,
        nat: None,
    }
}

/// SYN times and connect()'s end.
pub fn syn_retries_outcome(sim: &Sim, _: &Params) -> Vec<Fact> {
    let syns = sent_at(sim, 0, |s| s.flags.syn() && !s.flags.ack());
    let connect = result_of(sim, 0, |c| matches!(c, Call::Connect { .. }));
    alloc::vec![
        fact("syn_times", schedule(&syns)),
        fact(
            "connect",
            match (connect, syns.first()) {
                (Some((at, r)), Some(first)) =>
                    format!("{} after {} s", show(&r), secs(at - *first)),
                _ => String::from("blocked"),
            }
        ),
    ]
}

// ============================================================================
// fin-wait-2-timeout
// ============================================================================

/// The client closes; the server never does until `late_fin_s`: the client's orphaned
/// FIN-WAIT-2 ends after `tcp_fin_timeout`, and the late FIN meets no socket.
pub fn fin_wait_2_build(p: &Params) -> Build {
    let mut client = connector();
    client.push(step(1000, Call::Close { fd: 3 }));
    let mut server = listener(128);
    server.push(step(0, Call::Accept { fd: 3 }));
    server.push(step(0, Call::Read { fd: 4, len: 4096 }));
    server.push(step(
        p.get("late_fin_s").saturating_mul(1000),
        Call::Close { fd: 4 },
    ));
    Build::threads(alloc::vec![client, server])
}

/// How long FIN-WAIT-2 lasted, and what the late FIN got.
pub fn fin_wait_2_outcome(sim: &Sim, _: &Params) -> Vec<Fact> {
    let client = |from: State, to: State| {
        sim.trace().iter().find_map(|e| match e.kind {
            EventKind::State { from: f, to: t, .. }
                if e.host() == Some(HostId(0)) && f == from && t == to =>
            {
                Some(e.at())
            }
            _ => None,
        })
    };
    let start = client(State::FinWait1, State::FinWait2);
    let end = client(State::FinWait2, State::Closed);
    let server_fin = sent_at(sim, 1, |s| s.flags.fin()).first().copied();
    let answer = server_fin.and_then(|fin| {
        sim.trace()
            .iter()
            .filter(|e| e.host() == Some(HostId(0)) && e.at() >= fin)
            .find_map(|e| match &e.kind {
                EventKind::Sent { seg, .. } if seg.flags.rst() => Some("RST"),
                EventKind::Sent { .. } => Some("ACK"),
                _ => None,
            })
    });
    alloc::vec![
        fact(
            "fin_wait_2",
            match (start, end) {
                (Some(s), Some(e)) => format!("ended after {} s", secs(e - s)),
                (Some(_), None) => String::from("still there"),
                _ => String::from("never"),
            }
        ),
        fact("late_fin_answered_with", answer.unwrap_or("nothing")),
    ]
}

// ============================================================================
// half-open-crash
// ============================================================================

/// The client crashes at 2 s and boots at 3 s, while the server holds the connection; at 3.5 s
/// it connects again from the same port. With `server_writes=1` the server writes to the old
/// connection at 2.5 s first.
pub fn half_open_build(p: &Params) -> Build {
    let mut client = bound_connector(10);
    client.push(step(
        100,
        Call::Write {
            fd: 3,
            data: data(100),
        },
    ));
    let mut server = listener(128);
    server.push(step(0, Call::Accept { fd: 3 }));
    server.push(step(0, Call::Read { fd: 4, len: 4096 }));
    if p.get("server_writes") == 1 {
        server.push(step(
            2375,
            Call::Write {
                fd: 4,
                data: data(100),
            },
        ));
    }
    server.push(step(0, Call::Read { fd: 4, len: 4096 }));
    server.push(step(0, Call::Accept { fd: 3 }));
    let mut reboot = alloc::vec![machine(2000, Op::Crash), machine(1000, Op::Restart)];
    reboot.extend(bound_connector(500));
    Build {
        threads: alloc::vec![client, server],
        machine: alloc::vec![reboot],
        rules: Vec::new(),
        attack: None,
        nat: None,
    }
}

/// When the new connection was made, and what the server's application saw.
pub fn half_open_outcome(sim: &Sim, _: &Params) -> Vec<Fact> {
    let restarted = sim.trace().iter().find_map(|e| match e.kind {
        EventKind::Restarted => Some(e.at()),
        _ => None,
    });
    let syns: Vec<Instant> = sent_at(sim, 0, |s| s.flags.syn() && !s.flags.ack())
        .into_iter()
        .filter(|t| restarted.is_some_and(|r| *t >= r))
        .collect();
    let established = sim.trace().iter().rev().find_map(|e| match e.kind {
        EventKind::State {
            to: State::Established,
            ..
        } if e.host() == Some(HostId(0)) => Some(e.at()),
        _ => None,
    });
    let reads: Vec<CallResult> = sim
        .trace()
        .iter()
        .filter(|e| e.host() == Some(HostId(1)))
        .filter_map(|e| match &e.kind {
            EventKind::Call {
                call: Call::Read { fd: 4, .. },
                result,
                ..
            }
            | EventKind::Returned {
                call: Call::Read { fd: 4, .. },
                result,
                ..
            } if *result != CallResult::Blocked => Some(result.clone()),
            _ => None,
        })
        .collect();
    alloc::vec![
        fact(
            "new_connection",
            match (syns.first(), established) {
                (Some(first), Some(at)) if at >= *first => format!(
                    "ESTABLISHED {} s after its first SYN ({} SYNs)",
                    secs(at - *first),
                    syns.len()
                ),
                _ => String::from("not established"),
            }
        ),
        fact(
            "server_old_connection",
            reads.last().map_or(String::from("blocked"), show)
        ),
        fact("challenge_acks", counter(sim, 1, Counter::ChallengeAck)),
    ]
}

// ============================================================================
// isn-fixed
// ============================================================================

/// Connection 1 sends 10 segments, each duplicated by the network and the copy held for
/// `hold_s`; it closes; the client crashes (losing its TIME-WAIT), boots and connects again
/// from the same port; the copies are released into connection 2.
pub fn isn_fixed_build(p: &Params) -> Build {
    let mut client = bound_connector(10);
    for _ in 0..10 {
        client.push(step(
            100,
            Call::Write {
                fd: 3,
                data: data(100),
            },
        ));
    }
    client.push(step(500, Call::Close { fd: 3 }));
    let mut server = listener(128);
    server.push(step(0, Call::Accept { fd: 3 }));
    server.push(step(1400, Call::Read { fd: 4, len: 4096 }));
    server.push(step(0, Call::Read { fd: 4, len: 4096 }));
    server.push(step(0, Call::Close { fd: 4 }));
    server.push(step(0, Call::Accept { fd: 3 }));
    for _ in 0..10 {
        server.push(step(0, Call::Read { fd: 4, len: 4096 }));
    }
    let mut reboot = alloc::vec![machine(2000, Op::Crash), machine(500, Op::Restart)];
    reboot.extend(bound_connector(500));
    reboot.push(step(5000, Call::Close { fd: 3 }));
    let hold = Duration::from_secs(p.get("hold_s"));
    // The client's segments: 1 SYN, 2 ACK, 3..12 the data.
    let rules = (3..=12)
        .map(|nth| Rule::duplicate(HostId(0), nth, hold))
        .collect();
    Build {
        threads: alloc::vec![client, server],
        machine: alloc::vec![reboot],
        rules,
        attack: None,
        nat: None,
    }
}

/// How many bytes of connection 1 the server's application read on connection 2.
pub fn isn_fixed_outcome(sim: &Sim, _: &Params) -> Vec<Fact> {
    let released = sim
        .trace()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Released { .. }))
        .count();
    alloc::vec![
        fact("stale_copies_released", released),
        fact(
            "stale_bytes_read_on_connection_2",
            bytes_read_on_accepted(sim, 1, 4, 2)
        ),
    ]
}

// ============================================================================
// time-wait-stale-data
// ============================================================================

/// Connection 1 sends 100 bytes, duplicated, the copy held for `hold_s`; the client closes
/// first and reconnects from the same port at once, retrying every 10 s while TIME-WAIT (no
/// timestamps) refuses the 4-tuple.
pub fn stale_data_build(p: &Params) -> Build {
    let mut client = bound_connector(10);
    client.push(step(
        100,
        Call::Write {
            fd: 3,
            data: data(100),
        },
    ));
    client.push(step(900, Call::Close { fd: 3 }));
    client.extend(bound_connector(70));
    if let Some(connect) = client.last_mut() {
        connect.retry = Some((Duration::from_secs(10), 12));
    }
    // Connection 2 stays open past the copy's release.
    client.push(step(30_000, Call::Close { fd: 3 }));
    let mut server = listener(128);
    server.push(step(0, Call::Accept { fd: 3 }));
    server.push(step(0, Call::Read { fd: 4, len: 4096 }));
    server.push(step(0, Call::Read { fd: 4, len: 4096 }));
    server.push(step(0, Call::Close { fd: 4 }));
    server.push(step(0, Call::Accept { fd: 3 }));
    server.push(step(0, Call::Read { fd: 4, len: 4096 }));
    server.push(step(0, Call::Read { fd: 4, len: 4096 }));
    // The client's segments: 1 SYN, 2 ACK, 3 the data.
    let rules = alloc::vec![Rule::duplicate(
        HostId(0),
        3,
        Duration::from_secs(p.get("hold_s"))
    )];
    Build {
        threads: alloc::vec![client, server],
        machine: Vec::new(),
        rules,
        attack: None,
        nat: None,
    }
}

/// What each of host `h`'s `connect()` calls came to (at once, or when it returned), in order.
pub(super) fn connect_results(sim: &Sim, h: u16) -> Vec<(Instant, CallResult)> {
    sim.trace()
        .iter()
        .filter(|e| e.host() == Some(HostId(h)))
        .filter_map(|e| match &e.kind {
            EventKind::Call {
                call: Call::Connect { .. },
                result,
                ..
            }
            | EventKind::Returned {
                call: Call::Connect { .. },
                result,
                ..
            } if *result != CallResult::Blocked => Some((e.at(), result.clone())),
            _ => None,
        })
        .collect()
}

/// When the client could connect again, and whether connection 2 took the stale copy.
pub fn stale_data_outcome(sim: &Sim, _: &Params) -> Vec<Fact> {
    let connects = connect_results(sim, 0);
    let refused = connects
        .iter()
        .filter(|(_, r)| {
            *r == CallResult::Err {
                errno: Errno::EADDRNOTAVAIL,
            }
        })
        .count();
    let second = connects
        .iter()
        .skip(1)
        .find(|(_, r)| *r == CallResult::Ok { value: 0 });
    let fate = sim.trace().iter().find_map(|e| match e.kind {
        EventKind::Released { .. } => Some("released"),
        EventKind::Lost {
            reason: crate::trace::LossReason::Expired,
            ..
        } => Some("expired in the router"),
        _ => None,
    });
    alloc::vec![
        fact(
            "reconnected_at",
            second.map_or(String::from("never"), |(at, _)| format!(
                "{} s",
                secs(*at - Instant::ZERO)
            ))
        ),
        fact("reconnects_refused", refused),
        fact("stale_copy", fate.unwrap_or("none")),
        fact(
            "stale_bytes_read_on_connection_2",
            bytes_read_on_accepted(sim, 1, 4, 2)
        ),
    ]
}

// ============================================================================
// close-unread-data
// ============================================================================

/// The client sends 100 bytes; the server closes without reading them (or after, with
/// `read_first=1`).
pub fn unread_build(p: &Params) -> Build {
    let mut client = connector();
    client.push(step(
        100,
        Call::Write {
            fd: 3,
            data: data(100),
        },
    ));
    client.push(step(0, Call::Read { fd: 3, len: 4096 }));
    let mut server = listener(128);
    server.push(step(0, Call::Accept { fd: 3 }));
    if p.get("read_first") == 1 {
        server.push(step(0, Call::Read { fd: 4, len: 4096 }));
    }
    server.push(step(300, Call::Close { fd: 4 }));
    Build::threads(alloc::vec![client, server])
}

/// What the server sent on close, and what the client's read got.
pub fn unread_outcome(sim: &Sim, _: &Params) -> Vec<Fact> {
    let close = result_of(sim, 1, |c| matches!(c, Call::Close { .. }));
    let sent_on_close = close.and_then(|(at, _)| {
        sim.trace()
            .iter()
            .filter(|e| e.host() == Some(HostId(1)) && e.at() == at)
            .find_map(|e| match &e.kind {
                EventKind::Sent { seg, .. } if seg.flags.rst() => Some("RST"),
                EventKind::Sent { seg, .. } if seg.flags.fin() => Some("FIN"),
                _ => None,
            })
    });
    let read = result_of(sim, 0, |c| matches!(c, Call::Read { .. }));
    alloc::vec![
        fact("server_close_sent", sent_on_close.unwrap_or("nothing")),
        fact(
            "client_read",
            read.map_or(String::from("blocked"), |(_, r)| show(&r))
        ),
        fact("abort_on_close", counter(sim, 1, Counter::AbortOnClose)),
    ]
}

// ============================================================================
// so-linger-rst
// ============================================================================

/// The client writes 20000 bytes and closes at once; with `linger=1` it set
/// `SO_LINGER {on, 0}` first, the usual "fix" for TIME-WAIT.
pub fn linger_build(p: &Params) -> Build {
    let mut client = connector();
    if p.get("linger") == 1 {
        client.push(step(
            0,
            Call::SetLinger {
                fd: 3,
                on: true,
                secs: 0,
            },
        ));
    }
    client.push(step(
        100,
        Call::Write {
            fd: 3,
            data: data(20_000),
        },
    ));
    client.push(step(0, Call::Close { fd: 3 }));
    let mut server = listener(128);
    server.push(step(0, Call::Accept { fd: 3 }));
    for _ in 0..20 {
        server.push(step(0, Call::Read { fd: 4, len: 65_536 }));
    }
    server.push(step(0, Call::Close { fd: 4 }));
    Build::threads(alloc::vec![client, server])
}

/// What close() sent, whether the client kept TIME-WAIT, and what the server received.
pub fn linger_outcome(sim: &Sim, _: &Params) -> Vec<Fact> {
    let close = result_of(sim, 0, |c| matches!(c, Call::Close { .. }));
    let sent_on_close = close.and_then(|(at, _)| {
        sim.trace()
            .iter()
            .filter(|e| e.host() == Some(HostId(0)) && e.at() >= at)
            .find_map(|e| match &e.kind {
                EventKind::Sent { seg, .. } if seg.flags.rst() => Some("RST"),
                EventKind::Sent { seg, .. } if seg.flags.fin() => Some("FIN"),
                _ => None,
            })
    });
    let time_wait = sim.trace().iter().any(|e| {
        e.host() == Some(HostId(0))
            && matches!(
                e.kind,
                EventKind::State {
                    to: State::TimeWait,
                    ..
                }
            )
    });
    let last_read = sim
        .trace()
        .iter()
        .filter(|e| e.host() == Some(HostId(1)))
        .filter_map(|e| match &e.kind {
            EventKind::Call {
                call: Call::Read { .. },
                result,
                ..
            }
            | EventKind::Returned {
                call: Call::Read { .. },
                result,
                ..
            } if !matches!(result, CallResult::Blocked | CallResult::Data { .. }) => {
                Some(result.clone())
            }
            _ => None,
        })
        .next();
    alloc::vec![
        fact("client_close_sent", sent_on_close.unwrap_or("nothing")),
        fact("client_time_wait", if time_wait { "yes" } else { "no" }),
        fact(
            "server_bytes_read",
            format!("{} of 20000", bytes_read_on_accepted(sim, 1, 4, 1))
        ),
        fact(
            "server_read_ends_with",
            last_read.map_or(String::from("blocked"), |r| show(&r))
        ),
    ]
}
