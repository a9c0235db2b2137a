//! The kernel's SNMP counters that the simulated rules touch, by the names `nstat -a` prints.
//!
//! Each counter names where Linux increments it; `Counters` is a fixed array indexed by the enum,
//! so that a snapshot of all of them is a copy.

use core::fmt;
use serde::Serialize;

macro_rules! counters {
    ($( $(#[doc = $doc:literal])* $name:ident = $nstat:literal, )*) => {
        /// A counter of `/proc/net/snmp` or `/proc/net/netstat`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub enum Counter {
            $( $(#[doc = $doc])* $name, )*
        }

        impl Counter {
            /// Every counter, in the order `nstat` groups them.
            pub const ALL: &'static [Counter] = &[$(Counter::$name,)*];

            /// The name as `nstat -a` prints it.
            pub const fn nstat_name(self) -> &'static str {
                match self {
                    $( Counter::$name => $nstat, )*
                }
            }

            /// The counter whose `nstat` name is `name`.
            pub fn from_nstat_name(name: &str) -> Option<Counter> {
                Counter::ALL.iter().copied().find(|c| c.nstat_name() == name)
            }
        }
    };
}

counters! {
    /// Active opens: `tcp_connect` (`TCP_MIB_ACTIVEOPENS`).
    ActiveOpens = "TcpActiveOpens",
    /// Passive opens: `tcp_create_openreq_child` (`TCP_MIB_PASSIVEOPENS`).
    PassiveOpens = "TcpPassiveOpens",
    /// Failed connection attempts: `tcp_done` from SYN-SENT/SYN-RECV (`TCP_MIB_ATTEMPTFAILS`).
    AttemptFails = "TcpAttemptFails",
    /// Resets received in ESTABLISHED or CLOSE-WAIT: `tcp_set_state` (`TCP_MIB_ESTABRESETS`).
    EstabResets = "TcpEstabResets",
    /// Segments received: `tcp_v4_rcv` (`TCP_MIB_INSEGS`).
    InSegs = "TcpInSegs",
    /// Segments sent, retransmissions excluded: `__tcp_transmit_skb` (`TCP_MIB_OUTSEGS`).
    OutSegs = "TcpOutSegs",
    /// Segments retransmitted: `__tcp_retransmit_skb` (`TCP_MIB_RETRANSSEGS`).
    RetransSegs = "TcpRetransSegs",
    /// Resets sent: `tcp_v4_send_reset`, `tcp_send_active_reset` (`TCP_MIB_OUTRSTS`).
    OutRsts = "TcpOutRsts",
    /// Requests reset in the SYN queue: `tcp_check_req`, embryonic_reset (`LINUX_MIB_EMBRYONICRSTS`).
    EmbryonicRsts = "TcpExtEmbryonicRsts",
    /// Sockets that finished TIME-WAIT: `tw_timer_handler` (`LINUX_MIB_TIMEWAITED`).
    Tw = "TcpExtTW",
    /// Sockets that left TIME-WAIT because a new SYN reused the 4-tuple (`LINUX_MIB_TIMEWAITRECYCLED`).
    TwRecycled = "TcpExtTWRecycled",
    /// Sockets closed at once because `tcp_max_tw_buckets` mini sockets already existed:
    /// `tcp_time_wait` (`LINUX_MIB_TCPTIMEWAITOVERFLOW`).
    TimeWaitOverflow = "TcpExtTCPTimeWaitOverflow",
    /// Segments dropped by PAWS in TIME-WAIT: `tcp_timewait_state_process` (`LINUX_MIB_PAWS_TW_REJECTED`).
    PawsTimewait = "TcpExtPAWSTimewait",
    /// Segments dropped by PAWS on an established socket: `tcp_validate_incoming` (`LINUX_MIB_PAWSESTABREJECTED`).
    PawsEstab = "TcpExtPAWSEstab",
    /// linux-3.10: SYNs dropped by `tcp_tw_recycle`'s per-peer PAWS: `tcp_v4_conn_request` (`LINUX_MIB_PAWSPASSIVEREJECTED`).
    PawsPassive = "TcpExtPAWSPassive",
    /// Delayed ACKs sent by the delayed-ACK timer: `tcp_delack_timer_handler` (`LINUX_MIB_DELAYEDACKS`).
    DelayedAcks = "TcpExtDelayedACKs",
    /// Data received again, as if our ACK of it was lost: `tcp_data_queue`, `tcp_send_dupack` (`LINUX_MIB_DELAYEDACKLOST`).
    DelayedAckLost = "TcpExtDelayedACKLost",
    /// D-SACK blocks sent for data below rcv_nxt: `tcp_dsack_set` (`LINUX_MIB_TCPDSACKOLDSENT`).
    DsackOldSent = "TcpExtTCPDSACKOldSent",
    /// Challenge ACKs sent: `tcp_send_challenge_ack` (`LINUX_MIB_TCPCHALLENGEACK`).
    ChallengeAck = "TcpExtTCPChallengeACK",
    /// SYNs received on an established connection: `tcp_validate_incoming` (`LINUX_MIB_TCPSYNCHALLENGE`).
    SynChallenge = "TcpExtTCPSYNChallenge",
    /// Connections reset because data arrived after close: `tcp_rcv_state_process`; or closed with
    /// `SO_LINGER {on, 0}`: `__tcp_close` (`LINUX_MIB_TCPABORTONDATA`).
    AbortOnData = "TcpExtTCPAbortOnData",
    /// Connections reset by `close()` with unread data: `tcp_close` (`LINUX_MIB_TCPABORTONCLOSE`).
    AbortOnClose = "TcpExtTCPAbortOnClose",
    /// Connections dropped because their retransmissions timed out: `tcp_write_err` (`LINUX_MIB_TCPABORTONTIMEOUT`).
    AbortOnTimeout = "TcpExtTCPAbortOnTimeout",
    /// Retransmission timeouts: `tcp_retransmit_timer`, and a request's SYN-ACK timeouts:
    /// `tcp_syn_ack_timeout` (`LINUX_MIB_TCPTIMEOUTS`).
    TcpTimeouts = "TcpExtTCPTimeouts",
    /// Answers of a request (SYN-ACK again, out-of-window ACK) skipped by `tcp_invalid_ratelimit`: `tcp_check_req` (`LINUX_MIB_TCPACKSKIPPEDSYNRECV`).
    AckSkippedSynRecv = "TcpExtTCPACKSkippedSynRecv",
    /// Duplicate ACKs for out-of-window segments skipped by `tcp_invalid_ratelimit`: `tcp_oow_rate_limited` (`LINUX_MIB_TCPACKSKIPPEDSEQ`).
    AckSkippedSeq = "TcpExtTCPACKSkippedSeq",
    /// Duplicate ACKs for segments failing PAWS skipped by `tcp_invalid_ratelimit`: `tcp_validate_incoming` (`LINUX_MIB_TCPACKSKIPPEDPAWS`).
    AckSkippedPaws = "TcpExtTCPACKSkippedPAWS",
    /// Challenge ACKs skipped by `tcp_invalid_ratelimit`: `tcp_send_challenge_ack` (`LINUX_MIB_TCPACKSKIPPEDCHALLENGE`).
    AckSkippedChallenge = "TcpExtTCPACKSkippedChallenge",
    /// Out-of-window ACKs from TIME-WAIT skipped by the rate limit: `tcp_timewait_check_oow_rate_limit` (`LINUX_MIB_TCPACKSKIPPEDTIMEWAIT`).
    AckSkippedTimeWait = "TcpExtTCPACKSkippedTimeWait",
    /// Listener overflows: `tcp_v4_syn_recv_sock` when the accept queue is full (`LINUX_MIB_LISTENOVERFLOWS`).
    ListenOverflows = "TcpExtListenOverflows",
    /// SYNs and ACKs a listener dropped: `tcp_listendrop` (`LINUX_MIB_LISTENDROPS`).
    ListenDrops = "TcpExtListenDrops",
    /// SYNs dropped because the SYN queue was full: `tcp_conn_request` (`LINUX_MIB_TCPREQQFULLDROP`).
    ReqQFullDrop = "TcpExtTCPReqQFullDrop",
    /// SYNs answered with a SYN cookie because the SYN queue was full or `tcp_syncookies=2`:
    /// `tcp_syn_flood_action` (`LINUX_MIB_TCPREQQFULLDOCOOKIES`).
    ReqQFullDoCookies = "TcpExtTCPReqQFullDoCookies",
    /// SYN cookies sent: `cookie_init_sequence` (`LINUX_MIB_SYNCOOKIESSENT`).
    SyncookiesSent = "TcpExtSyncookiesSent",
    /// ACKs that carried a valid SYN cookie: `cookie_v4_check` (`LINUX_MIB_SYNCOOKIESRECV`).
    SyncookiesRecv = "TcpExtSyncookiesRecv",
    /// ACKs to a listener under a recent SYN flood whose cookie was not valid: `cookie_v4_check`
    /// (`LINUX_MIB_SYNCOOKIESFAILED`).
    SyncookiesFailed = "TcpExtSyncookiesFailed",
}

/// One value per counter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counters {
    values: [u64; Counter::ALL.len()],
}

// Arrays longer than 32 have neither `Default` nor `Serialize` derived: both by hand, the latter
// as the same sequence of values a derived one would write.
impl Default for Counters {
    fn default() -> Counters {
        Counters {
            values: [0; Counter::ALL.len()],
        }
    }
}

impl Serialize for Counters {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.values.iter())
    }
}

impl Counters {
    /// The counter's value.
    pub fn get(&self, c: Counter) -> u64 {
        self.values.get(c as usize).copied().unwrap_or(0)
    }

    /// Adds one; returns the new value.
    pub fn inc(&mut self, c: Counter) -> u64 {
        match self.values.get_mut(c as usize) {
            Some(v) => {
                *v = v.saturating_add(1);
                *v
            }
            None => 0,
        }
    }

    /// Every counter that is not zero, in `Counter::ALL` order, as `nstat` lists them.
    pub fn nonzero(&self) -> impl Iterator<Item = (Counter, u64)> + '_ {
        Counter::ALL
            .iter()
            .map(|&c| (c, self.get(c)))
            .filter(|&(_, v)| v != 0)
    }
}

impl fmt::Display for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.nstat_name())
    }
}
