// What a reader takes away from a run: the segments as a pcap file (Wireshark opens it), the
// diagram as SVG and PNG, Mermaid `sequenceDiagram` text for a Markdown article, and the text
// trace. The bytes come from the tools module (sim.js `exportRun`): the same functions the CLI's
// `--format pcap|svg|mermaid|text` call, so a download equals the CLI's file. The PNG is that SVG
// drawn on a canvas at twice its size.

import { exportRun } from './sim.js';
import { h } from './panels.js';

/** The PNG's pixels per diagram pixel (sharp on high-density screens and in print). */
const PNG_SCALE = 2;

/** Each download: its key in the dictionary, the file's extension and type. */
export const EXPORTS = [
  { key: 'pcap', ext: 'pcap', type: 'application/vnd.tcpdump.pcap' },
  { key: 'svg', ext: 'svg', type: 'image/svg+xml' },
  { key: 'png', ext: 'png', type: 'image/png' },
  { key: 'mermaid', ext: 'mmd', type: 'text/plain' },
  { key: 'text', ext: 'txt', type: 'text/plain' },
];

/**
 * Draws an SVG document on a canvas, `scale` times its size, as PNG. The image is a data: URL
 * (nothing is fetched), and an SVG without foreign content does not taint the canvas.
 * @param {string} svg @param {number} scale
 * @returns {Promise<Blob>}
 */
export async function svgToPng(svg, scale) {
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(img.naturalWidth * scale);
  canvas.height = Math.round(img.naturalHeight * scale);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d canvas');
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  return new Promise((ok, fail) => {
    canvas.toBlob((b) => (b ? ok(b) : fail(new Error('toBlob failed'))), 'image/png');
  });
}

/** Saves `blob` as `name` through a temporary link. @param {Blob} blob @param {string} name */
function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: '' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The file for one export of a run.
 * @param {string} key one of EXPORTS' keys
 * @param {{scenario: string, set: string, seed: string, acts: string}} run
 * @returns {Promise<Blob>}
 */
export async function exportBlob(key, run) {
  const e = EXPORTS.find((x) => x.key === key);
  if (!e) throw new Error(`unknown export ${key}`);
  if (key === 'png') return svgToPng(String(await exportRun('svg', run)), PNG_SCALE);
  const data = await exportRun(/** @type {any} */ (key), run);
  return new Blob([data], { type: e.type });
}

/**
 * The download buttons.
 * @param {HTMLElement} box @param {any} dict
 * @param {() => {scenario: string, set: string, seed: string, acts: string}} run the run shown, when clicked
 */
export function renderExports(box, dict, run) {
  const x = dict.exports;
  const status = h('span', { id: 'export-status', role: 'status', class: 'small muted' });
  const buttons = EXPORTS.map((e) => {
    const b = h('button', { type: 'button', 'data-export': e.key, title: x.hints[e.key] }, [x.names[e.key]]);
    b.addEventListener('click', async () => {
      const r = run();
      status.textContent = x.working;
      try {
        save(await exportBlob(e.key, r), `synack-${r.scenario}.${e.ext}`);
        status.textContent = '';
      } catch (err) {
        status.textContent = x.failed;
        console.warn(err);
      }
    });
    return b;
  });
  box.replaceChildren(
    h('h3', { id: 'exports-title' }, [x.title]),
    h('div', { class: 'buttons', role: 'group', 'aria-labelledby': 'exports-title' }, [...buttons, status]),
  );
}
