//! The reader's inputs: what a click on the page does to a run in progress.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use synack_core::SeqNum;
use synack_core::scenario::{self, Run};
use synack_core::sim::{Input, InputError};
use synack_core::socket::{Call, CallResult};
use synack_core::tcp::State;
use synack_core::trace::{EventKind, HostId, LossReason, SegId, SendCause};
use synack_core::wire::{Flags, Ipv4, Options, Segment};

/// The handshake scenario, run until its first segment (the SYN) is on the wire.
fn at_first_syn() -> Run {
    let sc = scenario::find("handshake").unwrap();
    let mut run = sc.start(&sc.params(1));
    while run.sim().in_flight().is_empty() {
        assert!(run.step(), "the SYN never left");
    }
    run
}

/// The handshake at its first SYN, which the router holds for `millis`.
fn first_syn_held(millis: u64) -> (Run, SegId) {
    let mut run = at_first_syn();
    let syn = run.sim().in_flight()[0].seg;
    run.apply(&Input::Hold { seg: syn, millis }).unwrap();
    (run, syn)
}

fn finish(run: &mut Run) {
    let mut budget = 100_000;
    while run.step() {
        budget -= 1;
        assert!(budget > 0, "livelock");
    }
}

fn delivered(run: &Run, seg: SegId) -> Vec<u64> {
    run.sim()
        .trace()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Delivered { id } if id == seg))
        .map(|e| e.at().micros())
        .collect()
}

#[test]
fn a_dropped_syn_is_lost_and_retransmitted_a_second_later() {
    let mut run = at_first_syn();
    let syn = run.sim().in_flight()[0].seg;
    run.apply(&Input::Drop { seg: syn }).unwrap();
    assert!(run.sim().trace().iter().any(
        |e| matches!(e.kind, EventKind::Lost { id, reason: LossReason::Chosen } if id == syn)
    ));
    finish(&mut run);
    assert!(delivered(&run, syn).is_empty());
    // The client's SYN goes again after its 1 s RTO (jiffy-rounded).
    let syns: Vec<u64> = run
        .sim()
        .segments()
        .iter()
        .filter(|(_, _, s)| s.flags.syn() && !s.flags.ack())
        .map(|(_, at, _)| at.micros())
        .collect();
    assert_eq!(syns.len(), 2);
    assert!(
        (996_000..=1_000_000).contains(&(syns[1] - syns[0])),
        "{syns:?}"
    );
    // Dropping it again fails: it is not on the wire any more.
    assert_eq!(
        run.apply(&Input::Drop { seg: syn }),
        Err(InputError::NotInFlight { seg: syn })
    );
}

#[test]
fn a_held_segment_arrives_when_released_and_a_copy_arrives_twice() {
    let (mut run, syn) = first_syn_held(300);
    assert!(run.sim().in_flight()[0].held);
    run.apply(&Input::Release { seg: syn }).unwrap();
    assert_eq!(
        run.apply(&Input::Hold {
            seg: SegId(999),
            millis: 1
        }),
        Err(InputError::NotInFlight { seg: SegId(999) })
    );
    finish(&mut run);
    // Released at once: it arrives at the hold's start (10 ms), not 300 ms later.
    assert_eq!(delivered(&run, syn), vec![10_000]);

    let (mut run, syn) = first_syn_held(300);
    finish(&mut run);
    assert_eq!(delivered(&run, syn), vec![315_000]);

    let mut run = at_first_syn();
    let syn = run.sim().in_flight()[0].seg;
    run.apply(&Input::Duplicate { seg: syn }).unwrap();
    finish(&mut run);
    let copy = run
        .sim()
        .trace()
        .iter()
        .find_map(|e| match e.kind {
            EventKind::Duplicated { copy, .. } => Some(copy),
            _ => None,
        })
        .unwrap();
    assert_eq!(delivered(&run, syn), vec![15_000]);
    assert_eq!(delivered(&run, copy), vec![16_000]);
}

#[test]
fn calls_crashes_and_reboots_from_the_reader() {
    let mut run = at_first_syn();
    let r = run
        .apply(&Input::Call {
            host: HostId(1),
            call: Call::Socket,
        })
        .unwrap();
    // fd 3 listens; the next free descriptor is 4.
    assert_eq!(r, Some(CallResult::Ok { value: 4 }));
    run.apply(&Input::Crash { host: HostId(1) }).unwrap();
    assert_eq!(
        run.apply(&Input::Call {
            host: HostId(1),
            call: Call::Socket
        }),
        Err(InputError::HostDown { host: HostId(1) })
    );
    assert_eq!(
        run.apply(&Input::Crash { host: HostId(1) }),
        Err(InputError::HostDown { host: HostId(1) })
    );
    finish(&mut run);
    // The server is down: the client's SYNs are lost there.
    assert!(run.sim().trace().iter().any(|e| matches!(
        e.kind,
        EventKind::Lost {
            reason: LossReason::HostDown,
            ..
        }
    )));
    assert_eq!(
        run.apply(&Input::Restart { host: HostId(7) }),
        Err(InputError::NoHost { host: HostId(7) })
    );
    run.apply(&Input::Restart { host: HostId(1) }).unwrap();
    assert_eq!(
        run.apply(&Input::Restart { host: HostId(1) }),
        Err(InputError::HostUp { host: HostId(1) })
    );
}

/// A reset the reader forges from the client's side of an established connection, with the
/// sequence number `at` bytes past the client's next one.
fn forged_reset(at: u32) -> Run {
    let sc = scenario::find("handshake").unwrap();
    let mut run = sc.start(&sc.params(1));
    finish(&mut run);
    let (_, _, syn) = run.sim().segments()[0].clone();
    let rst = Segment {
        src: syn.src,
        dst: syn.dst,
        seq: SeqNum(syn.seq.0.wrapping_add(1).wrapping_add(at)),
        ack: SeqNum(0),
        flags: Flags::RST,
        window: 0,
        options: Options::new(),
        payload: Vec::new(),
    };
    run.apply(&Input::Inject {
        from: HostId(0),
        seg: rst,
    })
    .unwrap();
    finish(&mut run);
    run
}

fn server_closed(run: &Run) -> bool {
    run.sim().trace().iter().any(|e| {
        e.host() == Some(HostId(1))
            && matches!(
                e.kind,
                EventKind::State {
                    to: State::Closed,
                    ..
                }
            )
    })
}

#[test]
fn a_forged_reset_with_the_next_sequence_number_closes_the_server_side() {
    // RFC 5961 §3.2 (tcp_validate_incoming): only the exact next sequence number resets.
    let run = forged_reset(0);
    let injected = run.sim().trace().iter().find_map(|e| match &e.kind {
        EventKind::Sent {
            id,
            cause: SendCause::Injected,
            ..
        } if e.host().is_none() => Some((*id, e.at())),
        _ => None,
    });
    let (id, at) = injected.expect("the trace names the injected segment");
    // It crosses the client-to-server link (5 ms) like any other segment.
    assert_eq!(
        delivered(&run, id),
        vec![at.micros() + 5_000],
        "delivered after the link's delay"
    );
    assert!(server_closed(&run));
    // One byte further it is in the window but not exact: a challenge ACK, no reset.
    let run = forged_reset(1);
    assert!(!server_closed(&run));
}

#[test]
fn a_segment_to_an_address_no_link_reaches_is_refused() {
    let mut run = at_first_syn();
    let (_, _, syn) = run.sim().segments()[0].clone();
    let mut seg = Segment::clone(&syn);
    seg.dst.ip = Ipv4::new(192, 0, 2, 9);
    assert_eq!(
        run.apply(&Input::Inject {
            from: HostId(0),
            seg
        }),
        Err(InputError::NoRoute { host: HostId(0) })
    );
}

#[test]
fn a_copy_without_the_log_goes_on_as_the_original_and_its_log_can_be_put_back() {
    // close-four-way, copied halfway: the copy records only what comes after, and with the
    // original's first half put back in front it holds the whole run's log.
    let sc = scenario::find("close-four-way").unwrap();
    let mut run = sc.start(&sc.params(1));
    for _ in 0..10 {
        assert!(run.step());
    }
    let (events, segments) = run.sim().log_len();
    assert_eq!(
        (events, segments),
        (run.sim().trace().len(), run.sim().segments().len())
    );
    let mut copy = run.clone();
    assert!(copy.sim().trace().is_empty() && copy.sim().segments().is_empty());
    assert_eq!(copy.sim().log_len(), (events, segments));
    finish(&mut run);
    finish(&mut copy);
    assert_eq!(copy.sim().log_len(), run.sim().log_len());
    assert_eq!(
        format!("{:?}", copy.sim().trace()),
        format!("{:?}", &run.sim().trace()[events..])
    );
    // The original keeps its whole log; taken out, its length still counts.
    let (head, segs) = run.take_log();
    assert!(run.sim().trace().is_empty());
    assert_eq!(run.sim().log_len(), (head.len(), segs.len()));
    copy.prepend_log(head[..events].to_vec(), segs[..segments].to_vec());
    assert_eq!(format!("{:?}", copy.sim().trace()), format!("{head:?}"));
    assert_eq!(copy.sim().segments(), &segs[..]);
    assert_eq!(copy.sim().log_len(), (head.len(), segs.len()));
}

/// The page lists the segments on the wire in the order they were sent, whatever order the
/// simulator keeps them in: a flood puts many on the wire at once.
#[test]
fn the_wire_is_listed_in_the_order_segments_were_sent() {
    let sc = scenario::find("syn-flood").unwrap();
    let mut p = sc.params(1);
    sc.set_all(&mut p, &[("syn_rate", "10000")]).unwrap();
    let mut run = sc.start(&p);
    let mut most = 0;
    for _ in 0..5_000 {
        if !run.step() {
            break;
        }
        let ids: Vec<u64> = run.sim().in_flight().iter().map(|f| f.seg.0).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        most = most.max(ids.len());
    }
    assert!(
        most >= 20,
        "never more than {most} segments on the wire at once"
    );
}

/// The list of segments holds each segment as on the wire in the allocation of the event that
/// carries it (its `Sent`, or on its way out through a NAT its `Translated`), not a copy: a copy
/// of every segment was a fifth of a large run's memory. Fails when either side copies, or when
/// the list holds the other side of the NAT.
#[test]
fn the_list_of_segments_shares_each_segment_with_its_event() {
    use std::collections::BTreeMap;
    use std::rc::Rc;
    let mut checked = (0, 0);
    for (id, set) in [
        ("handshake", &[][..]),
        ("nat-port-reuse", &[]),
        ("syn-flood", &[("syn_rate", "10")]),
    ] {
        let sc = scenario::find(id).unwrap();
        let mut p = sc.params(1);
        sc.set_all(&mut p, set).unwrap();
        let mut run = sc.start(&p);
        // One segment from outside the hosts, injected by the reader.
        while run.sim().segments().is_empty() {
            assert!(run.step(), "{id}: nothing sent");
        }
        let first = Segment::clone(&run.sim().segments()[0].2);
        run.apply(&Input::Inject {
            from: HostId(0),
            seg: first,
        })
        .unwrap();
        finish(&mut run);
        let mut sent: BTreeMap<SegId, &Rc<Segment>> = BTreeMap::new();
        let mut translated: BTreeMap<SegId, &Rc<Segment>> = BTreeMap::new();
        for e in run.sim().trace() {
            match &e.kind {
                EventKind::Sent { id, seg, .. } => assert!(sent.insert(*id, seg).is_none()),
                EventKind::Translated { id, seg } => {
                    assert!(translated.insert(*id, seg).is_none());
                }
                _ => {}
            }
        }
        for (sid, _, wire) in run.sim().segments() {
            let before = sent[sid];
            // On its way out the NAT rewrites the source: the wire outside carries that.
            let expected = match translated.get(sid) {
                Some(after) if after.src != before.src => {
                    checked.1 += 1;
                    after
                }
                _ => before,
            };
            assert!(Rc::ptr_eq(expected, wire), "{id}: segment {sid}");
            checked.0 += 1;
        }
    }
    assert!(checked.0 > 100 && checked.1 > 3, "{checked:?} segments");
}
