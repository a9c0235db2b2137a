//! Building the segments a host sends: options in `tcp_options_write`'s order, the window of
//! `__tcp_select_window`, data under Nagle and the peer's window (`tcp_write_xmit`), and the
//! RSTs and ACKs of sockets that no longer (or never) had a full state.

use super::{ADVMSS, Host, Request, TCP_RMEM_DEFAULT, Tcb, TimeWait};
use crate::counters::Counter;
use crate::seq::SeqNum;
use crate::slab::Key;
use crate::trace::{SendCause, TimerKind};
use crate::wire::{Endpoint, Flags, Options, SackBlocks, Segment, TcpOption};
use alloc::vec::Vec;

/// `tcp_full_space`: half of the receive buffer (`tcp_win_from_space` with the default
/// `scaling_ratio` of 50%).
pub(super) const FULL_SPACE: u32 = TCP_RMEM_DEFAULT / 2;

/// `tcp_select_initial_window`'s window: the space rounded down to a multiple of the MSS.
pub(super) const fn initial_window(mss: u32) -> u32 {
    if FULL_SPACE > mss {
        FULL_SPACE - FULL_SPACE % mss
    } else {
        FULL_SPACE
    }
}

/// `tcp_select_initial_window`'s scale: `ilog2(max(tcp_rmem[2], rmem_max)) - 15`, 10 on the
/// reference machine.
pub(super) const fn initial_wscale() -> u8 {
    let ilog2 = 31 - super::TCP_RMEM_MAX.leading_zeros();
    let ws = ilog2.saturating_sub(15);
    if ws > 14 { 14 } else { ws as u8 }
}

/// The options of a SYN or SYN-ACK, in `tcp_options_write`'s order: MSS, then SACK-permitted and
/// timestamps (`sackOK,TS` when both, `nop,nop,TS` without SACK, `nop,nop,sackOK` without
/// timestamps), then `nop,wscale`.
pub(super) fn syn_options(
    mss: u16,
    ts: Option<(u32, u32)>,
    sack: bool,
    wscale: Option<u8>,
) -> Options {
    let mut o = Options::new();
    let mut push = |x| options_push(&mut o, x);
    push(TcpOption::Mss(mss));
    match (ts, sack) {
        (Some((val, ecr)), true) => {
            mark!(syn_options_sack_ts);
            push(TcpOption::SackPermitted);
            push(TcpOption::Timestamp { val, ecr });
        }
        (Some((val, ecr)), false) => {
            push(TcpOption::Nop);
            push(TcpOption::Nop);
            push(TcpOption::Timestamp { val, ecr });
        }
        (None, true) => {
            push(TcpOption::Nop);
            push(TcpOption::Nop);
            push(TcpOption::SackPermitted);
        }
        (None, false) => {}
    }
    if let Some(ws) = wscale {
        push(TcpOption::Nop);
        push(TcpOption::WindowScale(ws));
    }
    o
}

/// The options of an established segment (`tcp_established_options`): `nop,nop,TS` when
/// timestamps were negotiated.
pub(super) fn ack_options(ts: Option<(u32, u32)>) -> Options {
    established_options(ts, None)
}

/// `ack_options` followed, when one is owed, by a D-SACK block as `nop,nop,sack`
/// (`tcp_options_write` writes the timestamp first, then the SACK blocks).
fn established_options(ts: Option<(u32, u32)>, dsack: Option<(SeqNum, SeqNum)>) -> Options {
    let mut o = match ts {
        Some((val, ecr)) => Options::aligned_timestamp(val, ecr),
        None => Options::new(),
    };
    if let Some(blocks) = dsack.and_then(|b| SackBlocks::new(&[b])) {
        options_push(&mut o, TcpOption::Nop);
        options_push(&mut o, TcpOption::Nop);
        options_push(&mut o, TcpOption::Sack(blocks));
    }
    o
}

/// Appends one of the stack's own options: they fit in 40 bytes by construction (a SYN's take
/// 20, an established segment's at most 24), so none is ever left out.
fn options_push(o: &mut Options, x: TcpOption) {
    let pushed = o.push(x);
    debug_assert!(pushed.is_ok(), "the stack's own options fit in 40 bytes");
}

/// Whose `last_oow_ack_time` an answer counts against.
#[derive(Clone, Copy)]
enum Answerer {
    Sock(Key),
    Request(Key),
}

/// `__tcp_oow_rate_limited`: whether an answer is skipped because the last one (at `last`, in
/// jiffies) went less than `tcp_invalid_ratelimit` ago; if not, `last` becomes `now`.
fn rate_limited(last: &mut super::Opt64, now: u64, limit: u64) -> bool {
    if let Some(at) = last.get()
        && now.saturating_sub(at) < limit
    {
        return true;
    }
    *last = super::Opt64::new(Some(now));
    false
}

/// Rounds `x` up to a multiple of `1 << shift` (the kernel's `ALIGN`).
const fn align_up(x: u32, shift: u8) -> u32 {
    let m = 1u32 << shift;
    x.saturating_add(m - 1) & !(m - 1)
}

impl Tcb {
    /// `tcp_receive_window`: what is left of the window last advertised.
    pub(super) fn receive_window(&self) -> u32 {
        let edge = self.rcv_wup + self.rcv_wnd;
        let left = edge - self.rcv_nxt;
        u32::try_from(left).unwrap_or(0)
    }

    /// `tcp_space`: free receive buffer as window (payload bytes stand in for `truesize`).
    fn space(&self) -> u32 {
        let used = u32::try_from(self.rx.len()).unwrap_or(u32::MAX);
        TCP_RMEM_DEFAULT.saturating_sub(used) / 2
    }

    /// `__tcp_select_window`.
    fn select_window_raw(&self) -> u32 {
        let mss = self.ack.rcv_mss.max(1);
        let full_space = FULL_SPACE.min(self.window_clamp.max(1));
        let mut free_space = self.space();
        if free_space < full_space / 2 {
            // Memory pressure: offer what is free, down to nothing below a sixteenth.
            if free_space < full_space / 16 {
                return 0;
            }
            free_space = free_space - free_space % mss.max(1);
        }
        free_space = free_space.min(self.rcv_ssthresh).min(full_space);
        if self.rcv_wscale > 0 {
            align_up(free_space, self.rcv_wscale)
        } else {
            let window = self.rcv_wnd;
            if window <= free_space.saturating_sub(mss) || window > free_space {
                free_space - free_space % mss
            } else {
                window
            }
        }
    }

    /// `tcp_select_window`: never shrinks the window already offered; records what is offered
    /// and returns the header's field.
    pub(super) fn select_window(&mut self) -> u16 {
        let cur_win = self.receive_window();
        let mut new_win = self.select_window_raw();
        if new_win < cur_win {
            new_win = align_up(cur_win, self.rcv_wscale);
        }
        self.rcv_wnd = new_win;
        self.rcv_wup = self.rcv_nxt;
        let field = new_win.min(65535u32 << self.rcv_wscale) >> self.rcv_wscale;
        u16::try_from(field).unwrap_or(u16::MAX)
    }

    /// The TS option for an established segment, if negotiated.
    fn ts(&self, tsval: u32) -> Option<(u32, u32)> {
        self.tstamp_ok.then_some((tsval, self.ts_recent))
    }

    /// `tcp_write_seq`: the sequence number after the last byte queued (before the FIN).
    pub(super) fn write_seq(&self) -> SeqNum {
        self.tx_start + u32::try_from(self.tx.len()).unwrap_or(u32::MAX)
    }

    /// The sequence number after everything we will ever send, FIN included.
    pub(super) fn final_seq(&self) -> SeqNum {
        self.write_seq() + u32::from(self.fin_queued)
    }
}

impl Host {
    /// Puts a segment on the wire, counting it (`__tcp_transmit_skb`: retransmissions count in
    /// `TcpRetransSegs`, not `TcpOutSegs`).
    pub(super) fn transmit(&mut self, seg: Segment, cause: SendCause) {
        let retransmission = matches!(cause, SendCause::Retransmit | SendCause::SynAckRetransmit);
        if !retransmission {
            self.counters.inc(Counter::OutSegs);
        }
        if seg.flags.rst() {
            self.count(Counter::OutRsts);
        }
        self.out
            .0
            .push_back(super::Output::Segment(alloc::rc::Rc::new(seg), cause));
    }

    /// A segment of a full socket with the established options and the current window.
    pub(super) fn full_segment(
        &mut self,
        key: Key,
        seq: SeqNum,
        flags: Flags,
        payload: Vec<u8>,
    ) -> Option<Segment> {
        let tsval_base = self.tsval(0);
        let s = self.socks.get_mut(key)?;
        let (local, remote) = (s.local?, s.remote?);
        let window = s.tcb.select_window();
        let ts = s.tcb.ts(tsval_base.wrapping_add(s.tcb.tsoffset));
        // A D-SACK block goes out once (`tcp_options_write` clears `rx_opt.dsack`).
        let dsack = s.tcb.dsack.take();
        Some(Segment {
            src: local,
            dst: remote,
            seq,
            ack: if flags.ack() {
                s.tcb.rcv_nxt
            } else {
                SeqNum(0)
            },
            flags,
            window,
            options: established_options(ts, dsack),
            payload,
        })
    }

    /// Every ACK we send cancels the delayed ACK and uses up a quick ACK (`tcp_event_ack_sent`,
    /// `tcp_dec_quickack_mode`).
    fn ack_sent(&mut self, key: Key) {
        if let Some(s) = self.socks.get_mut(key) {
            let a = &mut s.tcb.ack;
            if a.quick > 0 && a.scheduled {
                a.quick -= 1;
                if a.quick == 0 {
                    a.ato = self
                        .clock
                        .to_jiffies(crate::time::Duration::from_millis(super::TCP_ATO_MIN_MS));
                }
            }
            a.scheduled = false;
            a.pushed = false;
        }
        self.disarm(key, TimerKind::DelayedAck);
    }

    /// `tcp_send_ack`: a bare ACK at `snd_nxt`.
    pub(super) fn send_ack(&mut self, key: Key, cause: SendCause) {
        let Some(s) = self.socks.get(key) else { return };
        let seq = s.tcb.snd_nxt;
        if let Some(seg) = self.full_segment(key, seq, Flags::ACK, Vec::new()) {
            self.ack_sent(key);
            self.transmit(seg, cause);
        }
    }

    /// `tcp_send_challenge_ack` (RFC 5961): one per `tcp_invalid_ratelimit` per socket; on
    /// linux-3.10, 100 per second for the whole host, silently beyond.
    pub(super) fn send_challenge_ack(&mut self, key: Key) {
        if self.cfg.profile == crate::config::Profile::Linux3_10 {
            if !self.challenge_ack_budget() {
                mark!(challenge_ack_host_limit);
                return;
            }
        } else if self.oow_rate_limited_sock(key, None, Counter::AckSkippedChallenge) {
            return;
        }
        self.count(Counter::ChallengeAck);
        self.send_ack(key, SendCause::ChallengeAck);
    }

    /// `tcp_oow_rate_limited` for a full socket: data segments without SYN are never limited;
    /// others get one answer per `tcp_invalid_ratelimit`, and a skipped answer counts in `skipped`.
    pub(super) fn oow_rate_limited_sock(
        &mut self,
        key: Key,
        seg: Option<&Segment>,
        skipped: Counter,
    ) -> bool {
        self.oow_rate_limited(Answerer::Sock(key), seg, skipped)
    }

    /// `tcp_oow_rate_limited` for a request in the SYN queue (its own `last_oow_ack_time`, which
    /// the retransmitted SYN's SYN-ACK, the out-of-window ACK and the challenge ACK share).
    pub(super) fn oow_rate_limited_req(
        &mut self,
        key: Key,
        seg: Option<&Segment>,
        skipped: Counter,
    ) -> bool {
        self.oow_rate_limited(Answerer::Request(key), seg, skipped)
    }

    fn oow_rate_limited(&mut self, who: Answerer, seg: Option<&Segment>, skipped: Counter) -> bool {
        if let Some(seg) = seg
            && seg.seg_len() != 0
            && !seg.flags.syn()
        {
            return false;
        }
        let now = self.jiffies();
        let limit = self.invalid_ratelimit();
        let last = match who {
            Answerer::Sock(key) => self.socks.get_mut(key).map(|s| &mut s.tcb.last_oow_ack),
            Answerer::Request(key) => self.requests.get_mut(key).map(|r| &mut r.last_oow_ack),
        };
        let Some(last) = last else {
            return true;
        };
        if rate_limited(last, now, limit) {
            mark!(oow_ack_rate_limited);
            self.count(skipped);
            return true;
        }
        false
    }

    /// `tcp_invalid_ratelimit` in jiffies.
    fn invalid_ratelimit(&self) -> u64 {
        self.clock
            .to_jiffies(crate::time::Duration::from_millis(u64::from(
                self.cfg.sysctl.tcp_invalid_ratelimit,
            )))
    }

    /// `tcp_dsack_set`: owe the peer a D-SACK block for `start..end` (RFC 2883), when SACK was
    /// negotiated (`tcp_dsack` is 1 on linux-6.18). Every caller reports data below rcv_nxt (out-of-
    /// order data is not queued here), so it counts in TcpExtTCPDSACKOldSent.
    pub(super) fn dsack_set(&mut self, key: Key, start: SeqNum, end: SeqNum) {
        let Some(s) = self.socks.get_mut(key) else {
            return;
        };
        if !s.tcb.sack_ok {
            return;
        }
        mark!(dsack_block_owed);
        s.tcb.dsack = Some((start, end));
        self.count(Counter::DsackOldSent);
    }

    /// The SYN (or, in simultaneous open, the SYN-ACK) of a full socket: `tcp_connect`,
    /// `tcp_send_synack`. Same ISN on every retransmission.
    pub(super) fn send_syn(&mut self, key: Key, cause: SendCause) {
        let tsval_base = self.tsval(0);
        let sysctl = self.cfg.sysctl.clone();
        let Some(s) = self.socks.get_mut(key) else {
            return;
        };
        let (Some(local), Some(remote)) = (s.local, s.remote) else {
            return;
        };
        let synack = s.state == super::State::SynReceived;
        let t = &mut s.tcb;
        // The SYN's window is never scaled (`__tcp_transmit_skb`).
        let window = u16::try_from(t.rcv_wnd.min(65535)).unwrap_or(u16::MAX);
        let ts = (sysctl.tcp_timestamps != 0)
            .then(|| (tsval_base.wrapping_add(t.tsoffset), t.ts_recent));
        let wscale = (sysctl.tcp_window_scaling != 0).then_some(t.rcv_wscale);
        let seg = Segment {
            src: local,
            dst: remote,
            seq: t.iss,
            ack: if synack { t.rcv_nxt } else { SeqNum(0) },
            flags: if synack {
                Flags::SYN | Flags::ACK
            } else {
                Flags::SYN
            },
            window,
            options: syn_options(ADVMSS, ts, sysctl.tcp_sack != 0, wscale),
            payload: Vec::new(),
        };
        self.transmit(seg, cause);
    }

    /// `tcp_v4_send_synack` / `tcp_make_synack`: the listener's answer for a request.
    pub(super) fn send_synack(&mut self, key: Key, retransmission: bool) {
        let tsval_base = self.tsval(0);
        let now = self.now;
        let Some(r) = self.requests.get_mut(key) else {
            return;
        };
        r.synack_sent_at = now;
        let seg = synack_segment(r, tsval_base);
        let cause = if retransmission {
            SendCause::SynAckRetransmit
        } else {
            SendCause::SynAck
        };
        self.transmit(seg, cause);
    }

    /// `tcp_write_xmit`: sends new data the windows allow, under Nagle (Minshall's variant), and
    /// the FIN after the last byte (`tcp_send_fin` piggybacks it on the last data segment).
    pub(super) fn write_xmit(&mut self, key: Key) {
        loop {
            let Some(s) = self.socks.get(key) else { return };
            if !matches!(
                s.state,
                super::State::Established
                    | super::State::CloseWait
                    | super::State::FinWait1
                    | super::State::Closing
                    | super::State::LastAck
            ) {
                return;
            }
            let t = &s.tcb;
            let write_seq = t.write_seq();
            let fin_pending = t.fin_queued && t.snd_nxt.before_eq(write_seq);
            let unsent = u32::try_from(write_seq - t.snd_nxt).unwrap_or(0);
            if unsent == 0 && !fin_pending {
                return;
            }
            let mss = t.mss_cache.max(1);
            let in_flight = t.snd_nxt.distance_from(t.snd_una);
            let wnd_room = t.snd_wnd.saturating_sub(in_flight);
            let cwnd_room = (t.cwnd.saturating_mul(mss)).saturating_sub(in_flight);
            let len = unsent.min(mss).min(wnd_room).min(cwnd_room);
            if unsent > 0 && len == 0 {
                return; // window or cwnd closed; the RTO (or an ACK) restarts sending
            }
            let partial = len < mss && len == unsent;
            // `tcp_nagle_check` with `tcp_minshall_check`: hold a small segment while an earlier
            // small one is unacknowledged; the FIN goes regardless (TCP_NAGLE_OFF in tcp_send_fin).
            if partial && len > 0 && !t.fin_queued && t.snd_sml.after(t.snd_una) && in_flight > 0 {
                return;
            }
            let start = usize::try_from(t.snd_nxt - t.tx_start).unwrap_or(0);
            let payload = t.tx.copy_range(start, len as usize);
            let last = len == unsent;
            let mut flags = Flags::ACK;
            if last && len > 0 {
                flags = flags | Flags::PSH;
            }
            let fin = last && t.fin_queued;
            if fin {
                flags = flags | Flags::FIN;
            }
            let seq = t.snd_nxt;
            let Some(seg) = self.full_segment(key, seq, flags, payload) else {
                return;
            };
            let end = seg.end_seq();
            let now = self.now;
            if let Some(s) = self.socks.get_mut(key) {
                s.tcb.snd_nxt = end;
                if len < mss {
                    s.tcb.snd_sml = end;
                }
                if s.tcb.rtt_probe().is_none() {
                    s.tcb.set_rtt_probe(Some((end, now)));
                }
                // `tcp_event_data_sent`: a reply within ato of the last receive is interactive.
                let a = &mut s.tcb.ack;
                if len > 0 && self.clock.jiffies(now).saturating_sub(a.lrcvtime) < a.ato {
                    a.pingpong = a.pingpong.saturating_add(1);
                }
            }
            self.ack_sent(key);
            self.transmit(
                seg,
                if fin && len == 0 {
                    SendCause::Fin
                } else {
                    SendCause::Data
                },
            );
            if self.timer_at(key, TimerKind::Retransmit).is_none() {
                let rto = self.socks.get(key).map_or(0, |s| s.tcb.rto);
                self.arm(key, TimerKind::Retransmit, rto);
            }
            if fin {
                return;
            }
        }
    }

    /// `tcp_send_active_reset`: `R.` at `snd_nxt` (our acceptable sequence), with the
    /// established options.
    pub(super) fn send_active_reset(&mut self, key: Key) {
        let Some(s) = self.socks.get(key) else { return };
        let seq = s.tcb.snd_nxt;
        if let Some(seg) = self.full_segment(key, seq, Flags::RST | Flags::ACK, Vec::new()) {
            self.transmit(seg, SendCause::ResetAbort);
        }
    }

    /// `tcp_v4_send_reset`: the answer to a segment no socket takes. With ACK: `R` at its ack
    /// number; without: `R.` with seq 0 acknowledging all it occupied. Never to a RST; window 0,
    /// no options (RFC 9293 §3.10.7.1).
    pub(super) fn send_reset_for(&mut self, seg: &Segment) {
        if seg.flags.rst() {
            return;
        }
        let (seq, ack, flags) = if seg.flags.ack() {
            (seg.ack, SeqNum(0), Flags::RST)
        } else {
            (SeqNum(0), seg.seq + seg.seg_len(), Flags::RST | Flags::ACK)
        };
        let reply = Segment {
            src: seg.dst,
            dst: seg.src,
            seq,
            ack,
            flags,
            window: 0,
            options: Options::new(),
            payload: Vec::new(),
        };
        self.transmit(reply, SendCause::ResetNoSocket);
    }

    /// `tcp_v4_send_ack` for a mini socket: `tcp_v4_timewait_ack` and `tcp_v4_reqsk_send_ack`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn send_bare_ack(
        &mut self,
        src: Endpoint,
        dst: Endpoint,
        seq: SeqNum,
        ack: SeqNum,
        window: u16,
        ts: Option<(u32, u32)>,
        cause: SendCause,
    ) {
        let seg = Segment {
            src,
            dst,
            seq,
            ack,
            flags: Flags::ACK,
            window,
            options: ack_options(ts),
            payload: Vec::new(),
        };
        self.transmit(seg, cause);
    }

    /// `tcp_v4_reqsk_send_ack`: a request's ACK, seq snt_isn + 1, ack rcv_nxt, its window scaled by
    /// the scale it offered, and a TS option if the SYN had one.
    pub(super) fn request_ack(&mut self, key: Key, cause: SendCause) {
        let Some(r) = self.requests.get(key) else {
            return;
        };
        let ts = r.tstamp_ok.then(|| (self.tsval(r.tsoffset), r.ts_recent));
        let window = u16::try_from((r.rcv_wnd >> r.rcv_wscale).min(65535)).unwrap_or(u16::MAX);
        let (local, remote, seq, ack) = (r.local, r.remote, r.iss + 1, r.irs + 1);
        self.send_bare_ack(local, remote, seq, ack, window, ts, cause);
    }

    /// `tcp_v4_timewait_ack`: seq `tw_snd_nxt`, ack `tw_rcv_nxt`, the frozen window, and a TS
    /// option when the connection used timestamps.
    pub(super) fn time_wait_ack(&mut self, tw: &TimeWait) {
        let window = u16::try_from((tw.rcv_wnd >> tw.rcv_wscale).min(65535)).unwrap_or(u16::MAX);
        let ts = tw
            .ts_recent_stamp()
            .map(|_| (self.tsval(tw.tsoffset), tw.ts_recent));
        self.send_bare_ack(
            tw.local,
            tw.remote,
            tw.snd_nxt,
            tw.rcv_nxt,
            window,
            ts,
            SendCause::TimeWaitAck,
        );
    }
}

/// The SYN-ACK of a request: our MSS, and the options the peer offered and we allow.
pub(super) fn synack_segment(r: &Request, tsval_base: u32) -> Segment {
    let ts = r
        .tstamp_ok
        .then(|| (tsval_base.wrapping_add(r.tsoffset), r.ts_recent));
    let wscale = r.wscale_ok.then_some(r.rcv_wscale);
    Segment {
        src: r.local,
        dst: r.remote,
        seq: r.iss,
        ack: r.irs + 1,
        flags: Flags::SYN | Flags::ACK,
        // `tcp_make_synack`: `min(req->rsk_rcv_wnd, 65535)`, unscaled.
        window: u16::try_from(r.rcv_wnd.min(65535)).unwrap_or(u16::MAX),
        options: syn_options(ADVMSS, ts, r.sack_ok, wscale),
        payload: Vec::new(),
    }
}
