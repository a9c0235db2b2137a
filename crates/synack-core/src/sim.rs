//! The event engine: the only place that orders events.
//!
//! Hosts, links and application threads each say when they next need to run; the simulator keeps
//! one binary heap keyed by `(time, sequence number)` (smoltcp's `tests/netsim.rs`), with a FIFO
//! beside it for the items due at the current instant (which come after the heap's items of the
//! same instant, so the order is the heap's), pops the earliest, runs it, and collects what it
//! yields into the trace. Every run has a step budget and ends with a `LimitReached` event,
//! never a hang.
//!
//! The simulator also owns what is not a TCP stack: the router's chosen drops, holds and
//! duplicates ([`Rule`]), and hosts crashing and booting again ([`Op::Crash`], [`Op::Restart`],
//! steps of the host's own script: a crash loses every socket and timer and sends nothing; while
//! the host is down, segments to it are lost; it boots with new secrets, as Linux draws
//! `net_secret` and the port-offset key at boot).
//!
//! An attacker ([`crate::attack`]), when a run has one, is scheduled like a host: its wake-ups and
//! the segments that reach its own address are queue items; what it sends enters the links from
//! outside the hosts.

use crate::config::Sysctls;
use crate::net::{Link, Rule, RuleAction};
use crate::socket::{Call, CallResult};
use crate::tcp::{Host, HostConfig, Output, Secrets};
use crate::time::{Due, Duration, Instant};
use crate::trace::{Event, EventKind, HostId, LimitKind, LossReason, SegId};
use crate::wire::Segment;
use alloc::collections::{BinaryHeap, VecDeque};
use alloc::rc::Rc;
use alloc::vec::Vec;
use rand::{Rng, RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// What a step of a host's script does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// A socket call by the application.
    Call(Call),
    /// The host crashes (every other thread of the host dies with it).
    Crash,
    /// The host boots again.
    Restart,
    /// Go back to step `from`, `times` more times (an application's loop; a script of 28,000
    /// connections stays a few steps long).
    Repeat {
        /// The step to go back to.
        from: usize,
        /// How many more times.
        times: u32,
    },
}

impl From<Call> for Op {
    fn from(c: Call) -> Op {
        Op::Call(c)
    }
}

/// One step of an application thread's script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// How long after the previous call returned (or after the start) this step is taken.
    pub after: Duration,
    /// What it does.
    pub op: Op,
    /// If the call fails, make it again this much later, at most this many more times (an
    /// application's retry loop).
    pub retry: Option<(Duration, u32)>,
}

/// An application thread on a host: its calls, made in order.
#[derive(Clone, Debug, Default)]
pub struct Thread {
    /// The calls.
    pub steps: Vec<Step>,
}

/// Limits of a run.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Most trace events.
    pub max_events: usize,
    /// Most sockets per host.
    pub max_sockets: usize,
    /// Simulated time after which the run stops.
    pub until: Instant,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_events: 2_000_000,
            max_sockets: 200_000,
            until: Instant(600_000_000),
        }
    }
}

/// A host to build.
#[derive(Clone, Debug)]
pub struct HostSpec {
    /// Its settings.
    pub cfg: HostConfig,
    /// Its application threads.
    pub threads: Vec<Thread>,
}

/// Everything a run is made of.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// The seed of every random choice.
    pub seed: u64,
    /// The hosts.
    pub hosts: Vec<HostSpec>,
    /// The links (one per direction).
    pub links: Vec<Link>,
    /// Segments the router drops, holds or duplicates.
    pub rules: Vec<Rule>,
    /// The router drops a held segment older than this.
    pub router_msl: Duration,
    /// The run's limits.
    pub limits: Limits,
    /// An attacker, if the run has one (`attack.rs`).
    pub attack: Option<crate::attack::Attack>,
    /// A NAT in front of some of the hosts, if the run has one (`nat.rs`).
    pub nat: Option<crate::nat::NatConfig>,
}

/// The thread number of calls the reader makes from the page.
pub const READER_THREAD: u16 = 99;

/// What the reader does to a run at its current point (the page's interactions). A run is its
/// configuration plus these inputs, each applied after a given number of simulation steps.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "input", rename_all = "snake_case")]
pub enum Input {
    /// The router drops a segment in flight.
    Drop {
        /// The segment.
        seg: SegId,
    },
    /// The router holds a segment in flight for `millis`, then releases it.
    Hold {
        /// The segment.
        seg: SegId,
        /// How long.
        millis: u64,
    },
    /// The network delivers a segment in flight twice (the copy 1 ms after it).
    Duplicate {
        /// The segment.
        seg: SegId,
    },
    /// The router releases a held segment now.
    Release {
        /// The segment.
        seg: SegId,
    },
    /// A socket call on a host, made by the reader (thread [`READER_THREAD`]).
    Call {
        /// The host.
        host: HostId,
        /// The call.
        call: Call,
    },
    /// The host crashes.
    Crash {
        /// The host.
        host: HostId,
    },
    /// The host boots again.
    Restart {
        /// The host.
        host: HostId,
    },
    /// A segment made by the reader enters the link from host `from`'s side (as a spoofer next
    /// to that host would send it): it reaches the host that owns its destination address after
    /// that link's delay. No TCP stack sent it; the trace says so (`SendCause::Injected`).
    Inject {
        /// The side of the network it enters from.
        from: HostId,
        /// The segment, addresses included.
        seg: Segment,
    },
}

/// Why an input cannot be applied at this point of the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum InputError {
    /// The segment is not on the wire now (delivered, lost, or never sent).
    NotInFlight {
        /// The segment.
        seg: SegId,
    },
    /// The segment is not held.
    NotHeld {
        /// The segment.
        seg: SegId,
    },
    /// There is no such host.
    NoHost {
        /// The host.
        host: HostId,
    },
    /// The host is down: it runs nothing.
    HostDown {
        /// The host.
        host: HostId,
    },
    /// The host is up: it cannot boot.
    HostUp {
        /// The host.
        host: HostId,
    },
    /// No link leads from that host to the segment's destination address.
    NoRoute {
        /// The host it was to enter from.
        host: HostId,
    },
}

impl core::fmt::Display for InputError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            InputError::NotInFlight { seg } => write!(f, "segment {seg} is not in flight"),
            InputError::NotHeld { seg } => write!(f, "segment {seg} is not held"),
            InputError::NoHost { host } => write!(f, "there is no host {}", host.0),
            InputError::HostDown { host } => write!(f, "host {} is down", host.0),
            InputError::HostUp { host } => write!(f, "host {} is up", host.0),
            InputError::NoRoute { host } => write!(
                f,
                "no link leads from host {} to the segment's destination",
                host.0
            ),
        }
    }
}

/// A segment on the wire, as the page lists it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct InFlight {
    /// Its number.
    pub seg: SegId,
    /// When it left its sender.
    pub sent: Instant,
    /// When it is due (at its receiver, or at the router's release).
    pub due: Instant,
    /// The reader or a rule holds it in the router.
    pub held: bool,
}

/// A segment between its sender and its receiver.
#[derive(Clone, Debug)]
struct Flight {
    /// The segment as it travels on: its `Sent` event's allocation, or past a NAT its
    /// `Translated` event's (see `Sim::send`).
    seg: Rc<Segment>,
    /// When it left its sender.
    sent: Instant,
    /// When it is due at its receiver (or at the router's release).
    due: Instant,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Item {
    Timer(u16),
    App(u16, u16),
    Deliver(u64, u16),
    Release(u64, u16),
    /// The attacker's wake-up (`None`), or a segment reaching it.
    Attacker(Option<u64>),
    /// The NAT's wake-up (a mapping expires).
    Nat,
}

#[derive(Clone)]
struct ThreadState {
    steps: Vec<Step>,
    pc: usize,
    /// Retries made of the current step.
    tries: u32,
    /// Rounds made of the current `Op::Repeat`.
    rounds: u32,
}

/// A segment as the run's list of segments holds it: its number, when it was sent, and the
/// segment as on the wire (shared with the trace's event that carries it).
pub type WireSegment = (SegId, Instant, Rc<Segment>);

/// What a run has recorded: its trace and the segments it put on the wire, and how many of each
/// came before the first ones held here. A copy of it is empty and counts what it leaves out:
/// snapshots of a long run do not each copy a trace of a million events (and the page's wasm
/// holds no code to copy one).
#[derive(Debug, Default)]
struct Log {
    base: (usize, usize),
    trace: Vec<Event>,
    /// Each segment as on the wire: the allocation its `Sent` event holds (or, on its way out
    /// through a NAT, its `Translated` event), not a copy (a copy of every segment was a fifth
    /// of `port-exhaustion`'s memory).
    segments: Vec<WireSegment>,
}

impl Log {
    fn len(&self) -> (usize, usize) {
        (
            self.base.0 + self.trace.len(),
            self.base.1 + self.segments.len(),
        )
    }
}

impl Clone for Log {
    fn clone(&self) -> Log {
        Log {
            base: self.len(),
            ..Log::default()
        }
    }
}

/// A simulation in progress. Cloning it is a snapshot of the run without its log (trace and
/// segments): the copy goes on as the original would, and records from there (see [`Log`]).
#[derive(Clone)]
pub struct Sim {
    now: Instant,
    hosts: Vec<Host>,
    threads: Vec<Vec<ThreadState>>,
    links: Vec<Link>,
    rules: Vec<Rule>,
    router_msl: Duration,
    sent_by: Vec<u32>,
    queue: BinaryHeap<Due<Item>>,
    /// Items pushed for the current instant (a thread's next call, a local delivery), in the
    /// order they were pushed: they come after every item of the heap due at the same time and
    /// before every later one, so a FIFO keeps the heap's order without sifting them through it.
    /// About half of `port-exhaustion`'s items.
    due_now: VecDeque<Due<Item>>,
    /// Segments on the wire or held by the router, with when they were sent and are due. A hash
    /// table: every segment goes in and comes out once, and a `BTreeMap`'s rebalancing was 6 % of
    /// a 100,000-SYN flood. Never iterated but in [`Sim::in_flight`], which sorts what it lists,
    /// so its order reaches no trace.
    in_flight: crate::tcp::HashMap<u64, Flight>,
    /// Segments the reader holds: their scheduled delivery is skipped until released.
    /// Segments the router holds (a few: a small list, not a set's code in the page's wasm).
    held: Vec<u64>,
    /// Each host's configuration, to boot it again.
    configs: Vec<HostConfig>,
    /// Hosts that crashed and have not booted again.
    down: Vec<bool>,
    seq: u64,
    next_seg: u64,
    registered: Vec<Option<Instant>>,
    log: Log,
    rng: Xoshiro256PlusPlus,
    limits: Limits,
    stopped: bool,
    /// The attacker, if the run has one.
    attacker: Option<crate::attack::Attacker>,
    /// The NAT, if the run has one, and when its wake-up is scheduled.
    nat: Option<(crate::nat::Nat, Option<Instant>)>,
}

impl Sim {
    /// Builds the hosts and schedules every thread's first call.
    pub fn new(cfg: SimConfig) -> Sim {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(cfg.seed);
        let mut hosts = Vec::new();
        let mut configs = Vec::new();
        let mut threads = Vec::new();
        for (i, spec) in cfg.hosts.into_iter().enumerate() {
            let secrets = Secrets {
                isn: (rng.next_u64(), rng.next_u64()),
                ts: (rng.next_u64(), rng.next_u64()),
                port: (rng.next_u64(), rng.next_u64()),
            };
            let mut hc = spec.cfg;
            hc.max_sockets = hc.max_sockets.min(cfg.limits.max_sockets);
            configs.push(hc.clone());
            hosts.push(Host::new(
                HostId(u16::try_from(i).unwrap_or(u16::MAX)),
                hc,
                secrets,
            ));
            threads.push(
                spec.threads
                    .into_iter()
                    .map(|t| ThreadState {
                        steps: t.steps,
                        pc: 0,
                        tries: 0,
                        rounds: 0,
                    })
                    .collect::<Vec<_>>(),
            );
        }
        let n = hosts.len();
        let mut sim = Sim {
            now: Instant::ZERO,
            hosts,
            threads,
            links: cfg.links,
            rules: cfg.rules,
            router_msl: cfg.router_msl,
            sent_by: alloc::vec![0; n],
            configs,
            down: alloc::vec![false; n],
            queue: BinaryHeap::new(),
            due_now: VecDeque::new(),
            in_flight: crate::tcp::HashMap::default(),
            held: Vec::new(),
            seq: 0,
            next_seg: 1,
            registered: alloc::vec![None; n],
            log: Log::default(),
            rng,
            // Every event's time fits its stamp (`Event::LATEST`, 8.9 years): a run stops there.
            limits: Limits {
                until: cfg.limits.until.min(Event::LATEST),
                ..cfg.limits
            },
            stopped: false,
            attacker: cfg
                .attack
                .map(|a| crate::attack::Attacker::new(a, cfg.seed)),
            nat: cfg.nat.map(|n| (crate::nat::Nat::new(n, cfg.seed), None)),
        };
        for h in 0..n {
            let count = sim.threads.get(h).map_or(0, Vec::len);
            for t in 0..count {
                sim.schedule_thread(h, t);
            }
        }
        sim.run_attacker(Instant::ZERO, None);
        sim
    }

    /// The current simulated time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// The trace so far (of a copy, or after [`Sim::take_log`], the events recorded since).
    pub fn trace(&self) -> &[Event] {
        &self.log.trace
    }

    /// Every segment sent so far, with its number and send time (since the copy or the
    /// `take_log`, as for [`Sim::trace`]).
    pub fn segments(&self) -> &[WireSegment] {
        &self.log.segments
    }

    /// How many events and segments the run has recorded, those its log no longer holds
    /// included.
    pub fn log_len(&self) -> (usize, usize) {
        self.log.len()
    }

    /// Makes room in the log for `events` events and `segments` segments in all, so that it
    /// does not grow by doubling as the run records them (each doubling copies the log; in the
    /// page's wasm, where a reallocation cannot remap, that was a tenth of a large run). Only the
    /// capacity changes: the run, its trace and its segments are the same.
    pub fn reserve_log(&mut self, events: usize, segments: usize) {
        let (e, s) = self.log_len();
        let log = &mut self.log;
        log.trace.reserve(events.saturating_sub(e));
        log.segments.reserve(segments.saturating_sub(s));
    }

    /// Takes the log (events and segments) out of the run, which goes on recording after it.
    pub fn take_log(&mut self) -> (Vec<Event>, Vec<WireSegment>) {
        self.log.base = self.log_len();
        (
            core::mem::take(&mut self.log.trace),
            core::mem::take(&mut self.log.segments),
        )
    }

    /// Puts back in front of the log what came before it (what `take_log` or a copy left out,
    /// or as much of it as is given).
    pub fn prepend_log(&mut self, mut trace: Vec<Event>, mut segments: Vec<WireSegment>) {
        let log = &mut self.log;
        log.base = (
            log.base.0.saturating_sub(trace.len()),
            log.base.1.saturating_sub(segments.len()),
        );
        trace.append(&mut log.trace);
        segments.append(&mut log.segments);
        log.trace = trace;
        log.segments = segments;
    }

    /// The hosts.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// The host with this index.
    pub fn host(&self, id: HostId) -> Option<&Host> {
        self.hosts.get(usize::from(id.0))
    }

    /// The run stopped at a limit.
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    fn push(&mut self, at: Instant, item: Item) {
        self.seq += 1;
        // The lane stays sorted by (time, number): an item joins it only at the current time,
        // and the current time never goes back.
        let due = Due {
            at,
            seq: self.seq,
            item,
        };
        if at == self.now && self.due_now.back().is_none_or(|b| b.at <= at) {
            self.due_now.push_back(due);
        } else {
            self.queue.push(due);
        }
    }

    /// The next item, by (time, number), from the heap or the lane of items due now.
    fn pop(&mut self) -> Option<(Instant, Item)> {
        let lane_first = match (self.due_now.front(), self.queue.peek()) {
            (Some(l), Some(q)) => l.key() < q.key(),
            (Some(_), None) => true,
            (None, _) => false,
        };
        let next = if lane_first {
            self.due_now.pop_front()
        } else {
            self.queue.pop()
        };
        next.map(|d| (d.at, d.item))
    }

    fn schedule_thread(&mut self, h: usize, t: usize) {
        let Some(th) = self.threads.get(h).and_then(|v| v.get(t)) else {
            return;
        };
        if let Some(step) = th.steps.get(th.pc) {
            let at = self.now + step.after;
            self.push(
                at,
                Item::App(u16::try_from(h).unwrap_or(0), u16::try_from(t).unwrap_or(0)),
            );
        }
    }

    /// Changes a host's sysctls from now on (the reader flipping a knob mid-run, or a
    /// packetdrill backtick line).
    pub fn sysctl_mut(&mut self, id: HostId) -> Option<&mut Sysctls> {
        self.hosts.get_mut(usize::from(id.0)).map(Host::sysctl_mut)
    }

    /// Makes a call on a host directly (outside any scripted thread), at the current time.
    pub fn call(&mut self, id: HostId, thread: u16, call: Call) -> CallResult {
        let now = self.now;
        let h = usize::from(id.0);
        let r = match self.hosts.get_mut(h) {
            Some(host) => host.call(now, thread, call),
            None => {
                return CallResult::Err {
                    errno: crate::socket::Errno::EBADF,
                };
            }
        };
        self.after_host(h);
        r
    }

    /// Injects a segment as if it had arrived at host `to` now.
    pub fn inject(&mut self, to: HostId, seg: Segment) -> SegId {
        let (id, seg) = self.sent_from_outside(seg, crate::trace::SendCause::Injected);
        self.fly(id, seg, self.now, Item::Deliver(id.0, to.0));
        id
    }

    /// Whether host `id` is down (crashed, not booted again).
    pub fn is_down(&self, id: HostId) -> bool {
        self.down.get(usize::from(id.0)).copied().unwrap_or(false)
    }

    /// The segments on the wire now.
    pub fn in_flight(&self) -> Vec<InFlight> {
        let mut list: Vec<InFlight> = self
            .in_flight
            .iter()
            .map(|(id, f)| InFlight {
                seg: SegId(*id),
                sent: f.sent,
                due: f.due,
                held: self.held.contains(id),
            })
            .collect();
        // In the order they were sent (the table's own order is its hash's).
        crate::small_sort::sort_by_key(&mut list, |f| f.seg.0);
        list
    }

    /// The host a segment to `ip` reaches.
    fn host_for(&self, ip: crate::wire::Ipv4) -> Option<u16> {
        self.configs
            .iter()
            .position(|c| c.addr == ip)
            .and_then(|i| u16::try_from(i).ok())
    }

    fn host_index(&self, host: HostId) -> Result<usize, InputError> {
        let h = usize::from(host.0);
        if h < self.hosts.len() {
            Ok(h)
        } else {
            Err(InputError::NoHost { host })
        }
    }

    /// Applies a reader's input now. A call returns its result (`Blocked` completes later, as
    /// for any thread).
    pub fn apply(&mut self, input: &Input) -> Result<Option<CallResult>, InputError> {
        let now = self.now;
        match input {
            Input::Drop { seg } | Input::Hold { seg, .. } | Input::Duplicate { seg } => {
                let Some(f) = self.in_flight.get(&seg.0).cloned() else {
                    return Err(InputError::NotInFlight { seg: *seg });
                };
                let to = self
                    .host_for(f.seg.dst.ip)
                    .ok_or(InputError::NotInFlight { seg: *seg })?;
                match input {
                    Input::Drop { .. } => {
                        self.take_flight(seg.0);
                        self.held.retain(|h| *h != seg.0);
                        self.lose(*seg, LossReason::Chosen);
                    }
                    Input::Hold { millis, .. } => {
                        let until = now.max(f.due) + Duration::from_millis(*millis);
                        if !self.held.contains(&seg.0) {
                            self.held.push(seg.0);
                        }
                        if let Some(fl) = self.in_flight.get_mut(&seg.0) {
                            fl.due = until;
                        }
                        self.record(None, EventKind::Held { id: *seg, until });
                        self.push(until, Item::Release(seg.0, to));
                    }
                    _ => {
                        let copy = SegId(self.next_seg);
                        self.next_seg += 1;
                        let due = now.max(f.due) + Duration::from_millis(1);
                        self.record(None, EventKind::Duplicated { id: *seg, copy });
                        self.in_flight.insert(
                            copy.0,
                            Flight {
                                seg: f.seg,
                                sent: now,
                                due,
                            },
                        );
                        self.push(due, Item::Deliver(copy.0, to));
                    }
                }
                Ok(None)
            }
            Input::Release { seg } => {
                let Some(f) = self.in_flight.get(&seg.0) else {
                    return Err(InputError::NotInFlight { seg: *seg });
                };
                if !self.held.contains(&seg.0) {
                    return Err(InputError::NotHeld { seg: *seg });
                }
                let to = self
                    .host_for(f.seg.dst.ip)
                    .ok_or(InputError::NotInFlight { seg: *seg })?;
                if let Some(fl) = self.in_flight.get_mut(&seg.0) {
                    fl.due = now;
                }
                self.push(now, Item::Release(seg.0, to));
                Ok(None)
            }
            Input::Call { host, call } => {
                let h = self.host_index(*host)?;
                if self.down.get(h).copied().unwrap_or(true) {
                    return Err(InputError::HostDown { host: *host });
                }
                let result = match self.hosts.get_mut(h) {
                    Some(hst) => hst.call(now, READER_THREAD, call.clone()),
                    None => return Err(InputError::NoHost { host: *host }),
                };
                self.after_host(h);
                Ok(Some(result))
            }
            Input::Crash { host } => {
                let h = self.host_index(*host)?;
                if self.down.get(h).copied().unwrap_or(true) {
                    return Err(InputError::HostDown { host: *host });
                }
                // No thread survives a crash the reader causes.
                self.crash(h, usize::MAX);
                Ok(None)
            }
            Input::Restart { host } => {
                let h = self.host_index(*host)?;
                if !self.down.get(h).copied().unwrap_or(false) {
                    return Err(InputError::HostUp { host: *host });
                }
                self.restart(h);
                Ok(None)
            }
            Input::Inject { from, seg } => {
                let h = self.host_index(*from)?;
                let hid = HostId(u16::try_from(h).unwrap_or(0));
                let link = self
                    .host_for(seg.dst.ip)
                    .and_then(|to| self.links.iter().find(|l| l.from == hid && l.to.0 == to))
                    .map(|l| (l.to, l.delay))
                    .ok_or(InputError::NoRoute { host: *from })?;
                let (to, delay) = link;
                let (id, seg) =
                    self.sent_from_outside(seg.clone(), crate::trace::SendCause::Injected);
                self.fly(id, seg, now + delay, Item::Deliver(id.0, to.0));
                Ok(None)
            }
        }
    }

    /// When the next event is due, if any.
    pub fn next_event_at(&self) -> Option<Instant> {
        let heap = self.queue.peek().map(|d| d.at);
        let lane = self.due_now.front().map(|l| l.at);
        heap.into_iter().chain(lane).min()
    }

    /// Runs one event. Returns false when nothing is left or the run stopped.
    pub fn step(&mut self) -> bool {
        if self.stopped {
            return false;
        }
        let Some((at, item)) = self.pop() else {
            return false;
        };
        if at > self.limits.until {
            self.queue.push(Due { at, seq: 0, item });
            return false;
        }
        self.now = self.now.max(at);
        match item {
            Item::Timer(h) => {
                let h = usize::from(h);
                if self.registered.get(h).copied().flatten() == Some(at) {
                    if let Some(r) = self.registered.get_mut(h) {
                        *r = None;
                    }
                    if let Some(host) = self.hosts.get_mut(h) {
                        host.handle_timeout(at);
                    }
                    self.after_host(h);
                }
            }
            Item::App(h, t) => self.run_thread(usize::from(h), usize::from(t)),
            Item::Deliver(id, to) => self.deliver(id, to),
            Item::Attacker(seg) => self.run_attacker(at, seg),
            Item::Nat => {
                if let Some((nat, wake)) = self.nat.as_mut().filter(|(_, w)| *w == Some(at)) {
                    *wake = None;
                    nat.handle_timeout(at);
                }
                self.after_nat();
            }
            Item::Release(id, to) => {
                self.held.retain(|h| *h != id);
                let age = self.in_flight.get(&id).map(|f| at.saturating_since(f.sent));
                if age.is_some_and(|a| a > self.router_msl) {
                    self.take_flight(id);
                    self.record(
                        None,
                        EventKind::Lost {
                            id: SegId(id),
                            reason: LossReason::Expired,
                        },
                    );
                } else if age.is_some() {
                    self.record(None, EventKind::Released { id: SegId(id) });
                    self.deliver(id, to);
                }
            }
        }
        if self.log_len().0 >= self.limits.max_events && !self.stopped {
            self.stop(LimitKind::Events);
        }
        !self.stopped
    }

    /// Runs until nothing is left to do, the time limit, or another limit.
    pub fn run(&mut self) {
        while self.step() {}
    }

    /// Runs every event due at or before `t`.
    pub fn run_until(&mut self, t: Instant) {
        while self.next_event_at().is_some_and(|at| at <= t) && self.step() {}
        self.now = self.now.max(t.min(self.limits.until));
    }

    fn stop(&mut self, limit: LimitKind) {
        self.stopped = true;
        self.record(None, EventKind::LimitReached { limit });
    }

    fn record(&mut self, host: Option<HostId>, kind: EventKind) {
        self.log.trace.push(Event::new(self.now, host, kind));
    }

    fn run_thread(&mut self, h: usize, t: usize) {
        let Some(th) = self.threads.get_mut(h).and_then(|v| v.get_mut(t)) else {
            return;
        };
        let Some(step) = th.steps.get(th.pc).cloned() else {
            return;
        };
        th.pc += 1;
        let tries = core::mem::take(&mut th.tries);
        let now = self.now;
        let thread = u16::try_from(t).unwrap_or(0);
        let call = match step.op {
            Op::Crash => {
                self.crash(h, t);
                self.schedule_thread(h, t);
                return;
            }
            Op::Restart => {
                self.restart(h);
                self.schedule_thread(h, t);
                return;
            }
            Op::Repeat { from, times } => {
                if th.rounds < times {
                    th.rounds += 1;
                    th.pc = from;
                } else {
                    th.rounds = 0;
                }
                self.schedule_thread(h, t);
                return;
            }
            Op::Call(call) => call,
        };
        if self.down.get(h).copied().unwrap_or(true) {
            // A down host runs no application: the step is skipped.
            self.schedule_thread(h, t);
            return;
        }
        let result = match self.hosts.get_mut(h) {
            Some(host) => host.call(now, thread, call),
            None => return,
        };
        self.after_host(h);
        if let (CallResult::Err { .. }, Some((every, most))) = (&result, step.retry)
            && tries < most
        {
            self.retry(h, t, every, tries + 1);
            return;
        }
        if result != CallResult::Blocked {
            self.schedule_thread(h, t);
        }
    }

    /// Makes thread `t`'s last step again `every` from now.
    fn retry(&mut self, h: usize, t: usize, every: Duration, tries: u32) {
        if let Some(th) = self.threads.get_mut(h).and_then(|v| v.get_mut(t)) {
            th.pc = th.pc.saturating_sub(1);
            th.tries = tries;
        }
        let at = self.now + every;
        self.push(
            at,
            Item::App(u16::try_from(h).unwrap_or(0), u16::try_from(t).unwrap_or(0)),
        );
    }

    /// A segment reaches host `to` (or is lost there, if it is down).
    fn deliver(&mut self, id: u64, to: u16) {
        if self.held.contains(&id) {
            // The reader holds it: it waits for its release.
            return;
        }
        let Some(Flight { seg, .. }) = self.take_flight(id) else {
            return;
        };
        let h = usize::from(to);
        if self.down.get(h).copied().unwrap_or(true) {
            self.record(
                None,
                EventKind::Lost {
                    id: SegId(id),
                    reason: LossReason::HostDown,
                },
            );
            return;
        }
        let at = self.now;
        self.record(Some(HostId(to)), EventKind::Delivered { id: SegId(id) });
        if let Some(host) = self.hosts.get_mut(h) {
            host.handle_segment(at, SegId(id), &seg);
        }
        self.after_host(h);
    }

    /// Host `h` crashes (its thread `t` lives on as the machine's own script): all state is
    /// lost, its other threads die, nothing is sent.
    fn crash(&mut self, h: usize, t: usize) {
        let hid = HostId(u16::try_from(h).unwrap_or(0));
        if let Some(d) = self.down.get_mut(h) {
            *d = true;
        }
        self.boot(h);
        if let Some(r) = self.registered.get_mut(h) {
            *r = None;
        }
        if let Some(threads) = self.threads.get_mut(h) {
            for (i, th) in threads.iter_mut().enumerate() {
                if i != t {
                    th.pc = th.steps.len();
                }
            }
        }
        self.record(Some(hid), EventKind::Crashed);
    }

    /// Host `h` boots again.
    fn restart(&mut self, h: usize) {
        let hid = HostId(u16::try_from(h).unwrap_or(0));
        if self.down.get(h).copied() != Some(true) {
            return;
        }
        if let Some(d) = self.down.get_mut(h) {
            *d = false;
        }
        self.boot(h);
        self.record(Some(hid), EventKind::Restarted);
    }

    /// A fresh stack for host `h`, with new boot-time secrets from the run's seed.
    fn boot(&mut self, h: usize) {
        let Some(cfg) = self.configs.get(h).cloned() else {
            return;
        };
        let secrets = Secrets {
            isn: (self.rng.next_u64(), self.rng.next_u64()),
            ts: (self.rng.next_u64(), self.rng.next_u64()),
            port: (self.rng.next_u64(), self.rng.next_u64()),
        };
        if let Some(host) = self.hosts.get_mut(h) {
            *host = Host::new(HostId(u16::try_from(h).unwrap_or(0)), cfg, secrets);
            host.booted(self.now);
        }
    }

    /// Collects a host's outputs and re-registers its next timeout.
    fn after_host(&mut self, h: usize) {
        let hid = HostId(u16::try_from(h).unwrap_or(0));
        while let Some(out) = self.hosts.get_mut(h).and_then(Host::poll_output) {
            match out {
                Output::Event(kind) => {
                    let returned = match &kind {
                        EventKind::Returned { thread, .. } => Some(usize::from(*thread)),
                        _ => None,
                    };
                    self.record(Some(hid), kind);
                    if let Some(t) = returned {
                        self.schedule_thread(h, t);
                    }
                }
                Output::Segment(seg, cause) => self.send(h, seg, cause),
            }
        }
        if self.hosts.get(h).is_some_and(Host::over_limit) && !self.stopped {
            self.stop(LimitKind::Sockets);
        }
        let next = self
            .hosts
            .get(h)
            .and_then(Host::poll_timeout)
            .map(|at| at.max(self.now));
        if next.is_some() && next != self.registered.get(h).copied().flatten() {
            if let Some(r) = self.registered.get_mut(h) {
                *r = next;
            }
            if let Some(at) = next {
                self.push(at, Item::Timer(u16::try_from(h).unwrap_or(0)));
            }
        }
    }

    /// Puts a host's segment on the wire. Its `Sent` event keeps the host's allocation, and the
    /// list of segments and the table in flight share it; through a NAT, the list holds the
    /// segment as on the outside wire (the `Translated` allocation on the way out, the `Sent`
    /// one on the way in) and the table the segment as it travels on (the `Translated` one).
    fn send(&mut self, h: usize, sent: Rc<Segment>, cause: crate::trace::SendCause) {
        let id = SegId(self.next_seg);
        self.next_seg += 1;
        let hid = HostId(u16::try_from(h).unwrap_or(0));
        let seg = Rc::clone(&sent);
        self.record(
            Some(hid),
            EventKind::Sent {
                id,
                seg: sent,
                cause,
            },
        );
        // The NAT, next to the hosts behind it, translates before anything else happens to the
        // segment: the list of segments (the pcap, the page's wire) holds it as it travels between
        // the NAT and the outside.
        let Some((wire, seg)) = self.through_nat(id, seg) else {
            return;
        };
        self.log.segments.push((id, self.now, wire));
        let nth = match self.sent_by.get_mut(h) {
            Some(n) => {
                *n += 1;
                *n
            }
            None => 0,
        };
        let rule = self
            .rules
            .iter()
            .find(|r| r.from == hid && r.nth == nth)
            .map(|r| r.action);
        if rule == Some(RuleAction::Drop) {
            self.lose(id, LossReason::Chosen);
            return;
        }
        // Local delivery (the host's own address or loopback) takes no time on a link.
        let own = self
            .hosts
            .get(h)
            .is_some_and(|host| host.addr() == seg.dst.ip)
            || seg.dst.ip.is_loopback();
        let target = if own {
            Some((hid, Duration::ZERO, 0, 0))
        } else {
            self.links
                .iter()
                .find(|l| {
                    l.from == hid
                        && self
                            .configs
                            .get(usize::from(l.to.0))
                            .is_some_and(|t| t.addr == seg.dst.ip)
                })
                .map(|l| (l.to, l.delay, l.loss_ppm, l.dup_ppm))
        };
        let Some((to, delay, loss_ppm, dup_ppm)) = target else {
            // The attacker's own address: it receives what comes back to it.
            if let Some(a) = self.attacker.as_ref().filter(|a| a.owns(seg.dst.ip)) {
                let due = self.now + a.link_delay();
                self.fly(id, seg, due, Item::Attacker(Some(id.0)));
                return;
            }
            self.lose(id, LossReason::NoRoute);
            return;
        };
        if loss_ppm > 0 && self.rng.random_range(0..1_000_000u32) < loss_ppm {
            self.lose(id, LossReason::RandomLoss);
            return;
        }
        let now = self.now;
        let mut copy_after = match rule {
            Some(RuleAction::Duplicate(gap)) => Some(gap),
            _ => None,
        };
        if copy_after.is_none() && dup_ppm > 0 && self.rng.random_range(0..1_000_000u32) < dup_ppm {
            copy_after = Some(Duration::from_millis(1));
        }
        if let Some(gap) = copy_after {
            // The copy waits in the router (a delayed duplicate), and is subject to its MSL.
            let copy = SegId(self.next_seg);
            self.next_seg += 1;
            self.record(None, EventKind::Duplicated { id, copy });
            let until = now + delay + gap;
            if !self.held.contains(&copy.0) {
                self.held.push(copy.0);
            }
            self.record(None, EventKind::Held { id: copy, until });
            self.in_flight.insert(
                copy.0,
                Flight {
                    seg: seg.clone(),
                    sent: now,
                    due: until,
                },
            );
            self.push(until, Item::Release(copy.0, to.0));
        }
        let due = match rule {
            Some(RuleAction::Hold(span)) => now + delay + span,
            _ => now + delay,
        };
        self.in_flight.insert(
            id.0,
            Flight {
                seg,
                sent: now,
                due,
            },
        );
        if let Some(RuleAction::Hold(span)) = rule {
            let until = now + delay + span;
            if !self.held.contains(&id.0) {
                self.held.push(id.0);
            }
            self.record(None, EventKind::Held { id, until });
            self.push(until, Item::Release(id.0, to.0));
            return;
        }
        self.push(now + delay, Item::Deliver(id.0, to.0));
    }

    /// A segment passes the NAT, if the run has one: a segment from a host behind it to the
    /// outside gets its public source; one to its public address gets the inside host's address
    /// (or is dropped, if no mapping has its port). Returns the segment as on the outside wire and
    /// as it travels on. The NAT has no link of its own: its translation takes no time.
    fn through_nat(&mut self, id: SegId, seg: Rc<Segment>) -> Option<(Rc<Segment>, Rc<Segment>)> {
        let now = self.now;
        let Some((nat, _)) = self.nat.as_mut() else {
            return Some((Rc::clone(&seg), seg));
        };
        let outbound = nat.is_inside(seg.src.ip) && !nat.is_inside(seg.dst.ip);
        let inbound = seg.dst.ip == nat.public();
        let translated = if outbound {
            nat.handle_outbound(now, &seg)
        } else if inbound {
            nat.handle_inbound(now, &seg)
        } else {
            return Some((Rc::clone(&seg), seg));
        };
        self.after_nat();
        let Some(t) = translated else {
            self.log.segments.push((id, now, seg));
            self.lose(id, LossReason::NoMapping);
            return None;
        };
        let t = Rc::new(t);
        self.record(
            None,
            EventKind::Translated {
                id,
                seg: Rc::clone(&t),
            },
        );
        Some(if outbound {
            (Rc::clone(&t), t)
        } else {
            (seg, t)
        })
    }

    /// Records the NAT's expired mappings and schedules its next wake-up.
    fn after_nat(&mut self) {
        let mut expired = Vec::new();
        let mut wake = None;
        let now = self.now;
        if let Some((nat, registered)) = self.nat.as_mut() {
            expired = nat.poll_expired();
            let next = nat.poll_timeout().map(|at| at.max(now));
            if next.is_some() && next != *registered {
                *registered = next;
                wake = next;
            }
        }
        for m in expired {
            self.record(
                None,
                EventKind::NatExpired {
                    inside: m.inside,
                    public: m.public,
                    remote: m.remote,
                },
            );
        }
        if let Some(at) = wake {
            self.push(at, Item::Nat);
        }
    }

    /// The run's NAT, if it has one.
    pub fn nat(&self) -> Option<&crate::nat::Nat> {
        self.nat.as_ref().map(|(n, _)| n)
    }

    /// The attacker runs (at its wake-up, or as a segment reaches it); what it sends leaves from
    /// outside the hosts, as `SendCause::Attack`.
    fn run_attacker(&mut self, at: Instant, seg: Option<u64>) {
        let Some(mut a) = self.attacker.take() else {
            return;
        };
        let now = self.now;
        match seg {
            Some(id) => {
                if let Some(f) = self.take_flight(id) {
                    self.record(None, EventKind::Delivered { id: SegId(id) });
                    a.handle_segment(now, &f.seg);
                }
            }
            None => {
                if a.is_due(at) {
                    a.handle_timeout(now);
                }
            }
        }
        let delay = a.link_delay();
        // Taken one at a time (no list of them for every wake-up: a flood wakes it for each SYN).
        while let Some(seg) = a.poll_output() {
            let (id, seg) = self.sent_from_outside(seg, crate::trace::SendCause::Attack);
            let Some(to) = self.host_for(seg.dst.ip) else {
                self.lose(id, LossReason::NoRoute);
                continue;
            };
            self.fly(id, seg, now + delay, Item::Deliver(id.0, to));
        }
        let wake = a.schedule();
        self.attacker = Some(a);
        if let Some(at) = wake {
            self.push(at, Item::Attacker(None));
        }
    }

    /// A segment that no host sent (injected, or the attacker's) gets its number and its `Sent`
    /// event; returns the allocation that it, the list of segments and the wire share.
    fn sent_from_outside(
        &mut self,
        seg: Segment,
        cause: crate::trace::SendCause,
    ) -> (SegId, Rc<Segment>) {
        let id = SegId(self.next_seg);
        self.next_seg += 1;
        let seg = Rc::new(seg);
        self.log.segments.push((id, self.now, Rc::clone(&seg)));
        self.record(
            None,
            EventKind::Sent {
                id,
                seg: Rc::clone(&seg),
                cause,
            },
        );
        (id, seg)
    }

    /// A segment on its way: in flight from now until `due`, when `arrival` happens.
    fn fly(&mut self, id: SegId, seg: Rc<Segment>, due: Instant, arrival: Item) {
        let sent = self.now;
        self.in_flight.insert(id.0, Flight { seg, sent, due });
        self.push(due, arrival);
    }

    /// Takes segment `id` off the wire; the table gives its memory back as it empties (after a
    /// flood, say).
    fn take_flight(&mut self, id: u64) -> Option<Flight> {
        let f = self.in_flight.remove(&id);
        crate::tcp::shrink(&mut self.in_flight);
        f
    }

    /// The run's attacker, if it has one.
    pub fn attacker(&self) -> Option<&crate::attack::Attacker> {
        self.attacker.as_ref()
    }

    fn lose(&mut self, id: SegId, reason: LossReason) {
        self.record(None, EventKind::Lost { id, reason });
    }
}

#[cfg(test)]
mod tests {
    use super::Rc;
    use crate::scenario;
    use crate::trace::EventKind;
    use crate::wire::Segment;
    use alloc::collections::BTreeMap;

    /// Each segment on the wire travels in the allocation of the event that carries it (its
    /// `Sent`, or past a NAT its `Translated`), not a copy: looked at after every step of a run
    /// through a NAT, both ways, and of a flood's (whose SYNs come from outside the hosts).
    /// Fails when the table in flight holds a copy, or the segment from the other side of the
    /// NAT.
    #[test]
    fn a_segment_in_flight_is_its_events_allocation() {
        for (id, set) in [
            ("nat-port-reuse", &[][..]),
            ("syn-flood", &[("syn_rate", "10")]),
        ] {
            let sc = scenario::find(id).unwrap_or_else(|e| panic!("{e:?}"));
            let mut p = sc.params(1);
            sc.set_all(&mut p, set).unwrap_or_else(|e| panic!("{e:?}"));
            let mut run = sc.start(&p);
            // The latest event that carries each segment, from the trace read so far.
            let mut carried: BTreeMap<u64, (Rc<Segment>, bool)> = BTreeMap::new();
            let (mut read, mut checked, mut translated) = (0, 0, 0);
            while run.step() {
                let sim = run.sim();
                for e in sim.trace().iter().skip(read) {
                    match &e.kind {
                        EventKind::Sent { id, seg, .. } => {
                            carried.insert(id.0, (Rc::clone(seg), false));
                        }
                        EventKind::Translated { id, seg } => {
                            carried.insert(id.0, (Rc::clone(seg), true));
                        }
                        _ => {}
                    }
                }
                read = sim.trace().len();
                for (seg, f) in &sim.in_flight {
                    let Some((carrier, nat)) = carried.get(seg) else {
                        panic!("{id}: segment {seg} in flight has no event");
                    };
                    assert!(Rc::ptr_eq(carrier, &f.seg), "{id}: segment {seg} is a copy");
                    checked += 1;
                    translated += usize::from(*nat);
                }
            }
            assert!(checked > 10, "{id}: {checked} checked");
            assert!(
                id != "nat-port-reuse" || translated > 3,
                "{translated} translated"
            );
        }
    }
}
