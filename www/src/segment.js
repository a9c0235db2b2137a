// The inspector: one segment's fields with what they mean, why it was sent (the Linux
// function), what became of it, and, while it is on the wire, what the reader can do to it.

import { fill, span } from './i18n.js';
import { h } from './panels.js';
import { endpoint } from './hoststate.js';

/** The kernel's source for a function, in the profile's version (elixir's identifier search). */
function kernelLink(/** @type {string} */ fn) {
  const name = fn.split(/[ ,(]/)[0];
  const a = /** @type {HTMLAnchorElement} */ (h('a', {
    href: `https://elixir.bootlin.com/linux/v6.18/A/ident/${encodeURIComponent(name)}`,
    target: '_blank',
    rel: 'noopener',
  }, [h('code', {}, [fn])]));
  return a;
}

/** @param {any} o */
function optionText(o) {
  if (o === 'Nop') return 'nop';
  if (o === 'SackPermitted') return 'sackOK';
  if ('Mss' in o) return `mss ${o.Mss}`;
  if ('WindowScale' in o) return `wscale ${o.WindowScale}`;
  if ('Timestamp' in o) return `TS val ${o.Timestamp.val} ecr ${o.Timestamp.ecr}`;
  if ('Sack' in o) return `sack ${o.Sack.map((/** @type {number[]} */ b) => b.join(':')).join(' ')}`;
  return JSON.stringify(o);
}

/** The flags by name, then as tcpdump prints them: `SYN, ACK  [S.]`. @param {number} f */
function flagText(f) {
  const names = [[2, 'SYN', 'S'], [1, 'FIN', 'F'], [4, 'RST', 'R'], [8, 'PSH', 'P'], [16, 'ACK', '']]
    .filter(([bit]) => f & Number(bit));
  const dump = names.map(([, , c]) => c).join('') + (f & 16 || names.length === 0 ? '.' : '');
  return `${names.map(([, n]) => n).join(', ') || '—'}  [${dump}]`;
}

/**
 * Draws the inspector.
 * @param {HTMLElement} box @param {any} dict
 * @param {any} info what `Playground.inspect` returned, or null
 * @param {string[]} hosts
 * @param {{seg: number, held: boolean} | null} flight the segment on the wire now, if it is
 * @param {(action: string) => void} act
 */
export function renderInspector(box, dict, info, hosts, flight, act) {
  const d = dict.inspector;
  if (!info) {
    box.replaceChildren(h('h3', {}, [d.heading]), h('p', { class: 'muted' }, [d.none]));
    return;
  }
  const seg = info.segment;
  const host = (/** @type {number | null} */ i) => (i === null ? dict.ui.injected : hosts[i] ?? String(i));
  const rows = [
    ['src', endpoint(seg.src)], ['dst', endpoint(seg.dst)], ['flags', flagText(seg.flags)],
    ['seq', String(seg.seq)], ['ack', seg.flags & 16 ? String(seg.ack) : '—'], ['window', String(seg.window)],
    ['options', seg.options.map(optionText).join(', ') || '—'], ['length', String(seg.payload.length)],
  ].map(([k, v]) => {
    const [label, meaning, rfc] = d.fields[k];
    // A name and two descriptions: its value, and what it means (a <dl>'s group, for a screen reader).
    return h('div', { class: 'field' }, [h('dt', {}, [label]), h('dd', {}, [h('code', {}, [v])]), h('dd', { class: 'meaning' }, [`${meaning} (${rfc})`])]);
  });
  const why = dict.causes[info.cause] ?? info.cause;
  const parts = [
    h('h3', {}, [fill(d.title, { seg: info.seg })]),
    h('p', {}, [fill(d.sentBy, { host: host(info.host), time: `${(info.at / 1e6).toFixed(6)} s`, why }), ' ', kernelLink(info.cite)]),
    h('dl', { class: 'fields' }, rows),
    h('h4', {}, [d.fate]),
    h('ul', {}, info.fates.map((/** @type {any} */ f) => {
      const reason = f.what === 'discarded' ? dict.discards[f.reason] ?? f.reason
        : f.what === 'lost' ? dict.losses[f.reason] ?? f.reason : f.reason;
      const li = h('li', {}, [`${(f.at / 1e6).toFixed(6)} s: `, fill(d.fates[f.what], { host: host(f.host), reason })]);
      if (f.cite) li.append(' ', kernelLink(f.cite));
      return li;
    })),
  ];
  if (flight) {
    const buttons = flight.held
      ? [['release', `release:${flight.seg}`]]
      : [['drop', `drop:${flight.seg}`], ['hold', `hold:${flight.seg}:1000`], ['dup', `dup:${flight.seg}`]];
    parts.push(h('p', {}, [d.inFlightNow]), h('div', { class: 'buttons' }, buttons.map(([k, action]) => {
      const b = h('button', { type: 'button', 'data-action': action }, [dict.actions[k]]);
      b.addEventListener('click', () => act(action));
      return b;
    })));
  }
  box.replaceChildren(...parts);
  void span;
}
