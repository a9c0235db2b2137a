//! The socket calls (`socket`, `bind`, `listen`, `accept`, `connect`, `read`, `write`,
//! `shutdown`, `close`, the options) with Linux's return values and errno, and the bookkeeping
//! of descriptors, ports and hashes they need.

use super::input::fresh_tcb;
use super::{Conn, Host, Listener, PortOwner, Sock, State};
use crate::config::Profile;
use crate::counters::Counter;
use crate::seq::SeqNum;
use crate::slab::Key;
use crate::socket::{Call, CallResult, Errno, Fd, How};
use crate::time::Duration;
use crate::trace::{EventKind, SendCause, TimerKind};
use crate::wire::{Endpoint, Ipv4};
use alloc::vec::Vec;
use core::cmp::Reverse;
use core::hash::Hasher;
use serde::Serialize;
use siphasher::sip::SipHasher24;

/// `struct tcp_info`, the fields synack fills (`tcp_get_info`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TcpInfo {
    /// `tcpi_state`: Linux's state number.
    pub state: u8,
    /// `tcpi_options`: `TCPI_OPT_TIMESTAMPS` 1, `TCPI_OPT_SACK` 2, `TCPI_OPT_WSCALE` 4.
    pub options: u8,
    /// `tcpi_snd_wscale`.
    pub snd_wscale: u8,
    /// `tcpi_rcv_wscale`.
    pub rcv_wscale: u8,
    /// `tcpi_rto`, microseconds.
    pub rto: u64,
    /// `tcpi_ato`, microseconds.
    pub ato: u64,
    /// `tcpi_snd_mss`.
    pub snd_mss: u32,
    /// `tcpi_rcv_mss`.
    pub rcv_mss: u32,
    /// `tcpi_retransmits`.
    pub retransmits: u32,
    /// `tcpi_backoff`.
    pub backoff: u32,
    /// `tcpi_rtt`, microseconds (srtt).
    pub rtt: u64,
    /// `tcpi_rttvar`, microseconds (mdev).
    pub rttvar: u64,
    /// `tcpi_snd_cwnd`.
    pub snd_cwnd: u32,
    /// `tcpi_rcv_ssthresh`.
    pub rcv_ssthresh: u32,
}

impl Sock {
    pub(super) fn new() -> Sock {
        Sock {
            state: State::Closed,
            local: None,
            remote: None,
            bound_explicitly: false,
            port_slot: 0,
            reuseaddr: false,
            nonblocking: false,
            linger: None,
            fd: None,
            lingering_until: super::Opt64::NONE,
            err: None,
            listener: None,
            parent: None,
            tcb: fresh_tcb(),
            timers: super::Deadlines::NONE,
        }
    }

    /// `SOCK_DEAD`: no descriptor, and no `close()` still lingering in it.
    pub(super) fn is_orphan(&self) -> bool {
        self.fd.is_none() && self.lingering_until.get().is_none()
    }
}

fn ok(value: i32) -> CallResult {
    CallResult::Ok { value }
}

fn err(errno: Errno) -> CallResult {
    CallResult::Err { errno }
}

impl Host {
    /// Makes a socket call for application thread `thread`. A blocking call returns
    /// `CallResult::Blocked` and completes later with a `Returned` event.
    pub fn call(&mut self, now: crate::time::Instant, thread: u16, call: Call) -> CallResult {
        self.now = self.now.max(now);
        // A `close()` frees its descriptor at once; if it lingers, the wait is on the socket.
        let closing = match call {
            Call::Close { fd } => self.sock_of(fd),
            _ => None,
        };
        let on = closing.or_else(|| call.fd().and_then(|fd| self.sock_of(fd)));
        let result = self.try_call(&call, false);
        self.emit(EventKind::Call {
            thread,
            call: call.clone(),
            result: result.clone(),
        });
        if let Some(key) = on {
            self.touch(key);
        }
        if result == CallResult::Blocked
            && let Some(key) = on
        {
            self.block(thread, call, key, closing);
        }
        self.wake_blocked();
        result
    }

    /// `struct tcp_info` of the socket behind `fd`.
    pub fn tcp_info(&self, fd: Fd) -> Option<TcpInfo> {
        let s = self.socks.get(self.sock_of(fd)?)?;
        let t = &s.tcb;
        let synced = !matches!(s.state, State::Closed | State::Listen | State::SynSent);
        let delack_max = self
            .clock
            .to_jiffies(Duration::from_micros(super::TCP_RTO_MIN_US))
            .saturating_sub(1);
        Some(TcpInfo {
            state: s.state.linux_number(),
            options: if synced {
                u8::from(t.tstamp_ok)
                    | (u8::from(t.sack_ok) << 1)
                    | (u8::from(t.snd_wscale > 0 || t.rcv_wscale > 0) << 2)
            } else {
                0
            },
            snd_wscale: if synced { t.snd_wscale } else { 0 },
            rcv_wscale: if synced { t.rcv_wscale } else { 0 },
            rto: self.clock.to_duration(t.rto).micros(),
            ato: self.clock.to_duration(t.ack.ato.min(delack_max)).micros(),
            snd_mss: t.mss_cache,
            rcv_mss: t.ack.rcv_mss,
            retransmits: t.retransmits,
            backoff: t.backoff,
            rtt: t.srtt_us >> 3,
            rttvar: t.mdev_us >> 2,
            snd_cwnd: t.cwnd,
            rcv_ssthresh: t.rcv_ssthresh,
        })
    }

    /// The peer of the connection behind `fd` (`getpeername`).
    pub fn peer_of(&self, fd: Fd) -> Option<Endpoint> {
        self.socks.get(self.sock_of(fd)?)?.remote
    }

    /// The address of a listener on `port`, if one listens there.
    pub fn listener_on(&self, port: u16) -> Option<Endpoint> {
        let key = self.listeners.get(&port)?.first()?;
        self.socks.get(*key)?.local
    }

    /// The call's result now; `retry` is set when a blocked call is re-checked.
    pub(super) fn try_call(&mut self, call: &Call, retry: bool) -> CallResult {
        if let Call::Socket = call {
            return self.sys_socket();
        }
        let Some(fd) = call.fd() else {
            return err(Errno::EINVAL);
        };
        let Some(key) = self.sock_of(fd) else {
            return err(Errno::EBADF);
        };
        match call {
            Call::Socket => err(Errno::EINVAL),
            Call::SetReuseAddr { on, .. } => {
                if let Some(s) = self.socks.get_mut(key) {
                    s.reuseaddr = *on;
                }
                ok(0)
            }
            Call::SetLinger { on, secs, .. } => {
                // `sk_setsockopt`, SO_LINGER: `SOCK_LINGER` and `sk_lingertime`.
                if let Some(s) = self.socks.get_mut(key) {
                    s.linger = on.then_some(*secs);
                }
                ok(0)
            }
            Call::SetNonBlocking { on, .. } => {
                if let Some(s) = self.socks.get_mut(key) {
                    s.nonblocking = *on;
                }
                ok(0)
            }
            Call::GetFlags { .. } => {
                let nonblocking = self.socks.get(key).is_some_and(|s| s.nonblocking);
                ok(crate::socket::O_RDWR
                    | if nonblocking {
                        crate::socket::O_NONBLOCK
                    } else {
                        0
                    })
            }
            Call::GetSoError { .. } => {
                let e = self.socks.get_mut(key).and_then(|s| s.err.take());
                ok(e.map_or(0, |e| e as i32))
            }
            Call::Bind { addr, .. } => self.sys_bind(key, *addr),
            Call::Listen { backlog, .. } => self.sys_listen(key, *backlog),
            Call::Accept { .. } => self.sys_accept(key),
            Call::Connect { addr, .. } => self.sys_connect(key, *addr, retry),
            Call::Read { len, .. } => self.sys_read(key, *len),
            Call::Write { data, .. } => self.sys_write(key, data),
            Call::Shutdown { how, .. } => self.sys_shutdown(key, *how),
            Call::Close { fd } => self.sys_close(*fd, key),
        }
    }

    /// The lowest free descriptor from 3 (`alloc_fd`'s `find_next_zero_bit`): the smallest
    /// closed one, kept in a heap, or the next after the highest.
    fn alloc_fd(&mut self, key: Key) -> Fd {
        let mut slot = None;
        while let Some(Reverse(i)) = self.free_fds.pop() {
            if self.fds.get(i).is_some_and(Option::is_none) {
                slot = Some(i);
                break;
            }
        }
        let i = slot.unwrap_or_else(|| self.fds.len().max(3));
        while self.fds.len() <= i {
            self.fds.push(None);
        }
        if let Some(f) = self.fds.get_mut(i) {
            *f = Some(key);
        }
        let fd = Fd::try_from(i).unwrap_or(Fd::MAX);
        if let Some(s) = self.socks.get_mut(key) {
            s.fd = Some(fd);
        }
        fd
    }

    fn sys_socket(&mut self) -> CallResult {
        if !self.check_limit() {
            return err(Errno::EMFILE);
        }
        let key = self.socks.insert(Sock::new());
        ok(self.alloc_fd(key))
    }

    /// Whether `addr:port` is usable by `key` (`inet_csk_bind_conflict`): another owner of the
    /// port with an overlapping address conflicts unless both set SO_REUSEADDR and the other is
    /// not listening. TIME-WAIT entries keep their socket's SO_REUSEADDR.
    fn bind_conflict(&self, key: Key, addr: Endpoint, listening: bool) -> bool {
        let reuse = self.socks.get(key).is_some_and(|s| s.reuseaddr);
        let Some(owners) = self.ports.get(&addr.port) else {
            return false;
        };
        owners.iter().any(|o| {
            let (ip, other_reuse, other_listen) = match *o {
                PortOwner::Sock(k) if k == key => return false,
                PortOwner::Sock(k) => match self.socks.get(k) {
                    Some(s) => (
                        s.local.map_or(Ipv4(0), |l| l.ip),
                        s.reuseaddr,
                        s.state == State::Listen,
                    ),
                    None => return false,
                },
                PortOwner::TimeWaits { ip, reuse, .. } => (ip, reuse, false),
            };
            let overlap = ip == addr.ip || ip.is_unspecified() || addr.ip.is_unspecified();
            let _ = listening;
            overlap && !(reuse && other_reuse && !other_listen)
        })
    }

    fn sys_bind(&mut self, key: Key, addr: Endpoint) -> CallResult {
        let Some(s) = self.socks.get(key) else {
            return err(Errno::EBADF);
        };
        if s.local.is_some() {
            return err(Errno::EINVAL);
        }
        if !addr.ip.is_unspecified() && addr.ip != self.cfg.addr && !addr.ip.is_loopback() {
            return err(Errno::EADDRNOTAVAIL);
        }
        let port = if addr.port == 0 {
            // `inet_csk_find_open_port`: the first free port of the range.
            let (lo, hi) = self.cfg.sysctl.ip_local_port_range;
            match (lo..=hi).find(|p| !self.bind_conflict(key, Endpoint::new(addr.ip, *p), false)) {
                Some(p) => p,
                None => return err(Errno::EADDRINUSE),
            }
        } else {
            addr.port
        };
        let ep = Endpoint::new(addr.ip, port);
        if self.bind_conflict(key, ep, false) {
            return err(Errno::EADDRINUSE);
        }
        if let Some(s) = self.socks.get_mut(key) {
            s.local = Some(ep);
            s.bound_explicitly = true;
        }
        self.port_add(port, key);
        ok(0)
    }

    fn sys_listen(&mut self, key: Key, backlog: u32) -> CallResult {
        let somaxconn = self.cfg.sysctl.somaxconn;
        let Some(s) = self.socks.get(key) else {
            return err(Errno::EBADF);
        };
        // `__inet_listen_sk`: `net.core.somaxconn` caps the backlog, read at every listen().
        if backlog > somaxconn {
            mark!(listen_backlog_capped_by_somaxconn);
        }
        let backlog = backlog.min(somaxconn);
        match s.state {
            State::Listen => {
                // A second listen() only changes the backlog.
                mark!(listen_again_changes_backlog);
                if let Some(l) = self.socks.get_mut(key).and_then(|s| s.listener.as_mut()) {
                    l.backlog = backlog;
                }
                self.emit_queues(key);
                return ok(0);
            }
            State::Closed if s.remote.is_none() => {}
            _ => return err(Errno::EINVAL),
        }
        if s.local.is_none() {
            let r = self.sys_bind(key, Endpoint::new(Ipv4(0), 0));
            if r != ok(0) {
                return r;
            }
        }
        let Some(local) = self.socks.get(key).and_then(|s| s.local) else {
            return err(Errno::EINVAL);
        };
        // `inet_csk_listen_start` re-checks the port as a listener.
        if self.bind_conflict(key, local, true) {
            return err(Errno::EADDRINUSE);
        }
        let mut listener = Listener::new(backlog);
        if self.cfg.profile == Profile::Linux3_10 {
            // `inet_csk_listen_start` -> `reqsk_queue_alloc` (net/core/request_sock.c, 3.10).
            let entries = backlog
                .min(self.cfg.sysctl.tcp_max_syn_backlog)
                .max(8)
                .saturating_add(1);
            listener.syn_table = entries.checked_next_power_of_two().unwrap_or(1 << 31);
        }
        if let Some(s) = self.socks.get_mut(key) {
            s.listener = Some(alloc::boxed::Box::new(listener));
        }
        self.set_state(key, State::Listen);
        self.listeners.entry(local.port).or_default().push(key);
        self.emit_queues(key);
        ok(0)
    }

    fn sys_accept(&mut self, key: Key) -> CallResult {
        let Some(s) = self.socks.get_mut(key) else {
            return err(Errno::EBADF);
        };
        let nonblocking = s.nonblocking;
        let Some(l) = s.listener.as_mut() else {
            return err(Errno::EINVAL);
        };
        let Some(child) = l.accept_queue.pop_front() else {
            return if nonblocking {
                err(Errno::EAGAIN)
            } else {
                CallResult::Blocked
            };
        };
        if let Some(c) = self.socks.get_mut(child) {
            c.parent = None;
        }
        let fd = self.alloc_fd(child);
        self.emit_queues(key);
        ok(fd)
    }

    /// The ISN of a new connection, as the host's `IsnStrategy` says; on Linux always
    /// `secure_tcp_seq`.
    pub(super) fn initial_seq(&mut self, local: Endpoint, remote: Endpoint) -> SeqNum {
        match self.cfg.isn {
            super::IsnStrategy::Rfc6528 => self.secure_tcp_seq(local, remote),
            super::IsnStrategy::Fixed(isn) => SeqNum(isn),
            super::IsnStrategy::Clock4us => {
                // RFC 793 §3.3: one 32-bit clock whose low bit ticks every 4 µs; it wraps every
                // 4.55 hours.
                mark!(isn_clock_4us);
                SeqNum((self.now.micros() / 4) as u32)
            }
            super::IsnStrategy::Random => {
                // Uniform per connection: a keyed hash of how many ISNs the host drew before, so
                // that a run (and a clone of the host) replays the same ISNs from the same seed.
                mark!(isn_random);
                self.isn_draws += 1;
                let mut h = SipHasher24::new_with_keys(self.secrets.isn.1, self.secrets.isn.0);
                h.write(b"isn-random");
                h.write_u64(self.isn_draws);
                SeqNum(h.finish() as u32)
            }
        }
    }

    /// `secure_tcp_seq` (RFC 6528): a keyed hash of the 4-tuple plus a clock ticking every 64 ns.
    fn secure_tcp_seq(&self, local: Endpoint, remote: Endpoint) -> SeqNum {
        let mut h = SipHasher24::new_with_keys(self.secrets.isn.0, self.secrets.isn.1);
        h.write_u32(local.ip.0);
        h.write_u32(remote.ip.0);
        h.write_u32((u32::from(local.port) << 16) | u32::from(remote.port));
        let hash = h.finish() as u32;
        let clock = (self.now.micros().wrapping_mul(1000) >> 6) as u32;
        SeqNum(hash.wrapping_add(clock))
    }

    /// `secure_tcp_ts_off`: the TSval offset for an address pair (`tcp_timestamps=1`), none for 2.
    /// linux-3.10 has no such offset: `tp->tsoffset` is 0 unless set by `TCP_TIMESTAMP` (repair
    /// mode), and every connection reads the host's `tcp_time_stamp` (`tcp_v4_connect`).
    pub(super) fn ts_offset(&self, local: Ipv4, remote: Ipv4) -> u32 {
        if self.cfg.sysctl.tcp_timestamps != 1 || self.cfg.profile == Profile::Linux3_10 {
            return 0;
        }
        let mut h = SipHasher24::new_with_keys(self.secrets.ts.0, self.secrets.ts.1);
        h.write_u32(local.0);
        h.write_u32(remote.0);
        h.finish() as u32
    }

    /// `tcp_twsk_unique`: may a connect() take over this TIME-WAIT 4-tuple? Only when the old
    /// connection saw timestamps, and then with an explicit bind (no `twp`), or with
    /// `tcp_tw_reuse` (2: when either address is loopback) once the entry is older than
    /// `tcp_tw_reuse_delay` (`time_after32(tcp_clock_ms(), tw_entry_stamp + delay)`).
    fn tw_unique(&self, twk: Key, bound: bool) -> bool {
        let Some(tw) = self.time_waits.get(twk) else {
            return true;
        };
        let Some(stamp) = tw.ts_recent_stamp() else {
            return false;
        };
        if self.cfg.profile == Profile::Linux3_10 {
            // `tcp_twsk_unique` (3.10): the peer's last timestamp arrived more than 1 s ago, in
            // whole seconds: `get_seconds() - tcptw->tw_ts_recent_stamp > 1`.
            let age = self.get_seconds().wrapping_sub(Host::seconds_at(stamp));
            return bound || (self.cfg.sysctl.tcp_tw_reuse != 0 && age > 1);
        }
        let reuse = match self.cfg.sysctl.tcp_tw_reuse {
            2 => tw.local.ip.is_loopback() || tw.remote.ip.is_loopback(),
            r => r == 1,
        };
        let thresh = tw
            .created_ms
            .wrapping_add(self.cfg.sysctl.tcp_tw_reuse_delay);
        let after = (super::ms32(self.now).wrapping_sub(thresh) as i32) > 0;
        bound || (reuse && after)
    }

    /// `__inet_check_established`: is the 4-tuple free (or a reusable TIME-WAIT)?
    pub(super) fn four_tuple_free(
        &self,
        local: Endpoint,
        remote: Endpoint,
        bound: bool,
    ) -> Option<Option<Key>> {
        match self.ehash.get(&(local, remote)) {
            None => Some(None),
            Some(Conn::TimeWait(k)) if self.tw_unique(*k, bound) => Some(Some(*k)),
            Some(_) => None,
        }
    }

    fn sys_connect(&mut self, key: Key, addr: Endpoint, retry: bool) -> CallResult {
        let Some(s) = self.socks.get(key) else {
            return err(Errno::EBADF);
        };
        let nonblocking = s.nonblocking;
        let bound = s.local;
        match s.state {
            State::SynSent | State::SynReceived => {
                return if retry {
                    CallResult::Blocked
                } else if nonblocking {
                    err(Errno::EALREADY)
                } else {
                    CallResult::Blocked
                };
            }
            State::Established
            | State::CloseWait
            | State::FinWait1
            | State::FinWait2
            | State::Closing
            | State::LastAck => {
                return if retry { ok(0) } else { err(Errno::EISCONN) };
            }
            State::Listen => return err(Errno::EISCONN),
            State::Closed | State::TimeWait => {}
        }
        if let Some(e) = self.socks.get_mut(key).and_then(|s| s.err.take()) {
            return err(e);
        }
        if retry {
            return err(Errno::ECONNRESET);
        }
        if !self.check_limit() {
            return err(Errno::EAGAIN);
        }
        let local_ip = match bound {
            Some(l) if !l.ip.is_unspecified() => l.ip,
            _ if addr.ip.is_loopback() => addr.ip,
            _ => self.cfg.addr,
        };
        let (port, reuse_tw) = match bound {
            Some(l) => match self.four_tuple_free(Endpoint::new(local_ip, l.port), addr, true) {
                Some(tw) => (l.port, tw),
                None => return err(Errno::EADDRNOTAVAIL),
            },
            None => match self.pick_port(local_ip, addr) {
                Some(p) => p,
                None => return err(Errno::EADDRNOTAVAIL),
            },
        };
        let local = Endpoint::new(local_ip, port);
        let mut isn = self.initial_seq(local, addr);
        let mut ts_recent = None;
        if let Some(twk) = reuse_tw {
            // Taking over the TIME-WAIT: start above its sequence space (`tcp_twsk_unique`).
            if let Some(tw) = self.time_waits.get(twk) {
                isn = tw.snd_nxt + 65535 + 2;
                ts_recent = tw.ts_recent_stamp().map(|at| (tw.ts_recent, at));
            }
            let conn = crate::trace::ConnName {
                local,
                remote: Some(addr),
            };
            self.emit(EventKind::TimeWaitReused { conn, isn });
            self.remove_time_wait(twk);
            self.emit(EventKind::State {
                conn,
                from: State::TimeWait,
                to: State::Closed,
            });
            self.count(Counter::TwRecycled);
        }
        let tsoffset = self.ts_offset(local_ip, addr.ip);
        let sysctl = self.cfg.sysctl.clone();
        let rto = self
            .clock
            .to_jiffies(Duration::from_millis(super::TCP_TIMEOUT_INIT_MS));
        let now = self.now;
        let bound_before = bound.is_some();
        let Some(s) = self.socks.get_mut(key) else {
            return err(Errno::EBADF);
        };
        s.local = Some(local);
        s.remote = Some(addr);
        let t = &mut s.tcb;
        t.iss = isn;
        t.snd_una = isn;
        t.snd_nxt = isn + 1;
        t.tx_start = isn + 1;
        t.snd_sml = isn + 1;
        t.rto = rto;
        t.tstamp_ok = sysctl.tcp_timestamps != 0;
        t.sack_ok = sysctl.tcp_sack != 0;
        t.tsoffset = tsoffset;
        if sysctl.tcp_window_scaling == 0 {
            t.rcv_wscale = 0;
        }
        if let Some((val, at)) = ts_recent {
            t.ts_recent = val;
            t.ts_recent_stamp = at.into();
        }
        t.set_rtt_probe(Some((isn + 1, now)));
        // `tcp_connect`: SYN-SENT's time limit counts from the first SYN (`retrans_stamp`).
        t.retrans_stamp = now.into();
        if !bound_before {
            self.port_add(port, key);
        }
        self.ehash_insert(local, addr, Conn::Full(key), true);
        self.set_state(key, State::SynSent);
        self.count(Counter::ActiveOpens);
        self.send_syn(key, SendCause::Syn);
        self.arm(key, TimerKind::Retransmit, rto);
        if nonblocking {
            err(Errno::EINPROGRESS)
        } else {
            CallResult::Blocked
        }
    }

    fn sys_read(&mut self, key: Key, len: u32) -> CallResult {
        let Some(s) = self.socks.get_mut(key) else {
            return err(Errno::EBADF);
        };
        if s.state == State::Listen {
            return err(Errno::ENOTCONN);
        }
        if !s.tcb.rx.is_empty() {
            let n = (len as usize).min(s.tcb.rx.len());
            let data: Vec<u8> = s.tcb.rx.take_front(n);
            s.tcb.copied_seq = s.tcb.copied_seq + u32::try_from(n).unwrap_or(0);
            self.cleanup_rbuf(key);
            return CallResult::Data { data: data.into() };
        }
        // `tcp_recvmsg_locked`: end of stream before any pending error.
        if s.tcb.fin_received || s.tcb.rcv_shutdown {
            return ok(0);
        }
        if let Some(e) = s.err.take() {
            return err(e);
        }
        if s.state == State::Closed {
            return if s.remote.is_some() {
                ok(0)
            } else {
                err(Errno::ENOTCONN)
            };
        }
        if s.nonblocking {
            err(Errno::EAGAIN)
        } else {
            CallResult::Blocked
        }
    }

    /// `__tcp_cleanup_rbuf`: after a read, ACK at once if a full segment is waiting for it.
    fn cleanup_rbuf(&mut self, key: Key) {
        let Some(s) = self.socks.get(key) else { return };
        let t = &s.tcb;
        if t.ack.scheduled && t.rcv_nxt.distance_from(t.rcv_wup) > t.ack.rcv_mss {
            self.send_ack(key, SendCause::Ack);
        }
    }

    fn sys_write(&mut self, key: Key, data: &[u8]) -> CallResult {
        let Some(s) = self.socks.get_mut(key) else {
            return err(Errno::EBADF);
        };
        if let Some(e) = s.err.take() {
            return err(e);
        }
        if s.tcb.snd_shutdown {
            return err(Errno::EPIPE);
        }
        match s.state {
            State::Established | State::CloseWait => {}
            State::SynSent | State::SynReceived => {
                return if s.nonblocking {
                    err(Errno::EAGAIN)
                } else {
                    CallResult::Blocked
                };
            }
            State::Closed if s.remote.is_some() => return err(Errno::EPIPE),
            _ => return err(Errno::ENOTCONN),
        }
        s.tcb.tx.extend(data);
        self.write_xmit(key);
        ok(i32::try_from(data.len()).unwrap_or(i32::MAX))
    }

    /// `tcp_close_state`: the state after close or SHUT_WR, and whether a FIN goes out.
    fn close_state(&mut self, key: Key) -> bool {
        let Some(s) = self.socks.get(key) else {
            return false;
        };
        let (to, fin) = match s.state {
            State::Established | State::SynReceived => (State::FinWait1, true),
            State::CloseWait => (State::LastAck, true),
            State::SynSent | State::Listen => (State::Closed, false),
            other => (other, false),
        };
        self.set_state(key, to);
        fin
    }

    /// `tcp_send_fin`: the FIN follows the queued data.
    fn send_fin(&mut self, key: Key) {
        if let Some(s) = self.socks.get_mut(key) {
            s.tcb.fin_queued = true;
            s.tcb.snd_shutdown = true;
        }
        self.write_xmit(key);
    }

    fn sys_shutdown(&mut self, key: Key, how: How) -> CallResult {
        let Some(s) = self.socks.get_mut(key) else {
            return err(Errno::EBADF);
        };
        if matches!(s.state, State::Closed | State::Listen) && s.remote.is_none() {
            return err(Errno::ENOTCONN);
        }
        if matches!(how, How::Read | How::Both) {
            s.tcb.rcv_shutdown = true;
        }
        if matches!(how, How::Write | How::Both)
            && !s.tcb.snd_shutdown
            && matches!(
                s.state,
                State::Established | State::SynSent | State::CloseWait
            )
        {
            if self.close_state(key) {
                self.send_fin(key);
            } else if let Some(s) = self.socks.get_mut(key) {
                s.tcb.snd_shutdown = true;
            }
        }
        ok(0)
    }

    /// `tcp_close` / `__tcp_close`: the descriptor goes at once; the connection is reset (unread
    /// data, or `SO_LINGER {on, 0}`) or closed with a FIN, and with `SO_LINGER {on, N}` the call
    /// waits for the FIN's acknowledgment, at most N seconds (`sk_stream_wait_close`).
    fn sys_close(&mut self, fd: Fd, key: Key) -> CallResult {
        if let Ok(i) = usize::try_from(fd)
            && let Some(slot) = self.fds.get_mut(i)
        {
            *slot = None;
            self.free_fds.push(Reverse(i));
            // The table shrinks past its last open descriptor (entries of the heap beyond it are
            // skipped by `alloc_fd`), and goes altogether with the last one.
            while self.fds.last() == Some(&None) {
                self.fds.pop();
            }
            if self.fds.is_empty() {
                self.fds = Vec::new();
                self.free_fds = alloc::collections::BinaryHeap::new();
            }
        }
        let Some(s) = self.socks.get_mut(key) else {
            return ok(0);
        };
        s.fd = None;
        let state = s.state;
        let linger = s.linger;
        if state == State::Listen {
            self.listen_stop(key);
            self.set_state(key, State::Closed);
            self.destroy(key);
            return ok(0);
        }
        let unread = !s.tcb.rx.is_empty();
        s.tcb.rcv_shutdown = true;
        s.tcb.rx.clear();
        if state == State::Closed {
            self.destroy(key);
            return ok(0);
        }
        if unread {
            // RFC 2525 §2.17: closing with unread data resets the connection.
            mark!(close_unread_data_rst);
            self.count(Counter::AbortOnClose);
            if let Some(s) = self.socks.get_mut(key) {
                s.err = Some(Errno::ECONNRESET);
            }
            self.send_active_reset(key);
            self.done(key);
            return ok(0);
        }
        if linger == Some(0) {
            // "Check zero linger _after_ checking for unread data": `tcp_disconnect`, counted as
            // TcpExtTCPAbortOnData. No FIN, and so no TIME-WAIT.
            self.disconnect(key);
            self.count(Counter::AbortOnData);
            self.done(key);
            return ok(0);
        }
        if self.close_state(key) {
            self.send_fin(key);
        }
        let waits = self
            .socks
            .get(key)
            .is_some_and(|s| matches!(s.state, State::FinWait1 | State::Closing | State::LastAck));
        if let (Some(secs), true) = (linger, waits)
            && secs > 0
        {
            // `sk_stream_wait_close`: the call sleeps while the state is FIN-WAIT-1, CLOSING or
            // LAST-ACK, at most `sk_lingertime`. O_NONBLOCK does not matter here: `inet_release`
            // passes the linger time whatever the file flags (measured on 6.18.44).
            mark!(so_linger_close_waits);
            let until = self.now + Duration::from_secs(u64::from(secs));
            if let Some(s) = self.socks.get_mut(key) {
                s.lingering_until = until.into();
            }
            self.push_timer(until, super::timers::TimerRef::Linger(key));
            return CallResult::Blocked;
        }
        self.adjudge_to_death(key);
        ok(0)
    }

    /// `tcp_disconnect` for `SO_LINGER {on, 0}`: CLOSED at once; a RST (at snd_nxt) when the peer
    /// may still think the connection open (`tcp_need_reset`, or unsent data in CLOSING and
    /// LAST-ACK). SYN-SENT sends nothing.
    fn disconnect(&mut self, key: Key) {
        let Some(s) = self.socks.get(key) else { return };
        let state = s.state;
        let unsent = s.tcb.snd_nxt != s.tcb.final_seq();
        self.set_state(key, State::Closed);
        let need_reset = matches!(
            state,
            State::Established
                | State::CloseWait
                | State::FinWait1
                | State::FinWait2
                | State::SynReceived
        ) || (unsent && matches!(state, State::Closing | State::LastAck));
        if need_reset {
            mark!(so_linger_zero_rst);
            self.send_active_reset(key);
        } else {
            mark!(so_linger_zero_silent);
        }
        if (need_reset || state == State::SynSent)
            && let Some(s) = self.socks.get_mut(key)
        {
            s.err = Some(Errno::ECONNRESET);
        }
    }

    /// A lingering `close()` re-checked (`sk_stream_wait_close`'s condition): it returns 0 once the
    /// state has left FIN-WAIT-1, CLOSING and LAST-ACK, or the linger time has passed.
    pub(super) fn linger_wait(&mut self, key: Key) -> CallResult {
        let Some(s) = self.socks.get(key) else {
            return ok(0);
        };
        let closing = matches!(s.state, State::FinWait1 | State::Closing | State::LastAck);
        let timed_out = s.lingering_until.at().is_none_or(|until| self.now >= until);
        if closing && !timed_out {
            return CallResult::Blocked;
        }
        if closing {
            mark!(so_linger_close_timed_out);
        } else {
            mark!(so_linger_close_fin_acked);
        }
        if let Some(s) = self.socks.get_mut(key) {
            s.lingering_until = super::Opt64::NONE;
        }
        self.adjudge_to_death(key);
        ok(0)
    }

    /// `__tcp_close` from `adjudge_to_death` on: the socket is an orphan now. A CLOSED one is
    /// destroyed; an orphaned FIN-WAIT-2 is kept for `tcp_fin_timeout`.
    fn adjudge_to_death(&mut self, key: Key) {
        let Some(s) = self.socks.get(key) else { return };
        match s.state {
            State::Closed => self.destroy(key),
            State::FinWait2 => {
                self.orphan_fin_wait_2(key, false);
            }
            _ => {}
        }
    }

    /// `inet_csk_listen_stop`: requests dropped, unaccepted children reset.
    fn listen_stop(&mut self, key: Key) {
        let reqs: Vec<Key> = self
            .requests
            .iter()
            .filter(|(_, r)| r.listener == key)
            .map(|(k, _)| k)
            .collect();
        for r in reqs {
            self.drop_request(r);
        }
        let children: Vec<Key> = self
            .socks
            .get_mut(key)
            .and_then(|s| s.listener.as_mut())
            .map(|l| l.accept_queue.drain(..).collect())
            .unwrap_or_default();
        for c in children {
            if let Some(s) = self.socks.get_mut(c) {
                s.parent = None;
            }
            if self.socks.get(c).is_some_and(|s| {
                matches!(
                    s.state,
                    State::Established | State::CloseWait | State::SynReceived
                )
            }) {
                self.send_active_reset(c);
            }
            self.done(c);
        }
        if let Some(port) = self.socks.get(key).and_then(|s| s.local).map(|l| l.port)
            && let Some(list) = self.listeners.get_mut(&port)
        {
            list.retain(|k| *k != key);
            if list.is_empty() {
                self.listeners.remove(&port);
            }
        }
    }

    /// Removes a closed socket from the established hash.
    pub(super) fn unhash(&mut self, key: Key) {
        let Some(s) = self.socks.get(key) else { return };
        if let (Some(l), Some(r)) = (s.local, s.remote)
            && self.ehash.get(&(l, r)) == Some(&Conn::Full(key))
        {
            self.ehash_remove(l, r);
        }
    }

    /// Frees a socket: hashes, port, slot.
    pub(super) fn destroy(&mut self, key: Key) {
        self.unhash(key);
        let Some((local, port_slot)) = self.socks.get(key).map(|s| (s.local, s.port_slot)) else {
            return;
        };
        self.socks.discard(key);
        if self.socks.len() == 0 && self.blocked.iter().all(Vec::is_empty) {
            // The last socket gone and nothing left to wake: the index by slot goes (the slab
            // starts its slots again from 0 once emptied). Rare, so the scan is cheap.
            self.blocked = Vec::new();
        }
        if let Some(l) = local {
            self.release_port(l.port, key, port_slot);
        }
    }
}
