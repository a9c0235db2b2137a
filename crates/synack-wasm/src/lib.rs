//! synack's WebAssembly binding: one handle over a scenario's run, for the page.
//!
//! **Architecture invariant:** the only crate that knows about JavaScript. It validates every
//! input at the boundary (a bad scenario id, setting, seed or step is a `JsError`, never a
//! panic: on `wasm32-unknown-unknown` a panic would leave the handle unusable) and hands back
//! small serializable views, not the world.
//!
//! A [`Playground`] runs the whole scenario once when it is made (so that the diagram's layout
//! is stable while the reader steps) and keeps the live simulation at the reader's cursor: a
//! step runs the simulation on to the next visible change; `back` and `seek` restore the nearest
//! periodic snapshot and replay from there, so going back stays instant on long runs.
//!
//! The complete run's log (trace and segments) is held once, by the complete run. Snapshots and
//! the live simulation leave it out (a `Sim`'s `clone` leaves its log out), and at
//! most [`MAX_SNAPSHOTS`] are kept (past that, every other one goes and the spacing doubles), so
//! that a run of a million events holds little besides its trace. A run of more than
//! [`WINDOWED_ABOVE`] segments is drawn a window at a time: the [`WINDOW_SEGMENTS`] segments
//! around the cursor (see [`Playground::window`]), so that 30,000 connections draw as fast as 3.
//!
//! Two modules are built from this crate (`wasm-pack.toml`): the page's, which it loads at once
//! and which must stay small, and with the `tools` feature a second one that the page loads only
//! when the reader asks for it: the same [`Playground`] plus the exports a reader takes away
//! (pcap, SVG, Mermaid, the text trace: the CLI's bytes, made by the same functions) and the
//! packetdrill runner ([`run_packetdrill`]). The page makes a `Playground` there with the same
//! scenario, settings, seed and actions, which runs the same run (runs are deterministic).
//!
//! Errors are JSON objects in `JsError`'s message, `{"code": "unknown_setting", "name": ...}`,
//! so that the page can say what was wrong in the reader's language.

#![forbid(unsafe_code)]

use serde::Serialize;
use synack_core::SeqNum;
use synack_core::config::{ConfigError, KNOBS, Profile};
use synack_core::scenario::{self, Fact, Params, Run, SCENARIOS, Scenario};
use synack_core::sim::{Input, InputError};
use synack_core::socket::{Call, CallResult, How};
use synack_core::tcp::{ConnView, State};
use synack_core::trace::{Event, EventKind, HostId, SegId, SendCause};
use synack_core::wire::{Endpoint, Flags, Options, Segment, TcpOption};
use synack_diagram::Geometry;
use synack_diagram::series::{Counts, Series};
use wasm_bindgen::prelude::*;

/// The module's allocator: talc instead of Rust's default for wasm (dlmalloc). The same speed in
/// the page's runs, 2.8 KB smaller gzipped, which the build spends on inlining more of the
/// simulator (`wasm-pack.toml`). Native builds (tests, `page_run`) keep the system's.
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Simulation steps between two snapshots, at first (doubled each time the run has more than
/// [`MAX_SNAPSHOTS`]).
const SNAPSHOT_EVERY: usize = 64;
/// The most snapshots a run keeps.
pub const MAX_SNAPSHOTS: usize = 32;
/// Simulation steps between two readings of the new part of a run's trace (the diagram's
/// windows, the segments' list, the chart's counts): about 10,000 events, a few hundred
/// kilobytes that are still in the cache.
const SCAN_EVERY: usize = 4_096;

/// How large a complete run grew: its log (events, segments) and the playground's lists read
/// from it (stops, the segments' `Sent` events).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Sizes {
    events: usize,
    segments: usize,
    stops: usize,
    sent: usize,
    /// The spacing of the snapshots a run as long keeps (`fresh_spacing`).
    snapshot_every: usize,
}

/// The spacing of the snapshots a run of `steps` steps ends with when it starts at
/// [`SNAPSHOT_EVERY`]: the smallest doubling of it at which the snapshots at its multiples (the
/// start's included) number at most [`MAX_SNAPSHOTS`]. What the next run of the scenario starts
/// from: worked out from the run's length, not carried from the spacing it began with, so that a
/// long run followed by shorter ones costs the shorter ones their density once only.
fn fresh_spacing(steps: usize) -> usize {
    let mut every = SNAPSHOT_EVERY;
    while steps / every + 1 > MAX_SNAPSHOTS {
        every *= 2;
    }
    every
}

std::thread_local! {
    /// The last complete run's scenario and sizes. A knob change runs the same scenario again:
    /// its run makes room for as much at its start instead of growing its vectors by doubling,
    /// which copies them (in wasm a reallocation cannot remap: a tenth of `port-exhaustion`'s
    /// run), and takes its snapshots as far apart as the last run's length calls for. Only
    /// capacities and the snapshots' spacing follow from it, never what a run does.
    static LAST_SIZES: core::cell::Cell<Option<(&'static str, Sizes)>> =
        const { core::cell::Cell::new(None) };
}
/// A run that sends more segments than this is drawn a window at a time (no scenario on its
/// defaults comes near it but the two large ones).
pub const WINDOWED_ABOVE: usize = 2_000;
/// The most segments in one window of a large run's diagram.
pub const WINDOW_SEGMENTS: usize = 200;
/// The most trace events in one window (a stretch of failing `connect()` calls sends nothing).
pub const WINDOW_EVENTS: usize = 1_500;
/// The most connections per host the state panels list (listeners and the connections not in
/// TIME-WAIT first); the others are counted by state.
const MAX_LISTED_CONNS: usize = 40;
/// The longest `set` string accepted (a URL's worth).
const MAX_SET_LEN: usize = 4096;
/// The most simulation steps a playground runs (the core's own limits stop a run long before).
const MAX_SIM_STEPS: usize = 5_000_000;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** A scenario of the catalogue, with the settings it accepts. */
export interface ScenarioInfo {
  id: string;
  summary: string;
  hosts: string[];
  settings: { name: string; help: string; default: number; min: number; max: number; choices: string[] }[];
  knobs: { name: string; full_name: string; help: string; default: string; accepted: string }[];
}
/** One event of the trace (see synack_core::trace::EventKind): `type` names the kind. */
export interface TraceEvent { at: number; host: number | null; type: string; [field: string]: unknown }
/** A socket as `ss -tan` lists it. */
export interface SocketRow {
  state: string; local: { ip: number; port: number } | null; remote: { ip: number; port: number } | null;
  fd: number | null; recv_q: number; send_q: number; kind: "Full" | "Request" | "TimeWait";
}
/** One host's sockets. */
export interface HostSockets { name: string; sockets: SocketRow[] }
/** One fact of the outcome. */
export interface Fact { key: string; value: string }
/** The diagram's display list (see synack_diagram::Item). */
export interface DiagramView {
  width: number; height: number; gutter: number;
  lanes: { x: number; name: string; side: number }[];
  ticks: { y: number; at: number }[];
  items: ({ kind: string; step: number; [field: string]: unknown })[];
}
/** What was wrong with an input: `JSON.parse(error.message)`. */
export interface Problem { code: string; [field: string]: unknown }
"#;

/// What was wrong with an input, for the page to say in the reader's language: a setting the
/// core refused (its own `ConfigError`), or an input of the page's.
#[derive(Serialize)]
#[serde(untagged)]
enum Problem {
    Config(ConfigError),
    Page(PageProblem),
    Input(InputError),
}

#[derive(Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
enum PageProblem {
    UnknownScenario {
        value: String,
        accepted: Vec<&'static str>,
    },
    NotNameValue {
        value: String,
    },
    TooLong {
        max: usize,
    },
    BadSeed {
        value: String,
    },
    BadStep {
        value: f64,
        max: usize,
    },
    BadAction {
        value: String,
        reason: String,
    },
    NoRandomness,
}

impl From<PageProblem> for Problem {
    fn from(p: PageProblem) -> Problem {
        Problem::Page(p)
    }
}

impl From<InputError> for Problem {
    fn from(e: InputError) -> Problem {
        Problem::Input(e)
    }
}

impl From<ConfigError> for Problem {
    fn from(e: ConfigError) -> Problem {
        Problem::Config(e)
    }
}

fn to_js<T: Serialize + ?Sized>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

fn problem(p: impl Into<Problem>) -> JsError {
    let p: Problem = p.into();
    let text = to_js(&p)
        .ok()
        .and_then(|v| js_sys::JSON::stringify(&v).ok())
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| String::from("{\"code\":\"internal\"}"));
    JsError::new(&text)
}

#[derive(Serialize)]
struct SettingInfo {
    name: &'static str,
    help: &'static str,
    default: u64,
    min: u64,
    max: u64,
    choices: &'static [&'static str],
    /// `client.NAME` and `server.NAME` may differ.
    per_host: bool,
    /// Per host, as this scenario sets it, where it sets hosts apart (`a.nat_ts_offset_ms`);
    /// empty otherwise.
    defaults: Vec<String>,
}

#[derive(Serialize)]
struct KnobInfo {
    name: &'static str,
    full_name: &'static str,
    help: &'static str,
    default: String,
    /// Per host, as this scenario sets it (some scenarios change a sysctl for their story).
    defaults: Vec<String>,
    accepted: String,
}

#[derive(Serialize)]
struct ScenarioInfo {
    id: &'static str,
    summary: &'static str,
    hosts: Vec<String>,
    settings: Vec<SettingInfo>,
    knobs: Vec<KnobInfo>,
    /// The kernel profiles this build simulates, and each host's by default.
    profiles: Vec<&'static str>,
    host_profiles: Vec<&'static str>,
}

/// Every scenario of the catalogue this build simulates, with its settings and the sysctls its
/// hosts accept.
#[wasm_bindgen]
pub fn scenarios() -> Result<JsValue, JsError> {
    let list: Vec<ScenarioInfo> = SCENARIOS
        .iter()
        .map(|s| {
            let params = s.params(1);
            ScenarioInfo {
                id: s.id,
                summary: s.summary,
                hosts: params.hosts.iter().map(|h| h.name.clone()).collect(),
                settings: s
                    .all_settings()
                    .map(|x| SettingInfo {
                        name: x.name,
                        help: x.help,
                        default: x.default,
                        min: x.min,
                        max: x.max,
                        choices: x.choices,
                        per_host: scenario::PER_HOST.contains(&x.name),
                        defaults: params.host_settings(x.name),
                    })
                    .collect(),
                knobs: KNOBS
                    .iter()
                    .map(|k| KnobInfo {
                        name: k.name,
                        full_name: k.full_name,
                        help: k.help,
                        default: params.hosts.first().map_or_else(
                            || k.get(&Profile::Linux6_18.defaults()),
                            |h| k.get(&h.sysctl),
                        ),
                        // Empty where the host's profile lacks the knob (the page disables it).
                        defaults: params
                            .hosts
                            .iter()
                            .map(|h| {
                                if k.exists_in(h.profile) {
                                    k.get(&h.sysctl)
                                } else {
                                    String::new()
                                }
                            })
                            .collect(),
                        accepted: k.accepted(),
                    })
                    .collect(),
                profiles: Profile::ALL.iter().map(|p| p.name()).collect(),
                host_profiles: params.hosts.iter().map(|h| h.profile.name()).collect(),
            }
        })
        .collect();
    to_js(&list)
}

/// A fresh seed from the browser's randomness (`crypto.getRandomValues`), as decimal text.
#[wasm_bindgen]
pub fn fresh_seed() -> Result<String, JsError> {
    let n = getrandom::u64().map_err(|_| problem(PageProblem::NoRandomness))?;
    // Seeds travel in URLs and through JS numbers: keep them below 2^53.
    Ok((n >> 11).to_string())
}

/// Parses `NAME=VALUE,NAME=VALUE` (a URL's `set=`) onto a scenario's parameters.
fn apply_settings(sc: &Scenario, p: &mut Params, set: &str) -> Result<(), JsError> {
    if set.len() > MAX_SET_LEN {
        return Err(problem(PageProblem::TooLong { max: MAX_SET_LEN }));
    }
    let mut pairs = Vec::new();
    for part in set.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some((name, value)) = part.split_once('=') else {
            return Err(problem(PageProblem::NotNameValue { value: part.into() }));
        };
        pairs.push((name.trim(), value.trim()));
    }
    sc.set_all(p, &pairs).map_err(problem)
}

fn parse_seed(seed: &str) -> Result<u64, JsError> {
    let s = seed.trim();
    if s.is_empty() {
        return Ok(1);
    }
    s.parse::<u64>()
        .ok()
        .filter(|v| *v < (1 << 53))
        .ok_or_else(|| {
            problem(PageProblem::BadSeed {
                value: s.chars().take(40).collect(),
            })
        })
}

/// Where a run is: how many simulation steps it has taken and how many of the reader's actions
/// it has applied (an action is applied between two steps).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Pos {
    steps: usize,
    actions: usize,
}

/// One scenario's run, the reader's actions in it, and the reader's cursor.
#[wasm_bindgen]
pub struct Playground {
    scenario: &'static Scenario,
    params: synack_core::scenario::Params,
    seed: u64,
    set: String,
    hosts: Vec<String>,
    /// The reader's actions, each with the simulation step it comes after.
    actions: Vec<(usize, Action)>,
    /// The complete run, the only holder of its log (trace and segments); while `pending`, the
    /// run so far.
    end: Run,
    /// Where the run is while it is not complete yet (see [`Playground::begin`]); `None` once it
    /// has ended.
    pending: Option<Pos>,
    /// How much of the trace `sent`, `windows` and `counts` have read.
    scanned: usize,
    outcome: Vec<Fact>,
    /// The trace index of every segment's `Sent`, in order.
    sent: Vec<usize>,
    /// Where each window of the diagram starts (trace indices), used for a run of more than
    /// `WINDOWED_ABOVE` segments ([`Playground::window_at`]).
    windows: Vec<usize>,
    /// Counts over time of the complete run, for the chart.
    series: Vec<Series>,
    /// The chart's counts of the trace read so far (they become `series` once the run is
    /// complete).
    counts: Counts,
    /// After each visible step: (trace length, position). `stops[0]` is the start.
    stops: Vec<(usize, Pos)>,
    /// The run (without its log) at some positions, every `snapshot_every` steps.
    snapshots: Vec<(Pos, Run)>,
    snapshot_every: usize,
    /// The run at the cursor, without its log.
    live: Run,
    live_pos: Pos,
    cursor: usize,
}

#[wasm_bindgen]
impl Playground {
    /// Runs scenario `id` with `set` (`NAME=VALUE,...`, sysctls or the scenario's settings,
    /// `HOST.NAME=VALUE` for one host), `seed` (decimal; empty for the default 1), and the
    /// reader's actions `acts` (`STEP@ACTION,...` as [`Playground::act`] returns them).
    #[wasm_bindgen(constructor)]
    pub fn new(id: &str, set: &str, seed: &str, acts: &str) -> Result<Playground, JsError> {
        let (mut p, start) = Playground::prepare(id, set, seed, acts)?;
        p.simulate(start, Pos::default())?;
        Ok(p)
    }

    /// As the constructor, but simulates only the first `steps` steps of the run: the page draws
    /// the start of a large run at once and goes on with [`Playground::advance`] while the
    /// reader looks (a knob change in `port-exhaustion` redoes 400,000 steps). Until the run is
    /// complete, the stops, the trace and the diagram's windows are those of the run so far,
    /// the chart and the outcome are empty, and the cursor cannot pass the last stop so far.
    pub fn begin(
        id: &str,
        set: &str,
        seed: &str,
        acts: &str,
        steps: f64,
    ) -> Result<Playground, JsError> {
        let (mut p, start) = Playground::prepare(id, set, seed, acts)?;
        p.set_pending(start, Pos::default());
        p.advance(steps)?;
        Ok(p)
    }

    /// Simulates at most `steps` more steps of a run begun with [`Playground::begin`]; returns
    /// whether the run is complete.
    pub fn advance(&mut self, steps: f64) -> Result<bool, JsError> {
        // At least one step, at most all of them (NaN and negative counts take one).
        let steps = if steps >= 1.0 {
            steps.min(MAX_SIM_STEPS as f64) as usize
        } else {
            1
        };
        self.run_pending(steps)
    }

    /// The run is complete (always, but between [`Playground::begin`] and the last
    /// [`Playground::advance`]).
    pub fn complete(&self) -> Result<bool, JsError> {
        Ok(self.pending.is_none())
    }
}

impl Playground {
    /// A playground at the start of scenario `id`'s run, and that start.
    fn prepare(id: &str, set: &str, seed: &str, acts: &str) -> Result<(Playground, Run), JsError> {
        // Not `scenario::find`: an unknown id is the page's own problem, with the ids it knows.
        let scenario = SCENARIOS.iter().find(|s| s.id == id).ok_or_else(|| {
            problem(PageProblem::UnknownScenario {
                value: id.chars().take(60).collect(),
                accepted: SCENARIOS.iter().map(|s| s.id).collect(),
            })
        })?;
        let seed = parse_seed(seed)?;
        let mut params = scenario.params(seed);
        apply_settings(scenario, &mut params, set)?;
        let start = scenario.start(&params);
        let hosts: Vec<String> = start
            .sim()
            .hosts()
            .iter()
            .map(|h| h.name().into())
            .collect();
        let actions = parse_actions(acts, &hosts)?;
        let mut p = Playground {
            scenario,
            params,
            seed,
            set: set.into(),
            hosts,
            actions,
            end: start.clone(),
            pending: None,
            scanned: 0,
            outcome: Vec::new(),
            sent: Vec::new(),
            windows: Vec::new(),
            series: Vec::new(),
            counts: Counts::default(),
            stops: vec![(0, Pos::default())],
            snapshots: vec![(Pos::default(), start.clone())],
            snapshot_every: SNAPSHOT_EVERY,
            live: start.clone(),
            live_pos: Pos::default(),
            cursor: 0,
        };
        let mut start = start;
        if let Some((last, sizes)) = LAST_SIZES.get()
            && last == scenario.id
        {
            start.reserve_log(sizes.events, sizes.segments);
            p.stops.reserve(sizes.stops);
            p.sent.reserve(sizes.sent);
            // Taken at the spacing a run as long as the last one ends with, no snapshot is made
            // only to be dropped when the spacing doubles (four in five of `port-exhaustion`'s
            // copies of its hosts were).
            p.snapshot_every = sizes.snapshot_every;
        }
        Ok((p, start))
    }
}

#[wasm_bindgen]
impl Playground {
    /// Does what the reader clicked, at the cursor: `drop:SEG`, `hold:SEG:MS`, `dup:SEG`,
    /// `release:SEG`, `crash:HOST`, `restart:HOST`, `connect:HOST`, `accept:HOST:FD`,
    /// `read:HOST:FD`, `write:HOST:FD:BYTES`, `shutdown:HOST:FD`, `close:HOST:FD`,
    /// `abort:HOST:FD` (SO_LINGER {on, 0}, then close),
    /// `inject:HOST:SPORT:DPORT:FLAGS:SEQ:ACK:WIN:LEN:OPTIONS` (a segment entering the link at
    /// HOST's side; FLAGS in tcpdump's letters, OPTIONS like `mss1460+sackOK+ts1/0+wscale7`).
    /// What comes after the cursor is simulated again; actions the reader made later are
    /// dropped. Returns the action as the URL keeps it (`STEP@ACTION`).
    pub fn act(&mut self, text: &str) -> Result<String, JsError> {
        let action = parse_action(text, &self.hosts)?;
        let here = self.stops.get(self.cursor).map_or(Pos::default(), |s| s.1);
        self.go(self.cursor);
        let mut run = self.live.clone();
        apply_action(&mut run, &action).map_err(problem)?;
        // The new run's log: the complete run's up to the cursor, then its own.
        let (events, segments) = self.live.sim().log_len();
        let (mut trace, mut segs) = self.end.take_log();
        trace.truncate(events);
        segs.truncate(segments);
        run.prepend_log(trace, segs);
        self.actions.truncate(here.actions);
        self.actions.push((here.steps, action));
        self.stops.truncate(self.cursor + 1);
        self.snapshots.retain(|(p, _)| *p <= here);
        let after = Pos {
            steps: here.steps,
            actions: here.actions + 1,
        };
        let len = run.sim().log_len().0;
        if self.stops.last().is_some_and(|(l, _)| *l < len) {
            self.stops.push((len, after));
        }
        self.simulate(run, after)?;
        let next = (self.cursor + 1).min(self.stops.len().saturating_sub(1));
        self.go(next);
        Ok(self.action_tokens().pop().unwrap_or_default())
    }

    /// The reader's actions, as the URL keeps them (`STEP@ACTION,...`).
    pub fn actions(&self) -> Result<String, JsError> {
        Ok(self.action_tokens().join(","))
    }

    /// Everything about segment `seg` in the complete run: the segment, who sent it and why (the
    /// Linux function), and what became of it (delivered, discarded by which rule, lost, held,
    /// copied), each with the trace index where it happened.
    pub fn inspect(&self, seg: f64) -> Result<JsValue, JsError> {
        #[derive(Serialize)]
        struct Fate {
            step: usize,
            at: u64,
            what: &'static str,
            reason: Option<String>,
            cite: Option<&'static str>,
            host: Option<u16>,
        }
        #[derive(Serialize)]
        struct Inspected<'a> {
            seg: u64,
            step: usize,
            at: u64,
            host: Option<u16>,
            segment: &'a synack_core::wire::Segment,
            cause: SendCause,
            cite: &'static str,
            fates: Vec<Fate>,
        }
        let trace = self.trace_all();
        let max = trace.len();
        if !(seg.is_finite() && seg >= 1.0 && seg.fract() == 0.0) {
            return Err(problem(PageProblem::BadStep { value: seg, max }));
        }
        let id = SegId(seg as u64);
        // A copy the network made has no Sent event of its own: it is its original's segment.
        let original = trace.iter().find_map(|e| match e.kind {
            EventKind::Duplicated { id: o, copy } if copy == id => Some(o),
            _ => None,
        });
        let wanted = original.unwrap_or(id);
        // Segments are numbered in the order they are sent: the `Sent` is found by bisection.
        let k = self.sent.partition_point(|i| {
            trace
                .get(*i)
                .is_some_and(|e| matches!(e.kind, EventKind::Sent { id: s, .. } if s < wanted))
        });
        let sent = self
            .sent
            .get(k)
            .and_then(|&i| match trace.get(i).map(|e| (e, &e.kind)) {
                Some((e, EventKind::Sent { id: s, seg, cause })) if *s == wanted => {
                    Some((i, e, seg, *cause))
                }
                _ => None,
            });
        let Some((step, e, segment, cause)) = sent else {
            return Err(problem(PageProblem::BadStep { value: seg, max }));
        };
        // What became of it comes after it was sent (a copy is made after its original).
        let fates = trace
            .iter()
            .enumerate()
            .skip(step)
            .filter_map(|(i, ev)| {
                let (what, reason, cite) = match &ev.kind {
                    EventKind::Delivered { id: d } if *d == id => ("delivered", None, None),
                    EventKind::Discarded { id: d, reason } if *d == id => (
                        "discarded",
                        Some(format!("{reason:?}")),
                        Some(reason.cite()),
                    ),
                    EventKind::Lost { id: d, reason } if *d == id => {
                        ("lost", Some(format!("{reason:?}")), None)
                    }
                    EventKind::Held { id: d, .. } if *d == id => ("held", None, None),
                    EventKind::Released { id: d } if *d == id => ("released", None, None),
                    EventKind::Duplicated { id: d, copy } if *d == id => {
                        ("duplicated", Some(format!("{}", copy.0)), None)
                    }
                    // The addresses it has between the NAT and the outside.
                    EventKind::Translated { id: d, seg } if *d == id => (
                        "translated",
                        Some(format!("{} > {}", seg.src, seg.dst)),
                        None,
                    ),
                    _ => return None,
                };
                Some(Fate {
                    step: i,
                    at: ev.at().micros(),
                    what,
                    reason,
                    cite,
                    host: ev.host().map(|h| h.0),
                })
            })
            .collect();
        to_js(&Inspected {
            seg: id.0,
            step,
            at: e.at().micros(),
            host: e.host().map(|h| h.0),
            segment,
            cause,
            cite: cause.cite(),
            fates,
        })
    }

    /// What the inject form starts from for a segment entering at host `host`'s side: the
    /// ports, sequence and acknowledgment numbers that follow the last segment a stack sent from
    /// that side by the cursor (so that the reader's segment is in the window), or a new port
    /// towards the listener when nothing was sent yet. `{sport, dport, seq, ack, window}`.
    pub fn inject_template(&self, host: u16) -> Result<JsValue, JsError> {
        #[derive(Serialize)]
        struct Template {
            sport: u16,
            dport: u16,
            seq: u32,
            ack: u32,
            window: u16,
        }
        let ip = if host == 0 {
            scenario::CLIENT
        } else {
            scenario::SERVER
        };
        let shown = self.trace_all().get(..self.revealed_now()).unwrap_or(&[]);
        let last = shown.iter().rev().find_map(|e| match &e.kind {
            EventKind::Sent { seg, cause, .. }
                if e.host().is_some() && *cause != SendCause::Injected && seg.src.ip == ip =>
            {
                Some(seg)
            }
            _ => None,
        });
        let t = match last {
            Some(seg) => Template {
                sport: seg.src.port,
                dport: seg.dst.port,
                seq: seg.seq.0.wrapping_add(seg.seg_len()),
                ack: seg.ack.0,
                window: seg.window,
            },
            None if host == 0 => Template {
                sport: 40_000,
                dport: scenario::PORT,
                seq: 1_000,
                ack: 0,
                window: 65_535,
            },
            None => Template {
                sport: scenario::PORT,
                dport: 40_000,
                seq: 1_000,
                ack: 0,
                window: 65_535,
            },
        };
        to_js(&t)
    }

    /// The segments on the wire at the cursor: `[{seg, sent, due, held}]`.
    pub fn in_flight(&self) -> Result<JsValue, JsError> {
        to_js(&self.live.sim().in_flight())
    }

    /// The scenario's id.
    pub fn id(&self) -> Result<String, JsError> {
        Ok(self.scenario.id.into())
    }

    /// The seed, as decimal text.
    pub fn seed(&self) -> Result<String, JsError> {
        Ok(self.seed.to_string())
    }

    /// The settings it was made with, as given.
    pub fn settings(&self) -> Result<String, JsError> {
        Ok(self.set.clone())
    }

    /// The hosts' names, by index.
    pub fn hosts(&self) -> Result<Vec<String>, JsError> {
        Ok(self.hosts.clone())
    }

    /// How many stops the run has (the start, then one per visible step).
    pub fn stops(&self) -> Result<usize, JsError> {
        Ok(self.stops.len())
    }

    /// The cursor: a stop index.
    pub fn cursor(&self) -> Result<usize, JsError> {
        Ok(self.cursor)
    }

    /// How many trace events the cursor reveals.
    pub fn revealed(&self) -> Result<usize, JsError> {
        Ok(self.revealed_now())
    }

    /// The simulated time at the cursor, µs.
    pub fn time(&self) -> Result<f64, JsError> {
        Ok(self.live.sim().now().micros() as f64)
    }

    /// The run has nothing left to reveal.
    pub fn at_end(&self) -> Result<bool, JsError> {
        Ok(self.pending.is_none() && self.cursor + 1 >= self.stops.len())
    }

    /// One step on: the simulation runs to its next visible change. Returns the new cursor.
    pub fn step(&mut self) -> Result<usize, JsError> {
        let next = (self.cursor + 1).min(self.stops.len().saturating_sub(1));
        self.go(next);
        Ok(self.cursor)
    }

    /// One step back (restores a snapshot and replays).
    pub fn back(&mut self) -> Result<usize, JsError> {
        self.go(self.cursor.saturating_sub(1));
        Ok(self.cursor)
    }

    /// Moves the cursor to stop `index` (0 is the start, `stops() - 1` the end).
    pub fn seek(&mut self, index: f64) -> Result<usize, JsError> {
        let max = self.stops.len().saturating_sub(1);
        if !(index.is_finite() && index >= 0.0 && index.fract() == 0.0 && index <= max as f64) {
            return Err(problem(PageProblem::BadStep { value: index, max }));
        }
        self.go(index as usize);
        Ok(self.cursor)
    }

    /// Moves the cursor to the last stop at or before simulated time `micros`.
    pub fn run_until(&mut self, micros: f64) -> Result<usize, JsError> {
        if !(micros.is_finite() && micros >= 0.0) {
            return Err(problem(PageProblem::BadStep {
                value: micros,
                max: usize::MAX,
            }));
        }
        let target = self
            .stops
            .iter()
            .rposition(|(len, _)| {
                len.checked_sub(1)
                    .and_then(|i| self.trace_all().get(i))
                    .is_none_or(|e| e.at().micros() as f64 <= micros)
            })
            .unwrap_or(0);
        self.go(target);
        Ok(self.cursor)
    }

    /// Trace events `from..to` of the complete run (clamped), for deltas: the page asks for
    /// what the last step revealed.
    pub fn trace(&self, from: usize, to: usize) -> Result<JsValue, JsError> {
        let trace = self.trace_all();
        let to = to.min(trace.len());
        let from = from.min(to);
        to_js(trace.get(from..to).unwrap_or(&[]))
    }

    /// The complete trace, as the CLI's `--format json` writes it.
    pub fn full_trace(&self) -> Result<JsValue, JsError> {
        to_js(self.trace_all())
    }

    /// Every host's connections, listeners' queues and non-zero counters at the cursor, for the
    /// state panels: `[{name, down, conns: [ConnView], unlisted: [[state, n]], counters:
    /// [[nstat name, value]]}]`. At most `MAX_LISTED_CONNS` connections a host are listed
    /// (listeners first, TIME-WAIT last); `unlisted` counts the others by state.
    pub fn state(&self) -> Result<JsValue, JsError> {
        #[derive(Serialize)]
        struct HostState {
            name: String,
            down: bool,
            conns: Vec<ConnView>,
            unlisted: Vec<(State, usize)>,
            counters: Vec<(&'static str, u64)>,
        }
        let sim = self.live.sim();
        let v: Vec<HostState> = sim
            .hosts()
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let (conns, unlisted) = listed(h.connections());
                HostState {
                    name: h.name().into(),
                    down: sim.is_down(HostId(u16::try_from(i).unwrap_or(0))),
                    conns,
                    unlisted,
                    counters: h
                        .counters()
                        .nonzero()
                        .map(|(c, n)| (c.nstat_name(), n))
                        .collect(),
                }
            })
            .collect();
        to_js(&v)
    }

    /// Counts over time of the complete run (TIME-WAIT and ESTABLISHED connections per host, a
    /// listener's SYN and accept queues), each thinned to at most 1,000 points, and the run's
    /// end time: `{end, series: [{host, metric, points: [[µs, n]], max, limit, listener}]}`.
    pub fn series(&self) -> Result<JsValue, JsError> {
        #[derive(Serialize)]
        struct Chart<'a> {
            end: u64,
            series: &'a [Series],
        }
        to_js(&Chart {
            end: self.trace_all().last().map_or(0, |e| e.at().micros()),
            series: &self.series,
        })
    }

    /// The part of the run the diagram shows, for a run drawn a window at a time (more than
    /// `WINDOWED_ABOVE` segments): trace indices `first..end`, the simulated time they span and
    /// how many segments they hold, `{first, end, from, to, segments, of}` (µs); `null` when
    /// the diagram shows the whole run. The run is cut into windows of at most
    /// `WINDOW_SEGMENTS` segments and `WINDOW_EVENTS` events; this one holds the cursor's last
    /// revealed event.
    pub fn window(&self) -> Result<JsValue, JsError> {
        #[derive(Serialize)]
        struct Window {
            first: usize,
            end: usize,
            from: u64,
            to: u64,
            /// The window's segments, of the run's `of`.
            segments: usize,
            of: usize,
        }
        let w = self.window_at(self.revealed_now());
        if w == (0..self.trace_all().len()) {
            return Ok(JsValue::NULL);
        }
        let at = |i: usize| self.trace_all().get(i).map_or(0, |e| e.at().micros());
        to_js(&Window {
            first: w.start,
            end: w.end,
            from: at(w.start),
            to: at(w.end.saturating_sub(1)),
            segments: self.sent.partition_point(|i| *i < w.end)
                - self.sent.partition_point(|i| *i < w.start),
            of: self.sent.len(),
        })
    }

    /// The outcome of the complete run.
    pub fn outcome(&self) -> Result<JsValue, JsError> {
        to_js(&self.outcome)
    }

    /// The complete run as a pcap file (what `synack run ID --format pcap` writes): every
    /// segment as it left its sender, stamped with simulated time.
    #[cfg(feature = "tools")]
    pub fn pcap(&self) -> Result<Vec<u8>, JsError> {
        let sim = self.end.sim();
        Ok(synack_core::pcap::write(
            sim.segments().iter().map(|(_, at, s)| (*at, &**s)),
        ))
    }

    /// The diagram of the complete run as a standalone SVG document, in English (what `synack
    /// run ID --format svg` writes).
    #[cfg(feature = "tools")]
    pub fn svg(&self) -> Result<String, JsError> {
        Ok(synack_diagram::layout_of(self.end.sim(), Geometry::WIDE).to_svg())
    }

    /// The diagram of the complete run as Mermaid `sequenceDiagram` text (`--format mermaid`).
    #[cfg(feature = "tools")]
    pub fn mermaid(&self) -> Result<String, JsError> {
        Ok(synack_diagram::layout_of(self.end.sim(), Geometry::WIDE).to_mermaid())
    }

    /// The complete run's trace as text, in English, as `synack run ID` prints it.
    #[cfg(feature = "tools")]
    pub fn text(&self) -> Result<String, JsError> {
        Ok(scenario::render_text(self.end.sim(), &self.outcome))
    }

    /// The diagram of the complete run, or of the window at the cursor for a large run (see
    /// [`Playground::window`]); every item says at which trace index it appears. `compact`:
    /// laid out for a phone-sized column.
    pub fn diagram(&self, compact: bool) -> Result<JsValue, JsError> {
        let g = if compact {
            Geometry::COMPACT
        } else {
            Geometry::WIDE
        };
        let w = self.window_at(self.revealed_now());
        to_js(&synack_diagram::layout_window(self.end.sim(), w, g))
    }
}

impl Playground {
    /// How many trace events the cursor reveals.
    fn revealed_now(&self) -> usize {
        self.stops.get(self.cursor).map_or(0, |(len, _)| *len)
    }

    /// The complete run's trace.
    fn trace_all(&self) -> &[Event] {
        self.end.sim().trace()
    }

    /// The trace indices the diagram shows when `revealed` events are: all of them, or for a
    /// large run the window that holds the last revealed event.
    fn window_at(&self, revealed: usize) -> core::ops::Range<usize> {
        let len = self.trace_all().len();
        if self.sent.len() <= WINDOWED_ABOVE {
            return 0..len;
        }
        let n = self
            .windows
            .partition_point(|start| *start < revealed)
            .saturating_sub(1);
        match (self.windows.get(n), self.windows.get(n + 1)) {
            (Some(&first), end) => first.min(len)..end.copied().unwrap_or(len).min(len),
            (None, _) => 0..len,
        }
    }

    /// Reads the trace recorded since the last call: each segment's `Sent`, where each window
    /// of the diagram starts (a new one at the segment or event one more than a window holds),
    /// and the chart's counts. The windows are used only once the run holds more than
    /// `WINDOWED_ABOVE` segments ([`Playground::window_at`]); a smaller run is drawn whole.
    fn scan(&mut self) {
        if self.scanned == 0 {
            self.sent.clear();
            self.windows.clear();
            self.windows.push(0);
            self.counts = Counts::default();
        }
        // The window being cut: where it starts, and how many segments it holds so far.
        let mut start = self.windows.last().copied().unwrap_or(0);
        let mut segments = self.sent.len() - self.sent.partition_point(|i| *i < start);
        let trace = self.end.sim().trace();
        for (i, e) in trace.iter().enumerate().skip(self.scanned) {
            let sent = matches!(e.kind, EventKind::Sent { .. });
            if i - start >= WINDOW_EVENTS || (sent && segments >= WINDOW_SEGMENTS) {
                self.windows.push(i);
                (start, segments) = (i, 0);
            }
            if sent {
                self.sent.push(i);
            }
            segments += usize::from(sent);
        }
        self.counts
            .read(trace.get(self.scanned..).unwrap_or_default());
        self.scanned = trace.len();
    }

    fn action_tokens(&self) -> Vec<String> {
        self.actions
            .iter()
            .map(|(step, a)| format!("{step}@{}", a.text))
            .collect()
    }

    /// Runs `run` (at `from`) to its end, applying the reader's actions at their steps, and
    /// records the stops, snapshots, trace, outcome and layouts of the complete run.
    fn simulate(&mut self, run: Run, from: Pos) -> Result<(), JsError> {
        self.set_pending(run, from);
        self.run_pending(MAX_SIM_STEPS).map(|_| ())
    }

    /// Makes `run` (at `from`) the run in progress, its trace not read yet.
    fn set_pending(&mut self, run: Run, from: Pos) {
        self.end = run;
        self.pending = Some(from);
        self.scanned = 0;
    }

    /// Takes at most `budget` more steps of the pending run; once it ends, computes what needs
    /// the whole run (the chart's series, the outcome). Returns whether the run is complete.
    fn run_pending(&mut self, budget: usize) -> Result<bool, JsError> {
        let Some(mut pos) = self.pending else {
            return Ok(true);
        };
        let mut taken = 0;
        let ended = loop {
            if let Some((step, action)) = self.actions.get(pos.actions)
                && *step == pos.steps
            {
                if let Err(e) = apply_action(&mut self.end, action) {
                    return Err(problem(PageProblem::BadAction {
                        value: action.text.clone(),
                        reason: String::from(input_code(e)),
                    }));
                }
                pos.actions += 1;
            } else if taken >= budget {
                break false;
            } else if pos.steps < MAX_SIM_STEPS && self.end.step() {
                pos.steps += 1;
                taken += 1;
                if pos.steps.is_multiple_of(self.snapshot_every) {
                    self.snapshots.push((pos, self.end.clone()));
                    if self.snapshots.len() > MAX_SNAPSHOTS {
                        // Every other one goes: the rest are twice as far apart.
                        self.snapshot_every *= 2;
                        let every = self.snapshot_every;
                        self.snapshots
                            .retain(|(p, _)| p.steps.is_multiple_of(every));
                    }
                }
            } else {
                break true;
            }
            let len = self.end.sim().log_len().0;
            if self.stops.last().is_some_and(|(l, _)| *l < len) {
                self.stops.push((len, pos));
            }
            // The trace is read a few thousand steps behind, while it is still in the cache.
            if taken.is_multiple_of(SCAN_EVERY) {
                self.scan();
            }
        };
        self.scan();
        if !ended {
            self.pending = Some(pos);
            return Ok(false);
        }
        self.pending = None;
        if let Some((step, action)) = self.actions.get(pos.actions) {
            // An action after the run's end.
            return Err(problem(PageProblem::BadAction {
                value: format!("{step}@{}", action.text),
                reason: String::from("ended"),
            }));
        }
        let sim = self.end.sim();
        let (events, segments) = sim.log_len();
        let sizes = Sizes {
            events,
            segments,
            stops: self.stops.len(),
            sent: self.sent.len(),
            snapshot_every: fresh_spacing(pos.steps),
        };
        LAST_SIZES.set(Some((self.scenario.id, sizes)));
        self.series = core::mem::take(&mut self.counts).finish();
        self.outcome = self.scenario.outcome(sim, &self.params);
        Ok(true)
    }

    /// Moves the live run to stop `index`: on from where it is, or from the nearest snapshot.
    fn go(&mut self, index: usize) {
        let Some(&(_, target)) = self.stops.get(index) else {
            return;
        };
        let snap = self.snapshots.iter().rev().find(|(p, _)| *p <= target);
        if let Some((p, run)) = snap
            && (self.live_pos > target || *p > self.live_pos)
        {
            self.live = run.clone();
            self.live_pos = *p;
        }
        while self.live_pos < target {
            if let Some((step, action)) = self.actions.get(self.live_pos.actions)
                && *step == self.live_pos.steps
            {
                // Every action applied when it was made or when the run was built.
                let _ = apply_action(&mut self.live, action);
                self.live_pos.actions += 1;
            } else if self.live.step() {
                self.live_pos.steps += 1;
            } else {
                break;
            }
        }
        // The complete run holds the log; the live one keeps none.
        drop(self.live.take_log());
        self.cursor = index;
    }
}

/// A reader's action: what the page sends, and the core inputs it makes.
#[derive(Clone, Debug)]
struct Action {
    /// As the URL keeps it (`drop:7`).
    text: String,
    kind: ActionKind,
}

#[derive(Clone, Debug)]
enum ActionKind {
    Input(Input),
    /// `socket()` then `connect()` to the other host's port 8080 on the new descriptor.
    Connect {
        host: HostId,
        /// The host it connects to, on the scenario's port.
        peer: HostId,
    },
    /// `SO_LINGER {on, 0}` then `close()`.
    Abort {
        host: HostId,
        fd: i32,
    },
}

fn apply_action(run: &mut Run, a: &Action) -> Result<(), InputError> {
    match &a.kind {
        ActionKind::Input(i) => run.apply(i).map(|_| ()),
        ActionKind::Connect { host, peer } => {
            let peer = Endpoint::new(
                run.sim().host(*peer).map_or(scenario::SERVER, |h| h.addr()),
                scenario::PORT,
            );
            let r = run.apply(&Input::Call {
                host: *host,
                call: Call::Socket,
            })?;
            if let Some(CallResult::Ok { value }) = r {
                run.apply(&Input::Call {
                    host: *host,
                    call: Call::Connect {
                        fd: value,
                        addr: peer,
                    },
                })?;
            }
            Ok(())
        }
        ActionKind::Abort { host, fd } => {
            run.apply(&Input::Call {
                host: *host,
                call: Call::SetLinger {
                    fd: *fd,
                    on: true,
                    secs: 0,
                },
            })?;
            run.apply(&Input::Call {
                host: *host,
                call: Call::Close { fd: *fd },
            })
            .map(|_| ())
        }
    }
}

/// At most `MAX_LISTED_CONNS` of a host's connections, listeners first and TIME-WAIT last (in
/// the host's order otherwise), and how many of each state are left out.
fn listed(conns: Vec<ConnView>) -> (Vec<ConnView>, Vec<(State, usize)>) {
    if conns.len() <= MAX_LISTED_CONNS {
        return (conns, Vec::new());
    }
    let rank = |c: &ConnView| match c.socket.state {
        State::Listen => 0,
        State::TimeWait => 2,
        _ => 1,
    };
    let mut shown: Vec<ConnView> = Vec::with_capacity(MAX_LISTED_CONNS);
    let mut unlisted: Vec<(State, usize)> = Vec::new();
    for r in 0..3 {
        for c in conns.iter().filter(|c| rank(c) == r) {
            if shown.len() < MAX_LISTED_CONNS {
                shown.push(c.clone());
                continue;
            }
            match unlisted.iter_mut().find(|(s, _)| *s == c.socket.state) {
                Some(entry) => entry.1 += 1,
                None => unlisted.push((c.socket.state, 1)),
            }
        }
    }
    (shown, unlisted)
}

/// The most actions a URL may carry.
const MAX_ACTIONS: usize = 200;

fn parse_actions(text: &str, hosts: &[String]) -> Result<Vec<(usize, Action)>, JsError> {
    if text.len() > MAX_SET_LEN {
        return Err(problem(PageProblem::TooLong { max: MAX_SET_LEN }));
    }
    let mut out: Vec<(usize, Action)> = Vec::new();
    for token in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let bad = || {
            problem(PageProblem::BadAction {
                value: token.chars().take(60).collect(),
                reason: String::from("step_action"),
            })
        };
        let (step, action) = token.split_once('@').ok_or_else(bad)?;
        let step: usize = step.parse().map_err(|_| bad())?;
        if out.last().is_some_and(|(s, _)| *s > step) || out.len() >= MAX_ACTIONS {
            return Err(bad());
        }
        // Hosts are named by the scenario.
        let a = parse_action(action, hosts)?;
        out.push((step, a));
    }
    Ok(out)
}

fn parse_action(text: &str, hosts: &[String]) -> Result<Action, JsError> {
    let bad = |why: &str| {
        problem(PageProblem::BadAction {
            value: text.chars().take(60).collect(),
            reason: String::from(why),
        })
    };
    let parts: Vec<&str> = text.split(':').collect();
    let num = |i: usize| -> Result<u64, JsError> {
        parts
            .get(i)
            .and_then(|p| p.parse::<u64>().ok())
            .ok_or_else(|| bad("number"))
    };
    let host = |i: usize| -> Result<HostId, JsError> {
        let name = parts.get(i).copied().unwrap_or("");
        hosts
            .iter()
            .position(|h| h == name)
            .and_then(|i| u16::try_from(i).ok())
            .map(HostId)
            .ok_or_else(|| bad("host"))
    };
    let fd = |i: usize| -> Result<i32, JsError> {
        num(i).and_then(|v| i32::try_from(v).map_err(|_| bad("fd")))
    };
    let call = |h: HostId, c: Call| ActionKind::Input(Input::Call { host: h, call: c });
    let kind = match parts.first().copied().unwrap_or("") {
        "drop" => ActionKind::Input(Input::Drop {
            seg: SegId(num(1)?),
        }),
        "hold" => ActionKind::Input(Input::Hold {
            seg: SegId(num(1)?),
            millis: num(2)?.min(600_000),
        }),
        "dup" => ActionKind::Input(Input::Duplicate {
            seg: SegId(num(1)?),
        }),
        "release" => ActionKind::Input(Input::Release {
            seg: SegId(num(1)?),
        }),
        "crash" => ActionKind::Input(Input::Crash { host: host(1)? }),
        "restart" => ActionKind::Input(Input::Restart { host: host(1)? }),
        "connect" => {
            // To the server, the last host; the server connects to the first.
            let h = host(1)?;
            let last = u16::try_from(hosts.len().saturating_sub(1)).unwrap_or(0);
            ActionKind::Connect {
                host: h,
                peer: HostId(if h.0 == last { 0 } else { last }),
            }
        }
        "accept" => call(host(1)?, Call::Accept { fd: fd(2)? }),
        "read" => call(
            host(1)?,
            Call::Read {
                fd: fd(2)?,
                len: 65_536,
            },
        ),
        "write" => {
            let n = usize::try_from(num(3)?.min(1 << 20)).unwrap_or(0);
            call(
                host(1)?,
                Call::Write {
                    fd: fd(2)?,
                    data: vec![b'x'; n].into(),
                },
            )
        }
        "shutdown" => call(
            host(1)?,
            Call::Shutdown {
                fd: fd(2)?,
                how: How::Write,
            },
        ),
        "close" => call(host(1)?, Call::Close { fd: fd(2)? }),
        "abort" => ActionKind::Abort {
            host: host(1)?,
            fd: fd(2)?,
        },
        "inject" => {
            // inject:HOST:SPORT:DPORT:FLAGS:SEQ:ACK:WIN:LEN[:OPTIONS]
            let from = host(1)?;
            let port = |i: usize| num(i).and_then(|v| u16::try_from(v).map_err(|_| bad("port")));
            let u32_at = |i: usize| num(i).and_then(|v| u32::try_from(v).map_err(|_| bad("u32")));
            let (src, dst) = if from.0 == 0 {
                (scenario::CLIENT, scenario::SERVER)
            } else {
                (scenario::SERVER, scenario::CLIENT)
            };
            let flags =
                parse_flags(parts.get(4).copied().unwrap_or("")).ok_or_else(|| bad("flags"))?;
            let window = u16::try_from(num(7)?).map_err(|_| bad("window"))?;
            let len = usize::try_from(num(8)?.min(MAX_INJECT_PAYLOAD as u64)).unwrap_or(0);
            let options =
                parse_options(parts.get(9).copied().unwrap_or("")).ok_or_else(|| bad("options"))?;
            ActionKind::Input(Input::Inject {
                from,
                seg: Segment {
                    src: Endpoint::new(src, port(2)?),
                    dst: Endpoint::new(dst, port(3)?),
                    seq: SeqNum(u32_at(5)?),
                    ack: SeqNum(u32_at(6)?),
                    flags,
                    window,
                    options,
                    payload: vec![b'x'; len],
                },
            })
        }
        _ => return Err(bad("unknown")),
    };
    Ok(Action {
        text: text.into(),
        kind,
    })
}

/// The page's name for why an input could not be applied (`problems.reasons` in i18n).
fn input_code(e: InputError) -> &'static str {
    match e {
        InputError::NotInFlight { .. } => "not_in_flight",
        InputError::NotHeld { .. } => "not_held",
        InputError::NoHost { .. } => "no_host",
        InputError::HostDown { .. } => "host_down",
        InputError::HostUp { .. } => "host_up",
        InputError::NoRoute { .. } => "no_route",
    }
}

/// The most payload an injected segment carries (one MSS).
const MAX_INJECT_PAYLOAD: usize = 1460;

/// tcpdump's flag letters (`S.`, `R`, `F.`, `P.`, `.`); each at most once.
fn parse_flags(text: &str) -> Option<Flags> {
    let mut bits = 0u8;
    for c in text.chars() {
        let bit = match c {
            'F' => Flags::FIN.0,
            'S' => Flags::SYN.0,
            'R' => Flags::RST.0,
            'P' => Flags::PSH.0,
            '.' => Flags::ACK.0,
            _ => return None,
        };
        if bits & bit != 0 {
            return None;
        }
        bits |= bit;
    }
    (bits != 0).then_some(Flags(bits))
}

/// `mss1460+sackOK+ts100/0+wscale7+nop`: the options in header order, at most 40 bytes.
fn parse_options(text: &str) -> Option<Options> {
    let mut out = Options::new();
    for part in text.split('+').filter(|p| !p.is_empty()) {
        let o = if part == "nop" {
            TcpOption::Nop
        } else if part.eq_ignore_ascii_case("sackok") {
            TcpOption::SackPermitted
        } else if let Some(v) = part.strip_prefix("mss") {
            TcpOption::Mss(v.parse().ok()?)
        } else if let Some(v) = part.strip_prefix("wscale") {
            TcpOption::WindowScale(v.parse::<u8>().ok().filter(|w| *w <= 14)?)
        } else if let Some(v) = part.strip_prefix("ts") {
            let (val, ecr) = v.split_once('/')?;
            TcpOption::Timestamp {
                val: val.parse().ok()?,
                ecr: ecr.parse().ok()?,
            }
        } else {
            return None;
        };
        out.push(o).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn a_three_host_scenario_names_its_hosts_in_actions() {
        // nat-port-reuse: hosts a, b, server. B connects from the reader's action at once, to
        // the server (the last host), through the NAT.
        let p = Playground::new("nat-port-reuse", "", "1", "0@connect:b")
            .ok()
            .unwrap();
        assert_eq!(p.hosts, ["a", "b", "server"]);
        let first_syn = p.trace_all().iter().find_map(|e| match &e.kind {
            EventKind::Sent { seg, .. } if seg.flags.syn() => Some((e.host(), seg.dst)),
            _ => None,
        });
        assert_eq!(
            first_syn,
            Some((
                Some(HostId(1)),
                Endpoint::new(scenario::SERVER, scenario::PORT)
            ))
        );
    }

    #[test]
    fn stepping_back_restores_the_same_state_as_stepping_forward() {
        // (The large runs: `a_large_run_holds_its_trace_once_and_draws_windows`.)
        for sc in SCENARIOS
            .iter()
            .filter(|s| !scenario::LARGE.contains(&s.id))
        {
            let mut p = Playground::new(sc.id, "", "7", "").ok().unwrap();
            assert!(p.sent.len() <= WINDOWED_ABOVE, "{} is drawn whole", sc.id);
            let mut seen = Vec::new();
            while p.cursor + 1 < p.stops.len() {
                p.go(p.cursor + 1);
                seen.push((
                    p.revealed_now(),
                    p.live.sim().now(),
                    p.live.sim().hosts()[0].sockets(),
                ));
            }
            assert_eq!(p.revealed_now(), p.trace_all().len(), "{}", sc.id);
            for i in (1..p.stops.len()).rev() {
                p.go(i);
                let (len, now, sockets) = &seen[i - 1];
                assert_eq!(p.revealed_now(), *len);
                assert_eq!(p.live.sim().now(), *now, "{} stop {i}", sc.id);
                assert_eq!(
                    &p.live.sim().hosts()[0].sockets(),
                    sockets,
                    "{} stop {i}",
                    sc.id
                );
            }
        }
    }

    #[test]
    fn a_large_run_holds_its_trace_once_and_draws_windows() {
        let mut p = Playground::new("port-exhaustion", "", "1", "")
            .ok()
            .unwrap();
        let len = p.trace_all().len();
        assert!(len > 1_000_000, "{len}");
        assert!(p.sent.len() > WINDOWED_ABOVE);
        // Few snapshots, none holding a log; the live run holds none either.
        assert!(p.snapshots.len() <= MAX_SNAPSHOTS, "{}", p.snapshots.len());
        assert!(p.snapshot_every > SNAPSHOT_EVERY);
        assert!(p.snapshots.iter().all(|(_, r)| r.sim().trace().is_empty()));
        // Stops sampled across the run: reached going forward, back and forward again, the
        // live run is at the same time with the same connections.
        let last = p.stops.len() - 1;
        let picks: Vec<usize> = (0..=16).map(|i| last * i / 16).collect();
        let mut seen = Vec::new();
        for &i in &picks {
            p.go(i);
            assert!(p.live.sim().trace().is_empty());
            seen.push((
                p.live.sim().now(),
                p.live.sim().hosts()[0].connections().len(),
            ));
        }
        for (k, &i) in picks.iter().enumerate().rev() {
            p.go(i);
            let now = p.live.sim().now();
            assert_eq!(
                (now, p.live.sim().hosts()[0].connections().len()),
                seen[k],
                "stop {i}"
            );
            // The window holds the cursor's last segment, and at most WINDOW_SEGMENTS.
            let w = p.window_at(p.revealed_now());
            let d = synack_diagram::layout_window(p.end.sim(), w.clone(), Geometry::WIDE);
            let arrows = d
                .items
                .iter()
                .filter(|i| matches!(i, synack_diagram::Item::Arrow { .. }))
                .count();
            assert!(arrows <= WINDOW_SEGMENTS, "{arrows}");
            assert!(w.len() <= WINDOW_EVENTS, "{w:?}");
            assert!(d.items.iter().all(|i| match i {
                synack_diagram::Item::Arrow { step, .. } => w.contains(step),
                _ => true,
            }));
            if i > 0 {
                assert!(w.start < p.revealed_now() && p.revealed_now() <= w.end.max(1));
            }
        }
        // An action in the middle: the new complete trace is the old one up to the cursor,
        // then the new future, as a link replaying the action makes it.
        let mid = picks[8];
        p.go(mid);
        let before = p.revealed_now();
        let head: Vec<String> = p.trace_all()[..before]
            .iter()
            .map(|e| format!("{e:?}"))
            .collect();
        let token = p.act("crash:server").ok().unwrap();
        assert_eq!(
            p.trace_all()[..before]
                .iter()
                .map(|e| format!("{e:?}"))
                .collect::<Vec<_>>(),
            head
        );
        let again = Playground::new("port-exhaustion", "", "1", &token)
            .ok()
            .unwrap();
        assert_eq!(again.trace_all().len(), p.trace_all().len());
        assert_eq!(
            format!("{:?}", again.trace_all().last()),
            format!("{:?}", p.trace_all().last())
        );
        assert_eq!(
            again.end.sim().segments().len(),
            p.end.sim().segments().len()
        );
    }

    #[test]
    fn a_run_begun_and_advanced_in_pieces_is_the_run_made_whole() {
        for (id, set, steps) in [
            ("port-exhaustion", "client.tcp_tw_reuse=1", 50_000.0),
            ("close-four-way", "", 3.0),
            ("time-wait-server-load", "rate=300", 7_777.0),
        ] {
            let whole = Playground::new(id, set, "1", "").ok().unwrap();
            let mut p = Playground::begin(id, set, "1", "", steps).ok().unwrap();
            let mut pieces = 1;
            while !p.complete().ok().unwrap() {
                // Before its end: no outcome, no chart, the cursor not at the end.
                assert!(p.outcome.is_empty() && p.series.is_empty(), "{id}");
                assert!(!p.at_end().ok().unwrap(), "{id}");
                // What is drawn so far is what the whole run draws there.
                assert!(p.stops.len() <= whole.stops.len(), "{id}");
                assert_eq!(p.stops[..], whole.stops[..p.stops.len()], "{id}");
                if p.sent.len() > WINDOWED_ABOVE {
                    let last = p.stops.last().map_or(0, |s| s.0);
                    let w = p.window_at(last);
                    assert!(w.end <= last, "{id}: {w:?} past {last}");
                    assert_eq!(w.start, whole.window_at(last).start, "{id}");
                }
                assert!(p.advance(steps).ok().unwrap() == p.complete().ok().unwrap());
                pieces += 1;
            }
            assert!(pieces > 2, "{id} in {pieces} pieces");
            assert_eq!(p.stops, whole.stops, "{id}");
            assert_eq!(p.sent, whole.sent, "{id}");
            assert_eq!(p.windows, whole.windows, "{id}");
            assert_eq!(
                format!("{:?}", p.series),
                format!("{:?}", whole.series),
                "{id}"
            );
            // Counted as the trace grew: the series of the whole trace.
            assert_eq!(
                format!("{:?}", p.series),
                format!("{:?}", synack_diagram::series::series(p.trace_all())),
                "{id}"
            );
            assert!(!p.series.is_empty(), "{id}");
            assert_eq!(
                format!("{:?}", p.outcome),
                format!("{:?}", whole.outcome),
                "{id}"
            );
            assert_eq!(p.trace_all().len(), whole.trace_all().len(), "{id}");
            assert_eq!(
                format!("{:?}", p.trace_all().last()),
                format!("{:?}", whole.trace_all().last())
            );
            assert_eq!(
                p.snapshots.iter().map(|s| s.0).collect::<Vec<_>>(),
                whole.snapshots.iter().map(|s| s.0).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn a_scenario_run_again_makes_room_for_the_last_runs_size_and_runs_the_same() {
        LAST_SIZES.set(None);
        let first = Playground::new("close-four-way", "", "1", "").ok().unwrap();
        let (events, segments) = first.end.sim().log_len();
        let sizes = Sizes {
            events,
            segments,
            stops: first.stops.len(),
            sent: first.sent.len(),
            snapshot_every: SNAPSHOT_EVERY,
        };
        assert_eq!(LAST_SIZES.get(), Some(("close-four-way", sizes)));
        // A knob changed: the same scenario again, room made at its start.
        let (again, start) =
            Playground::prepare("close-four-way", "client.tcp_fin_timeout=30", "1", "")
                .ok()
                .unwrap();
        assert!(again.stops.capacity() >= sizes.stops);
        assert!(again.sent.capacity() >= sizes.sent);
        let mut start = start;
        let (trace, segs) = start.take_log();
        assert!(trace.is_empty() && trace.capacity() >= sizes.events);
        assert!(segs.is_empty() && segs.capacity() >= sizes.segments);
        // Another scenario makes no room from this one's size.
        let (other, _) = Playground::prepare("handshake", "", "1", "").ok().unwrap();
        assert!(other.stops.capacity() < sizes.stops);
        // The room changes nothing of the run.
        let second = Playground::new("close-four-way", "", "1", "").ok().unwrap();
        assert_eq!(second.stops, first.stops);
        assert_eq!(second.sent, first.sent);
        assert_eq!(
            format!("{:?}", second.trace_all()),
            format!("{:?}", first.trace_all())
        );
    }

    #[test]
    fn a_scenario_run_again_takes_only_the_snapshots_it_keeps() {
        LAST_SIZES.set(None);
        let first = Playground::new("time-wait-server-load", "", "1", "")
            .ok()
            .unwrap();
        // Long enough that the spacing doubled as it ran.
        assert!(first.snapshot_every > SNAPSHOT_EVERY);
        let (again, _) = Playground::prepare("time-wait-server-load", "rate=300", "1", "")
            .ok()
            .unwrap();
        assert_eq!(again.snapshot_every, first.snapshot_every);
        // The same run again keeps the same snapshots, the same runs at the same steps.
        let second = Playground::new("time-wait-server-load", "", "1", "")
            .ok()
            .unwrap();
        let at = |p: &Playground| p.snapshots.iter().map(|s| s.0).collect::<Vec<_>>();
        assert_eq!(at(&second), at(&first));
        for ((_, a), (_, b)) in second.snapshots.iter().zip(&first.snapshots) {
            assert_eq!(a.sim().now(), b.sim().now());
            assert_eq!(
                format!("{:?}", a.sim().in_flight()),
                format!("{:?}", b.sim().in_flight())
            );
        }
        // Another scenario starts from the first spacing.
        let (other, _) = Playground::prepare("handshake", "", "1", "").ok().unwrap();
        assert_eq!(other.snapshot_every, SNAPSHOT_EVERY);
        // A shorter run after it starts at the long run's spacing, but the run after that at its
        // own: the spacing follows the last run's length, it does not only ever grow.
        LAST_SIZES.set(None);
        let short = Playground::new("time-wait-server-load", "rate=5", "1", "")
            .ok()
            .unwrap();
        assert!(short.snapshot_every < first.snapshot_every);
        let _long = Playground::new("time-wait-server-load", "", "1", "")
            .ok()
            .unwrap();
        let after_long = Playground::new("time-wait-server-load", "rate=5", "1", "")
            .ok()
            .unwrap();
        assert_eq!(after_long.snapshot_every, first.snapshot_every);
        let (again, _) = Playground::prepare("time-wait-server-load", "rate=5", "1", "")
            .ok()
            .unwrap();
        assert_eq!(again.snapshot_every, short.snapshot_every);
    }

    #[test]
    fn the_spacing_worked_out_from_a_runs_length_is_the_one_the_doubling_reaches() {
        for steps in [0, 1, 63, 64, 2_000, 2_047, 2_048, 100_000, 417_811] {
            // The doubling as `run_pending` does it, a step at a time.
            let (mut every, mut kept) = (SNAPSHOT_EVERY, 1);
            for s in 1..=steps {
                if s % every == 0 {
                    kept += 1;
                    if kept > MAX_SNAPSHOTS {
                        every *= 2;
                        kept = 1 + s / every;
                    }
                }
            }
            assert_eq!(fresh_spacing(steps), every, "{steps} steps");
        }
    }

    #[test]
    fn an_action_changes_the_future_and_its_token_replays_it() {
        // close-four-way: drop the client's last ACK; the server's FIN comes again.
        let mut p = Playground::new("close-four-way", "", "1", "").ok().unwrap();
        let fins = |p: &Playground| {
            p.trace_all()
                .iter()
                .filter(|e| {
                    e.host() == Some(HostId(1))
                        && matches!(&e.kind, synack_core::trace::EventKind::Sent { seg, .. } if seg.flags.fin())
                })
                .count()
        };
        assert_eq!(fins(&p), 1);
        // Step until the server's FIN has arrived and the client's ACK of it is on the wire.
        let mut ack = None;
        while ack.is_none() && p.cursor + 1 < p.stops.len() {
            p.go(p.cursor + 1);
            ack = p.live.sim().in_flight().into_iter().find(|f| {
                p.end.sim().segments().iter().any(|(id, _, s)| {
                    *id == f.seg
                        && s.src.ip == scenario::CLIENT
                        && s.flags.ack()
                        && !s.flags.fin()
                        && s.ack.0 != 0
                }) && p.trace_all()[..p.revealed_now()].iter().any(|e| {
                    matches!(
                        &e.kind,
                        synack_core::trace::EventKind::State {
                            to: synack_core::tcp::State::TimeWait,
                            ..
                        }
                    )
                })
            });
        }
        let ack = ack.unwrap().seg;
        let token = p.act(&format!("drop:{}", ack.0)).ok().unwrap();
        assert_eq!(fins(&p), 2, "the FIN is retransmitted");
        let again = Playground::new("close-four-way", "", "1", &token)
            .ok()
            .unwrap();
        assert_eq!(
            format!("{:?}", again.trace_all()),
            format!("{:?}", p.trace_all())
        );
        assert_eq!(p.actions().ok().unwrap(), token);
        // Going back and forth over the action keeps the same states.
        let end = p.stops.len() - 1;
        p.go(end);
        let at_end = p.live.sim().now();
        p.go(0);
        p.go(end);
        assert_eq!(p.live.sim().now(), at_end);
    }
}

#[cfg(feature = "tools")]
mod tools {
    //! The packetdrill runner, for the page's script box.

    use super::{JsError, JsValue, Serialize, to_js, wasm_bindgen};
    use synack_core::trace::EventKind;
    use synack_diagram::{Diagram, Geometry, Item, layout_with};

    /// The longest script accepted (packetdrill scripts are a few KB).
    const MAX_SCRIPT_LEN: usize = 256 * 1024;

    /// What a script did: whether it passed, packetdrill's messages, the line that failed, and
    /// the run drawn (wide and compact), with the segment of the first mismatch if a packet
    /// did not match.
    #[derive(Serialize)]
    struct ScriptRun {
        passed: bool,
        errors: Vec<String>,
        failed_line: Option<u32>,
        mismatch_seg: Option<u64>,
        events: usize,
        diagram: Diagram,
        compact: Diagram,
    }

    /// Runs a packetdrill script (its text, `name` for the messages) against the simulated
    /// linux-6.18 host, as `synack pkt` does (helper files it names are not available: a line
    /// that reads one fails with packetdrill's message). Returns `{passed, errors, failed_line,
    /// mismatch_seg, events, diagram, compact}`.
    #[wasm_bindgen]
    pub fn run_packetdrill(name: &str, src: &str) -> Result<JsValue, JsError> {
        if src.len() > MAX_SCRIPT_LEN {
            return Err(super::problem(super::PageProblem::TooLong {
                max: MAX_SCRIPT_LEN,
            }));
        }
        let report = synack_pkt::run(name, src, &synack_pkt::NoFiles, 1);
        // The runner stops at the first failure: a packet that did not match is the last
        // segment on the wire.
        let mismatch_seg = if report.passed || report.errors.iter().all(|e| !e.contains("packet")) {
            None
        } else {
            report.trace.iter().rev().find_map(|e| match e.kind {
                EventKind::Sent { id, .. } => Some(id.0),
                _ => None,
            })
        };
        let hosts = ["linux-6.18 (192.168.0.2)"];
        let name_peer = |mut d: Diagram| {
            for lane in &mut d.lanes {
                if lane.name == "injected" {
                    lane.name = String::from("packetdrill (192.0.2.1)");
                }
            }
            // What the host sends goes to the tun device, where packetdrill reads it at once
            // (the runner records no delivery for it): drawn arriving one row down.
            for item in &mut d.items {
                if let Item::Arrow {
                    step,
                    end_step: end @ None,
                    y0,
                    y1,
                    ..
                } = item
                {
                    *end = Some(*step);
                    *y1 = *y0 + synack_diagram::LINE_PX;
                }
            }
            d
        };
        to_js(&ScriptRun {
            passed: report.passed,
            failed_line: report.failed_line,
            mismatch_seg,
            events: report.trace.len(),
            diagram: name_peer(layout_with(&report.trace, &hosts, Geometry::WIDE)),
            compact: name_peer(layout_with(&report.trace, &hosts, Geometry::COMPACT)),
            errors: report.errors,
        })
    }
}
