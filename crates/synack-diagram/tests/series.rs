//! The chart's counts over time, against what the scenarios' outcomes say.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use synack_core::scenario;
use synack_diagram::series::{MAX_POINTS, Metric, Series, series};

fn run(id: &str, sets: &[(&str, &str)]) -> synack_core::sim::Sim {
    let sc = scenario::find(id).unwrap();
    let mut p = sc.params(1);
    for (n, v) in sets {
        sc.set(&mut p, n, v).unwrap();
    }
    sc.run(&p)
}

/// Host `host`'s series of `metric`.
fn one(all: &[Series], host: u16, metric: Metric) -> &Series {
    all.iter()
        .find(|s| s.host == host && s.metric == metric)
        .expect("the host has a series of the metric")
}

#[test]
fn the_syn_flood_fills_the_syn_queue_to_its_backlog() {
    let sim = run("syn-flood", &[]);
    let all = series(sim.trace());
    let syn = one(&all, 1, Metric::SynQueue);
    let limit = syn.limit.unwrap();
    // The spoofed SYNs fill the queue one past its backlog, never further: it is full only
    // when its length exceeds the backlog (`inet_csk_reqsk_queue_is_full`, Linux 6.18), and
    // every later SYN gets a cookie instead.
    assert_eq!(
        syn.max,
        limit + 1,
        "{:?}",
        &syn.points[..syn.points.len().min(20)]
    );
    assert!(
        syn.points.windows(2).all(|w| w[0].0 <= w[1].0),
        "points in time order"
    );
}

#[test]
fn the_four_way_close_leaves_one_time_wait_then_none() {
    let sim = run("close-four-way", &[]);
    let all = series(sim.trace());
    let tw = one(&all, 0, Metric::TimeWait);
    let counts: Vec<u64> = tw.points.iter().map(|p| p.1).collect();
    assert_eq!(counts, vec![1, 0]);
    // Sixty seconds between them (TCP_TIMEWAIT_LEN), to within a jiffy.
    let held = tw.points[1].0 - tw.points[0].0;
    assert!((59_996_000..=60_000_000).contains(&held), "{held}");
    assert!(all.iter().all(|s| s.points.len() <= MAX_POINTS));
}

// A run of thousands of connections keeps at most MAX_POINTS per series: its points are thinned
// in buckets that span the run to its last event (the trace's end, which most events are not
// counted for), keeping each bucket's peak, so the largest count survives the thinning.
#[test]
fn a_large_run_is_thinned_to_its_peaks_over_its_whole_length() {
    let sim = run("time-wait-server-load", &[]);
    let all = series(sim.trace());
    let tw = one(&all, 1, Metric::TimeWait);
    assert!(tw.points.len() <= MAX_POINTS, "{}", tw.points.len());
    assert!(tw.points.len() > MAX_POINTS / 4, "{}", tw.points.len());
    assert_eq!(tw.points.iter().map(|p| p.1).max(), Some(tw.max));
    let end = sim.trace().last().unwrap().at().micros();
    assert!(tw.points.iter().all(|p| p.0 <= end));
}
