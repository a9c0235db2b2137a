// The per-host actions: what the reader can make each host do at the current step.

import { fill } from './i18n.js';
import { h } from './panels.js';

/**
 * @param {HTMLElement} box @param {any} dict
 * @param {any[]} hosts `Playground.state()`: per host, its name, whether it is down, its
 * connections
 * @param {(host: number) => any} template where the inject form starts, per host
 * @param {(action: string) => void} act
 */
export function renderActions(box, dict, hosts, template, act) {
  const a = dict.actions;
  const button = (/** @type {string} */ label, /** @type {string} */ action) => {
    const b = h('button', { type: 'button', 'data-action': action }, [label]);
    b.addEventListener('click', () => act(action));
    return b;
  };
  const parts = [h('h3', {}, [a.title]), h('p', { class: 'muted small' }, [a.hint])];
  const down = hosts.map((x) => x.down);
  hosts.forEach((host, i) => {
    const name = host.name;
    const row = [button(down[i] ? a.restart : a.crash, `${down[i] ? 'restart' : 'crash'}:${name}`)];
    if (!down[i]) row.push(button(a.connect, `connect:${name}`));
    const group = h('div', { class: 'host-actions', role: 'group', 'aria-label': name }, [h('h4', {}, [name]), h('div', { class: 'buttons' }, row)]);
    if (!down[i]) {
      for (const { socket: s } of host.conns) {
        if (s.fd === null) continue;
        const fd = s.fd;
        const kinds = s.state === 'Listen' ? ['accept', 'close'] : ['read', 'write', 'shutdown', 'close', 'abort'];
        const buttons = kinds.map((k) => button(a[k], k === 'write' ? `write:${name}:${fd}:1000` : `${k}:${name}:${fd}`));
        group.append(h('div', { class: 'buttons socket-actions' }, [h('span', { class: 'small muted' }, [fill(a.fd, { fd })]), ...buttons]));
      }
    }
    parts.push(group);
  });
  parts.push(injectForm(dict, hosts.map((x) => x.name), template, act));
  box.replaceChildren(...parts);
}

/** The inject form, kept across redraws so that what the reader typed stays while stepping. */
let inject = { key: '', form: /** @type {HTMLElement | null} */ (null) };

const FLAGS = [['SYN', 'S'], ['ACK', '.'], ['FIN', 'F'], ['RST', 'R'], ['PSH', 'P']];

/**
 * A segment the reader makes: it enters the link at a host's side, as a spoofer there would send
 * it. The fields start from what follows the last segment that side sent.
 * @param {any} dict @param {string[]} names
 * @param {(host: number) => {sport: number, dport: number, seq: number, ack: number, window: number}} template
 * @param {(action: string) => void} act
 */
function injectForm(dict, names, template, act) {
  const a = dict.actions;
  const key = `${dict.htmlLang}|${names.join(',')}`;
  if (inject.form && inject.key === key) return inject.form;
  const input = (/** @type {string} */ name, /** @type {string} */ max) => h('input', {
    name, type: 'number', min: '0', max, step: '1', required: '', inputmode: 'numeric',
  });
  const field = (/** @type {string} */ label, /** @type {HTMLElement} */ control) => h('label', { class: 'inject-field' }, [h('span', {}, [label]), control]);
  const from = h('select', { name: 'from' }, names.map((n, i) => h('option', { value: String(i) }, [n])));
  const flags = h('fieldset', { class: 'inject-flags' }, [
    h('legend', {}, [a.flags]),
    ...FLAGS.map(([n, c]) => h('label', {}, [h('input', { type: 'checkbox', name: 'flag', value: c }), n])),
  ]);
  const options = h('input', { name: 'options', type: 'text', placeholder: 'mss1460+sackOK+ts100/0+wscale7', spellcheck: 'false', autocomplete: 'off' });
  const form = /** @type {HTMLFormElement} */ (h('form', { id: 'inject-form', class: 'inject' }, [
    field(a.from, from),
    h('div', { class: 'inject-grid' }, [
      field(a.sport, input('sport', '65535')), field(a.dport, input('dport', '65535')),
      field(a.seq, input('seq', '4294967295')), field(a.ack, input('ack', '4294967295')),
      field(a.window, input('window', '65535')), field(a.len, input('len', '1460')),
    ]),
    flags,
    field(a.options, options),
    h('p', { class: 'muted small' }, [a.optionsHint]),
    h('div', { class: 'buttons' }, [h('button', { type: 'submit' }, [a.send]), h('button', { type: 'button', class: 'refill' }, [a.refill])]),
  ]));
  const fillFrom = () => {
    const t = template(Number(/** @type {HTMLSelectElement} */ (from).value));
    for (const [name, v] of [['sport', t.sport], ['dport', t.dport], ['seq', t.seq], ['ack', t.ack], ['window', t.window], ['len', 0]]) {
      /** @type {HTMLInputElement} */ (form.elements.namedItem(String(name))).value = String(v);
    }
    for (const c of form.querySelectorAll('input[name=flag]')) /** @type {HTMLInputElement} */ (c).checked = /** @type {HTMLInputElement} */ (c).value === '.';
  };
  from.addEventListener('change', fillFrom);
  form.querySelector('.refill')?.addEventListener('click', fillFrom);
  const details = h('details', { class: 'inject-box' }, [h('summary', {}, [a.inject]), h('p', { class: 'muted small' }, [a.injectHint]), form]);
  details.addEventListener('toggle', () => {
    if (/** @type {HTMLDetailsElement} */ (details).open) fillFrom();
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = (/** @type {string} */ n) => /** @type {HTMLInputElement} */ (form.elements.namedItem(n)).value.trim();
    const letters = [...form.querySelectorAll('input[name=flag]:checked')].map((c) => /** @type {HTMLInputElement} */ (c).value).join('');
    const opts = v('options').replace(/[\s,]+/g, '+');
    const host = names[Number(/** @type {HTMLSelectElement} */ (from).value)] ?? '';
    act(['inject', host, v('sport'), v('dport'), letters, v('seq'), v('ack'), v('window'), v('len'), opts].join(':'));
  });
  inject = { key, form: details };
  return details;
}
