// Boots the page: reads the URL, loads the binding, runs the scenario, and draws the state.

import { DEFAULT_SCENARIO, featured } from './catalog.js';
import { bindControls } from './controls.js';
import { drawDiagram, focusY } from './diagram.js';
import { fill, LANGS, pickLang } from './i18n.js';
import {
  formSettings, h, renderOutcome, renderProblems, renderSettings, renderSockets, renderStory,
} from './panels.js';
import { freshSeed, load, open, problemOf, scenarios } from './sim.js';
import { onRender, state, update } from './state.js';
import { readUrl, writeUrl } from './url.js';

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const PLAY_EVERY_MS = 450;
/** Below this width the diagram is laid out for a phone. */
const COMPACT_BELOW_PX = 520;

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
  drawSettings();
}

function drawSettings() {
  const info = catalog.find((s) => s.id === state.scenario);
  if (!info) return;
  const current = new Map(state.set.split(',').filter(Boolean).map((p) => /** @type {[string, string]} */ (p.split('=', 2))));
  const fields = (featured[state.scenario] ?? []).map((name) => {
    const setting = info.settings.find((/** @type {any} */ s) => s.name === name);
    const knob = info.knobs.find((/** @type {any} */ k) => k.name === name);
    const named = setting && setting.choices.length > 0 ? setting.choices[setting.default - setting.min] : undefined;
    const fallback = setting ? (named ?? String(setting.default)) : knob ? knob.default : '';
    return { name, help: setting?.help ?? knob?.help ?? '', value: current.get(name) ?? fallback, fallback };
  });
  renderSettings($('settings'), state.dict, fields, state.seed || '1');
  const form = /** @type {HTMLFormElement} */ ($('settings-form'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const seed = /** @type {HTMLInputElement} */ ($('seed')).value.trim();
    reopen(state.scenario, formSettings(form), seed);
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
  const compact = box.clientWidth < COMPACT_BELOW_PX;
  if (compact !== s.compact) {
    s.compact = compact;
    s.diagram = p.diagram(compact);
  }
  box.replaceChildren(drawDiagram(s.diagram, revealed, Math.min(lastRevealed, revealed), d));
  lastRevealed = revealed;
  const t = (p.time() / 1e6).toFixed(3);
  $('position').textContent = fill(d.ui.position, { cursor: p.cursor(), last: p.stops() - 1, time: `${t} s` });
  $('btn-play').classList.toggle('playing', s.playing);
  $('btn-play').title = s.playing ? d.ui.pause : d.ui.play;
  $('btn-play').setAttribute('aria-label', $('btn-play').title);
  renderSockets($('sockets'), d, p.sockets());
  renderOutcome($('outcome-box'), d, s.scenario, p.at_end() ? p.outcome() : null);
  // Keep "now" in view while stepping.
  const svg = box.querySelector('svg');
  if (svg && s.diagram.height > 0) {
    const scale = svg.getBoundingClientRect().height / s.diagram.height;
    const y = focusY(s.diagram, revealed) * scale;
    if (y < box.scrollTop + 40 || y > box.scrollTop + box.clientHeight - 60) {
      box.scrollTop = Math.max(0, y - box.clientHeight / 2);
    }
  }
  history.replaceState(null, '', writeUrl({ scenario: s.scenario, set: s.set, seed: s.seed, lang, embed: s.embed }));
}

/**
 * Runs a scenario; a part of the input the binding refuses is dropped (and said), so that the
 * page always shows something.
 * @param {string} id @param {string} set @param {string} seed
 * @param {{code: string}[]} [problems]
 */
function reopen(id, set, seed, problems = []) {
  stop();
  let r = open(id, set, seed);
  if ('problem' in r && r.problem.code === 'unknown_scenario') {
    problems.push(r.problem);
    id = DEFAULT_SCENARIO;
    set = '';
    r = open(id, set, seed);
  }
  if ('problem' in r && r.problem.code === 'bad_seed') {
    problems.push(r.problem);
    seed = '';
    r = open(id, set, seed);
  }
  if ('problem' in r) {
    problems.push(r.problem);
    set = '';
    r = open(id, set, seed);
  }
  if ('problem' in r) {
    problems.push(r.problem);
    update({ problems });
    return;
  }
  const p = r.playground;
  const old = state.playground;
  state.playground = null;
  if (old) old.free();
  lastRevealed = 0;
  update({
    scenario: id, set, seed: p.seed() === '1' ? '' : p.seed(), playground: p, diagram: p.diagram(state.compact), problems, playing: false,
  });
  drawChrome();
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
  fn(p);
  update({ cursor: p.cursor() });
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
  onRender(draw);
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
  reopen(url.scenario ?? DEFAULT_SCENARIO, url.set, url.seed, problems);
}

boot();
