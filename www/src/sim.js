// The only module that imports the wasm binding (../pkg, built by `cargo xtask build`): the
// page's module at once, the tools module (exports, packetdrill runner) on first use.

import init, * as wasm from '../pkg/synack.js';

/** @type {Promise<unknown> | null} */
let ready = null;

/** Loads and instantiates the wasm module once. */
export function load() {
  ready ??= init();
  return ready;
}

/**
 * What a binding error says, as `{code, ...fields}` (the binding puts JSON in the message).
 * @param {unknown} e
 * @returns {{code: string, [k: string]: unknown}}
 */
export function problemOf(e) {
  const message = e instanceof Error ? e.message : String(e);
  try {
    const p = JSON.parse(message);
    if (p && typeof p.code === 'string') return p;
  } catch {
    // not JSON: an unexpected error, reported as such
  }
  return { code: 'internal', message };
}

/** @returns {import('../pkg/synack.js').ScenarioInfo[]} */
export function scenarios() {
  return wasm.scenarios();
}

/** @returns {string} a fresh seed from the browser's randomness */
export function freshSeed() {
  return wasm.fresh_seed();
}

/**
 * Runs a scenario.
 * @param {string} id
 * @param {string} set `NAME=VALUE,...`
 * @param {string} seed decimal, or '' for the default
 * @param {string} acts the reader's actions, `STEP@ACTION,...`
 * @returns {{playground: wasm.Playground} | {problem: {code: string}}}
 */
export function open(id, set, seed, acts) {
  try {
    // A run without the reader's actions is begun, not made whole: a large one goes on in
    // slices (`carryOn`) while the page shows its start. (With actions, an action past the
    // run's end must be refused here, so that `openLenient` can drop them.)
    return {
      playground: acts === ''
        ? wasm.Playground.begin(id, set, seed, acts, BEGIN_STEPS)
        : new wasm.Playground(id, set, seed, acts),
    };
  } catch (e) {
    return { problem: problemOf(e) };
  }
}

/** Steps simulated before a run is first drawn: all of most runs, the start of a large one. */
const BEGIN_STEPS = 20000;
/** Steps simulated at a time while the page goes on with the rest of a large run. */
const SLICE_STEPS = 5000;
/** How long a slice of the rest may keep the page busy before it lets the browser draw. */
const SLICE_MS = 30;

/**
 * Simulates the rest of a run begun by `open`, between frames, so that the page answers
 * meanwhile; `done` is called once the run is complete. `current` says whether the page still
 * shows this run (a new one stops this one).
 * @param {wasm.Playground} p @param {() => boolean} current
 * @param {() => void} done @param {(problem: {code: string}) => void} failed
 */
export function carryOn(p, current, done, failed) {
  setTimeout(() => {
    if (!current()) return;
    const t0 = performance.now();
    try {
      while (!p.advance(SLICE_STEPS)) {
        if (performance.now() - t0 > SLICE_MS) {
          carryOn(p, current, done, failed);
          return;
        }
      }
    } catch (e) {
      failed(problemOf(e));
      return;
    }
    done();
  }, 0);
}

/**
 * Simulates at once what is left of a run begun by `open` (before a step, a jump or an action:
 * they need the whole run). `null` when nothing was left; else whether it completed, or what
 * the binding refused (a begun run has no actions to refuse, but the page says it rather than
 * stop).
 * @param {wasm.Playground} p
 * @returns {null | {completed: true} | {problem: {code: string}}}
 */
export function complete(p) {
  if (p.complete()) return null;
  try {
    while (!p.advance(1e9));
    return { completed: true };
  } catch (e) {
    return { problem: problemOf(e) };
  }
}

/**
 * Does what the reader clicked at the cursor (see `Playground.act`).
 * @param {wasm.Playground} p @param {string} action
 * @returns {{token: string} | {problem: {code: string}}}
 */
export function act(p, action) {
  try {
    return { token: p.act(action) };
  } catch (e) {
    return { problem: problemOf(e) };
  }
}

/**
 * The diagram at the cursor: `old` while neither the layout (wide or compact) nor, for a large
 * run drawn a window at a time, the window has changed; else laid out again.
 * @param {wasm.Playground} p @param {boolean} compact
 * @param {{view: any, key: string, window: any} | null} old
 * @returns {{view: any, key: string, window: any}} `window`: `Playground.window()`
 */
export function diagramAt(p, compact, old) {
  const win = p.window();
  const key = `${compact ? 'compact' : 'wide'} ${win ? win.first : 'all'}`;
  if (old && old.key === key) return old;
  return { view: p.diagram(compact), key, window: win };
}

/** @param {wasm.Playground} p @param {number} seg */
export function inspect(p, seg) {
  try {
    return p.inspect(seg);
  } catch {
    return null;
  }
}

/**
 * Runs a scenario, dropping the parts of a link the binding refuses (each said in `problems`), so
 * that a page always shows something: the actions first, then an unknown scenario (for
 * `fallback`), a bad seed, and at last the settings.
 * @param {string} id @param {string} set @param {string} seed @param {string} acts
 * @param {string} fallback the scenario shown when `id` does not exist
 * @returns {{playground: wasm.Playground, id: string, set: string, seed: string, acts: string,
 *   problems: {code: string}[]} | {problems: {code: string}[]}}
 */
export function openLenient(id, set, seed, acts, fallback) {
  /** @type {{code: string}[]} */
  const problems = [];
  let r = open(id, set, seed, acts);
  if ('problem' in r && r.problem.code === 'bad_action') {
    problems.push(r.problem);
    acts = '';
    r = open(id, set, seed, acts);
  }
  if ('problem' in r && r.problem.code === 'unknown_scenario') {
    problems.push(r.problem);
    id = fallback;
    set = '';
    acts = '';
    r = open(id, set, seed, acts);
  }
  if ('problem' in r && r.problem.code === 'bad_seed') {
    problems.push(r.problem);
    seed = '';
    r = open(id, set, seed, acts);
  }
  if ('problem' in r) {
    problems.push(r.problem);
    set = '';
    acts = '';
    r = open(id, set, seed, acts);
  }
  if ('problem' in r) {
    problems.push(r.problem);
    return { problems };
  }
  return { playground: r.playground, id, set, seed, acts, problems };
}

/** @type {Promise<any> | null} */
let toolsReady = null;

/**
 * The second module (`../pkg/synack_tools.js`: the same binding with the reader's exports and
 * the packetdrill runner), loaded the first time the reader asks for one of them.
 * @returns {Promise<any>}
 */
export function loadTools() {
  toolsReady ??= import('../pkg/synack_tools.js').then(async (m) => {
    await m.default();
    return m;
  });
  // A failed load (the network went away) may be tried again.
  toolsReady.catch(() => { toolsReady = null; });
  return toolsReady;
}

/**
 * One export of a run, made by the tools module from the same inputs (runs are deterministic,
 * so it is the run the page shows): `pcap` (bytes), `svg`, `mermaid`, `text` (strings).
 * @param {'pcap' | 'svg' | 'mermaid' | 'text'} kind
 * @param {{scenario: string, set: string, seed: string, acts: string}} run
 * @returns {Promise<Uint8Array | string>}
 */
export async function exportRun(kind, run) {
  const t = await loadTools();
  const p = new t.Playground(run.scenario, run.set, run.seed, run.acts);
  try {
    return p[kind]();
  } finally {
    p.free();
  }
}

/**
 * Runs a packetdrill script with the runner crate (see `run_packetdrill` in the binding).
 * @param {string} name @param {string} src
 * @returns {Promise<any>}
 */
export async function runPacketdrill(name, src) {
  const t = await loadTools();
  return t.run_packetdrill(name, src);
}
