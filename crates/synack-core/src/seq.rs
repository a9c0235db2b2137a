//! TCP sequence numbers: 32-bit values compared modulo 2^32 (RFC 9293 §3.4).
//!
//! Like smoltcp's `wire::tcp::SeqNumber`, but the arithmetic never panics: it wraps, as the
//! kernel's `before()`/`after()` do (`(s32)(seq1 - seq2) < 0`).

use core::fmt;
use core::ops::{Add, Sub};
use serde::Serialize;

/// A TCP sequence or acknowledgment number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct SeqNum(pub u32);

impl SeqNum {
    /// `self` comes strictly before `other` in sequence space (Linux's `before()`).
    pub const fn before(self, other: SeqNum) -> bool {
        (self.0.wrapping_sub(other.0) as i32) < 0
    }

    /// `self` comes strictly after `other` (Linux's `after()`).
    pub const fn after(self, other: SeqNum) -> bool {
        other.before(self)
    }

    /// `self` is at or before `other`.
    pub const fn before_eq(self, other: SeqNum) -> bool {
        !self.after(other)
    }

    /// `self` is at or after `other`.
    pub const fn after_eq(self, other: SeqNum) -> bool {
        !self.before(other)
    }

    /// `low <= self <= high` in sequence space (Linux's `between()`).
    pub const fn between(self, low: SeqNum, high: SeqNum) -> bool {
        high.0.wrapping_sub(low.0) >= self.0.wrapping_sub(low.0)
    }

    /// The distance from `earlier` to `self`, modulo 2^32.
    pub const fn distance_from(self, earlier: SeqNum) -> u32 {
        self.0.wrapping_sub(earlier.0)
    }
}

impl Add<u32> for SeqNum {
    type Output = SeqNum;
    fn add(self, rhs: u32) -> SeqNum {
        SeqNum(self.0.wrapping_add(rhs))
    }
}

impl Sub<u32> for SeqNum {
    type Output = SeqNum;
    fn sub(self, rhs: u32) -> SeqNum {
        SeqNum(self.0.wrapping_sub(rhs))
    }
}

impl Sub<SeqNum> for SeqNum {
    type Output = i32;
    /// The signed distance, as Linux computes `(s32)(a - b)`.
    fn sub(self, rhs: SeqNum) -> i32 {
        self.0.wrapping_sub(rhs.0) as i32
    }
}

impl fmt::Display for SeqNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::SeqNum;

    #[test]
    fn comparison_wraps_at_2_pow_32() {
        let near_end = SeqNum(u32::MAX - 10);
        let wrapped = near_end + 20;
        assert_eq!(wrapped, SeqNum(9));
        assert!(near_end.before(wrapped));
        assert!(wrapped.after(near_end));
        assert_eq!(wrapped - near_end, 20);
        assert_eq!(near_end - wrapped, -20);
        assert!(SeqNum(5).between(near_end, wrapped));
        assert!(!SeqNum(10).between(near_end, wrapped));
    }
}
