// The per-host actions: what the reader can make each host do at the current step.

import { fill } from './i18n.js';
import { h } from './panels.js';

/**
 * @param {HTMLElement} box @param {any} dict
 * @param {any[]} hosts `Playground.sockets()`: per host, its name and sockets
 * @param {boolean[]} down which hosts are down
 * @param {(action: string) => void} act
 */
export function renderActions(box, dict, hosts, down, act) {
  const a = dict.actions;
  const button = (/** @type {string} */ label, /** @type {string} */ action) => {
    const b = h('button', { type: 'button', 'data-action': action }, [label]);
    b.addEventListener('click', () => act(action));
    return b;
  };
  const parts = [h('h3', {}, [a.title]), h('p', { class: 'muted small' }, [a.hint])];
  hosts.forEach((host, i) => {
    const name = host.name;
    const row = [button(down[i] ? a.restart : a.crash, `${down[i] ? 'restart' : 'crash'}:${name}`)];
    if (!down[i]) row.push(button(a.connect, `connect:${name}`));
    const group = h('div', { class: 'host-actions', role: 'group', 'aria-label': name }, [h('h4', {}, [name]), h('div', { class: 'buttons' }, row)]);
    if (!down[i]) {
      for (const s of host.sockets) {
        if (s.fd === null) continue;
        const fd = s.fd;
        const kinds = s.state === 'Listen' ? ['accept', 'close'] : ['read', 'write', 'shutdown', 'close', 'abort'];
        const buttons = kinds.map((k) => button(a[k], k === 'write' ? `write:${name}:${fd}:1000` : `${k}:${name}:${fd}`));
        group.append(h('div', { class: 'buttons socket-actions' }, [h('span', { class: 'small muted' }, [fill(a.fd, { fd })]), ...buttons]));
      }
    }
    parts.push(group);
  });
  box.replaceChildren(...parts);
}
