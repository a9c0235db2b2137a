//! Simulated time: integer microseconds since the start of a run, and the jiffies of a host.
//!
//! Nothing here reads a clock. Time is a value the caller passes in, as in smoltcp's
//! `Instant { micros }`; arithmetic saturates instead of panicking.

use core::fmt;
use core::ops::{Add, Sub};
use serde::Serialize;

/// A point in simulated time: microseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Instant(pub u64);

/// A span of simulated time in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Duration(pub u64);

impl Instant {
    /// The start of every run.
    pub const ZERO: Instant = Instant(0);

    /// Microseconds since the start.
    pub const fn micros(self) -> u64 {
        self.0
    }

    /// Milliseconds since the start, rounded down.
    pub const fn millis(self) -> u64 {
        self.0 / 1000
    }

    /// The span from `earlier` to `self`, zero when `earlier` is later.
    pub const fn saturating_since(self, earlier: Instant) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }
}

impl Duration {
    /// No time at all.
    pub const ZERO: Duration = Duration(0);

    /// A span of `us` microseconds.
    pub const fn from_micros(us: u64) -> Duration {
        Duration(us)
    }

    /// A span of `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Duration {
        Duration(ms.saturating_mul(1000))
    }

    /// A span of `s` seconds.
    pub const fn from_secs(s: u64) -> Duration {
        Duration(s.saturating_mul(1_000_000))
    }

    /// The span in microseconds.
    pub const fn micros(self) -> u64 {
        self.0
    }

    /// The span in milliseconds, rounded down.
    pub const fn millis(self) -> u64 {
        self.0 / 1000
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, rhs: Duration) -> Instant {
        Instant(self.0.saturating_add(rhs.0))
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, rhs: Instant) -> Duration {
        self.saturating_since(rhs)
    }
}

impl Add for Duration {
    type Output = Duration;
    fn add(self, rhs: Duration) -> Duration {
        Duration(self.0.saturating_add(rhs.0))
    }
}

/// Prints seconds with microsecond precision, as tcpdump's relative timestamps do: `1.000000`.
impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:06}", self.0 / 1_000_000, self.0 % 1_000_000)
    }
}

/// Prints the shortest readable unit: `60 s`, `200 ms`, `1.5 s`, `40 us`.
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let us = self.0;
        if us >= 1_000_000 && us.is_multiple_of(1_000_000) {
            write!(f, "{} s", us / 1_000_000)
        } else if us >= 1_000_000 && us.is_multiple_of(1000) {
            write!(f, "{}.{:03} s", us / 1_000_000, (us % 1_000_000) / 1000)
        } else if us >= 1000 && us.is_multiple_of(1000) {
            write!(f, "{} ms", us / 1000)
        } else if us >= 1000 {
            write!(f, "{}.{:03} ms", us / 1000, us % 1000)
        } else {
            write!(f, "{us} us")
        }
    }
}

/// A host's tick counter (`jiffies`), at the profile's HZ.
///
/// Linux arms its TCP timers in jiffies: `expires = jiffies + timeout`, and the timer runs at the
/// first tick at or after `expires`. A timer armed in the middle of a tick therefore fires up to
/// one tick early compared with `now + timeout`; the simulator reproduces that, but not the
/// timer wheel's extra slack of up to a few percent on long timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    /// Ticks per second (`CONFIG_HZ`).
    pub hz: u32,
}

impl Clock {
    /// Microseconds per tick.
    pub const fn tick_us(self) -> u64 {
        if self.hz == 0 {
            1
        } else {
            1_000_000 / self.hz as u64
        }
    }

    /// The tick count at `now` (rounded down, with jiffies starting at 0 with the run).
    pub const fn jiffies(self, now: Instant) -> u64 {
        now.0 / self.tick_us()
    }

    /// When a timer of `ticks` jiffies armed at `now` fires: at the start of tick
    /// `jiffies(now) + ticks`, and no sooner than the next tick (a timer already due when it is
    /// armed, `expires == jiffies`, runs at the next tick).
    pub const fn expiry(self, now: Instant, ticks: u64) -> Instant {
        let ticks = if ticks == 0 { 1 } else { ticks };
        Instant(
            self.jiffies(now)
                .saturating_add(ticks)
                .saturating_mul(self.tick_us()),
        )
    }

    /// A duration converted to jiffies, rounded up as `usecs_to_jiffies` does.
    pub const fn to_jiffies(self, d: Duration) -> u64 {
        d.0.div_ceil(self.tick_us())
    }

    /// Jiffies converted to a duration (`jiffies_to_usecs`).
    pub const fn to_duration(self, ticks: u64) -> Duration {
        Duration(ticks.saturating_mul(self.tick_us()))
    }
}

/// An entry of a timer heap (`BinaryHeap<Due<T>>`): `item` due at `at`, the `seq`-th pushed. The
/// heap gives the earliest first, and of two due at once the one pushed first; `item` takes no
/// part in the order. (A `Reverse<(Instant, u64, T)>` compares the same way but goes through
/// the tuple's and the item's comparisons, which the page's size-optimised wasm calls rather
/// than inlines.) `Copy` when `T` is, so that a heap is copied in one piece.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Due<T> {
    pub at: Instant,
    pub seq: u64,
    pub item: T,
}

impl<T> Due<T> {
    /// The order's key, earliest first: a heap's entries have distinct numbers, so no two keys
    /// are equal.
    pub(crate) fn key(&self) -> (u64, u64) {
        (self.at.0, self.seq)
    }
}

impl<T> PartialEq for Due<T> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl<T> Eq for Due<T> {}

impl<T> PartialOrd for Due<T> {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Due<T> {
    /// Reversed: `BinaryHeap` is a max-heap, and the earliest must come first.
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        other.key().cmp(&self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::{Due, Instant};
    use alloc::collections::BinaryHeap;
    use alloc::vec::Vec;

    #[test]
    fn a_heap_of_due_entries_gives_the_earliest_then_the_first_pushed() {
        let mut heap = BinaryHeap::new();
        // (time, number, item): the items are in the reverse of the heap's order, so that an
        // order that looked at them would fail.
        for (at, seq, item) in [
            (5, 4, 'a'),
            (3, 2, 'b'),
            (5, 1, 'c'),
            (3, 3, 'd'),
            (1, 5, 'e'),
        ] {
            heap.push(Due {
                at: Instant(at),
                seq,
                item,
            });
        }
        let order: Vec<char> = core::iter::from_fn(|| heap.pop().map(|d| d.item)).collect();
        assert_eq!(order, ['e', 'b', 'd', 'c', 'a']);
    }
}
