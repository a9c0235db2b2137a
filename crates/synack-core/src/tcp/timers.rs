//! The host's timers: per-connection deadlines in a table (retransmit, delayed ACK, FIN-WAIT-2),
//! one per request, and TIME-WAIT's, which all last 60 s and so expire in the order they were
//! armed: a FIFO, not a heap (STYLE.md: quinn-proto's `TimerTable`).
//!
//! A heap entry is only a wake-up: when it pops, the socket's own table says whether the timer is
//! still armed for that instant (re-arming leaves the old entry behind, to be ignored).

use super::{Conn, Host, State};
use crate::counters::Counter;
use crate::slab::Key;
use crate::time::{Due, Duration, Instant};
use crate::trace::{EventKind, TimerKind};

/// What a heap entry wakes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum TimerRef {
    Sock(Key, TimerKind),
    Request(Key),
    /// A TIME-WAIT (or FIN-WAIT-2) mini socket's end when it does not last `TCP_TIMEWAIT_LEN`.
    TimeWait(Key),
    /// The end of a lingering `close()`'s wait (`sk_stream_wait_close`'s timeout): it only wakes
    /// the blocked call, which `handle_timeout` re-checks.
    Linger(Key),
}

/// The slot of a full socket's timer in its table.
pub(super) const fn slot(kind: TimerKind) -> usize {
    match kind {
        TimerKind::Retransmit => 0,
        TimerKind::DelayedAck => 1,
        _ => 2,
    }
}

impl Host {
    /// When the host next needs `handle_timeout`.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let heap = self.timers.peek().map(|d| d.at);
        let fifo = self.time_wait_fifo.front().map(|(at, _)| *at);
        heap.into_iter().chain(fifo).min()
    }

    /// Runs every timer due at or before `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = self.now.max(now);
        loop {
            let heap_due = self.timers.peek().is_some_and(|d| d.at <= self.now);
            let fifo_due = self
                .time_wait_fifo
                .front()
                .is_some_and(|(at, _)| *at <= self.now);
            if heap_due {
                if let Some(d) = self.timers.pop() {
                    self.fire(d.at, d.item);
                }
            } else if fifo_due {
                if let Some((at, key)) = self.time_wait_fifo.pop_front() {
                    self.fire_time_wait(at, key);
                }
            } else {
                break;
            }
        }
        self.wake_blocked();
    }

    /// Arms a socket timer `ticks` jiffies from now (`sk_reset_timer(.., jiffies + ticks)`).
    pub(super) fn arm(&mut self, key: Key, kind: TimerKind, ticks: u64) {
        let at = self.clock.expiry(self.now, ticks);
        self.arm_at(key, kind, at);
    }

    pub(super) fn arm_at(&mut self, key: Key, kind: TimerKind, at: Instant) {
        let Some(s) = self.socks.get_mut(key) else {
            return;
        };
        if s.timers.get(slot(kind)) == Some(at) {
            return;
        }
        s.timers.set(slot(kind), Some(at));
        let conn = Host::conn_name(s);
        self.push_timer(at, TimerRef::Sock(key, kind));
        self.emit(EventKind::TimerArmed {
            conn,
            timer: kind,
            at,
        });
    }

    pub(super) fn disarm(&mut self, key: Key, kind: TimerKind) {
        if let Some(s) = self.socks.get_mut(key) {
            s.timers.set(slot(kind), None);
        }
    }

    pub(super) fn timer_at(&self, key: Key, kind: TimerKind) -> Option<Instant> {
        self.socks.get(key).and_then(|s| s.timers.get(slot(kind)))
    }

    pub(super) fn push_timer(&mut self, at: Instant, r: TimerRef) {
        self.timer_seq += 1;
        self.timers.push(Due {
            at,
            seq: self.timer_seq,
            item: r,
        });
    }

    pub(super) fn arm_request(&mut self, key: Key, ticks: u64) {
        let at = self.clock.expiry(self.now, ticks);
        let Some(r) = self.requests.get_mut(key) else {
            return;
        };
        r.timer = at.into();
        let conn = crate::trace::ConnName {
            local: r.local,
            remote: Some(r.remote),
        };
        self.push_timer(at, TimerRef::Request(key));
        self.emit(EventKind::TimerArmed {
            conn,
            timer: TimerKind::Request,
            at,
        });
    }

    /// Schedules (or re-schedules) a TIME-WAIT entry's end (`inet_twsk_reschedule`).
    pub(super) fn schedule_time_wait(&mut self, key: Key, timeout: Duration) {
        // linux-3.10 ends entries on its death row's slots (`inet_twsk_schedule`).
        let others = self.time_waits.len().saturating_sub(1);
        let timeout = self.death_row_timeout(timeout, others);
        let at = self.clock.expiry(self.now, self.clock.to_jiffies(timeout));
        let Some(tw) = self.time_waits.get_mut(key) else {
            return;
        };
        tw.deadline = at;
        let conn = crate::trace::ConnName {
            local: tw.local,
            remote: Some(tw.remote),
        };
        let timer = if tw.substate == State::FinWait2 {
            TimerKind::FinWait2
        } else {
            TimerKind::TimeWait
        };
        // Entries of TIME-WAIT's own 60 s are armed in time order, so they expire in that order: a
        // FIFO, O(1) each. Any other span (an orphan's FIN-WAIT-2 of `tcp_fin_timeout`, a
        // TIME-WAIT shortened or rounded by another kernel's rules) goes to the timer heap. A
        // re-armed entry leaves its old place behind, ignored when it comes up (`deadline`).
        let fixed = timeout == self.time_wait_len()
            && self
                .time_wait_fifo
                .back()
                .is_none_or(|(last, _)| *last <= at);
        if fixed {
            self.time_wait_fifo.push_back((at, key));
        } else {
            self.push_timer(at, TimerRef::TimeWait(key));
        }
        self.emit(EventKind::TimerArmed { conn, timer, at });
    }

    fn fire(&mut self, at: Instant, r: TimerRef) {
        match r {
            TimerRef::Sock(key, _) | TimerRef::Linger(key) => self.touch(key),
            TimerRef::Request(key) => {
                if let Some(l) = self.requests.get(key).map(|r| r.listener) {
                    self.touch(l);
                }
            }
            // A TIME-WAIT entry has no descriptor: no call waits on it.
            TimerRef::TimeWait(_) => {}
        }
        match r {
            TimerRef::Sock(key, kind) => {
                if self.timer_at(key, kind) != Some(at) {
                    return;
                }
                self.disarm(key, kind);
                if let Some(s) = self.socks.get(key) {
                    let conn = Host::conn_name(s);
                    self.emit(EventKind::TimerFired { conn, timer: kind });
                }
                match kind {
                    TimerKind::Retransmit => self.retransmit_timer(key),
                    TimerKind::DelayedAck => self.delack_timer(key),
                    TimerKind::FinWait2 => self.fin_wait_2_timer(key),
                    _ => {}
                }
            }
            TimerRef::Request(key) => {
                let Some(req) = self.requests.get(key) else {
                    return;
                };
                if req.timer.at() != Some(at) {
                    return;
                }
                let conn = crate::trace::ConnName {
                    local: req.local,
                    remote: Some(req.remote),
                };
                self.emit(EventKind::TimerFired {
                    conn,
                    timer: TimerKind::Request,
                });
                self.request_timer(key);
            }
            TimerRef::TimeWait(key) => self.fire_time_wait(at, key),
            TimerRef::Linger(_) => {}
        }
    }

    fn fire_time_wait(&mut self, at: Instant, key: Key) {
        let Some(tw) = self.time_waits.get(key) else {
            return;
        };
        if tw.deadline != at {
            return;
        }
        let conn = crate::trace::ConnName {
            local: tw.local,
            remote: Some(tw.remote),
        };
        let (timer, from) = if tw.substate == State::FinWait2 {
            (TimerKind::FinWait2, State::FinWait2)
        } else {
            (TimerKind::TimeWait, State::TimeWait)
        };
        self.emit(EventKind::TimerFired { conn, timer });
        // `tw_timer_handler` -> `inet_twsk_kill`: the entry leaves the hashes.
        mark!(time_wait_timer_expired);
        self.remove_time_wait(key);
        self.emit(EventKind::State {
            conn,
            from,
            to: State::Closed,
        });
    }

    /// `reqsk_timer_handler`: retransmit the SYN-ACK with exponential backoff, and drop the
    /// request after `tcp_synack_retries` timeouts (1, 3, 7, 15, 31 s; gone at 63 s with 5).
    ///
    /// When the SYN queue is more than half full (twice its length above `max(8, backlog)`), old
    /// requests get fewer retries, down to 2, so that half the room stays for young ones: one
    /// retry less while the queue holds at least twice as many requests as young ones, another
    /// while at least four times as many, and so on.
    fn request_timer(&mut self, key: Key) {
        let mut max_retries = self.cfg.sysctl.tcp_synack_retries;
        let Some(req) = self.requests.get(key) else {
            return;
        };
        let num_timeout = req.num_timeout;
        let (qlen, young, backlog, table) = self
            .socks
            .get(req.listener)
            .and_then(|s| s.listener.as_ref())
            .map_or((0, 0, 0, 0), |l| {
                (
                    u64::from(l.syn_queue),
                    u64::from(l.young),
                    u64::from(l.backlog),
                    u64::from(l.syn_table),
                )
            });
        // linux-3.10 (`inet_csk_reqsk_queue_prune`): `qlen >> (max_qlen_log - 1)`, half the table.
        let crowded = if table != 0 {
            qlen >= table / 2
        } else {
            (qlen << 1) > backlog.max(8)
        };
        if crowded {
            let mut young = young.saturating_mul(2);
            while max_retries > 2 {
                if qlen < young {
                    break;
                }
                mark!(synack_retries_pruned);
                max_retries -= 1;
                young = young.saturating_mul(2);
            }
        }
        let listener = req.listener;
        // `tcp_syn_ack_timeout`: every expiry counts, the last one (which drops) included.
        mark!(synack_timeout_counted);
        self.count(Counter::TcpTimeouts);
        // `syn_ack_recalc` without TCP_DEFER_ACCEPT: expire once num_timeout reaches the limit.
        if num_timeout >= max_retries {
            self.drop_request(key);
            return;
        }
        mark!(synack_timer_backoff);
        self.send_synack(key, true);
        let Some(req) = self.requests.get_mut(key) else {
            return;
        };
        req.num_timeout += 1;
        req.num_retrans += 1;
        if num_timeout == 0
            && let Some(l) = self
                .socks
                .get_mut(listener)
                .and_then(|s| s.listener.as_mut())
        {
            // The request's first timeout: it is no longer young.
            l.young = l.young.saturating_sub(1);
        }
        self.arm_request(key, self.reqsk_timeout(key));
        self.count(Counter::RetransSegs);
    }

    /// `reqsk_timeout` (`tcp_reqsk_timeout`): TCP_TIMEOUT_INIT << num_timeout, at most
    /// TCP_RTO_MAX, in jiffies.
    pub(super) fn reqsk_timeout(&self, key: Key) -> u64 {
        let num_timeout = self.requests.get(key).map_or(0, |r| r.num_timeout);
        let ms = (TCP_TIMEOUT_INIT_MS << num_timeout.min(16)).min(super::TCP_RTO_MAX_MS);
        self.clock.to_jiffies(Duration::from_millis(ms))
    }

    /// Removes a request from its listener's SYN queue and the hash (`inet_csk_reqsk_queue_drop`).
    pub(super) fn drop_request(&mut self, key: Key) {
        let Some(req) = self.requests.remove(key) else {
            return;
        };
        self.ehash_remove(req.local, req.remote);
        let conn = crate::trace::ConnName {
            local: req.local,
            remote: Some(req.remote),
        };
        self.emit(EventKind::State {
            conn,
            from: State::SynReceived,
            to: State::Closed,
        });
        self.reqsk_queue_removed(req.listener, req.num_timeout);
        self.emit_queues(req.listener);
    }

    /// `reqsk_queue_removed`: a request left listener `lkey`'s SYN queue; one that never timed out
    /// was young.
    pub(super) fn reqsk_queue_removed(&mut self, lkey: Key, num_timeout: u32) {
        if let Some(l) = self.socks.get_mut(lkey).and_then(|s| s.listener.as_mut()) {
            l.syn_queue = l.syn_queue.saturating_sub(1);
            if num_timeout == 0 {
                l.young = l.young.saturating_sub(1);
            }
        }
    }

    pub(super) fn remove_time_wait(&mut self, key: Key) {
        let Some(tw) = self.time_waits.remove(key) else {
            return;
        };
        if self.ehash.get(&(tw.local, tw.remote)) == Some(&Conn::TimeWait(key)) {
            self.ehash_remove(tw.local, tw.remote);
        }
        self.port_drop_time_wait(tw.local.port, tw.local.ip, tw.reuseaddr);
    }
}

use super::TCP_TIMEOUT_INIT_MS;
