//! Packet-level tests of one simulated Linux host, state by state, in the conversational style of
//! smoltcp's `socket/tcp.rs` tests: the test plays the peer, `send!` hands the host a segment,
//! `recv!` says exactly which segments the host sends back (and when), and fixtures such as
//! `socket_established()` or `socket_time_wait()` reach a state through the public API only
//! (socket calls and segments), never by writing the host's fields.
//!
//! Every connection crosses 2^32: the host's ISN is `u32::MAX` (`IsnStrategy::Fixed`), so the ACK
//! of its SYN is 0, and the peer's ISN is `u32::MAX - 2`, so its third byte is the first after the
//! wrap and every window edge lies beyond it. Each test checks one rule branch: the comment above
//! it names the Linux function (or RFC section) whose behaviour it pins, and `cov_mark::check!`
//! proves that the branch marked with `mark!` in the core ran.
//!
//! Times are in milliseconds from the start of the run; at HZ = 250 a jiffy is 4 ms. Unless a test
//! says otherwise, timestamps are off and the peer offers only an MSS, so segments carry no
//! options after the handshake and windows are not scaled.

use super::{Conn, Host, HostConfig, IsnStrategy, Output, Secrets, State};
use crate::config::{Profile, Sysctls};
use crate::counters::Counter;
use crate::seq::SeqNum;
use crate::socket::{Call, CallResult, Errno, Fd, How};
use crate::time::Instant;
use crate::trace::{Discard, EventKind, HostId, SegId};
use crate::wire::{Endpoint, Flags, Ipv4, Options, SackBlocks, Segment, TcpOption};

/// Options for a test segment (they fit in 40 bytes).
fn opts(list: &[TcpOption]) -> Options {
    Options::of(list).expect("options fit in 40 bytes")
}
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

const LOCAL_IP: Ipv4 = Ipv4::new(10, 0, 0, 2);
const REMOTE_IP: Ipv4 = Ipv4::new(10, 0, 0, 1);
/// The host under test: a server listening here, or a client bound here.
const LOCAL_END: Endpoint = Endpoint::new(LOCAL_IP, 80);
/// The peer, played by the test.
const REMOTE_END: Endpoint = Endpoint::new(REMOTE_IP, 49500);

/// The host's ISN: the ACK of its SYN is 0.
const LOCAL_SEQ: SeqNum = SeqNum(u32::MAX);
/// The peer's ISN: its first data byte is `u32::MAX - 1`, its third is 0.
const REMOTE_SEQ: SeqNum = SeqNum(u32::MAX - 2);

/// The window the host offers without window scaling: 65536 rounded down to a multiple of the MSS.
const WIN: u16 = 64240;
/// The window once the peer's FIN took one sequence number of it (`tcp_select_window` never
/// shrinks what it offered).
const WIN_AFTER_FIN: u16 = WIN - 1;

/// A segment from the peer: an ACK with a 64 KiB window, no options.
const SEND_TEMPL: Segment = Segment {
    src: REMOTE_END,
    dst: LOCAL_END,
    seq: SeqNum(0),
    ack: SeqNum(0),
    flags: Flags::ACK,
    window: 65535,
    options: Options::new(),
    payload: Vec::new(),
};

/// A segment from the host: an ACK with the unscaled window, no options.
const RECV_TEMPL: Segment = Segment {
    src: LOCAL_END,
    dst: REMOTE_END,
    seq: SeqNum(0),
    ack: SeqNum(0),
    flags: Flags::ACK,
    window: WIN,
    options: Options::new(),
    payload: Vec::new(),
};

const SYN_ACK: Flags = Flags(Flags::SYN.0 | Flags::ACK.0);
const FIN_ACK: Flags = Flags(Flags::FIN.0 | Flags::ACK.0);
const PSH_ACK: Flags = Flags(Flags::PSH.0 | Flags::ACK.0);
const RST_ACK: Flags = Flags(Flags::RST.0 | Flags::ACK.0);

/// The peer's SYN: MSS only.
fn syn() -> Segment {
    Segment {
        flags: Flags::SYN,
        seq: REMOTE_SEQ,
        options: opts(&[TcpOption::Mss(1460)]),
        ..SEND_TEMPL
    }
}

/// The peer's SYN with a timestamp option (`nop,nop,TS`).
fn syn_with_ts(seq: SeqNum, tsval: u32) -> Segment {
    Segment {
        seq,
        options: opts(&[
            TcpOption::Mss(1460),
            TcpOption::Nop,
            TcpOption::Nop,
            TcpOption::Timestamp { val: tsval, ecr: 0 },
        ]),
        ..syn()
    }
}

/// The peer's SYN offering everything, as Linux orders it: `mss,sackOK,TS,nop,wscale 7`.
fn syn_offering_all(tsval: u32) -> Segment {
    Segment {
        options: opts(&[
            TcpOption::Mss(1460),
            TcpOption::SackPermitted,
            TcpOption::Timestamp { val: tsval, ecr: 0 },
            TcpOption::Nop,
            TcpOption::WindowScale(7),
        ]),
        ..syn()
    }
}

/// The host's SYN-ACK to `syn()`: MSS only, because the peer offered nothing else.
fn syn_ack() -> Segment {
    Segment {
        flags: SYN_ACK,
        seq: LOCAL_SEQ,
        ack: REMOTE_SEQ + 1,
        options: opts(&[TcpOption::Mss(1460)]),
        ..RECV_TEMPL
    }
}

/// The peer's SYN-ACK to the host's SYN.
fn peer_syn_ack() -> Segment {
    Segment {
        flags: SYN_ACK,
        ack: LOCAL_SEQ + 1,
        ..syn()
    }
}

/// The host's SYN (`tcp_connect`): everything the sysctls allow, timestamps off.
fn our_syn() -> Segment {
    Segment {
        flags: Flags::SYN,
        seq: LOCAL_SEQ,
        options: opts(&[
            TcpOption::Mss(1460),
            TcpOption::Nop,
            TcpOption::Nop,
            TcpOption::SackPermitted,
            TcpOption::Nop,
            TcpOption::WindowScale(10),
        ]),
        ..RECV_TEMPL
    }
}

/// A bare ACK from the peer.
fn peer_ack(seq: SeqNum, ack: SeqNum) -> Segment {
    Segment {
        seq,
        ack,
        ..SEND_TEMPL
    }
}

/// A FIN from the peer.
fn peer_fin(seq: SeqNum, ack: SeqNum) -> Segment {
    Segment {
        flags: FIN_ACK,
        ..peer_ack(seq, ack)
    }
}

/// A RST (without ACK) from the peer.
fn peer_rst(seq: SeqNum) -> Segment {
    Segment {
        flags: Flags::RST,
        ..peer_ack(seq, SeqNum(0))
    }
}

/// Pushed data from the peer.
fn peer_data(seq: SeqNum, payload: &[u8]) -> Segment {
    Segment {
        flags: PSH_ACK,
        payload: payload.to_vec(),
        ..peer_ack(seq, LOCAL_SEQ + 1)
    }
}

/// A bare ACK from the host, with the full window.
fn host_ack(seq: SeqNum, ack: SeqNum) -> Segment {
    Segment {
        seq,
        ack,
        ..RECV_TEMPL
    }
}

/// The host's ACK of the peer's FIN while its own FIN is unsent.
fn host_ack_of_fin() -> Segment {
    Segment {
        window: WIN_AFTER_FIN,
        ..host_ack(LOCAL_SEQ + 1, REMOTE_SEQ + 2)
    }
}

/// A FIN from the host.
fn host_fin(ack: SeqNum) -> Segment {
    Segment {
        flags: FIN_ACK,
        ..host_ack(LOCAL_SEQ + 1, ack)
    }
}

/// A RST (without ACK) from the host, as `tcp_v4_send_reset` answers a segment with ACK.
fn host_rst(seq: SeqNum) -> Segment {
    Segment {
        flags: Flags::RST,
        window: 0,
        ..host_ack(seq, SeqNum(0))
    }
}

/// The timestamp option of an established segment (`nop,nop,TS`).
fn ts(val: u32, ecr: u32) -> Options {
    opts(&[
        TcpOption::Nop,
        TcpOption::Nop,
        TcpOption::Timestamp { val, ecr },
    ])
}

/// Hands the host a segment, at the current time or after advancing to `time` ms.
macro_rules! send {
    ($h:ident, $seg:expr) => {
        $h.send($seg)
    };
    ($h:ident, time $ms:expr, $seg:expr) => {{
        $h.advance($ms);
        $h.send($seg);
    }};
}

/// The segments the host sends, exactly and in order (after advancing to `time` ms, which runs
/// the timers due by then).
macro_rules! recv {
    ($h:ident, [$($seg:expr),* $(,)?]) => {
        $h.expect(vec![$($seg),*])
    };
    ($h:ident, time $ms:expr, [$($seg:expr),* $(,)?]) => {{
        $h.advance($ms);
        $h.expect(vec![$($seg),*]);
    }};
}

/// The host sends nothing (by `time` ms).
macro_rules! recv_nothing {
    ($h:ident) => {
        recv!($h, [])
    };
    ($h:ident, time $ms:expr) => {
        recv!($h, time $ms, [])
    };
}

/// One simulated host and the state of the conversation with it.
struct TestHost {
    host: Host,
    now: Instant,
    next_seg: u64,
    /// Events seen so far, in order.
    events: Vec<EventKind>,
    /// The connection's descriptor (accepted or connected).
    fd: Fd,
}

impl TestHost {
    /// Moves the clock to `ms` and runs the timers due by then.
    fn advance(&mut self, ms: u64) {
        let at = Instant(ms * 1000);
        assert!(at >= self.now, "time goes forward: {} < {}", at, self.now);
        self.now = at;
        self.host.handle_timeout(at);
    }

    fn send(&mut self, seg: Segment) {
        self.next_seg += 1;
        self.host
            .handle_segment(self.now, SegId(self.next_seg), &seg);
    }

    fn call(&mut self, call: Call) -> CallResult {
        self.host.call(self.now, 0, call)
    }

    /// Drains the host's output, keeps the events, and checks the segments.
    fn expect(&mut self, want: Vec<Segment>) {
        let got = self.sent();
        if got != want {
            let show = |segs: &[Segment]| {
                segs.iter()
                    .map(|s| format!("\n  {s} {:?}", s.payload))
                    .collect::<String>()
            };
            panic!(
                "at {}: the host sent{}\nexpected{}",
                self.now,
                show(&got),
                show(&want)
            );
        }
    }

    /// Drains the host's output and returns its segments (for a cookie, whose ISN the test cannot
    /// know in advance).
    fn sent(&mut self) -> Vec<Segment> {
        let mut got = Vec::new();
        while let Some(out) = self.host.poll_output() {
            match out {
                Output::Segment(seg, _) => got.push(alloc::rc::Rc::unwrap_or_clone(seg)),
                Output::Event(ev) => self.events.push(ev),
            }
        }
        got
    }

    /// The one segment the host sent.
    fn sent_one(&mut self) -> Segment {
        let mut got = self.sent();
        assert_eq!(got.len(), 1, "one segment: {got:?}");
        got.remove(0)
    }

    /// The state of the 4-tuple as the established hash holds it (`ss -tan`'s view): a full
    /// socket, a request (SYN-RECEIVED) or a TIME-WAIT mini socket; `None` when nothing holds it.
    fn state(&self) -> Option<State> {
        let h = &self.host;
        match h.ehash.get(&(LOCAL_END, REMOTE_END))? {
            Conn::Full(k) => h.socks.get(*k).map(|s| s.state),
            Conn::Request(_) => Some(State::SynReceived),
            Conn::TimeWait(k) => h.time_waits.get(*k).map(|t| t.substate),
        }
    }

    /// The state at `ms`: whatever the timers due by then left.
    fn state_at(&mut self, ms: u64) -> Option<State> {
        self.advance(ms);
        self.state()
    }

    fn counter(&self, c: Counter) -> u64 {
        self.host.counters().get(c)
    }

    /// Whether a segment was discarded for `reason`.
    fn discarded(&self, reason: Discard) -> bool {
        self.events
            .iter()
            .any(|e| matches!(e, EventKind::Discarded { reason: r, .. } if *r == reason))
    }

    /// What the last blocked call returned.
    fn returned(&self) -> Option<&CallResult> {
        self.events.iter().rev().find_map(|e| match e {
            EventKind::Returned { result, .. } => Some(result),
            _ => None,
        })
    }

    /// `read()` on the connection.
    fn read(&mut self) -> CallResult {
        self.call(Call::Read {
            fd: self.fd,
            len: 100,
        })
    }

    /// The peer sends "abcdef" (crossing 2^32) at 1000 ms; the first data is ACKed at once.
    fn receive_abcdef(&mut self) {
        self.advance(1000);
        self.send(peer_data(REMOTE_SEQ + 1, b"abcdef"));
        self.expect(vec![Segment {
            window: WIN - 6,
            ..host_ack(LOCAL_SEQ + 1, SeqNum(4))
        }]);
    }
}

/// A host with no socket, linux-6.18 defaults but timestamps off (`sysctls` changes more).
fn host_with(sysctls: impl FnOnce(&mut Sysctls)) -> TestHost {
    host_with_clock(super::TsClock::default(), sysctls)
}

/// As [`host_with`], with a TSval clock ahead of the simulated time or running fast.
fn host_with_clock(ts_clock: super::TsClock, sysctls: impl FnOnce(&mut Sysctls)) -> TestHost {
    let mut sysctl = Profile::Linux6_18.defaults();
    sysctl.tcp_timestamps = 0;
    sysctls(&mut sysctl);
    let cfg = HostConfig {
        name: "local".to_string(),
        addr: LOCAL_IP,
        profile: Profile::Linux6_18,
        sysctl,
        skip_time_wait: false,
        time_wait_secs: crate::tcp::TCP_TIMEWAIT_LEN_SECS,
        max_sockets: 64,
        isn: IsnStrategy::Fixed(LOCAL_SEQ.0),
        ts_clock,
    };
    let secrets = Secrets {
        isn: (1, 2),
        ts: (3, 4),
        port: (5, 6),
    };
    TestHost {
        host: Host::new(HostId(0), cfg, secrets),
        now: Instant::ZERO,
        next_seg: 0,
        events: Vec::new(),
        fd: -1,
    }
}

fn host() -> TestHost {
    host_with(|_| {})
}

/// The listener's descriptor.
const LISTENER: Fd = 3;

/// A server listening on `LOCAL_END`.
fn listening(h: TestHost) -> TestHost {
    listening_with_backlog(h, 8)
}

/// A server listening on `LOCAL_END` with `listen(fd, backlog)`.
fn listening_with_backlog(mut h: TestHost, backlog: u32) -> TestHost {
    assert_eq!(h.call(Call::Socket), CallResult::Ok { value: 3 });
    h.call(Call::Bind {
        fd: LISTENER,
        addr: LOCAL_END,
    });
    assert_eq!(
        h.call(Call::Listen {
            fd: LISTENER,
            backlog
        }),
        CallResult::Ok { value: 0 }
    );
    recv_nothing!(h);
    h
}

fn socket_listen() -> TestHost {
    listening(host())
}

/// A request in the SYN queue: the peer's SYN at 0 answered by the SYN-ACK.
fn socket_syn_received() -> TestHost {
    let mut h = socket_listen();
    send!(h, syn());
    recv!(h, [syn_ack()]);
    assert_eq!(h.state(), Some(State::SynReceived));
    h
}

/// The handshake's ACK at 100 ms (an RTT of 100 ms, so an RTO of 300 ms) and `accept()`.
fn socket_established() -> TestHost {
    let mut h = socket_syn_received();
    send!(h, time 100, peer_ack(REMOTE_SEQ + 1, LOCAL_SEQ + 1));
    recv_nothing!(h);
    assert_eq!(
        h.call(Call::Accept { fd: LISTENER }),
        CallResult::Ok { value: 4 }
    );
    h.fd = 4;
    assert_eq!(h.state(), Some(State::Established));
    h
}

/// A client bound to `LOCAL_END` whose SYN left at 0.
fn socket_syn_sent() -> TestHost {
    syn_sent(host())
}

/// `h` connects from `LOCAL_END` at 0 (a blocking `connect()`).
fn syn_sent(mut h: TestHost) -> TestHost {
    assert_eq!(h.call(Call::Socket), CallResult::Ok { value: 3 });
    h.fd = 3;
    h.call(Call::Bind {
        fd: 3,
        addr: LOCAL_END,
    });
    assert_eq!(
        h.call(Call::Connect {
            fd: 3,
            addr: REMOTE_END
        }),
        CallResult::Blocked
    );
    recv!(h, [our_syn()]);
    assert_eq!(h.state(), Some(State::SynSent));
    h
}

/// The host closes at 1000 ms (`close()`, or `shutdown(SHUT_WR)` keeping the descriptor): its FIN.
fn closed_first(mut h: TestHost, call: Call) -> TestHost {
    h.advance(1000);
    h.call(call);
    recv!(h, [host_fin(REMOTE_SEQ + 1)]);
    assert_eq!(h.state(), Some(State::FinWait1));
    h
}

/// `shutdown(SHUT_WR)` at 1000 ms: the host's FIN; the descriptor stays open.
fn socket_fin_wait_1() -> TestHost {
    let h = socket_established();
    let shutdown = Call::Shutdown {
        fd: h.fd,
        how: How::Write,
    };
    closed_first(h, shutdown)
}

/// The peer's ACK of the host's FIN at 1010 ms.
fn fin_acked(mut h: TestHost) -> TestHost {
    send!(h, time 1010, peer_ack(REMOTE_SEQ + 1, LOCAL_SEQ + 2));
    recv_nothing!(h);
    assert_eq!(h.state(), Some(State::FinWait2));
    h
}

fn socket_fin_wait_2() -> TestHost {
    fin_acked(socket_fin_wait_1())
}

/// `close()` at 1000 ms and the peer's ACK of the FIN at 1010 ms: an orphan in FIN-WAIT-2, held by
/// a mini socket (`tcp_time_wait(sk, TCP_FIN_WAIT2, tmo)`).
fn orphan_fin_wait_2() -> TestHost {
    let h = socket_established();
    let close = Call::Close { fd: h.fd };
    fin_acked(closed_first(h, close))
}

/// The peer's FIN at 1000 ms, acknowledged by the delayed-ACK timer one jiffy later.
fn socket_close_wait() -> TestHost {
    let mut h = socket_established();
    send!(h, time 1000, peer_fin(REMOTE_SEQ + 1, LOCAL_SEQ + 1));
    recv!(h, time 1004, [host_ack_of_fin()]);
    assert_eq!(h.state(), Some(State::CloseWait));
    h
}

/// `close()` in CLOSE-WAIT at 1100 ms: the host's FIN.
fn socket_last_ack() -> TestHost {
    let mut h = socket_close_wait();
    h.advance(1100);
    h.call(Call::Close { fd: h.fd });
    recv!(
        h,
        [Segment {
            window: WIN_AFTER_FIN,
            ..host_fin(REMOTE_SEQ + 2)
        }]
    );
    assert_eq!(h.state(), Some(State::LastAck));
    h
}

/// The host's ACK of the peer's FIN once both FINs are sent; TIME-WAIT sends it again
/// (`tcp_v4_timewait_ack`: seq tw_snd_nxt, ack tw_rcv_nxt, the window frozen at tcp_time_wait).
fn time_wait_ack() -> Segment {
    Segment {
        seq: LOCAL_SEQ + 2,
        ..host_ack_of_fin()
    }
}

/// The peer's FIN crosses the host's at 1010 ms: the host ACKs it at once.
fn socket_closing() -> TestHost {
    let mut h = socket_fin_wait_1();
    send!(h, time 1010, peer_fin(REMOTE_SEQ + 1, LOCAL_SEQ + 1));
    recv!(h, [time_wait_ack()]);
    assert_eq!(h.state(), Some(State::Closing));
    h
}

/// The peer's FIN (acking the host's) at 1020 ms.
fn peer_last_fin() -> Segment {
    peer_fin(REMOTE_SEQ + 1, LOCAL_SEQ + 2)
}

/// The peer's FIN in FIN-WAIT-2 at 1020 ms, ACKed at once: TIME-WAIT until 61020 ms, with
/// snd_nxt 1 and rcv_nxt `REMOTE_SEQ + 2` (on a jiffy boundary, so exactly 60 s).
fn socket_time_wait() -> TestHost {
    let mut h = socket_fin_wait_2();
    send!(h, time 1020, peer_last_fin());
    recv!(h, [time_wait_ack()]);
    assert_eq!(h.state(), Some(State::TimeWait));
    h
}

// =============================================================================================
// LISTEN
// =============================================================================================

// `tcp_rcv_state_process`, TCP_LISTEN: an ACK is answered by `tcp_v4_send_reset`, seq = its ack.
#[test]
fn listen_ack_gets_rst_at_its_ack_number() {
    let mut h = socket_listen();
    cov_mark::check!(listen_ack_rst);
    send!(h, peer_ack(REMOTE_SEQ + 1, LOCAL_SEQ + 1));
    recv!(h, [host_rst(LOCAL_SEQ + 1)]);
    assert_eq!(h.state(), None);
}

// `tcp_rcv_state_process`, TCP_LISTEN: a RST is dropped, unanswered.
#[test]
fn listen_rst_is_ignored() {
    let mut h = socket_listen();
    cov_mark::check!(listen_rst_ignored);
    send!(h, peer_rst(REMOTE_SEQ + 1));
    recv_nothing!(h);
    assert!(h.discarded(Discard::ListenRst));
    assert_eq!(h.host.fd_state(LISTENER), Some(State::Listen));
}

// `tcp_rcv_state_process`, TCP_LISTEN: a SYN with FIN is dropped (TCP_FLAGS).
#[test]
fn listen_syn_fin_is_dropped() {
    let mut h = socket_listen();
    cov_mark::check!(listen_no_syn_dropped);
    send!(
        h,
        Segment {
            flags: Flags(Flags::SYN.0 | Flags::FIN.0),
            ..syn()
        }
    );
    recv_nothing!(h);
    assert_eq!(h.state(), None);
}

// `tcp_conn_request` and `tcp_options_write`: the SYN-ACK's options come as MSS, sackOK and TS
// together, then nop,wscale; its window is never scaled (65535 at most, here rounddown(65536,
// 1448) with timestamps); TSecr echoes the SYN's TSval.
#[test]
fn listen_syn_gets_syn_ack_with_options_in_tcp_options_write_order() {
    // tcp_timestamps=2: no per-connection offset, so TSval is the host's clock in ms.
    let mut h = listening(host_with(|s| s.tcp_timestamps = 2));
    cov_mark::check!(syn_options_sack_ts);
    send!(
        h,
        time 1000,
        syn_offering_all(7)
    );
    recv!(
        h,
        [Segment {
            window: 65160,
            options: opts(&[
                TcpOption::Mss(1460),
                TcpOption::SackPermitted,
                TcpOption::Timestamp { val: 1000, ecr: 7 },
                TcpOption::Nop,
                TcpOption::WindowScale(10),
            ]),
            ..syn_ack()
        }]
    );
}

// A host's TSval clock (`tcp_clock_ts`) is its own: one booted 5 s earlier sends TSvals 5000
// higher, and a clock running 1000 ppm fast gains 1 ms a second (scenario settings
// `nat_ts_offset_ms` and `ts_drift_ppm`, for hosts behind one NAT).
#[test]
fn tsval_moves_by_the_hosts_clock_offset_and_drift() {
    let tsval_at_1000_ms = |offset_ms, drift_ppm| {
        let clock = super::TsClock {
            offset_ms,
            drift_ppm,
        };
        let mut h = listening(host_with_clock(clock, |s| s.tcp_timestamps = 2));
        send!(h, time 1000, syn_offering_all(7));
        let out: Vec<Segment> = core::iter::from_fn(|| h.host.poll_output())
            .filter_map(|o| match o {
                super::Output::Segment(seg, _) => Some(alloc::rc::Rc::unwrap_or_clone(seg)),
                super::Output::Event(_) => None,
            })
            .collect();
        out.iter()
            .flat_map(|s| s.options.iter())
            .find_map(|o| match o {
                TcpOption::Timestamp { val, .. } => Some(val),
                _ => None,
            })
            .unwrap()
    };
    assert_eq!(tsval_at_1000_ms(0, 0), 1000);
    assert_eq!(tsval_at_1000_ms(5000, 0), 6000);
    assert_eq!(tsval_at_1000_ms(0, 1000), 1001);
    // The clock wraps at 2^32 ms like any TSval.
    assert_eq!(tsval_at_1000_ms(u32::MAX, 0), 999);
}

// =============================================================================================
// SYN-RECEIVED: a request in the SYN queue (`tcp_check_req`)
// =============================================================================================

// `tcp_check_req`: a retransmission of the SYN (its ISN again) gets the SYN-ACK again.
#[test]
fn syn_received_retransmitted_syn_gets_syn_ack_again() {
    let mut h = socket_syn_received();
    cov_mark::check!(request_syn_retransmitted);
    send!(h, time 500, syn());
    recv!(h, [syn_ack()]);
    assert_eq!(h.counter(Counter::RetransSegs), 1);
    assert_eq!(h.state(), Some(State::SynReceived));
}

// `tcp_check_req`: an ACK of anything but our SYN returns the listener, which answers with a RST.
#[test]
fn syn_received_bad_ack_gets_rst_and_the_request_stays() {
    let mut h = socket_syn_received();
    cov_mark::check!(request_bad_ack_rst);
    send!(h, time 100, peer_ack(REMOTE_SEQ + 1, LOCAL_SEQ + 2));
    recv!(h, [host_rst(LOCAL_SEQ + 2)]);
    assert_eq!(h.state(), Some(State::SynReceived));
}

// `tcp_check_req` and `tcp_v4_reqsk_send_ack`: a segment outside the SYN-ACK's window gets an ACK
// (snt_isn + 1, rcv_nxt) and is dropped.
#[test]
fn syn_received_out_of_window_segment_gets_ack() {
    let mut h = socket_syn_received();
    cov_mark::check!(request_out_of_window_ack);
    send!(h, time 100, peer_data(REMOTE_SEQ + 1 + u32::from(WIN), b"late"));
    recv!(h, [host_ack(LOCAL_SEQ + 1, REMOTE_SEQ + 1)]);
    assert_eq!(h.state(), Some(State::SynReceived));
}

// `tcp_check_req`, embryonic_reset: a RST in the window drops the request, unanswered.
#[test]
fn syn_received_rst_drops_the_request() {
    let mut h = socket_syn_received();
    cov_mark::check!(request_embryonic_reset);
    send!(h, time 100, peer_rst(REMOTE_SEQ + 1));
    recv_nothing!(h);
    assert_eq!(h.state(), None);
    assert_eq!(h.host.count_state(State::SynReceived), 0);
    assert_eq!(h.counter(Counter::EmbryonicRsts), 1);
    assert_eq!(h.counter(Counter::AttemptFails), 1);
}

// `tcp_check_req` -> `tcp_create_openreq_child`: the handshake's ACK makes an ESTABLISHED child
// that `accept()` returns; the SYN-ACK's RTT (100 ms) sets the RTO to 300 ms (RFC 6298).
#[test]
fn syn_received_ack_makes_an_established_child() {
    let mut h = socket_syn_received();
    cov_mark::check!(syn_received_established);
    send!(h, time 100, peer_ack(REMOTE_SEQ + 1, LOCAL_SEQ + 1));
    recv_nothing!(h);
    assert_eq!(h.state(), Some(State::Established));
    assert_eq!(
        h.call(Call::Accept { fd: LISTENER }),
        CallResult::Ok { value: 4 }
    );
    assert_eq!(h.host.tcp_info(4).map(|i| i.rto), Some(300_000));
}

// `reqsk_timer_handler`: with `tcp_synack_retries=5` the SYN-ACK is retransmitted after
// TCP_TIMEOUT_INIT << num_timeout, at 1, 3, 7, 15 and 31 s, and the request is dropped at 63 s,
// silently; a late ACK then finds only the listener, which answers with a RST.
#[test]
fn syn_received_syn_ack_retransmitted_at_1_3_7_15_31_s_and_dropped_at_63_s() {
    let mut h = socket_syn_received();
    cov_mark::check!(synack_timer_backoff);
    for at in [1000, 3000, 7000, 15_000, 31_000] {
        recv_nothing!(h, time at - 1);
        recv!(h, time at, [syn_ack()]);
    }
    assert_eq!(h.state_at(62_999), Some(State::SynReceived));
    recv_nothing!(h, time 63_000);
    assert_eq!(h.state(), None);
    assert_eq!(h.host.count_state(State::SynReceived), 0);
    assert_eq!(h.counter(Counter::RetransSegs), 5);
    send!(h, time 64_000, peer_ack(REMOTE_SEQ + 1, LOCAL_SEQ + 1));
    recv!(h, [host_rst(LOCAL_SEQ + 1)]);
}

// `reqsk_timer_handler` -> `tcp_syn_ack_timeout`: every expiry of the request timer counts in
// TcpExtTCPTimeouts, the one that drops the request included; a dropped request is no connection
// abort (TcpExtTCPAbortOnTimeout stays 0). Kernel-verified: synack-timeout-counters.pkt.
#[test]
fn syn_received_each_request_timeout_counts_in_tcp_timeouts() {
    let mut h = listening(host_with(|s| s.tcp_synack_retries = 2));
    cov_mark::check!(synack_timeout_counted);
    send!(h, syn());
    recv!(h, [syn_ack()]);
    recv!(h, time 1000, [syn_ack()]);
    recv!(h, time 3000, [syn_ack()]);
    assert_eq!(h.counter(Counter::TcpTimeouts), 2);
    recv_nothing!(h, time 7000);
    assert_eq!(h.state(), None);
    assert_eq!(h.counter(Counter::TcpTimeouts), 3);
    assert_eq!(h.counter(Counter::AbortOnTimeout), 0);
}

// `tcp_check_req` ("Reset timer after retransmitting SYNACK"): a retransmitted SYN is answered at
// once and restarts the request timer from then with the current timeout, TCP_TIMEOUT_INIT <<
// num_timeout: the next SYN-ACK comes 1 s after the answer (1.5 s, not 1 s), the one after it 2 s
// later. Kernel-verified: synack-dup-syn.pkt.
#[test]
fn syn_received_retransmitted_syn_restarts_the_request_timer() {
    let mut h = socket_syn_received();
    cov_mark::check!(request_syn_restarts_timer);
    send!(h, time 500, syn());
    recv!(h, [syn_ack()]);
    for at in [1500, 3500] {
        recv_nothing!(h, time at - 1);
        recv!(h, time at, [syn_ack()]);
    }
}

// `tcp_check_req` on Linux 6.18.44 (RFC 5961 §3.2, measured with packetdrill: syn-recv-rst.pkt): a
// RST in the window but not at rcv_nxt does not drop the request; the request answers with its
// ACK as a challenge ACK. A second one 100 ms later is rate-limited, and so is a retransmitted SYN,
// which shares the request's `last_oow_ack_time`.
#[test]
fn syn_received_rst_not_at_rcv_nxt_gets_a_challenge_ack_and_the_request_stays() {
    let mut h = socket_syn_received();
    {
        cov_mark::check!(request_rst_challenge_ack);
        send!(h, time 100, peer_rst(REMOTE_SEQ + 2));
        recv!(h, [host_ack(LOCAL_SEQ + 1, REMOTE_SEQ + 1)]);
    }
    assert_eq!(h.state(), Some(State::SynReceived));
    assert_eq!(h.counter(Counter::ChallengeAck), 1);
    assert_eq!(h.counter(Counter::EmbryonicRsts), 0);
    {
        cov_mark::check!(oow_ack_rate_limited);
        send!(h, time 200, peer_rst(REMOTE_SEQ + 3));
        recv_nothing!(h);
    }
    assert_eq!(h.counter(Counter::AckSkippedChallenge), 1);
    send!(h, time 300, syn());
    recv_nothing!(h);
    assert_eq!(h.counter(Counter::AckSkippedSynRecv), 1);
    assert_eq!(h.state(), Some(State::SynReceived));
}

// =============================================================================================
// LISTEN under load: the SYN queue, the accept queue, SYN cookies (`tcp_conn_request`)
// =============================================================================================

/// Another peer on the same address as `REMOTE_END`, at port 49500 + `n`.
fn peer_end(n: u16) -> Endpoint {
    Endpoint::new(REMOTE_IP, REMOTE_END.port + n)
}

/// The SYN of peer `n`.
fn syn_from(n: u16) -> Segment {
    Segment {
        src: peer_end(n),
        ..syn()
    }
}

/// The host's SYN-ACK to `syn_from(n)`.
fn syn_ack_to(n: u16) -> Segment {
    Segment {
        dst: peer_end(n),
        ..syn_ack()
    }
}

/// Peer `n`'s ACK of the host's SYN-ACK (whose ISN was `iss`).
fn ack_from(n: u16, iss: SeqNum) -> Segment {
    Segment {
        src: peer_end(n),
        ..peer_ack(REMOTE_SEQ + 1, iss + 1)
    }
}

/// Peers 1 to `last` each send a SYN now, answered by a SYN-ACK: requests in the SYN queue.
fn requests_from(h: &mut TestHost, last: u16) {
    for n in 1..=last {
        send!(h, syn_from(n));
        recv!(h, [syn_ack_to(n)]);
    }
}

/// A cookie SYN-ACK: the MSS option alone, the cookie as its ISN.
fn cookie_syn_ack(cookie: SeqNum) -> Segment {
    Segment {
        seq: cookie,
        ..syn_ack()
    }
}

/// A listener with `tcp_syncookies=2` that answered `syn()` at 0 with a cookie: the host and the
/// cookie (the SYN-ACK's ISN).
fn cookie_sent() -> (TestHost, SeqNum) {
    let mut h = listening(host_with(|s| s.tcp_syncookies = 2));
    send!(h, syn());
    let cookie = h.sent_one().seq;
    (h, cookie)
}

// `tcp_conn_request`, `inet_csk_reqsk_queue_is_full`: the SYN queue is full when its length exceeds
// the backlog, so listen(fd, 1) holds 2 requests; with cookies off a third SYN is dropped unanswered
// (`tcp_syn_flood_action`: TcpExtTCPReqQFullDrop; TcpExtListenDrops). Kernel-verified:
// syn-queue-full-drop.pkt.
#[test]
fn listen_full_syn_queue_drops_a_syn_with_cookies_off() {
    let mut h = listening_with_backlog(host_with(|s| s.tcp_syncookies = 0), 1);
    requests_from(&mut h, 2);
    cov_mark::check!(syn_queue_full_drop);
    send!(h, time 100, syn());
    recv_nothing!(h);
    assert!(h.discarded(Discard::SynQueueFull));
    assert_eq!(h.counter(Counter::ReqQFullDrop), 1);
    assert_eq!(h.counter(Counter::ListenDrops), 1);
    assert_eq!(h.counter(Counter::SyncookiesSent), 0);
    assert_eq!(h.host.count_state(State::SynReceived), 2);
}

// `tcp_conn_request` with `tcp_syncookies=1`: a SYN to a full SYN queue is answered with a cookie
// (`tcp_syn_flood_action`: TcpExtTCPReqQFullDoCookies; `cookie_init_sequence`:
// TcpExtSyncookiesSent). No request is kept, so the cookie SYN-ACK is never retransmitted; without a
// timestamp to carry them, SACK and window scaling are not offered: the MSS alone. Kernel-verified:
// syn-flood-cookies.pkt.
#[test]
fn listen_full_syn_queue_answers_with_a_syn_cookie() {
    let mut h = listening_with_backlog(host(), 1);
    requests_from(&mut h, 2);
    cov_mark::check!(syn_queue_full_cookie);
    send!(
        h,
        time 100,
        Segment {
            options: opts(&[
                TcpOption::Mss(1460),
                TcpOption::SackPermitted,
                TcpOption::Nop,
                TcpOption::WindowScale(7),
            ]),
            ..syn()
        }
    );
    let synack = h.sent_one();
    assert_eq!(synack, cookie_syn_ack(synack.seq));
    assert_eq!(h.counter(Counter::ReqQFullDoCookies), 1);
    assert_eq!(h.counter(Counter::SyncookiesSent), 1);
    assert_eq!(h.counter(Counter::ListenDrops), 0);
    assert_eq!(h.host.count_state(State::SynReceived), 2);
    // The two requests' SYN-ACKs go again at 1 and 3 s; the cookie's never does.
    recv!(h, time 1000, [syn_ack_to(1), syn_ack_to(2)]);
    recv!(h, time 3000, [syn_ack_to(1), syn_ack_to(2)]);
}

// `tcp_conn_request` with `tcp_syncookies=2`: every SYN gets a cookie, even to an empty SYN queue; no
// request exists (ss counts no SYN-RECV) and nothing is retransmitted. Kernel-verified:
// syn-flood-cookies-always.pkt.
#[test]
fn listen_syncookies_2_answers_every_syn_with_a_cookie() {
    let mut h = listening(host_with(|s| s.tcp_syncookies = 2));
    cov_mark::check!(syncookies_always);
    send!(h, syn());
    let synack = h.sent_one();
    assert_eq!(synack, cookie_syn_ack(synack.seq));
    assert_eq!(h.host.count_state(State::SynReceived), 0);
    assert_eq!(h.counter(Counter::ReqQFullDoCookies), 1);
    recv_nothing!(h, time 60_000);
}

// `cookie_v4_check` -> `tcp_get_cookie_sock`: the ACK alone rebuilds the connection from its ack
// number (TcpExtSyncookiesRecv): an ESTABLISHED child in the accept queue, its MSS the one the cookie
// encodes, no window scaling and no SACK (the SYN-ACK offered none). Kernel-verified:
// syn-flood-cookies-always.pkt.
#[test]
fn listen_cookie_ack_alone_makes_an_established_child() {
    let (mut h, cookie) = cookie_sent();
    cov_mark::check!(syncookie_ack_creates_child);
    send!(h, time 1500, peer_ack(REMOTE_SEQ + 1, cookie + 1));
    recv_nothing!(h);
    assert_eq!(h.state(), Some(State::Established));
    assert_eq!(h.counter(Counter::SyncookiesRecv), 1);
    assert_eq!(h.counter(Counter::PassiveOpens), 1);
    assert_eq!(
        h.call(Call::Accept { fd: LISTENER }),
        CallResult::Ok { value: 4 }
    );
    let info = h.host.tcp_info(4).unwrap_or_default();
    assert_eq!(
        (info.snd_mss, info.snd_wscale, info.rcv_wscale),
        (1460, 0, 0)
    );
    assert_eq!(info.options & 2, 0, "no SACK");
}

// `__cookie_v4_init_sequence`: the cookie keeps the index of the largest entry of its MSS table
// (536, 1300, 1440, 1460) not above the SYN's MSS: 1000 comes back as 536, 1452 as 1440.
// Kernel-verified: syn-flood-cookies.pkt, syn-flood-cookies-mss.pkt.
#[test]
fn listen_cookie_rounds_the_mss_down_to_its_table() {
    for (offered, kept) in [(1000, 536), (1452, 1440), (1300, 1300), (1460, 1460)] {
        let mut h = listening(host_with(|s| s.tcp_syncookies = 2));
        send!(
            h,
            Segment {
                options: opts(&[TcpOption::Mss(offered)]),
                ..syn()
            }
        );
        let cookie = h.sent_one().seq;
        send!(h, time 100, peer_ack(REMOTE_SEQ + 1, cookie + 1));
        recv_nothing!(h);
        h.call(Call::Accept { fd: LISTENER });
        assert_eq!(
            h.host.tcp_info(4).map(|i| i.snd_mss),
            Some(kept),
            "{offered}"
        );
    }
}

// `cookie_v4_check`: under a recent flood, an ACK whose ack number is no cookie of ours counts in
// TcpExtSyncookiesFailed and is left to the listener, which answers with a RST at its ack number.
// Kernel-verified: syn-flood-cookies-bad-ack.pkt.
#[test]
fn listen_wrong_cookie_counts_and_gets_rst() {
    let (mut h, cookie) = cookie_sent();
    cov_mark::check!(syncookie_failed);
    send!(h, time 100, peer_ack(REMOTE_SEQ + 1, cookie + 1001));
    recv!(h, [host_rst(cookie + 1001)]);
    assert_eq!(h.counter(Counter::SyncookiesFailed), 1);
    assert_eq!(h.counter(Counter::SyncookiesRecv), 0);
    send!(h, time 200, peer_ack(REMOTE_SEQ + 1, cookie + 1));
    recv_nothing!(h);
    assert_eq!(h.state(), Some(State::Established));
}

// `check_tcp_syn_cookie`: the cookie's counter ticks every minute of jiffies and a cookie is good in
// its minute and the next (MAX_SYNCOOKIE_AGE 2): made at 0 s, its ACK at 119 s connects, at 125 s it
// fails (the listener keeps answering other SYNs with cookies, so the flood is still recent).
#[test]
fn listen_cookie_is_good_for_its_minute_and_the_next() {
    let at = |ack_ms: u64| {
        let (mut h, cookie) = cookie_sent();
        send!(h, time 100_000, syn_from(1));
        h.sent_one();
        send!(h, time ack_ms, peer_ack(REMOTE_SEQ + 1, cookie + 1));
        (h.state(), h.counter(Counter::SyncookiesFailed))
    };
    assert_eq!(at(119_000), (Some(State::Established), 0));
    assert_eq!(at(125_000), (None, 1));
}

// `tcp_synq_no_recent_overflow`: an ACK to a listener is checked as a cookie only within two minutes
// of the last cookie sent (`tcp_synq_overflow`); otherwise it is an ACK to a listener: a RST, and no
// cookie counter moves.
#[test]
fn listen_ack_without_a_recent_flood_is_not_a_cookie() {
    let (mut h, cookie) = cookie_sent();
    cov_mark::check!(syncookie_no_recent_overflow);
    send!(h, time 121_000, peer_ack(REMOTE_SEQ + 1, cookie + 1));
    recv!(h, [host_rst(cookie + 1)]);
    assert_eq!(h.counter(Counter::SyncookiesFailed), 0);
    assert_eq!(h.counter(Counter::SyncookiesRecv), 0);
}

// `cookie_init_timestamp`: with timestamps, a cookie SYN-ACK offers what a normal one would, the
// peer's window scale and SACK hidden in the low 6 bits of TSval (here the 1000 ms clock becomes
// 960 | 7 | SACK 16 = 983, never ahead of the clock); `cookie_timestamp_decode` reads them back from
// the ACK's TSecr. Kernel-verified: syn-flood-cookies-ts.pkt, syn-flood-cookies-ts-no-wscale.pkt.
#[test]
fn listen_cookie_with_timestamps_carries_wscale_and_sack_in_tsval() {
    let mut h = listening(host_with(|s| {
        s.tcp_timestamps = 2;
        s.tcp_syncookies = 2;
    }));
    cov_mark::check!(syncookie_timestamp_options);
    send!(
        h,
        time 1000,
        syn_offering_all(7)
    );
    let synack = h.sent_one();
    assert_eq!(
        synack.options,
        opts(&[
            TcpOption::Mss(1460),
            TcpOption::SackPermitted,
            TcpOption::Timestamp { val: 983, ecr: 7 },
            TcpOption::Nop,
            TcpOption::WindowScale(10),
        ])
    );
    send!(
        h,
        time 1100,
        Segment {
            options: ts(8, 983),
            ..peer_ack(REMOTE_SEQ + 1, synack.seq + 1)
        }
    );
    h.call(Call::Accept { fd: LISTENER });
    let info = h.host.tcp_info(4).unwrap_or_default();
    assert_eq!(
        (info.snd_wscale, info.rcv_wscale, info.options & 3),
        (7, 10, 3)
    );
}

// `cookie_timestamp_decode`: a cookie that carries an option the host no longer allows (here
// timestamps turned off between SYN and ACK) is refused after counting as received: the listener
// answers the ACK with a RST.
#[test]
fn listen_cookie_naming_a_disabled_option_is_refused() {
    let mut h = listening(host_with(|s| {
        s.tcp_timestamps = 2;
        s.tcp_syncookies = 2;
    }));
    send!(h, syn_with_ts(REMOTE_SEQ, 7));
    let synack = h.sent_one();
    h.host.sysctl_mut().tcp_timestamps = 0;
    cov_mark::check!(syncookie_options_refused);
    send!(
        h,
        time 100,
        Segment {
            options: ts(8, synack.timestamp().map_or(0, |t| t.0)),
            ..peer_ack(REMOTE_SEQ + 1, synack.seq + 1)
        }
    );
    recv!(h, [host_rst(synack.seq + 1)]);
    assert_eq!(h.counter(Counter::SyncookiesRecv), 1);
    assert_eq!(h.state(), None);
}

// `cookie_v4_check` -> `tcp_v4_syn_recv_sock`: a good cookie whose child finds the accept queue full
// is dropped silently (TcpExtListenOverflows, TcpExtListenDrops), with no RST even with
// `tcp_abort_on_overflow=1`, which only `tcp_check_req` reads. Kernel-verified:
// syn-flood-cookies-accept-full.pkt.
#[test]
fn listen_cookie_ack_to_a_full_accept_queue_is_dropped_without_rst() {
    let mut h = listening_with_backlog(
        host_with(|s| {
            s.tcp_syncookies = 2;
            s.tcp_abort_on_overflow = 1;
        }),
        0,
    );
    send!(h, syn_from(1));
    let first = h.sent_one().seq;
    send!(h, syn());
    let second = h.sent_one().seq;
    send!(h, time 100, ack_from(1, first));
    recv_nothing!(h);
    cov_mark::check!(syncookie_accept_queue_full);
    send!(h, time 100, peer_ack(REMOTE_SEQ + 1, second + 1));
    recv_nothing!(h);
    assert!(h.discarded(Discard::AcceptQueueFullAck));
    assert_eq!(h.counter(Counter::SyncookiesRecv), 2);
    assert_eq!(h.counter(Counter::ListenOverflows), 1);
    assert_eq!(h.counter(Counter::ListenDrops), 1);
    assert_eq!(h.state(), None);
}

// `tcp_conn_request`, `sk_acceptq_is_full`: a SYN that finds the accept queue full (more than the
// backlog: listen(fd, 0) holds one) is dropped, cookies or not (TcpExtListenOverflows,
// TcpExtListenDrops). Kernel-verified: accept-overflow-syn-drop.pkt.
#[test]
fn listen_syn_to_a_full_accept_queue_is_dropped() {
    let mut h = listening_with_backlog(host(), 0);
    send!(h, syn_from(1));
    recv!(h, [syn_ack_to(1)]);
    send!(h, time 100, ack_from(1, LOCAL_SEQ));
    recv_nothing!(h);
    cov_mark::check!(accept_queue_full_syn_drop);
    send!(h, time 200, syn());
    recv_nothing!(h);
    assert!(h.discarded(Discard::AcceptQueueFullSyn));
    assert_eq!(h.counter(Counter::ListenOverflows), 1);
    assert_eq!(h.counter(Counter::ListenDrops), 1);
    assert_eq!(h.host.count_state(State::SynReceived), 0);
}

// `tcp_conn_request`: with cookies off, the last quarter of `tcp_max_syn_backlog` is kept for
// proven peers: with 4, a fifth request would leave 4 - 4 < 1, so a SYN from a peer the TCP metrics
// cache has no RTT for is dropped (TcpExtListenDrops, not TcpExtTCPReqQFullDrop), though the SYN
// queue (listen(fd, 10)) has room. Kernel-verified: syn-queue-max-syn-backlog.pkt.
#[test]
fn listen_max_syn_backlog_drops_a_syn_from_an_unproven_peer() {
    let mut h = listening_with_backlog(
        host_with(|s| {
            s.tcp_syncookies = 0;
            s.tcp_max_syn_backlog = 4;
        }),
        10,
    );
    requests_from(&mut h, 4);
    cov_mark::check!(max_syn_backlog_drop);
    send!(h, time 100, syn());
    recv_nothing!(h);
    assert!(h.discarded(Discard::MaxSynBacklog));
    assert_eq!(h.counter(Counter::ListenDrops), 1);
    assert_eq!(h.counter(Counter::ReqQFullDrop), 0);
}

// `tcp_peer_is_proven`: a peer address with an RTT in the TCP metrics cache, saved when an earlier
// connection from it reached `tcp_time_wait` (`tcp_update_metrics`), is admitted into that last
// quarter. Kernel-verified: syn-queue-max-syn-backlog-proven.pkt.
#[test]
fn listen_max_syn_backlog_admits_a_proven_peer() {
    let mut h = listening_with_backlog(
        host_with(|s| {
            s.tcp_syncookies = 0;
            s.tcp_max_syn_backlog = 4;
        }),
        10,
    );
    send!(h, syn());
    recv!(h, [syn_ack()]);
    send!(h, time 100, peer_ack(REMOTE_SEQ + 1, LOCAL_SEQ + 1));
    assert_eq!(
        h.call(Call::Accept { fd: LISTENER }),
        CallResult::Ok { value: 4 }
    );
    h.fd = 4;
    // The server closes first; the ACK of its FIN leaves an orphan in FIN-WAIT-2 (`tcp_time_wait`).
    let mut h = fin_acked(closed_first(h, Call::Close { fd: 4 }));
    h.advance(2000);
    requests_from(&mut h, 4);
    cov_mark::check!(max_syn_backlog_proven_peer);
    send!(h, time 2000, syn_from(5));
    recv!(h, [syn_ack_to(5)]);
    assert_eq!(h.counter(Counter::ListenDrops), 0);
}

// `__inet_listen_sk`: `net.core.somaxconn` caps listen()'s backlog (listen(fd, 128) with somaxconn=1
// holds 2 connections); a second listen() reads it again and only changes the backlog, making room.
// Kernel-verified: listen-somaxconn.pkt.
#[test]
fn listen_backlog_is_capped_by_somaxconn_and_changed_by_a_second_listen() {
    let h = host_with(|s| s.somaxconn = 1);
    let mut h = {
        cov_mark::check!(listen_backlog_capped_by_somaxconn);
        listening_with_backlog(h, 128)
    };
    for n in [1, 2] {
        send!(h, syn_from(n));
        recv!(h, [syn_ack_to(n)]);
        send!(h, time 100, ack_from(n, LOCAL_SEQ));
        recv_nothing!(h);
    }
    send!(h, time 200, syn());
    recv_nothing!(h);
    assert!(h.discarded(Discard::AcceptQueueFullSyn));
    h.host.sysctl_mut().somaxconn = 4096;
    cov_mark::check!(listen_again_changes_backlog);
    assert_eq!(
        h.call(Call::Listen {
            fd: LISTENER,
            backlog: 128
        }),
        CallResult::Ok { value: 0 }
    );
    send!(h, time 1200, syn());
    recv!(h, [syn_ack()]);
}

/// listen(fd, 1) whose accept queue fills (backlog + 1 = 2: peers 1 and 2 at 50 and 100 ms) while
/// the peer's request waits in the SYN queue for its ACK (its SYN and SYN-ACK at 60 ms).
fn accept_queue_filled_under_request(h: TestHost) -> TestHost {
    let mut h = listening_with_backlog(h, 1);
    send!(h, syn_from(1));
    recv!(h, [syn_ack_to(1)]);
    send!(h, time 50, ack_from(1, LOCAL_SEQ));
    send!(h, time 60, syn_from(2));
    send!(h, syn());
    recv!(h, [syn_ack_to(2), syn_ack()]);
    send!(h, time 100, ack_from(2, LOCAL_SEQ));
    recv_nothing!(h);
    h
}

// `tcp_check_req` -> `tcp_v4_syn_recv_sock` with `tcp_abort_on_overflow=0`: the handshake's ACK that
// finds the accept queue full is dropped and remembered (`inet_rsk(req)->acked`); the request stays
// and its timer retransmits the SYN-ACK; once `accept()` makes room, the ACK of that SYN-ACK connects.
// Kernel-verified: accept-queue-overflow.pkt.
#[test]
fn syn_received_ack_to_a_full_accept_queue_is_dropped_and_the_syn_ack_goes_again() {
    let mut h = accept_queue_filled_under_request(host());
    cov_mark::check!(accept_queue_full_ack_dropped);
    send!(h, time 100, peer_ack(REMOTE_SEQ + 1, LOCAL_SEQ + 1));
    recv_nothing!(h);
    assert!(h.discarded(Discard::AcceptQueueFullAck));
    assert_eq!(h.state(), Some(State::SynReceived));
    assert_eq!(h.counter(Counter::ListenOverflows), 1);
    recv!(h, time 1060, [syn_ack()]);
    send!(h, time 1070, peer_ack(REMOTE_SEQ + 1, LOCAL_SEQ + 1));
    assert_eq!(h.counter(Counter::ListenOverflows), 2);
    h.call(Call::Accept { fd: LISTENER });
    recv!(h, time 3060, [syn_ack()]);
    send!(h, time 3070, peer_ack(REMOTE_SEQ + 1, LOCAL_SEQ + 1));
    recv_nothing!(h);
    assert_eq!(h.state(), Some(State::Established));
    assert_eq!(h.counter(Counter::ListenOverflows), 2);
}

// `tcp_check_req` with `tcp_abort_on_overflow=1`: the handshake's ACK that finds the accept queue
// full is answered with a RST (`embryonic_reset`, TcpExtEmbryonicRsts) and the request goes.
// Kernel-verified: accept-overflow-abort.pkt.
#[test]
fn syn_received_ack_to_a_full_accept_queue_gets_rst_with_abort_on_overflow() {
    let mut h = accept_queue_filled_under_request(host_with(|s| s.tcp_abort_on_overflow = 1));
    cov_mark::check!(accept_queue_full_ack_rst);
    send!(h, time 100, peer_ack(REMOTE_SEQ + 1, LOCAL_SEQ + 1));
    recv!(h, [host_rst(LOCAL_SEQ + 1)]);
    assert_eq!(h.state(), None);
    assert_eq!(h.counter(Counter::EmbryonicRsts), 1);
    assert_eq!(h.counter(Counter::ListenOverflows), 1);
}

// `reqsk_timer_handler`: with the SYN queue more than half full (2 x 5 requests > max(8, backlog
// 8)), requests that are no longer young get fewer retries: at 3 s none is young, so all five are
// allowed 2, and the first to expire at 7 s is dropped; that leaves 4, not more than half full, so
// the other four keep their 5 retries and are retransmitted. A request that leaves before its first
// timeout stops counting as young (`reqsk_queue_removed`). With 4 requests nothing is pruned.
// Kernel-verified (by counts: the kernel's timer wheel fires same-jiffy timers in its own order):
// synack-retries-pruned.pkt, synack-retries-below-half.pkt.
#[test]
fn syn_received_old_requests_get_fewer_retries_in_a_half_full_queue() {
    let mut h = listening(host());
    requests_from(&mut h, 3);
    send!(h, syn());
    recv!(h, [syn_ack()]);
    for at in [1000, 3000, 7000] {
        recv!(h, time at, [syn_ack_to(1), syn_ack_to(2), syn_ack_to(3), syn_ack()]);
    }
    let mut h = listening(host());
    requests_from(&mut h, 4);
    send!(h, syn());
    recv!(h, [syn_ack()]);
    // A sixth request leaves while still young (its peer's RST): it no longer counts as young.
    send!(h, syn_from(5));
    recv!(h, [syn_ack_to(5)]);
    send!(
        h,
        time 500,
        Segment {
            src: peer_end(5),
            ..peer_rst(REMOTE_SEQ + 1)
        }
    );
    cov_mark::check!(synack_retries_pruned);
    for at in [1000, 3000] {
        h.advance(at);
        h.expect(vec![
            syn_ack_to(1),
            syn_ack_to(2),
            syn_ack_to(3),
            syn_ack_to(4),
            syn_ack(),
        ]);
    }
    recv!(h, time 7000, [syn_ack_to(2), syn_ack_to(3), syn_ack_to(4), syn_ack()]);
    assert_eq!(h.host.count_state(State::SynReceived), 4);
    assert_eq!(h.counter(Counter::TcpTimeouts), 15);
    assert_eq!(h.counter(Counter::RetransSegs), 14);
    recv!(h, time 15_000, [syn_ack_to(2), syn_ack_to(3), syn_ack_to(4), syn_ack()]);
}

// =============================================================================================
// SYN-SENT
// =============================================================================================

// `tcp_connect` and `tcp_retransmit_timer`: the SYN's RTO is TCP_TIMEOUT_INIT (1 s), kept for
// `tcp_syn_linear_timeouts` = 4 retransmissions, then doubled: SYNs at 0, 1, 2, 3, 4, 5, 7, 11 s.
#[test]
fn syn_sent_rto_is_1_s_linear_then_doubling() {
    let mut h = socket_syn_sent();
    cov_mark::check!(syn_linear_timeout);
    cov_mark::check!(rto_backoff);
    for at in [1000, 2000, 3000, 4000, 5000, 7000, 11_000] {
        recv_nothing!(h, time at - 1);
        recv!(h, time at, [our_syn()]);
    }
    assert_eq!(h.state(), Some(State::SynSent));
}

/// The SYN goes again at each of `schedule` (ms) and nothing else is sent; at `give_up` ms the
/// connection is dropped without a segment and `connect()` fails with ETIMEDOUT.
fn syn_schedule(h: &mut TestHost, schedule: &[u64], give_up: u64) {
    for &at in schedule {
        recv_nothing!(h, time at - 1);
        recv!(h, time at, [our_syn()]);
    }
    assert_eq!(h.state_at(give_up - 1), Some(State::SynSent));
    recv_nothing!(h, time give_up);
    assert_eq!(h.state(), None);
    assert_eq!(
        h.returned(),
        Some(&CallResult::Err {
            errno: Errno::ETIMEDOUT
        })
    );
    let timeouts = u64::try_from(schedule.len()).unwrap_or(0) + 1;
    assert_eq!(h.counter(Counter::TcpTimeouts), timeouts);
    assert_eq!(h.counter(Counter::AbortOnTimeout), 1);
    assert_eq!(h.counter(Counter::AttemptFails), 1);
}

// `tcp_retransmit_timer` and `tcp_write_timeout` with linux-6.18's defaults (`tcp_syn_retries=6`,
// `tcp_syn_linear_timeouts=4`): SYNs at 0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67 s; the expiry at 131 s
// finds the 6 + 4 retransmissions done and gives up (`tcp_write_err`: ETIMEDOUT,
// TcpExtTCPAbortOnTimeout). Kernel-verified: syn-retries.pkt.
#[test]
fn syn_sent_gives_up_at_131_s_with_linear_timeouts() {
    let mut h = socket_syn_sent();
    cov_mark::check!(syn_retries_exhausted);
    cov_mark::check!(write_err_abort_on_timeout);
    let schedule = [
        1000, 2000, 3000, 4000, 5000, 7000, 11_000, 19_000, 35_000, 67_000,
    ];
    syn_schedule(&mut h, &schedule, 131_000);
}

// `tcp_retransmit_timer` with `tcp_syn_linear_timeouts=0` (the schedule before 6.5, and
// linux-3.10's): SYNs at 0, 1, 3, 7, 15, 31, 63 s and ETIMEDOUT at 127 s. Kernel-verified:
// syn-retries-linear0.pkt.
#[test]
fn syn_sent_gives_up_at_127_s_without_linear_timeouts() {
    let mut h = syn_sent(host_with(|s| s.tcp_syn_linear_timeouts = 0));
    cov_mark::check!(syn_retries_exhausted);
    syn_schedule(&mut h, &[1000, 3000, 7000, 15_000, 31_000, 63_000], 127_000);
}

// `tcp_write_timeout` -> `retransmits_timed_out` with SYN-SENT's base, TCP_TIMEOUT_INIT: besides
// the count, SYN-SENT gives up once the time `tcp_syn_retries` exponential retransmissions would
// take, (2^(2+1) - 1) x 1 s = 7 s with `tcp_syn_retries=2`, has passed since the first SYN. The
// linear timeouts make the SYNs come faster, so time wins: SYNs at 0-5 s (five retransmissions,
// not six) and ETIMEDOUT at 7 s. Kernel-verified: syn-retries-2.pkt.
#[test]
fn syn_sent_gives_up_when_the_time_of_tcp_syn_retries_has_passed() {
    let mut h = syn_sent(host_with(|s| s.tcp_syn_retries = 2));
    cov_mark::check!(syn_retries_timed_out);
    syn_schedule(&mut h, &[1000, 2000, 3000, 4000, 5000], 7000);
}

// `retransmits_timed_out` reads the TCP clock in whole milliseconds (`tcp_time_stamp_ms`): a SYN
// sent 0.25 ms into the run counts from 0 ms, so with `tcp_syn_retries=2` the expiry at 7 s (on a
// jiffy, 6.99975 s after the SYN) still gives up, as on the kernel (syn-retries-2.pkt).
#[test]
fn syn_sent_time_limit_is_read_in_whole_milliseconds() {
    let mut h = host_with(|s| s.tcp_syn_retries = 2);
    h.now = Instant(250);
    let mut h = syn_sent(h);
    cov_mark::check!(syn_retries_timed_out);
    syn_schedule(&mut h, &[1000, 2000, 3000, 4000, 5000], 7000);
}

// `tcp_rcv_synsent_state_process`: the SYN-ACK of our SYN completes the handshake; its ACK goes
// at once and `connect()` returns 0.
#[test]
fn syn_sent_syn_ack_establishes() {
    let mut h = socket_syn_sent();
    send!(h, time 50, peer_syn_ack());
    recv!(h, [host_ack(LOCAL_SEQ + 1, REMOTE_SEQ + 1)]);
    assert_eq!(h.state(), Some(State::Established));
    assert_eq!(h.returned(), Some(&CallResult::Ok { value: 0 }));
}

// `tcp_rcv_synsent_state_process`: an ACK outside (snd_una, snd_nxt] (here of the ISN itself)
// gets a RST at its ack number; as the SYN was not retransmitted yet, it goes again after
// TCP_TIMEOUT_MIN (2 jiffies) instead of the 1 s RTO (Linux 5.6+).
#[test]
fn syn_sent_unacceptable_ack_gets_rst_and_the_syn_again_2_jiffies_later() {
    let mut h = socket_syn_sent();
    cov_mark::check!(syn_sent_bad_ack_rst);
    cov_mark::check!(syn_sent_bad_ack_quick_retry);
    send!(h, time 100, peer_ack(REMOTE_SEQ, LOCAL_SEQ));
    recv!(h, [host_rst(LOCAL_SEQ)]);
    recv_nothing!(h, time 107);
    recv!(h, time 108, [our_syn()]);
    // Then the normal RTO again.
    recv_nothing!(h, time 1107);
    recv!(h, time 1108, [our_syn()]);
    assert_eq!(h.state(), Some(State::SynSent));
}

// `tcp_rcv_synsent_state_process` -> `tcp_reset`: a RST with an acceptable ACK refuses the
// connection: `connect()` fails with ECONNREFUSED.
#[test]
fn syn_sent_rst_with_acceptable_ack_refuses_the_connection() {
    let mut h = socket_syn_sent();
    cov_mark::check!(syn_sent_rst_refused);
    send!(
        h,
        time 50,
        Segment {
            flags: RST_ACK,
            ..peer_ack(SeqNum(0), LOCAL_SEQ + 1)
        }
    );
    recv_nothing!(h);
    assert_eq!(h.state(), None);
    assert_eq!(
        h.returned(),
        Some(&CallResult::Err {
            errno: Errno::ECONNREFUSED
        })
    );
}

// `tcp_rcv_synsent_state_process`: a RST without ACK is dropped (RFC 9293 §3.10.7.3).
#[test]
fn syn_sent_rst_without_ack_is_ignored() {
    let mut h = socket_syn_sent();
    cov_mark::check!(syn_sent_rst_without_ack_ignored);
    send!(h, time 50, peer_rst(REMOTE_SEQ));
    recv_nothing!(h);
    assert_eq!(h.state(), Some(State::SynSent));
}

// `tcp_rcv_synsent_state_process`: a RST whose ACK is unacceptable is dropped, unanswered.
#[test]
fn syn_sent_rst_with_unacceptable_ack_is_ignored() {
    let mut h = socket_syn_sent();
    cov_mark::check!(syn_sent_bad_ack_rst_ignored);
    send!(
        h,
        time 50,
        Segment {
            flags: RST_ACK,
            ..peer_ack(SeqNum(0), LOCAL_SEQ + 2)
        }
    );
    recv_nothing!(h);
    assert_eq!(h.state(), Some(State::SynSent));
}

// `tcp_disconnect` from `__tcp_close` with `SO_LINGER {on, 0}` in SYN-SENT: nothing was
// synchronized, so nothing is sent (`tcp_need_reset`); TcpExtTCPAbortOnData all the same, and no
// TcpAttemptFails (`tcp_done` is not where it closes). The SYN-ACK that comes later meets no
// socket. Kernel-verified on 6.18.44.
#[test]
fn syn_sent_close_with_so_linger_0_sends_nothing() {
    let mut h = host();
    h.call(Call::Socket);
    h.call(Call::Bind {
        fd: 3,
        addr: LOCAL_END,
    });
    h.call(Call::SetNonBlocking { fd: 3, on: true });
    set_linger(&mut h, 3, 0);
    h.call(Call::Connect {
        fd: 3,
        addr: REMOTE_END,
    });
    recv!(h, [our_syn()]);
    cov_mark::check!(so_linger_zero_silent);
    h.advance(100);
    assert_eq!(h.call(Call::Close { fd: 3 }), CallResult::Ok { value: 0 });
    recv_nothing!(h);
    assert_eq!(h.state(), None);
    assert_eq!(h.counter(Counter::AbortOnData), 1);
    assert_eq!(h.counter(Counter::AttemptFails), 0);
    send!(h, time 1000, peer_syn_ack());
    recv!(h, [host_rst(LOCAL_SEQ + 1)]);
}

// =============================================================================================
// SYN-RECEIVED: simultaneous open (a full socket)
// =============================================================================================

/// The host's SYN-ACK in a simultaneous open: its SYN again, with the ACK of the peer's.
/// `tcp_send_synack` builds its options from the sysctls (`tcp_syn_options`): the peer offered no
/// window scaling, so rcv_wscale is 0, but the option still goes.
fn our_syn_ack() -> Segment {
    let mut list: Vec<TcpOption> = our_syn().options.iter().collect();
    list.pop();
    list.push(TcpOption::WindowScale(0));
    let options = opts(&list);
    Segment {
        flags: SYN_ACK,
        ack: REMOTE_SEQ + 1,
        options,
        ..our_syn()
    }
}

/// Crossed SYNs: the peer's SYN reaches the host in SYN-SENT at 10 ms.
fn socket_simultaneous_open() -> TestHost {
    let mut h = socket_syn_sent();
    send!(h, time 10, syn());
    recv!(h, [our_syn_ack()]);
    h
}

// `tcp_rcv_synsent_state_process`: a SYN without ACK in SYN-SENT is a simultaneous open:
// SYN-RECEIVED, and our SYN (same ISN) again, now with the ACK of the peer's.
#[test]
fn simultaneous_open_syn_gets_our_syn_again_with_ack() {
    cov_mark::check!(simultaneous_open);
    let h = socket_simultaneous_open();
    assert_eq!(h.state(), Some(State::SynReceived));
}

// `tcp_validate_incoming` lets the peer's SYN-ACK through in SYN-RECEIVED and
// `tcp_rcv_state_process` moves to ESTABLISHED; `tcp_data_queue` takes the SYN for an old
// segment and ACKs it at once.
#[test]
fn simultaneous_open_syn_ack_establishes() {
    let mut h = socket_simultaneous_open();
    cov_mark::check!(syn_received_established);
    send!(h, time 20, peer_syn_ack());
    recv!(h, [host_ack(LOCAL_SEQ + 1, REMOTE_SEQ + 1)]);
    assert_eq!(h.state(), Some(State::Established));
    assert_eq!(h.returned(), Some(&CallResult::Ok { value: 0 }));
}

// `tcp_rcv_state_process`, TCP_SYN_RECV: an ACK of something never sent gets a RST.
#[test]
fn simultaneous_open_unacceptable_ack_gets_rst() {
    let mut h = socket_simultaneous_open();
    cov_mark::check!(syn_received_bad_ack_rst);
    send!(h, time 20, peer_ack(REMOTE_SEQ + 1, LOCAL_SEQ + 2));
    recv!(h, [host_rst(LOCAL_SEQ + 2)]);
    assert_eq!(h.state(), Some(State::SynReceived));
}

// `tcp_retransmit_timer` and `tcp_write_timeout` in SYN-RECEIVED (a full socket): the SYN-ACK
// is retransmitted on the SYN's timer with doubling timeouts (linear timeouts are SYN-SENT's
// only), at 1, 3, 7, 15, 31, 63 s, and the socket gives up after `tcp_syn_retries` (6), not
// `tcp_synack_retries` (5, a request's limit): ETIMEDOUT at 127 s. Kernel-verified:
// simultaneous-open-timeout.pkt.
#[test]
fn simultaneous_open_gives_up_after_tcp_syn_retries() {
    let mut h = socket_simultaneous_open();
    cov_mark::check!(syn_retries_exhausted);
    for at in [1000, 3000, 7000, 15_000, 31_000, 63_000] {
        recv_nothing!(h, time at - 1);
        recv!(h, time at, [our_syn_ack()]);
    }
    assert_eq!(h.state_at(126_999), Some(State::SynReceived));
    recv_nothing!(h, time 127_000);
    assert_eq!(h.state(), None);
    assert_eq!(
        h.returned(),
        Some(&CallResult::Err {
            errno: Errno::ETIMEDOUT
        })
    );
    assert_eq!(h.counter(Counter::AbortOnTimeout), 1);
}

// =============================================================================================
// ESTABLISHED
// =============================================================================================

// `tcp_event_data_recv`: the first data starts the delayed-ACK engine (ato = TCP_ATO_MIN, 40 ms)
// in quick-ACK mode, so it is ACKed at once; the bytes cross 2^32.
#[test]
fn established_first_data_is_acked_at_once_and_sets_ato() {
    let mut h = socket_established();
    cov_mark::check!(first_data_starts_ato);
    assert_eq!(h.host.tcp_info(h.fd).map(|i| i.ato), Some(0));
    h.receive_abcdef();
    assert_eq!(h.host.tcp_info(h.fd).map(|i| i.ato), Some(40_000));
    assert_eq!(
        h.read(),
        CallResult::Data {
            data: b"abcdef".to_vec().into()
        }
    );
}

// RFC 9293 §3.10.7.4 (`tcp_sequence`, `tcp_send_dupack`): data beyond the window is dropped and
// answered with a duplicate ACK, even twice in a row (data is never rate-limited).
#[test]
fn established_data_beyond_the_window_gets_a_dup_ack() {
    let mut h = socket_established();
    cov_mark::check!(out_of_window_dup_ack);
    let beyond = REMOTE_SEQ + 1 + u32::from(WIN) + 1000;
    for at in [1000, 1001] {
        send!(h, time at, peer_data(beyond, b"abcdef"));
        recv!(h, [host_ack(LOCAL_SEQ + 1, REMOTE_SEQ + 1)]);
    }
    assert!(h.discarded(Discard::OutOfWindow));
    h.call(Call::SetNonBlocking { fd: h.fd, on: true });
    assert_eq!(
        h.read(),
        CallResult::Err {
            errno: Errno::EAGAIN
        }
    );
}

// `tcp_data_queue`: a retransmission of data already received enters quick-ACK mode and gets an
// ACK at once.
#[test]
fn established_duplicate_data_gets_an_immediate_ack() {
    let mut h = socket_established();
    h.receive_abcdef();
    cov_mark::check!(duplicate_quick_ack);
    send!(h, time 1200, peer_data(REMOTE_SEQ + 1, b"abcdef"));
    recv!(
        h,
        [Segment {
            window: WIN - 6,
            ..host_ack(LOCAL_SEQ + 1, SeqNum(4))
        }]
    );
    assert!(h.discarded(Discard::Duplicate));
}

// RFC 5961 §4 (`tcp_validate_incoming`, syn_challenge): a SYN on a synchronized connection gets a
// challenge ACK and changes nothing.
#[test]
fn established_syn_gets_a_challenge_ack() {
    let mut h = socket_established();
    cov_mark::check!(syn_challenge_ack);
    send!(
        h,
        time 1000,
        Segment {
            seq: REMOTE_SEQ + 1000,
            ..syn()
        }
    );
    recv!(h, [host_ack(LOCAL_SEQ + 1, REMOTE_SEQ + 1)]);
    assert_eq!(h.counter(Counter::SynChallenge), 1);
    assert_eq!(h.counter(Counter::ChallengeAck), 1);
    assert_eq!(h.state(), Some(State::Established));
}

// RFC 5961 §3 (`tcp_validate_incoming`): a RST inside the window but not at rcv_nxt gets a
// challenge ACK; the connection stays.
#[test]
fn established_rst_in_window_but_not_at_rcv_nxt_gets_a_challenge_ack() {
    let mut h = socket_established();
    cov_mark::check!(rst_in_window_challenge_ack);
    send!(h, time 1000, peer_rst(REMOTE_SEQ + 2));
    recv!(h, [host_ack(LOCAL_SEQ + 1, REMOTE_SEQ + 1)]);
    assert!(h.discarded(Discard::RstNotExact));
    assert_eq!(h.state(), Some(State::Established));
}

// RFC 5961 §3 (`tcp_validate_incoming` -> `tcp_reset`): a RST exactly at rcv_nxt resets the
// connection; the application's next read fails with ECONNRESET.
#[test]
fn established_rst_at_rcv_nxt_resets() {
    let mut h = socket_established();
    cov_mark::check!(rst_at_rcv_nxt_resets);
    send!(h, time 1000, peer_rst(REMOTE_SEQ + 1));
    recv_nothing!(h);
    assert_eq!(h.state(), None);
    assert_eq!(h.counter(Counter::EstabResets), 1);
    assert_eq!(
        h.read(),
        CallResult::Err {
            errno: Errno::ECONNRESET
        }
    );
}

// `tcp_send_challenge_ack` -> `tcp_oow_rate_limited`: a second challenge ACK within
// `tcp_invalid_ratelimit` (500 ms) is skipped (TcpExtTCPACKSkippedChallenge); one 500 ms after the
// first goes again.
#[test]
fn established_challenge_acks_are_rate_limited() {
    let mut h = socket_established();
    send!(h, time 1000, syn());
    recv!(h, [host_ack(LOCAL_SEQ + 1, REMOTE_SEQ + 1)]);
    {
        cov_mark::check!(oow_ack_rate_limited);
        send!(h, time 1496, syn());
        recv_nothing!(h);
    }
    assert_eq!(h.counter(Counter::AckSkippedChallenge), 1);
    send!(h, time 1500, syn());
    recv!(h, [host_ack(LOCAL_SEQ + 1, REMOTE_SEQ + 1)]);
}

// `tcp_fin` and `tcp_send_delayed_ack`: a lone FIN moves to CLOSE-WAIT, and since no data came
// yet ato is 0, so the delayed-ACK timer sends the ACK one jiffy later.
#[test]
fn established_lone_fin_is_acked_one_jiffy_later() {
    let mut h = socket_established();
    cov_mark::check!(fin_to_close_wait);
    cov_mark::check!(delayed_ack_timer);
    send!(h, time 1001, peer_fin(REMOTE_SEQ + 1, LOCAL_SEQ + 1));
    recv_nothing!(h, time 1003);
    recv!(h, time 1004, [host_ack_of_fin()]);
    assert_eq!(h.state(), Some(State::CloseWait));
    assert_eq!(h.counter(Counter::DelayedAcks), 1);
    assert_eq!(h.read(), CallResult::Ok { value: 0 });
}

// `tcp_event_data_recv` and `tcp_send_delayed_ack`: once data has raised ato to 40 ms, a FIN
// (pingpong mode, no quick ACK) waits the whole ato for its ACK.
#[test]
fn established_fin_after_data_is_acked_after_ato() {
    let mut h = socket_established();
    h.receive_abcdef();
    cov_mark::check!(delayed_ack_timer);
    send!(h, time 1100, peer_fin(SeqNum(4), LOCAL_SEQ + 1));
    recv_nothing!(h, time 1139);
    recv!(
        h,
        time 1140,
        [Segment {
            window: WIN - 7,
            ..host_ack(LOCAL_SEQ + 1, SeqNum(5))
        }]
    );
}

// `__tcp_close` (RFC 2525 §2.17): closing with unread data sends a RST, not a FIN, and counts
// TcpExtTCPAbortOnClose.
#[test]
fn established_close_with_unread_data_sends_rst() {
    let mut h = socket_established();
    h.receive_abcdef();
    cov_mark::check!(close_unread_data_rst);
    h.advance(1100);
    h.call(Call::Close { fd: h.fd });
    recv!(
        h,
        [Segment {
            flags: RST_ACK,
            window: WIN - 6,
            ..host_ack(LOCAL_SEQ + 1, SeqNum(4))
        }]
    );
    assert_eq!(h.counter(Counter::AbortOnClose), 1);
    assert_eq!(h.state(), None);
}

/// `setsockopt(SO_LINGER)` on the connection.
fn set_linger(h: &mut TestHost, fd: Fd, secs: u32) {
    assert_eq!(
        h.call(Call::SetLinger { fd, on: true, secs }),
        CallResult::Ok { value: 0 }
    );
}

/// "hello" written at 1000 ms, sent at once.
fn hello() -> Segment {
    Segment {
        flags: PSH_ACK,
        payload: b"hello".to_vec(),
        ..host_ack(LOCAL_SEQ + 1, REMOTE_SEQ + 1)
    }
}

fn write_hello(h: &mut TestHost) {
    h.advance(1000);
    assert_eq!(
        h.call(Call::Write {
            fd: h.fd,
            data: b"hello".to_vec().into()
        }),
        CallResult::Ok { value: 5 }
    );
    recv!(h, [hello()]);
}

// `__tcp_close` with `SO_LINGER {on, 0}` -> `tcp_disconnect`: no FIN but a RST/ACK at snd_nxt (the
// 5 bytes in flight are lost), CLOSED at once with no TIME-WAIT, TcpExtTCPAbortOnData (and
// TcpEstabResets, leaving ESTABLISHED for CLOSED). The peer's ACK of the lost data then reaches no
// socket: a RST. Kernel-verified: so-linger-rst.pkt.
#[test]
fn established_close_with_so_linger_0_sends_rst_instead_of_fin() {
    let mut h = socket_established();
    set_linger(&mut h, 4, 0);
    write_hello(&mut h);
    cov_mark::check!(so_linger_zero_rst);
    h.advance(1010);
    assert_eq!(
        h.call(Call::Close { fd: h.fd }),
        CallResult::Ok { value: 0 }
    );
    recv!(
        h,
        [Segment {
            flags: RST_ACK,
            ..host_ack(LOCAL_SEQ + 6, REMOTE_SEQ + 1)
        }]
    );
    assert_eq!(h.state(), None);
    assert_eq!(h.host.count_state(State::TimeWait), 0);
    assert_eq!(h.counter(Counter::AbortOnData), 1);
    assert_eq!(h.counter(Counter::EstabResets), 1);
    send!(h, time 1020, peer_ack(REMOTE_SEQ + 1, LOCAL_SEQ + 6));
    recv!(h, [host_rst(LOCAL_SEQ + 6)]);
}

// `sk_clone_lock`: an accepted connection inherits the listener's SO_LINGER. Kernel-verified on
// 6.18.44 (listener with {on, 0}: the child's close() sends RST/ACK).
#[test]
fn listen_so_linger_is_inherited_by_accepted_connections() {
    let mut h = socket_listen();
    set_linger(&mut h, LISTENER, 0);
    send!(h, syn());
    recv!(h, [syn_ack()]);
    send!(h, time 100, peer_ack(REMOTE_SEQ + 1, LOCAL_SEQ + 1));
    assert_eq!(
        h.call(Call::Accept { fd: LISTENER }),
        CallResult::Ok { value: 4 }
    );
    cov_mark::check!(so_linger_zero_rst);
    h.advance(110);
    h.call(Call::Close { fd: 4 });
    recv!(
        h,
        [Segment {
            flags: RST_ACK,
            ..host_ack(LOCAL_SEQ + 1, REMOTE_SEQ + 1)
        }]
    );
}

// `__tcp_close` with `SO_LINGER {on, 5}` -> `sk_stream_wait_close`: `close()` sends the FIN and
// blocks while the socket is in FIN-WAIT-1; the ACK of the FIN wakes it with 0, and only then is
// the socket an orphan, its FIN-WAIT-2 handed to a mini socket. Kernel-verified:
// so-linger-wait.pkt.
#[test]
fn established_close_with_so_linger_waits_for_the_ack_of_the_fin() {
    let mut h = socket_established();
    set_linger(&mut h, 4, 5);
    h.advance(1000);
    cov_mark::check!(so_linger_close_waits);
    assert_eq!(h.call(Call::Close { fd: h.fd }), CallResult::Blocked);
    recv!(h, [host_fin(REMOTE_SEQ + 1)]);
    recv!(h, time 1300, [host_fin(REMOTE_SEQ + 1)]);
    assert!(h.host.is_blocked(0));
    cov_mark::check!(so_linger_close_fin_acked);
    send!(h, time 1350, peer_ack(REMOTE_SEQ + 1, LOCAL_SEQ + 2));
    recv_nothing!(h);
    assert!(!h.host.is_blocked(0));
    assert_eq!(h.returned(), Some(&CallResult::Ok { value: 0 }));
    assert_eq!(h.state(), Some(State::FinWait2));
    assert!(h.host.socks.iter().all(|(_, s)| s.state == State::Listen));
}

// `sk_stream_wait_close`: without the ACK, `close()` returns 0 after the linger time (1 s) while
// the FIN is retransmitted, and leaves an orphan in FIN-WAIT-1. O_NONBLOCK changes nothing:
// `inet_release` passes the linger time whatever the file flags. Kernel-verified:
// so-linger-timeout.pkt, so-linger-nonblocking.pkt.
#[test]
fn established_close_with_so_linger_returns_after_the_linger_time() {
    let mut h = socket_established();
    set_linger(&mut h, 4, 1);
    h.call(Call::SetNonBlocking { fd: 4, on: true });
    h.advance(1000);
    assert_eq!(h.call(Call::Close { fd: h.fd }), CallResult::Blocked);
    recv!(h, [host_fin(REMOTE_SEQ + 1)]);
    recv!(h, time 1300, [host_fin(REMOTE_SEQ + 1)]);
    recv!(h, time 1900, [host_fin(REMOTE_SEQ + 1)]);
    h.advance(1999);
    assert!(h.host.is_blocked(0));
    cov_mark::check!(so_linger_close_timed_out);
    recv_nothing!(h, time 2000);
    assert_eq!(h.returned(), Some(&CallResult::Ok { value: 0 }));
    assert_eq!(h.state(), Some(State::FinWait1));
    recv!(h, time 3100, [host_fin(REMOTE_SEQ + 1)]);
}

// `tcp_retransmit_timer`: unacknowledged data goes again after the RTO (300 ms here), then after
// twice that (exponential backoff, RFC 6298 §5.5).
#[test]
fn established_data_is_retransmitted_with_backoff() {
    let mut h = socket_established();
    cov_mark::check!(rto_backoff);
    h.advance(1000);
    let data = Segment {
        flags: PSH_ACK,
        payload: b"hello".to_vec(),
        ..host_ack(LOCAL_SEQ + 1, REMOTE_SEQ + 1)
    };
    assert_eq!(
        h.call(Call::Write {
            fd: h.fd,
            data: b"hello".to_vec().into()
        }),
        CallResult::Ok { value: 5 }
    );
    recv!(h, [data.clone()]);
    for at in [1300, 1900] {
        recv_nothing!(h, time at - 1);
        recv!(h, time at, [data.clone()]);
    }
    assert_eq!(h.host.tcp_info(h.fd).map(|i| i.backoff), Some(2));
    assert_eq!(h.counter(Counter::TcpTimeouts), 2);
}

// `tcp_retransmit_timer` and `tcp_write_timeout` for a connection the application holds: the RTO
// doubles from 300 ms up to TCP_RTO_MAX (120 s) and stays there; the limit is `tcp_retries2` (15)
// as a time, what 15 retransmissions take from TCP_RTO_MIN ((2^10 - 1) x 200 ms + 6 x 120 s =
// 924.6 s), counted from the first retransmission (1.3 s). Here that makes 15 retransmissions, the
// last at 874.3 s, and the expiry at 994.3 s drops the connection without a segment
// (`tcp_write_err`): TcpExtTCPTimeouts 16, TcpExtTCPAbortOnTimeout, `write()` fails with
// ETIMEDOUT, and the peer's next segment meets no socket: a RST.
#[test]
fn established_rto_backs_off_to_tcp_rto_max_and_gives_up_after_tcp_retries2() {
    let mut h = socket_established();
    write_hello(&mut h);
    let schedule = [
        1300, 1900, 3100, 5500, 10_300, 19_900, 39_100, 77_500, 154_300, 274_300, 394_300, 514_300,
        634_300, 754_300, 874_300,
    ];
    for at in schedule {
        recv_nothing!(h, time at - 1);
        recv!(h, time at, [hello()]);
    }
    assert_eq!(h.host.tcp_info(h.fd).map(|i| i.rto), Some(120_000_000));
    cov_mark::check!(write_err_abort_on_timeout);
    assert_eq!(h.state_at(994_299), Some(State::Established));
    recv_nothing!(h, time 994_300);
    assert_eq!(h.state(), None);
    assert_eq!(h.counter(Counter::TcpTimeouts), 16);
    assert_eq!(h.counter(Counter::AbortOnTimeout), 1);
    assert_eq!(h.counter(Counter::EstabResets), 1);
    assert_eq!(
        h.call(Call::Write {
            fd: h.fd,
            data: b"x".to_vec().into()
        }),
        CallResult::Err {
            errno: Errno::ETIMEDOUT
        }
    );
    send!(h, time 995_000, peer_ack(REMOTE_SEQ + 1, LOCAL_SEQ + 6));
    recv!(h, [host_rst(LOCAL_SEQ + 6)]);
}

// `tcp_ack` (6.18 stable series: "tcp: send a challenge ACK on SEG.ACK > SND.NXT"): a segment that
// acknowledges data never sent is dropped, data and all, and answered with a challenge ACK.
#[test]
fn established_ack_of_unsent_data_gets_a_challenge_ack() {
    let mut h = socket_established();
    cov_mark::check!(ack_of_unsent_challenge_ack);
    send!(
        h,
        time 1000,
        Segment {
            ack: LOCAL_SEQ + 1000,
            ..peer_data(REMOTE_SEQ + 1, b"abcdef")
        }
    );
    recv!(h, [host_ack(LOCAL_SEQ + 1, REMOTE_SEQ + 1)]);
    assert_eq!(h.counter(Counter::ChallengeAck), 1);
    assert!(h.discarded(Discard::AckOfUnsent));
    h.call(Call::SetNonBlocking { fd: h.fd, on: true });
    assert_eq!(
        h.read(),
        CallResult::Err {
            errno: Errno::EAGAIN
        }
    );
}

// `tcp_ack` (6.18.y, RFC 5961 §5.2): an ACK below snd_una is believable only within
// min(max_window, bytes_acked). A passive child starts with snd_una past its SYN, so right after
// the handshake an ACK of our ISN is too old: challenge ACK, data dropped.
#[test]
fn established_ack_older_than_anything_acknowledged_gets_a_challenge_ack() {
    let mut h = socket_established();
    cov_mark::check!(ack_too_old_challenge_ack);
    send!(
        h,
        time 1000,
        Segment {
            ack: LOCAL_SEQ,
            ..peer_data(REMOTE_SEQ + 1, b"abcdef")
        }
    );
    recv!(h, [host_ack(LOCAL_SEQ + 1, REMOTE_SEQ + 1)]);
    assert_eq!(h.counter(Counter::ChallengeAck), 1);
    assert!(h.discarded(Discard::AckTooOld));
}

// `tcp_ack`, old_ack: once 5 bytes were acknowledged, an ACK 3 bytes below snd_una is merely old;
// the data it carries is accepted.
#[test]
fn established_old_but_believable_ack_carries_data_in() {
    let mut h = socket_established();
    h.advance(1000);
    h.call(Call::Write {
        fd: h.fd,
        data: b"hello".to_vec().into(),
    });
    recv!(
        h,
        [Segment {
            flags: PSH_ACK,
            payload: b"hello".to_vec(),
            ..host_ack(LOCAL_SEQ + 1, REMOTE_SEQ + 1)
        }]
    );
    send!(h, time 1010, peer_ack(REMOTE_SEQ + 1, LOCAL_SEQ + 6));
    recv_nothing!(h);
    send!(
        h,
        time 1020,
        Segment {
            ack: LOCAL_SEQ + 3,
            ..peer_data(REMOTE_SEQ + 1, b"abcdef")
        }
    );
    recv!(
        h,
        [Segment {
            window: WIN - 6,
            ..host_ack(LOCAL_SEQ + 6, SeqNum(4))
        }]
    );
    assert_eq!(h.counter(Counter::ChallengeAck), 0);
}

/// The peer offers SACK (`mss,nop,nop,sackOK`); the SYN-ACK offers it too.
fn socket_established_with_sack() -> TestHost {
    let sack = opts(&[
        TcpOption::Mss(1460),
        TcpOption::Nop,
        TcpOption::Nop,
        TcpOption::SackPermitted,
    ]);
    let mut h = socket_listen();
    send!(
        h,
        Segment {
            options: sack,
            ..syn()
        }
    );
    recv!(
        h,
        [Segment {
            options: sack,
            ..syn_ack()
        }]
    );
    send!(h, time 100, peer_ack(REMOTE_SEQ + 1, LOCAL_SEQ + 1));
    assert_eq!(
        h.call(Call::Accept { fd: LISTENER }),
        CallResult::Ok { value: 4 }
    );
    h.fd = 4;
    h
}

/// A D-SACK block after the timestamp option, as `tcp_options_write` lays them out.
fn dsack(start: SeqNum, end: SeqNum) -> Options {
    opts(&[
        TcpOption::Nop,
        TcpOption::Nop,
        TcpOption::Sack(SackBlocks::new(&[(start, end)]).expect("one block")),
    ])
}

// `tcp_data_queue` and `tcp_dsack_set` (RFC 2883), with SACK negotiated: a duplicate segment gets
// an immediate ACK carrying a D-SACK block for it (TcpExtDelayedACKLost, TcpExtTCPDSACKOldSent);
// a segment overlapping rcv_nxt is taken for its new part and its old head is D-SACKed. A block
// goes out once.
#[test]
fn established_duplicate_data_is_reported_in_a_dsack_block() {
    let mut h = socket_established_with_sack();
    h.receive_abcdef();
    cov_mark::check!(dsack_block_owed);
    send!(h, time 1200, peer_data(REMOTE_SEQ + 1, b"abcdef"));
    recv!(
        h,
        [Segment {
            window: WIN - 6,
            options: dsack(REMOTE_SEQ + 1, SeqNum(4)),
            ..host_ack(LOCAL_SEQ + 1, SeqNum(4))
        }]
    );
    assert_eq!(h.counter(Counter::DelayedAckLost), 1);
    assert_eq!(h.counter(Counter::DsackOldSent), 1);
    send!(h, time 1300, peer_data(SeqNum(2), b"efgh"));
    recv!(
        h,
        [Segment {
            window: WIN - 8,
            options: dsack(SeqNum(2), SeqNum(4)),
            ..host_ack(LOCAL_SEQ + 1, SeqNum(6))
        }]
    );
    assert_eq!(h.counter(Counter::DsackOldSent), 2);
    send!(h, time 1400, peer_data(SeqNum(6), b"ij"));
    recv!(
        h,
        [Segment {
            window: WIN - 10,
            ..host_ack(LOCAL_SEQ + 1, SeqNum(8))
        }]
    );
}

// =============================================================================================
// FIN-WAIT-1
// =============================================================================================

// `tcp_rcv_state_process`, step 5 ("accept old ack during closing"): in FIN-WAIT-2 a FIN whose
// ACK is older than snd_una (it does not cover our FIN) is still taken: TIME-WAIT, no challenge.
#[test]
fn fin_wait_2_fin_with_an_old_ack_is_taken() {
    let mut h = socket_fin_wait_2();
    send!(h, time 1020, peer_fin(REMOTE_SEQ + 1, LOCAL_SEQ + 1));
    recv!(h, [time_wait_ack()]);
    assert_eq!(h.state(), Some(State::TimeWait));
    assert_eq!(h.counter(Counter::ChallengeAck), 0);
}

// `tcp_rcv_state_process`, TCP_FIN_WAIT1: the ACK of our FIN moves to FIN-WAIT-2.
#[test]
fn fin_wait_1_ack_of_fin_moves_to_fin_wait_2() {
    let h = socket_fin_wait_1();
    cov_mark::check!(fin_wait_1_fin_acked);
    let h = fin_acked(h);
    assert_eq!(h.host.fd_state(h.fd), Some(State::FinWait2));
}

// `tcp_fin`, TCP_FIN_WAIT1: the peer's FIN without the ACK of ours (a simultaneous close) is
// ACKed at once and moves to CLOSING.
#[test]
fn fin_wait_1_fin_moves_to_closing_with_an_immediate_ack() {
    cov_mark::check!(fin_wait_1_fin_closing);
    let h = socket_closing();
    assert_eq!(h.state(), Some(State::Closing));
}

// `tcp_retransmit_timer`: an unacknowledged FIN is retransmitted after the RTO.
#[test]
fn fin_wait_1_fin_is_retransmitted_after_the_rto() {
    let mut h = socket_fin_wait_1();
    recv_nothing!(h, time 1299);
    recv!(h, time 1300, [host_fin(REMOTE_SEQ + 1)]);
}

/// The orphan's FIN goes again at each of `schedule` (ms); at `give_up` ms the connection is
/// dropped without a segment (`tcp_write_err`), and a late ACK of the FIN meets no socket: a RST.
fn orphan_fin_schedule(h: &mut TestHost, schedule: &[u64], give_up: u64) {
    for &at in schedule {
        recv_nothing!(h, time at - 1);
        recv!(h, time at, [host_fin(REMOTE_SEQ + 1)]);
    }
    assert_eq!(h.state_at(give_up - 1), Some(State::FinWait1));
    recv_nothing!(h, time give_up);
    assert_eq!(h.state(), None);
    assert_eq!(h.host.sockets().len(), 1, "only the listener is left");
    let timeouts = u64::try_from(schedule.len()).unwrap_or(0) + 1;
    assert_eq!(h.counter(Counter::TcpTimeouts), timeouts);
    assert_eq!(h.counter(Counter::AbortOnTimeout), 1);
    send!(h, time give_up + 10, peer_ack(REMOTE_SEQ + 1, LOCAL_SEQ + 2));
    recv!(h, [host_rst(LOCAL_SEQ + 2)]);
}

/// `close()` at 1000 ms: an orphan in FIN-WAIT-1 whose FIN is never acknowledged.
fn orphan_fin_wait_1(sysctls: impl FnOnce(&mut crate::config::Sysctls)) -> TestHost {
    let mut h = socket_established();
    sysctls(h.host.sysctl_mut());
    let close = Call::Close { fd: h.fd };
    closed_first(h, close)
}

// `tcp_write_timeout` for an orphan (`SOCK_DEAD`): `tcp_orphan_retries=0` (the default) means 8
// while the RTO is below TCP_RTO_MAX, and the limit is the time 8 retransmissions take from
// TCP_RTO_MIN, (2^9 - 1) x 200 ms = 102.2 s since the first retransmission: with a 300 ms RTO the
// FIN goes again at 1.3, 1.9, 3.1, 5.5, 10.3, 19.9, 39.1, 77.5 s and the expiry at 154.3 s drops
// the connection. Kernel-verified: orphan-retries.pkt.
#[test]
fn orphan_fin_wait_1_tcp_orphan_retries_0_means_8() {
    let mut h = orphan_fin_wait_1(|_| {});
    cov_mark::check!(orphan_retries_default_8);
    let schedule = [1300, 1900, 3100, 5500, 10_300, 19_900, 39_100, 77_500];
    orphan_fin_schedule(&mut h, &schedule, 154_300);
}

// `tcp_write_timeout` with `tcp_orphan_retries=2`: (2^3 - 1) x 200 ms = 1.4 s after the first
// retransmission (1.3 s), so the expiry at 3.1 s gives up after two retransmissions.
// Kernel-verified: orphan-retries-2.pkt.
#[test]
fn orphan_fin_wait_1_gives_up_after_tcp_orphan_retries() {
    let mut h = orphan_fin_wait_1(|s| s.tcp_orphan_retries = 2);
    cov_mark::check!(orphan_retries_sysctl);
    orphan_fin_schedule(&mut h, &[1300, 1900], 3100);
}

// =============================================================================================
// FIN-WAIT-2
// =============================================================================================

// `tcp_fin`, TCP_FIN_WAIT2: the peer's FIN is ACKed at once and the socket enters TIME-WAIT
// (`tcp_time_wait`).
#[test]
fn fin_wait_2_fin_moves_to_time_wait() {
    cov_mark::check!(fin_wait_2_fin_time_wait);
    let h = socket_time_wait();
    assert_eq!(h.host.count_state(State::TimeWait), 1);
}

// `tcp_rcv_state_process`, TCP_FIN_WAIT1 with SOCK_DEAD: an orphan's FIN-WAIT-2 is handed to a
// mini socket (`tcp_time_wait(sk, TCP_FIN_WAIT2, tmo)`) and ends after `tcp_fin_timeout` (60 s).
#[test]
fn orphan_fin_wait_2_is_a_mini_socket_ended_by_tcp_fin_timeout() {
    cov_mark::check!(orphan_fin_wait_2);
    let mut h = orphan_fin_wait_2();
    assert!(h.host.socks.iter().all(|(_, s)| s.state == State::Listen));
    assert_eq!(h.state_at(61_007), Some(State::FinWait2));
    assert_eq!(h.state_at(61_008), None);
    recv_nothing!(h);
}

/// `close()` at 1000 ms with `tcp_fin_timeout` at `secs`, and the peer's ACK of the FIN at 1010 ms.
fn orphan_fin_wait_2_after(secs: u32) -> TestHost {
    let mut h = socket_established();
    h.host.sysctl_mut().tcp_fin_timeout = secs;
    let close = Call::Close { fd: h.fd };
    fin_acked(closed_first(h, close))
}

/// Whether a full socket (not a mini socket) holds the 4-tuple.
fn full_socket(h: &TestHost) -> bool {
    matches!(
        h.host.ehash.get(&(LOCAL_END, REMOTE_END)),
        Some(Conn::Full(_))
    )
}

// `tcp_rcv_state_process` (TCP_FIN_WAIT1) and `tcp_keepalive_timer` with `tcp_fin_timeout` above
// 60 s, here 70 s: the orphan's FIN-WAIT-2 stays a full socket on the keepalive timer for
// 70 - 60 = 10 s, whose expiry hands it to a mini socket for another 10 s (TcpExtTW counted only
// then): gone after 20 s, not 70 s. Kernel-verified: fin-wait-2-timeout-long.pkt.
#[test]
fn orphan_fin_wait_2_beyond_60_s_splits_into_keepalive_timer_and_mini_socket() {
    cov_mark::check!(orphan_fin_wait_2_keepalive);
    let mut h = orphan_fin_wait_2_after(70);
    assert!(full_socket(&h));
    {
        cov_mark::check!(orphan_fin_wait_2_keepalive_expired);
        assert_eq!(h.state_at(11_007), Some(State::FinWait2));
        assert!(full_socket(&h));
        assert_eq!(h.counter(Counter::Tw), 0);
        assert_eq!(h.state_at(11_008), Some(State::FinWait2));
        assert!(!full_socket(&h));
        assert_eq!(h.counter(Counter::Tw), 1);
    }
    assert_eq!(h.state_at(21_007), Some(State::FinWait2));
    assert_eq!(h.state_at(21_008), None);
    recv_nothing!(h);
}

// `tcp_keepalive_timer`: if nothing of `tcp_fin_time` beyond 60 s is left when the keepalive timer
// of an orphaned FIN-WAIT-2 expires (here `tcp_fin_timeout` lowered from 70 to 30 s meanwhile), the
// connection is reset.
#[test]
fn orphan_fin_wait_2_keepalive_timer_resets_when_no_time_is_left() {
    let mut h = orphan_fin_wait_2_after(70);
    h.advance(5000);
    h.host.sysctl_mut().tcp_fin_timeout = 30;
    cov_mark::check!(orphan_fin_wait_2_keepalive_reset);
    recv!(
        h,
        time 11_008,
        [Segment {
            flags: RST_ACK,
            ..host_ack(LOCAL_SEQ + 2, REMOTE_SEQ + 1)
        }]
    );
    assert_eq!(h.state(), None);
}

// `tcp_timewait_state_process`, substate TCP_FIN_WAIT2: the peer's FIN is ACKed and the mini
// socket enters TIME-WAIT.
#[test]
fn orphan_fin_wait_2_fin_moves_to_time_wait() {
    let mut h = orphan_fin_wait_2();
    cov_mark::check!(time_wait_fin_wait_2_fin);
    send!(h, time 1020, peer_last_fin());
    // The mini socket's window was frozen before the FIN arrived.
    recv!(h, [host_ack(LOCAL_SEQ + 2, REMOTE_SEQ + 2)]);
    assert_eq!(h.state(), Some(State::TimeWait));
}

// `tcp_timewait_state_process`, substate TCP_FIN_WAIT2: new data after the half-close gets a RST
// (at the segment's ack number) and ends the mini socket.
#[test]
fn orphan_fin_wait_2_data_gets_rst() {
    let mut h = orphan_fin_wait_2();
    cov_mark::check!(time_wait_fin_wait_2_data_rst);
    send!(
        h,
        time 1020,
        Segment {
            ack: LOCAL_SEQ + 2,
            ..peer_data(REMOTE_SEQ + 1, b"more")
        }
    );
    recv!(h, [host_rst(LOCAL_SEQ + 2)]);
    assert_eq!(h.state(), None);
}

// =============================================================================================
// CLOSE-WAIT
// =============================================================================================

// `tcp_rcv_state_process` step 7 -> `tcp_data_queue`: the peer's FIN again (our ACK of it was
// lost) is older than rcv_nxt, so it is ACKed at once (quick-ACK mode), not ignored.
#[test]
fn close_wait_retransmitted_fin_is_acked_at_once() {
    let mut h = socket_close_wait();
    cov_mark::check!(duplicate_quick_ack);
    send!(h, time 1200, peer_fin(REMOTE_SEQ + 1, LOCAL_SEQ + 1));
    recv!(h, [host_ack_of_fin()]);
    assert_eq!(h.state(), Some(State::CloseWait));
}

// `tcp_close_state`: `close()` in CLOSE-WAIT sends our FIN and moves to LAST-ACK.
#[test]
fn close_wait_close_sends_fin_and_moves_to_last_ack() {
    let h = socket_last_ack();
    assert_eq!(h.state(), Some(State::LastAck));
}

// =============================================================================================
// CLOSING
// =============================================================================================

// `tcp_rcv_state_process`, TCP_CLOSING: the ACK of our FIN moves to TIME-WAIT.
#[test]
fn closing_ack_of_fin_moves_to_time_wait() {
    let mut h = socket_closing();
    cov_mark::check!(closing_fin_acked);
    send!(h, time 1020, peer_ack(REMOTE_SEQ + 2, LOCAL_SEQ + 2));
    recv_nothing!(h);
    assert_eq!(h.state(), Some(State::TimeWait));
}

// =============================================================================================
// LAST-ACK
// =============================================================================================

// `tcp_rcv_state_process`, TCP_LAST_ACK: the ACK of our FIN closes the connection (`tcp_done`);
// the orphan is destroyed and the 4-tuple is free.
#[test]
fn last_ack_ack_of_fin_closes() {
    let mut h = socket_last_ack();
    cov_mark::check!(last_ack_fin_acked);
    send!(h, time 1110, peer_ack(REMOTE_SEQ + 2, LOCAL_SEQ + 2));
    recv_nothing!(h);
    assert_eq!(h.state(), None);
    assert_eq!(h.host.sockets().len(), 1, "only the listener is left");
}

// =============================================================================================
// TIME-WAIT (`tcp_timewait_state_process`)
// =============================================================================================

// `tw_timer_handler`: TIME-WAIT lasts TCP_TIMEWAIT_LEN, 60 s.
#[test]
fn time_wait_lasts_60_s() {
    let mut h = socket_time_wait();
    cov_mark::check!(time_wait_timer_expired);
    assert_eq!(h.state_at(61_019), Some(State::TimeWait));
    assert_eq!(h.state_at(61_020), None);
    recv_nothing!(h);
}

// Not Linux (`TCP_TIMEWAIT_LEN` is a constant there): a host configured for a 10 s TIME-WAIT, as
// the benchmarks run one to compare with smoltcp's, keeps it 10 s, and restarts it for 10 s.
#[test]
fn time_wait_lasts_what_the_host_is_configured_for() {
    let mut h = socket_time_wait();
    h.host.cfg.time_wait_secs = 10;
    let mut h2 = socket_fin_wait_2();
    h2.host.cfg.time_wait_secs = 10;
    send!(h2, time 1020, peer_last_fin());
    recv!(h2, [time_wait_ack()]);
    assert_eq!(h2.state_at(11_019), Some(State::TimeWait));
    assert_eq!(h2.state_at(11_020), None);
    // An entry made with 60 s keeps its timer; an ACK restarts it with the host's length.
    send!(h, time 2000, peer_last_fin());
    recv!(h, [time_wait_ack()]);
    assert_eq!(h.state_at(11_999), Some(State::TimeWait));
    assert_eq!(h.state_at(12_000), None);
}

// `tcp_timewait_state_process`: a retransmitted FIN is ACKed again and, being an ACK, restarts the
// 60 s timer.
#[test]
fn time_wait_retransmitted_fin_is_acked_and_restarts_the_timer() {
    let mut h = socket_time_wait();
    cov_mark::check!(time_wait_ack_restarts_timer);
    send!(h, time 2000, peer_last_fin());
    recv!(h, [time_wait_ack()]);
    assert_eq!(h.state_at(61_999), Some(State::TimeWait));
    assert_eq!(h.state_at(62_000), None);
}

// `tcp_timewait_state_process`: an old duplicate SYN (seq below rcv_nxt, no timestamps) gets the
// old connection's ACK; a SYN without ACK does not restart the timer.
#[test]
fn time_wait_old_syn_gets_the_old_ack() {
    let mut h = socket_time_wait();
    cov_mark::check!(time_wait_oow_ack);
    send!(
        h,
        time 2000,
        Segment {
            seq: REMOTE_SEQ - 1000,
            ..syn()
        }
    );
    recv!(h, [time_wait_ack()]);
    assert_eq!(h.state(), Some(State::TimeWait));
    assert_eq!(h.state_at(61_020), None);
}

// `tcp_timewait_state_process` -> TCP_TW_SYN: a SYN above rcv_nxt at a listening server takes
// over the 4-tuple; the new ISN is the old snd_nxt + 65535 + 2.
#[test]
fn time_wait_new_syn_reuses_the_4_tuple_above_the_old_snd_nxt() {
    let mut h = socket_time_wait();
    cov_mark::check!(time_wait_new_syn);
    send!(
        h,
        time 2000,
        Segment {
            seq: REMOTE_SEQ + 100_000,
            ..syn()
        }
    );
    recv!(
        h,
        [Segment {
            seq: LOCAL_SEQ + 2 + 65535 + 2,
            ack: REMOTE_SEQ + 100_001,
            ..syn_ack()
        }]
    );
    assert_eq!(h.state(), Some(State::SynReceived));
}

// `tcp_timewait_state_process`: a RST at rcv_nxt ends TIME-WAIT (assassination, RFC 1337 H1).
#[test]
fn time_wait_rst_at_rcv_nxt_ends_it() {
    let mut h = socket_time_wait();
    cov_mark::check!(time_wait_rst_kills);
    send!(h, time 2000, peer_rst(REMOTE_SEQ + 2));
    recv_nothing!(h);
    assert_eq!(h.state(), None);
}

// `tcp_timewait_state_process` with `tcp_rfc1337=1`: the RST is ignored and the timer untouched.
#[test]
fn time_wait_rst_is_ignored_with_rfc1337() {
    let mut h = socket_time_wait();
    h.host.sysctl_mut().tcp_rfc1337 = 1;
    cov_mark::check!(time_wait_rst_rfc1337_ignored);
    send!(h, time 2000, peer_rst(REMOTE_SEQ + 2));
    recv_nothing!(h);
    assert!(h.discarded(Discard::TimeWaitRstIgnored));
    assert_eq!(h.state_at(61_019), Some(State::TimeWait));
    assert_eq!(h.state_at(61_020), None);
}

// `tcp_timewait_state_process`: a RST anywhere but at rcv_nxt is ignored.
#[test]
fn time_wait_rst_not_at_rcv_nxt_is_ignored() {
    let mut h = socket_time_wait();
    cov_mark::check!(time_wait_rst_out_of_window_ignored);
    send!(h, time 2000, peer_rst(REMOTE_SEQ + 3));
    recv_nothing!(h);
    assert_eq!(h.state(), Some(State::TimeWait));
}

// `tcp_timewait_state_process` with timestamps: a SYN whose TSval is older than the last one seen
// fails PAWS (`tcp_paws_reject`), even with a higher seq, and gets the old ACK
// (TcpExtPAWSTimewait) instead of reusing the 4-tuple.
#[test]
fn time_wait_paws_rejects_a_syn_with_an_older_tsval() {
    // tcp_timestamps=2: no offset, TSval is the host's clock in ms. The peer's clock: 100 at its
    // SYN, 200 at its ACK, 300 at its FIN.
    let mut h = listening(host_with(|s| s.tcp_timestamps = 2));
    send!(h, syn_with_ts(REMOTE_SEQ, 100));
    let mut list: Vec<TcpOption> = ts(0, 100).iter().collect();
    list.insert(0, TcpOption::Mss(1460));
    let options = opts(&list);
    recv!(
        h,
        [Segment {
            window: 65160,
            options,
            ..syn_ack()
        }]
    );
    send!(
        h,
        time 100,
        Segment {
            options: ts(200, 0),
            ..peer_ack(REMOTE_SEQ + 1, LOCAL_SEQ + 1)
        }
    );
    h.call(Call::Accept { fd: LISTENER });
    h.advance(1000);
    h.call(Call::Close { fd: 4 });
    recv!(
        h,
        [Segment {
            window: 65160,
            options: ts(1000, 200),
            ..host_fin(REMOTE_SEQ + 1)
        }]
    );
    send!(
        h,
        time 1010,
        Segment {
            options: ts(300, 1000),
            ..peer_last_fin()
        }
    );
    let old_ack = |tsval| Segment {
        window: 65159,
        options: ts(tsval, 300),
        ..time_wait_ack()
    };
    recv!(h, [old_ack(1010)]);
    assert_eq!(h.state(), Some(State::TimeWait));
    cov_mark::check!(time_wait_paws_reject);
    send!(h, time 2000, syn_with_ts(REMOTE_SEQ + 100_000, 250));
    recv!(h, [old_ack(2000)]);
    assert_eq!(h.counter(Counter::PawsTimewait), 1);
    assert_eq!(h.state(), Some(State::TimeWait));
}

// =============================================================================================
// No socket (`tcp_v4_send_reset`)
// =============================================================================================

// `tcp_v4_send_reset`: a SYN to a port nobody listens on gets `R.` with seq 0, acknowledging
// everything it occupied, window 0, no options.
#[test]
fn no_socket_syn_gets_rst_ack_with_seq_0() {
    let mut h = host();
    cov_mark::check!(no_socket_rst);
    send!(h, syn());
    recv!(
        h,
        [Segment {
            flags: RST_ACK,
            ack: REMOTE_SEQ + 1,
            ..host_rst(SeqNum(0))
        }]
    );
}

// `tcp_v4_send_reset`: a segment with ACK gets `R` at its ack number, with no ACK.
#[test]
fn no_socket_ack_gets_rst_at_its_ack_number() {
    let mut h = host();
    cov_mark::check!(no_socket_rst);
    send!(
        h,
        Segment {
            ack: SeqNum(7),
            ..peer_data(REMOTE_SEQ + 1, b"abcdef")
        }
    );
    recv!(h, [host_rst(SeqNum(7))]);
}

// `tcp_v4_rcv` (RFC 9293 §3.10.7.1): a RST for no socket is not answered.
#[test]
fn no_socket_rst_is_not_answered() {
    let mut h = host();
    cov_mark::check!(no_socket_rst_ignored);
    send!(h, peer_rst(REMOTE_SEQ + 1));
    recv_nothing!(h);
    assert!(h.discarded(Discard::NoSocketRst));
}

// =============================================================================================
// ISN strategies (the reader's counterfactuals; Linux always uses RFC 6528)
// =============================================================================================

/// A listener whose host picks ISNs by `isn`.
fn listening_with_isn(isn: IsnStrategy) -> TestHost {
    let mut h = host();
    h.host.cfg.isn = isn;
    listening(h)
}

/// The ISN of the host's SYN-ACK to a SYN from `port` at `ms`.
fn synack_isn(h: &mut TestHost, ms: u64, port: u16) -> SeqNum {
    h.advance(ms);
    let src = Endpoint::new(REMOTE_IP, port);
    h.send(Segment { src, ..syn() });
    let mut isn = None;
    while let Some(out) = h.host.poll_output() {
        match out {
            Output::Segment(seg, _) if seg.dst == src && seg.flags == SYN_ACK => {
                isn = Some(seg.seq);
            }
            Output::Segment(..) => {}
            Output::Event(ev) => h.events.push(ev),
        }
    }
    isn.unwrap_or_else(|| panic!("no SYN-ACK to port {port} at {ms} ms"))
}

// RFC 793 §3.3: one 32-bit clock for the whole host, its low bit ticking every 4 µs; every
// 4-tuple that connects at the same moment gets the same ISN, and the clock wraps after
// 2^32 x 4 µs (4.77 hours).
#[test]
fn isn_clock_4us_is_the_time_in_4_us_ticks_for_every_4_tuple() {
    let mut h = listening_with_isn(IsnStrategy::Clock4us);
    cov_mark::check!(isn_clock_4us);
    assert_eq!(synack_isn(&mut h, 1000, 40_000), SeqNum(250_000));
    assert_eq!(synack_isn(&mut h, 1000, 40_001), SeqNum(250_000));
    assert_eq!(synack_isn(&mut h, 1002, 40_002), SeqNum(250_500));
    // 17,179,870 ms = 2^32 x 4 µs + 816 µs.
    let mut h = listening_with_isn(IsnStrategy::Clock4us);
    assert_eq!(synack_isn(&mut h, 17_179_870, 40_000), SeqNum(204));
}

// A uniformly random ISN per connection, drawn from the run's seed: a keyed hash of a per-host
// counter, so the same 4-tuple at the same moment gets a new ISN, the draws spread evenly, other
// secrets give other ISNs, and a clone of the host (the page's snapshot) draws what the original
// draws next.
#[test]
fn isn_random_is_uniform_per_connection_and_replays_from_the_seed() {
    let mut h = listening_with_isn(IsnStrategy::Random);
    cov_mark::check!(isn_random);
    let first = synack_isn(&mut h, 1000, 40_000);
    let mut snapshot = h.host.clone();
    let second = synack_isn(&mut h, 1000, 40_001);
    assert_ne!(first, second);
    assert_eq!(snapshot.initial_seq(LOCAL_END, REMOTE_END), second);

    let mut other = listening_with_isn(IsnStrategy::Random);
    other.host.secrets.isn = (7, 8);
    assert_ne!(synack_isn(&mut other, 1000, 40_000), first);

    // 4096 draws over 16 buckets of the top 4 bits: 256 expected in each, within 4 sigma (~62).
    let mut buckets = [0u32; 16];
    for _ in 0..4096 {
        let isn = h.host.initial_seq(LOCAL_END, REMOTE_END);
        if let Some(b) = buckets.get_mut((isn.0 >> 28) as usize) {
            *b += 1;
        }
    }
    assert!(
        buckets.iter().all(|n| (194..=318).contains(n)),
        "{buckets:?}"
    );
}

// `tcp_connect` takes its ISN from the strategy too: a client's SYN.
#[test]
fn isn_strategy_applies_to_the_clients_syn() {
    let mut h = host();
    h.host.cfg.isn = IsnStrategy::Clock4us;
    h.advance(2000);
    h.call(Call::Socket);
    h.call(Call::Bind {
        fd: 3,
        addr: LOCAL_END,
    });
    h.call(Call::Connect {
        fd: 3,
        addr: REMOTE_END,
    });
    recv!(
        h,
        [Segment {
            seq: SeqNum(500_000),
            ..our_syn()
        }]
    );
}

// ============================================================================
// TIME-WAIT timers: a FIFO for TCP_TIMEWAIT_LEN, the heap for any other span
// ============================================================================

/// A mini socket for `remote`, straight into the table (what `tcp_time_wait` leaves).
fn mini_socket(h: &mut TestHost, remote: Endpoint, substate: State) -> crate::slab::Key {
    let tw = super::TimeWait {
        local: LOCAL_END,
        remote,
        snd_nxt: LOCAL_SEQ,
        rcv_nxt: REMOTE_SEQ,
        rcv_wnd: WIN.into(),
        ts_recent: 0,
        tsoffset: 0,
        ts_recent_stamp_ms: super::NO_STAMP,
        created_ms: 0,
        last_oow_ack: 0,
        deadline: Instant::ZERO,
        substate,
        rcv_wscale: 0,
        reuseaddr: false,
        tw_timeout_ms: 60_000,
    };
    let key = h.host.time_waits.insert(tw);
    h.host
        .ehash_insert(LOCAL_END, remote, Conn::TimeWait(key), false);
    key
}

#[test]
fn time_wait_timers_of_60_s_queue_in_a_fifo_and_other_spans_in_the_heap() {
    let mut h = host();
    let a = Endpoint::new(REMOTE_IP, 50001);
    let b = Endpoint::new(REMOTE_IP, 50002);
    let c = Endpoint::new(REMOTE_IP, 50003);
    let ka = mini_socket(&mut h, a, State::TimeWait);
    h.host
        .schedule_time_wait(ka, crate::time::Duration::from_secs(60));
    h.advance(1000);
    let kb = mini_socket(&mut h, b, State::TimeWait);
    h.host
        .schedule_time_wait(kb, crate::time::Duration::from_secs(60));
    // An orphan's FIN-WAIT-2 of tcp_fin_timeout=10, armed last, ends first.
    let kc = mini_socket(&mut h, c, State::FinWait2);
    h.host
        .schedule_time_wait(kc, crate::time::Duration::from_secs(10));
    assert_eq!(h.host.time_wait_fifo.len(), 2);
    assert_eq!(h.host.poll_timeout(), Some(Instant(11_000_000)));
    let mut ends = Vec::new();
    while let Some(at) = h.host.poll_timeout() {
        h.host.handle_timeout(at);
        for k in [ka, kb, kc] {
            if h.host.time_waits.get(k).is_none() && !ends.iter().any(|(x, _)| *x == k) {
                ends.push((k, at));
            }
        }
    }
    assert_eq!(
        ends,
        vec![
            (kc, Instant(11_000_000)),
            (ka, Instant(60_000_000)),
            (kb, Instant(61_000_000))
        ]
    );
}
// `inet_bind_bucket`: a port's owners, sockets and TIME-WAIT counts, stay consistent however
// they come and go: the counts lead the list, each socket knows its index (so that it leaves in
// O(1)), and each count is what was added less what was dropped.
proptest::proptest! {
    #[test]
    fn a_ports_owners_stay_consistent(ops in proptest::collection::vec((0u8..3, 0u8..6), 1..80)) {
        use super::PortOwner;
        let mut h = host().host;
        let port = 80;
        let mut socks: Vec<crate::slab::Key> = Vec::new();
        let mut counts = [0u32; 2];
        for (op, arg) in ops {
            let ip = Ipv4(u32::from(arg % 2) + 1);
            match op {
                0 => {
                    let k = h.socks.insert(super::Sock::new());
                    h.port_add(port, k);
                    socks.push(k);
                }
                1 if !socks.is_empty() => {
                    let k = socks.remove(usize::from(arg) % socks.len());
                    let slot = h.socks.get(k).unwrap().port_slot;
                    h.release_port(port, k, slot);
                }
                1 => {}
                _ if arg < 3 => {
                    h.port_add_time_wait(port, ip, false);
                    counts[usize::from(arg % 2)] += 1;
                }
                _ if counts[usize::from(arg % 2)] > 0 => {
                    h.port_drop_time_wait(port, ip, false);
                    counts[usize::from(arg % 2)] -= 1;
                }
                _ => {}
            }
            let list = h.ports.get(&port).map(|o| o.to_vec()).unwrap_or_default();
            let lead = list.iter().take_while(|o| matches!(o, PortOwner::TimeWaits { .. })).count();
            for (i, o) in list.iter().enumerate() {
                match o {
                    PortOwner::Sock(k) => {
                        proptest::prop_assert!(i >= lead, "a socket among the counts");
                        proptest::prop_assert_eq!(h.socks.get(*k).unwrap().port_slot as usize, i);
                    }
                    PortOwner::TimeWaits { ip, count, .. } => {
                        proptest::prop_assert!(i < lead, "a count among the sockets");
                        proptest::prop_assert_eq!(*count, counts[(ip.0 - 1) as usize]);
                    }
                }
            }
            let live = counts.iter().filter(|c| **c > 0).count();
            proptest::prop_assert_eq!(lead, live);
            proptest::prop_assert_eq!(list.len() - lead, socks.len());
        }
    }
}

mod v3_10;

// A socket's byte queue against a `VecDeque` doing the same: every operation, in any order,
// leaves the same bytes and takes the same ones (the queue moves its bytes down lazily).
mod byte_queue {
    use super::super::ByteQueue;
    use alloc::collections::VecDeque;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        Extend(Vec<u8>),
        Take(usize),
        Drop(usize),
        Copy(usize, usize),
        Clear,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => proptest::collection::vec(any::<u8>(), 0..300).prop_map(Op::Extend),
            2 => (0usize..400).prop_map(Op::Take),
            3 => (0usize..400).prop_map(Op::Drop),
            2 => (0usize..400, 0usize..400).prop_map(|(s, l)| Op::Copy(s, l)),
            1 => Just(Op::Clear),
        ]
    }

    proptest! {
        #[test]
        fn a_byte_queue_holds_what_a_ring_would(ops in proptest::collection::vec(op(), 0..60)) {
            let mut q = ByteQueue::default();
            let mut model: VecDeque<u8> = VecDeque::new();
            for op in ops {
                match op {
                    Op::Extend(b) => {
                        q.extend(&b);
                        model.extend(b.iter().copied());
                    }
                    Op::Take(n) => {
                        let k = n.min(model.len());
                        let want: Vec<u8> = model.drain(..k).collect();
                        prop_assert_eq!(q.take_front(n), want);
                    }
                    Op::Drop(n) => {
                        q.drop_front(n);
                        model.drain(..n.min(model.len()));
                    }
                    Op::Copy(start, len) => {
                        let want: Vec<u8> = model.iter().skip(start).take(len).copied().collect();
                        prop_assert_eq!(q.copy_range(start, len), want);
                    }
                    Op::Clear => {
                        q.clear();
                        model.clear();
                    }
                }
                prop_assert_eq!(q.len(), model.len());
                prop_assert_eq!(q.is_empty(), model.is_empty());
                let all: Vec<u8> = model.iter().copied().collect();
                prop_assert_eq!(q.bytes(), all.as_slice());
            }
        }
    }
}
