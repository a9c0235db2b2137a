// How long the page takes with the two large scenarios, measured by the page's clock
// (`performance.now()`) in headless Chromium: from choosing the scenario in the select to its
// first drawn diagram (and to the complete run: a large one is drawn from its start while the
// rest is simulated), from applying a knob to the redraw, and a step, a step back and a click
// on the chart; and, first, from navigation to the first drawn diagram on a fresh page (a new
// browser context each time, so nothing is cached). Prints the numbers; asserts nothing (times
// are not for tests).
//
//   SYNACK_URL=http://127.0.0.1:8411/ node tests/browser/large-timing.mjs

import { BASE, goto, launch, load, openPage } from './browser.mjs';

/**
 * Runs `action` in the page (a function's source, called with `arg`) and resolves with the
 * milliseconds until the frame after it has been drawn (the page draws in an animation frame);
 * with `whole`, also until the run is complete and drawn whole (a large run is drawn from its
 * start while the rest is simulated: `body[data-simulating]`, then the chart).
 * @param {import('playwright-core').Page} page @param {string} action @param {unknown} arg
 * @param {boolean} [whole]
 */
function timed(page, action, arg, whole = false) {
  return page.evaluate(([src, a, w]) => new Promise((resolve) => {
    const t0 = performance.now();
    // eslint-disable-next-line no-new-func
    new Function('a', src)(a);
    // The redraw is the first animation-frame callback after the action; this one comes after
    // it in the same frame, and the timeout after the frame is painted.
    requestAnimationFrame(() => {
      const drawn = performance.now() - t0;
      setTimeout(() => {
        const painted = performance.now() - t0;
        const done = () => requestAnimationFrame(() => resolve({ drawn, painted, whole: performance.now() - t0 }));
        if (!w) resolve({ drawn, painted });
        else if (!document.body.dataset.simulating) done();
        else {
          new MutationObserver((_, obs) => {
            if (document.body.dataset.simulating) return;
            obs.disconnect();
            done();
          }).observe(document.body, { attributes: true, attributeFilter: ['data-simulating'] });
        }
      }, 0);
    });
  }), [action, arg, whole]);
}

const CHOOSE = `
  const s = document.querySelector('#scenario');
  s.value = a;
  s.dispatchEvent(new Event('change'));
`;
const KNOB = `
  const [name, value] = a;
  const el = document.querySelector('#settings-form [name="' + name + '"]');
  el.value = value;
  document.querySelector('#settings-form').requestSubmit();
`;
const KEY = `document.querySelector('#btn-' + a).click();`;
const CHART = `
  const svg = document.querySelector('#chart svg');
  const r = svg.getBoundingClientRect();
  svg.dispatchEvent(new MouseEvent('click', { clientX: r.left + r.width * a, clientY: r.top + r.height / 2, bubbles: true }));
`;

const browser = await launch();
const rows = [];

// Navigation to the first drawn diagram: `performance.now()` counts from the navigation's start;
// an observer set before the page's own scripts notes when the diagram's SVG appears, and the
// frame after it is when it is on screen. Median of 5 fresh loads per URL.
for (const query of ['', '?lang=zh', 'embed.html?scenario=close-four-way', '?scenario=time-wait-server-load']) {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const { page, context } = await openPage(browser);
    await page.addInitScript(() => {
      new MutationObserver((_, obs) => {
        if (document.querySelector('#diagram svg.diagram')) {
          obs.disconnect();
          const drawn = performance.now();
          requestAnimationFrame(() => setTimeout(() => { window.__firstDiagram = { drawn, painted: performance.now() }; }, 0));
        }
      }).observe(document, { childList: true, subtree: true });
    });
    await goto(page, BASE + query);
    times.push(await (await page.waitForFunction(() => window.__firstDiagram)).jsonValue());
    await context.close();
  }
  times.sort((a, b) => a.painted - b.painted);
  rows.push([query || '(default)', 'navigation: first drawn diagram (median of 5)', times[2]]);
}

const { page, errors, context } = await openPage(browser);
for (const [id, knob] of [['port-exhaustion', ['client.tcp_tw_reuse', '1']], ['time-wait-server-load', ['server.tcp_max_tw_buckets', '1000']]]) {
  await load(page, '?scenario=handshake&lang=en');
  rows.push([id, 'choose it: first drawn diagram', await timed(page, CHOOSE, id, true)]);
  await page.waitForSelector('#diagram svg.diagram');
  await page.click('#more-settings summary');
  rows.push([id, `${knob[0]}=${knob[1]}: redraw`, await timed(page, KNOB, knob, true)]);
  rows.push([id, 'step', await timed(page, KEY, 'step')]);
  rows.push([id, 'chart click at 50 %', await timed(page, CHART, 0.5)]);
  rows.push([id, 'step back', await timed(page, KEY, 'back')]);
  rows.push([id, 'step', await timed(page, KEY, 'step')]);
  rows.push([id, 'end', await timed(page, KEY, 'end')]);
  const arrows = await page.$$eval('#diagram g.arrow', (g) => g.length);
  // The wasm memory (it grows, never shrinks: the most the runs so far have needed).
  const memory = await page.evaluate(async () => {
    const m = await import('./pkg/synack.js');
    const w = await m.default();
    return w.memory.buffer.byteLength;
  });
  rows.push([id, `wasm memory: ${(memory / 2 ** 20).toFixed(0)} MiB`, null]);
}
for (const [id, what, t] of rows) {
  const whole = t?.whole === undefined ? '' : `, ${t.whole.toFixed(0).padStart(6)} ms complete`;
  console.log(`${id.padEnd(22)} ${what.padEnd(40)} ${t ? `${t.drawn.toFixed(0).padStart(6)} ms drawn, ${t.painted.toFixed(0).padStart(6)} ms painted${whole}` : ''}`);
}
if (errors.length) console.log('console errors:', errors);
await context.close();
await browser.close();
