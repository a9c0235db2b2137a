// The packetdrill box: a script pasted or loaded from a file is run by the runner crate
// (crates/synack-pkt, in the tools module) against a simulated linux-6.18 host, as `synack pkt`
// runs it, and drawn as a sequence diagram with the first mismatch marked: the segment that did
// not match, and the script's line that failed.

import { COMPACT_BELOW_PX, drawDiagram } from './diagram.js';
import { fill } from './i18n.js';
import { h } from './panels.js';
import { runPacketdrill } from './sim.js';

/** A short script that passes: the handshake, as the server under test sees it. */
export const EXAMPLE = `// A listener accepts a connection (linux-6.18: SYN-ACK with its options).
0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0  setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0  bind(3, ..., ...) = 0
+0  listen(3, 1) = 0

+0  < S 0:0(0) win 65535 <mss 1460,sackOK,nop,nop,nop,wscale 7>
+0  > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 10>
+.1 < . 1:1(0) ack 1 win 514
+0  accept(3, ..., ...) = 4
`;

/**
 * Draws a run of a script: its verdict, packetdrill's messages, and the diagram.
 * @param {HTMLElement} out @param {any} dict @param {any} r run_packetdrill's result @param {string} src
 */
export function drawResult(out, dict, r, src) {
  const x = dict.pkt;
  const verdict = h('p', { id: 'pkt-verdict', class: r.passed ? 'pass' : 'fail' }, [r.passed ? x.passed : x.failed]);
  const parts = [verdict];
  if (r.failed_line !== null && r.failed_line !== undefined) {
    const text = src.split('\n')[r.failed_line - 1] ?? '';
    parts.push(h('p', { id: 'pkt-line' }, [fill(x.line, { line: r.failed_line }), ' ', h('code', {}, [text.trim()])]));
  }
  if (r.errors.length) parts.push(h('pre', { id: 'pkt-errors' }, [r.errors.join('\n')]));
  const box = h('div', { id: 'pkt-diagram', class: 'pkt-diagram' });
  parts.push(box);
  out.replaceChildren(...parts);
  if (r.events === 0) return;
  const view = box.clientWidth < COMPACT_BELOW_PX ? r.compact : r.diagram;
  const svg = drawDiagram(view, r.events, r.events, dict);
  if (r.mismatch_seg !== null && r.mismatch_seg !== undefined) {
    const g = svg.querySelector(`g.arrow[data-seg="${r.mismatch_seg}"]`);
    if (g) {
      g.classList.add('mismatch');
      g.setAttribute('aria-label', `${g.getAttribute('aria-label') ?? ''} (${x.mismatch})`);
      const title = document.createElementNS('http://www.w3.org/2000/svg', 'title');
      title.textContent = x.mismatch;
      g.append(title);
    }
  }
  box.append(svg);
}

/**
 * The script box, its buttons, and where the result goes.
 * @param {HTMLElement} box @param {any} dict
 */
export function renderPacketdrill(box, dict) {
  const x = dict.pkt;
  const src = /** @type {HTMLTextAreaElement} */ (h('textarea', {
    id: 'pkt-src', rows: '12', spellcheck: 'false', 'aria-label': x.scriptLabel, placeholder: x.placeholder,
  }));
  // Drawn again when the reader switches language: the script stays.
  src.value = /** @type {HTMLTextAreaElement | null} */ (box.querySelector('#pkt-src'))?.value ?? '';
  const file = /** @type {HTMLInputElement} */ (h('input', {
    type: 'file', id: 'pkt-file', accept: '.pkt,text/plain', 'aria-label': x.load,
  }));
  let name = 'script.pkt';
  const run = h('button', { type: 'button', id: 'pkt-run', class: 'primary' }, [x.run]);
  const example = h('button', { type: 'button', id: 'pkt-example' }, [x.example]);
  const status = h('span', { id: 'pkt-status', role: 'status', class: 'small muted' });
  const out = h('div', { id: 'pkt-result' });
  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    if (!f) return;
    name = f.name;
    src.value = await f.text();
  });
  example.addEventListener('click', () => {
    name = 'example.pkt';
    src.value = EXAMPLE;
  });
  run.addEventListener('click', async () => {
    status.textContent = x.running;
    try {
      const text = src.value;
      drawResult(out, dict, await runPacketdrill(name, text), text);
      status.textContent = '';
    } catch (err) {
      status.textContent = x.error;
      console.warn(err);
    }
  });
  box.replaceChildren(
    h('h2', { id: 'pkt-title' }, [x.title]),
    h('p', { class: 'small muted' }, [x.intro]),
    src,
    h('div', { class: 'buttons' }, [run, example, h('label', { class: 'file' }, [x.load, ' ', file]), status]),
    out,
  );
}
