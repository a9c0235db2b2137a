//! Segments that reach a TIME-WAIT (or orphaned FIN-WAIT-2) mini socket:
//! `tcp_timewait_state_process` (tcp_minisocks.c) and what `tcp_v4_rcv` does with its verdict.

use super::{Host, State};
use crate::counters::Counter;
use crate::seq::SeqNum;
use crate::slab::Key;
use crate::time::Duration;
use crate::trace::{ConnName, Discard, EventKind};
use crate::wire::Segment;

/// `enum tcp_tw_status`.
enum Verdict {
    /// Nothing to send.
    Success,
    /// Send the TIME-WAIT ACK.
    Ack,
    /// Send a RST and end the entry.
    Rst,
    /// A new SYN may take over the 4-tuple with this ISN.
    Syn(SeqNum),
}

impl Host {
    /// `tcp_timewait_state_process` and the dispatch on its verdict in `tcp_v4_rcv`.
    pub(super) fn time_wait_input(&mut self, key: Key, seg: &Segment) {
        let verdict = self.time_wait_verdict(key, seg);
        let Some(tw) = self.time_waits.get(key).cloned() else {
            // The entry was ended (a RST) inside the verdict.
            return;
        };
        match verdict {
            Verdict::Success => {}
            Verdict::Ack => self.time_wait_ack(&tw),
            Verdict::Rst => {
                self.send_reset_for(seg);
                self.end_time_wait(key);
            }
            Verdict::Syn(isn) => match self.find_listener(seg.dst) {
                Some(listener) => {
                    // `inet_twsk_deschedule_put`, then the listener handles the SYN with `isn`.
                    let conn = ConnName {
                        local: tw.local,
                        remote: Some(tw.remote),
                    };
                    self.emit(EventKind::TimeWaitReused { conn, isn });
                    self.end_time_wait(key);
                    self.listen_input(listener, seg, Some(isn));
                }
                // No listener: fall through to TCP_TW_ACK.
                None => self.time_wait_ack(&tw),
            },
        }
    }

    /// Ends a mini socket before its timer (`inet_twsk_deschedule_put`).
    fn end_time_wait(&mut self, key: Key) {
        let Some(tw) = self.time_waits.get(key) else {
            return;
        };
        let conn = ConnName {
            local: tw.local,
            remote: Some(tw.remote),
        };
        let from = tw.substate;
        self.remove_time_wait(key);
        self.emit(EventKind::State {
            conn,
            from,
            to: State::Closed,
        });
    }

    fn time_wait_verdict(&mut self, key: Key, seg: &Segment) -> Verdict {
        let now = self.now;
        let rfc1337 = self.cfg.sysctl.tcp_rfc1337 != 0;
        let Some(tw) = self.time_waits.get(key).cloned() else {
            return Verdict::Success;
        };
        let rcv_nxt = tw.rcv_nxt;
        // PAWS (`tcp_paws_reject`), only when the connection used timestamps.
        let seg_ts = seg.timestamp().filter(|_| tw.ts_recent_stamp().is_some());
        let paws_reject = match seg_ts {
            Some((tsval, _)) => {
                let newer_or_same = (tw.ts_recent.wrapping_sub(tsval) as i32) <= 0;
                // A RST passes once ts_recent is older than TCP_PAWS_MSL (60 s).
                let stale_for_rst = seg.flags.rst()
                    && tw
                        .ts_recent_stamp()
                        .is_some_and(|at| now - at >= Duration::from_secs(60));
                !(newer_or_same || tw.ts_recent == 0 || stale_for_rst)
            }
            None => false,
        };
        if tw.substate == State::FinWait2 {
            // "Just repeat all the checks of tcp_rcv_state_process()".
            let in_window = seg.seq == rcv_nxt
                || (seg.end_seq().after(rcv_nxt) && seg.seq.before(rcv_nxt + tw.rcv_wnd))
                || (seg.seq_is_empty() && seg.seq.between(rcv_nxt, rcv_nxt + tw.rcv_wnd));
            if paws_reject || !in_window {
                return self.time_wait_oow_rate_limit(key, seg);
            }
            if seg.flags.rst() {
                self.end_time_wait(key);
                return Verdict::Success;
            }
            if seg.flags.syn() && !seg.seq.before(rcv_nxt) {
                return Verdict::Rst;
            }
            if !seg.flags.ack() || !seg.end_seq().after(rcv_nxt) || seg.seq_is_empty() {
                self.discard(Discard::TimeWaitIgnored);
                return Verdict::Success;
            }
            // New data after the half-close gets a RST; only a FIN moves on to TIME-WAIT.
            if !seg.flags.fin() || seg.end_seq() != rcv_nxt + 1 {
                mark!(time_wait_fin_wait_2_data_rst);
                return Verdict::Rst;
            }
            mark!(time_wait_fin_wait_2_fin);
            let conn = ConnName {
                local: tw.local,
                remote: Some(tw.remote),
            };
            if self.cfg.skip_time_wait {
                self.emit(EventKind::SkippedTimeWait { conn });
                self.time_wait_ack(&tw);
                self.end_time_wait(key);
                return Verdict::Success;
            }
            if let Some(t) = self.time_waits.get_mut(key) {
                t.substate = State::TimeWait;
                t.rcv_nxt = seg.end_seq();
                if let Some((tsval, _)) = seg_ts {
                    t.ts_recent = tsval;
                    t.set_ts_recent_stamp(Some(now));
                }
            }
            self.emit(EventKind::State {
                conn,
                from: State::FinWait2,
                to: State::TimeWait,
            });
            // linux-3.10 with `tcp_tw_recycle`: `tcp_tw_remember_stamp` (an existing record only)
            // lets the entry end after `tw_timeout`, 3.5 RTO when `tcp_time_wait` remembered.
            let stamp = self
                .time_waits
                .get(key)
                .filter(|_| self.tw_recycle())
                .and_then(|t| {
                    Some(super::v3_10::PeerStamp {
                        local: t.local.ip,
                        remote: t.remote.ip,
                        ts_recent: t.ts_recent,
                        ts_recent_stamp: Host::seconds_at(t.ts_recent_stamp()?),
                    })
                });
            let timeout = match stamp {
                Some(stamp) if self.remember_stamp(stamp, false) => {
                    mark!(tw_recycle_fin_wait_2_remembered);
                    Duration::from_millis(u64::from(tw.tw_timeout_ms))
                }
                _ => self.time_wait_len(),
            };
            self.schedule_time_wait(key, timeout);
            return Verdict::Ack;
        }
        // Real TIME-WAIT. An in-window segment may only be a bare ACK or a RST.
        if !paws_reject && seg.seq == rcv_nxt && (seg.seq_is_empty() || seg.flags.rst()) {
            if seg.flags.rst() {
                if !rfc1337 {
                    // TIME-WAIT assassination (RFC 1337 hazard H1): the entry ends.
                    mark!(time_wait_rst_kills);
                    self.end_time_wait(key);
                    return Verdict::Success;
                }
                mark!(time_wait_rst_rfc1337_ignored);
                self.discard(Discard::TimeWaitRstIgnored);
            }
            // linux-3.10 restarts the timer for the RST too (the `inet_twsk_schedule` after the
            // `if (th->rst)` block of `tcp_timewait_state_process`); 6.18 only for an ACK.
            if !seg.flags.rst() || self.cfg.profile == crate::config::Profile::Linux3_10 {
                if seg.flags.rst() {
                    mark!(time_wait_rst_rfc1337_restarts_3_10);
                }
                self.schedule_time_wait(key, self.time_wait_len());
            }
            if let (Some((tsval, _)), Some(t)) = (seg_ts, self.time_waits.get_mut(key)) {
                t.ts_recent = tsval;
                t.set_ts_recent_stamp(Some(now));
            }
            return Verdict::Success;
        }
        // A new SYN: not an old duplicate (higher sequence, or a newer timestamp).
        let newer_ts =
            seg_ts.is_some_and(|(tsval, _)| (tw.ts_recent.wrapping_sub(tsval) as i32) < 0);
        if seg.flags.syn()
            && !seg.flags.rst()
            && !seg.flags.ack()
            && !paws_reject
            && (seg.seq.after(rcv_nxt) || newer_ts)
        {
            mark!(time_wait_new_syn);
            let mut isn = tw.snd_nxt + 65535 + 2;
            if isn == SeqNum(0) {
                isn = SeqNum(1);
            }
            return Verdict::Syn(isn);
        }
        if paws_reject {
            mark!(time_wait_paws_reject);
            self.count(Counter::PawsTimewait);
        }
        if !seg.flags.rst() {
            // Everything else is acknowledged; an ACK (or a PAWS failure) restarts the timer.
            if paws_reject || seg.flags.ack() {
                mark!(time_wait_ack_restarts_timer);
                self.schedule_time_wait(key, self.time_wait_len());
            }
            return self.time_wait_oow_rate_limit(key, seg);
        }
        mark!(time_wait_rst_out_of_window_ignored);
        if rfc1337 {
            self.discard(Discard::TimeWaitRstIgnored);
        } else {
            self.discard(Discard::TimeWaitIgnored);
        }
        Verdict::Success
    }

    /// `tcp_timewait_check_oow_rate_limit`: one ACK per `tcp_invalid_ratelimit`, data exempt.
    fn time_wait_oow_rate_limit(&mut self, key: Key, seg: &Segment) -> Verdict {
        if seg.seg_len() != 0 && !seg.flags.syn() {
            return Verdict::Ack;
        }
        let now = self.jiffies();
        let limit = self.clock.to_jiffies(Duration::from_millis(u64::from(
            self.cfg.sysctl.tcp_invalid_ratelimit,
        )));
        let Some(tw) = self.time_waits.get_mut(key) else {
            return Verdict::Success;
        };
        // `__tcp_oow_rate_limited`: the stamp is 32-bit jiffies, 0 meaning none yet.
        let now = now as u32;
        if tw.last_oow_ack != 0 && u64::from(now.wrapping_sub(tw.last_oow_ack)) < limit {
            self.count(Counter::AckSkippedTimeWait);
            self.discard(Discard::TimeWaitIgnored);
            return Verdict::Success;
        }
        tw.last_oow_ack = now;
        mark!(time_wait_oow_ack);
        Verdict::Ack
    }
}

impl Segment {
    /// Occupies no sequence space (`seq == end_seq`).
    fn seq_is_empty(&self) -> bool {
        self.seg_len() == 0
    }
}
