//! The catalogue's NAT rows (core 4): clients `a` and `b` behind one NAT (one public address),
//! a server outside. `nat-port-reuse` today; the layout is ready for `tw-recycle-nat`.

use super::failures::{connect_at, counter, result_of, secs, sent_at, show};
use super::{Build, CLIENT, Fact, HostDecl, Params, SERVER, Setting, fact, listener, step};
use crate::counters::Counter;
use crate::nat::{IDLE_TIMEOUT, NatConfig, PortChoice};
use crate::sim::{Sim, Step};
use crate::socket::{Call, CallResult};
use crate::time::Duration;
use crate::trace::{EventKind, HostId};
use crate::wire::Ipv4;
use alloc::string::String;
use alloc::vec::Vec;

/// Client A's private address.
pub const A: Ipv4 = Ipv4::new(192, 168, 0, 2);
/// Client B's private address.
pub const B: Ipv4 = Ipv4::new(192, 168, 0, 3);
/// The NAT's public address: the address the server sees for both clients (the two-host
/// scenarios' client address).
pub const PUBLIC: Ipv4 = CLIENT;

/// Two clients behind one NAT, and the server: `HostId(0)`, `HostId(1)`, `HostId(2)`.
pub const NAT_HOSTS: &[HostDecl] = &[
    HostDecl { name: "a", addr: A },
    HostDecl { name: "b", addr: B },
    HostDecl {
        name: "server",
        addr: SERVER,
    },
];
const HA: u16 = 0;
const HB: u16 = 1;
const HSERVER: u16 = 2;

/// How the NAT picks public ports.
pub const NAT_PORTS: Setting = Setting {
    name: "nat_ports",
    help: "the NAT's port for a new connection: the next, a random one, or an expired mapping's",
    default: 2,
    min: 0,
    max: 2,
    choices: &["sequential", "random", "reuse"],
};

/// How long the NAT keeps a closed connection's mapping.
pub const NAT_TIMEOUT: Setting = Setting::number(
    "nat_timeout_s",
    "s the NAT keeps a closed connection's mapping (conntrack: CLOSE 10, TIME_WAIT 120)",
    10,
    1,
    600,
);

/// When B connects.
pub const B_CONNECT: Setting = Setting::number(
    "b_connect_s",
    "when client b connects (s; a's connection closes at 0.1 s)",
    15,
    1,
    50,
);

/// The NAT of these rows: `a` and `b` behind [`PUBLIC`], ports and timeout from the settings
/// [`NAT_PORTS`] and [`NAT_TIMEOUT`] (their defaults when the scenario does not declare them).
pub fn nat_config(p: &Params) -> NatConfig {
    let get = |s: &Setting| {
        p.settings
            .iter()
            .find(|(n, _)| *n == s.name)
            .map_or(s.default, |(_, v)| *v)
    };
    NatConfig {
        public: PUBLIC,
        inside: &[A, B],
        ports: match get(&NAT_PORTS) {
            0 => PortChoice::Sequential,
            1 => PortChoice::Random,
            _ => PortChoice::Reuse,
        },
        close_timeout: Duration::from_secs(get(&NAT_TIMEOUT)),
        idle_timeout: IDLE_TIMEOUT,
    }
}

/// A and B behind one NAT, the server closes first: A connects at 10 ms and the server closes
/// the accepted connection 100 ms later (so the server holds A's 4-tuple in TIME-WAIT, as seen
/// through the NAT: the public address and port); A reads the end and closes; B connects at
/// `b_connect` and the server accepts it. The reusable layout of the NAT rows: a scenario with
/// [`NAT_HOSTS`] as its hosts builds with it (`tw-recycle-nat` next, with a linux-3.10 server).
pub fn behind_nat_build(p: &Params, b_connect: Duration) -> Build {
    let mut a = connect_at(10);
    a.extend([
        step(0, Call::Read { fd: 3, len: 1000 }),
        step(0, Call::Close { fd: 3 }),
    ]);
    let b: Vec<Step> = connect_at(b_connect.millis());
    let mut server = listener(128);
    server.extend([
        step(0, Call::Accept { fd: 3 }),
        step(100, Call::Close { fd: 4 }),
        step(0, Call::Accept { fd: 3 }),
    ]);
    Build {
        threads: alloc::vec![a, b, server],
        nat: Some(nat_config(p)),
        ..Build::default()
    }
}

/// `nat-port-reuse`'s build.
pub fn port_reuse_build(p: &Params) -> Build {
    behind_nat_build(p, Duration::from_secs(p.get("b_connect_s")))
}

/// The public port host `h`'s first segment left with (the segments hold it as on the wire).
fn public_port(sim: &Sim, h: u16) -> Option<u16> {
    let id = sim.trace().iter().find_map(|e| match e.kind {
        EventKind::Sent { id, .. } if e.host() == Some(HostId(h)) => Some(id),
        _ => None,
    })?;
    let (_, _, seg) = sim.segments().iter().find(|(i, _, _)| *i == id)?;
    Some(seg.src.port)
}

/// Whether B got A's public port; what the server's TIME-WAIT did with B's SYN; what B sent;
/// how long after its first SYN B's connect() returned; whether A's TIME-WAIT is still there.
pub fn port_reuse_outcome(sim: &Sim, _: &Params) -> Vec<Fact> {
    let pa = public_port(sim, HA);
    let reused = sim.trace().iter().any(|e| {
        e.host() == Some(HostId(HSERVER)) && matches!(e.kind, EventKind::TimeWaitReused { .. })
    });
    let b_syns = sent_at(sim, HB, |s| s.flags.syn());
    let b_connect = match (
        b_syns.first(),
        result_of(sim, HB, |c| matches!(c, Call::Connect { .. })),
    ) {
        (Some(first), Some((at, CallResult::Ok { .. }))) => secs(at - *first),
        (_, Some((_, r))) => show(&r),
        _ => String::from("blocked"),
    };
    let a_tw_left = sim.host(HostId(HSERVER)).is_some_and(|h| {
        h.time_wait_entries()
            .iter()
            .any(|(_, remote, _)| Some(remote.port) == pa)
    });
    alloc::vec![
        fact(
            "b_got_a_public_port",
            pa.is_some() && pa == public_port(sim, HB)
        ),
        fact(
            "server_paws_timewait",
            counter(sim, HSERVER, Counter::PawsTimewait)
        ),
        fact("server_time_wait_reused", reused),
        fact("b_resets_sent", counter(sim, HB, Counter::OutRsts)),
        fact("b_syns", b_syns.len()),
        fact("b_connected_after_s", b_connect),
        fact("server_time_wait_for_a_left", a_tw_left),
    ]
}

// ============================================================================
// tw-recycle-nat
// ============================================================================

/// How many connections A makes (one every [`A_INTERVAL`]).
pub const A_CONNECTIONS: Setting = Setting::number(
    "a_connections",
    "how many connections client a makes, one every a_interval_s (each refreshes the server's stamp of the NAT's address)",
    30,
    1,
    1000,
);

/// How often A connects.
pub const A_INTERVAL: Setting = Setting::number(
    "a_interval_s",
    "seconds between client a's connections",
    5,
    1,
    120,
);

/// When B connects, in `tw-recycle-nat`.
pub const B_CONNECT_RECYCLE: Setting =
    Setting::number("b_connect_s", "when client b connects (s)", 10, 1, 300);

/// `tw-recycle-nat`: A connects every `a_interval_s`, `a_connections` times; the server
/// accepts and closes each connection first, 100 ms later (so it holds the TIME-WAIT, and with
/// `tcp_tw_recycle` remembers the NAT address's last TSval, `tcp_remember_stamp`); A reads the
/// end and closes. B, behind the same NAT, connects at `b_connect_s` with its one try of
/// `connect()` (the SYN retransmissions of `tcp_syn_retries`).
pub fn recycle_build(p: &Params) -> Build {
    let interval = p.get("a_interval_s").saturating_mul(1000);
    let times = u32::try_from(p.get("a_connections").saturating_sub(1)).unwrap_or(u32::MAX);
    let connection = |after| {
        let mut s = connect_at(after);
        s.extend([
            step(0, Call::Read { fd: 3, len: 1000 }),
            step(0, Call::Close { fd: 3 }),
        ]);
        s
    };
    let mut a = connection(10);
    let from = a.len();
    a.extend(connection(interval));
    a.push(Step {
        after: Duration::ZERO,
        op: crate::sim::Op::Repeat {
            from,
            times: times.saturating_sub(1),
        },
        retry: None,
    });
    if times == 0 {
        a.truncate(from);
    }
    let b = connect_at(p.get("b_connect_s").saturating_mul(1000));
    let mut server = listener(128);
    let from = server.len();
    server.extend([
        step(0, Call::Accept { fd: 3 }),
        step(100, Call::Close { fd: 4 }),
        Step {
            after: Duration::ZERO,
            op: crate::sim::Op::Repeat {
                from,
                times: u32::MAX,
            },
            retry: None,
        },
    ]);
    Build {
        threads: alloc::vec![a, b, server],
        nat: Some(nat_config(p)),
        ..Build::default()
    }
}

/// B's `connect()` (its result and how long after B's first SYN it came), B's SYNs, the SYNs
/// the server dropped by `tcp_peer_is_proven` (`TcpExtPAWSPassive`), A's connections made, and
/// how long the server's first TIME-WAIT lasted (3.5 RTO when the stamp was remembered).
pub fn recycle_outcome(sim: &Sim, _: &Params) -> Vec<Fact> {
    let b_syns = sent_at(sim, HB, |s| s.flags.syn());
    let b_connect = match (
        b_syns.first(),
        result_of(sim, HB, |c| matches!(c, Call::Connect { .. })),
    ) {
        (Some(first), Some((at, CallResult::Ok { .. }))) => {
            alloc::format!("connected {} s after its first SYN", secs(at - *first))
        }
        (_, Some((_, r))) => show(&r),
        _ => String::from("blocked"),
    };
    let a_made = sim
        .trace()
        .iter()
        .filter(|e| e.host() == Some(HostId(HA)))
        .filter(|e| {
            matches!(
                &e.kind,
                EventKind::Returned {
                    call: Call::Connect { .. },
                    result: CallResult::Ok { .. },
                    ..
                }
            )
        })
        .count();
    // How long the server's first TIME-WAIT was armed for (a later SYN may end it sooner).
    let tw_len = sim.trace().iter().find_map(|e| match &e.kind {
        EventKind::TimerArmed {
            timer: crate::trace::TimerKind::TimeWait,
            at,
            ..
        } if e.host() == Some(HostId(HSERVER)) => Some(secs(*at - e.at())),
        _ => None,
    });
    alloc::vec![
        fact("b_connect", b_connect),
        fact("b_syns", b_syns.len()),
        fact(
            "server_paws_passive",
            counter(sim, HSERVER, Counter::PawsPassive)
        ),
        fact("a_connections", a_made),
        fact(
            "server_time_wait_armed_s",
            tw_len.unwrap_or_else(|| String::from("none"))
        ),
    ]
}
