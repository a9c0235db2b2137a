// The chart of counts over time, for runs with many connections: TIME-WAIT and ESTABLISHED per
// host, a listener's SYN and accept queues against their limit. A line marks "now"; a band
// marks the stretch of time the diagram shows; for a large run, drawn a window at a time, a
// frame marks the window; a click jumps there.

import { fill } from './i18n.js';
import { h } from './panels.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 600;
const H = 150;
const M = { left: 34, right: 8, top: 8, bottom: 18 };
/** A run whose counts never reach this is charted by its diagram alone. */
const WORTH_A_CHART = 5;
const MAX_SERIES = 6;

/** @param {string} tag @param {Record<string, string | number>} [attrs] @param {(Node | string)[]} [children] */
function el(tag, attrs = {}, children = []) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const c of children) e.append(c);
  return e;
}

/**
 * The stretch of time a diagram's box shows, from the ticks of its time ruler.
 * @param {any} diagram @param {number} top @param {number} bottom in the diagram's own units
 * @returns {{from: number, to: number} | null}
 */
export function shownTime(diagram, top, bottom) {
  const ticks = diagram.ticks ?? [];
  if (ticks.length === 0) return null;
  const inside = ticks.filter((/** @type {any} */ t) => t.y >= top && t.y <= bottom);
  const before = ticks.filter((/** @type {any} */ t) => t.y < top).at(-1);
  const after = ticks.find((/** @type {any} */ t) => t.y > bottom);
  const from = (inside[0] ?? before ?? ticks[0]).at;
  const to = (after ?? inside.at(-1) ?? ticks.at(-1)).at;
  return { from: Math.min(from, to), to: Math.max(from, to) };
}

/**
 * @param {any} chart `Playground.series()`
 * @returns {boolean} whether the run is worth a chart
 */
export function worthAChart(chart) {
  return chart.series.some((/** @type {any} */ s) => s.max >= WORTH_A_CHART);
}

/**
 * @param {HTMLElement} box @param {any} dict @param {any} chart `Playground.series()`
 * @param {string[]} hosts @param {number} now µs
 * @param {{from: number, to: number} | null} shown the time the diagram shows, µs
 * @param {any} win a large run's window (`Playground.window()`), or null
 * @param {(us: number) => void} seek
 */
export function renderChart(box, dict, chart, hosts, now, shown, win, seek) {
  if (!worthAChart(chart)) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  box.hidden = false;
  const c = dict.chart;
  const series = chart.series.filter((/** @type {any} */ s) => s.max > 0).slice(0, MAX_SERIES);
  const end = Math.max(1, chart.end);
  const top = Math.max(1, ...series.map((/** @type {any} */ s) => Math.max(s.max, s.limit === null ? 0 : s.limit + 1)));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (/** @type {number} */ us) => M.left + (Math.min(us, end) / end) * pw;
  const y = (/** @type {number} */ n) => M.top + ph - (n / top) * ph;
  const name = (/** @type {any} */ s) => fill(c[s.metric], { host: hosts[s.host] ?? String(s.host), listener: s.listener ?? '' });
  const svg = el('svg', {
    viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img',
    'aria-label': fill(c.label, { list: series.map((/** @type {any} */ s) => fill(c.peak, { name: name(s), max: s.max })).join(c.sep) }),
  });
  // Axes: zero, the top count, the run's start and end.
  svg.append(
    el('line', { x1: M.left, y1: y(0), x2: W - M.right, y2: y(0), class: 'axis' }),
    el('text', { x: M.left - 4, y: y(0) + 4, 'text-anchor': 'end', class: 'tick' }, ['0']),
    el('text', { x: M.left - 4, y: y(top) + 8, 'text-anchor': 'end', class: 'tick' }, [String(top)]),
    el('text', { x: M.left, y: H - 4, class: 'tick' }, ['0 s']),
    el('text', { x: W - M.right, y: H - 4, 'text-anchor': 'end', class: 'tick' }, [`${(end / 1e6).toFixed(1)} s`]),
  );
  if (shown) {
    svg.append(el('rect', {
      x: x(shown.from), y: M.top, width: Math.max(1, x(shown.to) - x(shown.from)), height: ph, class: 'window',
    }));
  }
  const secs = (/** @type {number} */ us) => `${(us / 1e6).toFixed(3)} s`;
  if (win) {
    // The window the diagram holds: at least a few pixels wide, so that it shows on a long run.
    const x0 = x(win.from);
    const w = Math.max(4, x(win.to) - x0);
    svg.append(el('rect', {
      x: Math.min(x0, W - M.right - w), y: M.top - 2, width: w, height: ph + 4, class: 'span',
    }, [el('title', {}, [fill(c.windowTitle, { start: secs(win.from), end: secs(win.to) })])]));
  }
  series.forEach((/** @type {any} */ s, /** @type {number} */ i) => {
    if (s.limit !== null) {
      svg.append(el('line', {
        x1: M.left, y1: y(s.limit), x2: W - M.right, y2: y(s.limit), class: `limit s${i}`,
      }, [el('title', {}, [fill(c.limit, { name: name(s), n: s.limit })])]));
    }
    // A count holds until its next change: a step line.
    let d = '';
    let last = 0;
    for (const [at, n] of s.points) {
      d += d === '' ? `M${x(at).toFixed(1)},${y(n).toFixed(1)}` : `H${x(at).toFixed(1)}V${y(n).toFixed(1)}`;
      last = n;
    }
    d += `H${x(end).toFixed(1)}`;
    svg.append(el('path', { d, class: `line s${i}`, 'data-last': last }));
  });
  svg.append(el('line', { x1: x(now), y1: M.top, x2: x(now), y2: M.top + ph, class: 'now' }));
  svg.addEventListener('click', (e) => {
    const r = svg.getBoundingClientRect();
    const px = ((e.clientX - r.left) / r.width) * W;
    seek(Math.max(0, Math.min(1, (px - M.left) / pw)) * end);
  });
  const legend = h('ul', { class: 'legend' }, series.map((/** @type {any} */ s, /** @type {number} */ i) => h('li', { class: `s${i}` }, [
    h('span', { class: 'swatch', 'aria-hidden': 'true' }), fill(c.peak, { name: name(s), max: s.max }),
    s.limit === null ? '' : ` ${fill(c.ofLimit, { n: s.limit })}`,
  ])));
  const windowNote = win ? h('p', { class: 'small window-note' }, [fill(c.window, {
    n: win.segments.toLocaleString(dict.htmlLang), total: win.of.toLocaleString(dict.htmlLang),
    start: secs(win.from), end: secs(win.to),
  })]) : '';
  box.replaceChildren(h('h3', {}, [c.title]), svg, legend, windowNote, h('p', { class: 'small muted' }, [c.hint]));
}
