//! The catalogue's rows about listeners under load (core 3): a SYN flood against the SYN queue
//! (with and without SYN cookies), an accept queue that overflows, and an off-path attacker who
//! predicts ISNs. Each builds the hosts' scripts and its attacker, and computes its outcome from
//! the trace; the flood also has its own text, a summary per second, since its full trace runs to
//! thousands of lines.

use super::failures::{connect_at, counter, result_of, secs, sent_at, show};
use super::{
    Build, CLIENT, Fact, Params, SERVER, SERVER_EP, Setting, fact, listener, machine, step,
};
use crate::attack::{Attack, AttackKind, IsnPredict, SynFlood};
use crate::counters::Counter;
use crate::sim::{Op, Sim, Step};
use crate::socket::Call;
use crate::tcp::State;
use crate::time::{Duration, Instant};
use crate::trace::{Discard, Event, EventKind, HostId, SendCause};
use crate::wire::{Endpoint, Ipv4, Segment};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// How far the attacker is from the server, one way (the same as the hosts' links).
const ATTACKER_DELAY: Duration = super::LINK_DELAY;

/// Whether a segment belongs to the real client (sent by it or to it).
fn client_side(seg: &Segment) -> bool {
    seg.src.ip == CLIENT || seg.dst.ip == CLIENT
}

// ============================================================================
// syn-flood
// ============================================================================

/// The `syn_rate` setting.
pub const SYN_RATE: Setting = Setting::number(
    "syn_rate",
    "spoofed SYNs per second, from 0 s to the end of the run",
    10,
    0,
    20_000,
);

/// The `backlog` setting of `syn-flood`: listen()'s backlog, which sizes both queues.
pub const FLOOD_BACKLOG: Setting = Setting::number(
    "backlog",
    "the server's listen() backlog: the SYN queue holds backlog + 1 requests",
    8,
    0,
    65_535,
);

/// When the real client connects: the flood has filled the SYN queue by then.
const FLOOD_CLIENT_MS: u64 = 1000;

/// The spoofed sources: 198.18.0.0/15, the benchmarking network (RFC 2544), where nobody answers.
const FLOOD_SOURCES: (Ipv4, u8) = (Ipv4::new(198, 18, 0, 0), 15);

/// The server listens and accepts; the client connects at 1 s; the attacker sends `syn_rate`
/// spoofed SYNs a second for the whole run.
pub fn syn_flood_build(p: &Params) -> Build {
    let mut server = listener(u32::try_from(p.get("backlog")).unwrap_or(u32::MAX));
    server.push(step(0, Call::Accept { fd: 3 }));
    Build {
        threads: alloc::vec![connect_at(FLOOD_CLIENT_MS), server],
        attack: Some(Attack {
            kind: AttackKind::SynFlood(SynFlood {
                target: SERVER_EP,
                per_second: u32::try_from(p.get("syn_rate")).unwrap_or(u32::MAX),
                start: Instant::ZERO,
                stop: Instant::ZERO + FLOOD_UNTIL,
                sources: FLOOD_SOURCES,
            }),
            link_delay: ATTACKER_DELAY,
        }),
        ..Build::default()
    }
}

/// How long the flood's run lasts (the client's SYNs at 1, 2, 3, 4, 5, 6 and 8 s fall in it).
pub const FLOOD_UNTIL: Duration = Duration::from_secs(10);

/// How the server answered the real client's SYNs, and what became of its connect().
pub fn syn_flood_outcome(sim: &Sim, _: &Params) -> Vec<Fact> {
    let client_syns = sent_at(sim, 0, |s| s.flags.syn() && !s.flags.ack()).len();
    let mut dropped = 0;
    let mut answered = String::from("nothing");
    for e in sim.trace() {
        match &e.kind {
            EventKind::Discarded { id, .. } if from_client(sim, *id) => dropped += 1,
            EventKind::Sent { seg, cause, .. }
                if e.host() == Some(HostId(1)) && seg.dst.ip == CLIENT && seg.flags.syn() =>
            {
                answered = String::from(match cause {
                    SendCause::SynAckCookie => "a SYN cookie",
                    _ => "a SYN-ACK from a request",
                });
            }
            _ => {}
        }
    }
    let connect = match result_of(sim, 0, |c| matches!(c, Call::Connect { .. })) {
        Some((at, r)) => format!("{} at {at}", show(&r)),
        None => String::from("blocked"),
    };
    let spoofed = sim
        .trace()
        .iter()
        .filter(|e| e.host().is_none() && matches!(e.kind, EventKind::Sent { .. }))
        .count();
    alloc::vec![
        fact("client_connect", connect),
        fact("client_syns", client_syns),
        fact("client_syns_dropped", dropped),
        fact("client_answered_with", answered),
        fact("spoofed_syns", spoofed),
        fact("syn_cookies_sent", counter(sim, 1, Counter::SyncookiesSent)),
        fact("syns_dropped", syns_dropped(sim)),
    ]
}

/// SYNs the server dropped for want of room (SYN queue, `tcp_max_syn_backlog`, accept queue).
fn syns_dropped(sim: &Sim) -> u64 {
    counter(sim, 1, Counter::ReqQFullDrop)
        + sim
            .trace()
            .iter()
            .filter(|e| {
                matches!(
                    e.kind,
                    EventKind::Discarded {
                        reason: Discard::MaxSynBacklog | Discard::AcceptQueueFullSyn,
                        ..
                    }
                )
            })
            .count() as u64
}

/// The segment numbered `id` (segments are listed in the order of their numbers).
fn segment(sim: &Sim, id: crate::trace::SegId) -> Option<&Segment> {
    let segs = sim.segments();
    segs.binary_search_by_key(&id, |(sid, _, _)| *sid)
        .ok()
        .and_then(|i| segs.get(i))
        .map(|(_, _, seg)| &**seg)
}

/// The segment `id` came from the real client.
fn from_client(sim: &Sim, id: crate::trace::SegId) -> bool {
    segment(sim, id).is_some_and(|seg| seg.src.ip == CLIENT)
}

/// One second of the flood, counted.
#[derive(Default)]
struct Second {
    spoofed: usize,
    synacks: usize,
    cookies: usize,
    retransmitted: usize,
    dropped: usize,
    syn_queue: u32,
}

/// The flood's own text: one line per second of counts, the real client's events in full, then
/// the outcome. The full trace (thousands of lines) is what `render_text` prints.
pub fn syn_flood_text(sim: &Sim, outcome: &[Fact]) -> String {
    let seconds = usize::try_from(sim.now().micros() / 1_000_000 + 1).unwrap_or(0);
    let mut rows: Vec<Second> = (0..seconds).map(|_| Second::default()).collect();
    let mut queue = 0;
    let mut client = String::new();
    for e in sim.trace() {
        let row = usize::try_from(e.at().micros() / 1_000_000).unwrap_or(0);
        let Some(r) = rows.get_mut(row) else {
            continue;
        };
        match &e.kind {
            EventKind::Sent { .. } if e.host().is_none() => r.spoofed += 1,
            EventKind::Sent { seg, cause, .. } if !client_side(seg) => match cause {
                SendCause::SynAck => r.synacks += 1,
                SendCause::SynAckCookie => r.cookies += 1,
                SendCause::SynAckRetransmit => r.retransmitted += 1,
                _ => {}
            },
            EventKind::Discarded { id, .. } if !from_client(sim, *id) => r.dropped += 1,
            EventKind::Queues { syn_queue, .. } => queue = *syn_queue,
            _ => {}
        }
        r.syn_queue = queue;
        if concerns_client(sim, e) {
            client.push_str(&super::event_line(sim, e));
        }
    }
    let mut s = String::from(
        "the flood, per second (the server's answers to spoofed SYNs; the SYN queue at the end of the second):\n",
    );
    s.push_str(
        "  second  spoofed SYNs  SYN-ACKs  SYN cookies  retransmitted  dropped  SYN queue\n",
    );
    for (i, r) in rows.iter().enumerate() {
        s.push_str(&format!(
            "  {:>2}-{:<2} s  {:>12}  {:>8}  {:>11}  {:>13}  {:>7}  {:>9}\n",
            i,
            i + 1,
            r.spoofed,
            r.synacks,
            r.cookies,
            r.retransmitted,
            r.dropped,
            r.syn_queue
        ));
    }
    s.push_str("the real client and the server's application, in full:\n");
    s.push_str(&client);
    super::push_outcome(&mut s, outcome);
    s
}

/// An event of the real client's story: the client's own, or the server's about a segment or a
/// connection of the client.
fn concerns_client(sim: &Sim, e: &Event) -> bool {
    if e.host() == Some(HostId(0)) {
        return !matches!(e.kind, EventKind::Delivered { .. });
    }
    match &e.kind {
        EventKind::Sent { seg, .. } => client_side(seg),
        EventKind::Discarded { id, .. } | EventKind::Lost { id, .. } => {
            segment(sim, *id).is_some_and(client_side)
        }
        EventKind::State { conn, .. }
        | EventKind::TimerArmed { conn, .. }
        | EventKind::TimerFired { conn, .. } => conn.remote.is_some_and(|r| r.ip == CLIENT),
        EventKind::Call { .. } | EventKind::Returned { .. } => true,
        _ => false,
    }
}

// ============================================================================
// accept-overflow
// ============================================================================

/// The `backlog` setting of `accept-overflow`.
pub const OVERFLOW_BACKLOG: Setting = Setting::number(
    "backlog",
    "the server's listen() backlog: the accept queue holds backlog + 1 connections",
    1,
    1,
    64,
);

/// The connections the server's local client opens.
const LOCAL_CONNECTIONS: u32 = 2;

/// The server listens and never calls accept(). The client connects at 10 ms and reads; while its
/// SYN-ACK is on the way back, a local client on the server (a health check, say) opens two
/// connections and closes each at once, as `local-connect.sh` does: with backlog 1 they fill the
/// accept queue (backlog + 1), so the client's ACK finds it full; with backlog 2 there is room.
pub fn accept_overflow_build(p: &Params) -> Build {
    let backlog = u32::try_from(p.get("backlog")).unwrap_or(u32::MAX);
    let mut client = connect_at(10);
    client.push(step(0, Call::Read { fd: 3, len: 1000 }));
    let mut local: Vec<Step> = Vec::new();
    for i in 0..LOCAL_CONNECTIONS {
        local.extend([
            step(if i == 0 { 20 } else { 0 }, Call::Socket),
            step(
                0,
                Call::Connect {
                    fd: 4,
                    addr: SERVER_EP,
                },
            ),
            step(0, Call::Close { fd: 4 }),
        ]);
    }
    Build {
        threads: alloc::vec![client, listener(backlog)],
        machine: alloc::vec![Vec::new(), local],
        ..Build::default()
    }
}

/// What the server did with the client's ACK, and what the client saw.
pub fn accept_overflow_outcome(sim: &Sim, _: &Params) -> Vec<Fact> {
    let to_client = |seg: &Segment| seg.dst.ip == CLIENT;
    let reset = !sent_at(sim, 1, |s| to_client(s) && s.flags.rst()).is_empty();
    let ack_dropped = sim.trace().iter().any(|e| {
        matches!(
            e.kind,
            EventKind::Discarded {
                reason: Discard::AcceptQueueFullAck,
                id
            } if from_client(sim, id)
        )
    });
    let retransmitted: Vec<String> = sim
        .trace()
        .iter()
        .filter(|e| {
            matches!(&e.kind, EventKind::Sent { seg, cause: SendCause::SynAckRetransmit, .. } if to_client(seg))
        })
        .map(|e| secs(e.at() - Instant::ZERO))
        .collect();
    let read = match result_of(sim, 0, |c| matches!(c, Call::Read { .. })) {
        Some((_, r)) => show(&r),
        None => String::from("blocked"),
    };
    alloc::vec![
        fact(
            "handshake_ack",
            match (ack_dropped, reset) {
                (_, true) => "answered with a RST",
                (true, false) => "dropped",
                (false, false) => "accepted",
            }
        ),
        fact(
            "synack_retransmitted_at",
            if retransmitted.is_empty() {
                String::from("none")
            } else {
                format!("{} s", retransmitted.join(", "))
            }
        ),
        fact("client_read", read),
        fact(
            "listen_overflows",
            counter(sim, 1, Counter::ListenOverflows)
        ),
    ]
}

// ============================================================================
// isn-predict
// ============================================================================

/// The `isn` setting of `isn-predict`: RFC 793's clock unless the reader picks another.
pub const PREDICT_ISN: Setting = Setting {
    default: 2,
    ..super::failures::ISN
};

/// The attacker's own address.
pub const ATTACKER: Ipv4 = Ipv4::new(10, 0, 0, 66);
/// The port the attacker pretends the trusted client uses (rlogin's reserved ports end at 1023).
pub const TRUSTED_PORT: u16 = 1023;
/// What the attacker sends on the spoofed connection: the line of Mitnick's 1994 attack.
pub const PAYLOAD: &[u8] = b"echo + + >> /.rhosts\n";

/// The client is the trusted host; it is down (in 1994, a SYN flood silenced it), so it cannot
/// answer the SYN-ACKs sent in its name. The server listens, accepts and reads. The attacker
/// probes at 100 and 200 ms, spoofs the client's SYN at 300 ms and its ACK and data at 400 ms.
pub fn isn_predict_build(_: &Params) -> Build {
    let mut server = listener(128);
    server.extend([
        step(0, Call::Accept { fd: 3 }),
        step(0, Call::Read { fd: 4, len: 1000 }),
    ]);
    Build {
        threads: alloc::vec![Vec::new(), server],
        machine: alloc::vec![alloc::vec![machine(0, Op::Crash)]],
        attack: Some(Attack {
            kind: AttackKind::IsnPredict(IsnPredict {
                target: SERVER_EP,
                own: ATTACKER,
                spoof: Endpoint::new(CLIENT, TRUSTED_PORT),
                start: Instant::ZERO + Duration::from_millis(100),
                gap: Duration::from_millis(100),
                payload: PAYLOAD.to_vec(),
            }),
            link_delay: ATTACKER_DELAY,
        }),
        ..Build::default()
    }
}

/// The ISN the attacker guessed, the one the server chose, and what the server made of the
/// spoofed connection.
pub fn isn_predict_outcome(sim: &Sim, _: &Params) -> Vec<Fact> {
    let trusted = Endpoint::new(CLIENT, TRUSTED_PORT);
    let guess = sim.attacker().and_then(|a| a.prediction().guess);
    let server_isn = sim
        .segments()
        .iter()
        .find(|(_, _, s)| s.src.ip == SERVER && s.dst == trusted && s.flags.syn())
        .map(|(_, _, s)| s.seq);
    let established = sim.trace().iter().any(|e| {
        e.host() == Some(HostId(1))
            && matches!(e.kind, EventKind::State { conn, to: State::Established, .. } if conn.remote == Some(trusted))
    });
    let state = sim.host(HostId(1)).and_then(|h| {
        h.sockets()
            .into_iter()
            .find(|s| s.remote == Some(trusted))
            .map(|s| s.state)
    });
    let read = match result_of(sim, 1, |c| matches!(c, Call::Read { .. })) {
        Some((_, r)) => show(&r),
        None => String::from("blocked"),
    };
    let show_isn =
        |s: Option<crate::seq::SeqNum>| s.map_or(String::from("none"), |s| format!("{s}"));
    alloc::vec![
        fact("guessed_isn", show_isn(guess)),
        fact("server_isn", show_isn(server_isn)),
        fact(
            "spoofed_connection",
            match (established, state) {
                (true, _) => String::from("ESTABLISHED"),
                (false, Some(s)) => format!("{s}"),
                (false, None) => String::from("none"),
            }
        ),
        fact("server_read", read),
    ]
}
