// The trace as a log, every event rendered from the reader's language's templates
// (`dict.log`): what the simulator recorded, in the order it happened, up to the cursor; the
// events of the last step highlighted.

import { fill, span } from './i18n.js';
import { stateName } from './diagram.js';
import { endpoint } from './hoststate.js';
import { h } from './panels.js';

/** The most lines drawn: a long run shows its latest events. */
const MAX_LINES = 300;

/** `[S.] seq 1 ack 2 win 3 len 0`, as tcpdump prints a segment. @param {any} seg */
export function segText(seg) {
  let f = '';
  for (const [bit, c] of [[2, 'S'], [1, 'F'], [4, 'R'], [8, 'P']]) if (seg.flags & bit) f += c;
  if (seg.flags & 16) f += '.';
  const ack = seg.flags & 16 ? ` ack ${seg.ack}` : '';
  return `${endpoint(seg.src)} > ${endpoint(seg.dst)} [${f}] seq ${seg.seq}${ack} win ${seg.window} len ${seg.payload.length}`;
}

/** `connect(3, 10.0.0.2:8080)`. @param {any} call */
function callText(call) {
  const { call: name, ...args } = call;
  const values = Object.values(args).map((v) => (v && typeof v === 'object' && 'ip' in v ? endpoint(v)
    : Array.isArray(v) ? `${v.length} B` : String(v)));
  return `${String(name).toLowerCase()}(${values.join(', ')})`;
}

/** @param {any} dict @param {any} r */
function resultText(dict, r) {
  switch (r.result) {
    case 'Ok': return String(r.value);
    case 'Data': return fill(dict.log.bytes, { n: r.data.length });
    case 'Err': return `-1 ${r.errno}`;
    default: return dict.log.blocks;
  }
}

/** `10.0.0.1:40000-10.0.0.2:8080`. @param {any} conn */
const connText = (conn) => `${endpoint(conn.local)}-${endpoint(conn.remote)}`;

/**
 * One event in words.
 * @param {any} dict @param {any} e an event as the binding gives it (`{type, at, host, ...}`)
 * @param {string[]} hosts
 */
export function eventText(dict, e, hosts) {
  const t = dict.log;
  const host = e.host === null || e.host === undefined ? t.network : hosts[e.host] ?? String(e.host);
  const vars = { ...e, host };
  switch (e.type) {
    case 'Sent':
      Object.assign(vars, { seg: segText(e.seg), cause: dict.causes[e.cause] ?? e.cause });
      if (e.host === null) vars.host = dict.ui.injected;
      break;
    case 'Lost': vars.reason = dict.losses[e.reason] ?? e.reason; break;
    case 'Discarded': vars.reason = dict.discards[e.reason] ?? e.reason; break;
    case 'State': Object.assign(vars, { conn: connText(e.conn), from: stateName(e.from), to: stateName(e.to) }); break;
    case 'TimerArmed': Object.assign(vars, { conn: connText(e.conn), timer: dict.timers[e.timer] ?? e.timer, in: span(dict, e.due - e.at) }); break;
    case 'TimerFired': Object.assign(vars, { conn: connText(e.conn), timer: dict.timers[e.timer] ?? e.timer }); break;
    case 'Call': case 'Returned': Object.assign(vars, { call: callText(e.call), result: resultText(dict, e.result) }); break;
    case 'Queues': vars.listener = endpoint(e.listener); break;
    case 'TimeWaitReused': case 'SkippedTimeWait': vars.conn = connText(e.conn); break;
    case 'TimeWaitOverflow': Object.assign(vars, { conn: connText(e.conn), state: stateName(e.state) }); break;
    case 'Held': vars.until = `${(e.until / 1e6).toFixed(3)} s`; break;
    case 'Translated': vars.seg = `${endpoint(e.seg.src)} > ${endpoint(e.seg.dst)}`; break;
    case 'NatExpired': Object.assign(vars, { inside: endpoint(e.inside), public: endpoint(e.public), remote: endpoint(e.remote) }); break;
    case 'PeerStamp': case 'PeerPawsReject':
      vars.peer = endpoint({ ip: e.peer, port: 0 }).replace(/:0$/, '');
      if (e.type === 'PeerStamp' && e.cached !== e.tsval) vars.type = 'PeerStampKept';
      return fill(t[vars.type], vars);
    default: break;
  }
  return fill(t[e.type] ?? e.type, vars);
}

/**
 * The log, closed or open as the reader left it. Its lines are built only while it is open: a
 * step in the middle of a large run no longer builds 300 lines inside a closed `<details>`
 * (about 10 ms a step in `port-exhaustion`). The events are taken at once all the same, so
 * that opening the log later draws what this step revealed.
 * @param {HTMLElement} box @param {any} dict
 * @param {any} p the playground
 * @param {number} lastRevealed how many events the previous drawing showed
 * @param {string[]} hosts
 */
export function renderLog(box, dict, p, lastRevealed, hosts) {
  const total = p.revealed();
  const from = Math.max(0, total - MAX_LINES);
  const events = p.trace(from, total);
  const open = box.querySelector('details')?.hasAttribute('open') ?? false;
  const details = h('details', open ? { open: '' } : {}, [
    h('summary', {}, [fill(dict.log.title, { n: total })]),
  ]);
  const build = () => {
    const list = h('ol', {
      class: 'log', start: String(from + 1), tabindex: '0', 'aria-label': dict.log.label,
    });
    events.forEach((/** @type {any} */ e, /** @type {number} */ i) => {
      const isFresh = from + i >= lastRevealed && lastRevealed < total;
      list.append(h('li', { class: isFresh ? 'fresh' : '' }, [
        h('span', { class: 'log-time' }, [`${(e.at / 1e6).toFixed(6)}`]), ' ', eventText(dict, e, hosts),
      ]));
    });
    details.append(from > 0 ? h('p', { class: 'small muted' }, [fill(dict.log.older, { n: from })]) : '', list);
    list.scrollTop = list.scrollHeight;
  };
  box.replaceChildren(details);
  if (open) build();
  else details.addEventListener('toggle', () => { if (details.open && !details.querySelector('ol')) build(); });
}
