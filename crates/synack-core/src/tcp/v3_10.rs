//! linux-3.10's rules that live in the host rather than in one connection: the TCP metrics
//! cache's per-peer timestamps that `tcp_tw_recycle` reads and writes, the TIME-WAIT death row's
//! slots, and the host's challenge-ACK budget.
//!
//! Read first, in a 3.10 tree: `net/ipv4/tcp_metrics.c` (`tcp_remember_stamp`,
//! `tcp_tw_remember_stamp`, `tcp_peer_is_proven`, `tcpm_new`), `net/ipv4/tcp_minisocks.c`
//! (`tcp_time_wait`), `net/ipv4/tcp_ipv4.c` (`tcp_v4_conn_request`),
//! `net/ipv4/inet_timewait_sock.c` (`inet_twsk_schedule`, `inet_twdr_hangman`) and
//! `net/ipv4/tcp_input.c` (`tcp_send_challenge_ack`). Nothing here runs on linux-6.18 hosts.

use super::{Host, Key, PeerMetrics, TCP_METRICS_MAX};
use crate::config::Profile;
use crate::time::Duration;
use crate::trace::EventKind;
use crate::wire::Ipv4;

/// `TCP_PAWS_MSL`: seconds a cached per-peer timestamp is trusted (include/net/tcp.h).
pub const TCP_PAWS_MSL_SECS: u32 = 60;
/// `TCP_PAWS_WINDOW`: the replay window of per-host timestamps, in TSval ticks.
pub const TCP_PAWS_WINDOW: i32 = 1;
/// `INET_TWDR_TWKILL_SLOTS`: the death row's slow timer has 8 cells.
const TWKILL_SLOTS: u64 = 8;
/// `INET_TWDR_RECYCLE_TICK` at HZ 1000: `10 + 2 - INET_TWDR_RECYCLE_SLOTS_LOG` = 7, so the
/// recycle calendar ticks every 128 jiffies, and holds 32 slots (`INET_TWDR_RECYCLE_SLOTS`).
const RECYCLE_TICK_JIFFIES: u64 = 1 << 7;
const RECYCLE_SLOTS: u64 = 32;
/// `sysctl_tcp_challenge_ack_limit` (net/ipv4/tcp_input.c): challenge ACKs per second, per host.
pub const TCP_CHALLENGE_ACK_LIMIT: u32 = 100;

/// The timestamp a closing connection leaves: the peer's last TSval and when it came.
#[derive(Clone, Copy, Debug)]
pub(super) struct PeerStamp {
    pub(super) local: Ipv4,
    pub(super) remote: Ipv4,
    pub(super) ts_recent: u32,
    /// `ts_recent_stamp` in `get_seconds()`.
    pub(super) ts_recent_stamp: u32,
}

impl Host {
    /// Whether this host runs linux-3.10 with `tcp_tw_recycle` on.
    pub(super) fn tw_recycle(&self) -> bool {
        self.cfg.profile == Profile::Linux3_10 && self.cfg.sysctl.tcp_tw_recycle != 0
    }

    /// `tcp_get_metrics(..., create = true)`: the record for a pair of addresses, made if new
    /// (`tcpm_new`). A full cache makes no new record, as when `tcpm_new`'s allocation fails;
    /// Linux would instead reclaim the oldest record of the hash chain, which a run here never
    /// needs (it takes 16384 peer addresses), and which would cost the page's wasm a B-tree
    /// removal.
    pub(super) fn metrics_entry(&mut self, pair: (Ipv4, Ipv4)) -> Option<&mut PeerMetrics> {
        if !self.metrics.contains_key(&pair) && self.metrics.len() >= TCP_METRICS_MAX {
            mark!(tcp_metrics_full);
            return None;
        }
        Some(self.metrics.entry(pair).or_default())
    }

    /// `tcp_remember_stamp` (the full socket, from `tcp_time_wait`, creating the record) and
    /// `tcp_tw_remember_stamp` (a FIN-WAIT-2 mini socket that receives the FIN, only if the
    /// record exists): store the peer's last TSval unless the cache holds a newer one received
    /// within `TCP_PAWS_MSL`. True when there is a record, which lets TIME-WAIT last 3.5 RTO.
    pub(super) fn remember_stamp(&mut self, stamp: PeerStamp, create: bool) -> bool {
        let pair = (stamp.local, stamp.remote);
        let now_s = self.get_seconds();
        let m = if create {
            self.metrics_entry(pair)
        } else {
            self.metrics.get_mut(&pair)
        };
        let Some(m) = m else {
            return false;
        };
        let newer_or_same = (m.ts.wrapping_sub(stamp.ts_recent) as i32) <= 0;
        let stale = now_s.wrapping_sub(m.ts_stamp) > TCP_PAWS_MSL_SECS
            && m.ts_stamp <= stamp.ts_recent_stamp;
        if newer_or_same || stale {
            mark!(tw_recycle_stamp_remembered);
            m.ts_stamp = stamp.ts_recent_stamp;
            m.ts = stamp.ts_recent;
        } else {
            mark!(tw_recycle_stamp_kept);
        }
        let (cached, age_s) = (m.ts, now_s.wrapping_sub(m.ts_stamp));
        self.emit(EventKind::PeerStamp {
            peer: stamp.remote,
            cached,
            age_s,
            tsval: stamp.ts_recent,
        });
        true
    }

    /// `tcp_peer_is_proven(req, dst, paws_check = true)`, negated: the cache holds a TSval for
    /// the peer received less than `TCP_PAWS_MSL` ago that is newer than the SYN's by more than
    /// `TCP_PAWS_WINDOW`. Returns the cached TSval and its age.
    pub(super) fn peer_paws_reject(
        &self,
        local: Ipv4,
        remote: Ipv4,
        tsval: u32,
    ) -> Option<(u32, u32)> {
        let m = self.metrics.get(&(local, remote))?;
        let age_s = self.get_seconds().wrapping_sub(m.ts_stamp);
        (age_s < TCP_PAWS_MSL_SECS && (m.ts.wrapping_sub(tsval) as i32) > TCP_PAWS_WINDOW)
            .then_some((m.ts, age_s))
    }

    /// How long a TIME-WAIT (or FIN-WAIT-2) mini socket scheduled now for `timeo` really lives.
    ///
    /// linux-6.18: `timeo`, on a timer of its own. linux-3.10 (`inet_twsk_schedule`): an entry
    /// due within 32 ticks of 128 jiffies goes on the recycle calendar, rounded up to its tick
    /// (exact while the calendar is idle; the simulation does not model a busy calendar's hand,
    /// which can end an entry up to one tick sooner); any longer one goes in one of the 8 cells
    /// of the slow timer, `min(ceil(timeo / 7.5 s), 7)` cells ahead (7 for `TCP_TIMEWAIT_LEN`),
    /// and `inet_twdr_hangman` kills one cell every 7.5 s. The hangman starts when an entry
    /// arrives on an empty row, so a lone entry lives exactly 60 s and others 52.5 to 60 s,
    /// depending on that phase. `others` is how many other entries the row holds.
    pub(super) fn death_row_timeout(&mut self, timeo: Duration, others: usize) -> Duration {
        if self.cfg.profile != Profile::Linux3_10 {
            return timeo;
        }
        if others == 0 {
            // `if (twdr->tw_count++ == 0) mod_timer(&twdr->tw_timer, jiffies + twdr->period)`.
            self.death_row.hangman_started_at = self.now;
        }
        let jiffies = self.clock.to_jiffies(timeo);
        let slot = jiffies.div_ceil(RECYCLE_TICK_JIFFIES);
        if slot < RECYCLE_SLOTS {
            mark!(death_row_recycle_calendar);
            return self.clock.to_duration(slot * RECYCLE_TICK_JIFFIES);
        }
        let period = Duration::from_secs(super::TCP_TIMEWAIT_LEN_SECS / TWKILL_SLOTS)
            + Duration::from_millis(500);
        let period_us = period.micros();
        let cells = if timeo >= Duration::from_secs(super::TCP_TIMEWAIT_LEN_SECS) {
            TWKILL_SLOTS - 1
        } else {
            timeo.micros().div_ceil(period_us).min(TWKILL_SLOTS - 1)
        };
        // The hangman next runs at the first multiple of the period after now (counted from when
        // it started); it kills the current cell there, and ours `cells` runs later.
        let since = (self.now - self.death_row.hangman_started_at).micros();
        let next_run = (since / period_us + 1) * period_us;
        mark!(death_row_slow_timer);
        Duration::from_micros(next_run + cells * period_us - since)
    }

    /// linux-3.10's `tcp_send_challenge_ack`: at most `sysctl_tcp_challenge_ack_limit` (100)
    /// challenge ACKs per second of jiffies for the whole host (two static variables, not per
    /// socket). Returns whether this one may go.
    pub(super) fn challenge_ack_budget(&mut self) -> bool {
        let second = self.jiffies() / u64::from(self.clock.hz.max(1));
        if second != self.challenge_acks.0 {
            self.challenge_acks = (second, 0);
        }
        self.challenge_acks.1 = self.challenge_acks.1.saturating_add(1);
        self.challenge_acks.1 <= TCP_CHALLENGE_ACK_LIMIT
    }

    /// The stamp a closing socket leaves, when its connection saw timestamps.
    pub(super) fn sock_peer_stamp(&self, key: Key) -> Option<PeerStamp> {
        let s = self.socks.get(key)?;
        let (local, remote) = (s.local?, s.remote?);
        let at = s.tcb.ts_recent_stamp.at().filter(|_| s.tcb.tstamp_ok)?;
        Some(PeerStamp {
            local: local.ip,
            remote: remote.ip,
            ts_recent: s.tcb.ts_recent,
            ts_recent_stamp: Host::seconds_at(at),
        })
    }
}
