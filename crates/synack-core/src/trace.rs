//! The trace: every typed event of a run, each naming the Linux function or RFC section behind it.
//!
//! The trace is the product. The CLI prints it in English through `Display`; the page renders the
//! same values from per-language templates, so reasons are enums, never free text.

use crate::counters::Counter;
use crate::seq::SeqNum;
use crate::socket::{Call, CallResult};
use crate::tcp::State;
use crate::time::Instant;
use crate::wire::{Endpoint, Ipv4, Segment};
use core::fmt;
use serde::Serialize;

/// A host of the run, by its index in the scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct HostId(pub u16);

/// A segment of the run, numbered in the order segments were sent (from 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct SegId(pub u64);

impl fmt::Display for SegId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// One end's view of a connection: local endpoint and, once known, the remote one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ConnName {
    /// The local address and port.
    pub local: Endpoint,
    /// The peer, if connected.
    pub remote: Option<Endpoint>,
}

impl fmt::Display for ConnName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.remote {
            Some(r) => write!(
                f,
                "{}:{}-{}:{}",
                self.local.ip, self.local.port, r.ip, r.port
            ),
            None => write!(f, "{}:{}", self.local.ip, self.local.port),
        }
    }
}

/// Why a host sent a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SendCause {
    /// `tcp_connect`: the active open's SYN.
    Syn,
    /// `tcp_v4_send_synack`: a listener answers a SYN; or `tcp_send_synack` in simultaneous open.
    SynAck,
    /// `tcp_send_ack`: an immediate ACK.
    Ack,
    /// `tcp_delack_timer_handler`: the delayed-ACK timer sent the ACK.
    DelayedAck,
    /// `tcp_write_xmit`: new data.
    Data,
    /// `tcp_send_fin`: the application closed or shut down writing.
    Fin,
    /// `tcp_retransmit_timer`: the RTO expired and the oldest unacknowledged segment went again.
    Retransmit,
    /// `reqsk_timer_handler`: the request timer retransmitted a SYN-ACK.
    SynAckRetransmit,
    /// `tcp_v4_send_reset`: a segment that no socket accepts (RFC 9293 §3.10.7.1).
    ResetNoSocket,
    /// `tcp_send_active_reset`: the application aborted the connection.
    ResetAbort,
    /// `tcp_v4_timewait_ack`: TIME-WAIT acknowledges a retransmitted FIN or an old segment.
    TimeWaitAck,
    /// `tcp_send_dupack`: a duplicate ACK for an unacceptable or out-of-order segment.
    DupAck,
    /// `tcp_send_challenge_ack`: RFC 5961 §4/§5 challenge ACK.
    ChallengeAck,
    /// Not sent by a TCP stack: injected by the scenario or the reader.
    Injected,
    /// `tcp_v4_send_synack` with a SYN cookie (`cookie_v4_init_sequence`): no request is kept, so
    /// it is never retransmitted.
    SynAckCookie,
    /// Not sent by a TCP stack: the attacker's segments, spoofed or from its own address.
    Attack,
}

impl SendCause {
    /// The Linux function that sends it.
    pub const fn cite(self) -> &'static str {
        match self {
            SendCause::Syn => "tcp_connect",
            SendCause::SynAck => "tcp_v4_send_synack",
            SendCause::Ack => "tcp_send_ack",
            SendCause::DelayedAck => "tcp_delack_timer_handler",
            SendCause::Data => "tcp_write_xmit",
            SendCause::Fin => "tcp_send_fin",
            SendCause::Retransmit => "tcp_retransmit_timer",
            SendCause::SynAckRetransmit => "reqsk_timer_handler",
            SendCause::ResetNoSocket => "tcp_v4_send_reset",
            SendCause::ResetAbort => "tcp_send_active_reset",
            SendCause::TimeWaitAck => "tcp_v4_timewait_ack",
            SendCause::DupAck => "tcp_send_dupack",
            SendCause::ChallengeAck => "tcp_send_challenge_ack",
            SendCause::Injected => "injected",
            SendCause::SynAckCookie => "tcp_v4_send_synack, cookie_v4_init_sequence",
            SendCause::Attack => "attacker",
        }
    }
}

/// Why the network lost a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum LossReason {
    /// The link's random loss (its `loss` rate, drawn from the run's seed).
    RandomLoss,
    /// The reader or the scenario chose to drop this segment.
    Chosen,
    /// No host owns the destination address.
    NoRoute,
    /// The receiving host is down (crashed, not restarted yet): nothing answers.
    HostDown,
    /// The router held it longer than its MSL and dropped it.
    Expired,
    /// A NAT has no mapping for it (inbound), or no free port for it (outbound).
    NoMapping,
}

/// Why a host's TCP discarded a segment it received.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Discard {
    /// `tcp_v4_rcv`: no socket and the segment is a RST, so nothing is answered (RFC 9293 §3.10.7.1).
    NoSocketRst,
    /// `tcp_rcv_state_process`: a listener ignores a RST.
    ListenRst,
    /// `tcp_rcv_state_process`: a segment without SYN, ACK or RST.
    NoFlags,
    /// `tcp_conn_request`: the SYN queue is full and SYN cookies are off (`inet_csk_reqsk_queue_is_full`,
    /// `tcp_syn_flood_action`).
    SynQueueFull,
    /// `tcp_conn_request`: the accept queue is full (`sk_acceptq_is_full`).
    AcceptQueueFullSyn,
    /// `tcp_check_req` / `tcp_v4_syn_recv_sock`: the handshake's ACK found the accept queue full.
    AcceptQueueFullAck,
    /// `tcp_conn_request`: fewer than a quarter of `tcp_max_syn_backlog` left, cookies off, and the
    /// peer not proven (`tcp_peer_is_proven`).
    MaxSynBacklog,
    /// `tcp_validate_incoming` / `tcp_sequence`: outside the receive window (RFC 9293 §3.10.7.4).
    OutOfWindow,
    /// `tcp_paws_discard`: the timestamp is older than the last one seen (RFC 7323 §5).
    Paws,
    /// `tcp_validate_incoming`: a RST inside the window but not at rcv_nxt; a challenge ACK answers it (RFC 5961 §3).
    RstNotExact,
    /// `tcp_validate_incoming`: a SYN on a synchronized connection; a challenge ACK answers it (RFC 5961 §4).
    SynOnEstablished,
    /// `tcp_rcv_synsent_state_process`: a segment SYN-SENT cannot use.
    SynSentIgnored,
    /// `tcp_ack`: an ACK for data never sent (RFC 9293 §3.10.7.4); a challenge ACK answers it.
    AckOfUnsent,
    /// `tcp_ack`: an ACK further below snd_una than the peer could have seen acknowledged
    /// (RFC 5961 §5.2); a challenge ACK answers it.
    AckTooOld,
    /// `tcp_timewait_state_process`: TIME-WAIT ignores the segment.
    TimeWaitIgnored,
    /// `tcp_timewait_state_process` with `tcp_rfc1337=1`: a RST cannot end TIME-WAIT (RFC 1337).
    TimeWaitRstIgnored,
    /// `tcp_check_req`: a segment for a request that is not the handshake's ACK.
    RequestIgnored,
    /// `tcp_data_queue`: data that was already received (a duplicate).
    Duplicate,
    /// Data after the receiving side was shut down.
    AfterShutdown,
    /// linux-3.10 `tcp_v4_conn_request` with `tcp_tw_recycle`: the peer's timestamp cached in the
    /// TCP metrics is newer than the SYN's, and recent (`tcp_peer_is_proven`).
    PawsPassive,
}

impl Discard {
    /// The Linux function or RFC section behind the rule.
    pub const fn cite(self) -> &'static str {
        match self {
            Discard::NoSocketRst => "tcp_v4_rcv (RFC 9293 §3.10.7.1)",
            Discard::ListenRst => "tcp_rcv_state_process",
            Discard::NoFlags => "tcp_rcv_state_process",
            Discard::SynQueueFull => "tcp_conn_request, inet_csk_reqsk_queue_is_full",
            Discard::AcceptQueueFullSyn => "tcp_conn_request, sk_acceptq_is_full",
            Discard::AcceptQueueFullAck => "tcp_v4_syn_recv_sock, sk_acceptq_is_full",
            Discard::MaxSynBacklog => "tcp_conn_request",
            Discard::OutOfWindow => "tcp_sequence (RFC 9293 §3.10.7.4)",
            Discard::Paws => "tcp_paws_discard (RFC 7323 §5)",
            Discard::RstNotExact => "tcp_validate_incoming (RFC 5961 §3)",
            Discard::SynOnEstablished => "tcp_validate_incoming (RFC 5961 §4)",
            Discard::SynSentIgnored => "tcp_rcv_synsent_state_process",
            Discard::AckOfUnsent => "tcp_ack (RFC 9293 §3.10.7.4, RFC 5961 §5.2)",
            Discard::AckTooOld => "tcp_ack (RFC 5961 §5.2)",
            Discard::TimeWaitIgnored => "tcp_timewait_state_process",
            Discard::TimeWaitRstIgnored => "tcp_timewait_state_process (RFC 1337)",
            Discard::RequestIgnored => "tcp_check_req",
            Discard::Duplicate => "tcp_data_queue",
            Discard::AfterShutdown => "tcp_rcv_state_process",
            Discard::PawsPassive => "tcp_v4_conn_request",
        }
    }
}

impl fmt::Display for Discard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Discard::NoSocketRst => "a RST for no socket is not answered",
            Discard::ListenRst => "a listener ignores a RST",
            Discard::NoFlags => "no SYN, ACK or RST",
            Discard::SynQueueFull => "SYN queue full (cookies off)",
            Discard::AcceptQueueFullSyn => "accept queue full",
            Discard::AcceptQueueFullAck => "accept queue full: the handshake's ACK is dropped",
            Discard::MaxSynBacklog => "less than a quarter of tcp_max_syn_backlog left",
            Discard::OutOfWindow => "outside the receive window",
            Discard::Paws => "timestamp older than the last one seen (PAWS)",
            Discard::RstNotExact => "RST in the window but not at rcv_nxt",
            Discard::SynOnEstablished => "SYN on a synchronized connection",
            Discard::SynSentIgnored => "not usable in SYN-SENT",
            Discard::AckOfUnsent => "acknowledges data never sent",
            Discard::AckTooOld => "acknowledges data far below snd_una",
            Discard::TimeWaitIgnored => "ignored by TIME-WAIT",
            Discard::TimeWaitRstIgnored => "RST ignored in TIME-WAIT (tcp_rfc1337=1)",
            Discard::RequestIgnored => "not the handshake's ACK",
            Discard::Duplicate => "already received",
            Discard::AfterShutdown => "data after shutdown",
            Discard::PawsPassive => "per-peer PAWS (tcp_tw_recycle)",
        };
        f.write_str(text)
    }
}

/// The timers of a connection (Linux keeps several at once).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum TimerKind {
    /// Retransmission (`icsk_retransmit_timer`, `tcp_retransmit_timer`).
    Retransmit,
    /// Delayed ACK (`icsk_delack_timer`, `tcp_delack_timer_handler`).
    DelayedAck,
    /// FIN-WAIT-2 of an orphaned socket (`sk_timer`, `tcp_keepalive_timer`).
    FinWait2,
    /// A request's SYN-ACK retransmission (`rsk_timer`, `reqsk_timer_handler`).
    Request,
    /// TIME-WAIT (`tw_timer`, `tw_timer_handler`).
    TimeWait,
}

impl fmt::Display for TimerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimerKind::Retransmit => "retransmit",
            TimerKind::DelayedAck => "delayed-ACK",
            TimerKind::FinWait2 => "FIN-WAIT-2",
            TimerKind::Request => "SYN-ACK",
            TimerKind::TimeWait => "TIME-WAIT",
        })
    }
}

/// Why a run stopped before it had nothing left to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum LimitKind {
    /// More events than `Limits::max_events`.
    Events,
    /// More segments in flight than `Limits::max_in_flight`.
    InFlight,
    /// More sockets on one host than `Limits::max_sockets`.
    Sockets,
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type")]
pub enum EventKind {
    /// A host sent a segment.
    Sent {
        /// The segment's number in this run.
        id: SegId,
        /// The segment as it left: behind a pointer (the other events are small, and a long run
        /// keeps a million of them), which the run's list of segments and the wire share unless
        /// a NAT rewrites the segment.
        seg: alloc::rc::Rc<Segment>,
        /// Why it was sent.
        cause: SendCause,
    },
    /// A segment reached a host.
    Delivered {
        /// The segment.
        id: SegId,
    },
    /// The network lost a segment.
    Lost {
        /// The segment.
        id: SegId,
        /// Why.
        reason: LossReason,
    },
    /// A host's TCP discarded a segment.
    Discarded {
        /// The segment.
        id: SegId,
        /// Which rule.
        reason: Discard,
    },
    /// A connection changed state.
    State {
        /// The connection.
        conn: ConnName,
        /// The state before.
        from: State,
        /// The state after.
        to: State,
    },
    /// A timer was armed (or re-armed).
    TimerArmed {
        /// The connection.
        conn: ConnName,
        /// Which timer.
        timer: TimerKind,
        /// When it fires (`due` in JSON: the event's own `at` is when it was armed).
        #[serde(rename = "due")]
        at: Instant,
    },
    /// A timer fired.
    TimerFired {
        /// The connection.
        conn: ConnName,
        /// Which timer.
        timer: TimerKind,
    },
    /// An SNMP counter changed.
    Counter {
        /// Which.
        counter: Counter,
        /// Its new value.
        value: u64,
    },
    /// An application made a socket call.
    Call {
        /// The application thread.
        thread: u16,
        /// The call.
        call: Call,
        /// Its result; `Blocked` until a later `Returned`.
        result: CallResult,
    },
    /// A blocked call returned.
    Returned {
        /// The application thread.
        thread: u16,
        /// The call.
        call: Call,
        /// The result.
        result: CallResult,
    },
    /// A listener's queues changed.
    Queues {
        /// The listener.
        listener: Endpoint,
        /// Requests in the SYN queue.
        syn_queue: u32,
        /// Connections waiting for `accept()`.
        accept_queue: u32,
        /// The backlog both are measured against.
        backlog: u32,
    },
    /// A new connection took over a 4-tuple in TIME-WAIT.
    TimeWaitReused {
        /// The 4-tuple.
        conn: ConnName,
        /// The ISN chosen for the new connection (`tw_snd_nxt + 65535 + 2`).
        isn: SeqNum,
    },
    /// `tcp_max_tw_buckets` mini sockets exist already: the socket closed at once instead of
    /// entering TIME-WAIT (or an orphan's FIN-WAIT-2). Linux 6.18 only counts it
    /// (TcpExtTCPTimeWaitOverflow); kernels before 4.x also logged "TCP: time wait bucket table
    /// overflow".
    TimeWaitOverflow {
        /// The connection.
        conn: ConnName,
        /// The state it would have entered (`TIME-WAIT` or `FIN-WAIT-2`).
        state: State,
    },
    /// The "skip TIME-WAIT" counterfactual closed a socket that Linux would keep in TIME-WAIT.
    SkippedTimeWait {
        /// The connection.
        conn: ConnName,
    },
    /// The run passed one of its limits and stopped.
    LimitReached {
        /// Which limit.
        limit: LimitKind,
    },
    /// The router holds a segment until `until`.
    Held {
        /// The segment.
        id: SegId,
        /// When it releases it.
        until: Instant,
    },
    /// The router released a held segment toward its receiver.
    Released {
        /// The segment.
        id: SegId,
    },
    /// The network delivers a segment twice: `copy` is the second one.
    Duplicated {
        /// The original.
        id: SegId,
        /// The copy's number.
        copy: SegId,
    },
    /// linux-3.10 with `tcp_tw_recycle`: a closing connection offered the peer's last TSval to
    /// the per-peer timestamp cache (`tcp_metrics`): `tcp_remember_stamp` as the full socket
    /// enters TIME-WAIT, `tcp_tw_remember_stamp` as a FIN-WAIT-2 mini socket does. The cache
    /// stores it (then `cached == tsval`) unless it holds a newer one less than 60 s old; either
    /// way the TIME-WAIT lasts 3.5 RTO.
    PeerStamp {
        /// The peer's address (the cache's key).
        peer: Ipv4,
        /// The TSval the cache holds for the peer (`tcpm_ts`), after the event.
        cached: u32,
        /// Seconds since that TSval was received (`get_seconds() - tcpm_ts_stamp`).
        age_s: u32,
        /// The closing connection's last TSval from the peer.
        tsval: u32,
    },
    /// linux-3.10 with `tcp_tw_recycle`: a SYN whose TSval is older than the peer's cached one by
    /// more than `TCP_PAWS_WINDOW`, cached less than `TCP_PAWS_MSL` (60 s) ago, is dropped
    /// (`tcp_peer_is_proven` in `tcp_v4_conn_request`).
    PeerPawsReject {
        /// The peer's address (the cache's key).
        peer: Ipv4,
        /// The TSval the cache holds for the peer (`tcpm_ts`).
        cached: u32,
        /// Seconds since it was cached (`get_seconds() - tcpm_ts_stamp`).
        age_s: u32,
        /// The SYN's TSval.
        tsval: u32,
    },
    /// A NAT rewrote a segment: `seg` is it after the translation (the public source going out,
    /// the host's own address coming in).
    Translated {
        /// The segment.
        id: SegId,
        /// The segment as the NAT passed it on: the allocation the wire carries on, and on its
        /// way out the one the run's list of segments holds.
        seg: alloc::rc::Rc<Segment>,
    },
    /// A NAT's mapping expired: its public port is free again.
    NatExpired {
        /// The host's address and port.
        inside: Endpoint,
        /// The public address and port.
        public: Endpoint,
        /// The peer.
        remote: Endpoint,
    },
    /// The host crashed: every socket, request, TIME-WAIT entry and timer is gone, and nothing
    /// was sent about it.
    Crashed,
    /// The host booted again, with no sockets (and new boot-time secrets).
    Restarted,
}

/// One entry of the trace: when, on which host if on one ([`Event::at`], [`Event::host`]), and
/// what.
#[derive(Clone, PartialEq)]
pub struct Event {
    /// When, in µs since the start, in the low 48 bits (8.9 years); the host's number in the
    /// high 16, `NO_HOST` for none. One word, not an `Instant` and an `Option<HostId>` side by side,
    /// which took 8 bytes more of every event (with the padding).
    stamp: u64,
    /// What.
    pub kind: EventKind,
}

/// Bits of [`Event`]'s stamp that hold the time.
const AT_BITS: u32 = 48;

/// The host number in [`Event`]'s stamp of an event on no host.
const NO_HOST: u16 = u16::MAX;

impl Event {
    /// The latest instant an event can have: 2^48 - 1 µs (8.9 years). A run stops long before
    /// (`Limits::until` is brought under it).
    pub const LATEST: Instant = Instant((1 << AT_BITS) - 1);

    /// An event at `at` (brought down to [`Event::LATEST`]) on `host` (host numbers above
    /// 65,534 are brought down to it: a run has a few hosts).
    pub fn new(at: Instant, host: Option<HostId>, kind: EventKind) -> Event {
        let h = u64::from(host.map_or(NO_HOST, |h| h.0.min(NO_HOST - 1)));
        Event {
            stamp: at.0.min(Event::LATEST.0) | (h << AT_BITS),
            kind,
        }
    }

    /// When.
    pub fn at(&self) -> Instant {
        Instant(self.stamp & Event::LATEST.0)
    }

    /// On which host, if on one.
    pub fn host(&self) -> Option<HostId> {
        u16::try_from(self.stamp >> AT_BITS)
            .ok()
            .filter(|&h| h != NO_HOST)
            .map(HostId)
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("at", &self.at())
            .field("host", &self.host())
            .field("kind", &self.kind)
            .finish()
    }
}

/// An event as the JSON export and the page read it: `at`, `host`, then the kind's fields.
#[derive(Serialize)]
struct EventFields<'a> {
    at: Instant,
    host: Option<HostId>,
    #[serde(flatten)]
    kind: &'a EventKind,
}

impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        EventFields {
            at: self.at(),
            host: self.host(),
            kind: &self.kind,
        }
        .serialize(s)
    }
}

// An event's size is a budget: the page keeps every event of a run (1.2 M of them in
// `port-exhaustion`), and writes and reads them all. The largest kinds (a timer with its
// connection; a call with its result, whose bytes are boxed) fit in 32 bytes on the page's
// wasm32, where an event takes 40 with its stamp (56 while a call's result was an `i64` and the
// time and host were two fields: `port-exhaustion`'s run in wasm took 8 % longer at 56 than at
// 48); on 64-bit targets a call's boxed bytes make them 40 and an event 48 (before the bytes were
// boxed, an event took 80).
#[cfg(target_pointer_width = "32")]
const _: () = assert!(core::mem::size_of::<Event>() <= 40);
const _: () = assert!(core::mem::size_of::<Event>() <= 48);

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventKind::Sent { id, seg, cause } => write!(f, "{id} sent {seg}  [{}]", cause.cite()),
            EventKind::Delivered { id } => write!(f, "{id} delivered"),
            EventKind::Lost { id, reason } => match reason {
                LossReason::RandomLoss => write!(f, "{id} lost on the link"),
                LossReason::Chosen => write!(f, "{id} dropped (chosen)"),
                LossReason::NoRoute => write!(f, "{id} dropped: no host has that address"),
                LossReason::HostDown => write!(f, "{id} lost: the receiving host is down"),
                LossReason::Expired => {
                    write!(f, "{id} dropped by the router: held longer than its MSL")
                }
                LossReason::NoMapping => write!(f, "{id} dropped by the NAT: no mapping for it"),
            },
            EventKind::Discarded { id, reason } => {
                write!(f, "{id} discarded: {reason}  [{}]", reason.cite())
            }
            EventKind::State { conn, from, to } => write!(f, "{conn} {from} -> {to}"),
            EventKind::TimerArmed { conn, timer, at } => {
                write!(f, "{conn} {timer} timer armed for {at}")
            }
            EventKind::TimerFired { conn, timer } => write!(f, "{conn} {timer} timer fired"),
            EventKind::Counter { counter, value } => write!(f, "{counter} = {value}"),
            EventKind::Call {
                thread,
                call,
                result,
            } => write!(f, "[{thread}] {call} = {result}"),
            EventKind::Returned {
                thread,
                call,
                result,
            } => {
                write!(f, "[{thread}] {call} returned {result}")
            }
            EventKind::Queues {
                listener,
                syn_queue,
                accept_queue,
                backlog,
            } => write!(
                f,
                "listener {}:{} SYN queue {syn_queue}, accept queue {accept_queue} (backlog {backlog})",
                listener.ip, listener.port
            ),
            EventKind::TimeWaitReused { conn, isn } => write!(
                f,
                "{conn} TIME-WAIT reused by a new SYN, ISN {isn} = old snd_nxt + 65535 + 2  [tcp_timewait_state_process]"
            ),
            EventKind::TimeWaitOverflow { conn, state } => write!(
                f,
                "{conn} closed, not {state}: tcp_max_tw_buckets reached  [tcp_time_wait]"
            ),
            EventKind::SkippedTimeWait { conn } => write!(
                f,
                "{conn} closed at once instead of TIME-WAIT (counterfactual: NOT what Linux does)"
            ),
            EventKind::LimitReached { limit } => match limit {
                LimitKind::Events => write!(f, "run stopped: event limit reached"),
                LimitKind::InFlight => write!(f, "run stopped: too many segments in flight"),
                LimitKind::Sockets => write!(f, "run stopped: socket limit reached"),
            },
            EventKind::Held { id, until } => write!(f, "{id} held by the router until {until}"),
            EventKind::Released { id } => write!(f, "{id} released by the router"),
            EventKind::Duplicated { id, copy } => {
                write!(f, "{id} duplicated by the network as {copy}")
            }
            EventKind::PeerStamp {
                peer,
                cached,
                age_s,
                tsval,
            } => match cached == tsval {
                true => write!(
                    f,
                    "peer {peer}: TSval {cached} remembered  [tcp_remember_stamp]"
                ),
                false => write!(
                    f,
                    "peer {peer}: TSval {cached} ({age_s} s old) kept over {tsval}  [tcp_remember_stamp]"
                ),
            },
            EventKind::PeerPawsReject {
                peer,
                cached,
                age_s,
                tsval,
            } => write!(
                f,
                "peer {peer}: SYN TSval {tsval} < {cached} from {age_s} s ago  [tcp_peer_is_proven]"
            ),
            EventKind::Translated { id, seg } => {
                write!(f, "{id} rewritten by the NAT: {} > {}", seg.src, seg.dst)
            }
            EventKind::NatExpired {
                inside,
                public,
                remote,
            } => write!(f, "NAT mapping {inside} to {public} (for {remote}) expired"),
            EventKind::Crashed => write!(f, "host crashed: all TCP state lost, nothing sent"),
            EventKind::Restarted => write!(f, "host restarted with no sockets"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Event, EventKind, HostId};
    use crate::time::Instant;

    #[test]
    fn an_event_gives_back_the_time_and_host_it_was_made_with() {
        let times = [0, 1, 600_000_000, (1 << 47) + 12_345, Event::LATEST.0];
        let hosts = [None, Some(0), Some(1), Some(7), Some(65_534)];
        for at in times {
            for host in hosts {
                let e = Event::new(Instant(at), host.map(HostId), EventKind::Crashed);
                assert_eq!(e.at(), Instant(at), "at {at} host {host:?}");
                assert_eq!(e.host(), host.map(HostId), "at {at} host {host:?}");
            }
        }
    }

    // The export's and the page's form of an event: `at`, `host` (null when on no host), then
    // the kind's fields, as when the two were fields of their own.
    #[test]
    fn an_event_is_serialized_with_its_time_and_host_first() {
        let on_host = Event::new(Instant(1_500), Some(HostId(1)), EventKind::Crashed);
        let json = serde_json::to_string(&on_host).unwrap_or_default();
        assert_eq!(json, r#"{"at":1500,"host":1,"type":"Crashed"}"#);
        let no_host = Event::new(
            Instant(0),
            None,
            EventKind::Delivered {
                id: super::SegId(3),
            },
        );
        let json = serde_json::to_string(&no_host).unwrap_or_default();
        assert_eq!(json, r#"{"at":0,"host":null,"type":"Delivered","id":3}"#);
    }

    #[test]
    fn a_time_past_the_latest_and_the_last_host_number_are_brought_down() {
        let e = Event::new(
            Instant(u64::MAX),
            Some(HostId(u16::MAX)),
            EventKind::Crashed,
        );
        assert_eq!(e.at(), Event::LATEST);
        assert_eq!(e.host(), Some(HostId(65_534)));
    }
}
