//! linux-3.10's rules, each run on both profiles: the TSval clock, and `tcp_tw_recycle` (the
//! per-peer timestamp cache that `tcp_time_wait` writes and `tcp_v4_conn_request` reads).
//!
//! Here timestamps are on: the peer's TSvals are the test's choice, the host's are read from
//! what it sends. At HZ 1000 (linux-3.10) a jiffy is 1 ms.

use super::*;
use crate::tcp::v3_10::TCP_PAWS_WINDOW;
use crate::tcp::{INITIAL_JIFFIES_3_10, TCP_TIMEWAIT_LEN_SECS};
use crate::time::Duration;

/// A host of `profile` with its defaults and timestamps on; `tcp_tw_recycle` on when asked
/// (linux-3.10 only).
fn host_of(profile: Profile, recycle: bool) -> TestHost {
    let mut h = host();
    h.host.cfg.profile = profile;
    h.host.cfg.sysctl = profile.defaults();
    h.host.cfg.sysctl.tcp_tw_recycle = u32::from(recycle);
    h.host.clock.hz = profile.hz();
    h
}

/// The peer at `REMOTE_IP` from another port (another connection from the same address).
fn other_port() -> Endpoint {
    Endpoint::new(REMOTE_IP, 50_000)
}

/// A peer segment carrying `TS val tsval ecr ecr`.
fn with_ts(seg: Segment, tsval: u32, ecr: u32) -> Segment {
    Segment {
        options: ts(tsval, ecr),
        ..seg
    }
}

/// Listens, takes the peer's SYN (TSval 1000) at 0 and its ACK at 100 ms (TSval 1100), accepts,
/// and returns the host's last TSval.
fn established_with_ts(h: &mut TestHost) -> u32 {
    let mut h2 = listening(core::mem::replace(h, host()));
    send!(h2, syn_with_ts(REMOTE_SEQ, 1000));
    let synack = h2.sent_one();
    let (host_ts, ecr) = synack.timestamp().expect("the SYN-ACK carries a timestamp");
    assert_eq!(ecr, 1000);
    send!(h2, time 100, with_ts(peer_ack(REMOTE_SEQ + 1, LOCAL_SEQ + 1), 1100, host_ts));
    recv_nothing!(h2);
    assert_eq!(
        h2.call(Call::Accept { fd: LISTENER }),
        CallResult::Ok { value: 4 }
    );
    h2.fd = 4;
    *h = h2;
    host_ts
}

/// The host closes first (`shutdown(SHUT_WR)` at 1000 ms), the peer ACKs its FIN at 1010 ms and
/// sends its own at 1020 ms with TSval `last_tsval`: TIME-WAIT. Returns the TIME-WAIT's length
/// as the host scheduled it, and the RTO (jiffies) the connection had.
fn server_closes_first(h: &mut TestHost, last_tsval: u32) -> (Duration, u64) {
    let host_ts = established_with_ts(h);
    h.advance(1000);
    h.call(Call::Shutdown {
        fd: h.fd,
        how: How::Write,
    });
    let fin = h.sent_one();
    assert!(fin.flags.fin());
    let fin_ts = fin.timestamp().map_or(host_ts, |t| t.0);
    send!(h, time 1010, with_ts(peer_ack(REMOTE_SEQ + 1, LOCAL_SEQ + 2), last_tsval - 10, fin_ts));
    h.sent();
    let rto = h
        .host
        .socks
        .iter()
        .find(|(_, s)| s.remote == Some(REMOTE_END))
        .map(|(_, s)| s.tcb.rto)
        .expect("the connection");
    send!(h, time 1020, with_ts(peer_last_fin(), last_tsval, fin_ts));
    let ack = h.sent_one();
    assert_eq!(ack.ack, REMOTE_SEQ + 2);
    assert_eq!(h.state(), Some(State::TimeWait));
    let deadline = h
        .host
        .time_waits
        .iter()
        .map(|(_, t)| t.deadline)
        .next()
        .expect("a TIME-WAIT entry");
    (deadline - h.now, rto)
}

/// A SYN from the same address, another port, with `tsval`, at `ms`: whether the host answers.
fn syn_answered(h: &mut TestHost, ms: u64, tsval: u32) -> bool {
    send!(h, time ms, Segment {
        src: other_port(),
        ..syn_with_ts(SeqNum(7), tsval)
    });
    let sent = h.sent();
    sent.iter().any(|s| s.flags.syn() && s.dst == other_port())
}

/// What a `PeerStamp` event says happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PeerStampWhat {
    Remembered,
    Kept,
    RejectedSyn,
}

/// Each `PeerStamp` event: (cached TSval, compared TSval, what happened).
fn peer_stamps(h: &TestHost) -> Vec<(u32, u32, PeerStampWhat)> {
    h.events
        .iter()
        .filter_map(|e| match e {
            EventKind::PeerStamp { cached, tsval, .. } if cached == tsval => {
                Some((*cached, *tsval, PeerStampWhat::Remembered))
            }
            EventKind::PeerStamp { cached, tsval, .. } => {
                Some((*cached, *tsval, PeerStampWhat::Kept))
            }
            EventKind::PeerPawsReject { cached, tsval, .. } => {
                Some((*cached, *tsval, PeerStampWhat::RejectedSyn))
            }
            _ => None,
        })
        .collect()
}

// `tcp_time_stamp` is `(__u32)jiffies` (include/net/tcp.h, 3.10): one clock for the whole host,
// starting at `INITIAL_JIFFIES` (-300 s at HZ 1000), no per-connection offset. linux-6.18 adds
// `secure_tcp_ts_off`, a keyed hash of the addresses, to a millisecond clock.
#[test]
fn tsval_is_one_jiffies_clock_on_3_10_and_offset_per_connection_on_6_18() {
    let synack_ts = |profile: Profile, peer: Endpoint| {
        let mut h = listening(host_of(profile, false));
        send!(h, time 1234, Segment {
            src: peer,
            ..syn_with_ts(REMOTE_SEQ, 1000)
        });
        h.sent_one().timestamp().expect("timestamps on").0
    };
    let other_host = Endpoint::new(Ipv4::new(10, 0, 0, 9), 40_000);
    let old = synack_ts(Profile::Linux3_10, REMOTE_END);
    assert_eq!(old, INITIAL_JIFFIES_3_10.wrapping_add(1234));
    assert_eq!(synack_ts(Profile::Linux3_10, other_host), old);
    // A host that (re)booted at 10 s counts its jiffies from there.
    let mut h = host_of(Profile::Linux3_10, false);
    h.advance(10_000);
    h.host.booted(Instant(10_000_000));
    let mut h = listening(h);
    send!(h, time 10_500, syn_with_ts(REMOTE_SEQ, 1000));
    let rebooted = h.sent_one().timestamp().expect("timestamps on").0;
    assert_eq!(rebooted, INITIAL_JIFFIES_3_10.wrapping_add(500));
    let new = synack_ts(Profile::Linux6_18, REMOTE_END);
    let new_other = synack_ts(Profile::Linux6_18, other_host);
    assert_ne!(new, new_other);
    assert_ne!(new, 1234);
}

// linux-3.10 `tcp_time_wait` with `tcp_tw_recycle=1` and a connection that saw timestamps:
// `tcp_remember_stamp` stores the peer's last TSval for its address, and TIME-WAIT lasts
// `(rto << 2) - (rto >> 1)` = 3.5 RTO, rounded up to the recycle calendar's 128-jiffy tick
// (`inet_twsk_schedule`). Without recycle, and on linux-6.18, TIME-WAIT lasts 60 s.
#[test]
fn tw_recycle_time_wait_lasts_3_5_rto_and_remembers_the_stamp() {
    let mut h = host_of(Profile::Linux3_10, true);
    cov_mark::check!(tw_recycle_short_time_wait);
    cov_mark::check!(tw_recycle_stamp_remembered);
    cov_mark::check!(death_row_recycle_calendar);
    let (len, rto) = server_closes_first(&mut h, 5000);
    let three_and_a_half = (rto << 2) - (rto >> 1);
    assert!(three_and_a_half < 4000, "a short RTO: {rto}");
    let ticks = three_and_a_half.div_ceil(128);
    assert_eq!(len, Duration::from_millis(ticks * 128));
    assert_eq!(
        peer_stamps(&h),
        vec![(5000, 5000, PeerStampWhat::Remembered)]
    );
    let end = 1020 + ticks * 128;
    assert_eq!(h.state_at(end - 1), Some(State::TimeWait));
    assert_eq!(h.state_at(end), None);

    for (profile, recycle) in [(Profile::Linux3_10, false), (Profile::Linux6_18, false)] {
        let mut h = host_of(profile, recycle);
        let (len, _) = server_closes_first(&mut h, 5000);
        assert_eq!(len, Duration::from_secs(TCP_TIMEWAIT_LEN_SECS), "{profile}");
        assert!(peer_stamps(&h).is_empty());
    }
}

// linux-3.10 `tcp_v4_conn_request`: with `tcp_tw_recycle`, a SYN with a timestamp from a peer
// whose cached TSval is newer by more than `TCP_PAWS_WINDOW` (1) and was stored less than
// `TCP_PAWS_MSL` (60 s, in whole `get_seconds()`) ago is dropped silently
// (`tcp_peer_is_proven(req, dst, true)` false), counting TcpExtPAWSPassive and ListenDrops.
#[test]
fn tw_recycle_drops_a_syn_whose_tsval_is_below_the_peers_cached_one() {
    let mut h = host_of(Profile::Linux3_10, true);
    server_closes_first(&mut h, 5000);
    cov_mark::check!(tw_recycle_syn_rejected);
    let lower = 5000 - 1 - TCP_PAWS_WINDOW as u32;
    assert!(!syn_answered(&mut h, 3000, lower));
    assert_eq!(h.counter(Counter::PawsPassive), 1);
    assert_eq!(h.counter(Counter::ListenDrops), 1);
    assert!(h.discarded(Discard::PawsPassive));
    assert_eq!(
        peer_stamps(&h).last(),
        Some(&(5000, lower, PeerStampWhat::RejectedSyn))
    );
    // Far below (a client whose clock started later) is dropped too, until the stamp is 60 s
    // old: it was stored at 1.02 s (second 1), so second 60 still drops and second 61 admits.
    assert!(!syn_answered(&mut h, 60_999, 12));
    assert_eq!(h.counter(Counter::PawsPassive), 2);
    assert!(syn_answered(&mut h, 61_000, 12));
    assert_eq!(h.counter(Counter::PawsPassive), 2);
}

// The SYN is answered when its TSval is no more than `TCP_PAWS_WINDOW` below the cached one, with
// recycle off, without a timestamp, and on linux-6.18 (which has no per-peer PAWS).
#[test]
fn tw_recycle_answers_newer_equal_untimestamped_or_unrecycled_syns() {
    for tsval in [5000 - TCP_PAWS_WINDOW as u32, 5000, 9000] {
        let mut h = host_of(Profile::Linux3_10, true);
        server_closes_first(&mut h, 5000);
        cov_mark::check!(tw_recycle_syn_passes);
        assert!(syn_answered(&mut h, 3000, tsval), "TSval {tsval}");
        assert_eq!(h.counter(Counter::PawsPassive), 0);
    }
    let mut h = host_of(Profile::Linux3_10, true);
    server_closes_first(&mut h, 5000);
    send!(h, time 3000, Segment {
        src: other_port(),
        ..syn()
    });
    assert!(h.sent().iter().any(|s| s.flags.syn()), "no timestamp");
    for (profile, recycle) in [(Profile::Linux3_10, false), (Profile::Linux6_18, false)] {
        let mut h = host_of(profile, recycle);
        server_closes_first(&mut h, 5000);
        assert!(syn_answered(&mut h, 3000, 100), "{profile}");
        assert_eq!(h.counter(Counter::PawsPassive), 0);
    }
}

// `tcp_remember_stamp` keeps a cached TSval that is newer than the closing connection's and
// less than `TCP_PAWS_MSL` old, and still returns true, so TIME-WAIT is still 3.5 RTO.
#[test]
fn tw_recycle_keeps_a_newer_recent_stamp() {
    let mut first = host_of(Profile::Linux3_10, true);
    server_closes_first(&mut first, 5000);
    // Another server that already holds a newer TSval for the peer, stored at second 1.
    let mut h = host_of(Profile::Linux3_10, true);
    h.host.metrics = first.host.metrics.clone();
    h.host.metrics.values_mut().for_each(|m| m.ts = 105_000);
    cov_mark::check!(tw_recycle_stamp_kept);
    let (len, rto) = server_closes_first(&mut h, 5000);
    assert!(len < Duration::from_secs(4), "{len} for rto {rto}");
    assert_eq!(peer_stamps(&h), vec![(105_000, 5000, PeerStampWhat::Kept)]);
    assert!(!syn_answered(&mut h, 3000, 104_000));
}

// An orphan's FIN-WAIT-2 mini socket (`tcp_time_wait(sk, TCP_FIN_WAIT2, tmo)`, which already
// remembered the stamp) that receives the peer's FIN: `tcp_timewait_state_process` calls
// `tcp_tw_remember_stamp` and schedules `tw_timeout`, 3.5 RTO; without recycle, 60 s.
#[test]
fn tw_recycle_fin_wait_2_mini_socket_takes_the_short_time_wait() {
    cov_mark::check!(tw_recycle_fin_wait_2_remembered);
    for recycle in [true, false] {
        let mut h = host_of(Profile::Linux3_10, recycle);
        let host_ts = established_with_ts(&mut h);
        h.advance(1000);
        h.call(Call::Close { fd: h.fd });
        let fin_ts = h.sent_one().timestamp().map_or(host_ts, |t| t.0);
        send!(h, time 1010, with_ts(peer_ack(REMOTE_SEQ + 1, LOCAL_SEQ + 2), 4990, fin_ts));
        h.sent();
        assert!(matches!(
            h.host.ehash.get(&(LOCAL_END, REMOTE_END)),
            Some(Conn::TimeWait(_))
        ));
        send!(h, time 1020, with_ts(peer_last_fin(), 5000, fin_ts));
        h.sent();
        assert_eq!(h.state(), Some(State::TimeWait));
        let stamps = peer_stamps(&h);
        let left = h.host.time_waits.iter().map(|(_, t)| t.deadline).next();
        let left = left.map(|d| d - h.now);
        if recycle {
            assert_eq!(
                stamps,
                vec![
                    (4990, 4990, PeerStampWhat::Remembered),
                    (5000, 5000, PeerStampWhat::Remembered)
                ]
            );
            assert!(left < Some(Duration::from_secs(4)), "{left:?}");
        } else {
            assert!(stamps.is_empty());
            assert_eq!(left, Some(Duration::from_secs(TCP_TIMEWAIT_LEN_SECS)));
        }
    }
}

/// How many requests a listener's SYN queue holds after 300 SYNs from distinct ports (cookies
/// answer the rest).
fn syn_queue_capacity(profile: Profile, backlog: u32, max_syn_backlog: u32) -> usize {
    let mut h = host_of(profile, false);
    h.host.cfg.max_sockets = 1000;
    h.host.cfg.sysctl.tcp_max_syn_backlog = max_syn_backlog;
    let mut h = listening_with_backlog(h, backlog);
    for n in 1..=300 {
        send!(h, syn_from(n));
    }
    assert_eq!(
        h.sent().len(),
        300,
        "every SYN answered, by a request or a cookie"
    );
    h.host.count_state(State::SynReceived)
}

// linux-3.10 `reqsk_queue_alloc`: the SYN table has
// `roundup_pow_of_two(max(8, min(backlog, tcp_max_syn_backlog)) + 1)` entries, and
// `reqsk_queue_is_full` (`qlen >> max_qlen_log`) says full once it holds that many. linux-6.18:
// full when the length exceeds the backlog, so backlog + 1 requests.
#[test]
fn syn_queue_size_follows_the_profile() {
    cov_mark::check!(syn_queue_full_3_10_table);
    assert_eq!(syn_queue_capacity(Profile::Linux3_10, 8, 1024), 16);
    assert_eq!(syn_queue_capacity(Profile::Linux3_10, 4, 1024), 16);
    assert_eq!(syn_queue_capacity(Profile::Linux3_10, 100, 1024), 128);
    assert_eq!(syn_queue_capacity(Profile::Linux3_10, 100, 16), 32);
    assert_eq!(syn_queue_capacity(Profile::Linux3_10, 127, 1024), 128);
    assert_eq!(syn_queue_capacity(Profile::Linux3_10, 128, 1024), 256);
    assert_eq!(syn_queue_capacity(Profile::Linux6_18, 8, 2048), 9);
    assert_eq!(syn_queue_capacity(Profile::Linux6_18, 100, 16), 101);
}

// `tcp_v4_conn_request` (3.10): a SYN that finds the accept queue full is dropped only while the
// SYN queue holds more than one young request (`inet_csk_reqsk_queue_young(sk) > 1`); linux-6.18
// drops it whatever the SYN queue holds. listen(fd, 0): one child fills the accept queue.
#[test]
fn syn_to_a_full_accept_queue_waits_for_two_young_requests_on_3_10() {
    cov_mark::check!(accept_queue_full_syn_admitted_3_10);
    for profile in [Profile::Linux3_10, Profile::Linux6_18] {
        let mut h = listening_with_backlog(host_of(profile, false), 0);
        send!(h, syn_from(1));
        let iss = h.sent_one().seq;
        send!(h, time 100, ack_from(1, iss));
        h.sent();
        let answered: Vec<bool> = (2..=5)
            .map(|n| {
                send!(h, syn_from(n));
                !h.sent().is_empty()
            })
            .collect();
        if profile == Profile::Linux3_10 {
            assert_eq!(answered, [true, true, false, false]);
            assert_eq!(h.counter(Counter::ListenOverflows), 2);
        } else {
            assert_eq!(answered, [false; 4]);
            assert_eq!(h.counter(Counter::ListenOverflows), 4);
        }
    }
}

/// A client (ephemeral port range 80-80, so `LOCAL_END`) that connected at 0 with timestamps,
/// closed first at 1000 ms and got the peer's FIN (TSval 5000) at 1020 ms: TIME-WAIT.
fn client_time_wait(profile: Profile, tw_reuse: u32) -> TestHost {
    let mut h = host_of(profile, false);
    h.host.cfg.sysctl.ip_local_port_range = (LOCAL_END.port, LOCAL_END.port);
    h.host.cfg.sysctl.tcp_tw_reuse = tw_reuse;
    assert_eq!(h.call(Call::Socket), CallResult::Ok { value: 3 });
    h.fd = 3;
    let connect = Call::Connect {
        fd: 3,
        addr: REMOTE_END,
    };
    assert_eq!(h.call(connect), CallResult::Blocked);
    let our_ts = h.sent_one().timestamp().expect("timestamps on").0;
    send!(h, time 10, with_ts(peer_syn_ack(), 1000, our_ts));
    h.sent();
    assert_eq!(h.state(), Some(State::Established));
    h.advance(1000);
    h.call(Call::Close { fd: 3 });
    let fin = h.sent_one();
    let fin_ts = fin.timestamp().map_or(our_ts, |t| t.0);
    send!(h, time 1020, with_ts(peer_fin(REMOTE_SEQ + 1, LOCAL_SEQ + 2), 5000, fin_ts));
    h.sent();
    assert_eq!(h.state(), Some(State::TimeWait));
    h
}

/// Whether a `connect()` at `ms` from the one ephemeral port takes over the TIME-WAIT.
fn connect_reuses(h: &mut TestHost, ms: u64) -> bool {
    h.advance(ms);
    let CallResult::Ok { value: fd } = h.call(Call::Socket) else {
        panic!("socket()");
    };
    let fd = Fd::try_from(fd).expect("a descriptor");
    let r = h.call(Call::Connect {
        fd,
        addr: REMOTE_END,
    });
    h.sent();
    h.call(Call::Close { fd });
    h.sent();
    r == CallResult::Blocked
}

// `tcp_twsk_unique`: linux-3.10 lets `tcp_tw_reuse` take a TIME-WAIT 4-tuple once the peer's
// last timestamp (`tw_ts_recent_stamp`, 1.02 s: second 1) is more than one whole second of
// `get_seconds()` old, so from second 3; linux-6.18 once the entry is `tcp_tw_reuse_delay`
// (1000 ms) old, from 2.02 s. With `tcp_tw_reuse=0` neither reuses.
#[test]
fn tw_reuse_follows_the_profiles_clock() {
    let reuses = |profile, reuse, ms| connect_reuses(&mut client_time_wait(profile, reuse), ms);
    assert!(!reuses(Profile::Linux3_10, 1, 2_999));
    assert!(reuses(Profile::Linux3_10, 1, 3_000));
    assert!(!reuses(Profile::Linux3_10, 0, 30_000));
    assert!(!reuses(Profile::Linux6_18, 1, 2_019));
    assert!(reuses(Profile::Linux6_18, 1, 2_500));
    assert!(!reuses(Profile::Linux6_18, 0, 30_000));
}

// `tcp_timewait_state_process` with `tcp_rfc1337=1` and a RST at rcv_nxt: linux-3.10 falls
// through to `inet_twsk_schedule(tw, .., TCP_TIMEWAIT_LEN, ..)`, so the RST restarts the 60 s;
// linux-6.18 ignores it and leaves the timer alone (TIME-WAIT entered at 1020 ms).
#[test]
fn time_wait_rst_with_rfc1337_restarts_the_timer_on_3_10_only() {
    cov_mark::check!(time_wait_rst_rfc1337_restarts_3_10);
    for (profile, end) in [(Profile::Linux3_10, 62_000), (Profile::Linux6_18, 61_020)] {
        let mut h = host_of(profile, false);
        h.host.cfg.sysctl.tcp_rfc1337 = 1;
        server_closes_first(&mut h, 5000);
        send!(h, time 2000, peer_rst(REMOTE_SEQ + 2));
        assert!(h.sent().is_empty());
        assert!(h.discarded(Discard::TimeWaitRstIgnored));
        assert_eq!(h.state_at(end - 1), Some(State::TimeWait), "{profile}");
        assert_eq!(h.state_at(end), None, "{profile}");
    }
}

// linux-3.10's death row (`inet_twsk_schedule`, `inet_twdr_hangman`): an entry for
// `TCP_TIMEWAIT_LEN` goes 7 cells ahead of the hangman, which kills one cell every 7.5 s from
// when it started (the first entry on an empty row). The first entry lives 60 s; one that comes
// 10 s later dies with the cell killed at 15 + 52.5 s, so lives 57.5 s; a FIN-WAIT-2 of 30 s
// goes 4 cells ahead. linux-6.18 gives every entry its own timer.
#[test]
fn time_wait_lasts_52_5_to_60_s_on_3_10s_death_row() {
    cov_mark::check!(death_row_slow_timer);
    let mut h = host_of(Profile::Linux3_10, false);
    let (first, _) = server_closes_first(&mut h, 5000);
    assert_eq!(first, Duration::from_secs(60));
    h.advance(11_020);
    let row = |h: &mut TestHost, s| h.host.death_row_timeout(Duration::from_secs(s), 1);
    assert_eq!(row(&mut h, 60), Duration::from_millis(57_500));
    assert_eq!(row(&mut h, 30), Duration::from_millis(5_000 + 4 * 7_500));
    h.advance(16_020);
    assert_eq!(row(&mut h, 60), Duration::from_millis(60_000));
    h.advance(16_021);
    assert_eq!(row(&mut h, 60), Duration::from_millis(59_999));
    let mut h = host_of(Profile::Linux6_18, false);
    server_closes_first(&mut h, 5000);
    h.advance(11_020);
    assert_eq!(row(&mut h, 60), Duration::from_secs(60));
}

// `tcp_send_challenge_ack`: linux-3.10 counts challenge ACKs in two static variables, at most
// `sysctl_tcp_challenge_ack_limit` (100) per second of jiffies for the whole host, whatever the
// socket; linux-6.18 limits each socket to one per `tcp_invalid_ratelimit` (500 ms). SYNs on two
// established connections, 60 each at 2.0 s and again at 2.5 s and 3.0 s.
#[test]
fn challenge_acks_are_100_per_second_per_host_on_3_10() {
    for (profile, per_round) in [
        (Profile::Linux3_10, [100, 0, 100]),
        (Profile::Linux6_18, [2, 2, 2]),
    ] {
        let mut h = host_of(profile, false);
        let host_ts = established_with_ts(&mut h);
        send!(h, time 200, Segment {
            src: other_port(),
            ..syn_with_ts(REMOTE_SEQ, 1000)
        });
        let synack = h.sent_one();
        send!(h, time 300, Segment {
            src: other_port(),
            ..with_ts(peer_ack(REMOTE_SEQ + 1, synack.seq + 1), 1300, host_ts)
        });
        h.sent();
        let mut got = Vec::new();
        for (round, ms) in [2000, 2500, 3000].into_iter().enumerate() {
            h.advance(ms);
            let before = h.counter(Counter::ChallengeAck);
            for i in 0..60 {
                for src in [REMOTE_END, other_port()] {
                    let tsval = 2000 + 1000 * round as u32 + i;
                    send!(
                        h,
                        Segment {
                            src,
                            ..syn_with_ts(REMOTE_SEQ + 1, tsval)
                        }
                    );
                }
            }
            let acks = h.sent().len() as u64;
            assert_eq!(acks, h.counter(Counter::ChallengeAck) - before);
            got.push(acks);
        }
        assert_eq!(got, per_round, "{profile}");
    }
}

// `tcp_syncookies=2` (cookies for every SYN) arrived in 3.12; 3.10 reads any non-zero value as
// "cookies when the SYN queue is full" (`tcp_syn_flood_action`), so a SYN to an empty queue
// becomes a request.
#[test]
fn syncookies_2_means_1_on_3_10() {
    cov_mark::check!(syncookies_2_is_1_on_3_10);
    for (profile, requests) in [(Profile::Linux3_10, 1), (Profile::Linux6_18, 0)] {
        let mut h = host_of(profile, false);
        h.host.cfg.sysctl.tcp_syncookies = 2;
        let mut h = listening(h);
        send!(h, syn());
        assert_eq!(h.sent().len(), 1);
        assert_eq!(
            h.host.count_state(State::SynReceived),
            requests,
            "{profile}"
        );
    }
}

// `tcp_peer_is_proven(req, dst, false)` for the last quarter of `tcp_max_syn_backlog` (cookies
// off): linux-6.18 wants an RTT in the peer's metrics; linux-3.10 also a timestamp stamp
// (`tcpm_ts_stamp`), which only `tcp_tw_recycle`'s `tcp_remember_stamp` writes. A SYN without
// a timestamp (so the recycle check does not run) from a peer whose connection closed, once four
// strangers fill the queue to `tcp_max_syn_backlog` (4) - 4 < 1.
#[test]
fn a_proven_peer_on_3_10_needs_a_remembered_stamp() {
    for (profile, recycle, admitted) in [
        (Profile::Linux3_10, true, true),
        (Profile::Linux3_10, false, false),
        (Profile::Linux6_18, false, true),
    ] {
        let mut h = host_of(profile, recycle);
        h.host.cfg.sysctl.tcp_syncookies = 0;
        h.host.cfg.sysctl.tcp_max_syn_backlog = 4;
        server_closes_first(&mut h, 5000);
        h.advance(3000);
        for n in 0..4 {
            let stranger = Endpoint::new(Ipv4::new(10, 0, 0, 50 + n), 40_000);
            send!(
                h,
                Segment {
                    src: stranger,
                    ..syn()
                }
            );
            assert_eq!(h.sent().len(), 1, "stranger {n} admitted");
        }
        send!(
            h,
            Segment {
                src: other_port(),
                ..syn()
            }
        );
        let answered = !h.sent().is_empty();
        assert_eq!(answered, admitted, "{profile}, recycle {recycle}");
        assert_eq!(h.discarded(Discard::MaxSynBacklog), !admitted);
    }
}
