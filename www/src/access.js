// What a reader on a screen reader or a keyboard needs beyond what the panels draw: the words the
// live region says after a step, and the focus kept across a redraw (the diagram and the panels
// are drawn anew at every step, which would otherwise drop a focused arrow or button). Pure
// functions of the display list, plus the document's focus; no state, no wasm.

import { isJump, stateName } from './diagram.js';
import { fill } from './i18n.js';

/**
 * What trace events [from, to) revealed, in words: segments sent and lost, state changes, calls,
 * crashes and reboots. The same words as embed.html's live region (the `embed` texts).
 * @param {any} view the display list @param {number} from @param {number} to
 * @param {any} d the reader's language
 * @returns {string} '' when nothing was revealed, or more than `FRESH_MAX` items (a jump: the live
 *   region says where the cursor is, not a list of a thousand lines)
 */
export function revealedText(view, from, to, d) {
  if (isJump(view, from, to)) return '';
  const lane = (/** @type {number} */ i) => {
    const name = view.lanes[i]?.name ?? '';
    return name === 'injected' ? d.ui.injected : name;
  };
  /** @type {string[]} */
  const parts = [];
  for (const i of view.items) {
    if (i.kind === 'arrow' && i.lost && i.end_step !== null && i.end_step >= from && i.end_step < to) {
      parts.push(fill(d.embed.lane, { lane: i.label, text: d.ui.lost }));
    }
    if (i.step < from || i.step >= to) continue;
    if (i.kind === 'arrow') parts.push(fill(d.embed.arrow, { from: lane(i.from), to: lane(i.to), label: i.label }));
    else if (i.kind === 'state') parts.push(fill(d.embed.lane, { lane: lane(i.lane), text: stateName(i.state) }));
    else if (i.kind === 'call') parts.push(fill(d.embed.lane, { lane: lane(i.lane), text: `${i.name} = ${i.result}` }));
    else if (i.kind === 'host') parts.push(fill(d.embed.lane, { lane: lane(i.lane), text: i.what === 'crashed' ? d.ui.crashed : d.ui.restarted }));
  }
  return parts.join(d.embed.sep);
}

/**
 * The sentence for the live region after the cursor moved: where it is, then what the step
 * revealed (nothing more when stepping back or after a jump: see `revealedText`).
 * @param {any} d @param {string} position the step counter's text
 * @param {string} what `revealedText` of the step
 */
export function stepSentence(d, position, what) {
  return what ? fill(d.embed.announce, { position, what }) : position;
}

/**
 * How to find the focused element again in the redrawn page: its id, or the segment or action
 * it stands for inside a panel. Null when nothing inside `main` has the focus.
 * @returns {string | null}
 */
function focusPlace() {
  const e = document.activeElement;
  if (!(e instanceof Element) || e === document.body || !e.closest('main')) return null;
  const box = e.closest('section[id], div[id]');
  const scope = box ? `#${CSS.escape(box.id)}` : '';
  const seg = e.getAttribute('data-seg');
  const action = e.getAttribute('data-action');
  const twin = e.id ? `#${CSS.escape(e.id)}`
    : seg !== null ? `${scope} [data-seg="${CSS.escape(seg)}"]`
      : action !== null ? `${scope} [data-action="${CSS.escape(action)}"]` : null;
  return { twin, box: scope || null };
}

/**
 * Runs `draw`, and gives the focus back to the redrawn twin of what had it, if the old one was
 * replaced: a reader who pressed Enter on an arrow stays on that arrow. When it has no twin (the
 * Drop button of a segment just dropped), the panel that held it takes the focus, so that Tab
 * goes on from there rather than from the top of the page.
 * @param {() => void} draw
 */
export function keepingFocus(draw) {
  const place = focusPlace();
  const before = document.activeElement;
  draw();
  if (!place || (before && before.isConnected)) return;
  const again = place.twin ? document.querySelector(place.twin) : null;
  const box = place.box ? document.querySelector(place.box) : null;
  const target = /** @type {HTMLElement | null} */ (again ?? box);
  if (!target) return;
  if (target === box && !box.hasAttribute('tabindex')) box.setAttribute('tabindex', '-1');
  target.focus({ preventScroll: true });
}

/** What the live region last spoke about, to say only what changed. */
let heard = { run: /** @type {any} */ (null), cursor: -1, revealed: 0, stepFrom: 0, playing: false, acts: '', selected: /** @type {number | null} */ (null) };

/**
 * Says in the live region what the reader just did: the step (where the cursor is, and what the
 * step revealed), an action done, or the segment now in the inspector. Silent while playing:
 * steps come faster than a screen reader can say them, so the step is said when play stops.
 * Silent when a new run opens: the scenario menu said it.
 * @param {HTMLElement} region the live region
 * @param {any} d the reader's language
 * @param {import('./state.js').State} s
 * @param {string} position the step counter's text
 */
export function announce(region, d, s, position) {
  const p = s.playground;
  const cursor = p.cursor();
  const revealed = p.revealed();
  const was = heard;
  heard = { ...was, cursor, revealed, playing: s.playing, acts: s.acts, selected: s.selected };
  if (was.run !== p) {
    heard = { ...heard, run: p, stepFrom: revealed };
    return;
  }
  if (cursor !== was.cursor) heard.stepFrom = was.revealed;
  /** @type {string} */
  let say = '';
  if (s.acts !== was.acts) {
    const last = s.acts.split(',').pop() ?? '';
    say = fill(d.actions.done, { action: last.replace(/^\d+@/, '') });
  } else if (!s.playing && (cursor !== was.cursor || was.playing)) {
    const from = heard.stepFrom;
    say = stepSentence(d, position, revealed > from ? revealedText(s.diagram, from, revealed, d) : '');
  } else if (s.selected !== null && s.selected !== was.selected) {
    const arrow = s.diagram.items.find((/** @type {any} */ i) => i.kind === 'arrow' && i.seg === s.selected && i.step < revealed);
    if (arrow) {
      const lane = (/** @type {number} */ i) => (s.diagram.lanes[i]?.name === 'injected' ? d.ui.injected : s.diagram.lanes[i]?.name ?? '');
      say = fill(d.ui.inspecting, {
        seg: s.selected, what: fill(d.embed.arrow, { from: lane(arrow.from), to: lane(arrow.to), label: arrow.label }),
      });
    }
  }
  if (say) region.textContent = say;
}

/**
 * Names what the page's markup leaves unnamed, in the reader's language: the step toolbar, the
 * diagram's scrolling box, the skip link.
 * @param {any} d
 */
export function labelPage(d) {
  document.getElementById('controls')?.setAttribute('aria-label', d.embed.controls);
  document.getElementById('diagram')?.setAttribute('aria-label', d.ui.diagramLabel);
  const skip = document.getElementById('skip-diagram');
  if (skip) skip.textContent = d.ui.skipDiagram;
}
