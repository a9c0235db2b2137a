//! A NAT that puts several hosts behind one public address (DESIGN.md, "The network"): what a host
//! behind it sends out gets the public address and a public port (SNAT, a mapping per connection),
//! and what comes back to that address and port is sent on to the host (DNAT, by the mapping
//! table). Segments between hosts on the same side pass untouched.
//!
//! A mapping is made by a connection's first outbound segment and lives while segments use it. Like
//! Linux conntrack it follows the connection: once it has seen a FIN each way, or a RST, the
//! mapping expires `close_timeout` after its last segment (conntrack's `CLOSE` is 10 s; its
//! `TIME_WAIT` is 120 s, which many gateways shorten), otherwise `idle_timeout` after it (conntrack's
//! `ESTABLISHED`, 5 days). A SYN on a closed mapping opens it again (conntrack lets a new SYN
//! reopen a closed entry). Its public port is chosen `sequential`ly, at `random` (from the run's
//! seed), or `reuse`d: the port of the mapping that expired first, when one has (the case of
//! `nat-port-reuse`).
//!
//! The NAT is an entity like a host: it takes segments (`handle_outbound`, `handle_inbound`) and
//! timeouts (`handle_timeout`), yields the mappings that expired (`poll_expired`, traced), and says
//! when a mapping next expires (`poll_timeout`). Time passed in never goes backwards.

use crate::time::{Duration, Instant};
use crate::wire::{Endpoint, Ipv4, Segment};
use alloc::vec::Vec;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;

/// How the NAT picks a new mapping's public port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum PortChoice {
    /// The next port after the last one given (from [`FIRST_PORT`]), skipping ports in use.
    Sequential,
    /// A port drawn from the run's seed, skipping ports in use.
    Random,
    /// The port of an expired mapping (the earliest made), if one has expired; otherwise as
    /// `Sequential`.
    Reuse,
}

/// The lowest public port (Linux's `ip_local_port_range` starts here).
pub const FIRST_PORT: u16 = 32768;
/// The highest public port (`ip_local_port_range`'s end).
pub const LAST_PORT: u16 = 60999;

/// conntrack's `ESTABLISHED` timeout, for a mapping whose connection has not closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(5 * 24 * 3600);

/// A NAT's settings.
#[derive(Clone, Debug)]
pub struct NatConfig {
    /// The public address.
    pub public: Ipv4,
    /// The addresses behind it.
    pub inside: &'static [Ipv4],
    /// How public ports are chosen.
    pub ports: PortChoice,
    /// How long a mapping whose connection closed (a FIN each way, or a RST) outlives its last
    /// segment.
    pub close_timeout: Duration,
    /// How long any other mapping outlives its last segment.
    pub idle_timeout: Duration,
}

/// One translation: a connection from `inside` to `remote` leaves as `public`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Mapping {
    /// The host's own address and port.
    pub inside: Endpoint,
    /// The public address and port it gets.
    pub public: Endpoint,
    /// The peer outside.
    pub remote: Endpoint,
    /// When a segment last used it.
    pub last: Instant,
    /// It has expired: its port is free.
    pub expired: bool,
    fin_out: bool,
    fin_in: bool,
    rst: bool,
}

impl Mapping {
    fn closed(&self) -> bool {
        self.rst || (self.fin_out && self.fin_in)
    }

    /// Notes a segment's flags: FIN from this side, RST, or a new SYN that opens it again.
    fn saw(&mut self, now: Instant, seg: &Segment, outbound: bool) {
        self.last = now;
        if seg.flags.syn() && !seg.flags.ack() {
            (self.fin_out, self.fin_in, self.rst) = (false, false, false);
        }
        self.rst |= seg.flags.rst();
        if seg.flags.fin() {
            if outbound {
                self.fin_out = true;
            } else {
                self.fin_in = true;
            }
        }
    }
}

/// A NAT in operation. Cloning it is a snapshot.
#[derive(Clone, Debug)]
pub struct Nat {
    cfg: NatConfig,
    /// Every mapping made, in the order made; an expired one stays until its entry is reused.
    mappings: Vec<Mapping>,
    next_port: u16,
    rng: Xoshiro256PlusPlus,
    /// Mappings expired and not yet polled.
    expired: Vec<Mapping>,
}

impl Nat {
    /// A NAT with no mapping; `seed` draws its random ports.
    pub fn new(cfg: NatConfig, seed: u64) -> Nat {
        Nat {
            cfg,
            mappings: Vec::new(),
            next_port: FIRST_PORT,
            // Its own stream, so that a NAT changes no other random draw of the run.
            rng: Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x6e61_745f_706f_7274),
            expired: Vec::new(),
        }
    }

    /// Its public address.
    pub fn public(&self) -> Ipv4 {
        self.cfg.public
    }

    /// Whether `ip` is behind it.
    pub fn is_inside(&self, ip: Ipv4) -> bool {
        self.cfg.inside.contains(&ip)
    }

    /// The live mappings.
    pub fn mappings(&self) -> impl Iterator<Item = &Mapping> {
        self.mappings.iter().filter(|m| !m.expired)
    }

    /// A segment from a host behind the NAT to the outside: its source rewritten to the public
    /// address and the connection's port (a new mapping for a new connection). `None` when every
    /// port is taken: the segment is dropped.
    pub fn handle_outbound(&mut self, now: Instant, seg: &Segment) -> Option<Segment> {
        self.expire(now);
        let live = self
            .mappings
            .iter()
            .position(|m| !m.expired && m.inside == seg.src && m.remote == seg.dst);
        let i = match live {
            Some(i) => i,
            None => {
                let (port, slot) = self.choose_port()?;
                let m = Mapping {
                    inside: seg.src,
                    public: Endpoint::new(self.cfg.public, port),
                    remote: seg.dst,
                    last: now,
                    expired: false,
                    fin_out: false,
                    fin_in: false,
                    rst: false,
                };
                match slot.and_then(|i| self.mappings.get_mut(i).map(|e| (i, e))) {
                    Some((i, entry)) => {
                        *entry = m;
                        i
                    }
                    None => {
                        self.mappings.push(m);
                        self.mappings.len() - 1
                    }
                }
            }
        };
        let m = self.mappings.get_mut(i)?;
        m.saw(now, seg, true);
        let mut out = seg.clone();
        out.src = m.public;
        Some(out)
    }

    /// A segment to the public address: its destination rewritten to the host the mapping names.
    /// `None` when no mapping has that port and peer: the segment is dropped.
    pub fn handle_inbound(&mut self, now: Instant, seg: &Segment) -> Option<Segment> {
        self.expire(now);
        let m = self
            .mappings
            .iter_mut()
            .find(|m| !m.expired && m.public == seg.dst && m.remote == seg.src)?;
        m.saw(now, seg, false);
        let mut out = seg.clone();
        out.dst = m.inside;
        Some(out)
    }

    /// Expires the mappings due by `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.expire(now);
    }

    /// The mappings that expired since the last poll, in the order they were made.
    #[must_use]
    pub fn poll_expired(&mut self) -> Vec<Mapping> {
        core::mem::take(&mut self.expired)
    }

    /// When the next mapping expires.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.mappings().map(|m| expiry(m, &self.cfg)).min()
    }

    fn expire(&mut self, now: Instant) {
        for m in &mut self.mappings {
            if !m.expired && expiry(m, &self.cfg) <= now {
                m.expired = true;
                self.expired.push(*m);
            }
        }
    }

    fn in_use(&self, port: u16) -> bool {
        self.mappings().any(|m| m.public.port == port)
    }

    /// A free public port by the configured choice, and the expired entry it takes over.
    fn choose_port(&mut self) -> Option<(u16, Option<usize>)> {
        if self.cfg.ports == PortChoice::Reuse {
            let old = self
                .mappings
                .iter()
                .enumerate()
                .find(|(_, m)| m.expired && !self.in_use(m.public.port));
            if let Some((i, m)) = old {
                return Some((m.public.port, Some(i)));
            }
        }
        let span = u32::from(LAST_PORT - FIRST_PORT) + 1;
        if self.cfg.ports == PortChoice::Random {
            // A few draws, then the sequential search (every port may be nearly taken).
            for _ in 0..16 {
                let draw = self.rng.random_range(0..span);
                let port = u16::try_from(u32::from(FIRST_PORT) + draw).unwrap_or(FIRST_PORT);
                if !self.in_use(port) {
                    return Some((port, None));
                }
            }
        }
        for _ in 0..span {
            let port = self.next_port;
            self.next_port = if port >= LAST_PORT {
                FIRST_PORT
            } else {
                port + 1
            };
            if !self.in_use(port) {
                return Some((port, None));
            }
        }
        None
    }
}

/// When a mapping expires, by its connection's state.
fn expiry(m: &Mapping, cfg: &NatConfig) -> Instant {
    m.last
        + if m.closed() {
            cfg.close_timeout
        } else {
            cfg.idle_timeout
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seq::SeqNum;
    use crate::wire::{Flags, Options};

    const PUBLIC: Ipv4 = Ipv4::new(10, 0, 0, 1);
    const A: Endpoint = Endpoint::new(Ipv4::new(192, 168, 0, 2), 40000);
    const B: Endpoint = Endpoint::new(Ipv4::new(192, 168, 0, 3), 50000);
    const SERVER: Endpoint = Endpoint::new(Ipv4::new(10, 0, 0, 2), 8080);

    fn nat(ports: PortChoice) -> Nat {
        nat_seeded(ports, 1)
    }

    fn nat_seeded(ports: PortChoice, seed: u64) -> Nat {
        Nat::new(
            NatConfig {
                public: PUBLIC,
                inside: &[A.ip, B.ip],
                ports,
                close_timeout: Duration::from_secs(10),
                idle_timeout: IDLE_TIMEOUT,
            },
            seed,
        )
    }

    fn seg(src: Endpoint, dst: Endpoint, flags: Flags) -> Segment {
        Segment {
            src,
            dst,
            seq: SeqNum(1),
            ack: SeqNum(0),
            flags,
            window: 0,
            options: Options::new(),
            payload: Vec::new(),
        }
    }

    fn at(s: u64) -> Instant {
        Instant::ZERO + Duration::from_secs(s)
    }

    /// A connects and closes (a FIN each way); B connects `later_s` after A's last segment.
    fn b_port_after_a_closed(ports: PortChoice, later_s: u64) -> (u16, u16) {
        let mut n = nat(ports);
        let a = n
            .handle_outbound(at(0), &seg(A, SERVER, Flags::SYN))
            .unwrap();
        n.handle_outbound(at(1), &seg(A, SERVER, Flags::FIN | Flags::ACK));
        let back = n
            .handle_inbound(at(1), &seg(SERVER, a.src, Flags::FIN | Flags::ACK))
            .unwrap();
        assert_eq!(back.dst, A);
        let b = n
            .handle_outbound(at(1 + later_s), &seg(B, SERVER, Flags::SYN))
            .unwrap();
        (a.src.port, b.src.port)
    }

    #[test]
    fn outbound_gets_the_public_address_and_inbound_finds_the_host() {
        let mut n = nat(PortChoice::Sequential);
        let out = n
            .handle_outbound(at(0), &seg(A, SERVER, Flags::SYN))
            .unwrap();
        assert_eq!(out.src, Endpoint::new(PUBLIC, FIRST_PORT));
        assert_eq!(out.dst, SERVER);
        let back = n
            .handle_inbound(at(0), &seg(SERVER, out.src, Flags::SYN | Flags::ACK))
            .unwrap();
        assert_eq!(back.dst, A);
        // No mapping for another port or another peer.
        let mut other = seg(SERVER, out.src, Flags::ACK);
        other.dst.port += 1;
        assert!(n.handle_inbound(at(0), &other).is_none());
        assert_eq!(n.mappings().count(), 1);
    }

    #[test]
    fn reuse_takes_the_expired_port_and_only_once_it_expired() {
        let (a, b) = b_port_after_a_closed(PortChoice::Reuse, 11);
        assert_eq!(a, b);
        // Before the close timeout the mapping lives: B gets another port.
        let (a, b) = b_port_after_a_closed(PortChoice::Reuse, 9);
        assert_ne!(a, b);
    }

    #[test]
    fn sequential_and_random_give_another_port() {
        let (a, b) = b_port_after_a_closed(PortChoice::Sequential, 11);
        assert_eq!(b, a + 1);
        let (a, b) = b_port_after_a_closed(PortChoice::Random, 11);
        assert_ne!(a, b);
        assert!((FIRST_PORT..=LAST_PORT).contains(&b));
    }

    #[test]
    fn random_ports_come_from_the_seed() {
        let ports = |seed| {
            let mut n = nat_seeded(PortChoice::Random, seed);
            [A, B].map(|ep| {
                n.handle_outbound(at(0), &seg(ep, SERVER, Flags::SYN))
                    .unwrap()
                    .src
                    .port
            })
        };
        assert_eq!(ports(7), ports(7));
        assert_ne!(ports(7), ports(8));
    }

    #[test]
    fn an_open_mapping_outlives_the_close_timeout_and_a_rst_closes_it() {
        let mut n = nat(PortChoice::Sequential);
        n.handle_outbound(at(0), &seg(A, SERVER, Flags::SYN))
            .unwrap();
        assert_eq!(n.poll_timeout(), Some(at(0) + IDLE_TIMEOUT));
        n.handle_outbound(at(1), &seg(A, SERVER, Flags::RST))
            .unwrap();
        assert_eq!(n.poll_timeout(), Some(at(11)));
        n.handle_timeout(at(11));
        assert_eq!(n.mappings().count(), 0);
        let expired = n.poll_expired();
        assert_eq!(expired.len(), 1);
        assert_eq!(expired.first().map(|m| m.inside), Some(A));
        assert!(n.poll_expired().is_empty());
    }
}
