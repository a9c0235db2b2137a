//! Links between hosts: delay, random loss drawn from the run's seed, and chosen drops.

use crate::time::Duration;
use crate::trace::HostId;
use serde::Serialize;

/// A one-way link from one host to another.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Link {
    /// The sender.
    pub from: HostId,
    /// The receiver.
    pub to: HostId,
    /// One-way delay.
    pub delay: Duration,
    /// Probability of losing a segment, in parts per million (drawn from the run's seed).
    pub loss_ppm: u32,
}

/// A segment chosen to be dropped: the `nth` segment (from 1) that `from` sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DropRule {
    /// The sending host.
    pub from: HostId,
    /// Which of its segments, counting from 1.
    pub nth: u32,
}
