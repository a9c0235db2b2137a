// The per-host state panels: each host's sockets as `ss -tan` lists them, a listener's SYN
// queue and accept queue as gauges against their limits, each connection's sequence variables
// (RFC 9293 §3.3.1), RTO and timers, and the host's non-zero counters. What changed since the
// last drawing is highlighted.

import { fill, span } from './i18n.js';
import { stateName } from './diagram.js';
import { h } from './panels.js';

/** `10.0.0.1:40000`. @param {{ip: number, port: number} | null} ep */
export function endpoint(ep) {
  if (!ep) return '*';
  const ip = [24, 16, 8, 0].map((s) => (ep.ip >>> s) & 255).join('.');
  return `${ip}:${ep.port}`;
}

/** `a − b` in sequence space (mod 2^32). @param {number} a @param {number} b */
const rel = (a, b) => (a - b + 2 ** 32) % 2 ** 32;

/**
 * How many connections' variables a host shows open; past these a connection's block starts
 * closed (a large run lists 40 connections a host: in the middle of `port-exhaustion` its 71
 * open blocks took a step 30 ms more to lay out). The reader opens any of them.
 */
export const OPEN_TCBS = 4;
/** The blocks the reader opened or closed, by connection: they stay so from step to step. @type {Map<string, boolean>} */
const toggled = new Map();
/** The scenario, settings and seed those blocks belong to. */
let toggledPlace = '';

/** The values drawn last time, by cell key, to highlight what changed. @type {Map<string, string>} */
let shown = new Map();
/** Which run they belong to: a new run highlights nothing. */
let shownRun = '';

/**
 * @param {HTMLElement} box @param {any} dict
 * @param {any[]} hosts `Playground.state()`
 * @param {number} now the cursor's time, µs
 * @param {string} run the run's identity (scenario, settings, seed, actions)
 * @param {string} place the scenario, settings and seed: the reader's open and closed blocks
 *   are kept while these stay (an action changes what comes after, not who the connections are)
 */
export function renderHostState(box, dict, hosts, now, run, place) {
  const u = dict.ui;
  const next = new Map();
  const fresh = run === shownRun;
  if (place !== toggledPlace) toggled.clear();
  toggledPlace = place;
  /** A value in a cell that says whether it changed. @param {string} key @param {string} text @param {Record<string, string>} [attrs] */
  const cell = (tag, key, text, attrs = {}) => {
    next.set(key, text);
    const changed = fresh && shown.has(key) && shown.get(key) !== text;
    const born = fresh && !shown.has(key) && shownRun !== '';
    return h(tag, { ...attrs, class: `${attrs.class ?? ''}${changed || born ? ' changed' : ''}`.trim() }, [text]);
  };
  const parts = [h('h3', {}, [u.hostState])];
  for (const host of hosts) {
    const section = h('div', { class: 'host-state', role: 'group', 'aria-label': host.name }, [
      h('h4', {}, [host.name, host.down ? h('span', { class: 'badge down' }, [u.crashed]) : '']),
    ]);
    const conns = host.conns;
    for (const c of conns.filter((/** @type {any} */ x) => x.queues)) {
      const q = c.queues;
      const where = `${host.name}|${endpoint(c.socket.local)}`;
      section.append(h('div', { class: 'queues' }, [
        h('p', { class: 'small' }, [fill(u.listenerOn, { addr: endpoint(c.socket.local) })]),
        gauge(u.synQueue, q.syn_queue, q.syn_limit, u, cell, `${where}|syn`),
        gauge(u.acceptQueue, q.accept_queue, q.accept_limit, u, cell, `${where}|accept`),
      ]));
    }
    if (conns.length === 0) section.append(h('p', { class: 'muted small' }, [u.noSockets]));
    else section.append(ssTable(dict, host.name, conns, cell));
    // A host with thousands of connections lists a few; the others are counted by state.
    const unlisted = host.unlisted ?? [];
    if (unlisted.length > 0) {
      const list = unlisted.map(([st, n]) => fill(u.unlistedItem, { n: n.toLocaleString(dict.htmlLang), state: stateName(st) }));
      section.append(cell('p', `${host.name}|unlisted`, fill(u.unlisted, { list: list.join(u.unlistedSep) }), { class: 'small unlisted' }));
    }
    const withTcb = conns.filter((/** @type {any} */ x) => x.seq && x.socket.kind !== 'Request' && !x.queues);
    withTcb.forEach((/** @type {any} */ c, /** @type {number} */ i) => {
      section.append(tcb(dict, host.name, c, now, cell, i < OPEN_TCBS));
    });
    section.append(counters(dict, host.name, host.counters, cell));
    parts.push(section);
  }
  box.replaceChildren(...parts);
  shown = next;
  shownRun = run;
}

/**
 * A queue's length against its limit, as a meter a screen reader names.
 * @param {string} label @param {number} n @param {number} max @param {any} u
 * @param {Function} cell @param {string} key
 */
function gauge(label, n, max, u, cell, key) {
  const text = fill(u.gauge, { n, max });
  const full = n > max;
  return h('div', { class: `gauge${full ? ' full' : ''}` }, [
    h('span', { class: 'gauge-label' }, [label]),
    h('meter', {
      min: '0', max: String(Math.max(1, max)), value: String(Math.min(n, Math.max(1, max))), high: String(Math.max(1, max) * 0.8), optimum: '0', 'aria-label': `${label}: ${text}`,
    }),
    cell('span', key, text, { class: 'gauge-text' }),
  ]);
}

/** @param {any} dict @param {string} host @param {any[]} conns @param {Function} cell */
function ssTable(dict, host, conns, cell) {
  const u = dict.ui;
  const head = h('tr', {}, [u.colState, u.colRecvQ, u.colSendQ, u.colLocal, u.colPeer].map((t) => h('th', { scope: 'col' }, [t])));
  const rows = conns.map((c) => {
    const key = `${host}|${c.socket.kind}|${endpoint(c.socket.local)}|${endpoint(c.socket.remote)}`;
    const kind = c.socket.kind === 'Request' ? ` (${u.kindRequest})` : c.socket.kind === 'TimeWait' ? ` (${u.kindTimeWait})` : '';
    return h('tr', {}, [
      cell('td', `${key}|state`, stateName(c.socket.state) + kind),
      cell('td', `${key}|recvq`, String(c.socket.recv_q)),
      cell('td', `${key}|sendq`, String(c.socket.send_q)),
      h('td', {}, breakable(endpoint(c.socket.local))),
      h('td', {}, breakable(endpoint(c.socket.remote))),
    ]);
  });
  return h('table', { class: 'sockets' }, [h('caption', { class: 'small muted' }, [u.sockets]), h('thead', {}, [head]), h('tbody', {}, rows)]);
}

/** An address that may wrap before its port, not inside a number. @param {string} text */
function breakable(text) {
  const i = text.lastIndexOf(':');
  return i < 0 ? [text] : [text.slice(0, i + 1), h('wbr'), text.slice(i + 1)];
}

/**
 * A connection's variables: sequence numbers relative to the ISNs (as the diagram numbers
 * them), windows, RTO, timers.
 * @param {any} dict @param {string} host @param {any} c @param {number} now @param {Function} cell
 * @param {boolean} openFirst whether the block starts open (until the reader opens or closes it)
 */
function tcb(dict, host, c, now, cell, openFirst) {
  const u = dict.ui;
  const s = c.seq;
  const key = `${host}|${c.socket.kind}|${endpoint(c.socket.local)}|${endpoint(c.socket.remote)}`;
  // A TIME-WAIT entry no longer keeps the ISNs: its numbers are absolute.
  const known = c.socket.kind !== 'TimeWait';
  const snd = (/** @type {number} */ v) => String(known ? rel(v, s.iss) : v);
  const rcv = (/** @type {number} */ v) => String(known ? rel(v, s.irs) : v);
  /** @type {[string, string, string][]} */
  const rows = [
    ['SND.UNA', snd(s.snd_una), u.vars.snd_una],
    ['SND.NXT', snd(s.snd_nxt), u.vars.snd_nxt],
    ['RCV.NXT', rcv(s.rcv_nxt), u.vars.rcv_nxt],
    ['SND.WND', String(s.snd_wnd), u.vars.snd_wnd],
    ['RCV.WND', String(s.rcv_wnd), u.vars.rcv_wnd],
  ];
  if (c.rtt) {
    rows.push(['RTO', span(dict, c.rtt.rto_us), u.vars.rto]);
    if (c.rtt.srtt_us > 0) rows.push(['SRTT', span(dict, c.rtt.srtt_us), u.vars.srtt]);
    if (c.rtt.retransmits > 0) rows.push([u.vars.retransmitsName, String(c.rtt.retransmits), u.vars.retransmits]);
  }
  for (const [kind, at] of c.timers) {
    rows.push([dict.timers[kind] ?? kind, fill(u.firesIn, { span: span(dict, Math.max(0, at - now)) }), u.vars.timer]);
  }
  const dl = h('dl', { class: 'tcb' });
  for (const [name, value, meaning] of rows) {
    dl.append(h('dt', { title: meaning }, [name]), cell('dd', `${key}|${name}`, value));
  }
  const title = `${endpoint(c.socket.local)} → ${endpoint(c.socket.remote)} · ${stateName(c.socket.state)}`;
  const summary = h('summary', {}, [title]);
  // By its endpoints alone: the reader's choice stays as the connection goes on to TIME-WAIT.
  const which = `${host}|${endpoint(c.socket.local)}|${endpoint(c.socket.remote)}`;
  const open = toggled.get(which) ?? openFirst;
  const block = h('details', open ? { class: 'conn', open: '' } : { class: 'conn' }, [
    summary,
    h('p', { class: 'small muted' }, [known ? u.relative : u.absolute]),
    dl,
  ]);
  // A click on the summary (or Enter or Space on it) opens or closes the block: remembered.
  summary.addEventListener('click', () => toggled.set(which, !block.open));
  return block;
}

/** @param {any} dict @param {string} host @param {[string, number][]} list @param {Function} cell */
function counters(dict, host, list, cell) {
  const u = dict.ui;
  if (list.length === 0) return h('p', { class: 'muted small' }, [u.noCounters]);
  const dl = h('dl', { class: 'counters' });
  for (const [name, n] of list) dl.append(h('dt', {}, [name]), cell('dd', `${host}|counter|${name}`, String(n)));
  return h('details', { class: 'counters-box' }, [h('summary', {}, [fill(u.countersTitle, { n: list.length })]), dl]);
}
