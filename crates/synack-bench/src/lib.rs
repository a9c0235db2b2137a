//! Benchmark drivers: the same workload, connection lifecycles (handshake and close), run by
//! synack's core and by smoltcp in one process, over the same in-memory network (a fixed one-way
//! delay, time jumped to the next thing either stack or the wire needs), losing the same segments.
//!
//! **Architecture invariant:** nothing here is part of the page or the CLI; this crate only
//! measures. It reads no clock of its own: the benches (criterion) time calls into it.
//!
//! One lifecycle is client i (port `FIRST_PORT + i`) connecting to the server's port 80 and
//! closing first; the server closes when it reads the end of the stream; the run ends when every
//! socket on both sides is gone, TIME-WAIT included. Segment `n` of connection `i` in direction
//! `d` is lost when a hash of `(i, d, n)` says so ([`lost`]), so both stacks lose the same
//! segments as long as they send the same ones.

use std::collections::VecDeque;

pub mod smol;
pub mod synack;

/// A scale run: its name, a catalogue scenario and its settings.
pub type ScaleRun = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// The two largest catalogue runs, as the CLI runs them (every trace event kept):
/// `benches/scale.rs` times them in one process, `examples/scale_once.rs` in a fresh one.
pub const SCALE_RUNS: [ScaleRun; 2] = [
    ("port-exhaustion", "port-exhaustion", &[]),
    // 10,000 spoofed SYNs a second for the scenario's 10 s: 100,000 SYNs.
    ("syn-flood-100k", "syn-flood", &[("syn_rate", "10000")]),
];

/// The client's first local port.
pub const FIRST_PORT: u16 = 1024;
/// Client ports per server port: connection `i` goes from port `FIRST_PORT + i % PORTS` to the
/// server's port `SERVER_PORT + i / PORTS` (one client address has only so many ports).
pub const PORTS: usize = 65_536 - FIRST_PORT as usize;
/// The server's first port.
pub const SERVER_PORT: u16 = 80;
/// Server ports the workloads may use.
pub const SERVER_PORTS: u16 = 4;
/// The most concurrent connections these ports carry.
pub const MAX_CONNECTIONS: usize = PORTS * SERVER_PORTS as usize;

/// Connection `i`'s client port and server port.
pub fn ports_of(i: usize) -> Option<(u16, u16)> {
    let client = u16::try_from(usize::from(FIRST_PORT) + i % PORTS).ok()?;
    let server = u16::try_from(i / PORTS)
        .ok()
        .filter(|s| *s < SERVER_PORTS)?;
    Some((client, SERVER_PORT + server))
}
/// How long the server's application waits after the end of stream before it closes: longer
/// than either stack's delayed ACK, so that both send the ACK of the FIN on its own (seven
/// segments per lifecycle).
pub const CLOSE_DELAY_US: u64 = 20_000;
/// One-way delay of the wire, microseconds (RTT 10 ms, as synack's scenarios).
pub const DELAY_US: u64 = 5_000;

/// A workload.
#[derive(Clone, Copy, Debug)]
pub struct Workload {
    /// Connections opened at once and closed once established.
    pub connections: usize,
    /// Segments lost, per mille.
    pub loss_permille: u32,
    /// How long synack's TIME-WAIT lasts, seconds (Linux's 60, or smoltcp's fixed 10; smoltcp
    /// ignores this).
    pub time_wait_secs: u64,
}

impl Workload {
    /// `connections` lifecycles, lossless, with Linux's 60 s TIME-WAIT.
    pub fn new(connections: usize) -> Workload {
        Workload {
            connections,
            loss_permille: 0,
            time_wait_secs: 60,
        }
    }
}

/// What a run did, to check that both stacks did the whole workload.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Lifecycles completed (both ends closed).
    pub lifecycles: usize,
    /// Segments put on the wire.
    pub segments: u64,
    /// Segments the wire lost.
    pub lost: u64,
    /// Simulated time at the end, microseconds.
    pub end_us: u64,
}

/// Which way a segment goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// Client to server.
    ToServer,
    /// Server to client.
    ToClient,
}

/// Whether segment `n` (counted from 0) of connection `conn` in direction `dir` is lost:
/// splitmix64 of the three, compared with the loss rate.
pub fn lost(conn: usize, dir: Dir, n: u32, loss_permille: u32) -> bool {
    if loss_permille == 0 {
        return false;
    }
    let mut z = (conn as u64) << 33 ^ u64::from(dir == Dir::ToClient) << 32 ^ u64::from(n);
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    z % 1000 < u64::from(loss_permille)
}

/// The connection a port pair belongs to, and its direction.
pub fn classify(src_port: u16, dst_port: u16) -> Option<(usize, Dir)> {
    let server = SERVER_PORT..SERVER_PORT + SERVER_PORTS;
    let conn = |client: u16, server: u16| {
        Some(
            usize::from(client.checked_sub(FIRST_PORT)?)
                + usize::from(server - SERVER_PORT) * PORTS,
        )
    };
    if server.contains(&dst_port) {
        Some((conn(src_port, dst_port)?, Dir::ToServer))
    } else if server.contains(&src_port) {
        Some((conn(dst_port, src_port)?, Dir::ToClient))
    } else {
        None
    }
}

/// One direction of the wire: segments in the order sent, each delivered `DELAY_US` later, the
/// lost ones never.
#[derive(Debug)]
pub struct Wire<T> {
    queue: VecDeque<(u64, T)>,
    sent: Vec<[u32; 2]>,
    loss_permille: u32,
    /// Segments put on the wire.
    pub segments: u64,
    /// Segments lost.
    pub lost: u64,
}

impl<T> Wire<T> {
    /// An empty wire for `connections` connections.
    pub fn new(connections: usize, loss_permille: u32) -> Wire<T> {
        Wire {
            queue: VecDeque::new(),
            sent: vec![[0; 2]; connections],
            loss_permille,
            segments: 0,
            lost: 0,
        }
    }

    /// Sends `seg` at `now` (µs), unless the loss hash drops it.
    pub fn send(&mut self, now: u64, ports: (u16, u16), seg: T) {
        self.segments += 1;
        if let Some((conn, dir)) = classify(ports.0, ports.1)
            && let Some(slot) = self
                .sent
                .get_mut(conn)
                .and_then(|c| c.get_mut(usize::from(dir == Dir::ToClient)))
        {
            let n = *slot;
            *slot += 1;
            if lost(conn, dir, n, self.loss_permille) {
                self.lost += 1;
                return;
            }
        }
        self.queue.push_back((now + DELAY_US, seg));
    }

    /// When the next segment arrives.
    pub fn next_at(&self) -> Option<u64> {
        self.queue.front().map(|(at, _)| *at)
    }

    /// The next segment if it has arrived by `now`.
    pub fn pop_due(&mut self, now: u64) -> Option<T> {
        if self.next_at()? <= now {
            self.queue.pop_front().map(|(_, s)| s)
        } else {
            None
        }
    }
}

/// The earliest of some optional times.
pub fn earliest(times: impl IntoIterator<Item = Option<u64>>) -> Option<u64> {
    times.into_iter().flatten().min()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn loss_rate_is_close_to_what_was_asked() {
        let n = (0..100_000u32)
            .filter(|i| lost(*i as usize % 97, Dir::ToServer, *i, 10))
            .count();
        assert!((800..1200).contains(&n), "{n} of 100000 lost at 1%");
        assert!(!(0..1000).any(|i| lost(i, Dir::ToClient, 3, 0)));
    }

    #[test]
    fn every_connection_has_its_own_port_pair() {
        for i in [0, 1, PORTS - 1, PORTS, 2 * PORTS + 5, MAX_CONNECTIONS - 1] {
            let (c, s) = ports_of(i).unwrap();
            assert_eq!(classify(c, s), Some((i, Dir::ToServer)));
            assert_eq!(classify(s, c), Some((i, Dir::ToClient)));
        }
        assert_eq!(ports_of(MAX_CONNECTIONS), None);
    }

    #[test]
    fn synack_does_100_000_lifecycles_and_a_10_s_time_wait_ends_10_s_after_the_close() {
        let r = synack::run(Workload::new(100_000));
        assert_eq!(r.lifecycles, 100_000, "{r:?}");
        // The last close is over within 0.1 s; TIME-WAIT then holds each client socket.
        let sockets_at = |time_wait_secs, at_us| {
            let mut r = synack::Run::new(
                Workload {
                    time_wait_secs,
                    ..Workload::new(64)
                },
                true,
            )
            .unwrap();
            r.run_until(at_us);
            r.sockets()
        };
        assert_eq!(sockets_at(10, 10_000_000), (64, 1));
        assert_eq!(sockets_at(10, 10_200_000), (0, 1));
        assert_eq!(sockets_at(60, 10_200_000), (64, 1));
        assert_eq!(sockets_at(60, 60_200_000), (0, 1));
    }

    #[test]
    fn both_stacks_do_the_whole_workload_and_lose_the_same_segments() {
        for loss in [0, 10] {
            let w = Workload {
                loss_permille: loss,
                ..Workload::new(64)
            };
            let a = synack::run(w);
            let b = smol::run(w);
            assert_eq!(a.lifecycles, 64, "synack {a:?}");
            assert_eq!(b.lifecycles, 64, "smoltcp {b:?}");
            if loss == 0 {
                assert_eq!(a.lost, 0);
                // Seven segments per lifecycle in both: SYN, SYN-ACK, ACK, FIN, ACK, FIN, ACK.
                assert_eq!(a.segments, 7 * 64, "synack {a:?} smoltcp {b:?}");
                assert_eq!(b.segments, 7 * 64, "smoltcp {b:?}");
            } else {
                assert!(a.lost > 0 && b.lost > 0, "{a:?} {b:?}");
            }
        }
    }
}
