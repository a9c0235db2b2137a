//! Random runs: socket calls, drops, holds, duplicates, crashes and reboots, thrown at two
//! hosts. Whatever happens, nothing panics, every run ends within its budget, and the same seed
//! gives the same trace.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use synack_core::config::Profile;
use synack_core::net::{Link, ROUTER_MSL, Rule, RuleAction};
use synack_core::sim::{HostSpec, Limits, Op, Sim, SimConfig, Step, Thread};
use synack_core::socket::{Call, How};
use synack_core::tcp::{HostConfig, IsnStrategy};
use synack_core::time::{Duration, Instant};
use synack_core::trace::HostId;
use synack_core::wire::{Endpoint, Ipv4};

const ADDRS: [Ipv4; 2] = [Ipv4::new(10, 0, 0, 1), Ipv4::new(10, 0, 0, 2)];
const MAX_EVENTS: usize = 20_000;

fn endpoint() -> impl Strategy<Value = Endpoint> {
    (
        prop::sample::select(vec![Ipv4(0), ADDRS[0], ADDRS[1], Ipv4::new(127, 0, 0, 1)]),
        prop::sample::select(vec![0u16, 8080, 40000, 40001]),
    )
        .prop_map(|(ip, port)| Endpoint::new(ip, port))
}

fn op() -> impl Strategy<Value = Op> {
    let fd = 3i32..7;
    prop_oneof![
        4 => Just(Op::Call(Call::Socket)),
        1 => (fd.clone(), any::<bool>()).prop_map(|(fd, on)| Op::Call(Call::SetReuseAddr { fd, on })),
        1 => (fd.clone(), any::<bool>()).prop_map(|(fd, on)| Op::Call(Call::SetNonBlocking { fd, on })),
        1 => fd.clone().prop_map(|fd| Op::Call(Call::GetSoError { fd })),
        2 => (fd.clone(), endpoint()).prop_map(|(fd, addr)| Op::Call(Call::Bind { fd, addr })),
        2 => (fd.clone(), 0u32..4).prop_map(|(fd, backlog)| Op::Call(Call::Listen { fd, backlog })),
        2 => fd.clone().prop_map(|fd| Op::Call(Call::Accept { fd })),
        3 => (fd.clone(), endpoint()).prop_map(|(fd, addr)| Op::Call(Call::Connect { fd, addr })),
        2 => (fd.clone(), 0usize..3000).prop_map(|(fd, n)| Op::Call(Call::Write { fd, data: vec![7; n].into() })),
        2 => (fd.clone(), 0u32..5000).prop_map(|(fd, len)| Op::Call(Call::Read { fd, len })),
        1 => (fd.clone(), prop::sample::select(vec![How::Read, How::Write, How::Both])).prop_map(|(fd, how)| Op::Call(Call::Shutdown { fd, how })),
        2 => fd.prop_map(|fd| Op::Call(Call::Close { fd })),
        1 => Just(Op::Crash),
        1 => Just(Op::Restart),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    (0u64..3000, op(), prop::option::of((1u64..5000, 0u32..3))).prop_map(|(ms, op, retry)| Step {
        after: Duration::from_millis(ms),
        op,
        retry: retry.map(|(ms, n)| (Duration::from_millis(ms), n)),
    })
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        0u16..2,
        1u32..40,
        prop_oneof![
            Just(RuleAction::Drop),
            (0u64..40_000).prop_map(|ms| RuleAction::Hold(Duration::from_millis(ms))),
            (0u64..40_000).prop_map(|ms| RuleAction::Duplicate(Duration::from_millis(ms))),
        ],
    )
        .prop_map(|(h, nth, action)| Rule {
            from: HostId(h),
            nth,
            action,
        })
}

fn isn() -> impl Strategy<Value = IsnStrategy> {
    prop_oneof![
        Just(IsnStrategy::Rfc6528),
        any::<u32>().prop_map(IsnStrategy::Fixed)
    ]
}

#[derive(Debug, Clone)]
struct World {
    seed: u64,
    threads: Vec<Vec<Vec<Step>>>,
    rules: Vec<Rule>,
    loss_ppm: u32,
    dup_ppm: u32,
    isn: IsnStrategy,
    timestamps: u32,
    /// Bit i set: host i runs linux-3.10 with `tcp_tw_recycle=1`.
    linux_3_10: u8,
}

fn world() -> impl Strategy<Value = World> {
    (
        any::<u64>(),
        prop::collection::vec(
            prop::collection::vec(prop::collection::vec(step(), 0..12), 1..3),
            2..=2,
        ),
        prop::collection::vec(rule(), 0..8),
        prop_oneof![Just(0u32), 0u32..300_000],
        prop_oneof![Just(0u32), 0u32..300_000],
        isn(),
        0u32..3,
        0u8..4,
    )
        .prop_map(
            |(seed, threads, rules, loss_ppm, dup_ppm, isn, timestamps, linux_3_10)| World {
                seed,
                threads,
                rules,
                loss_ppm,
                dup_ppm,
                isn,
                timestamps,
                linux_3_10,
            },
        )
}

fn call(ms: u64, c: Call) -> Step {
    Step {
        after: Duration::from_millis(ms),
        op: Op::Call(c),
        retry: None,
    }
}

/// What each host's first thread does before its random steps: the server listens and accepts,
/// the client connects, so that random runs have connections to break.
fn prologue(host: usize) -> Vec<Step> {
    if host == 1 {
        vec![
            call(0, Call::Socket),
            call(0, Call::SetReuseAddr { fd: 3, on: true }),
            call(
                0,
                Call::Bind {
                    fd: 3,
                    addr: Endpoint::new(Ipv4(0), 8080),
                },
            ),
            call(0, Call::Listen { fd: 3, backlog: 2 }),
            call(0, Call::Accept { fd: 3 }),
        ]
    } else {
        vec![
            call(10, Call::Socket),
            call(
                0,
                Call::Connect {
                    fd: 3,
                    addr: Endpoint::new(ADDRS[1], 8080),
                },
            ),
            call(
                10,
                Call::Write {
                    fd: 3,
                    data: vec![1; 2000].into(),
                },
            ),
        ]
    }
}

fn build(w: &World) -> Sim {
    let hosts = w
        .threads
        .iter()
        .enumerate()
        .map(|(i, threads)| {
            let profile = if w.linux_3_10 & (1 << i) != 0 {
                Profile::Linux3_10
            } else {
                Profile::Linux6_18
            };
            let mut sysctl = profile.defaults();
            sysctl.tcp_timestamps = w.timestamps;
            sysctl.tcp_tw_recycle = u32::from(profile == Profile::Linux3_10);
            HostSpec {
                cfg: HostConfig {
                    name: format!("h{i}"),
                    addr: ADDRS[i],
                    profile,
                    sysctl,
                    skip_time_wait: false,
                    time_wait_secs: synack_core::tcp::TCP_TIMEWAIT_LEN_SECS,
                    max_sockets: 1000,
                    isn: w.isn,
                    ts_clock: Default::default(),
                },
                threads: threads
                    .iter()
                    .enumerate()
                    .map(|(t, steps)| {
                        let mut all = if t == 0 { prologue(i) } else { Vec::new() };
                        all.extend(steps.iter().cloned());
                        Thread { steps: all }
                    })
                    .collect(),
            }
        })
        .collect();
    let mut links = Vec::new();
    for (a, b) in [(0u16, 1u16), (1, 0)] {
        let mut l = Link::new(HostId(a), HostId(b), Duration::from_millis(5));
        l.loss_ppm = w.loss_ppm;
        l.dup_ppm = w.dup_ppm;
        links.push(l);
    }
    Sim::new(SimConfig {
        seed: w.seed,
        hosts,
        links,
        rules: w.rules.clone(),
        router_msl: ROUTER_MSL,
        limits: Limits {
            max_events: MAX_EVENTS,
            max_sockets: 1000,
            until: Instant(300_000_000),
        },
        attack: None,
        nat: None,
    })
}

/// Runs to the end, with a step budget: a livelock fails the test instead of hanging it.
fn drive(sim: &mut Sim) -> usize {
    let mut steps = 0;
    while sim.step() {
        steps += 1;
        assert!(steps < 10 * MAX_EVENTS, "no end after {steps} steps");
    }
    steps
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_run_ends_and_replays_identically(w in world()) {
        let mut a = build(&w);
        drive(&mut a);
        prop_assert!(a.trace().len() <= MAX_EVENTS + 64, "the event limit holds");
        let mut b = build(&w);
        drive(&mut b);
        prop_assert_eq!(format!("{:?}", a.trace()), format!("{:?}", b.trace()));
    }
}
