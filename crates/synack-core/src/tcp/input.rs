//! Segment arrival: `tcp_v4_rcv`'s lookup, the listener (`tcp_conn_request` with its SYN and
//! accept queues, `cookie_v4_check`, `tcp_check_req`),
//! SYN-SENT (`tcp_rcv_synsent_state_process`) and every synchronized state
//! (`tcp_rcv_state_process`, `tcp_validate_incoming`, `tcp_ack`, `tcp_data_queue`, `tcp_fin`),
//! with the delayed-ACK engine and the retransmission timer.

use super::output::{initial_window, initial_wscale};
use super::syncookies;
use super::{
    ADVMSS, Conn, Host, Listener, Request, State, TCP_ATO_MIN_MS, TCP_DELACK_MAX_MS, TCP_INIT_CWND,
    TCP_MAX_QUICKACKS, TCP_MSS_DEFAULT, TCP_RTO_MAX_MS, TCP_RTO_MIN_US, TCP_TIMEOUT_INIT_MS,
    TCPOLEN_TSTAMP_ALIGNED,
};
use crate::counters::Counter;
use crate::seq::SeqNum;
use crate::slab::Key;
use crate::socket::Errno;
use crate::time::{Duration, Instant};
use crate::trace::{Discard, EventKind, SegId, SendCause, TimerKind};
use crate::wire::{Endpoint, Segment};

/// The flow a cookie hashes: the client's address and port first.
fn cookie_flow(client: Endpoint, server: Endpoint) -> syncookies::Flow {
    syncookies::Flow {
        saddr: client.ip.0,
        daddr: server.ip.0,
        sport: client.port,
        dport: server.port,
    }
}

/// The options of an incoming SYN that this host accepts (`tcp_parse_options` with the sysctls).
struct SynOptions {
    mss: u32,
    wscale: Option<u8>,
    sack: bool,
    ts: Option<(u32, u32)>,
}

/// What `cookie_v4_check` made of an ACK to a listener.
enum CookieCheck {
    /// A good cookie: the connection, rebuilt, is this child.
    Child(Key),
    /// Not a cookie to use (cookies off, no recent flood, a bad cookie, an option this host no
    /// longer allows): the listener handles the segment.
    Listener,
    /// A good cookie, but the segment was dropped (the accept queue is full).
    Dropped,
}

/// The options a request settled: what its SYN (or its cookie) carried and this host allows.
struct Agreed {
    /// The peer's MSS.
    mss: u32,
    /// The peer's window scale, when both sides scale.
    wscale: Option<u8>,
    sack: bool,
    /// The peer's TSval, when both sides use timestamps.
    ts_recent: Option<u32>,
    tsoffset: u32,
}

impl Host {
    fn syn_options(&self, seg: &Segment) -> SynOptions {
        let s = &self.cfg.sysctl;
        SynOptions {
            mss: u32::from(seg.mss().unwrap_or(TCP_MSS_DEFAULT)),
            // RFC 7323 §2.3: a shift above 14 is used as 14.
            wscale: if s.tcp_window_scaling != 0 {
                seg.wscale().map(|w| w.min(14))
            } else {
                None
            },
            sack: s.tcp_sack != 0 && seg.sack_permitted(),
            ts: if s.tcp_timestamps != 0 {
                seg.timestamp()
            } else {
                None
            },
        }
    }

    pub(super) fn discard(&mut self, reason: Discard) {
        let id = self.current;
        self.emit(EventKind::Discarded { id, reason });
    }

    /// `tcp_v4_rcv`: a segment arrives. Established hash first (full sockets, requests,
    /// TIME-WAIT), then listeners; no socket means a RST.
    pub fn handle_segment(&mut self, now: Instant, id: SegId, seg: &Segment) {
        self.now = self.now.max(now);
        self.current = id;
        self.counters.inc(Counter::InSegs);
        match self.ehash.get(&(seg.dst, seg.src)).copied() {
            Some(Conn::Full(key)) => {
                self.touch(key);
                self.full_input(key, seg);
            }
            Some(Conn::Request(key)) => {
                if let Some(l) = self.requests.get(key).map(|r| r.listener) {
                    self.touch(l);
                }
                self.check_req(key, seg);
            }
            Some(Conn::TimeWait(key)) => self.time_wait_input(key, seg),
            None => match self.find_listener(seg.dst) {
                Some(l) => {
                    self.touch(l);
                    self.listen_input(l, seg, None);
                }
                None => self.no_socket(seg),
            },
        }
        self.wake_blocked();
    }

    /// `no_tcp_socket`: answer with a RST unless the segment is one.
    pub(super) fn no_socket(&mut self, seg: &Segment) {
        if seg.flags.rst() {
            mark!(no_socket_rst_ignored);
            self.discard(Discard::NoSocketRst);
        } else {
            mark!(no_socket_rst);
            self.send_reset_for(seg);
        }
    }

    /// `__inet_lookup_listener`: an exact address before INADDR_ANY.
    pub(super) fn find_listener(&self, dst: Endpoint) -> Option<Key> {
        let list = self.listeners.get(&dst.port)?;
        let exact = list.iter().find(|k| {
            self.socks
                .get(**k)
                .and_then(|s| s.local)
                .is_some_and(|l| l.ip == dst.ip)
        });
        exact
            .or_else(|| {
                list.iter().find(|k| {
                    self.socks
                        .get(**k)
                        .and_then(|s| s.local)
                        .is_some_and(|l| l.ip.is_unspecified())
                })
            })
            .copied()
    }

    /// `tcp_rcv_state_process` in LISTEN: an ACK gets a RST, a RST is ignored, a SYN (without
    /// FIN) goes to `tcp_conn_request`.
    /// A segment without SYN first meets `cookie_v4_check` (`tcp_v4_cookie_check`).
    pub(super) fn listen_input(&mut self, lkey: Key, seg: &Segment, tw_isn: Option<SeqNum>) {
        if !seg.flags.syn() {
            match self.cookie_check(lkey, seg) {
                CookieCheck::Child(child) => {
                    // `tcp_child_process`: the ACK goes on to the new child.
                    self.emit_queues(lkey);
                    self.full_input(child, seg);
                    return;
                }
                CookieCheck::Listener => {}
                CookieCheck::Dropped => return,
            }
        }
        if seg.flags.ack() {
            mark!(listen_ack_rst);
            self.send_reset_for(seg);
        } else if seg.flags.rst() {
            mark!(listen_rst_ignored);
            self.discard(Discard::ListenRst);
        } else if seg.flags.syn() && !seg.flags.fin() {
            self.conn_request(lkey, seg, tw_isn);
        } else {
            mark!(listen_no_syn_dropped);
            self.discard(Discard::NoFlags);
        }
    }

    /// `tcp_conn_request`: admit a SYN into the SYN queue and answer with a SYN-ACK, or answer it
    /// with a SYN cookie and keep nothing, or drop it.
    fn conn_request(&mut self, lkey: Key, seg: &Segment, tw_isn: Option<SeqNum>) {
        let Some(l) = self.socks.get(lkey).and_then(|s| s.listener.as_ref()) else {
            return;
        };
        let syn_queue = l.syn_queue;
        let queue_full = l.syn_queue_is_full();
        let mut cookies = self.cfg.sysctl.tcp_syncookies;
        if cookies == 2 && self.cfg.profile == crate::config::Profile::Linux3_10 {
            // No "always" before 3.12: 3.10 reads the sysctl as a boolean
            // (`tcp_syn_flood_action`).
            mark!(syncookies_2_is_1_on_3_10);
            cookies = 1;
        }
        // A SYN that reuses a TIME-WAIT 4-tuple skips the SYN queue's checks ("TW buckets are
        // converted to open requests without limitations").
        let mut want_cookie = false;
        if tw_isn.is_none() && (cookies == 2 || queue_full) {
            // `inet_csk_reqsk_queue_is_full` or `tcp_syncookies=2`: `tcp_syn_flood_action`
            // answers with a cookie, or drops.
            if cookies == 0 {
                mark!(syn_queue_full_drop);
                self.count(Counter::ReqQFullDrop);
                self.count(Counter::ListenDrops);
                self.discard(Discard::SynQueueFull);
                return;
            }
            if cookies == 2 {
                mark!(syncookies_always);
            } else {
                mark!(syn_queue_full_cookie);
            }
            self.count(Counter::ReqQFullDoCookies);
            want_cookie = true;
        }
        // `sk_acceptq_is_full`, cookie or not. linux-3.10 drops only while more than one
        // request in the SYN queue is young ("If we have already queued enough of warm entries
        // in syn queue, drop request": `inet_csk_reqsk_queue_young(sk) > 1`,
        // `tcp_v4_conn_request`).
        let young = self
            .socks
            .get(lkey)
            .and_then(|s| s.listener.as_ref())
            .map_or(0, |l| l.young);
        let v3_10 = self.cfg.profile == crate::config::Profile::Linux3_10;
        if self.accept_queue_full(lkey) && v3_10 && young <= 1 {
            mark!(accept_queue_full_syn_admitted_3_10);
        } else if self.accept_queue_full(lkey) {
            mark!(accept_queue_full_syn_drop);
            self.count(Counter::ListenOverflows);
            self.count(Counter::ListenDrops);
            self.discard(Discard::AcceptQueueFullSyn);
            return;
        }
        // linux-3.10 with `tcp_tw_recycle` ("VJ's idea"): a SYN with a timestamp, not reusing a
        // TIME-WAIT, is dropped when the peer's TSval cached at its last connection's close is
        // newer and recent (`tcp_v4_conn_request`, `tcp_peer_is_proven(req, dst, true)`),
        // counted in TcpExtPAWSPassive and, on the way out (`drop_and_release`), ListenDrops.
        let syn_tsval = self.syn_options(seg).ts.map(|(tsval, _)| tsval);
        let recycle_check = !want_cookie && tw_isn.is_none() && self.tw_recycle();
        let recycle_tsval = syn_tsval.filter(|_| recycle_check);
        if let Some(tsval) = recycle_tsval {
            if let Some((cached, age_s)) = self.peer_paws_reject(seg.dst.ip, seg.src.ip, tsval) {
                mark!(tw_recycle_syn_rejected);
                self.emit(EventKind::PeerPawsReject {
                    peer: seg.src.ip,
                    cached,
                    age_s,
                    tsval,
                });
                self.count(Counter::PawsPassive);
                self.count(Counter::ListenDrops);
                self.discard(Discard::PawsPassive);
                return;
            }
            mark!(tw_recycle_syn_passes);
        }
        // Without cookies, the last quarter of `tcp_max_syn_backlog` is kept for peers proven
        // alive: ones the TCP metrics cache holds an RTT for (`tcp_peer_is_proven`). On 3.10 this
        // is the `else` of the recycle check above.
        let max_syn_backlog = i64::from(self.cfg.sysctl.tcp_max_syn_backlog);
        if !want_cookie
            && recycle_tsval.is_none()
            && tw_isn.is_none()
            && cookies == 0
            && max_syn_backlog - i64::from(syn_queue) < (max_syn_backlog >> 2)
        {
            if self.peer_is_proven(seg.dst.ip, seg.src.ip) {
                mark!(max_syn_backlog_proven_peer);
            } else {
                mark!(max_syn_backlog_drop);
                self.count(Counter::ListenDrops);
                self.discard(Discard::MaxSynBacklog);
                return;
            }
        }
        if !want_cookie && !self.check_limit() {
            return;
        }
        let o = self.syn_options(seg);
        let local = seg.dst;
        let remote = seg.src;
        // Without a timestamp to carry them, a cookie cannot remember window scaling and SACK
        // (`tcp_clear_options`): its SYN-ACK offers the MSS alone.
        let (wscale, sack) = if want_cookie && o.ts.is_none() {
            (None, false)
        } else {
            (o.wscale, o.sack)
        };
        let tstamp_ok = o.ts.is_some();
        let tsoffset = if tstamp_ok {
            self.ts_offset(local.ip, remote.ip)
        } else {
            0
        };
        let mss = u32::from(ADVMSS)
            - if tstamp_ok {
                u32::from(TCPOLEN_TSTAMP_ALIGNED)
            } else {
                0
            };
        let agreed = Agreed {
            mss: o.mss,
            wscale,
            sack,
            ts_recent: o.ts.map(|t| t.0),
            tsoffset,
        };
        // `tcp_openreq_init_rwin`: the window is a multiple of our MSS.
        let mut req = self.new_request(lkey, seg, seg.seq, SeqNum(0), agreed, mss);
        if want_cookie {
            self.send_cookie_synack(req, seg);
            return;
        }
        req.iss = match tw_isn {
            Some(isn) => isn,
            None => self.initial_seq(local, remote),
        };
        let rkey = self.requests.insert(req);
        self.ehash_insert(local, remote, Conn::Request(rkey), false);
        if let Some(l) = self.socks.get_mut(lkey).and_then(|s| s.listener.as_mut()) {
            // `inet_csk_reqsk_queue_added`: a new request is young until its timer first expires.
            l.syn_queue += 1;
            l.young += 1;
        }
        self.emit_request_state(local, remote);
        self.emit_queues(lkey);
        self.send_synack(rkey, false);
        let ticks = self
            .clock
            .to_jiffies(Duration::from_millis(TCP_TIMEOUT_INIT_MS));
        self.arm_request(rkey, ticks);
    }

    /// `cookie_init_sequence` and `tcp_v4_send_synack` with `TCP_SYNACK_COOKIE`: the SYN-ACK whose
    /// ISN is a cookie (and whose TSval, with timestamps, carries the options); the request is
    /// freed at once, so nothing retransmits it.
    fn send_cookie_synack(&mut self, mut req: Request, seg: &Segment) {
        let keys = self.cookie_keys;
        let count = self.cookie_time();
        let mss = u16::try_from(req.peer_mss).unwrap_or(u16::MAX);
        let (isn, table_mss) = syncookies::init_sequence(
            &keys,
            cookie_flow(req.remote, req.local),
            seg.seq.0,
            mss,
            count,
        );
        req.iss = SeqNum(isn);
        req.peer_mss = u32::from(table_mss);
        self.synq_overflow(req.listener);
        self.count(Counter::SyncookiesSent);
        let tsval_base = if req.tstamp_ok {
            mark!(syncookie_timestamp_options);
            syncookies::init_timestamp(
                u64::from(self.ts_clock()),
                syncookies::CookieOptions {
                    wscale: req.wscale_ok.then_some(req.snd_wscale),
                    sack: req.sack_ok,
                },
            )
        } else {
            self.tsval(0)
        };
        let synack = super::output::synack_segment(&req, tsval_base);
        self.transmit(synack, SendCause::SynAckCookie);
    }

    /// `tcp_cookie_time`: the cookie's counter, which ticks once a minute of jiffies.
    fn cookie_time(&self) -> u32 {
        let period = u64::from(self.clock.hz) * syncookies::SYNCOOKIE_PERIOD_SECS;
        // The counter lives in the cookie's top 8 bits; only its difference matters.
        (self.jiffies() / period.max(1)) as u32
    }

    /// `tcp_synq_overflow`: remember when the listener last answered with a cookie (at most once
    /// a second).
    fn synq_overflow(&mut self, lkey: Key) {
        let now = self.jiffies();
        let hz = u64::from(self.clock.hz);
        if let Some(l) = self.socks.get_mut(lkey).and_then(|s| s.listener.as_mut())
            && !l
                .last_overflow
                .is_some_and(|last| last <= now && now <= last + hz)
        {
            l.last_overflow = Some(now);
        }
    }

    /// `tcp_synq_no_recent_overflow`: no cookie was sent in the last `TCP_SYNCOOKIE_VALID` (two
    /// minutes), so an ACK to the listener is not checked as a cookie.
    fn synq_no_recent_overflow(&self, lkey: Key) -> bool {
        let now = self.jiffies();
        let hz = u64::from(self.clock.hz);
        let valid = 2 * syncookies::SYNCOOKIE_PERIOD_SECS * hz;
        let last = self
            .socks
            .get(lkey)
            .and_then(|s| s.listener.as_ref())
            .and_then(|l| l.last_overflow);
        !last.is_some_and(|last| now + hz >= last && now <= last + valid)
    }

    /// `sk_acceptq_is_full`: the accept queue is full when its length exceeds the backlog (so
    /// backlog + 1 connections fit).
    fn accept_queue_full(&self, lkey: Key) -> bool {
        self.socks
            .get(lkey)
            .and_then(|s| s.listener.as_ref())
            .is_none_or(|l| u32::try_from(l.accept_queue.len()).unwrap_or(u32::MAX) > l.backlog)
    }

    /// `tcp_peer_is_proven` (without its PAWS check): the TCP metrics cache holds an RTT for this
    /// pair of addresses; linux-3.10 also wants a timestamp stamp there (`tcpm_ts_stamp`).
    fn peer_is_proven(&self, local: crate::wire::Ipv4, remote: crate::wire::Ipv4) -> bool {
        let v3_10 = self.cfg.profile == crate::config::Profile::Linux3_10;
        self.metrics
            .get(&(local, remote))
            .is_some_and(|m| m.rtt_us > 0 && (!v3_10 || m.ts_stamp != 0))
    }

    /// `tcp_update_metrics` (called by `tcp_time_wait` and in LAST-ACK): save the connection's
    /// smoothed RTT for its peer, or reset it when the connection had none or was backing off.
    pub(super) fn update_metrics(&mut self, key: Key) {
        let Some(s) = self.socks.get(key) else { return };
        let (Some(local), Some(remote)) = (s.local, s.remote) else {
            return;
        };
        let t = &s.tcb;
        let pair = (local.ip, remote.ip);
        if t.backoff != 0 || t.srtt_us == 0 {
            if let Some(m) = self.metrics.get_mut(&pair) {
                m.rtt_us = 0;
            }
        } else {
            let srtt = t.srtt_us;
            if let Some(m) = self.metrics_entry(pair) {
                m.rtt_us = srtt;
            }
        }
    }

    /// `cookie_v4_check`: an ACK to a listener that may carry a SYN cookie.
    fn cookie_check(&mut self, lkey: Key, seg: &Segment) -> CookieCheck {
        if self.cfg.sysctl.tcp_syncookies == 0 || !seg.flags.ack() || seg.flags.rst() {
            return CookieCheck::Listener;
        }
        if self.synq_no_recent_overflow(lkey) {
            mark!(syncookie_no_recent_overflow);
            return CookieCheck::Listener;
        }
        let keys = self.cookie_keys;
        let count = self.cookie_time();
        let local = seg.dst;
        let remote = seg.src;
        let cookie = seg.ack - 1;
        let Some(mss) = syncookies::check(
            &keys,
            cookie_flow(remote, local),
            cookie.0,
            (seg.seq - 1).0,
            count,
        ) else {
            mark!(syncookie_failed);
            self.count(Counter::SyncookiesFailed);
            return CookieCheck::Listener;
        };
        self.count(Counter::SyncookiesRecv);
        let s = &self.cfg.sysctl;
        let ts = seg.timestamp();
        // The echoed TSval less the connection's offset carries the options
        // (`cookie_timestamp_decode`); an ACK with TSecr 0 has no offset to remove.
        let tsoffset = match ts {
            Some((_, ecr)) if ecr != 0 => self.ts_offset(local.ip, remote.ip),
            _ => 0,
        };
        let Some(o) = syncookies::decode_timestamp(
            ts.map(|(_, ecr)| ecr.wrapping_sub(tsoffset)),
            s.tcp_timestamps != 0,
            s.tcp_sack != 0,
            s.tcp_window_scaling != 0,
        ) else {
            mark!(syncookie_options_refused);
            return CookieCheck::Listener;
        };
        // `sk_acceptq_is_full` in `tcp_v4_syn_recv_sock`: dropped, whatever
        // `tcp_abort_on_overflow` says (that is `tcp_check_req`'s, for requests).
        if self.accept_queue_full(lkey) {
            mark!(syncookie_accept_queue_full);
            self.count(Counter::ListenOverflows);
            self.count(Counter::ListenDrops);
            self.discard(Discard::AcceptQueueFullAck);
            return CookieCheck::Dropped;
        }
        if !self.check_limit() {
            return CookieCheck::Dropped;
        }
        mark!(syncookie_ack_creates_child);
        let agreed = Agreed {
            mss: u32::from(mss),
            wscale: o.wscale,
            sack: o.sack,
            ts_recent: ts.map(|t| t.0),
            tsoffset,
        };
        // `cookie_tcp_reqsk_alloc`; `tcp_select_initial_window` with the cookie's MSS.
        let req = self.new_request(lkey, seg, seg.seq - 1, cookie, agreed, u32::from(mss));
        self.emit_request_state(local, remote);
        CookieCheck::Child(self.child_from(req, false))
    }

    /// A request for listener `lkey` made from `seg` (the SYN, or a cookie's ACK): its 4-tuple,
    /// ISNs, the options agreed, and a receive window rounded down to `window_mss`.
    fn new_request(
        &self,
        lkey: Key,
        seg: &Segment,
        irs: SeqNum,
        iss: SeqNum,
        a: Agreed,
        window_mss: u32,
    ) -> Request {
        Request {
            listener: lkey,
            local: seg.dst,
            remote: seg.src,
            irs,
            iss,
            peer_mss: a.mss,
            snd_wscale: a.wscale.unwrap_or(0),
            rcv_wscale: if a.wscale.is_some() {
                initial_wscale()
            } else {
                0
            },
            wscale_ok: a.wscale.is_some(),
            sack_ok: a.sack,
            tstamp_ok: a.ts_recent.is_some(),
            ts_recent: a.ts_recent.unwrap_or(0),
            tsoffset: a.tsoffset,
            rcv_wnd: initial_window(window_mss),
            peer_window: seg.window,
            num_timeout: 0,
            num_retrans: 0,
            acked: false,
            synack_sent_at: self.now,
            timer: super::Opt64::NONE,
            last_oow_ack: super::Opt64::NONE,
        }
    }

    /// A request (or a child rebuilt from a cookie) appears: LISTEN -> SYN-RECEIVED on its 4-tuple.
    fn emit_request_state(&mut self, local: Endpoint, remote: Endpoint) {
        let conn = crate::trace::ConnName {
            local,
            remote: Some(remote),
        };
        self.emit(EventKind::State {
            conn,
            from: State::Listen,
            to: State::SynReceived,
        });
    }

    /// Emits a listener's queue lengths.
    pub(super) fn emit_queues(&mut self, lkey: Key) {
        let Some(s) = self.socks.get(lkey) else {
            return;
        };
        let (Some(l), Some(local)) = (&s.listener, s.local) else {
            return;
        };
        let ev = EventKind::Queues {
            listener: local,
            syn_queue: l.syn_queue,
            accept_queue: u32::try_from(l.accept_queue.len()).unwrap_or(u32::MAX),
            backlog: l.backlog,
        };
        self.emit(ev);
    }

    /// `tcp_check_req`: a segment for a request in the SYN queue.
    fn check_req(&mut self, rkey: Key, seg: &Segment) {
        let Some(r) = self.requests.get(rkey).cloned() else {
            return;
        };
        // A retransmitted SYN: answer with the SYN-ACK again (`tcp_rtx_synack`), rate-limited.
        if seg.flags.syn() && !seg.flags.rst() && !seg.flags.ack() && seg.seq == r.irs {
            if self.oow_rate_limited_req(rkey, Some(seg), Counter::AckSkippedSynRecv) {
                return;
            }
            mark!(request_syn_retransmitted);
            self.send_synack(rkey, true);
            if let Some(r) = self.requests.get_mut(rkey) {
                r.num_retrans += 1;
            }
            self.count(Counter::RetransSegs);
            // "Reset timer after retransmitting SYNACK": the request timer restarts from now with
            // the current timeout; num_timeout is unchanged.
            mark!(request_syn_restarts_timer);
            self.arm_request(rkey, self.reqsk_timeout(rkey));
            return;
        }
        // An ACK of something other than our SYN: the listener answers with a RST.
        if seg.flags.ack() && seg.ack != r.iss + 1 {
            mark!(request_bad_ack_rst);
            self.send_reset_for(seg);
            return;
        }
        // RFC 9293 §3.10.7.4 acceptability against the request's window.
        let rcv_nxt = r.irs + 1;
        let in_window = seg.seq == rcv_nxt
            || (seg.end_seq().after(rcv_nxt) && seg.seq.before(rcv_nxt + r.rcv_wnd))
            || (seg.seg_len() == 0 && seg.seq.between(rcv_nxt, rcv_nxt + r.rcv_wnd));
        if !in_window {
            if !seg.flags.rst()
                && !self.oow_rate_limited_req(rkey, Some(seg), Counter::AckSkippedSynRecv)
            {
                mark!(request_out_of_window_ack);
                self.request_ack(rkey, SendCause::DupAck);
            }
            self.discard(Discard::OutOfWindow);
            return;
        }
        if seg.flags.rst() && seg.seq != rcv_nxt {
            // RFC 5961 §3.2 for a request, as Linux 6.18.44 does it (`tcp_check_req`, measured with
            // packetdrill): a RST in the window but not at rcv_nxt gets the request's ACK as a
            // challenge ACK (TcpExtTCPChallengeACK, rate-limited with the request's other
            // answers, TcpExtTCPACKSkippedChallenge), and the request stays.
            if !self.oow_rate_limited_req(rkey, None, Counter::AckSkippedChallenge) {
                mark!(request_rst_challenge_ack);
                self.count(Counter::ChallengeAck);
                self.request_ack(rkey, SendCause::ChallengeAck);
            }
            self.discard(Discard::RstNotExact);
            return;
        }
        if seg.flags.rst() || seg.flags.syn() {
            // `embryonic_reset`: the request is dropped; a SYN also gets a RST.
            mark!(request_embryonic_reset);
            self.counters.inc(Counter::AttemptFails);
            if !seg.flags.rst() {
                self.send_reset_for(seg);
            }
            self.count(Counter::EmbryonicRsts);
            self.drop_request(rkey);
            return;
        }
        if !seg.flags.ack() {
            self.discard(Discard::RequestIgnored);
            return;
        }
        // `tcp_v4_syn_recv_sock`: no room in the accept queue.
        if self.accept_queue_full(r.listener) {
            self.count(Counter::ListenOverflows);
            self.count(Counter::ListenDrops);
            if self.cfg.sysctl.tcp_abort_on_overflow == 0 {
                // `listen_overflow`: remember the ACK; the SYN-ACK timer keeps retransmitting.
                mark!(accept_queue_full_ack_dropped);
                if let Some(r) = self.requests.get_mut(rkey) {
                    r.acked = true;
                }
                self.discard(Discard::AcceptQueueFullAck);
            } else {
                // `embryonic_reset` with `tcp_abort_on_overflow`: a RST, and the request goes.
                mark!(accept_queue_full_ack_rst);
                self.send_reset_for(seg);
                self.count(Counter::EmbryonicRsts);
                self.drop_request(rkey);
            }
            return;
        }
        let Some(child) = self.create_child(rkey) else {
            return;
        };
        self.full_input(child, seg);
    }

    /// `tcp_create_openreq_child` and `inet_csk_complete_hashdance`: the request becomes a full
    /// socket in SYN-RECEIVED, queued for `accept()`.
    fn create_child(&mut self, rkey: Key) -> Option<Key> {
        let r = self.requests.remove(rkey)?;
        self.ehash_remove(r.local, r.remote);
        self.reqsk_queue_removed(r.listener, r.num_timeout);
        // `tcp_synack_rtt_meas`: an RTT sample from the SYN-ACK, unless it was retransmitted
        // (Karn's rule; with timestamps Linux would still measure it from TSecr).
        let sample = r.num_retrans == 0;
        Some(self.child_from(r, sample))
    }

    /// `tcp_v4_syn_recv_sock` and `tcp_create_openreq_child`: a full socket in SYN-RECEIVED made
    /// from a request (from the SYN queue, or rebuilt from a cookie), queued for `accept()`;
    /// `rtt_sample` when the time since the SYN-ACK is an RTT sample.
    fn child_from(&mut self, r: Request, rtt_sample: bool) -> Key {
        let lkey = r.listener;
        // `sk_clone_lock` copies the listener's socket options: SO_REUSEADDR, SO_LINGER.
        let (reuseaddr, linger) = self
            .socks
            .get(lkey)
            .map_or((false, None), |s| (s.reuseaddr, s.linger));
        let mut s = super::Sock::new();
        s.state = State::SynReceived;
        s.local = Some(r.local);
        s.remote = Some(r.remote);
        s.reuseaddr = reuseaddr;
        s.linger = linger;
        s.parent = Some(lkey);
        let t = &mut s.tcb;
        t.iss = r.iss;
        t.irs = r.irs;
        t.snd_una = r.iss;
        t.snd_nxt = r.iss + 1;
        t.tx_start = r.iss + 1;
        t.snd_sml = r.iss + 1;
        t.rcv_nxt = r.irs + 1;
        t.rcv_wup = r.irs + 1;
        t.copied_seq = r.irs + 1;
        t.snd_wscale = r.snd_wscale;
        t.rcv_wscale = r.rcv_wscale;
        t.sack_ok = r.sack_ok;
        t.tstamp_ok = r.tstamp_ok;
        t.ts_recent = r.ts_recent;
        t.ts_recent_stamp = super::Opt64::of(r.tstamp_ok.then_some(self.now));
        t.tsoffset = r.tsoffset;
        t.rcv_wnd = r.rcv_wnd;
        t.rcv_ssthresh = r.rcv_wnd;
        t.snd_wnd = u32::from(r.peer_window);
        t.snd_wl1 = r.irs;
        t.mss_clamp = r.peer_mss;
        init_mss(t);
        t.rto = self
            .clock
            .to_jiffies(Duration::from_millis(TCP_TIMEOUT_INIT_MS));
        t.cwnd = TCP_INIT_CWND;
        let sample = rtt_sample.then(|| self.now - r.synack_sent_at);
        let key = self.socks.insert(s);
        if let Some(m) = sample {
            self.rtt_estimator(key, m.micros());
        }
        // A child has no descriptor until `accept()`: its destination gets no set.
        self.ehash_insert(r.local, r.remote, Conn::Full(key), false);
        self.port_add(r.local.port, key);
        if let Some(l) = self.socks.get_mut(lkey).and_then(|s| s.listener.as_mut()) {
            l.accept_queue.push_back(key);
        }
        self.count(Counter::PassiveOpens);
        key
    }

    /// A segment for a full socket.
    fn full_input(&mut self, key: Key, seg: &Segment) {
        let Some(state) = self.socks.get(key).map(|s| s.state) else {
            return;
        };
        match state {
            State::Listen => self.listen_input(key, seg, None),
            State::SynSent => self.synsent_input(key, seg),
            State::Closed => self.no_socket(seg),
            _ => self.rcv_state_process(key, seg),
        }
    }

    /// `tcp_rcv_synsent_state_process`.
    fn synsent_input(&mut self, key: Key, seg: &Segment) {
        let Some(s) = self.socks.get(key) else { return };
        let (snd_una, snd_nxt, retransmits) = (s.tcb.snd_una, s.tcb.snd_nxt, s.tcb.retransmits);
        if seg.flags.ack() {
            // RFC 9293 §3.10.7.3: an ACK outside snd_una+1..snd_nxt gets a RST (unless it is one).
            if !seg.ack.after(snd_una) || seg.ack.after(snd_nxt) {
                // `tcp_rcv_synsent_state_process` (since Linux 5.6): such an ACK hints that the
                // peer still holds an old connection that our RST will end, so while the SYN was
                // not retransmitted yet it goes again after TCP_TIMEOUT_MIN, not the full RTO.
                if retransmits == 0 {
                    mark!(syn_sent_bad_ack_quick_retry);
                    self.arm(key, TimerKind::Retransmit, super::TCP_TIMEOUT_MIN_JIFFIES);
                }
                if seg.flags.rst() {
                    mark!(syn_sent_bad_ack_rst_ignored);
                    self.discard(Discard::SynSentIgnored);
                } else {
                    mark!(syn_sent_bad_ack_rst);
                    self.send_reset_for(seg);
                }
                return;
            }
            if seg.flags.rst() {
                // `tcp_reset` in SYN-SENT: the connection is refused.
                mark!(syn_sent_rst_refused);
                self.reset(key);
                return;
            }
            if !seg.flags.syn() {
                self.discard(Discard::SynSentIgnored);
                return;
            }
            self.synsent_synack(key, seg);
            return;
        }
        if seg.flags.rst() {
            mark!(syn_sent_rst_without_ack_ignored);
            self.discard(Discard::SynSentIgnored);
            return;
        }
        if seg.flags.syn() {
            // Simultaneous open (RFC 9293 §3.5, figure 8): SYN-RECEIVED, our SYN again with ACK.
            mark!(simultaneous_open);
            let o = self.syn_options(seg);
            if let Some(s) = self.socks.get_mut(key) {
                let t = &mut s.tcb;
                t.irs = seg.seq;
                t.rcv_nxt = seg.seq + 1;
                t.rcv_wup = seg.seq + 1;
                t.copied_seq = seg.seq + 1;
                t.snd_wnd = u32::from(seg.window);
                t.snd_wl1 = seg.seq;
                apply_syn_options(t, &o, self.cfg.sysctl.tcp_window_scaling != 0);
            }
            self.set_state(key, State::SynReceived);
            self.send_syn(key, SendCause::SynAck);
            return;
        }
        self.discard(Discard::SynSentIgnored);
    }

    /// The SYN-ACK of our SYN: ESTABLISHED and the handshake's ACK at once.
    fn synsent_synack(&mut self, key: Key, seg: &Segment) {
        let o = self.syn_options(seg);
        let ws_enabled = self.cfg.sysctl.tcp_window_scaling != 0;
        let now = self.now;
        let Some(s) = self.socks.get_mut(key) else {
            return;
        };
        let t = &mut s.tcb;
        t.irs = seg.seq;
        t.rcv_nxt = seg.seq + 1;
        t.rcv_wup = seg.seq + 1;
        t.copied_seq = seg.seq + 1;
        // `tcp_snd_una_update`: the ACK of our SYN counts in bytes_acked.
        t.bytes_acked += u64::from(seg.ack.distance_from(t.snd_una));
        t.snd_una = seg.ack;
        t.tx_start = seg.ack;
        // The SYN-ACK's window is not scaled (RFC 7323 §2.2).
        t.snd_wnd = u32::from(seg.window);
        t.snd_wl1 = seg.seq;
        t.max_window = t.snd_wnd;
        apply_syn_options(t, &o, ws_enabled);
        t.ts_recent_stamp = super::Opt64::of(o.ts.map(|_| now));
        let sample = (t.retransmits == 0)
            .then(|| t.rtt_probe().map(|(_, at)| now - at))
            .flatten();
        t.set_rtt_probe(None);
        t.retransmits = 0;
        t.retrans_stamp = super::Opt64::NONE;
        self.disarm(key, TimerKind::Retransmit);
        if let Some(m) = sample {
            self.rtt_estimator(key, m.micros());
        }
        self.set_state(key, State::Established);
        self.send_ack(key, SendCause::Ack);
        self.write_xmit(key);
    }

    /// `tcp_rcv_state_process` and `tcp_rcv_established` for synchronized states.
    fn rcv_state_process(&mut self, key: Key, seg: &Segment) {
        if !seg.flags.ack() && !seg.flags.rst() && !seg.flags.syn() {
            self.discard(Discard::NoFlags);
            return;
        }
        if !self.validate_incoming(key, seg) {
            return;
        }
        let Some(state) = self.socks.get(key).map(|s| s.state) else {
            return;
        };
        let acceptable = self.ack_process(key, seg);
        match acceptable {
            // `tcp_rcv_state_process`, TCP_SYN_RECV: any ACK but the one of our SYN gets a RST
            // (RFC 9293 §3.10.7.4).
            AckResult::Unsent | AckResult::TooOld | AckResult::Old
                if state == State::SynReceived =>
            {
                mark!(syn_received_bad_ack_rst);
                self.send_reset_for(seg);
                return;
            }
            // `tcp_ack` (in ESTABLISHED) or `tcp_rcv_state_process` (in the other states): an ACK
            // of data never sent, or one older than what the peer could have seen acknowledged,
            // drops the segment and gets a challenge ACK (RFC 5961 §5.2; for SEG.ACK > SND.NXT
            // since "tcp: send a challenge ACK on SEG.ACK > SND.NXT", in the 6.18 stable series).
            AckResult::Unsent => {
                mark!(ack_of_unsent_challenge_ack);
                self.send_challenge_ack(key);
                self.discard(Discard::AckOfUnsent);
                return;
            }
            AckResult::TooOld => {
                mark!(ack_too_old_challenge_ack);
                self.send_challenge_ack(key);
                self.discard(Discard::AckTooOld);
                return;
            }
            // `old_ack`: an old but believable ACK changes nothing; the segment goes on (its data,
            // its FIN).
            AckResult::Old | AckResult::Ok => {}
        }
        let Some(s) = self.socks.get(key) else { return };
        let fin_acked = s.tcb.fin_queued && s.tcb.snd_una == s.tcb.final_seq();
        let orphan = s.is_orphan();
        match state {
            State::SynReceived => {
                // The handshake's ACK (`tcp_rcv_state_process`, TCP_SYN_RECV).
                mark!(syn_received_established);
                if let Some(s) = self.socks.get_mut(key) {
                    let t = &mut s.tcb;
                    t.snd_wnd = u32::from(seg.window) << t.snd_wscale;
                    t.snd_wl1 = seg.seq;
                    if t.tstamp_ok {
                        t.advmss = t.advmss.min(u32::from(ADVMSS - TCPOLEN_TSTAMP_ALIGNED));
                    }
                    init_buffer_space(t);
                }
                self.set_state(key, State::Established);
                if let Some(parent) = self.socks.get(key).and_then(|s| s.parent) {
                    self.emit_queues(parent);
                }
            }
            State::FinWait1 if fin_acked => {
                mark!(fin_wait_1_fin_acked);
                self.set_state(key, State::FinWait2);
                // A lingering close() wakes up here; only an orphan goes on.
                if orphan {
                    if seg.seg_len() > seg.flags.fin() as u32
                        && seg.end_seq().after(self.rcv_nxt(key))
                    {
                        // Data for an application that is gone (`TcpExtTCPAbortOnData`).
                        self.count(Counter::AbortOnData);
                        self.send_reset_for(seg);
                        self.done(key);
                        return;
                    }
                    if self.orphan_fin_wait_2(key, seg.flags.fin()) {
                        return;
                    }
                }
            }
            State::Closing if fin_acked => {
                mark!(closing_fin_acked);
                self.time_wait(key, State::TimeWait, Duration::ZERO);
                return;
            }
            State::LastAck if fin_acked => {
                mark!(last_ack_fin_acked);
                self.update_metrics(key);
                self.done(key);
                return;
            }
            _ => {}
        }
        // Step 7: data, then step 8: FIN.
        let Some(state) = self.socks.get(key).map(|s| s.state) else {
            return;
        };
        let has_data = seg.seg_len() > 0;
        if has_data {
            match state {
                // The peer already sent its FIN: anything at or after rcv_nxt is ignored. An older
                // segment (the FIN again, our ACK of it lost) falls through to `tcp_data_queue`,
                // which acknowledges it at once (`tcp_rcv_state_process`, step 7).
                State::CloseWait | State::Closing | State::LastAck
                    if !seg.seq.before(self.rcv_nxt(key)) => {}
                State::FinWait1
                | State::FinWait2
                | State::CloseWait
                | State::Closing
                | State::LastAck
                    if self.socks.get(key).is_some_and(|s| s.tcb.rcv_shutdown)
                        && seg.end_seq() - u32::from(seg.flags.fin()) != seg.seq
                        && (seg.end_seq() - u32::from(seg.flags.fin()))
                            .after(self.rcv_nxt(key)) =>
                {
                    self.count(Counter::AbortOnData);
                    if let Some(s) = self.socks.get_mut(key) {
                        s.err = Some(Errno::ECONNRESET);
                    }
                    self.send_reset_for(seg);
                    self.done(key);
                    return;
                }
                _ => self.data_queue(key, seg),
            }
        }
        if self
            .socks
            .get(key)
            .is_some_and(|s| s.state != State::Closed)
        {
            self.write_xmit(key);
            self.ack_snd_check(key);
        }
    }

    fn rcv_nxt(&self, key: Key) -> SeqNum {
        self.socks.get(key).map_or(SeqNum(0), |s| s.tcb.rcv_nxt)
    }

    /// `tcp_validate_incoming`: PAWS, the sequence check, RST (RFC 5961 §3), SYN (RFC 5961 §4).
    fn validate_incoming(&mut self, key: Key, seg: &Segment) -> bool {
        let Some(s) = self.socks.get(key) else {
            return false;
        };
        let t = &s.tcb;
        let state = s.state;
        // PAWS (RFC 7323 §5, `tcp_paws_discard`), RSTs excepted.
        if let (true, Some((tsval, _))) = (t.tstamp_ok, seg.timestamp())
            && (t.ts_recent.wrapping_sub(tsval) as i32) > 1
            && !seg.flags.rst()
        {
            if seg.flags.syn() {
                self.syn_challenge(key);
                return false;
            }
            self.count(Counter::PawsEstab);
            if !self.oow_rate_limited_sock(key, Some(seg), Counter::AckSkippedPaws) {
                self.send_ack(key, SendCause::DupAck);
            }
            self.discard(Discard::Paws);
            return false;
        }
        // `tcp_sequence`.
        let window = t.receive_window();
        let limit = t.rcv_nxt + window;
        let old = seg.end_seq().before(t.rcv_wup);
        let beyond = seg.end_seq().after(limit)
            && (seg.end_seq() - u32::from(seg.flags.fin())).after(limit)
            && (seg.seq.after(limit) || !t.rx.is_empty());
        let reset_check = seg.seq == t.rcv_nxt - 1
            && matches!(state, State::CloseWait | State::LastAck | State::Closing);
        if old || beyond {
            if !seg.flags.rst() {
                if seg.flags.syn() {
                    self.syn_challenge(key);
                    return false;
                }
                if !self.oow_rate_limited_sock(key, Some(seg), Counter::AckSkippedSeq) {
                    mark!(out_of_window_dup_ack);
                    self.dupack(key, seg);
                }
            } else if reset_check {
                self.reset(key);
                return false;
            }
            self.discard(Discard::OutOfWindow);
            return false;
        }
        if seg.flags.rst() {
            if seg.seq == t.rcv_nxt || reset_check {
                mark!(rst_at_rcv_nxt_resets);
                self.reset(key);
            } else {
                mark!(rst_in_window_challenge_ack);
                self.send_challenge_ack(key);
                self.discard(Discard::RstNotExact);
            }
            return false;
        }
        if seg.flags.syn() {
            // The SYN-ACK of a simultaneous open, retransmitted, passes.
            let passes = state == State::SynReceived
                && seg.flags.ack()
                && seg.seq + 1 == seg.end_seq()
                && seg.seq + 1 == t.rcv_nxt
                && seg.ack == t.snd_nxt;
            if !passes {
                self.syn_challenge(key);
                return false;
            }
        }
        true
    }

    fn syn_challenge(&mut self, key: Key) {
        mark!(syn_challenge_ack);
        self.count(Counter::SynChallenge);
        self.send_challenge_ack(key);
        self.discard(Discard::SynOnEstablished);
    }

    /// `tcp_send_dupack`: duplicate data puts the receiver in quick-ACK mode and is reported as a
    /// D-SACK block (up to rcv_nxt).
    fn dupack(&mut self, key: Key, seg: &Segment) {
        let rcv_nxt = self.rcv_nxt(key);
        if seg.seg_len() > 0 && seg.seq.before(rcv_nxt) {
            self.count(Counter::DelayedAckLost);
            self.enter_quickack_mode(key);
            let end = if seg.end_seq().after(rcv_nxt) {
                rcv_nxt
            } else {
                seg.end_seq()
            };
            self.dsack_set(key, seg.seq, end);
        }
        self.send_ack(key, SendCause::DupAck);
    }

    /// `tcp_ack`: advance snd_una, take an RTT sample, update the send window, and re-arm or
    /// clear the retransmission timer.
    fn ack_process(&mut self, key: Key, seg: &Segment) -> AckResult {
        let now = self.now;
        let Some(s) = self.socks.get_mut(key) else {
            return AckResult::Old;
        };
        let passive_child = s.parent.is_some();
        let t = &mut s.tcb;
        let ack = seg.ack;
        if ack.before(t.snd_una) {
            // RFC 5961 §5.2 as `tcp_ack` bounds it in 6.18.y: no further below snd_una than the
            // peer could have seen acknowledged, `min(max_window, bytes_acked)`.
            let believable = u64::from(t.max_window).min(t.bytes_acked);
            let believable = u32::try_from(believable).unwrap_or(u32::MAX);
            if ack.before(t.snd_una - believable) {
                return AckResult::TooOld;
            }
            return AckResult::Old;
        }
        if ack.after(t.snd_nxt) {
            return AckResult::Unsent;
        }
        // `tcp_ack_update_window` / `tcp_may_update_window` (RFC 9293 §3.10.7.4, SND.WL1/WL2).
        let nwin = u32::from(seg.window) << if seg.flags.syn() { 0 } else { t.snd_wscale };
        if ack.after(t.snd_una)
            || seg.seq.after(t.snd_wl1)
            || (seg.seq == t.snd_wl1 && nwin > t.snd_wnd)
        {
            t.snd_wnd = nwin;
            t.snd_wl1 = seg.seq;
            t.max_window = t.max_window.max(nwin);
        }
        // Timestamps: remember the peer's TSval (`tcp_replace_ts_recent`).
        if let (true, Some((tsval, _))) = (t.tstamp_ok, seg.timestamp())
            && !seg.seq.after(t.rcv_wup)
        {
            t.ts_recent = tsval;
            t.ts_recent_stamp = now.into();
        }
        if !ack.after(t.snd_una) {
            return AckResult::Ok;
        }
        // Remove acknowledged data (`tcp_clean_rtx_queue`).
        let data_acked = u32::try_from(ack - t.tx_start)
            .unwrap_or(0)
            .min(u32::try_from(t.tx.len()).unwrap_or(u32::MAX));
        t.tx.drop_front(data_acked as usize);
        t.tx_start = t.tx_start + data_acked;
        let newly = ack.distance_from(t.snd_una);
        // A passive child starts with snd_una past its SYN (`tcp_create_openreq_child`): the
        // handshake's ACK adds nothing to bytes_acked there, unlike an active open's.
        let syn = u32::from(passive_child && t.snd_una == t.iss);
        t.bytes_acked += u64::from(newly - syn.min(newly));
        t.snd_una = ack;
        // Slow start: one segment per segment acknowledged.
        let mss = t.mss_cache.max(1);
        t.cwnd = t.cwnd.saturating_add(newly.div_ceil(mss));
        let sample = match t.rtt_probe() {
            Some((end, at)) if !ack.before(end) => {
                t.set_rtt_probe(None);
                (t.retransmits == 0).then(|| now - at)
            }
            _ => None,
        };
        t.retransmits = 0;
        t.retrans_stamp = super::Opt64::NONE;
        let outstanding = t.snd_nxt != t.snd_una;
        if let Some(m) = sample {
            self.rtt_estimator(key, m.micros());
            if let Some(s) = self.socks.get_mut(key) {
                // RFC 6298 §5.7: a valid sample resets the backoff.
                s.tcb.backoff = 0;
            }
        }
        // `tcp_rearm_rto`.
        if outstanding {
            let rto = self.socks.get(key).map_or(0, |s| s.tcb.rto);
            self.arm(key, TimerKind::Retransmit, rto);
        } else {
            self.disarm(key, TimerKind::Retransmit);
        }
        AckResult::Ok
    }

    /// `tcp_rtt_estimator` and `tcp_set_rto` (RFC 6298 as Linux computes it).
    fn rtt_estimator(&mut self, key: Key, m_us: u64) {
        let clock = self.clock;
        let Some(s) = self.socks.get_mut(key) else {
            return;
        };
        let t = &mut s.tcb;
        let m = i64::try_from(m_us.max(1)).unwrap_or(i64::MAX);
        let mut srtt = i64::try_from(t.srtt_us).unwrap_or(0);
        if srtt != 0 {
            let mut m = m - (srtt >> 3);
            srtt += m;
            let mut mdev = i64::try_from(t.mdev_us).unwrap_or(0);
            if m < 0 {
                m = -m;
                m -= mdev >> 2;
                if m > 0 {
                    m >>= 3;
                }
            } else {
                m -= mdev >> 2;
            }
            mdev += m;
            t.mdev_us = u64::try_from(mdev).unwrap_or(0);
            if t.mdev_us > t.mdev_max_us {
                t.mdev_max_us = t.mdev_us;
                if t.mdev_max_us > t.rttvar_us {
                    t.rttvar_us = t.mdev_max_us;
                }
            }
            if t.snd_una.after(t.rtt_seq) {
                if t.mdev_max_us < t.rttvar_us {
                    t.rttvar_us -= (t.rttvar_us - t.mdev_max_us) >> 2;
                }
                t.rtt_seq = t.snd_nxt;
                t.mdev_max_us = TCP_RTO_MIN_US;
            }
        } else {
            srtt = m << 3;
            t.mdev_us = u64::try_from(m << 1).unwrap_or(0);
            t.rttvar_us = t.mdev_us.max(TCP_RTO_MIN_US);
            t.mdev_max_us = t.rttvar_us;
            t.rtt_seq = t.snd_nxt;
        }
        t.srtt_us = u64::try_from(srtt).unwrap_or(1).max(1);
        // `__tcp_set_rto`: usecs_to_jiffies(srtt + rttvar), bounded by TCP_RTO_MAX.
        let rto = clock.to_jiffies(Duration::from_micros((t.srtt_us >> 3) + t.rttvar_us));
        t.rto = rto.min(clock.to_jiffies(Duration::from_millis(TCP_RTO_MAX_MS)));
    }

    /// `tcp_data_queue`: in-order data is queued and acknowledged per the delayed-ACK rules; a
    /// duplicate or out-of-order segment gets an immediate duplicate ACK.
    fn data_queue(&mut self, key: Key, seg: &Segment) {
        let jiffies = self.jiffies();
        let Some(s) = self.socks.get_mut(key) else {
            return;
        };
        let t = &mut s.tcb;
        if !seg.seq.after(t.rcv_nxt) && seg.end_seq().after(t.rcv_nxt) {
            // In order (possibly overlapping what we have): take the new part. A head we already
            // had is reported as a D-SACK block ("Partial packet, seq < rcv_next < end_seq").
            if seg.seq.before(t.rcv_nxt) {
                let rcv_nxt = t.rcv_nxt;
                self.dsack_set(key, seg.seq, rcv_nxt);
            }
            let Some(s) = self.socks.get_mut(key) else {
                return;
            };
            let t = &mut s.tcb;
            let skip = usize::try_from(t.rcv_nxt - seg.seq).unwrap_or(0);
            let fresh = seg.payload.get(skip..).unwrap_or(&[]);
            let len = fresh.len();
            if !t.rcv_shutdown {
                t.rx.extend(fresh);
            }
            t.rcv_nxt = t.rcv_nxt + u32::try_from(len).unwrap_or(0);
            if len > 0 {
                self.event_data_recv(key, len, seg.flags.psh(), jiffies);
            }
            if seg.flags.fin() {
                self.fin(key);
            }
            return;
        }
        if !seg.end_seq().after(t.rcv_nxt) {
            // A duplicate ("A retransmit, 2nd most common case"): TcpExtDelayedACKLost, a D-SACK
            // block for it, quick-ACK mode and an ACK now (`tcp_data_queue`, out_of_window).
            mark!(duplicate_quick_ack);
            self.count(Counter::DelayedAckLost);
            self.dsack_set(key, seg.seq, seg.end_seq());
            self.enter_quickack_mode(key);
            self.schedule_ack(key);
            self.discard(Discard::Duplicate);
            return;
        }
        // Out of order: Linux queues it and sends a duplicate ACK; we send the ACK only.
        self.send_ack(key, SendCause::DupAck);
        self.discard(Discard::OutOfWindow);
    }

    /// `tcp_event_data_recv`: adapt `ato` to the peer's pace.
    fn event_data_recv(&mut self, key: Key, len: usize, psh: bool, now: u64) {
        let ato_min = self.clock.to_jiffies(Duration::from_millis(TCP_ATO_MIN_MS));
        let Some(s) = self.socks.get_mut(key) else {
            return;
        };
        let rto = s.tcb.rto;
        let rcv_wnd = s.tcb.rcv_wnd;
        let advmss = s.tcb.advmss;
        let a = &mut s.tcb.ack;
        a.scheduled = true;
        a.pushed |= psh;
        // `tcp_measure_rcv_mss`.
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        if len >= a.rcv_mss {
            a.rcv_mss = len.min(advmss.max(1));
        }
        if a.ato == 0 {
            mark!(first_data_starts_ato);
            incr_quickack(a, rcv_wnd, TCP_MAX_QUICKACKS);
            a.ato = ato_min;
        } else {
            let m = now.saturating_sub(a.lrcvtime);
            if m <= ato_min / 2 {
                a.ato = (a.ato >> 1) + ato_min / 2;
            } else if m < a.ato {
                a.ato = ((a.ato >> 1) + m).min(rto);
            } else if m > rto {
                incr_quickack(a, rcv_wnd, TCP_MAX_QUICKACKS);
            }
        }
        a.lrcvtime = now;
    }

    fn enter_quickack_mode(&mut self, key: Key) {
        let ato_min = self.clock.to_jiffies(Duration::from_millis(TCP_ATO_MIN_MS));
        if let Some(s) = self.socks.get_mut(key) {
            let rcv_wnd = s.tcb.rcv_wnd;
            let a = &mut s.tcb.ack;
            incr_quickack(a, rcv_wnd, TCP_MAX_QUICKACKS);
            a.pingpong = 0;
            a.ato = ato_min;
        }
    }

    fn schedule_ack(&mut self, key: Key) {
        if let Some(s) = self.socks.get_mut(key) {
            s.tcb.ack.scheduled = true;
        }
    }

    /// `tcp_fin`: the peer has no more data.
    fn fin(&mut self, key: Key) {
        let Some(s) = self.socks.get_mut(key) else {
            return;
        };
        s.tcb.ack.scheduled = true;
        s.tcb.rcv_nxt = s.tcb.rcv_nxt + 1;
        s.tcb.fin_received = true;
        s.tcb.rcv_shutdown = true;
        match s.state {
            State::SynReceived | State::Established => {
                mark!(fin_to_close_wait);
                s.tcb.ack.pingpong = 1; // `inet_csk_enter_pingpong_mode`
                self.set_state(key, State::CloseWait);
            }
            State::FinWait1 => {
                // Simultaneous close: ACK now, CLOSING.
                mark!(fin_wait_1_fin_closing);
                self.send_ack(key, SendCause::Ack);
                self.set_state(key, State::Closing);
            }
            State::FinWait2 => {
                mark!(fin_wait_2_fin_time_wait);
                self.send_ack(key, SendCause::Ack);
                self.time_wait(key, State::TimeWait, Duration::ZERO);
            }
            _ => {}
        }
    }

    /// `tcp_ack_snd_check` / `__tcp_ack_snd_check`: ACK now, or arm the delayed-ACK timer.
    fn ack_snd_check(&mut self, key: Key) {
        let Some(s) = self.socks.get_mut(key) else {
            return;
        };
        if !s.tcb.ack.scheduled {
            return;
        }
        let t = &s.tcb;
        let unacked = t.rcv_nxt.distance_from(t.rcv_wup);
        let in_quickack = t.ack.quick > 0 && t.ack.pingpong == 0;
        let read_all = t.rx.is_empty();
        if (unacked > t.ack.rcv_mss && read_all) || in_quickack {
            self.send_ack(key, SendCause::Ack);
        } else {
            self.send_delayed_ack(key);
        }
    }

    /// `tcp_send_delayed_ack`.
    fn send_delayed_ack(&mut self, key: Key) {
        let clock = self.clock;
        let jiffies = self.jiffies();
        let Some(s) = self.socks.get(key) else { return };
        let t = &s.tcb;
        let a = &t.ack;
        let delack_min = clock.to_jiffies(Duration::from_millis(TCP_ATO_MIN_MS));
        let mut ato = a.ato;
        if ato > delack_min {
            let mut max_ato = u64::from(clock.hz / 2);
            if a.pingpong > 0 || a.pushed {
                max_ato = clock.to_jiffies(Duration::from_millis(TCP_DELACK_MAX_MS));
            }
            if t.srtt_us != 0 {
                let rtt = clock
                    .to_jiffies(Duration::from_micros(t.srtt_us >> 3))
                    .max(delack_min);
                max_ato = max_ato.min(rtt);
            }
            ato = ato.min(max_ato);
        }
        // `tcp_delack_max`: below TCP_RTO_MIN.
        let delack_max = clock
            .to_jiffies(Duration::from_micros(TCP_RTO_MIN_US))
            .saturating_sub(1)
            .max(1);
        ato = ato.min(delack_max);
        let mut at = clock.expiry(self.now, ato);
        if let Some(current) = self.timer_at(key, TimerKind::DelayedAck) {
            // Already armed: if it is due within a quarter ato, ACK now; never push it later.
            if clock.jiffies(current) <= jiffies + (ato >> 2) {
                self.send_ack(key, SendCause::Ack);
                return;
            }
            at = at.min(current);
        }
        self.arm_at(key, TimerKind::DelayedAck, at);
    }

    /// `tcp_delack_timer_handler`.
    pub(super) fn delack_timer(&mut self, key: Key) {
        let ato_min = self.clock.to_jiffies(Duration::from_millis(TCP_ATO_MIN_MS));
        let Some(s) = self.socks.get_mut(key) else {
            return;
        };
        if !s.tcb.ack.scheduled || s.state == State::Closed {
            return;
        }
        mark!(delayed_ack_timer);
        let rto = s.tcb.rto;
        let a = &mut s.tcb.ack;
        if a.pingpong == 0 {
            a.ato = (a.ato << 1).min(rto);
        } else {
            a.pingpong = 0;
            a.ato = ato_min;
        }
        self.count(Counter::DelayedAcks);
        self.send_ack(key, SendCause::DelayedAck);
    }

    /// `tcp_retransmit_timer`: resend the oldest unacknowledged segment, back off, and give up
    /// per `tcp_write_timeout`.
    pub(super) fn retransmit_timer(&mut self, key: Key) {
        let Some(s) = self.socks.get(key) else { return };
        if s.tcb.snd_una == s.tcb.snd_nxt {
            return;
        }
        let state = s.state;
        self.count(Counter::TcpTimeouts);
        if self.write_timeout(key) {
            return;
        }
        let now = self.now;
        let linear = self.cfg.sysctl.tcp_syn_linear_timeouts;
        let rto_max = self.clock.to_jiffies(Duration::from_millis(TCP_RTO_MAX_MS));
        let Some(s) = self.socks.get_mut(key) else {
            return;
        };
        let t = &mut s.tcb;
        t.retransmits += 1;
        t.total_rto += 1;
        if t.retrans_stamp.get().is_none() {
            t.retrans_stamp = now.into();
        }
        t.set_rtt_probe(None);
        // `tcp_enter_loss`: back to one segment.
        t.cwnd = 1;
        // SYN-SENT keeps the RTO for the first `tcp_syn_linear_timeouts` retransmissions.
        if state != State::SynSent || t.total_rto > linear {
            mark!(rto_backoff);
            t.backoff += 1;
            t.rto = (t.rto << 1).min(rto_max);
        } else {
            mark!(syn_linear_timeout);
        }
        let rto = t.rto;
        let snd_una = t.snd_una;
        let iss = t.iss;
        match state {
            State::SynSent | State::SynReceived if snd_una == iss => {
                self.send_syn(key, SendCause::Retransmit);
            }
            _ => self.retransmit_head(key),
        }
        self.count(Counter::RetransSegs);
        self.arm(key, TimerKind::Retransmit, rto);
    }

    /// Resends from `snd_una`: one segment of data, or the FIN.
    fn retransmit_head(&mut self, key: Key) {
        let Some(s) = self.socks.get(key) else { return };
        let t = &s.tcb;
        let mss = t.mss_cache.max(1) as usize;
        let start = usize::try_from(t.snd_una - t.tx_start).unwrap_or(0);
        let payload = t.tx.copy_range(start, mss);
        let end = t.snd_una + u32::try_from(payload.len()).unwrap_or(0);
        let mut flags = crate::wire::Flags::ACK;
        if !payload.is_empty() && end == t.write_seq() {
            flags = flags | crate::wire::Flags::PSH;
        }
        if t.fin_queued && end == t.write_seq() && t.snd_nxt == t.final_seq() {
            flags = flags | crate::wire::Flags::FIN;
        }
        let seq = t.snd_una;
        if let Some(seg) = self.full_segment(key, seq, flags, payload) {
            self.transmit(seg, SendCause::Retransmit);
        }
    }

    /// `tcp_write_timeout`: whether the connection has retransmitted long enough, and if so
    /// `tcp_write_err`. SYN-SENT and SYN-RECEIVED give up after `tcp_syn_retries` retransmissions
    /// (SYN-SENT's linear ones on top), or once the time those would take with exponential backoff
    /// from TCP_TIMEOUT_INIT has passed since the first SYN, whichever comes first; other states
    /// once `tcp_retries2` (an orphan: `tcp_orphan_retries`) retransmissions' worth of time from
    /// TCP_RTO_MIN has passed since the first retransmission (`retransmits_timed_out`).
    fn write_timeout(&mut self, key: Key) -> bool {
        let sysctl = &self.cfg.sysctl;
        let Some(s) = self.socks.get(key) else {
            return false;
        };
        let t = &s.tcb;
        let expired = match s.state {
            State::SynSent | State::SynReceived => {
                let retry_until = sysctl.tcp_syn_retries;
                let linear = if s.state == State::SynSent {
                    sysctl.tcp_syn_linear_timeouts
                } else {
                    0
                };
                let by_count = t.retransmits >= retry_until + linear;
                let by_time = !by_count
                    && self.retransmits_timed_out(t, retry_until, TCP_TIMEOUT_INIT_MS * 1000);
                if by_count {
                    mark!(syn_retries_exhausted);
                } else if by_time {
                    mark!(syn_retries_timed_out);
                }
                by_count || by_time
            }
            _ => {
                let retry_until = if s.is_orphan() {
                    // `tcp_orphan_retries`: 0 means 8 while the RTO is below TCP_RTO_MAX
                    // ("alive"). Once it is not, 0 stays 0, but by then more than the 8
                    // retransmissions' 102.2 s have passed anyway; the other difference, an ICMP
                    // soft error, is not simulated.
                    match sysctl.tcp_orphan_retries {
                        0 => {
                            mark!(orphan_retries_default_8);
                            8
                        }
                        n => {
                            mark!(orphan_retries_sysctl);
                            n
                        }
                    }
                } else {
                    sysctl.tcp_retries2
                };
                self.retransmits_timed_out(t, retry_until, TCP_RTO_MIN_US)
            }
        };
        if expired {
            self.write_err(key);
        }
        expired
    }

    /// `retransmits_timed_out`: at least one retransmission, and `tcp_model_timeout(boundary,
    /// rto_base)` passed since `retrans_stamp`, both read in whole milliseconds of the TCP clock
    /// (`tcp_time_stamp_ms`): a SYN sent 0.25 ms into the run counts from 0 ms.
    fn retransmits_timed_out(&self, t: &super::Tcb, boundary: u32, rto_base_us: u64) -> bool {
        if t.retransmits == 0 {
            return false;
        }
        let timeout_ms = model_timeout(boundary, rto_base_us).millis();
        t.retrans_stamp
            .at()
            .is_some_and(|start| self.now.millis().saturating_sub(start.millis()) >= timeout_ms)
    }

    /// `tcp_write_err`: the connection is dropped without a segment; the application sees
    /// ETIMEDOUT (TcpExtTCPAbortOnTimeout).
    fn write_err(&mut self, key: Key) {
        mark!(write_err_abort_on_timeout);
        if let Some(s) = self.socks.get_mut(key) {
            s.err = Some(Errno::ETIMEDOUT);
        }
        self.done(key);
        self.count(Counter::AbortOnTimeout);
    }

    /// `tcp_reset`: a RST was accepted. The error depends on the state.
    fn reset(&mut self, key: Key) {
        let Some(s) = self.socks.get_mut(key) else {
            return;
        };
        s.err = Some(match s.state {
            State::SynSent => Errno::ECONNREFUSED,
            State::CloseWait => Errno::EPIPE,
            _ => Errno::ECONNRESET,
        });
        self.done(key);
    }

    /// `tcp_done`: the socket is CLOSED; an orphan is destroyed, otherwise the application sees
    /// the state (and any error) on its next call.
    pub(super) fn done(&mut self, key: Key) {
        let Some(s) = self.socks.get(key) else { return };
        if matches!(s.state, State::SynSent | State::SynReceived) {
            self.count(Counter::AttemptFails);
        }
        self.set_state(key, State::Closed);
        for kind in [
            TimerKind::Retransmit,
            TimerKind::DelayedAck,
            TimerKind::FinWait2,
        ] {
            self.disarm(key, kind);
        }
        self.unhash(key);
        if self
            .socks
            .get(key)
            .is_some_and(|s| s.is_orphan() && s.parent.is_none())
        {
            self.destroy(key);
        }
    }

    /// `tcp_fin_time`: how long an orphan stays in FIN-WAIT-2: `tcp_fin_timeout`, at least 3.5 RTO.
    fn fin_time(&self, key: Key) -> Duration {
        let rto = self.socks.get(key).map_or(0, |s| s.tcb.rto);
        let floor = self.clock.to_duration((rto << 2) - (rto >> 1));
        Duration::from_secs(u64::from(self.cfg.sysctl.tcp_fin_timeout)).max(floor)
    }

    /// An orphan has just reached FIN-WAIT-2 (`__tcp_close`, or `tcp_rcv_state_process` in
    /// FIN-WAIT-1 with `fin` saying whether the segment also carried the peer's FIN). Up to 60 s
    /// of `tcp_fin_time` a mini socket holds it (`tcp_time_wait(sk, TCP_FIN_WAIT2, tmo)`); a
    /// longer time first runs `tmo - 60 s` on the keepalive timer, whose expiry
    /// (`tcp_keepalive_timer`) hands over to a mini socket for another `tmo - 60 s`. A FIN in the
    /// same segment keeps the full socket, with the keepalive timer at `tmo`, so that the FIN is not
    /// lost. Returns true when the full socket is gone.
    pub(super) fn orphan_fin_wait_2(&mut self, key: Key, fin: bool) -> bool {
        let tmo = self.fin_time(key);
        let timewait_len = Duration::from_secs(super::TCP_TIMEWAIT_LEN_SECS);
        if tmo > timewait_len {
            mark!(orphan_fin_wait_2_keepalive);
            let rest = Duration::from_micros(tmo.micros() - timewait_len.micros());
            self.arm(key, TimerKind::FinWait2, self.clock.to_jiffies(rest));
            false
        } else if fin {
            self.arm(key, TimerKind::FinWait2, self.clock.to_jiffies(tmo));
            false
        } else {
            // The orphan's FIN-WAIT-2 is kept by a mini socket (`tcp_time_wait`).
            mark!(orphan_fin_wait_2);
            self.time_wait(key, State::FinWait2, tmo);
            true
        }
    }

    /// `tcp_keepalive_timer` for an orphan in FIN-WAIT-2: the rest of `tcp_fin_time` beyond 60 s
    /// goes to a mini socket; with nothing left, the connection is reset.
    pub(super) fn fin_wait_2_timer(&mut self, key: Key) {
        let Some(s) = self.socks.get(key) else { return };
        if s.state != State::FinWait2 || !s.is_orphan() {
            return;
        }
        let tmo = self.fin_time(key);
        let timewait_len = Duration::from_secs(super::TCP_TIMEWAIT_LEN_SECS);
        if tmo > timewait_len {
            mark!(orphan_fin_wait_2_keepalive_expired);
            let rest = Duration::from_micros(tmo.micros() - timewait_len.micros());
            self.time_wait(key, State::FinWait2, rest);
        } else {
            mark!(orphan_fin_wait_2_keepalive_reset);
            self.send_active_reset(key);
            self.done(key);
        }
    }

    /// `tcp_time_wait`: hand the 4-tuple to a TIME-WAIT (or FIN-WAIT-2) mini socket and close
    /// the full one. TIME-WAIT lasts `TCP_TIMEWAIT_LEN`; an orphan's FIN-WAIT-2 lasts
    /// `tcp_fin_timeout`, at least 3.5 RTO. linux-3.10 with `tcp_tw_recycle`, when the connection
    /// saw timestamps: `tcp_remember_stamp` first, and if it finds (or makes) the peer's record,
    /// TIME-WAIT lasts 3.5 RTO (`tw_timeout = rto`).
    pub(super) fn time_wait(&mut self, key: Key, state: State, timeout: Duration) {
        // linux-3.10 remembers the stamp before `tcp_update_metrics` (at the end of
        // `tcp_time_wait`); 6.18 updates the metrics first. Either way the RTT and the stamp
        // land in the same record.
        let recycle_ok = match self.sock_peer_stamp(key).filter(|_| self.tw_recycle()) {
            Some(stamp) => self.remember_stamp(stamp, true),
            None => false,
        };
        self.update_metrics(key);
        let Some(s) = self.socks.get(key) else { return };
        let (Some(local), Some(remote)) = (s.local, s.remote) else {
            return;
        };
        let conn = crate::trace::ConnName {
            local,
            remote: Some(remote),
        };
        if self.cfg.skip_time_wait && state == State::TimeWait {
            self.emit(EventKind::SkippedTimeWait { conn });
            self.done(key);
            return;
        }
        let t = &s.tcb;
        // `(icsk->icsk_rto << 2) - (icsk->icsk_rto >> 1)`: 3.5 RTO.
        let rto = self.clock.to_duration((t.rto << 2) - (t.rto >> 1));
        let timewait_len = self.time_wait_len();
        let tw_timeout = if recycle_ok { rto } else { timewait_len };
        let timeout = match state {
            State::TimeWait if recycle_ok => {
                mark!(tw_recycle_short_time_wait);
                rto
            }
            State::TimeWait => timewait_len,
            _ => timeout.max(rto),
        };
        let mut tw = super::TimeWait {
            local,
            remote,
            substate: state,
            snd_nxt: t.snd_nxt,
            rcv_nxt: t.rcv_nxt,
            rcv_wnd: t.receive_window(),
            rcv_wscale: t.rcv_wscale,
            ts_recent: t.ts_recent,
            ts_recent_stamp_ms: super::NO_STAMP,
            tsoffset: t.tsoffset,
            reuseaddr: s.reuseaddr,
            created_ms: super::ms32(self.now),
            deadline: self.now,
            last_oow_ack: 0,
            tw_timeout_ms: u32::try_from(tw_timeout.millis()).unwrap_or(u32::MAX),
        };
        tw.set_ts_recent_stamp(if t.tstamp_ok {
            t.ts_recent_stamp.at()
        } else {
            None
        });
        let from = s.state;
        // The full socket's CLOSED is internal: the reader sees the 4-tuple move from `from` to
        // `state`, so the full socket closes without an event of its own.
        if let Some(s) = self.socks.get_mut(key) {
            s.state = State::Closed;
        }
        // `inet_twsk_alloc` fails once `tcp_max_tw_buckets` entries exist (TIME-WAIT and
        // FIN-WAIT-2 alike): `tcp_time_wait` counts LINUX_MIB_TCPTIMEWAITOVERFLOW and closes the
        // socket at once, with no mini socket left for the 4-tuple.
        if self.time_waits.len() >= self.cfg.sysctl.tcp_max_tw_buckets as usize {
            mark!(time_wait_overflow);
            self.done(key);
            self.count(Counter::TimeWaitOverflow);
            self.emit(EventKind::TimeWaitOverflow { conn, state });
            self.emit(EventKind::State {
                conn,
                from,
                to: State::Closed,
            });
            return;
        }
        // The entry's port stays noted toward its destination if the full socket's was (the
        // set goes when the full socket's port leaves it last).
        let noted = self.dest_noted(local.ip, remote);
        self.done(key);
        if !self.check_limit() {
            return;
        }
        let reuse = tw.reuseaddr;
        let twk = self.time_waits.insert(tw);
        self.ehash_insert(local, remote, Conn::TimeWait(twk), noted);
        self.port_add_time_wait(local.port, local.ip, reuse);
        // The full socket's CLOSED is internal: the reader sees the 4-tuple move on to `state`.
        self.emit(EventKind::State {
            conn,
            from,
            to: state,
        });
        if timeout > Duration::from_secs(4) {
            self.count(Counter::Tw);
        }
        self.schedule_time_wait(twk, timeout);
    }
}

/// What `tcp_ack` made of an acknowledgment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AckResult {
    /// Acceptable.
    Ok,
    /// Older than snd_una, but no older than the peer could have seen acknowledged (`old_ack`).
    Old,
    /// Older than snd_una by more than that (RFC 5961 §5.2).
    TooOld,
    /// Acknowledges data never sent.
    Unsent,
}

/// `tcp_incr_quickack`.
fn incr_quickack(a: &mut super::AckState, rcv_wnd: u32, max: u32) {
    let mut quickacks = rcv_wnd / (2 * a.rcv_mss.max(1));
    if quickacks == 0 {
        quickacks = 2;
    }
    quickacks = quickacks.min(max);
    if quickacks > a.quick {
        a.quick = quickacks;
    }
}

/// The options a SYN exchange settled (`tcp_rcv_synsent_state_process`).
fn apply_syn_options(t: &mut super::Tcb, o: &SynOptions, ws_enabled: bool) {
    match o.wscale {
        Some(ws) if ws_enabled => t.snd_wscale = ws,
        _ => {
            t.snd_wscale = 0;
            t.rcv_wscale = 0;
        }
    }
    t.sack_ok = o.sack && t.sack_ok;
    t.tstamp_ok = o.ts.is_some() && t.tstamp_ok;
    if let (true, Some((val, _))) = (t.tstamp_ok, o.ts) {
        t.ts_recent = val;
    }
    if t.tstamp_ok {
        t.advmss = t.advmss.min(u32::from(ADVMSS - TCPOLEN_TSTAMP_ALIGNED));
    }
    t.mss_clamp = o.mss;
    init_mss(t);
    init_buffer_space(t);
}

/// `tcp_sync_mss` and `tcp_initialize_rcv_mss`: what we send per segment, and our first guess
/// of what the peer sends.
pub(super) fn init_mss(t: &mut super::Tcb) {
    let opts = if t.tstamp_ok {
        u32::from(TCPOLEN_TSTAMP_ALIGNED)
    } else {
        0
    };
    t.mss_cache = u32::from(ADVMSS).min(t.mss_clamp.max(88)) - opts;
    if t.advmss == 0 {
        t.advmss = u32::from(ADVMSS) - opts;
    }
    t.ack.rcv_mss = t
        .advmss
        .min(t.mss_cache)
        .min(t.rcv_wnd / 2)
        .min(u32::from(TCP_MSS_DEFAULT))
        .max(88);
}

/// `tcp_init_buffer_space`: clamp the window to the buffer, reserving one segment.
fn init_buffer_space(t: &mut super::Tcb) {
    let maxwin = super::output::FULL_SPACE;
    t.window_clamp = maxwin.saturating_sub(t.advmss).max(2 * t.advmss);
    t.rcv_ssthresh = t.rcv_ssthresh.min(t.window_clamp);
}

/// `tcp_model_timeout`: the time `boundary` retransmissions take with exponential backoff from
/// `base_us` (RFC 6298 §5.5), capped per step at TCP_RTO_MAX.
fn model_timeout(boundary: u32, base_us: u64) -> Duration {
    let base = base_us.max(1);
    let thresh = (TCP_RTO_MAX_MS * 1000 / base).max(1).ilog2();
    let us = if boundary <= thresh {
        ((2u64 << boundary) - 1) * base
    } else {
        ((2u64 << thresh) - 1) * base + u64::from(boundary - thresh) * TCP_RTO_MAX_MS * 1000
    };
    Duration::from_micros(us)
}

impl Listener {
    /// A listener with the given backlog.
    pub(super) fn new(backlog: u32) -> Listener {
        Listener {
            backlog,
            ..Listener::default()
        }
    }

    /// `inet_csk_reqsk_queue_is_full`. linux-6.18: the length exceeds the backlog. linux-3.10:
    /// `qlen >> max_qlen_log`, so the queue is full once it holds as many requests as its table
    /// has entries (include/net/request_sock.h, `reqsk_queue_is_full`).
    pub(super) fn syn_queue_is_full(&self) -> bool {
        if self.syn_table != 0 {
            mark!(syn_queue_full_3_10_table);
            return self.syn_queue >= self.syn_table;
        }
        self.syn_queue > self.backlog
    }

    /// The longest SYN queue that is not full (the page's gauge).
    pub(super) fn syn_limit(&self) -> u32 {
        if self.syn_table != 0 {
            self.syn_table - 1
        } else {
            self.backlog
        }
    }
}

/// `ato` starts at zero, and so does everything else of a fresh socket.
pub(super) fn fresh_tcb() -> super::Tcb {
    let mut t = super::Tcb {
        advmss: u32::from(ADVMSS),
        rcv_wscale: initial_wscale(),
        rcv_wnd: initial_window(u32::from(ADVMSS)),
        cwnd: TCP_INIT_CWND,
        sack_ok: true,
        tstamp_ok: true,
        ..super::Tcb::default()
    };
    t.rcv_ssthresh = t.rcv_wnd;
    t.window_clamp = u32::from(u16::MAX) << 14;
    t.mss_clamp = u32::from(TCP_MSS_DEFAULT);
    t
}
