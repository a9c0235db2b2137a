// Boots embed.html, the diagram and its step controls for an article's iframe. The same URL as
// index.html (scenario, set, seed, act, lang: url.js), plus `autoplay=1`, `from=A&to=B` and
// `theme=light|dark|auto`. Nothing here is clickable in the diagram: a reader who wants to act
// follows "open in synack" to the full page, with the same run.

import { revealedText, stepSentence } from './access.js';
import { DEFAULT_SCENARIO } from './catalog.js';
import { bindControls } from './controls.js';
import { COMPACT_BELOW_PX, drawDiagram, focusY } from './diagram.js';
import { fill, LANGS, pickLang } from './i18n.js';
import { renderProblems } from './panels.js';
import {
  complete, diagramAt, load, openLenient,
} from './sim.js';
import { onRender, state, update } from './state.js';
import { readUrl, writeUrl } from './url.js';

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
/** The same pace as the full page's play button. */
const PLAY_EVERY_MS = 450;

const url = readUrl(location.search);
// First, before anything is drawn, so that a dark article does not flash a light frame.
document.documentElement.dataset.theme = url.theme;

let lang = 'en';
/** The steps shown: the cursor stays within [from, to]. */
const range = { from: 0, to: 0, limited: false };
/** @type {number | undefined} */
let timer;
let lastRevealed = 0;
/** Autoplay is still in charge: the reader has not touched a control, and the run has not ended. */
let autoplaying = false;

/** The language with embed.html's own problem texts. @param {any} d */
function withEmbedProblems(d) {
  return { ...d, problems: { ...d.problems, ...d.embed.problems } };
}

/**
 * Removes what makes a segment look clickable: here it does nothing, and a screen reader hears
 * each step from the live region instead.
 * @param {SVGSVGElement} svg
 */
function quiet(svg) {
  for (const g of svg.querySelectorAll('g.arrow')) {
    g.removeAttribute('tabindex');
    g.removeAttribute('role');
    g.removeAttribute('aria-label');
  }
}

/** Draws what depends on the cursor. @param {import('./state.js').State} s */
function draw(s) {
  const p = s.playground;
  const d = s.dict;
  renderProblems($('problem'), withEmbedProblems(d), s.problems);
  if (!p) return;
  const box = $('diagram');
  s.compact = box.clientWidth < COMPACT_BELOW_PX;
  s.drawn = diagramAt(p, s.compact, s.drawn);
  s.diagram = s.drawn.view;
  const revealed = p.revealed();
  const svg = drawDiagram(s.diagram, revealed, Math.min(lastRevealed, revealed), d);
  quiet(svg);
  box.replaceChildren(svg);
  const cursor = p.cursor();
  const time = `${(p.time() / 1e6).toFixed(3)} s`;
  const position = range.limited
    ? fill(d.embed.range, { cursor, from: range.from, to: range.to, time })
    : fill(d.ui.position, { cursor, last: p.stops() - 1, time });
  if ($('position').textContent !== position) {
    $('position').textContent = position;
    const what = revealed > lastRevealed ? revealedText(s.diagram, lastRevealed, revealed, d) : '';
    $('announce').textContent = stepSentence(d, position, what);
  }
  lastRevealed = revealed;
  const play = $('btn-play');
  play.classList.toggle('playing', s.playing);
  play.title = s.playing ? d.ui.pause : d.ui.play;
  play.setAttribute('aria-label', play.title);
  // At a limit the buttons that would pass it do nothing; they stay focusable, so that a reader
  // on the keyboard does not lose their place.
  for (const [id, atLimit] of [['btn-start', cursor <= range.from], ['btn-back', cursor <= range.from], ['btn-step', cursor >= range.to], ['btn-end', cursor >= range.to]]) {
    $(/** @type {string} */ (id)).setAttribute('aria-disabled', String(atLimit));
  }
  // Keep "now" in view while stepping, near the bottom of the frame: an iframe is short, and
  // what led to "now" matters more than the empty rest of the run.
  if (s.diagram.height > 0) {
    const scale = svg.getBoundingClientRect().height / s.diagram.height;
    const y = focusY(s.diagram, revealed) * scale;
    if (y > box.scrollTop + box.clientHeight - 50) box.scrollTop = y - box.clientHeight + 70;
    else if (y < box.scrollTop + 40) box.scrollTop = Math.max(0, y - 70);
  }
}

/** The texts that do not depend on the cursor. */
function drawChrome() {
  const d = state.dict;
  const title = d.scenarios[state.scenario]?.title ?? state.scenario;
  document.documentElement.lang = d.htmlLang;
  document.title = fill(d.embed.docTitle, { title });
  $('controls').setAttribute('aria-label', d.embed.controls);
  for (const [id, key] of [['btn-start', 'start'], ['btn-back', 'back'], ['btn-step', 'step'], ['btn-end', 'end']]) {
    $(id).title = d.ui[key];
    $(id).setAttribute('aria-label', d.ui[key]);
  }
  // The diagram's box scrolls, so it takes the focus; its name says what it holds.
  $('diagram').setAttribute('aria-label', title);
  $('scenario-title').textContent = title;
  const open = /** @type {HTMLAnchorElement} */ ($('open-full'));
  open.textContent = `${d.embed.open} ↗`;
  open.title = d.embed.openTitle;
  open.href = `./${writeUrl({ scenario: state.scenario, set: state.set, seed: state.seed, acts: state.acts, lang })}`;
}

function stop() {
  if (timer !== undefined) clearInterval(timer);
  timer = undefined;
  if (state.playing) update({ playing: false });
}

/** Moves the cursor (each action keeps it within the range). @param {(p: any) => void} fn */
function move(fn) {
  const p = state.playground;
  if (!p) return;
  fn(p);
  update({ cursor: p.cursor() });
}

function atTo() {
  return !state.playground || state.playground.cursor() >= range.to;
}

function play() {
  const p = state.playground;
  if (!p || state.playing) return;
  if (atTo()) p.seek(range.from);
  update({ playing: true, cursor: p.cursor() });
  timer = window.setInterval(() => {
    move((q) => q.step());
    if (atTo()) {
      stop();
      autoplaying = false;
    }
  }, PLAY_EVERY_MS);
}

/** What a control does; the reader's first touch takes over from autoplay. @param {() => void} fn */
const byReader = (fn) => () => {
  autoplaying = false;
  fn();
};

const actions = {
  start: byReader(() => { stop(); move((p) => p.seek(range.from)); }),
  back: byReader(() => { stop(); move((p) => { if (p.cursor() > range.from) p.back(); }); }),
  step: byReader(() => { stop(); move((p) => { if (p.cursor() < range.to) p.step(); }); }),
  end: byReader(() => { stop(); move((p) => p.seek(range.to)); }),
  togglePlay: byReader(() => (state.playing ? stop() : play())),
};

/**
 * Plays when the diagram scrolls into view, pauses when it leaves, until the reader takes over or
 * the run ends. Not with `prefers-reduced-motion: reduce`: then the play button waits.
 */
function startAutoplay() {
  if (matchMedia('(prefers-reduced-motion: reduce)').matches) return;
  autoplaying = true;
  if (typeof IntersectionObserver !== 'function') {
    play();
    return;
  }
  const observer = new IntersectionObserver((entries) => {
    if (!autoplaying) {
      observer.disconnect();
      return;
    }
    const visible = entries.some((e) => e.isIntersecting);
    if (visible && !state.playing) play();
    if (!visible && state.playing) stop();
  }, { threshold: 0.25 });
  observer.observe($('diagram'));
}

/**
 * Checks `from` and `to` against the run's steps; a bad range is said and every step shown.
 * @param {number} last the run's last stop
 * @param {{code: string, [k: string]: unknown}[]} problems
 */
function pickRange(last, problems) {
  range.from = 0;
  range.to = last;
  range.limited = false;
  if (url.from === null && url.to === null) return;
  const from = url.from ?? 0;
  const to = url.to ?? last;
  if (from > to || to > last) {
    problems.push({ code: 'bad_range', from, to, last });
    return;
  }
  range.from = from;
  range.to = to;
  range.limited = true;
}

async function boot() {
  const picked = pickLang(url.lang, navigator.languages ?? [navigator.language]);
  lang = picked.lang;
  /** @type {{code: string, [k: string]: unknown}[]} */
  const problems = [...url.problems];
  if (picked.problem) problems.push(picked.problem);
  problems.push(...url.optionProblems);
  state.dict = LANGS[lang];
  document.documentElement.lang = state.dict.htmlLang;
  $('position').textContent = state.dict.ui.loading;
  try {
    await load();
  } catch (e) {
    $('position').textContent = fill(state.dict.ui.loadFailed, { detail: e instanceof Error ? e.message : String(e) });
    return;
  }
  const r = openLenient(url.scenario ?? DEFAULT_SCENARIO, url.set, url.seed, url.acts, DEFAULT_SCENARIO);
  problems.push(...r.problems);
  if (!('playground' in r)) {
    update({ problems });
    return;
  }
  const p = r.playground;
  // The embed shows a range of the run's stops: it needs them all before it draws.
  const whole = complete(p);
  if (whole && 'problem' in whole) problems.push(whole.problem);
  pickRange(p.stops() - 1, problems);
  p.seek(range.from);
  state.compact = $('diagram').clientWidth < COMPACT_BELOW_PX;
  // The steps before `from` are the starting picture, not news.
  lastRevealed = p.revealed();
  onRender(draw);
  update({
    scenario: r.id, set: r.set, seed: p.seed() === '1' ? '' : p.seed(), acts: r.acts,
    playground: p, diagram: null, drawn: null, cursor: p.cursor(), problems, playing: false,
  });
  drawChrome();
  bindControls(actions);
  window.addEventListener('resize', () => update({}));
  if (url.autoplay) startAutoplay();
}

boot();
