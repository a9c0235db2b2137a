//! The network between hosts: links with delay, random loss and duplication drawn from the run's
//! seed, and a router on the path that drops, holds or duplicates chosen segments. A held
//! segment is released later, unless it is older than the router's MSL by then (an IP router
//! does not keep a segment forever: its TTL runs out; DESIGN.md's router uses an MSL of 30 s).

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
    /// Probability of delivering a segment twice, in parts per million (drawn from the seed).
    pub dup_ppm: u32,
}

impl Link {
    /// A link with `delay` that neither loses nor duplicates.
    pub const fn new(from: HostId, to: HostId, delay: Duration) -> Link {
        Link {
            from,
            to,
            delay,
            loss_ppm: 0,
            dup_ppm: 0,
        }
    }
}

/// What the router does with a chosen segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum RuleAction {
    /// Drop it.
    Drop,
    /// Hold it this long, then release it toward its receiver.
    Hold(Duration),
    /// Deliver it, and hold a copy of it this much longer (a delayed duplicate).
    Duplicate(Duration),
}

/// A segment chosen by the scenario or the reader: the `nth` segment (from 1) that `from` sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// The sending host.
    pub from: HostId,
    /// Which of its segments, counting from 1 (over the host's whole life, reboots included).
    pub nth: u32,
    /// What happens to it.
    pub action: RuleAction,
}

impl Rule {
    /// Drop the `nth` segment `from` sends.
    pub const fn drop(from: HostId, nth: u32) -> Rule {
        Rule {
            from,
            nth,
            action: RuleAction::Drop,
        }
    }

    /// Deliver the `nth` segment `from` sends, and a copy `span` later.
    pub const fn duplicate(from: HostId, nth: u32, span: Duration) -> Rule {
        Rule {
            from,
            nth,
            action: RuleAction::Duplicate(span),
        }
    }

    /// Hold the `nth` segment `from` sends for `span`.
    pub const fn hold(from: HostId, nth: u32, span: Duration) -> Rule {
        Rule {
            from,
            nth,
            action: RuleAction::Hold(span),
        }
    }
}

/// The router's MSL by default: it drops a held segment older than this.
pub const ROUTER_MSL: Duration = Duration::from_secs(30);
