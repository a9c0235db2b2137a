// The panels beside the diagram: the story, the outcome, the sockets, the settings, and what a
// bad link got wrong. DOM built with createElement/textContent only.

import { factValue, fill, problemText } from './i18n.js';
import { stateName } from './diagram.js';

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

/** `10.0.0.1:40000`. @param {{ip: number, port: number} | null} ep */
function endpoint(ep) {
  if (!ep) return '*';
  const ip = [24, 16, 8, 0].map((s) => (ep.ip >>> s) & 255).join('.');
  return `${ip}:${ep.port}`;
}

/** @param {HTMLElement} box @param {any} dict @param {any[]} hosts */
export function renderSockets(box, dict, hosts) {
  const parts = [h('h3', {}, [dict.ui.sockets])];
  for (const host of hosts) {
    parts.push(h('h4', {}, [host.name]));
    if (host.sockets.length === 0) {
      parts.push(h('p', { class: 'muted' }, [dict.ui.noSockets]));
      continue;
    }
    const head = h('tr', {}, [dict.ui.colState, dict.ui.colRecvQ, dict.ui.colSendQ, dict.ui.colLocal, dict.ui.colPeer]
      .map((t) => h('th', {}, [t])));
    const rows = host.sockets.map((/** @type {any} */ s) => {
      const kind = s.kind === 'Request' ? ` (${dict.ui.kindRequest})` : s.kind === 'TimeWait' ? ` (${dict.ui.kindTimeWait})` : '';
      return h('tr', {}, [stateName(s.state) + kind, String(s.recv_q), String(s.send_q), endpoint(s.local), endpoint(s.remote)]
        .map((t) => h('td', {}, [t])));
    });
    parts.push(h('table', { class: 'sockets' }, [h('thead', {}, [head]), h('tbody', {}, rows)]));
  }
  box.replaceChildren(...parts);
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
    h('p', {}, [dict.problems.intro]),
    h('ul', {}, problems.map((p) => h('li', {}, [problemText(dict, p)]))),
  );
}

/**
 * The settings form: the scenario's featured knobs with their current values.
 * @param {HTMLElement} box @param {any} dict
 * @param {{name: string, help: string, value: string, fallback: string}[]} fields
 * @param {string} seed
 */
export function renderSettings(box, dict, fields, seed) {
  const form = h('form', { id: 'settings-form' });
  for (const f of fields) {
    const id = `set-${f.name}`;
    const input = /** @type {HTMLInputElement} */ (h('input', { id, name: f.name, type: 'text', inputmode: 'numeric', size: '8' }));
    input.value = f.value;
    input.dataset.default = f.fallback;
    form.append(h('label', { for: id, title: f.help }, [h('code', {}, [f.name]), ' ', input]));
  }
  const seedInput = /** @type {HTMLInputElement} */ (h('input', { id: 'seed', name: 'seed', type: 'text', inputmode: 'numeric', size: '12' }));
  seedInput.value = seed;
  form.append(
    h('label', { for: 'seed' }, [dict.ui.seed, ' ', seedInput]),
    h('div', { class: 'buttons' }, [
      h('button', { type: 'submit', id: 'apply' }, [dict.ui.apply]),
      h('button', { type: 'button', id: 'reset' }, [dict.ui.reset]),
      h('button', { type: 'button', id: 'new-seed' }, [dict.ui.newSeed]),
    ]),
  );
  box.replaceChildren(h('h3', {}, [dict.ui.settings]), form, h('p', { class: 'muted small' }, [dict.ui.fidelity]));
}

/** The settings the form holds that differ from their defaults, as `NAME=VALUE,...`. @param {HTMLFormElement} form */
export function formSettings(form) {
  const parts = [];
  for (const input of /** @type {NodeListOf<HTMLInputElement>} */ (form.querySelectorAll('input[data-default]'))) {
    const v = input.value.trim();
    if (v !== '' && v !== input.dataset.default) parts.push(`${input.name}=${v}`);
  }
  return parts.join(',');
}

export { fill };
