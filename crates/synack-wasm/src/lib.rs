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
//! Errors are JSON objects in `JsError`'s message, `{"code": "unknown_setting", "name": ...}`,
//! so that the page can say what was wrong in the reader's language.

#![forbid(unsafe_code)]

use serde::Serialize;
use synack_core::config::{ConfigError, KNOBS, Profile};
use synack_core::scenario::{self, Fact, Params, Run, SCENARIOS, Scenario};
use synack_core::tcp::SocketView;
use synack_core::trace::Event;
use synack_diagram::{Diagram, Geometry};
use wasm_bindgen::prelude::*;

/// Simulation steps between two snapshots.
const SNAPSHOT_EVERY: usize = 64;
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
    NoRandomness,
}

impl From<PageProblem> for Problem {
    fn from(p: PageProblem) -> Problem {
        Problem::Page(p)
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
}

#[derive(Serialize)]
struct KnobInfo {
    name: &'static str,
    full_name: &'static str,
    help: &'static str,
    default: String,
    accepted: String,
}

#[derive(Serialize)]
struct ScenarioInfo {
    id: &'static str,
    summary: &'static str,
    hosts: Vec<String>,
    settings: Vec<SettingInfo>,
    knobs: Vec<KnobInfo>,
}

/// Every scenario of the catalogue this build simulates, with its settings and the sysctls its
/// hosts accept.
#[wasm_bindgen]
pub fn scenarios() -> Result<JsValue, JsError> {
    let list: Vec<ScenarioInfo> = SCENARIOS
        .iter()
        .map(|s| ScenarioInfo {
            id: s.id,
            summary: s.summary,
            hosts: s.params(1).hosts.iter().map(|h| h.name.clone()).collect(),
            settings: s
                .all_settings()
                .map(|x| SettingInfo {
                    name: x.name,
                    help: x.help,
                    default: x.default,
                    min: x.min,
                    max: x.max,
                    choices: x.choices,
                })
                .collect(),
            knobs: KNOBS
                .iter()
                .map(|k| KnobInfo {
                    name: k.name,
                    full_name: k.full_name,
                    help: k.help,
                    default: k.get(&Profile::Linux6_18.defaults()),
                    accepted: k.accepted(),
                })
                .collect(),
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
    for part in set.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some((name, value)) = part.split_once('=') else {
            return Err(problem(PageProblem::NotNameValue { value: part.into() }));
        };
        sc.set(p, name.trim(), value.trim()).map_err(problem)?;
    }
    Ok(())
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

/// One scenario's run, and the reader's cursor in it.
#[wasm_bindgen]
pub struct Playground {
    scenario: &'static Scenario,
    seed: u64,
    set: String,
    hosts: Vec<String>,
    /// The complete run's trace.
    trace: Vec<Event>,
    outcome: Vec<Fact>,
    diagram: Diagram,
    compact: Diagram,
    /// After each visible step: (trace length, simulation steps run). `stops[0]` is the start.
    stops: Vec<(usize, usize)>,
    /// (simulation steps run, the run at that point).
    snapshots: Vec<(usize, Run)>,
    live: Run,
    live_steps: usize,
    cursor: usize,
}

#[wasm_bindgen]
impl Playground {
    /// Runs scenario `id` with `set` (`NAME=VALUE,...`, sysctls or the scenario's settings,
    /// `HOST.NAME=VALUE` for one host) and `seed` (decimal; empty for the default 1).
    #[wasm_bindgen(constructor)]
    pub fn new(id: &str, set: &str, seed: &str) -> Result<Playground, JsError> {
        let scenario = scenario::find(id).map_err(|_| {
            problem(PageProblem::UnknownScenario {
                value: id.chars().take(60).collect(),
                accepted: SCENARIOS.iter().map(|s| s.id).collect(),
            })
        })?;
        let seed = parse_seed(seed)?;
        let mut params = scenario.params(seed);
        apply_settings(scenario, &mut params, set)?;
        let start = scenario.start(&params);
        let mut run = start.clone();
        let mut snapshots = vec![(0, start.clone())];
        let mut stops = vec![(0, 0)];
        let mut steps = 0;
        while steps < MAX_SIM_STEPS && run.step() {
            steps += 1;
            if steps % SNAPSHOT_EVERY == 0 {
                snapshots.push((steps, run.clone()));
            }
            let len = run.sim().trace().len();
            if stops.last().is_some_and(|(l, _)| *l < len) {
                stops.push((len, steps));
            }
        }
        let sim = run.sim();
        let hosts: Vec<String> = sim.hosts().iter().map(|h| h.name().into()).collect();
        let names: Vec<&str> = hosts.iter().map(String::as_str).collect();
        let diagram = synack_diagram::layout(sim.trace(), &names);
        let compact = synack_diagram::layout_with(sim.trace(), &names, Geometry::COMPACT);
        let outcome = scenario.outcome(sim, &params);
        Ok(Playground {
            scenario,
            seed,
            set: set.into(),
            hosts,
            trace: sim.trace().to_vec(),
            outcome,
            diagram,
            compact,
            stops,
            snapshots,
            live: start,
            live_steps: 0,
            cursor: 0,
        })
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
        Ok(self.cursor + 1 >= self.stops.len())
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
                    .and_then(|i| self.trace.get(i))
                    .is_none_or(|e| e.at.micros() as f64 <= micros)
            })
            .unwrap_or(0);
        self.go(target);
        Ok(self.cursor)
    }

    /// Trace events `from..to` of the complete run (clamped), for deltas: the page asks for
    /// what the last step revealed.
    pub fn trace(&self, from: usize, to: usize) -> Result<JsValue, JsError> {
        let to = to.min(self.trace.len());
        let from = from.min(to);
        to_js(self.trace.get(from..to).unwrap_or(&[]))
    }

    /// The complete trace, as the CLI's `--format json` writes it.
    pub fn full_trace(&self) -> Result<JsValue, JsError> {
        to_js(&self.trace)
    }

    /// Every host's sockets at the cursor, as `ss -tan` lists them.
    pub fn sockets(&self) -> Result<JsValue, JsError> {
        #[derive(Serialize)]
        struct HostSockets {
            name: String,
            sockets: Vec<SocketView>,
        }
        let v: Vec<HostSockets> = self
            .live
            .sim()
            .hosts()
            .iter()
            .map(|h| HostSockets {
                name: h.name().into(),
                sockets: h.sockets(),
            })
            .collect();
        to_js(&v)
    }

    /// The outcome of the complete run.
    pub fn outcome(&self) -> Result<JsValue, JsError> {
        to_js(&self.outcome)
    }

    /// The diagram of the complete run; every item says at which trace index it appears.
    /// `compact`: laid out for a phone-sized column.
    pub fn diagram(&self, compact: bool) -> Result<JsValue, JsError> {
        to_js(if compact {
            &self.compact
        } else {
            &self.diagram
        })
    }
}

impl Playground {
    /// How many trace events the cursor reveals.
    fn revealed_now(&self) -> usize {
        self.stops.get(self.cursor).map_or(0, |(len, _)| *len)
    }

    /// Moves the live run to stop `index`: on from where it is, or from the nearest snapshot.
    fn go(&mut self, index: usize) {
        let Some(&(_, target)) = self.stops.get(index) else {
            return;
        };
        if self.live_steps > target {
            let snap = self
                .snapshots
                .iter()
                .rev()
                .find(|(s, _)| *s <= target)
                .or(self.snapshots.first());
            if let Some((s, run)) = snap {
                self.live = run.clone();
                self.live_steps = *s;
            }
        } else if let Some((s, run)) = self
            .snapshots
            .iter()
            .rev()
            .find(|(s, _)| *s <= target && *s > self.live_steps)
        {
            self.live = run.clone();
            self.live_steps = *s;
        }
        while self.live_steps < target && self.live.step() {
            self.live_steps += 1;
        }
        self.cursor = index;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn stepping_back_restores_the_same_state_as_stepping_forward() {
        for sc in SCENARIOS {
            let mut p = Playground::new(sc.id, "", "7").ok().unwrap();
            let mut seen = Vec::new();
            while p.cursor + 1 < p.stops.len() {
                p.go(p.cursor + 1);
                seen.push((
                    p.revealed_now(),
                    p.live.sim().now(),
                    p.live.sim().hosts()[0].sockets(),
                ));
            }
            assert_eq!(p.revealed_now(), p.trace.len(), "{}", sc.id);
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
}
