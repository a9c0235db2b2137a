// Boots the page: reads the URL, loads the binding, runs the scenario, and draws the state.

import { DEFAULT_SCENARIO, featured } from './catalog.js';
import { bindControls } from './controls.js';
import { COMPACT_BELOW_PX, drawDiagram, focusY } from './diagram.js';
import { fill, LANGS, pickLang } from './i18n.js';
import {
  h, renderOutcome, renderProblems, renderStory,
} from './panels.js';
import { renderHostState } from './hoststate.js';
import { renderLog } from './log.js';
import { renderChart, shownTime } from './chart.js';
import { formSettings, knobRows, renderSettings } from './settings.js';
import { renderActions } from './actions.js';
import { renderInspector } from './segment.js';
import {
  act, carryOn, complete, diagramAt, freshSeed, inspect, load, openLenient, problemOf, scenarios,
} from './sim.js';
import { onRender, state, update } from './state.js';
import { readUrl, writeUrl } from './url.js';
import { embedHref, renderEmbedShare, snippetFor } from './embed-code.js';
import { announce, keepingFocus, labelPage } from './access.js';
import { renderExports } from './exports.js';
import { renderPacketdrill } from './packetdrill.js';

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const PLAY_EVERY_MS = 450;

/** @type {any[]} */
let catalog = [];
let lang = 'en';
/** @type {number | undefined} */
let timer;
let lastRevealed = 0;

/** The static texts of the page, in the reader's language. */
function drawChrome() {
  const d = state.dict;
  document.documentElement.lang = d.htmlLang;
  document.title = `${d.ui.title} · ${d.scenarios[state.scenario]?.title ?? ''}`;
  $('tagline').textContent = d.ui.tagline;
  $('scenario-label').textContent = d.ui.scenario;
  $('lang-switch').textContent = d.ui.otherLanguage;
  $('lang-switch').setAttribute('lang', lang === 'zh' ? 'en' : 'zh');
  $('keys').textContent = d.ui.keys;
  labelPage(d);
  for (const [id, key] of [['btn-start', 'start'], ['btn-back', 'back'], ['btn-step', 'step'], ['btn-end', 'end']]) {
    $(id).title = d.ui[key];
    $(id).setAttribute('aria-label', d.ui[key]);
  }
  const select = /** @type {HTMLSelectElement} */ ($('scenario'));
  select.replaceChildren(...catalog.map((s) => {
    const o = /** @type {HTMLOptionElement} */ (h('option', { value: s.id }, [d.scenarios[s.id]?.title ?? s.id]));
    o.selected = s.id === state.scenario;
    return o;
  }));
  renderStory($('story'), d, state.scenario);
  renderEmbedShare($('embed-share'), d, () => snippetFor(state, lang, location.href));
  renderExports($('exports'), d, () => ({
    scenario: state.scenario, set: state.set, seed: state.seed, acts: state.acts,
  }));
  renderPacketdrill($('packetdrill'), d);
  drawSettings();
}

function drawSettings() {
  const info = catalog.find((s) => s.id === state.scenario);
  if (!info) return;
  renderSettings($('settings'), state.dict, knobRows(info), featured[state.scenario] ?? [], info.hosts, state.set, state.seed || '1');
  const form = /** @type {HTMLFormElement} */ ($('settings-form'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const seed = /** @type {HTMLInputElement} */ ($('seed')).value.trim();
    reopen(state.scenario, formSettings(form), seed, [], state.acts);
  });
  $('reset').addEventListener('click', () => reopen(state.scenario, '', ''));
  $('new-seed').addEventListener('click', () => {
    try {
      reopen(state.scenario, state.set, freshSeed());
    } catch (e) {
      update({ problems: [problemOf(e)] });
    }
  });
}

/** Draws what depends on the cursor. @param {import('./state.js').State} s */
function draw(s) {
  const p = s.playground;
  const d = s.dict;
  renderProblems($('problem'), d, s.problems);
  if (!p) return;
  const revealed = p.revealed();
  const box = $('diagram');
  s.compact = box.clientWidth < COMPACT_BELOW_PX;
  s.drawn = diagramAt(p, s.compact, s.drawn);
  s.diagram = s.drawn.view;
  box.replaceChildren(drawDiagram(s.diagram, revealed, Math.min(lastRevealed, revealed), d, s.selected));
  renderLog($('log'), d, p, lastRevealed, p.hosts());
  lastRevealed = revealed;
  const t = (p.time() / 1e6).toFixed(3);
  $('position').textContent = fill(d.ui.position, { cursor: p.cursor(), last: p.stops() - 1, time: `${t} s` })
    + (p.complete() ? '' : ` · ${d.ui.simulating}`);
  announce($('announce'), d, s, $('position').textContent);
  $('btn-play').classList.toggle('playing', s.playing);
  $('btn-play').title = s.playing ? d.ui.pause : d.ui.play;
  $('btn-play').setAttribute('aria-label', $('btn-play').title);
  const hostState = p.state();
  renderHostState($('sockets'), d, hostState, p.time(), `${s.scenario}|${s.set}|${s.seed}|${s.acts}`, `${s.scenario}|${s.set}|${s.seed}`);
  const hosts = p.hosts();
  renderActions($('actions'), d, hostState, (/** @type {number} */ host) => p.inject_template(host), doAct);
  const flights = p.in_flight();
  const flight = flights.find((/** @type {any} */ f) => f.seg === s.selected) ?? null;
  const info = s.selected === null ? null : inspect(p, s.selected);
  // A segment the reader selected is shown only once the cursor has revealed it.
  const shownInfo = info && info.step < revealed ? info : null;
  renderInspector($('inspector'), d, shownInfo, hosts, shownInfo ? flight : null, doAct);
  renderOutcome($('outcome-box'), d, s.scenario, p.at_end() ? p.outcome() : null);
  // Keep "now" in view while stepping.
  const svg = box.querySelector('svg');
  if (svg && s.diagram.height > 0) {
    const scale = svg.getBoundingClientRect().height / s.diagram.height;
    const y = focusY(s.diagram, revealed) * scale;
    if (y < box.scrollTop + 40 || y > box.scrollTop + box.clientHeight - 60) {
      box.scrollTop = Math.max(0, y - box.clientHeight / 2);
      // Where it is going (a smooth scroll is still on its way): the chart shows that stretch.
      chartTop = Math.max(0, y - box.clientHeight / 2);
    } else {
      chartTop = box.scrollTop;
    }
  }
  drawChart(s, p, box, chartTop);
  history.replaceState(null, '', writeUrl({ scenario: s.scenario, set: s.set, seed: s.seed, acts: s.acts, lang, embed: s.embed }));
}

/** The diagram box's scroll position the chart's band was last drawn for. */
let chartTop = 0;

/**
 * The chart of counts over time, with the stretch the diagram box shows.
 * @param {any} s @param {any} p @param {HTMLElement} box @param {number} top the box's scrollTop
 */
function drawChart(s, p, box, top) {
  const svg = box.querySelector('svg');
  const scale = svg && s.diagram.height > 0 ? svg.getBoundingClientRect().height / s.diagram.height : 1;
  const shown = shownTime(s.diagram, top / scale, (top + box.clientHeight) / scale);
  renderChart($('chart'), s.dict, s.chart, p.hosts(), p.time(), shown, s.drawn?.window ?? null, (us) => {
    stop();
    move((q) => q.run_until(us));
  });
}

/**
 * Runs a scenario; a part of the input the binding refuses is dropped (and said), so that the
 * page always shows something.
 * @param {string} id @param {string} set @param {string} seed
 * @param {{code: string}[]} [problems]
 * @param {string} [acts] the reader's actions to replay
 */
function reopen(id, set, seed, problems = [], acts = '') {
  stop();
  // The old run goes first: a large one holds hundreds of megabytes, which the new one reuses.
  const old = state.playground;
  state.playground = null;
  if (old) old.free();
  delete document.body.dataset.simulating;
  const r = openLenient(id, set, seed, acts, DEFAULT_SCENARIO);
  problems.push(...r.problems);
  if (!('playground' in r)) {
    update({ problems, playground: null });
    return;
  }
  ({ id, set, seed, acts } = r);
  const p = r.playground;
  lastRevealed = 0;
  // A large run: its start is drawn; the rest is simulated between frames (`carryOn`).
  const partial = !p.complete();
  if (partial) document.body.dataset.simulating = '1';
  update({
    scenario: id, set, seed: p.seed() === '1' ? '' : p.seed(), acts, selected: null, playground: p, diagram: null, drawn: null, chart: p.series(), problems, playing: false,
  });
  drawChrome();
  if (partial) carryOn(p, () => state.playground === p, () => completed(p), refused);
}

/** The rest of a run could not be simulated: the page says why. @param {{code: string}} problem */
function refused(problem) {
  delete document.body.dataset.simulating;
  update({ problems: [problem] });
}

/** The run the page shows is complete: the chart, the outcome and the stops are drawn. @param {any} p */
function completed(p) {
  delete document.body.dataset.simulating;
  update({ drawn: null, chart: p.series(), cursor: p.cursor() });
}

/** Before what needs the whole run (a step, a jump, an action): the rest of it, at once. */
function wholeRun() {
  const p = state.playground;
  const r = p && complete(p);
  if (!r) return;
  if ('problem' in r) refused(r.problem);
  else completed(p);
}

function stop() {
  if (timer !== undefined) clearInterval(timer);
  timer = undefined;
  if (state.playing) update({ playing: false });
}

/** @param {(p: any) => void} fn */
function move(fn) {
  const p = state.playground;
  if (!p) return;
  wholeRun();
  fn(p);
  update({ cursor: p.cursor() });
}

/** Does what the reader clicked, at the cursor; the rest of the run is simulated again. @param {string} action */
function doAct(action) {
  const p = state.playground;
  if (!p) return;
  stop();
  wholeRun();
  const r = act(p, action);
  if ('problem' in r) {
    update({ problems: [{ ...r.problem, during: 'action' }] });
    return;
  }
  update({ acts: p.actions(), drawn: null, chart: p.series(), cursor: p.cursor(), problems: [] });
}

const actions = {
  start: () => { stop(); move((p) => p.seek(0)); },
  back: () => { stop(); move((p) => p.back()); },
  step: () => { stop(); move((p) => p.step()); },
  end: () => { stop(); move((p) => p.seek(p.stops() - 1)); },
  togglePlay: () => {
    const p = state.playground;
    if (!p) return;
    if (state.playing) {
      stop();
      return;
    }
    if (p.at_end()) p.seek(0);
    update({ playing: true, cursor: p.cursor() });
    timer = window.setInterval(() => {
      move((q) => q.step());
      if (atEnd()) stop();
    }, PLAY_EVERY_MS);
  },
};

function atEnd() {
  return !state.playground || state.playground.at_end();
}

async function boot() {
  const url = readUrl(location.search);
  if (url.embed) {
    // `?embed=1` predates embed.html, which replaces it: old links open it with the same run.
    location.replace(embedHref(location.search));
    return;
  }
  const picked = pickLang(url.lang, navigator.languages ?? [navigator.language]);
  lang = picked.lang;
  const problems = [...url.problems];
  if (picked.problem) problems.push(picked.problem);
  state.dict = LANGS[lang];
  state.embed = url.embed;
  document.body.classList.toggle('embed', url.embed);
  $('position').textContent = state.dict.ui.loading;
  try {
    await load();
  } catch (e) {
    $('position').textContent = fill(state.dict.ui.loadFailed, { detail: e instanceof Error ? e.message : String(e) });
    return;
  }
  catalog = scenarios();
  onRender((s) => keepingFocus(() => draw(s)));
  bindControls(actions);
  /** @type {HTMLSelectElement} */ ($('scenario')).addEventListener('change', (e) => {
    reopen(/** @type {HTMLSelectElement} */ (e.target).value, '', state.seed);
  });
  $('lang-switch').addEventListener('click', () => {
    lang = lang === 'zh' ? 'en' : 'zh';
    update({ dict: LANGS[lang], problems: [] });
    drawChrome();
  });
  window.addEventListener('resize', () => update({}));
  state.compact = $('diagram').clientWidth < COMPACT_BELOW_PX;
  const pick = (/** @type {Event} */ e) => {
    const g = /** @type {Element} */ (e.target).closest?.('g.arrow');
    if (!g) return;
    update({ selected: Number(/** @type {HTMLElement} */ (g).dataset.seg) });
  };
  $('diagram').addEventListener('click', pick);
  // The reader scrolls the diagram: the chart's band follows (once per frame).
  let bandPending = false;
  $('diagram').addEventListener('scroll', () => {
    if (bandPending || !state.playground || !state.chart) return;
    bandPending = true;
    requestAnimationFrame(() => {
      bandPending = false;
      if (state.playground) drawChart(state, state.playground, $('diagram'), $('diagram').scrollTop);
    });
  });
  $('diagram').addEventListener('keydown', (e) => {
    // A segment is a button: Enter and Space open it in the inspector.
    if (e.key === 'Enter' || (e.key === ' ' && /** @type {Element} */ (e.target).closest?.('g.arrow'))) {
      e.preventDefault();
      pick(e);
    }
  });
  reopen(url.scenario ?? DEFAULT_SCENARIO, url.set, url.seed, problems, url.acts);
}

boot();
