// Draws the diagram's display list (crates/synack-diagram) as SVG, up to the cursor. Pure
// functions from (display list, cursor, language) to elements: no state, no wasm.

import { fill, span } from './i18n.js';

const SVG = 'http://www.w3.org/2000/svg';
/** Below this width (of the diagram's box, in CSS px) the diagram is laid out for a phone. */
export const COMPACT_BELOW_PX = 520;
/** How far a segment to its own host (loopback) loops out from the lifeline. */
const SELF_LOOP_PX = 26;
const LINE = 18;
const TOP = 44;
/**
 * The most items a move fades in. One that reveals more (a jump: the end, a click on the chart)
 * fades none: the whole view is new, and a window of a large run faded in whole (the 1,043
 * lines of socket calls at the end of `port-exhaustion`) kept Chromium restyling every one of
 * them for the fade's 1.2 s: a step back just after a click on the chart took 242 to 246 ms to
 * its frame, 48 to 67 ms without (docs/PERFORMANCE.md, the eleventh round).
 */
export const FRESH_MAX = 64;

/**
 * Whether trace events [from, to) put more than `FRESH_MAX` items in the view: a jump, which
 * neither fades in nor is said item by item.
 * @param {any} view the display list @param {number} from @param {number} to
 */
export function isJump(view, from, to) {
  let n = 0;
  for (const i of view.items) if (i.step >= from && i.step < to && ++n > FRESH_MAX) return true;
  return false;
}

/**
 * @param {string} name @param {Record<string, string | number>} attrs @param {string} [text]
 * @returns {SVGElement}
 */
function el(name, attrs, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** `0.105 s`: a ruler tick (the same in both languages). @param {number} us */
function tickText(us) {
  return (us / 1e6).toFixed(3) + ' s';
}

/** CSS classes for a segment by its flags (`S.`, `F.`, `R`). @param {string} flags */
function flagClass(flags) {
  if (flags.includes('R')) return 'rst';
  if (flags.includes('S')) return 'syn';
  if (flags.includes('F')) return 'fin';
  return 'ack';
}

/**
 * The diagram up to `revealed` trace events.
 * @param {any} view the display list
 * @param {number} revealed how many trace events are shown
 * @param {number} fresh events from this index on were revealed by the last step (faded in, unless
 *   they put more than `FRESH_MAX` items in the view: `isJump`)
 * @param {any} dict the reader's language
 * @param {number | null} [selected] the segment in the inspector
 * @returns {SVGSVGElement}
 */
export function drawDiagram(view, revealed, fresh, dict, selected = null) {
  const svg = /** @type {SVGSVGElement} */ (el('svg', {
    viewBox: `0 0 ${view.width} ${view.height}`,
    class: 'diagram',
    // A group, not an image: its segments are buttons, which an image's children cannot be.
    role: 'group',
    'aria-label': dict.ui.diagramLabel,
  }));
  svg.style.maxWidth = `${view.width}px`;
  const defs = el('defs', {});
  const marker = el('marker', {
    id: 'head', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse',
  });
  marker.append(el('path', { d: 'M0,0L10,5L0,10z', class: 'head' }));
  defs.append(marker);
  svg.append(defs);

  const shown = (/** @type {any} */ i) => i.step < revealed;
  if (isJump(view, fresh, revealed)) fresh = Infinity;
  // The y of "now": the lowest thing shown.
  let nowY = TOP - 10;
  for (const i of view.items) {
    if (!shown(i)) continue;
    const ys = i.kind === 'arrow' ? [i.y0] : i.kind === 'timer' ? [i.y0] : [i.y];
    if (i.kind === 'arrow' && i.end_step !== null && i.end_step < revealed) ys.push(i.y1);
    nowY = Math.max(nowY, ...ys);
  }

  const folds = el('g', { class: 'folds' });
  const lanes = el('g', { class: 'lanes' });
  const ticks = el('g', { class: 'ticks' });
  const timers = el('g', { class: 'timers' });
  const arrows = el('g', { class: 'arrows' });
  const labels = el('g', { class: 'labels' });
  svg.append(folds, lanes, ticks, timers, arrows, labels);

  for (const lane of view.lanes) {
    const name = lane.name === 'injected' ? dict.ui.injected : lane.name;
    const g = el('g', { class: 'lane' });
    g.append(el('text', { x: lane.x, y: TOP - 20, 'text-anchor': 'middle', class: 'lane-name' }, name));
    g.append(el('line', { x1: lane.x, y1: TOP - 10, x2: lane.x, y2: view.height - LINE, class: 'lifeline' }));
    lanes.append(g);
  }
  let lastTick = -Infinity;
  for (const t of view.gutter > 0 ? view.ticks : []) {
    if (t.y > nowY || t.y < lastTick + LINE) continue;
    lastTick = t.y;
    ticks.append(el('text', { x: 4, y: t.y + 4, class: 'tick' }, tickText(t.at)));
  }
  const laneX = (/** @type {number} */ i) => view.lanes[i]?.x ?? 0;
  const side = (/** @type {number} */ i) => view.lanes[i]?.side ?? 1;
  // A fold's label sits between the first and the last host (the injected lane aside).
  const hostLanes = view.lanes.filter((/** @type {any} */ l) => l.name !== 'injected');
  const foldX = hostLanes.length > 1 ? (hostLanes[0].x + hostLanes[hostLanes.length - 1].x) / 2 : view.width / 2;

  for (const i of view.items) {
    if (!shown(i)) continue;
    const isFresh = i.step >= fresh;
    switch (i.kind) {
      case 'fold': {
        const g = el('g', { class: 'fold' });
        g.append(el('rect', { x: view.gutter, y: i.y + 6, width: view.width - view.gutter, height: 22, class: 'fold-band' }));
        g.append(el('text', { x: foldX, y: i.y + 21, 'text-anchor': 'middle' }, fill(dict.ui.fold, { span: span(dict, i.span_us) })));
        folds.append(g);
        break;
      }
      case 'arrow': {
        const done = i.end_step !== null && i.end_step < revealed;
        const x0 = laneX(i.from);
        let x1 = laneX(i.to);
        let y1 = i.y1;
        if (done && i.lost) x1 = x0 + (x1 - x0) / 2;
        if (!done) {
          // In flight: drawn up to "now", heading for its receiver.
          const t = i.y1 > i.y0 ? Math.min(1, Math.max(0.15, (nowY - i.y0) / (i.y1 - i.y0))) : 0.5;
          x1 = x0 + (x1 - x0) * t;
          y1 = i.y0 + (i.y1 - i.y0) * t;
        }
        const classes = ['arrow', flagClass(i.flags)];
        if (!done) classes.push('in-flight');
        if (done && i.lost) classes.push('lost');
        if (i.retransmit) classes.push('retransmit');
        if (i.held) classes.push('held');
        if (i.copy) classes.push('copy');
        if (isFresh) classes.push('fresh');
        const notes = [];
        if (i.copy) notes.push(dict.ui.copy);
        if (i.held) notes.push(dict.ui.held);
        if (done && i.lost) notes.push(dict.ui.lost);
        if (!done) notes.push(dict.ui.inFlight);
        const title = notes.join(', ');
        // What a screen reader says for the segment: who sent it to whom, and what became of it.
        const laneName = (/** @type {number} */ n) => (view.lanes[n]?.name === 'injected' ? dict.ui.injected : view.lanes[n]?.name ?? '');
        const g = el('g', {
          class: classes.join(' '), 'data-seg': i.seg, tabindex: 0, role: 'button',
          'aria-label': `#${i.seg} ${laneName(i.from)} → ${laneName(i.to)}: ${i.label}${title ? ` (${title})` : ''}`,
        });
        if (i.seg === selected) g.classList.add('selected');
        if (i.from === i.to) {
          // To its own host (loopback): a bracket out to the left of the lifeline and back.
          const bx = x0 - SELF_LOOP_PX;
          const yEnd = done ? i.y1 : Math.max(i.y0, Math.min(i.y1, nowY));
          const legs = [[x0, i.y0, bx, i.y0], [bx, i.y0, bx, yEnd], [bx, yEnd, x0, yEnd]];
          legs.forEach(([a, b, c, e], k) => {
            const leg = el('line', { x1: a, y1: b, x2: c, y2: e });
            if (k === 2 && done && !i.lost) leg.setAttribute('marker-end', 'url(#head)');
            g.append(leg, el('line', { x1: a, y1: b, x2: c, y2: e, class: 'hit' }));
          });
          g.append(el('text', { x: bx - 4, y: (i.y0 + yEnd) / 2 + 4, 'text-anchor': 'end', class: 'seg-label' }, i.label));
        } else {
          const line = el('line', { x1: x0, y1: i.y0, x2: x1, y2: y1 });
          if (done && !i.lost) line.setAttribute('marker-end', 'url(#head)');
          // A wide, invisible twin of the line: a thin diagonal is hard to hit with a pointer.
          g.append(line, el('line', { x1: x0, y1: i.y0, x2: x1, y2: y1, class: 'hit' }));
          g.append(el('text', { x: (x0 + x1) / 2, y: (i.y0 + y1) / 2 - 4, 'text-anchor': 'middle', class: 'seg-label' }, i.label));
        }
        if (done && i.lost) g.append(el('text', { x: x1, y: y1 + 5, 'text-anchor': 'middle', class: 'lost-mark' }, '✕'));
        if (title) g.append(el('title', {}, `${i.label} (${title})`));
        arrows.append(g);
        break;
      }
      case 'state':
      case 'call': {
        const x = laneX(i.lane) + side(i.lane) * 8;
        const anchor = side(i.lane) < 0 ? 'end' : 'start';
        const text = i.kind === 'state' ? stateName(i.state) : `${i.name} = ${i.result}`;
        labels.append(el('text', {
          x, y: i.y + 4, 'text-anchor': anchor, class: `${i.kind}${isFresh ? ' fresh' : ''}`,
        }, text));
        break;
      }
      case 'host': {
        const x = laneX(i.lane) + side(i.lane) * 8;
        const anchor = side(i.lane) < 0 ? 'end' : 'start';
        const text = i.what === 'crashed' ? `✕ ${dict.ui.crashed}` : `↻ ${dict.ui.restarted}`;
        labels.append(el('text', { x, y: i.y + 4, 'text-anchor': anchor, class: `host-event ${i.what}${isFresh ? ' fresh' : ''}` }, text));
        break;
      }
      case 'timer': {
        const x = laneX(i.lane) - side(i.lane) * 6 - 2;
        const running = i.end_step === null || i.end_step >= revealed;
        const y1 = running ? Math.max(nowY, i.y0 + 2) : i.y1;
        const g = el('g', { class: `timer ${i.timer}${running ? ' running' : ''}` });
        g.append(el('rect', { x, y: i.y0, width: 4, height: Math.max(2, y1 - i.y0) }));
        const name = dict.timers[i.timer] ?? i.timer;
        g.append(el('title', {}, fill(dict.ui.timerTitle, { timer: name, span: span(dict, i.span_us) })));
        timers.append(g);
        break;
      }
      default:
        break;
    }
  }
  // "Now" goes under everything else.
  folds.append(el('line', { x1: view.gutter, y1: nowY, x2: view.width, y2: nowY, class: 'now' }));
  return svg;
}

/** RFC 9293's name for a state as the core serializes it (`FinWait1` -> `FIN-WAIT-1`). */
const STATE_NAMES = {
  Closed: 'CLOSED', Listen: 'LISTEN', SynSent: 'SYN-SENT', SynReceived: 'SYN-RECEIVED',
  Established: 'ESTABLISHED', FinWait1: 'FIN-WAIT-1', FinWait2: 'FIN-WAIT-2', CloseWait: 'CLOSE-WAIT',
  Closing: 'CLOSING', LastAck: 'LAST-ACK', TimeWait: 'TIME-WAIT',
};

/** @param {string} s */
export function stateName(s) {
  return /** @type {Record<string, string>} */ (STATE_NAMES)[s] ?? s;
}

/** The y the reader should see after a step: the lowest revealed item. */
export function focusY(/** @type {any} */ view, /** @type {number} */ revealed) {
  let y = 0;
  for (const i of view.items) {
    if (i.step >= revealed) continue;
    y = Math.max(y, i.kind === 'arrow' ? (i.end_step !== null && i.end_step < revealed ? i.y1 : i.y0) : i.kind === 'timer' ? i.y0 : i.y);
  }
  return y;
}
