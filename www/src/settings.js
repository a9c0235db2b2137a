// The settings form: the knobs the scenario's story turns on first, then every other knob of its
// hosts behind "more": its own settings, the ISN strategy, the kernel profile, every sysctl, per
// host where hosts may differ. The form reads and writes the URL's `set=`
// (`NAME=VALUE` for every host, `HOST.NAME=VALUE` for one).

import { h } from './panels.js';

/**
 * One row of the form.
 * @typedef {object} Row
 * @property {string} name
 * @property {string} help in English, from the simulator (the page's language may have its own)
 * @property {boolean} perHost
 * @property {string[]} defaults per host (one value when not per host)
 * @property {string[]} choices named values, if the knob has names
 * @property {string} accepted what the knob accepts, in the simulator's words
 */

/**
 * The scenario's knobs, as rows.
 * @param {any} info the scenario, from `scenarios()`
 * @returns {Row[]}
 */
export function knobRows(info) {
  const hosts = info.hosts.length;
  /** @type {Row[]} */
  const rows = info.settings.map((/** @type {any} */ s) => {
    const text = (/** @type {number} */ v) => (s.choices.length > 0 ? s.choices[v - s.min] : undefined) ?? String(v);
    const d = text(s.default);
    // A scenario may set hosts apart (`a.nat_ts_offset_ms`): then `defaults` has one per host.
    const own = s.defaults?.length === hosts ? s.defaults : undefined;
    return {
      name: s.name,
      help: s.help,
      perHost: s.per_host,
      defaults: s.per_host ? own ?? Array(hosts).fill(d) : [d],
      choices: s.choices,
      accepted: s.choices.length > 0 ? s.choices.join(', ') : `${s.min}–${s.max}`,
    };
  });
  rows.push({
    name: 'profile', help: 'the kernel the host runs', perHost: true, defaults: info.host_profiles, choices: info.profiles, accepted: info.profiles.join(', '),
  });
  for (const k of info.knobs) {
    rows.push({
      name: k.name, help: k.help, perHost: true, defaults: k.defaults, choices: [], accepted: k.accepted,
    });
  }
  return rows;
}

/** `NAME=VALUE,HOST.NAME=VALUE` as a map. @param {string} set */
export function parseSet(set) {
  return new Map(set.split(',').filter(Boolean).map((p) => {
    const i = p.indexOf('=');
    return /** @type {[string, string]} */ (i < 0 ? [p.trim(), ''] : [p.slice(0, i).trim(), p.slice(i + 1).trim()]);
  }));
}

/**
 * Draws the form.
 * @param {HTMLElement} box @param {any} dict
 * @param {Row[]} rows @param {string[]} featured names shown first
 * @param {string[]} hosts @param {string} set the URL's `set=` @param {string} seed
 */
export function renderSettings(box, dict, rows, featured, hosts, set, seed) {
  const current = parseSet(set);
  const form = h('form', { id: 'settings-form' });
  const first = featured.map((n) => rows.find((r) => r.name === n)).filter((r) => r !== undefined);
  const rest = rows.filter((r) => !featured.includes(r.name));
  // A knob the link changed stays in view even when it is not one the story features.
  const changed = rest.filter((r) => [...current.keys()].some((k) => k === r.name || k.endsWith(`.${r.name}`)));
  form.append(table(dict, [...first, ...changed], hosts, current));
  const more = h('details', { id: 'more-settings' }, [
    h('summary', {}, [dict.ui.moreSettings]),
    table(dict, rest.filter((r) => !changed.includes(r)), hosts, current),
  ]);
  const seedInput = /** @type {HTMLInputElement} */ (h('input', { id: 'seed', name: 'seed', type: 'text', inputmode: 'numeric', size: '12', autocomplete: 'off' }));
  seedInput.value = seed;
  form.append(
    more,
    h('label', { for: 'seed', class: 'seed' }, [dict.ui.seed, ' ', seedInput]),
    h('div', { class: 'buttons' }, [
      h('button', { type: 'submit', id: 'apply' }, [dict.ui.apply]),
      h('button', { type: 'button', id: 'reset' }, [dict.ui.reset]),
      h('button', { type: 'button', id: 'new-seed' }, [dict.ui.newSeed]),
    ]),
  );
  box.replaceChildren(h('h3', {}, [dict.ui.settings]), form, h('p', { class: 'muted small' }, [dict.ui.fidelity]));
}

/**
 * The rows as a table: a knob per row, a column per host.
 * @param {any} dict @param {Row[]} rows @param {string[]} hosts @param {Map<string, string>} current
 */
function table(dict, rows, hosts, current) {
  const head = h('tr', {}, [h('th', { scope: 'col' }, [dict.ui.knob]), ...hosts.map((n) => h('th', { scope: 'col' }, [n]))]);
  const body = rows.flatMap((r) => {
    const helpId = `help-${r.name}`;
    // Long sysctl names break after an underscore, not inside a word.
    const label = h('th', { scope: 'row' }, [h('code', {}, r.name.split('_').flatMap((w, i, all) => (i === all.length - 1 ? [w] : [`${w}_`, h('wbr')])))]);
    const help = h('tr', { class: 'knob-help' }, [h('td', { colspan: String(hosts.length + 1), id: helpId }, [dict.help?.[r.name] ?? r.help])]);
    if (!r.perHost) {
      const cell = h('td', { colspan: String(hosts.length) }, [control(r, r.name, current.get(r.name) ?? r.defaults[0], r.defaults[0], helpId)]);
      return [h('tr', { class: 'knob' }, [label, cell]), help];
    }
    return [h('tr', { class: 'knob' }, [label, ...hosts.map((host, i) => {
      const fallback = r.defaults[i] ?? r.defaults[0];
      const value = current.get(`${host}.${r.name}`) ?? current.get(r.name) ?? fallback;
      return h('td', {}, [control(r, `${host}.${r.name}`, value, fallback, helpId, host)]);
    })]), help];
  });
  return h('table', { class: 'knobs' }, [h('thead', {}, [head]), h('tbody', {}, body)]);
}

/**
 * An input, or a select for a knob with named values.
 * @param {Row} r @param {string} name @param {string} value @param {string} fallback
 * @param {string} helpId @param {string} [host]
 */
function control(r, name, value, fallback, helpId, host) {
  const attrs = {
    name, 'data-knob': r.name, 'data-default': fallback, 'aria-describedby': helpId,
    'aria-label': host ? `${r.name} (${host})` : r.name, title: r.accepted,
  };
  // The host's kernel has no such knob (`tcp_tw_recycle` on linux-6.18): shown, not editable.
  if (host && fallback === '') Object.assign(attrs, { disabled: '', placeholder: '–' });
  if (r.choices.length > 0) {
    const options = r.choices.includes(value) ? r.choices : [...r.choices, value];
    const select = /** @type {HTMLSelectElement} */ (h('select', attrs, options.map((c) => h('option', { value: c }, [c]))));
    select.value = value;
    return select;
  }
  const input = /** @type {HTMLInputElement} */ (h('input', {
    ...attrs, type: 'text', size: '7', autocomplete: 'off', spellcheck: 'false',
  }));
  input.value = value;
  return input;
}

/**
 * What the form holds that differs from the defaults, as `set=` spells it: a per-host knob
 * changed alike on every host is written once, without a host.
 * @param {HTMLFormElement} form
 */
export function formSettings(form) {
  /** @type {Map<string, {host: string, value: string, changed: boolean}[]>} */
  const byKnob = new Map();
  for (const el of /** @type {NodeListOf<HTMLInputElement | HTMLSelectElement>} */ (form.querySelectorAll('[data-knob]:not(:disabled)'))) {
    const knob = el.dataset.knob ?? '';
    const dot = el.name.indexOf('.');
    const value = el.value.trim();
    const list = byKnob.get(knob) ?? [];
    list.push({ host: dot < 0 ? '' : el.name.slice(0, dot), value, changed: value !== '' && value !== el.dataset.default });
    byKnob.set(knob, list);
  }
  const parts = [];
  for (const [knob, cells] of byKnob) {
    if (!cells.some((c) => c.changed)) continue;
    const same = cells.every((c) => c.value === cells[0].value);
    if (cells.length > 1 && same) parts.push(`${knob}=${cells[0].value}`);
    else for (const c of cells) if (c.changed) parts.push(c.host ? `${c.host}.${knob}=${c.value}` : `${knob}=${c.value}`);
  }
  return parts.join(',');
}
