//! The layout of every scenario: a reviewed snapshot of its display list, and the rules every
//! layout keeps (one arrow per segment, time flowing down, every item revealed in trace order).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use synack_core::scenario::{LARGE, SCENARIOS};
use synack_core::trace::EventKind;
use synack_diagram::{Geometry, Item, layout, layout_of};

fn dump(d: &synack_diagram::Diagram) -> String {
    let mut s = format!("{}x{}\n", d.width, d.height);
    for l in &d.lanes {
        s.push_str(&format!("lane {} x={}\n", l.name, l.x));
    }
    for i in &d.items {
        s.push_str(&match i {
            Item::Arrow {
                step,
                end_step,
                from,
                to,
                y0,
                y1,
                label,
                lost,
                ..
            } => format!(
                "#{step:<3} arrow {from}->{to} y {y0}->{y1} {label}{}{}\n",
                end_step.map_or(String::from(" (in flight)"), |e| format!(" (ends #{e})")),
                lost.map_or(String::new(), |r| format!(" LOST {r:?}"))
            ),
            Item::State {
                step,
                lane,
                y,
                state,
            } => format!("#{step:<3} state {lane} y {y} {state}\n"),
            Item::Call {
                step,
                lane,
                y,
                name,
                result,
            } => format!("#{step:<3} call {lane} y {y} {name} = {result}\n"),
            Item::Timer {
                step,
                end_step,
                lane,
                y0,
                y1,
                timer,
                span_us,
            } => format!(
                "#{step:<3} timer {lane} y {y0}->{y1} {timer:?} {span_us} us{}\n",
                end_step.map_or(String::from(" (runs on)"), |e| format!(" (ends #{e})"))
            ),
            Item::Fold { step, y, span_us } => format!("#{step:<3} fold y {y} {span_us} us\n"),
            Item::Host {
                step,
                lane,
                y,
                what,
            } => format!("#{step:<3} host {lane} y {y} {what:?}\n"),
        });
    }
    s
}

#[test]
fn every_scenario_lays_out_by_the_rules() {
    for sc in SCENARIOS.iter().filter(|s| !LARGE.contains(&s.id)) {
        let sim = sc.run(&sc.params(1));
        let d = layout_of(&sim, Geometry::WIDE);
        // One arrow per segment sent, and per copy the network made.
        let sent = sim
            .trace()
            .iter()
            .filter(|e| {
                matches!(
                    e.kind,
                    EventKind::Sent { .. } | EventKind::Duplicated { .. }
                )
            })
            .count();
        let arrows: Vec<&Item> = d
            .items
            .iter()
            .filter(|i| matches!(i, Item::Arrow { .. }))
            .collect();
        assert_eq!(arrows.len(), sent, "{}: one arrow per segment", sc.id);
        for a in &arrows {
            let Item::Arrow {
                y0,
                y1,
                step,
                end_step,
                from,
                ..
            } = a
            else {
                unreachable!()
            };
            // Segments cross a link in 5 ms; an injected one reaches its host at once.
            let injected = d.lanes[*from].name == "injected";
            assert!(
                y1 > y0 || (injected && y1 == y0),
                "{}: time flows down ({y0} -> {y1})",
                sc.id
            );
            assert!(end_step.is_none_or(|e| e > *step), "{}", sc.id);
        }
        for w in d.ticks.windows(2) {
            assert!(
                w[1].y > w[0].y && w[1].at > w[0].at,
                "{}: the ruler grows",
                sc.id
            );
        }
        let svg = d.to_svg();
        assert_eq!(svg.matches("class=\"arrow\"").count(), sent, "{}", sc.id);
        insta::assert_snapshot!(sc.id, dump(&d));
    }
}

#[test]
fn idle_gaps_fold_and_active_time_is_to_scale() {
    let sc = synack_core::scenario::find("close-four-way").unwrap();
    let sim = sc.run(&sc.params(1));
    let d = layout(sim.trace(), &["client", "server"]);
    // The second between the handshake and the close is folded.
    assert!(
        d.items
            .iter()
            .any(|i| matches!(i, Item::Fold { span_us, .. } if *span_us > 900_000))
    );
    // A 5 ms link delay is 20 px of slant plus the rows stacked at the sending instant.
    let Item::Arrow { y0, y1, .. } = d
        .items
        .iter()
        .find(|i| matches!(i, Item::Arrow { .. }))
        .unwrap()
    else {
        unreachable!()
    };
    assert!((y1 - y0) >= 5 * synack_diagram::PX_PER_MS, "{y0} -> {y1}");
}

#[test]
fn a_segment_points_at_the_host_that_owns_its_destination_or_outside() {
    let arrows = |id: &str| {
        let sc = synack_core::scenario::find(id).unwrap();
        let sim = sc.run(&sc.params(1));
        let d = layout_of(&sim, Geometry::WIDE);
        let lanes = d.lanes.len();
        let v: Vec<(usize, usize, String, bool)> = d
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Arrow {
                    from,
                    to,
                    flags,
                    lost,
                    ..
                } => Some((*from, *to, flags.clone(), lost.is_some())),
                _ => None,
            })
            .collect();
        (lanes, v)
    };
    // The spoofed SYNs' SYN-ACKs go to addresses no host owns: outside, to the injected lane.
    let (lanes, flood) = arrows("syn-flood");
    assert_eq!(lanes, 3);
    let synacks: Vec<usize> = flood
        .iter()
        .filter(|(from, _, flags, lost)| *from == 1 && flags == "S." && *lost)
        .map(|(_, to, _, _)| *to)
        .collect();
    assert!(
        !synacks.is_empty() && synacks.iter().all(|to| *to == 2),
        "{synacks:?}"
    );
    // The trusted client is down and never sent a thing, yet the server's SYN-ACK to it
    // points at its lane.
    let (_, predict) = arrows("isn-predict");
    assert!(
        predict
            .iter()
            .any(|(from, to, flags, lost)| *from == 1 && *to == 0 && flags == "S." && *lost)
    );
}

#[test]
fn a_window_of_a_large_run_counts_from_the_isns_before_it() {
    let sc = synack_core::scenario::find("time-wait-server-load").unwrap();
    let sim = sc.run(&sc.params(1));
    let len = sim.trace().len();
    // The whole run as a window is the whole layout.
    let small = synack_core::scenario::find("close-four-way").unwrap();
    let s = small.run(&small.params(1));
    assert_eq!(
        synack_diagram::layout_window(&s, 0..s.trace().len(), Geometry::WIDE),
        layout_of(&s, Geometry::WIDE)
    );
    // A window in the middle: its items, at their indices in the whole trace.
    let w = len / 2..len / 2 + 2_000;
    let d = synack_diagram::layout_window(&sim, w.clone(), Geometry::WIDE);
    let mut arrows = 0;
    for i in &d.items {
        let step = match i {
            Item::Arrow { step, .. }
            | Item::State { step, .. }
            | Item::Call { step, .. }
            | Item::Timer { step, .. }
            | Item::Fold { step, .. }
            | Item::Host { step, .. } => *step,
        };
        assert!(w.contains(&step), "{step} outside {w:?}");
        if let Item::Arrow { label, .. } = i {
            arrows += 1;
            // Relative numbers, also for connections whose SYN came before the window (absolute
            // ones would be in the millions).
            for n in label
                .split(' ')
                .filter_map(|p| p.split_once('=').map(|(_, v)| v))
            {
                assert!(n.parse::<u32>().unwrap() < 10, "{label}");
            }
        }
    }
    let sent = sim.trace()[w]
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Sent { .. }))
        .count();
    assert_eq!(arrows, sent);
    assert_eq!(d.lanes, layout_of(&s, Geometry::WIDE).lanes);
}
