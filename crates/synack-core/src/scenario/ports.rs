//! The catalogue's rows about ports and TIME-WAIT at scale (core 4): a client whose short
//! connections leave every ephemeral port in TIME-WAIT (`port-exhaustion`), `tcp_tw_reuse`
//! letting `connect()` take a TIME-WAIT 4-tuple (`tw-reuse`), a server restarting onto a port its
//! old connections still hold (`so-reuseaddr`), and a server that closes first piling up
//! TIME-WAIT entries (`time-wait-server-load`).
//!
//! The two large ones script thousands of connections in a loop of a few steps (`Op::Repeat`),
//! and print a summary per second instead of their full trace.

use super::failures::{connect_results, counter, show};
use super::{Build, CLIENT, Fact, PORT, Params, SERVER_EP, Setting, fact, step};
use crate::counters::Counter;
use crate::sim::{Op, Sim, Step};
use crate::socket::{Call, CallResult, Errno, Fd};
use crate::tcp::State;
use crate::time::{Duration, Instant};
use crate::trace::{EventKind, HostId};
use crate::wire::{Endpoint, Ipv4};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// The client's and the server's host numbers.
const CLIENT_HOST: u16 = 0;
const SERVER_HOST: u16 = 1;

// ============================================================================
// A paced client and a looping server
// ============================================================================

/// The `rate` setting: connections a second.
pub const RATE: Setting = Setting::number(
    "rate",
    "connections the client opens a second",
    1000,
    1,
    20_000,
);

/// The `connections` setting of `port-exhaustion`.
pub const CONNECTIONS: Setting = Setting::number(
    "connections",
    "how many connections the client attempts",
    30_000,
    1,
    100_000,
);

/// How long after its `connect()` the client closes a connection: the handshake (10 ms) and,
/// when the server closes first, its FIN (20 ms) are over by then.
const HOLD_MS: u64 = 30;

/// The client's script: `n` non-blocking connections to the server, one every `1 / rate` s,
/// each closed `HOLD_MS` later. The descriptors are known in advance: with `m` connections open,
/// closing the oldest and then calling `socket()` gives its descriptor back (the lowest free one,
/// all others being open), so connection `k` always has descriptor `3 + k mod m`. The loop is a
/// few steps long whatever `n` is (`Op::Repeat`).
fn paced_client(rate: u64, n: u64) -> Vec<Step> {
    let gap_us = (1_000_000 / rate.max(1)).max(1);
    let m = (HOLD_MS * 1000).div_ceil(gap_us) + 1;
    let open = |fd: Fd, after_us: u64| {
        [
            Step {
                after: Duration::from_micros(after_us),
                op: Op::Call(Call::Socket),
                retry: None,
            },
            step(0, Call::SetNonBlocking { fd, on: true }),
            step(
                0,
                Call::Connect {
                    fd,
                    addr: SERVER_EP,
                },
            ),
        ]
    };
    let fd_of = |k: u64| Fd::try_from(3 + k % m).unwrap_or(3);
    let mut steps = Vec::new();
    // The first `m` connections (the first one once the server listens, at 10 ms).
    for k in 0..m.min(n) {
        steps.extend(open(fd_of(k), if k == 0 { 10_000 } else { gap_us }));
    }
    // Then each connection closes the oldest first: `m` of them in a loop body.
    let rest = n.saturating_sub(m);
    let body = |steps: &mut Vec<Step>, k: u64| {
        steps.push(Step {
            after: Duration::from_micros(gap_us),
            op: Op::Call(Call::Close { fd: fd_of(k) }),
            retry: None,
        });
        steps.extend(open(fd_of(k), 0));
    };
    let rounds = rest / m;
    if rounds > 0 {
        let from = steps.len();
        for k in 0..m {
            body(&mut steps, k);
        }
        steps.push(Step {
            after: Duration::ZERO,
            op: Op::Repeat {
                from,
                times: u32::try_from(rounds - 1).unwrap_or(u32::MAX),
            },
            retry: None,
        });
    }
    for k in 0..rest % m {
        body(&mut steps, k);
    }
    steps
}

/// A server that accepts and serves one connection after another: it reads until the client's
/// FIN and then closes (`close_first`: it closes at once, before the client). Its accepted
/// connection is always descriptor 4, the listener being 3.
fn looping_server(close_first: bool) -> Vec<Step> {
    let mut s = super::listener(4096);
    let from = s.len();
    s.push(step(0, Call::Accept { fd: 3 }));
    if !close_first {
        s.push(step(0, Call::Read { fd: 4, len: 4096 }));
    }
    s.push(step(0, Call::Close { fd: 4 }));
    s.push(Step {
        after: Duration::ZERO,
        op: Op::Repeat {
            from,
            times: u32::MAX,
        },
        retry: None,
    });
    s
}

/// A count over time: +1 when host `h` enters `state`, -1 when it leaves it.
fn state_count(sim: &Sim, h: u16, state: State) -> impl Iterator<Item = (Instant, i64)> + '_ {
    sim.trace()
        .iter()
        .filter(move |e| e.host() == Some(HostId(h)))
        .filter_map(move |e| match e.kind {
            EventKind::State { from, to, .. } => {
                Some((e.at(), state.delta(from, to))).filter(|(_, d)| *d != 0)
            }
            _ => None,
        })
}

/// The highest number of host `h`'s connections in TIME-WAIT at once.
fn time_wait_peak(sim: &Sim, h: u16) -> i64 {
    state_count(sim, h, State::TimeWait)
        .scan(0i64, |n, (_, d)| {
            *n += d;
            Some(*n)
        })
        .max()
        .unwrap_or(0)
}

/// The client's `connect()` calls in order: when, and what each returned right away.
fn connects(sim: &Sim) -> impl Iterator<Item = (Instant, &CallResult)> + '_ {
    sim.trace()
        .iter()
        .filter(|e| e.host() == Some(HostId(CLIENT_HOST)))
        .filter_map(|e| match &e.kind {
            EventKind::Call {
                call: Call::Connect { .. },
                result,
                ..
            } => Some((e.at(), result)),
            _ => None,
        })
}

/// One second of a large run, counted.
#[derive(Clone, Copy, Default)]
struct Second {
    connects: u64,
    failed: u64,
    reused: u64,
    overflows: u64,
    /// TIME-WAIT entries at the end of the second, on the host that closes first.
    time_wait: i64,
}

/// A line per second of a large run, then the outcome: the full trace runs to a million lines.
fn per_second_text(sim: &Sim, outcome: &[Fact], tw_host: u16, header: &str) -> String {
    let seconds = usize::try_from(sim.now().micros() / 1_000_000 + 1).unwrap_or(0);
    let mut rows = alloc::vec![Second::default(); seconds];
    let row = |at: Instant| usize::try_from(at.micros() / 1_000_000).unwrap_or(0);
    for (at, r) in connects(sim) {
        if let Some(s) = rows.get_mut(row(at)) {
            s.connects += 1;
            if matches!(r, CallResult::Err { errno } if *errno != Errno::EINPROGRESS) {
                s.failed += 1;
            }
        }
    }
    for e in sim.trace() {
        let which = match e.kind {
            EventKind::Counter {
                counter: Counter::TwRecycled,
                ..
            } => 0,
            EventKind::Counter {
                counter: Counter::TimeWaitOverflow,
                ..
            } => 1,
            _ => continue,
        };
        if let Some(s) = rows.get_mut(row(e.at())) {
            if which == 0 {
                s.reused += 1;
            } else {
                s.overflows += 1;
            }
        }
    }
    let mut n = 0;
    let mut changes = state_count(sim, tw_host, State::TimeWait).peekable();
    for (i, s) in rows.iter_mut().enumerate() {
        let end = Instant((i as u64 + 1) * 1_000_000);
        while let Some((_, d)) = changes.next_if(|(at, _)| *at < end) {
            n += d;
        }
        s.time_wait = n;
    }
    let mut out = String::from(header);
    out.push_str("  second  connect() calls  failed  TIME-WAIT reused  overflows  TIME-WAIT\n");
    for (i, s) in rows.iter().enumerate() {
        out.push_str(&format!(
            "  {i:>6}  {:>15}  {:>6}  {:>16}  {:>9}  {:>9}\n",
            s.connects, s.failed, s.reused, s.overflows, s.time_wait
        ));
    }
    // A run that passed one of its limits says so.
    for e in sim.trace() {
        if let EventKind::LimitReached { .. } = e.kind {
            out.push_str(&super::event_line(sim, e));
        }
    }
    super::push_outcome(&mut out, outcome);
    out
}

// ============================================================================
// port-exhaustion
// ============================================================================

/// How long `port-exhaustion` runs: 30,000 connections at 1,000 a second, and a little more.
pub const EXHAUSTION_UNTIL: Duration = Duration::from_secs(31);

/// The client opens `connections` short connections at `rate` a second and closes each first,
/// so that its ports stay in TIME-WAIT; the server reads to the end and closes.
pub fn exhaustion_build(p: &Params) -> Build {
    Build::threads(alloc::vec![
        paced_client(p.get("rate"), p.get("connections")),
        looping_server(false),
    ])
}

/// How many connections were made before `connect()` first failed, and how.
pub fn exhaustion_outcome(sim: &Sim, _: &Params) -> Vec<Fact> {
    // One pass over the client's events (the run's trace is a million events): its connect()
    // calls, and how many of its connections were in TIME-WAIT at most.
    let mut attempts = 0u64;
    let mut first_failure = None;
    let (mut time_wait, mut time_wait_peak) = (0i64, 0i64);
    for e in sim.trace() {
        if e.host() != Some(HostId(CLIENT_HOST)) {
            continue;
        }
        match &e.kind {
            EventKind::Call {
                call: Call::Connect { .. },
                result,
                ..
            } => {
                attempts += 1;
                if first_failure.is_none()
                    && let CallResult::Err { errno } = result
                    && *errno != Errno::EINPROGRESS
                {
                    let at = e.at();
                    first_failure = Some(format!(
                        "{} at connect() #{attempts} ({at} s)",
                        errno.name()
                    ));
                }
            }
            EventKind::State { from, to, .. } => {
                time_wait += State::TimeWait.delta(*from, *to);
                time_wait_peak = time_wait_peak.max(time_wait);
            }
            _ => {}
        }
    }
    alloc::vec![
        fact("connect_calls", attempts),
        fact(
            "connections_made",
            counter(sim, CLIENT_HOST, Counter::ActiveOpens)
        ),
        fact(
            "first_failure",
            first_failure.unwrap_or_else(|| String::from("none"))
        ),
        fact("client_time_wait_peak", time_wait_peak),
        fact(
            "time_wait_reused",
            counter(sim, CLIENT_HOST, Counter::TwRecycled)
        ),
    ]
}

/// `port-exhaustion`'s text: a line per second.
pub fn exhaustion_text(sim: &Sim, outcome: &[Fact]) -> String {
    per_second_text(
        sim,
        outcome,
        CLIENT_HOST,
        "the client's connect() calls per second, and its TIME-WAIT entries at the end of each:\n",
    )
}

// ============================================================================
// time-wait-server-load
// ============================================================================

/// The `rate` setting of `time-wait-server-load`.
pub const LOAD_RATE: Setting = Setting::number(
    "rate",
    "connections a second from the client (one host, many ports)",
    100,
    1,
    2000,
);

/// How long `time-wait-server-load` runs: past the first minute, so that the count levels off.
pub const LOAD_UNTIL: Duration = Duration::from_secs(90);

/// The client connects at `rate` a second for the whole run; the server closes each connection
/// first, so its TIME-WAIT entries pile up.
pub fn load_build(p: &Params) -> Build {
    let rate = p.get("rate");
    let n = rate * (LOAD_UNTIL.micros() / 1_000_000 - 1);
    Build::threads(alloc::vec![paced_client(rate, n), looping_server(true)])
}

/// The server's TIME-WAIT plateau, its overflows, and what the entries cost.
pub fn load_outcome(sim: &Sim, _: &Params) -> Vec<Fact> {
    let at_end: i64 = state_count(sim, SERVER_HOST, State::TimeWait)
        .map(|(_, d)| d)
        .sum();
    let bytes = usize::try_from(at_end).unwrap_or(0) * crate::tcp::TIME_WAIT_RECORD_BYTES;
    alloc::vec![
        fact(
            "connections_made",
            counter(sim, CLIENT_HOST, Counter::ActiveOpens)
        ),
        fact("server_time_wait_peak", time_wait_peak(sim, SERVER_HOST)),
        fact("server_time_wait_at_end", at_end),
        fact(
            "time_wait_taken_over_by_syn",
            sim.trace()
                .iter()
                .filter(|e| e.host() == Some(HostId(SERVER_HOST))
                    && matches!(e.kind, EventKind::TimeWaitReused { .. }))
                .count()
        ),
        fact(
            "time_wait_overflows",
            counter(sim, SERVER_HOST, Counter::TimeWaitOverflow)
        ),
        fact(
            "time_wait_memory",
            format!(
                "{at_end} entries x {} B = {} KiB here; Linux's tcp_timewait_sock is a few hundred bytes each",
                crate::tcp::TIME_WAIT_RECORD_BYTES,
                bytes.div_ceil(1024)
            )
        ),
    ]
}

/// `time-wait-server-load`'s text: a line per second.
pub fn load_text(sim: &Sim, outcome: &[Fact]) -> String {
    per_second_text(
        sim,
        outcome,
        SERVER_HOST,
        "the client's connect() calls per second, and the server's TIME-WAIT entries at the end of each:\n",
    )
}

// ============================================================================
// tw-reuse
// ============================================================================

/// The `delay_ms` setting of `tw-reuse`.
pub const REUSE_DELAY: Setting = Setting::number(
    "delay_ms",
    "how long after its first connection entered TIME-WAIT the client connects again",
    1500,
    0,
    59_000,
);

/// The `bind` setting of `tw-reuse`.
pub const REUSE_BIND: Setting = Setting::number(
    "bind",
    "1: the client binds its port (40000) with SO_REUSEADDR before each connect()",
    0,
    0,
    1,
);

/// The client's only ephemeral port (`tw-reuse` sets the range to it).
const TW_PORT: u16 = 40000;

/// The client connects, closes first (TIME-WAIT on its only port), and connects again
/// `delay_ms` after its TIME-WAIT began.
pub fn reuse_build(p: &Params) -> Build {
    let bind = p.get("bind") == 1;
    let connect = |after: u64| {
        let mut s = alloc::vec![step(after, Call::Socket)];
        if bind {
            s.push(step(0, Call::SetReuseAddr { fd: 3, on: true }));
            s.push(step(
                0,
                Call::Bind {
                    fd: 3,
                    addr: Endpoint::new(CLIENT, TW_PORT),
                },
            ));
        }
        s.push(step(
            0,
            Call::Connect {
                fd: 3,
                addr: SERVER_EP,
            },
        ));
        s
    };
    let mut client = connect(10);
    client.push(step(100, Call::Close { fd: 3 }));
    // TIME-WAIT begins when the server's FIN arrives, one round trip (10 ms) after the close.
    client.extend(connect(10 + p.get("delay_ms")));
    client.push(step(0, Call::Close { fd: 3 }));
    Build::threads(alloc::vec![client, looping_server(false)])
}

/// Whether the second `connect()` took the TIME-WAIT 4-tuple.
pub fn reuse_outcome(sim: &Sim, _: &Params) -> Vec<Fact> {
    let second = connect_results(sim, CLIENT_HOST)
        .get(1)
        .map_or(String::from("not made"), |(at, r)| {
            format!("{} at {at}", show(r))
        });
    let reused = sim.trace().iter().any(|e| {
        e.host() == Some(HostId(CLIENT_HOST)) && matches!(e.kind, EventKind::TimeWaitReused { .. })
    });
    alloc::vec![
        fact("second_connect", second),
        fact("time_wait_reused", reused),
        fact(
            "tw_recycled",
            counter(sim, CLIENT_HOST, Counter::TwRecycled)
        ),
    ]
}

// ============================================================================
// so-reuseaddr
// ============================================================================

/// The `old_reuseaddr` setting.
pub const OLD_REUSEADDR: Setting = Setting::number(
    "old_reuseaddr",
    "1: the old listener set SO_REUSEADDR (its connections' TIME-WAIT entries inherit it)",
    0,
    0,
    1,
);

/// The `new_reuseaddr` setting.
pub const NEW_REUSEADDR: Setting = Setting::number(
    "new_reuseaddr",
    "1: the restarted server sets SO_REUSEADDR before bind()",
    0,
    0,
    1,
);

/// The `keep_listener` setting.
pub const KEEP_LISTENER: Setting = Setting::number(
    "keep_listener",
    "1: the old listener is still open when the new socket binds",
    0,
    0,
    1,
);

/// The server accepts a connection and closes it first (its side goes to TIME-WAIT once the
/// client's FIN comes), closes its listener at 500 ms (unless `keep_listener`), and a new socket
/// binds port 8080 again at 1 s.
pub fn reuseaddr_build(p: &Params) -> Build {
    let mut server = alloc::vec![step(0, Call::Socket)];
    if p.get("old_reuseaddr") == 1 {
        server.push(step(0, Call::SetReuseAddr { fd: 3, on: true }));
    }
    server.extend([
        step(
            0,
            Call::Bind {
                fd: 3,
                addr: Endpoint::new(Ipv4(0), PORT),
            },
        ),
        step(0, Call::Listen { fd: 3, backlog: 8 }),
        step(0, Call::Accept { fd: 3 }),
        step(0, Call::Close { fd: 4 }),
    ]);
    let new_fd = if p.get("keep_listener") == 1 {
        4
    } else {
        server.push(step(500, Call::Close { fd: 3 }));
        3
    };
    server.push(step(500, Call::Socket));
    if p.get("new_reuseaddr") == 1 {
        server.push(step(
            0,
            Call::SetReuseAddr {
                fd: new_fd,
                on: true,
            },
        ));
    }
    server.push(step(
        0,
        Call::Bind {
            fd: new_fd,
            addr: Endpoint::new(Ipv4(0), PORT),
        },
    ));
    server.push(step(
        0,
        Call::Listen {
            fd: new_fd,
            backlog: 8,
        },
    ));
    let mut client = super::connector();
    client.extend([
        step(0, Call::Read { fd: 3, len: 4096 }),
        step(0, Call::Close { fd: 3 }),
    ]);
    Build::threads(alloc::vec![client, server])
}

/// What the restarted server's `bind()` returned, and what held the port.
pub fn reuseaddr_outcome(sim: &Sim, _: &Params) -> Vec<Fact> {
    // The second bind() of the server's thread.
    let bind = sim
        .trace()
        .iter()
        .filter(|e| e.host() == Some(HostId(SERVER_HOST)))
        .filter_map(|e| match &e.kind {
            EventKind::Call {
                call: Call::Bind { .. },
                result,
                ..
            } => Some(show(result)),
            _ => None,
        })
        .nth(1)
        .unwrap_or_else(|| String::from("not made"));
    let time_wait = sim.host(HostId(SERVER_HOST)).map_or(0, |h| {
        h.sockets()
            .iter()
            .filter(|s| s.state == State::TimeWait)
            .count()
    });
    alloc::vec![
        fact("new_bind", bind),
        fact("server_time_wait_entries", time_wait),
    ]
}
