//! A Linux TCP stack for one simulated host: sockets, listeners with their SYN and accept queues,
//! the TIME-WAIT table, the socket calls, and the segment rules.
//!
//! This layer takes inputs (`handle_segment`, `handle_timeout`, `call`), yields outputs
//! (`poll_output`) and says when it next needs to run (`poll_timeout`). It never reads a clock or a
//! random source: time is passed in and secrets come from the run's seed.
//!
//! Read first: RFC 9293 §3.10 (event processing), RFC 7323 (timestamps, window scale), RFC 5961
//! (challenge ACKs), RFC 6298 (RTO), and in Linux 6.18 `net/ipv4/tcp_input.c`
//! (`tcp_rcv_state_process`, `tcp_validate_incoming`, `tcp_ack`, `tcp_data_queue`, `tcp_fin`),
//! `tcp_minisocks.c` (`tcp_check_req`, `tcp_time_wait`, `tcp_timewait_state_process`),
//! `tcp_ipv4.c` (`tcp_v4_rcv`, `tcp_v4_send_reset`), `tcp_output.c` (`tcp_options_write`,
//! `__tcp_select_window`, `tcp_send_delayed_ack`) and `tcp.c` (`__tcp_close`, `tcp_shutdown`).
//!
//! Known simplifications, each visible in the trace: out-of-order data is not queued (it gets a
//! duplicate ACK, as Linux sends, and waits for retransmission); no SACK blocks are sent; the
//! receive buffer counts payload bytes, not `truesize`; the send buffer is unbounded; congestion
//! control is slow start from 10 segments without fast retransmit.

mod api;
mod input;
mod output;
mod ports;
mod syncookies;
mod timers;
mod timewait;
mod v3_10;
mod view;

#[cfg(test)]
mod tests;

use crate::config::{Profile, Sysctls};
use crate::counters::{Counter, Counters};
use crate::seq::SeqNum;
use crate::slab::{Key, Slab};
use crate::socket::{Call, CallResult, Errno, Fd};
use crate::time::{Clock, Instant};
use crate::trace::{ConnName, EventKind, HostId, SegId, SendCause};
use crate::wire::{Endpoint, Ipv4, Segment};
use alloc::collections::{BinaryHeap, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Reverse;
use core::fmt;

/// A hash table with a fixed hasher (rustc-hash's Fx: no random state, so runs repeat).
pub(crate) type HashMap<K, V> = hashbrown::HashMap<K, V, rustc_hash::FxBuildHasher>;

/// Gives a hash table's memory back as it empties (a table never shrinks by itself): once it is
/// an eighth full, it is rebuilt for twice what it holds, so that its memory follows what it
/// holds at O(1) per removal over time; emptied, it keeps nothing (hashbrown frees a table
/// shrunk to 0), so that 100,000 TIME-WAIT entries expiring leave no bucket behind.
pub(crate) fn shrink<K: core::hash::Hash + Eq, V>(map: &mut HashMap<K, V>) {
    if (map.capacity() > 64 && map.len() * 8 < map.capacity())
        || (map.is_empty() && map.capacity() > 0)
    {
        map.shrink_to(map.len() * 2);
    }
}

use serde::Serialize;

pub use api::TcpInfo;
pub use view::{ConnView, QueueView, RttView, SeqView};

/// `TCP_TIMEWAIT_LEN`: how long TIME-WAIT lasts (include/net/tcp.h), in seconds.
pub const TCP_TIMEWAIT_LEN_SECS: u64 = 60;
/// `TCP_TIMEOUT_INIT`: the initial RTO, 1 s (RFC 6298 §2.1).
pub const TCP_TIMEOUT_INIT_MS: u64 = 1000;
/// `TCP_RTO_MIN`: 200 ms (`tcp_rto_min_us`).
pub const TCP_RTO_MIN_US: u64 = 200_000;
/// `TCP_RTO_MAX`: 120 s.
pub const TCP_RTO_MAX_MS: u64 = 120_000;
/// `TCP_TIMEOUT_MIN`: the shortest TCP timer, 2 jiffies (include/net/tcp.h).
pub const TCP_TIMEOUT_MIN_JIFFIES: u64 = 2;
/// `TCP_ATO_MIN` (= `TCP_DELACK_MIN`): HZ/25, 40 ms.
pub const TCP_ATO_MIN_MS: u64 = 40;
/// `TCP_DELACK_MAX`: HZ/5, 200 ms.
pub const TCP_DELACK_MAX_MS: u64 = 200;
/// `TCP_MAX_QUICKACKS`.
pub const TCP_MAX_QUICKACKS: u32 = 16;
/// `TCP_MSS_DEFAULT`: the MSS assumed when the peer sends none (RFC 9293 §3.7.1).
pub const TCP_MSS_DEFAULT: u16 = 536;
/// The MSS this host advertises: an Ethernet MTU of 1500 less 40 bytes of headers.
pub const ADVMSS: u16 = 1460;
/// `tcp_rmem[1]`: the receive buffer (131072), of which `tcp_win_from_space` offers half.
pub const TCP_RMEM_DEFAULT: u32 = 131_072;
/// `tcp_rmem[2]` on the reference machine (32 MiB), which makes the window scale 10.
pub const TCP_RMEM_MAX: u32 = 32 << 20;
/// `TCP_INIT_CWND`.
pub const TCP_INIT_CWND: u32 = 10;
/// `INITIAL_JIFFIES` of linux-3.10 at HZ 1000: `(unsigned int)(-300 * HZ)`.
pub const INITIAL_JIFFIES_3_10: u32 = 0u32.wrapping_sub(300 * 1000);
/// Bytes of the aligned timestamp option (`TCPOLEN_TSTAMP_ALIGNED`).
pub const TCPOLEN_TSTAMP_ALIGNED: u16 = 12;

/// A TCP state, displayed with RFC 9293's names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum State {
    /// No connection (`TCP_CLOSE`).
    Closed,
    /// Waiting for SYNs.
    Listen,
    /// Our SYN sent.
    SynSent,
    /// SYN received and answered (a request in a SYN queue, or a simultaneous open).
    SynReceived,
    /// The connection is open.
    Established,
    /// We closed; our FIN is not yet acknowledged.
    FinWait1,
    /// Our FIN is acknowledged; waiting for the peer's.
    FinWait2,
    /// The peer closed; we have not.
    CloseWait,
    /// Both sent FIN; ours not yet acknowledged.
    Closing,
    /// The peer closed first and we then closed; waiting for the ACK of our FIN.
    LastAck,
    /// Waiting out old duplicates (2 MSL; 60 s on Linux).
    TimeWait,
}

impl State {
    /// What a connection's change from `from` to `to` does to a count of the connections in
    /// this state: +1, -1 or 0 (the chart's counts, the outcomes' peaks).
    pub fn delta(self, from: State, to: State) -> i64 {
        i64::from(to == self) - i64::from(from == self)
    }

    /// RFC 9293's name: `SYN-SENT`, `TIME-WAIT`.
    pub const fn rfc_name(self) -> &'static str {
        match self {
            State::Closed => "CLOSED",
            State::Listen => "LISTEN",
            State::SynSent => "SYN-SENT",
            State::SynReceived => "SYN-RECEIVED",
            State::Established => "ESTABLISHED",
            State::FinWait1 => "FIN-WAIT-1",
            State::FinWait2 => "FIN-WAIT-2",
            State::CloseWait => "CLOSE-WAIT",
            State::Closing => "CLOSING",
            State::LastAck => "LAST-ACK",
            State::TimeWait => "TIME-WAIT",
        }
    }

    /// The name `ss -tan` prints, and accepts in `ss state NAME` (lower-case there).
    pub const fn ss_name(self) -> &'static str {
        match self {
            State::Closed => "UNCONN",
            State::Listen => "LISTEN",
            State::SynSent => "SYN-SENT",
            State::SynReceived => "SYN-RECV",
            State::Established => "ESTAB",
            State::FinWait1 => "FIN-WAIT-1",
            State::FinWait2 => "FIN-WAIT-2",
            State::CloseWait => "CLOSE-WAIT",
            State::Closing => "CLOSING",
            State::LastAck => "LAST-ACK",
            State::TimeWait => "TIME-WAIT",
        }
    }

    /// `tcpi_state` (`TCP_ESTABLISHED` = 1 ... `TCP_CLOSING` = 11, include/net/tcp_states.h).
    pub const fn linux_number(self) -> u8 {
        match self {
            State::Established => 1,
            State::SynSent => 2,
            State::SynReceived => 3,
            State::FinWait1 => 4,
            State::FinWait2 => 5,
            State::TimeWait => 6,
            State::Closed => 7,
            State::CloseWait => 8,
            State::LastAck => 9,
            State::Listen => 10,
            State::Closing => 11,
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.rfc_name())
    }
}

/// What a host yields to the simulator, in order.
#[derive(Clone, Debug)]
pub enum Output {
    /// A trace event.
    Event(EventKind),
    /// A segment to put on the wire, and why it was sent. Behind a pointer: the queue of
    /// outputs, mostly events, stays 48 bytes a slot, not 104; and shared, because the trace's
    /// `Sent` event keeps this allocation, and so do the run's list of segments and the wire
    /// unless a NAT rewrites the segment (see `Sim::send`).
    Segment(alloc::rc::Rc<Segment>, SendCause),
}

/// Where a 4-tuple's state lives (`ehash` holds full sockets, requests and TIME-WAIT alike, as
/// Linux's established hash does since 4.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Conn {
    Full(Key),
    Request(Key),
    TimeWait(Key),
}

/// A listener's queues (`inet_connection_sock.icsk_accept_queue`).
#[derive(Clone, Debug, Default)]
struct Listener {
    /// `sk_max_ack_backlog`: `min(backlog, somaxconn)`.
    backlog: u32,
    /// Established children waiting for `accept()`, oldest first.
    accept_queue: VecDeque<Key>,
    /// Requests in the SYN queue (`inet_csk_reqsk_queue_len`).
    syn_queue: u32,
    /// Requests whose timer has not expired yet (`reqsk_queue_len_young`).
    young: u32,
    /// linux-3.10's SYN table size, fixed by the first `listen()` (`reqsk_queue_alloc`:
    /// `roundup_pow_of_two(max(8, min(backlog, tcp_max_syn_backlog)) + 1)`, whose log2 is
    /// `max_qlen_log`); 0 on linux-6.18, whose SYN queue is measured against the backlog.
    syn_table: u32,
    /// When the SYN queue last overflowed into cookies, in jiffies (the listener's
    /// `rx_opt.ts_recent_stamp`, `tcp_synq_overflow`): cookie ACKs are only checked for two
    /// minutes after it.
    last_overflow: Option<u64>,
}

/// The delayed-ACK engine (`inet_connection_sock.icsk_ack`).
#[derive(Clone, Debug, Default)]
struct AckState {
    /// `ICSK_ACK_SCHED`: an ACK is owed.
    scheduled: bool,
    /// `ICSK_ACK_PUSHED`: a pushed segment arrived.
    pushed: bool,
    /// `ato` in jiffies; 0 until the first data arrives.
    ato: u64,
    /// Quick ACKs left.
    quick: u32,
    /// Pingpong (interactive) mode counter.
    pingpong: u32,
    /// When data last arrived (`lrcvtime`), in jiffies.
    lrcvtime: u64,
    /// Estimated peer segment size (`rcv_mss`).
    rcv_mss: u32,
}

/// The control block of a connection (the parts of `tcp_sock` the rules read).
#[derive(Clone, Debug, Default)]
struct Tcb {
    iss: SeqNum,
    irs: SeqNum,
    snd_una: SeqNum,
    snd_nxt: SeqNum,
    /// The peer's window, scaled to bytes.
    snd_wnd: u32,
    snd_wl1: SeqNum,
    max_window: u32,
    rcv_nxt: SeqNum,
    rcv_wup: SeqNum,
    /// The window last advertised, in bytes.
    rcv_wnd: u32,
    rcv_ssthresh: u32,
    window_clamp: u32,
    /// The application has read up to here (`copied_seq`).
    copied_seq: SeqNum,
    snd_wscale: u8,
    rcv_wscale: u8,
    sack_ok: bool,
    tstamp_ok: bool,
    ts_recent: u32,
    ts_recent_stamp: Opt64,
    tsoffset: u32,
    /// Largest segment we send (`mss_cache`).
    mss_cache: u32,
    /// The MSS we advertise, less options (`advmss`).
    advmss: u32,
    /// The peer's MSS option (`rx_opt.mss_clamp`).
    mss_clamp: u32,
    /// Unacknowledged and unsent data, starting at `tx_start`.
    tx: ByteQueue,
    tx_start: SeqNum,
    /// The application closed or shut down writing: a FIN follows the data.
    fin_queued: bool,
    /// End of the last small segment sent (Minshall's Nagle, `snd_sml`).
    snd_sml: SeqNum,
    /// Received, in order, unread.
    rx: ByteQueue,
    /// A FIN was received (`SOCK_DONE`).
    fin_received: bool,
    rcv_shutdown: bool,
    snd_shutdown: bool,
    ack: AckState,
    /// RTO in jiffies.
    rto: u64,
    srtt_us: u64,
    mdev_us: u64,
    mdev_max_us: u64,
    rttvar_us: u64,
    rtt_seq: SeqNum,
    /// A timing sample: the sequence that must be acknowledged, and when it was sent (none when
    /// no sample is being taken). Read and set through `rtt_probe` and `set_rtt_probe`.
    rtt_probe: (SeqNum, Opt64),
    backoff: u32,
    retransmits: u32,
    total_rto: u32,
    /// When the first unacknowledged segment was first retransmitted (`retrans_stamp`).
    retrans_stamp: Opt64,
    cwnd: u32,
    /// Last out-of-window ACK sent, in jiffies (`last_oow_ack_time`).
    last_oow_ack: Opt64,
    /// Bytes the peer acknowledged so far, the SYN included (`bytes_acked`, RFC 4898): how far
    /// below snd_una an old ACK may still be believable (`tcp_ack`).
    bytes_acked: u64,
    /// A D-SACK block owed to the peer, sent once with the next segment (`rx_opt.dsack`,
    /// `duplicate_sack[0]`; RFC 2883).
    dsack: Option<(SeqNum, SeqNum)>,
}

impl Tcb {
    /// The timing sample being taken: (sequence that must be acknowledged, when it was sent).
    pub(super) fn rtt_probe(&self) -> Option<(SeqNum, Instant)> {
        let (end, at) = self.rtt_probe;
        at.at().map(|at| (end, at))
    }

    pub(super) fn set_rtt_probe(&mut self, probe: Option<(SeqNum, Instant)>) {
        self.rtt_probe = probe.map_or((SeqNum(0), Opt64::NONE), |(end, at)| (end, at.into()));
    }
}

/// A full socket.
#[derive(Clone, Debug)]
struct Sock {
    state: State,
    local: Option<Endpoint>,
    remote: Option<Endpoint>,
    /// Bound by `bind()`, not by `connect()` (`fastreuse >= 0` in the bind bucket).
    bound_explicitly: bool,
    /// Its index in its port's list of owners while it holds a port.
    port_slot: u32,
    reuseaddr: bool,
    nonblocking: bool,
    /// `SO_LINGER`: `Some(seconds)` when on (`SOCK_LINGER`, `sk_lingertime`).
    linger: Option<u32>,
    /// The application still holds a descriptor (else the socket is an orphan, `SOCK_DEAD`, unless
    /// a `close()` still waits in it).
    fd: Option<Fd>,
    /// A `close()` with `SO_LINGER` waits until the FIN is acknowledged or this instant
    /// (`sk_stream_wait_close`); the socket is not an orphan until it returns.
    lingering_until: Opt64,
    /// `sk_err`.
    err: Option<Errno>,
    /// Boxed: only a listener has one, and every other socket stays smaller.
    listener: Option<alloc::boxed::Box<Listener>>,
    /// The listener whose accept queue holds this child.
    parent: Option<Key>,
    tcb: Tcb,
    timers: Deadlines,
}

/// A socket's bytes in one direction, boxed from the first one on: most connections of a large
/// run carry none, and an empty queue takes 8 bytes of the socket, not a `VecDeque`'s 32 (a
/// socket's size is most of what 100,000 connections cost; the box stays once made).
#[derive(Clone, Debug, Default)]
struct ByteQueue(Option<alloc::boxed::Box<Queued>>);

/// The bytes of a [`ByteQueue`]: `bytes[head..]`. Taking bytes off the front moves `head`; the
/// rest moves down to the start once `head` has passed half of the vector, so that each byte is
/// moved at most about once however small the pieces taken (a write of a megabyte acknowledged a
/// segment at a time). A vector and an offset are less code in the page's wasm than a ring.
#[derive(Clone, Debug, Default)]
struct Queued {
    bytes: alloc::vec::Vec<u8>,
    head: usize,
}

impl ByteQueue {
    fn bytes(&self) -> &[u8] {
        self.0
            .as_deref()
            .and_then(|q| q.bytes.get(q.head..))
            .unwrap_or_default()
    }

    fn len(&self) -> usize {
        self.bytes().len()
    }

    fn is_empty(&self) -> bool {
        self.bytes().is_empty()
    }

    /// A copy of up to `len` bytes from offset `start` (fewer at the end, none past it).
    fn copy_range(&self, start: usize, len: usize) -> alloc::vec::Vec<u8> {
        let b = self.bytes();
        let from = start.min(b.len());
        let to = from.saturating_add(len).min(b.len());
        b.get(from..to).unwrap_or_default().to_vec()
    }

    fn extend(&mut self, bytes: &[u8]) {
        if !bytes.is_empty() {
            self.0
                .get_or_insert_default()
                .bytes
                .extend_from_slice(bytes);
        }
    }

    /// Takes the first `n` bytes (all of them if fewer), in a vector of their own size.
    fn take_front(&mut self, n: usize) -> alloc::vec::Vec<u8> {
        let taken = self.copy_range(0, n);
        self.drop_front(taken.len());
        taken
    }

    /// Drops the first `n` bytes (all of them if fewer).
    fn drop_front(&mut self, n: usize) {
        if let Some(q) = self.0.as_deref_mut() {
            q.head = q.head.saturating_add(n).min(q.bytes.len());
            if q.head.saturating_mul(2) >= q.bytes.len() {
                q.bytes.drain(..q.head);
                q.head = 0;
            }
        }
    }

    fn clear(&mut self) {
        if let Some(q) = self.0.as_deref_mut() {
            q.bytes.clear();
            q.head = 0;
        }
    }
}

/// An `Option<u64>` (an instant in µs, or a count of jiffies) in one word, `u64::MAX` for none:
/// 8 bytes of a socket, not 16. No run reaches that value (585,000 years in µs; the latest
/// deadline a setting allows is about 136 years, a `u32` `tcp_fin_timeout` at 100 Hz); a value
/// there would be stored as one less.
#[derive(Clone, Copy, Debug)]
struct Opt64(u64);

impl Opt64 {
    const NONE: Opt64 = Opt64(u64::MAX);

    fn new(v: Option<u64>) -> Opt64 {
        Opt64(v.map_or(u64::MAX, |v| v.min(u64::MAX - 1)))
    }

    fn get(self) -> Option<u64> {
        (self.0 != u64::MAX).then_some(self.0)
    }

    fn of(at: Option<Instant>) -> Opt64 {
        Opt64::new(at.map(|at| at.0))
    }

    fn at(self) -> Option<Instant> {
        self.get().map(Instant)
    }
}

impl Default for Opt64 {
    fn default() -> Opt64 {
        Opt64::NONE
    }
}

impl From<Instant> for Opt64 {
    fn from(at: Instant) -> Opt64 {
        Opt64::of(Some(at))
    }
}

/// A full socket's deadlines for its three timers (by `timers::slot`: retransmit, delayed ACK,
/// FIN-WAIT-2): 24 bytes of the socket, not the 48 of three `Option<Instant>`s. (A deadline past
/// `Opt64`'s last would never match the heap's entry for it: the timer would not fire.)
#[derive(Clone, Copy, Debug)]
struct Deadlines([Opt64; 3]);

impl Deadlines {
    const NONE: Deadlines = Deadlines([Opt64::NONE; 3]);

    fn get(&self, slot: usize) -> Option<Instant> {
        self.0.get(slot).and_then(|t| t.at())
    }

    fn set(&mut self, slot: usize, at: Option<Instant>) {
        if let Some(t) = self.0.get_mut(slot) {
            *t = Opt64::of(at);
        }
    }
}

/// A request socket: a SYN answered, waiting for the handshake's ACK (`tcp_request_sock`).
#[derive(Clone, Debug)]
struct Request {
    listener: Key,
    local: Endpoint,
    remote: Endpoint,
    irs: SeqNum,
    iss: SeqNum,
    peer_mss: u32,
    snd_wscale: u8,
    rcv_wscale: u8,
    wscale_ok: bool,
    sack_ok: bool,
    tstamp_ok: bool,
    ts_recent: u32,
    tsoffset: u32,
    rcv_wnd: u32,
    peer_window: u16,
    num_timeout: u32,
    num_retrans: u32,
    /// The handshake's ACK came while the accept queue was full (`inet_rsk(req)->acked`).
    acked: bool,
    synack_sent_at: Instant,
    timer: Opt64,
    /// Last SYN-ACK or ACK sent in answer to a segment, in jiffies (`last_oow_ack_time`).
    last_oow_ack: Opt64,
}

/// A TIME-WAIT (or orphaned FIN-WAIT-2) mini socket (`tcp_timewait_sock`): what is left of a
/// connection once the full socket is gone. A server that closes first holds tens of thousands of
/// these, so the record is kept compact (at most 64 bytes, asserted below): times are stored as
/// `u32` milliseconds or jiffies, as Linux stores them. `Copy`, so that a snapshot of a host copies
/// its tens of thousands of entries in one piece.
#[derive(Clone, Copy, Debug)]
struct TimeWait {
    local: Endpoint,
    remote: Endpoint,
    snd_nxt: SeqNum,
    rcv_nxt: SeqNum,
    rcv_wnd: u32,
    ts_recent: u32,
    tsoffset: u32,
    /// When `ts_recent` was last updated, in ms since the start (`tw_ts_recent_stamp`);
    /// `NO_STAMP` when the connection saw no timestamps.
    ts_recent_stamp_ms: u32,
    /// When the entry was made, in ms since the start (`tw_entry_stamp`, `tcp_clock_ms()`).
    created_ms: u32,
    /// Last out-of-window ACK sent, in jiffies; 0 when none (`tw_last_oow_ack_time`: 0 means
    /// never in `__tcp_oow_rate_limited` too).
    last_oow_ack: u32,
    deadline: Instant,
    /// `tw_substate`: `FinWait2` or `TimeWait`.
    substate: State,
    rcv_wscale: u8,
    /// Inherited `SO_REUSEADDR` (`tw_reuse`).
    reuseaddr: bool,
    /// linux-3.10's `tw_timeout`: 3.5 RTO when `tcp_tw_recycle` remembered the peer's
    /// timestamp as the connection closed (`tcp_time_wait`), else `TCP_TIMEWAIT_LEN`; what an
    /// orphan's FIN-WAIT-2 waits once the peer's FIN arrives. In ms (the record stays 64 B).
    tw_timeout_ms: u32,
}

/// What the TCP metrics cache (`tcp_metrics_block`) remembers of one peer.
#[derive(Clone, Copy, Debug, Default)]
struct PeerMetrics {
    /// The smoothed RTT in µs (`TCP_METRIC_RTT`); 0 when reset.
    rtt_us: u64,
    /// linux-3.10: the peer's last TSval seen as a connection closed (`tcpm_ts`).
    ts: u32,
    /// linux-3.10: when that TSval was received, in `get_seconds()` (`tcpm_ts_stamp`); 0 none.
    ts_stamp: u32,
}

/// Records the TCP metrics cache holds, one per peer address: Linux's table has 8192 or 16384
/// slots (`tcp_net_metrics_init`), each a chain of at most `TCP_METRICS_RECLAIM_DEPTH` (5).
const TCP_METRICS_MAX: usize = 16 * 1024;

/// `get_seconds()` at boot. It is the wall clock, whose phase at boot no kernel rule depends on;
/// a fixed value keeps runs deterministic and makes an empty record's stamp of 0 read, as on a
/// real machine, as older than `TCP_PAWS_MSL`.
const WALL_SECONDS_AT_BOOT: u32 = 1_400_000_000;

/// linux-3.10's TIME-WAIT death row (`inet_timewait_death_row`, net/ipv4/inet_timewait_sock.c):
/// when its hangman timer (`inet_twdr_hangman`, every `TCP_TIMEWAIT_LEN / INET_TWDR_TWKILL_SLOTS`
/// = 7.5 s) was started, which it is when an entry arrives on an empty row.
#[derive(Clone, Copy, Debug, Default)]
struct DeathRow {
    hangman_started_at: Instant,
}

// The TIME-WAIT record's size is a budget (DESIGN.md: 100,000 connections stay cheap).
const _: () = assert!(core::mem::size_of::<TimeWait>() <= 64);
// An output is a slot of the host's queue, which holds every event before the simulator takes
// it: a segment is behind a pointer so that the slot stays the size of an event.
const _: () = assert!(core::mem::size_of::<Output>() <= 48);
// A full socket's and a request's sizes are budgets too: they are most of what an ESTABLISHED
// connection or a SYN-queue entry costs (their optional instants are one word each, `Opt64`).
// On 64-bit targets; wasm32's are smaller.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(core::mem::size_of::<Sock>() <= 360);
#[cfg(target_pointer_width = "64")]
const _: () = assert!(core::mem::size_of::<Request>() <= 88);

/// Bytes of one TIME-WAIT entry's record here (for `time-wait-server-load`'s memory estimate).
pub const TIME_WAIT_RECORD_BYTES: usize = core::mem::size_of::<TimeWait>();

/// `TimeWait::ts_recent_stamp_ms` when no timestamp was seen.
const NO_STAMP: u32 = u32::MAX;

/// Milliseconds since the start as a `u32` (49 days; saturates beyond).
fn ms32(t: Instant) -> u32 {
    u32::try_from(t.millis()).unwrap_or(NO_STAMP - 1)
}

impl TimeWait {
    /// When `ts_recent` was last updated, if timestamps were seen.
    fn ts_recent_stamp(&self) -> Option<Instant> {
        (self.ts_recent_stamp_ms != NO_STAMP)
            .then(|| Instant(u64::from(self.ts_recent_stamp_ms) * 1000))
    }

    fn set_ts_recent_stamp(&mut self, at: Option<Instant>) {
        self.ts_recent_stamp_ms = at.map_or(NO_STAMP, ms32);
    }
}

/// Who holds a local port (a bind bucket's owners, `inet_bind_bucket`). TIME-WAIT entries are
/// counted per address and inherited SO_REUSEADDR, all that `inet_csk_bind_conflict` reads of
/// them, so that a server port with 100,000 of them adds and drops one in O(1); these counts come
/// first in a port's list, the sockets after them. A socket knows its index in the list
/// (`Sock::port_slot`), so that it leaves in O(1) as it leaves Linux's `tb->owners` list, however
/// many connections share the port. (A list, not a struct of two: the map then shares its code
/// with the listeners' map in the page's wasm.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PortOwner {
    Sock(Key),
    TimeWaits { ip: Ipv4, reuse: bool, count: u32 },
}

/// A blocked call of an application thread.
#[derive(Clone, Debug)]
struct Blocked {
    thread: u16,
    call: Call,
    /// A lingering `close()`: the socket it waits on (its descriptor is already gone).
    closing: Option<Key>,
    /// The socket it waits on (a listener for `accept()`).
    on: Key,
    /// The order the calls blocked in: woken calls return in this order.
    seq: u64,
}

/// Keys for the run's hashes, derived from the seed (Linux draws them at boot).
#[derive(Clone, Copy, Debug)]
pub struct Secrets {
    /// `net_secret` for `secure_tcp_seq`.
    pub isn: (u64, u64),
    /// `ts_secret` for `secure_tcp_ts_off`.
    pub ts: (u64, u64),
    /// The port-offset key of `__inet_hash_connect`.
    pub port: (u64, u64),
}

impl Secrets {
    /// `syncookie_secret`: the two keys of the cookie hash. Linux draws them at boot like the
    /// others; here they are derived from the ISN key, so that they too come from the run's seed
    /// (and change when the host reboots) without drawing more from the run's random stream.
    fn syncookie_keys(&self) -> syncookies::CookieKeys {
        let derive = |label: u64| {
            let mut h = siphasher::sip::SipHasher24::new_with_keys(self.isn.0, self.isn.1);
            core::hash::Hasher::write(&mut h, b"syncookie_secret");
            core::hash::Hasher::write_u64(&mut h, label);
            core::hash::Hasher::finish(&h)
        };
        [(derive(0), derive(1)), (derive(2), derive(3))]
    }
}

/// Settings of a host beyond its sysctls.
#[derive(Clone, Debug)]
pub struct HostConfig {
    /// The host's name in the trace (`client`, `server`).
    pub name: String,
    /// Its address.
    pub addr: Ipv4,
    /// Its kernel.
    pub profile: Profile,
    /// Its sysctls.
    pub sysctl: Sysctls,
    /// The counterfactual: close instead of entering TIME-WAIT. Not what Linux does.
    pub skip_time_wait: bool,
    /// How long TIME-WAIT lasts, seconds: `TCP_TIMEWAIT_LEN` (60) unless changed, which Linux
    /// cannot do (it is a constant); the benchmarks set 10 to compare with smoltcp, whose
    /// TIME-WAIT is a fixed 10 s.
    pub time_wait_secs: u64,
    /// Most sockets (full, request and TIME-WAIT) the host may hold.
    pub max_sockets: usize,
    /// How initial sequence numbers are chosen.
    pub isn: IsnStrategy,
    /// Its TSval clock's offset and drift (scenario settings, not sysctls).
    pub ts_clock: TsClock,
}

/// A host's TSval clock against the simulated time: hosts booted at different times have
/// different clocks, and a clock may run fast.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TsClock {
    /// Milliseconds the clock is ahead of the simulated time (wraps at 2^32 like TSval).
    pub offset_ms: u32,
    /// Parts per million the clock runs fast.
    pub drift_ppm: u32,
}

/// How a host picks initial sequence numbers. Linux has only `Rfc6528`; the others are the
/// reader's counterfactuals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum IsnStrategy {
    /// RFC 6528 as Linux's `secure_tcp_seq`: a keyed hash of the 4-tuple plus a 64 ns clock.
    Rfc6528,
    /// The same ISN for every connection (not Linux).
    Fixed(u32),
    /// RFC 793 §3.3's generator (not Linux): one clock for the whole host whose low bit ticks
    /// every 4 µs, so the ISN is (time in µs / 4) mod 2^32 for every 4-tuple, and guessable.
    Clock4us,
    /// A uniformly random ISN per connection (not Linux), drawn from the run's seed.
    Random,
}

/// What a host has yielded and the simulator has not taken yet. Not part of a snapshot: the
/// simulator takes every output after each input, before anything copies the host, so a copy
/// starts empty (and the page's wasm holds no code to copy outputs).
#[derive(Debug, Default)]
struct Outbox(VecDeque<Output>);

impl Clone for Outbox {
    fn clone(&self) -> Outbox {
        debug_assert!(self.0.is_empty(), "a host is copied with its outputs taken");
        Outbox::default()
    }
}

/// One simulated Linux host. Cloning it is a snapshot (the page steps back by restoring one).
#[derive(Clone)]
pub struct Host {
    id: HostId,
    cfg: HostConfig,
    clock: Clock,
    secrets: Secrets,
    /// `secrets.syncookie_keys()`, derived once (four SipHash runs: a sixth of a SYN flood's
    /// instructions when they were derived for every SYN).
    cookie_keys: syncookies::CookieKeys,
    now: Instant,
    fds: Vec<Option<Key>>,
    /// Closed descriptors below `fds.len()`, smallest first.
    free_fds: BinaryHeap<Reverse<usize>>,
    socks: Slab<Sock>,
    requests: Slab<Request>,
    time_waits: Slab<TimeWait>,
    /// The established hash (`inet_ehash`), by (local, remote). This map and the two below are
    /// hash tables that are only looked up, never iterated, so their order cannot reach a trace
    /// (STYLE.md); a snapshot copies each in one piece, where a `BTreeMap` allocated a node per
    /// eleven entries.
    ehash: HashMap<(Endpoint, Endpoint), Conn>,
    /// Listening sockets by port (`inet_lhash2`).
    listeners: HashMap<u16, Vec<Key>>,
    /// Bind buckets by port (`inet_bind_hash`).
    ports: HashMap<u16, ports::Owners>,
    /// The local ports in use toward each destination `connect()` opened a connection to (local
    /// address, remote endpoint), sorted: what `__inet_hash_connect` may skip without a lookup
    /// per port. (Sorted vectors rather than maps here and below: each new map type costs the
    /// page's wasm kilobytes, and a client talks to few destinations.)
    dests: Vec<((Ipv4, Endpoint), ports::PortSet)>,
    /// `table_perturb` of `__inet_hash_connect`: the slots used so far, sorted (the others are 0).
    port_perturb: Vec<(u16, u32)>,
    /// Random draws made for `table_perturb` so far (the input of their keyed hash).
    port_draws: u64,
    timers: BinaryHeap<crate::time::Due<timers::TimerRef>>,
    timer_seq: u64,
    time_wait_fifo: VecDeque<(Instant, Key)>,
    counters: Counters,
    out: Outbox,
    /// Blocked calls by the socket they wait on (a listener for `accept()`).
    /// Blocked calls by the slot of the socket they wait on (`Blocked::on`; a slot's next
    /// occupant has another generation).
    blocked: Vec<Vec<Blocked>>,
    blocked_seq: u64,
    /// Sockets whose state a segment, a timer or a call may have changed since the last
    /// `wake_blocked`: only calls blocked on them are checked again.
    touched: Vec<Key>,
    /// The segment being processed, for `Discarded` events.
    current: SegId,
    /// Set when a limit was passed.
    over_limit: bool,
    /// ISNs drawn so far by `IsnStrategy::Random` (the input of its keyed hash).
    isn_draws: u64,
    /// The TCP metrics cache (`tcp_metrics`), by (local, peer) address (linux-3.10 keys it by the
    /// peer alone; a host here has one address). A peer with an RTT here is "proven"
    /// (`tcp_peer_is_proven`). Only looked up, never iterated: a hash table, as the three above
    /// (a `BTreeMap` of its own was 1.3 KB of the page's wasm, gzipped).
    metrics: HashMap<(Ipv4, Ipv4), PeerMetrics>,
    /// linux-3.10's TIME-WAIT death row.
    death_row: DeathRow,
    /// When the host (re)booted: linux-3.10's `jiffies` count from here.
    booted_at: Instant,
    /// linux-3.10's challenge-ACK budget for the host (`tcp_send_challenge_ack`'s static
    /// `challenge_timestamp` in seconds of jiffies, and `challenge_count`).
    challenge_acks: (u64, u32),
}

/// A socket as `ss -tan` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SocketView {
    /// The state.
    pub state: State,
    /// Local address and port.
    pub local: Option<Endpoint>,
    /// Peer address and port.
    pub remote: Option<Endpoint>,
    /// The descriptor, if the application holds one.
    pub fd: Option<Fd>,
    /// Bytes received and not read (`Recv-Q`), or for a listener the accept queue's length.
    pub recv_q: u32,
    /// Bytes not yet acknowledged (`Send-Q`), or for a listener its backlog.
    pub send_q: u32,
    /// What kind of socket holds the state.
    pub kind: SocketKind,
}

/// Which structure holds a socket's state in Linux.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SocketKind {
    /// A full `tcp_sock`.
    Full,
    /// A `request_sock` in a SYN queue.
    Request,
    /// A `tcp_timewait_sock`.
    TimeWait,
}

impl Host {
    /// A host with no sockets, at time zero.
    pub fn new(id: HostId, cfg: HostConfig, secrets: Secrets) -> Host {
        Host {
            id,
            clock: Clock {
                hz: cfg.profile.hz(),
            },
            cfg,
            cookie_keys: secrets.syncookie_keys(),
            secrets,
            now: Instant::ZERO,
            fds: Vec::new(),
            free_fds: BinaryHeap::new(),
            socks: Slab::default(),
            requests: Slab::default(),
            time_waits: Slab::default(),
            ehash: HashMap::default(),
            listeners: HashMap::default(),
            ports: HashMap::default(),
            dests: Vec::new(),
            port_perturb: Vec::new(),
            port_draws: 0,
            timers: BinaryHeap::new(),
            timer_seq: 0,
            time_wait_fifo: VecDeque::new(),
            counters: Counters::default(),
            out: Outbox::default(),
            blocked: Vec::new(),
            blocked_seq: 0,
            touched: Vec::new(),
            current: SegId(0),
            over_limit: false,
            isn_draws: 0,
            metrics: HashMap::default(),
            death_row: DeathRow::default(),
            booted_at: Instant::ZERO,
            challenge_acks: (0, 0),
        }
    }

    /// Tells a fresh host that it booted at `at` (a reboot in the middle of a run): clocks that
    /// count from boot, such as linux-3.10's TSval, start there.
    pub fn booted(&mut self, at: Instant) {
        self.booted_at = at;
        self.now = self.now.max(at);
    }

    /// How long TIME-WAIT lasts on this host (`TCP_TIMEWAIT_LEN` unless the configuration changed
    /// it).
    fn time_wait_len(&self) -> crate::time::Duration {
        crate::time::Duration::from_secs(self.cfg.time_wait_secs)
    }

    /// The host's index in its run.
    pub fn id(&self) -> HostId {
        self.id
    }

    /// The host's name.
    pub fn name(&self) -> &str {
        &self.cfg.name
    }

    /// The host's address.
    pub fn addr(&self) -> Ipv4 {
        self.cfg.addr
    }

    /// The host's profile.
    pub fn profile(&self) -> Profile {
        self.cfg.profile
    }

    /// The host's sysctls.
    pub fn sysctl(&self) -> &Sysctls {
        &self.cfg.sysctl
    }

    /// Changes the host's sysctls (as `sysctl -w` would, effective for what happens next).
    pub fn sysctl_mut(&mut self) -> &mut Sysctls {
        &mut self.cfg.sysctl
    }

    /// The SNMP counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The next output, in order.
    #[must_use]
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.0.pop_front()
    }

    /// A limit was passed (too many sockets); the simulator ends the run.
    pub fn over_limit(&self) -> bool {
        self.over_limit
    }

    /// Every socket, as `ss -tan` would list them: full sockets, then requests, then TIME-WAIT.
    pub fn sockets(&self) -> Vec<SocketView> {
        self.connections().into_iter().map(|c| c.socket).collect()
    }

    /// How many sockets are in `state`, as `ss -Htn state NAME | wc -l` counts them
    /// (`SYN-RECV` counts requests in SYN queues; `ss -t` without `-l` omits nothing here
    /// because `state` filters explicitly).
    pub fn count_state(&self, state: State) -> usize {
        match state {
            State::SynReceived => {
                self.requests.len()
                    + self
                        .socks
                        .iter()
                        .filter(|(_, s)| s.state == State::SynReceived)
                        .count()
            }
            State::TimeWait | State::FinWait2 => {
                self.time_waits
                    .iter()
                    .filter(|(_, t)| t.substate == state)
                    .count()
                    + self.socks.iter().filter(|(_, s)| s.state == state).count()
            }
            _ => self
                .socks
                .iter()
                .filter(|(_, s)| s.state == state && s.local.is_some())
                .count(),
        }
    }

    /// Each TIME-WAIT entry: (local, remote, rcv_nxt).
    pub fn time_wait_entries(&self) -> Vec<(Endpoint, Endpoint, SeqNum)> {
        self.time_waits
            .iter()
            .map(|(_, t)| (t.local, t.remote, t.rcv_nxt))
            .collect()
    }

    /// The state of the socket behind `fd`.
    pub fn fd_state(&self, fd: Fd) -> Option<State> {
        self.sock_of(fd)
            .and_then(|k| self.socks.get(k))
            .map(|s| s.state)
    }

    // ---- internal helpers shared by the submodules ----

    fn emit(&mut self, kind: EventKind) {
        self.out.0.push_back(Output::Event(kind));
    }

    fn count(&mut self, c: Counter) {
        let value = self.counters.inc(c);
        if !matches!(c, Counter::InSegs | Counter::OutSegs) {
            self.emit(EventKind::Counter { counter: c, value });
        }
    }

    fn jiffies(&self) -> u64 {
        self.clock.jiffies(self.now)
    }

    fn sock_of(&self, fd: Fd) -> Option<Key> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.fds.get(i).copied().flatten())
    }

    fn conn_name(s: &Sock) -> ConnName {
        ConnName {
            local: s.local.unwrap_or(Endpoint::new(Ipv4(0), 0)),
            remote: s.remote,
        }
    }

    fn set_state(&mut self, key: Key, to: State) {
        let Some(s) = self.socks.get_mut(key) else {
            return;
        };
        let from = s.state;
        if from == to {
            return;
        }
        s.state = to;
        let conn = Host::conn_name(s);
        // `tcp_set_state`: leaving ESTABLISHED or CLOSE-WAIT for CLOSE counts a reset.
        if to == State::Closed && matches!(from, State::Established | State::CloseWait) {
            self.count(Counter::EstabResets);
        }
        self.emit(EventKind::State { conn, from, to });
    }

    /// The host's TCP timestamp clock, before a connection's offset. The one place where the
    /// clock behind every TSval is read.
    ///
    /// linux-6.18: `tcp_clock_ts`, milliseconds since boot (the connection adds `tsoffset`,
    /// `secure_tcp_ts_off`). linux-3.10: `tcp_time_stamp`, `(__u32)(jiffies)`
    /// (include/net/tcp.h), one clock per host at HZ 1000 with no per-connection offset;
    /// `jiffies` starts at `INITIAL_JIFFIES`, -300 s (include/linux/jiffies.h), so a 3.10 host's
    /// TSvals wrap 5 minutes after boot. On either, the host's `ts_clock` settings: the clock
    /// runs `drift_ppm` fast and is `offset_ms` ahead (how much longer the host has been up:
    /// hosts behind one NAT differ here).
    pub(super) fn ts_clock(&self) -> u32 {
        let (ms, start) = match self.cfg.profile {
            Profile::Linux6_18 => (self.now.millis(), 0),
            Profile::Linux3_10 => {
                let since_boot = Instant::ZERO + (self.now - self.booted_at);
                (self.clock.jiffies(since_boot), INITIAL_JIFFIES_3_10)
            }
        };
        let drift = ms.saturating_mul(u64::from(self.cfg.ts_clock.drift_ppm)) / 1_000_000;
        // Truncation to 32 bits is the TSval's wrap-around (RFC 7323 §5.4).
        (ms.wrapping_add(drift)
            .wrapping_add(u64::from(self.cfg.ts_clock.offset_ms)) as u32)
            .wrapping_add(start)
    }

    /// A TSval: the host's clock plus a connection's offset.
    fn tsval(&self, tsoffset: u32) -> u32 {
        self.ts_clock().wrapping_add(tsoffset)
    }

    /// `get_seconds()`: the wall clock in whole seconds (linux-3.10's timestamp stamps).
    fn get_seconds(&self) -> u32 {
        WALL_SECONDS_AT_BOOT.wrapping_add((self.now.micros() / 1_000_000) as u32)
    }

    /// An instant in `get_seconds()`.
    fn seconds_at(at: Instant) -> u32 {
        WALL_SECONDS_AT_BOOT.wrapping_add((at.micros() / 1_000_000) as u32)
    }

    fn check_limit(&mut self) -> bool {
        let total = self.socks.len() + self.requests.len() + self.time_waits.len();
        if total >= self.cfg.max_sockets {
            self.over_limit = true;
            return false;
        }
        true
    }

    /// Records that `key` (and so the listener it may be queued on) may have changed.
    pub(super) fn touch(&mut self, key: Key) {
        self.touched.push(key);
        if let Some(parent) = self.socks.get(key).and_then(|s| s.parent) {
            self.touched.push(parent);
        }
    }

    /// Blocks `thread`'s call on the socket it waits for.
    pub(super) fn block(&mut self, thread: u16, call: Call, on: Key, closing: Option<Key>) {
        self.blocked_seq += 1;
        let b = Blocked {
            thread,
            call,
            closing,
            on,
            seq: self.blocked_seq,
        };
        let slot = on.slot();
        if self.blocked.len() <= slot {
            self.blocked.resize_with(slot + 1, Vec::new);
        }
        if let Some(list) = self.blocked.get_mut(slot) {
            list.push(b);
        }
    }

    /// Completes blocked calls whose condition now holds (`sk_wait_event` waking up). Only the
    /// calls blocked on a touched socket are checked again: a wake-up is per socket in Linux too
    /// (`sk->sk_wq`), and checking every blocked call after every event would cost
    /// O(connections) per event.
    fn wake_blocked(&mut self) {
        if self.touched.is_empty() {
            // Debug builds check that no call should have woken all the same (a path that
            // forgot to `touch` leaves nothing touched).
            #[cfg(debug_assertions)]
            self.check_no_missed_wake();
            return;
        }
        let mut keys = core::mem::take(&mut self.touched);
        if keys.len() > 1 {
            crate::small_sort::sort_by_key(&mut keys, |k| *k);
            keys.dedup();
        }
        let mut woken: Vec<(u64, Blocked, CallResult)> = Vec::new();
        for key in &keys {
            // Most touched sockets have no call waiting on them: nothing is taken or moved.
            let waiting = self
                .blocked
                .get(key.slot())
                .is_some_and(|list| list.iter().any(|b| b.on == *key));
            if !waiting {
                continue;
            }
            let Some(mut list) = self.blocked.get_mut(key.slot()).map(core::mem::take) else {
                continue;
            };
            // The calls still blocked stay in the list, in their order.
            let mut i = 0;
            while let Some(b) = list.get(i) {
                if b.on != *key {
                    i += 1;
                    continue;
                }
                match self.recheck(b) {
                    CallResult::Blocked => i += 1,
                    result => {
                        let b = list.remove(i);
                        woken.push((b.seq, b, result));
                    }
                }
            }
            // (A recheck blocks no new call, but were one blocked on this slot meanwhile, it
            // would stay, first, as before.)
            if let Some(slot) = self.blocked.get_mut(key.slot()) {
                if slot.is_empty() {
                    *slot = list;
                } else {
                    slot.append(&mut list);
                }
            }
        }
        #[cfg(debug_assertions)]
        self.check_no_missed_wake();
        crate::small_sort::sort_by_key(&mut woken, |w| w.0);
        for (_, b, result) in woken {
            self.emit(EventKind::Returned {
                thread: b.thread,
                call: b.call,
                result,
            });
        }
        keys.clear();
        self.touched = keys;
    }

    fn recheck(&mut self, b: &Blocked) -> CallResult {
        match b.closing {
            Some(key) => self.linger_wait(key),
            None => self.try_call(&b.call, true),
        }
    }

    /// Debug builds (every test): a call blocked on a socket nobody touched must still be
    /// blocked, or `touch` missed a path. Checked while few calls are blocked (it is O(blocked)).
    #[cfg(debug_assertions)]
    fn check_no_missed_wake(&mut self) {
        // Counting the blocked calls is O(slots): a host with thousands of sockets is left out.
        if self.blocked.len() > 256 || self.blocked.iter().map(Vec::len).sum::<usize>() > 64 {
            return;
        }
        let all: Vec<Blocked> = self.blocked.iter().flatten().cloned().collect();
        for b in all {
            let r = self.recheck(&b);
            debug_assert!(
                r == CallResult::Blocked,
                "a blocked call completed without a wake-up: {:?} -> {r:?}",
                b.call
            );
        }
    }

    /// A thread's call is blocked.
    pub fn is_blocked(&self, thread: u16) -> bool {
        self.blocked.iter().flatten().any(|b| b.thread == thread)
    }
}

#[cfg(test)]
mod opt64_tests {
    use super::{Opt64, SeqNum, Tcb};
    use crate::time::Instant;

    // The instants a socket keeps in one word read back as they were stored: 0 (the run's start)
    // is a value, not "none", and only the last value stands for none.
    #[test]
    fn an_optional_word_keeps_every_value_but_its_last() {
        assert_eq!(Opt64::NONE.get(), None);
        assert_eq!(Opt64::default().get(), None);
        assert_eq!(Opt64::new(None).get(), None);
        for v in [0, 1, 1 << 48, u64::MAX - 1] {
            assert_eq!(Opt64::new(Some(v)).get(), Some(v));
        }
        assert_eq!(Opt64::new(Some(u64::MAX)).get(), Some(u64::MAX - 1));
        assert_eq!(Opt64::of(Some(Instant(0))).at(), Some(Instant(0)));
        assert_eq!(Opt64::of(None).at(), None);

        let mut t = Tcb::default();
        assert_eq!(t.rtt_probe(), None);
        t.set_rtt_probe(Some((SeqNum(7), Instant(0))));
        assert_eq!(t.rtt_probe(), Some((SeqNum(7), Instant(0))));
        t.set_rtt_probe(None);
        assert_eq!(t.rtt_probe(), None);
    }
}
