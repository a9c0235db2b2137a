//! What a host's connections hold, for the page's state panels: the variables of RFC 9293 §3.3.1
//! (`SND.UNA`, `SND.NXT`, `RCV.NXT`, the windows), the RTO, the timers, and a listener's two
//! queues with their limits. A read-only view; nothing here changes the host.

use super::{Host, SocketKind, SocketView, State, timers};
use crate::seq::SeqNum;
use crate::time::Instant;
use crate::trace::TimerKind;
use alloc::vec::Vec;
use serde::Serialize;

/// One connection, request or TIME-WAIT entry of a host, or a listener.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConnView {
    /// What `ss -tan` lists of it.
    pub socket: SocketView,
    /// The sequence variables, where the structure keeps them.
    pub seq: Option<SeqView>,
    /// The retransmission timeout and the round-trip estimate (full sockets).
    pub rtt: Option<RttView>,
    /// Armed timers and when they fire, soonest first.
    pub timers: Vec<(TimerKind, Instant)>,
    /// A listener's queues.
    pub queues: Option<QueueView>,
}

/// RFC 9293 §3.3.1's variables, as Linux names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SeqView {
    /// Our initial sequence number (`ISS`); 0 where the structure no longer keeps it.
    pub iss: SeqNum,
    /// The peer's (`IRS`); 0 where the structure no longer keeps it.
    pub irs: SeqNum,
    /// Oldest unacknowledged sequence number (`SND.UNA`, `snd_una`).
    pub snd_una: SeqNum,
    /// Next sequence number to send (`SND.NXT`, `snd_nxt`).
    pub snd_nxt: SeqNum,
    /// Next sequence number expected (`RCV.NXT`, `rcv_nxt`).
    pub rcv_nxt: SeqNum,
    /// The peer's window in bytes (`SND.WND`, `snd_wnd`).
    pub snd_wnd: u32,
    /// The window we last advertised, in bytes (`RCV.WND`, `rcv_wnd`).
    pub rcv_wnd: u32,
}

/// The retransmission timer's inputs (RFC 6298, `tcp_rtt_estimator`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RttView {
    /// The retransmission timeout, in µs (`icsk_rto`).
    pub rto_us: u64,
    /// Smoothed RTT, in µs (`srtt_us >> 3`); 0 before the first sample.
    pub srtt_us: u64,
    /// Retransmissions of the oldest segment so far (`icsk_retransmits`).
    pub retransmits: u32,
    /// Exponential backoff of the RTO (`icsk_backoff`).
    pub backoff: u32,
}

/// A listener's SYN queue and accept queue, with the limits that decide when they are full.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct QueueView {
    /// Requests in the SYN queue (`inet_csk_reqsk_queue_len`).
    pub syn_queue: u32,
    /// Its limit: the listener's backlog; above it the queue is full
    /// (`inet_csk_reqsk_queue_is_full`) and a SYN needs a cookie or is dropped. Without cookies
    /// `tcp_max_syn_backlog` may refuse unproven peers sooner (`tcp_conn_request`).
    pub syn_limit: u32,
    /// Children waiting for `accept()` (`sk_ack_backlog`).
    pub accept_queue: u32,
    /// `sk_max_ack_backlog`: `min(backlog, somaxconn)`; the queue is full above it
    /// (`sk_acceptq_is_full`).
    pub accept_limit: u32,
}

impl Host {
    /// Every listener, connection, request and TIME-WAIT entry, with what the page shows of it.
    pub fn connections(&self) -> Vec<ConnView> {
        let mut v = Vec::new();
        for (_, s) in self.socks.iter() {
            let t = &s.tcb;
            let full = s.listener.is_none() && s.state != State::Closed;
            let mut timers: Vec<(TimerKind, Instant)> = [
                TimerKind::Retransmit,
                TimerKind::DelayedAck,
                TimerKind::FinWait2,
            ]
            .into_iter()
            .filter_map(|k| s.timers.get(timers::slot(k)).map(|at| (k, at)))
            .collect();
            crate::small_sort::sort_by_key(&mut timers, |(_, at)| *at);
            v.push(ConnView {
                socket: SocketView {
                    state: s.state,
                    local: s.local,
                    remote: s.remote,
                    fd: s.fd,
                    // ss: a listener's Recv-Q is its accept queue, its Send-Q its backlog.
                    recv_q: s.listener.as_ref().map_or_else(
                        || u32::try_from(t.rx.len()).unwrap_or(u32::MAX),
                        |l| u32::try_from(l.accept_queue.len()).unwrap_or(u32::MAX),
                    ),
                    send_q: s
                        .listener
                        .as_ref()
                        .map_or_else(|| t.snd_nxt.distance_from(t.snd_una), |l| l.backlog),
                    kind: SocketKind::Full,
                },
                seq: full.then_some(SeqView {
                    iss: t.iss,
                    irs: t.irs,
                    snd_una: t.snd_una,
                    snd_nxt: t.snd_nxt,
                    rcv_nxt: t.rcv_nxt,
                    snd_wnd: t.snd_wnd,
                    rcv_wnd: t.rcv_wnd,
                }),
                rtt: full.then_some(RttView {
                    rto_us: self.clock.to_duration(t.rto).micros(),
                    srtt_us: t.srtt_us >> 3,
                    retransmits: t.retransmits,
                    backoff: t.backoff,
                }),
                timers,
                queues: s.listener.as_ref().map(|l| QueueView {
                    syn_queue: l.syn_queue,
                    syn_limit: l.syn_limit(),
                    accept_queue: u32::try_from(l.accept_queue.len()).unwrap_or(u32::MAX),
                    accept_limit: l.backlog,
                }),
            });
        }
        for (_, r) in self.requests.iter() {
            v.push(ConnView {
                socket: SocketView {
                    state: State::SynReceived,
                    local: Some(r.local),
                    remote: Some(r.remote),
                    fd: None,
                    recv_q: 0,
                    send_q: 0,
                    kind: SocketKind::Request,
                },
                seq: Some(SeqView {
                    iss: r.iss,
                    irs: r.irs,
                    snd_una: r.iss,
                    snd_nxt: r.iss + 1,
                    rcv_nxt: r.irs + 1,
                    snd_wnd: u32::from(r.peer_window),
                    rcv_wnd: r.rcv_wnd,
                }),
                rtt: None,
                timers: r
                    .timer
                    .at()
                    .map(|at| (TimerKind::Request, at))
                    .into_iter()
                    .collect(),
                queues: None,
            });
        }
        for (_, tw) in self.time_waits.iter() {
            v.push(ConnView {
                socket: SocketView {
                    state: tw.substate,
                    local: Some(tw.local),
                    remote: Some(tw.remote),
                    fd: None,
                    recv_q: 0,
                    send_q: 0,
                    kind: SocketKind::TimeWait,
                },
                seq: Some(SeqView {
                    iss: SeqNum(0),
                    irs: SeqNum(0),
                    snd_una: tw.snd_nxt,
                    snd_nxt: tw.snd_nxt,
                    rcv_nxt: tw.rcv_nxt,
                    snd_wnd: 0,
                    rcv_wnd: tw.rcv_wnd,
                }),
                rtt: None,
                timers: alloc::vec![(
                    if tw.substate == State::TimeWait {
                        TimerKind::TimeWait
                    } else {
                        TimerKind::FinWait2
                    },
                    tw.deadline
                )],
                queues: None,
            });
        }
        v
    }
}
