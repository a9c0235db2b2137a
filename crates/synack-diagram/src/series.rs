//! Counts over time, for the page's chart of runs with many connections: per host, the
//! connections in TIME-WAIT and in ESTABLISHED (from the trace's state changes), and per
//! listener the SYN queue and the accept queue (from its `Queues` events). Each series keeps
//! the points where the count changed, thinned to at most [`MAX_POINTS`] by keeping the
//! largest count of each time bucket, so that a run of 30,000 connections charts as fast as
//! one of 3.

use alloc::string::String;
use alloc::vec::Vec;
use serde::Serialize;
use synack_core::tcp::State;
use synack_core::trace::{Event, EventKind};
use synack_core::wire::Endpoint;

/// The most points a series keeps.
pub const MAX_POINTS: usize = 1_000;

/// What a series counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Metric {
    /// Connections in TIME-WAIT on the host (full sockets and TIME-WAIT entries alike).
    TimeWait,
    /// Connections in ESTABLISHED on the host.
    Established,
    /// Requests in a listener's SYN queue.
    SynQueue,
    /// Children in a listener's accept queue.
    AcceptQueue,
}

/// One count over time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Series {
    /// The host, by index.
    pub host: u16,
    /// What it counts.
    pub metric: Metric,
    /// `(µs, count)`, from the first change on; the count holds until the next point.
    pub points: Vec<(u64, u64)>,
    /// The largest count.
    pub max: u64,
    /// A listener's backlog (the queues' limit), where there is one.
    pub limit: Option<u64>,
    /// The listener, `ip:port`, for queue series.
    pub listener: Option<String>,
}

/// Every series the trace has a change for, ordered by host and metric.
pub fn series(trace: &[Event]) -> Vec<Series> {
    let mut counts = Counts::default();
    counts.read(trace);
    counts.finish()
}

/// The series of a trace read a piece at a time, in order: the page reads a large run's trace
/// as it grows, while the new events are still in the processor's cache, rather than in one
/// more pass over a million events at the end.
#[derive(Debug, Default)]
pub struct Counts {
    /// Series with their listener as an endpoint, named once at the end (formatting a name for
    /// every `Queues` event was a tenth of a `port-exhaustion` run on the page).
    out: Vec<(Option<Endpoint>, Series)>,
    /// Running counts per (host, metric).
    counts: Vec<(u16, Metric, u64)>,
    /// When the last event read happened, in µs.
    end: u64,
}

impl Counts {
    /// Reads the next events of the trace.
    pub fn read(&mut self, events: &[Event]) {
        // Most events are neither: their kind is all that is read of them (the time and host of
        // every event were a third of this loop's instructions). The trace is in time order, so
        // the last event read is the latest.
        if let Some(last) = events.last() {
            self.end = last.at().micros();
        }
        for e in events {
            if !matches!(e.kind, EventKind::State { .. } | EventKind::Queues { .. }) {
                continue;
            }
            let Some(host) = e.host().map(|h| h.0) else {
                continue;
            };
            let at = e.at().micros();
            match &e.kind {
                EventKind::State { from, to, .. } => {
                    for (state, metric) in [
                        (State::TimeWait, Metric::TimeWait),
                        (State::Established, Metric::Established),
                    ] {
                        let delta = state.delta(*from, *to);
                        if delta != 0 {
                            self.change(host, metric, at, delta);
                        }
                    }
                }
                EventKind::Queues {
                    listener,
                    syn_queue,
                    accept_queue,
                    backlog,
                } => {
                    let limit = Some(u64::from(*backlog));
                    for (metric, value) in [
                        (Metric::SynQueue, syn_queue),
                        (Metric::AcceptQueue, accept_queue),
                    ] {
                        let value = u64::from(*value);
                        self.bump(host, metric, Some(*listener), at, value, limit);
                    }
                }
                _ => {}
            }
        }
    }

    /// A host's count of connections in a state moves by `delta`.
    fn change(&mut self, host: u16, metric: Metric, at: u64, delta: i64) {
        let slot = match self
            .counts
            .iter()
            .position(|(h, m, _)| *h == host && *m == metric)
        {
            Some(i) => i,
            None => {
                self.counts.push((host, metric, 0));
                self.counts.len() - 1
            }
        };
        if let Some(c) = self.counts.get_mut(slot) {
            c.2 = c.2.saturating_add_signed(delta);
            let value = c.2;
            self.bump(host, metric, None, at, value, None);
        }
    }

    /// A series takes a new value.
    fn bump(
        &mut self,
        host: u16,
        metric: Metric,
        listener: Option<Endpoint>,
        at: u64,
        value: u64,
        limit: Option<u64>,
    ) {
        let out = &mut self.out;
        let i = match out
            .iter()
            .position(|(l, s)| s.host == host && s.metric == metric && *l == listener)
        {
            Some(i) => i,
            None => {
                out.push((
                    listener,
                    Series {
                        host,
                        metric,
                        points: Vec::new(),
                        max: 0,
                        limit,
                        listener: None,
                    },
                ));
                out.len() - 1
            }
        };
        if let Some((_, s)) = out.get_mut(i) {
            match s.points.last_mut() {
                Some(last) if last.0 == at => last.1 = value,
                _ => s.points.push((at, value)),
            }
            s.max = s.max.max(value);
            if limit.is_some() {
                s.limit = limit;
            }
        }
    }

    /// The series of everything read, ordered by host and metric, thinned.
    pub fn finish(self) -> Vec<Series> {
        let end = self.end;
        let mut out: Vec<Series> = self
            .out
            .into_iter()
            .map(|(listener, mut s)| {
                s.listener = listener.map(|l| alloc::format!("{}:{}", l.ip, l.port));
                s
            })
            .collect();
        synack_core::small_sort::sort_by_key(&mut out, |a| (a.host, a.metric));
        for s in &mut out {
            thin(&mut s.points, end);
        }
        out
    }
}

/// Keeps at most [`MAX_POINTS`]: per time bucket, the largest count (so a peak is never lost)
/// and the bucket's last count (so the line continues from the right value).
fn thin(points: &mut Vec<(u64, u64)>, end: u64) {
    if points.len() <= MAX_POINTS {
        return;
    }
    let first = points.first().map_or(0, |p| p.0);
    // Bucket indices 0 ..= MAX_POINTS/2 - 1: at most two points each.
    let width = end
        .saturating_sub(first)
        .div_ceil(MAX_POINTS as u64 / 2 - 1)
        .max(1);
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(MAX_POINTS);
    let mut i = 0;
    while let Some(&(at, _)) = points.get(i) {
        let bucket = (at - first) / width;
        let mut peak = (at, 0);
        let mut last = (at, 0);
        while let Some(&p) = points.get(i) {
            if (p.0 - first) / width != bucket {
                break;
            }
            if p.1 >= peak.1 {
                peak = p;
            }
            last = p;
            i += 1;
        }
        out.push(peak);
        if last != peak {
            out.push(last);
        }
    }
    *points = out;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn thinning_keeps_every_peak_and_the_last_count() {
        // 30,000 changes: a sawtooth 0..=99 with one spike of 500.
        let mut points: Vec<(u64, u64)> = (0..30_000u64).map(|i| (i * 1_000, i % 100)).collect();
        points[12_345].1 = 500;
        let end = 30_000 * 1_000;
        let mut thinned = points.clone();
        thin(&mut thinned, end);
        assert!(thinned.len() <= MAX_POINTS, "{}", thinned.len());
        assert!(thinned.iter().any(|p| p.1 == 500), "the spike survives");
        assert_eq!(thinned.last(), points.last());
        assert!(thinned.windows(2).all(|w| w[0].0 <= w[1].0));
        // A short series is left alone.
        let mut short = points[..10].to_vec();
        thin(&mut short, end);
        assert_eq!(short, points[..10]);
    }
}
