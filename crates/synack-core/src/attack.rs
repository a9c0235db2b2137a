//! Attackers: simulated entities that are not TCP stacks. An attacker sends segments with any
//! source address it likes and learns only what comes back to an address it owns, as a host on the
//! Internet would: it is off-path, it never sees what the target sends elsewhere.
//!
//! Like a host, an attacker takes inputs (`handle_timeout`, `handle_segment`), yields outputs
//! (`poll_output`) and says when it next needs to run (`poll_timeout`); the simulator orders its
//! events with everyone else's and records what it sends as `SendCause::Attack`. Its random
//! choices (spoofed addresses, ports, sequence numbers) come from its own stream, seeded from the
//! run's seed, so that adding an attacker changes nothing else of a run.
//!
//! Two attacks, for the catalogue's `syn-flood` and `isn-predict` rows:
//!
//! - [`SynFlood`]: spoofed SYNs at a steady rate, each from a random address of a network nobody
//!   answers from (RFC 4987 §2: the target's SYN-ACKs go nowhere and its requests wait out their
//!   timers).
//! - [`IsnPredict`]: the attack of RFC 6528 §1 (and Morris 1985, Mitnick 1994): two probes from the
//!   attacker's own address show how the target's ISN moves with time; a SYN spoofed from a trusted
//!   host (which must not answer the SYN-ACK it never asked for: here it is down) is then
//!   acknowledged blind with the predicted ISN + 1, and data follows. With RFC 793's 4 µs clock the
//!   prediction is exact; with RFC 6528's keyed hash of the 4-tuple it is not.

use crate::seq::SeqNum;
use crate::time::{Duration, Instant};
use crate::wire::{Endpoint, Flags, Ipv4, Options, Segment, TcpOption};
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use rand::{Rng, RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// An attacker of a run: what it does and how far it is from its target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attack {
    /// The attack.
    pub kind: AttackKind,
    /// One-way delay between the attacker and any host (both ways).
    pub link_delay: Duration,
}

/// Which attack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttackKind {
    /// Spoofed SYNs at a steady rate.
    SynFlood(SynFlood),
    /// Predict the target's next ISN and complete a spoofed handshake blind.
    IsnPredict(IsnPredict),
}

/// A SYN flood: `per_second` spoofed SYNs from `start` until `stop`, evenly spaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynFlood {
    /// The listener attacked.
    pub target: Endpoint,
    /// SYNs per second.
    pub per_second: u32,
    /// When the first SYN leaves.
    pub start: Instant,
    /// No SYN leaves at or after this.
    pub stop: Instant,
    /// The network the spoofed source addresses are drawn from, and its prefix length.
    pub sources: (Ipv4, u8),
}

/// ISN prediction: probes at `start` and `start + gap` from `own`, the spoofed SYN from `spoof` at
/// `start + 2 gap`, the blind ACK and `payload` at `start + 3 gap`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IsnPredict {
    /// The listener attacked.
    pub target: Endpoint,
    /// The attacker's own address, where its probes' SYN-ACKs come back.
    pub own: Ipv4,
    /// The trusted host's address and port it pretends to be.
    pub spoof: Endpoint,
    /// When the first probe leaves.
    pub start: Instant,
    /// The time between its steps.
    pub gap: Duration,
    /// What it sends once it believes the spoofed connection is open.
    pub payload: Vec<u8>,
}

/// What an ISN-predicting attacker learned and guessed, for outcomes and the page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Prediction {
    /// The ISNs of its probes' SYN-ACKs, in order.
    pub seen: [Option<SeqNum>; 2],
    /// The ISN it expects the target to choose for the spoofed SYN.
    pub guess: Option<SeqNum>,
    /// The ISN of its spoofed SYN (its side of the spoofed connection).
    pub spoofed_iss: Option<SeqNum>,
}

/// A probe of the ISN predictor: its source, when its SYN left, its ISN, what came back.
#[derive(Clone, Copy, Debug)]
struct Probe {
    src: Endpoint,
    sent_at: Instant,
    iss: SeqNum,
    seen: Option<SeqNum>,
}

/// An attacker in a run.
#[derive(Clone, Debug)]
pub struct Attacker {
    attack: Attack,
    rng: Xoshiro256PlusPlus,
    out: VecDeque<Segment>,
    /// Steps taken: SYNs sent by the flood, or the predictor's steps (probe, probe, SYN, ACK).
    steps: u64,
    probes: Vec<Probe>,
    prediction: Prediction,
    /// The wake-up the simulator holds for it.
    scheduled: Option<Instant>,
}

/// Its own random stream: the run's seed, kept apart from the simulator's stream.
const RNG_SALT: u64 = 0xa77a_c4e5_5eed_0001;

impl Attacker {
    /// An attacker that has done nothing yet.
    pub fn new(attack: Attack, seed: u64) -> Attacker {
        Attacker {
            attack,
            rng: Xoshiro256PlusPlus::seed_from_u64(seed ^ RNG_SALT),
            out: VecDeque::new(),
            steps: 0,
            probes: Vec::new(),
            prediction: Prediction::default(),
            scheduled: None,
        }
    }

    /// The one-way delay to any host.
    pub fn link_delay(&self) -> Duration {
        self.attack.link_delay
    }

    /// Segments to `ip` reach the attacker (its own address, never a spoofed one).
    pub fn owns(&self, ip: Ipv4) -> bool {
        match &self.attack.kind {
            AttackKind::SynFlood(_) => false,
            AttackKind::IsnPredict(p) => p.own == ip,
        }
    }

    /// What the ISN predictor learned and guessed so far.
    pub fn prediction(&self) -> Prediction {
        self.prediction
    }

    /// When the attacker next needs `handle_timeout`.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match &self.attack.kind {
            AttackKind::SynFlood(f) => {
                if f.per_second == 0 {
                    return None;
                }
                // Evenly spaced, computed from the count so that no rounding accumulates.
                let us = self.steps.saturating_mul(1_000_000) / u64::from(f.per_second);
                let at = f.start + Duration::from_micros(us);
                (at < f.stop).then_some(at)
            }
            AttackKind::IsnPredict(p) => (self.steps < 4).then(|| {
                let us = p.gap.micros().saturating_mul(self.steps);
                p.start + Duration::from_micros(us)
            }),
        }
    }

    /// The next segment to send, in order.
    #[must_use]
    pub fn poll_output(&mut self) -> Option<Segment> {
        self.out.pop_front()
    }

    /// For the simulator: the instant of a new wake-up to schedule, if the next one differs from
    /// the one it already holds.
    #[must_use]
    pub fn schedule(&mut self) -> Option<Instant> {
        let next = self.poll_timeout();
        if next == self.scheduled {
            return None;
        }
        self.scheduled = next;
        next
    }

    /// For the simulator: whether a wake-up at `at` is the one it holds (a later one replaced
    /// older ones). The held one is spent.
    pub fn is_due(&mut self, at: Instant) -> bool {
        if self.scheduled == Some(at) {
            self.scheduled = None;
            true
        } else {
            false
        }
    }

    /// Runs every step due at or before `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        while self.poll_timeout().is_some_and(|at| at <= now) {
            let step = self.steps;
            self.steps += 1;
            match self.attack.kind.clone() {
                AttackKind::SynFlood(f) => self.flood_syn(&f),
                AttackKind::IsnPredict(p) => self.predict_step(&p, step, now),
            }
        }
    }

    /// A segment sent to the attacker's own address arrived.
    pub fn handle_segment(&mut self, _now: Instant, seg: &Segment) {
        // A probe's SYN-ACK: note the ISN, and reset the request so that it does not linger.
        if !(seg.flags.syn() && seg.flags.ack()) {
            return;
        }
        let Some(i) = self
            .probes
            .iter()
            .position(|p| p.src == seg.dst && seg.ack == p.iss + 1)
        else {
            return;
        };
        if let Some(p) = self.probes.get_mut(i) {
            p.seen = Some(seg.seq);
        }
        if let Some(slot) = self.prediction.seen.get_mut(i) {
            *slot = Some(seg.seq);
        }
        self.out.push_back(Segment {
            src: seg.dst,
            dst: seg.src,
            seq: seg.ack,
            ack: SeqNum(0),
            flags: Flags::RST,
            window: 0,
            options: Options::new(),
            payload: Vec::new(),
        });
    }

    /// One spoofed SYN: a random address of the source network, a random port and ISN, no
    /// options (as flood tools send them).
    fn flood_syn(&mut self, f: &SynFlood) {
        let (net, prefix) = f.sources;
        let host_bits = 32 - u32::from(prefix.min(32));
        let mask = if host_bits >= 32 {
            u32::MAX
        } else {
            (1u32 << host_bits) - 1
        };
        let ip = Ipv4((net.0 & !mask) | (self.rng.next_u32() & mask));
        let port = self.rng.random_range(1024..=65535u16);
        let seq = SeqNum(self.rng.next_u32());
        self.out.push_back(Segment {
            src: Endpoint::new(ip, port),
            dst: f.target,
            seq,
            ack: SeqNum(0),
            flags: Flags::SYN,
            window: 65535,
            options: Options::new(),
            payload: Vec::new(),
        });
    }

    /// Step `step` of the prediction: probe, probe, spoofed SYN, blind ACK and data.
    fn predict_step(&mut self, p: &IsnPredict, step: u64, now: Instant) {
        match step {
            0 | 1 => {
                let src = Endpoint::new(p.own, self.rng.random_range(32768..=60999u16));
                let iss = SeqNum(self.rng.next_u32());
                self.probes.push(Probe {
                    src,
                    sent_at: now,
                    iss,
                    seen: None,
                });
                self.out.push_back(syn(src, p.target, iss));
            }
            2 => {
                let iss = SeqNum(self.rng.next_u32());
                self.prediction.spoofed_iss = Some(iss);
                self.prediction.guess = self.guess(now);
                self.out.push_back(syn(p.spoof, p.target, iss));
            }
            _ => {
                let (Some(iss), Some(guess)) = (self.prediction.spoofed_iss, self.prediction.guess)
                else {
                    return;
                };
                let ack = Segment {
                    src: p.spoof,
                    dst: p.target,
                    seq: iss + 1,
                    ack: guess + 1,
                    flags: Flags::ACK,
                    window: 65535,
                    options: Options::new(),
                    payload: Vec::new(),
                };
                let data = Segment {
                    flags: Flags::PSH | Flags::ACK,
                    payload: p.payload.clone(),
                    ..ack.clone()
                };
                self.out.push_back(ack);
                if !p.payload.is_empty() {
                    self.out.push_back(data);
                }
            }
        }
    }

    /// The ISN the target will pick for a SYN sent at `at`: a straight line through what the two
    /// probes saw (both crossed the same link, so send times stand for arrival times); with one
    /// probe answered, RFC 793's 4 µs clock is assumed.
    fn guess(&self, at: Instant) -> Option<SeqNum> {
        let seen: Vec<(Instant, SeqNum)> = self
            .probes
            .iter()
            .filter_map(|p| p.seen.map(|isn| (p.sent_at, isn)))
            .collect();
        let (t2, isn2) = *seen.last()?;
        let ahead = i64::try_from(at.saturating_since(t2).micros()).unwrap_or(i64::MAX);
        let step = match seen.first() {
            Some(&(t1, isn1)) if t1 < t2 => {
                let moved = i64::from(isn2.0.wrapping_sub(isn1.0) as i32);
                let span = i64::try_from((t2 - t1).micros()).unwrap_or(i64::MAX).max(1);
                moved.saturating_mul(ahead) / span
            }
            _ => ahead / 4,
        };
        // Sequence arithmetic is modulo 2^32.
        Some(SeqNum(isn2.0.wrapping_add(step as u32)))
    }
}

/// A SYN with the MSS option alone.
fn syn(src: Endpoint, dst: Endpoint, iss: SeqNum) -> Segment {
    Segment {
        src,
        dst,
        seq: iss,
        ack: SeqNum(0),
        flags: Flags::SYN,
        window: 65535,
        options: Options::of(&[TcpOption::Mss(1460)]).unwrap_or_default(),
        payload: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn predictor() -> Attacker {
        Attacker::new(
            Attack {
                kind: AttackKind::IsnPredict(IsnPredict {
                    target: Endpoint::new(Ipv4::new(10, 0, 0, 2), 8080),
                    own: Ipv4::new(10, 0, 0, 66),
                    spoof: Endpoint::new(Ipv4::new(10, 0, 0, 1), 1023),
                    start: Instant(100_000),
                    gap: Duration::from_millis(100),
                    payload: alloc::vec![b'x'],
                }),
                link_delay: Duration::from_millis(5),
            },
            7,
        )
    }

    /// The SYN-ACK a target with ISN `isn` sends to probe `probe`.
    fn answer(a: &Attacker, probe: usize, isn: u32) -> Segment {
        let p = a.probes.get(probe).copied().unwrap_or(Probe {
            src: Endpoint::new(Ipv4(0), 0),
            sent_at: Instant::ZERO,
            iss: SeqNum(0),
            seen: None,
        });
        Segment {
            src: Endpoint::new(Ipv4::new(10, 0, 0, 2), 8080),
            dst: p.src,
            seq: SeqNum(isn),
            ack: p.iss + 1,
            flags: Flags::SYN | Flags::ACK,
            window: 65535,
            options: Options::new(),
            payload: Vec::new(),
        }
    }

    fn drain(a: &mut Attacker) -> Vec<Segment> {
        core::iter::from_fn(|| a.poll_output()).collect()
    }

    #[test]
    fn the_predictor_extrapolates_a_clock_and_acks_blind() {
        let mut a = predictor();
        a.handle_timeout(Instant(100_000));
        assert_eq!(drain(&mut a).len(), 1);
        // A 4 µs clock, probes arriving 5 ms after they left.
        a.handle_segment(Instant(110_000), &answer(&a, 0, 105_000 / 4));
        assert_eq!(drain(&mut a).first().map(|s| s.flags), Some(Flags::RST));
        a.handle_timeout(Instant(200_000));
        drain(&mut a);
        a.handle_segment(Instant(210_000), &answer(&a, 1, 205_000 / 4));
        drain(&mut a);
        a.handle_timeout(Instant(300_000));
        let spoofed = drain(&mut a);
        assert_eq!(
            spoofed.first().map(|s| s.src.ip),
            Some(Ipv4::new(10, 0, 0, 1))
        );
        assert_eq!(a.prediction().guess, Some(SeqNum(305_000 / 4)));
        a.handle_timeout(Instant(400_000));
        let blind = drain(&mut a);
        assert_eq!(blind.len(), 2);
        assert_eq!(blind.first().map(|s| s.ack), Some(SeqNum(305_000 / 4 + 1)));
        assert_eq!(a.poll_timeout(), None);
    }

    #[test]
    fn the_flood_spaces_its_syns_and_spoofs_its_sources() {
        let mut a = Attacker::new(
            Attack {
                kind: AttackKind::SynFlood(SynFlood {
                    target: Endpoint::new(Ipv4::new(10, 0, 0, 2), 8080),
                    per_second: 3,
                    start: Instant::ZERO,
                    stop: Instant(1_000_000),
                    sources: (Ipv4::new(198, 18, 0, 0), 15),
                }),
                link_delay: Duration::from_millis(5),
            },
            1,
        );
        let mut times = Vec::new();
        while let Some(at) = a.poll_timeout() {
            a.handle_timeout(at);
            times.push(at);
        }
        assert_eq!(times, [Instant(0), Instant(333_333), Instant(666_666)]);
        let syns = drain(&mut a);
        assert_eq!(syns.len(), 3);
        assert!(
            syns.iter()
                .all(|s| s.flags == Flags::SYN && (s.src.ip.0 >> 17) == (0xc612_0000 >> 17))
        );
        assert!(!a.owns(Ipv4::new(198, 18, 0, 1)));
    }
}
