// The page's one state object. Setters schedule one redraw per animation frame; nothing else
// draws.

/**
 * @typedef {object} State
 * @property {object} dict the reader's language (i18n/*.js)
 * @property {string} scenario
 * @property {string} set `NAME=VALUE,...` as in the URL
 * @property {string} seed
 * @property {string} acts the reader's actions, `STEP@ACTION,...`
 * @property {number | null} selected the segment in the inspector
 * @property {boolean} embed
 * @property {any} playground the wasm handle
 * @property {any} diagram the display list of the whole run, or of a large run's window
 * @property {{view: any, key: string, window: any} | null} drawn the diagram and what it was laid
 *   out for (`sim.js`'s `diagramAt`): the layout and a large run's window
 * @property {any} chart counts over time of the whole run (`Playground.series()`)
 * @property {boolean} compact the diagram is laid out for a phone
 * @property {number} cursor the stop index
 * @property {boolean} playing
 * @property {{code: string}[]} problems what the URL got wrong, to say once
 */

/** @type {State} */
export const state = {
  dict: {},
  scenario: '',
  set: '',
  seed: '',
  acts: '',
  selected: null,
  embed: false,
  playground: null,
  diagram: null,
  drawn: null,
  chart: null,
  compact: false,
  cursor: 0,
  playing: false,
  problems: [],
};

/** @type {((s: State) => void) | null} */
let renderer = null;
let scheduled = false;

/** @param {(s: State) => void} fn the one function that draws */
export function onRender(fn) {
  renderer = fn;
}

/** Changes the state and schedules a redraw. @param {Partial<State>} patch */
export function update(patch) {
  Object.assign(state, patch);
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    if (renderer) renderer(state);
  });
}
