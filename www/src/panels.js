// The panels beside the diagram: the story, the outcome, the sockets, the settings, and what a
// bad link got wrong. DOM built with createElement/textContent only.

import { factValue, fill, problemText } from './i18n.js';

/**
 * @param {string} tag @param {Record<string, string>} [attrs] @param {(Node | string)[]} [children]
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, children = []) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

/** @param {HTMLElement} box @param {any} dict @param {string} id */
export function renderStory(box, dict, id) {
  const s = dict.scenarios[id];
  box.replaceChildren(
    h('h2', { id: 'story-title' }, [s ? s.title : id]),
    ...(s ? s.story.map((/** @type {string} */ p) => h('p', {}, [p])) : []),
    h('h3', {}, [dict.ui.notice]),
    h('ul', { id: 'notice' }, s ? s.notice.map((/** @type {string} */ n) => h('li', {}, [n])) : []),
  );
}

/** @param {HTMLElement} box @param {any} dict @param {string} id @param {{key: string, value: string}[] | null} facts */
export function renderOutcome(box, dict, id, facts) {
  const head = h('h3', {}, [dict.ui.outcome]);
  if (!facts) {
    box.replaceChildren(head, h('p', { class: 'muted' }, [dict.ui.outcomeLater]));
    return;
  }
  const names = dict.scenarios[id]?.facts ?? {};
  const dl = h('dl', { id: 'outcome' });
  for (const f of facts) {
    dl.append(h('dt', {}, [names[f.key] ?? f.key]), h('dd', { 'data-key': f.key }, [factValue(dict, f.value)]));
  }
  box.replaceChildren(head, dl);
}

/** @param {HTMLElement} box @param {any} dict @param {{code: string}[]} problems */
export function renderProblems(box, dict, problems) {
  if (problems.length === 0) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  box.hidden = false;
  box.replaceChildren(
    h('p', {}, [problems.every((p) => /** @type {any} */ (p).during === 'action') ? dict.problems.actionIntro : dict.problems.intro]),
    h('ul', {}, problems.map((p) => h('li', {}, [problemText(dict, p)]))),
  );
}

export { fill };
