// The two large scenarios on the page (a million trace events, 200,000 segments): their knobs
// bring the catalogue's other outcome, and the page drawing them a window at a time still
// steps, seeks, inspects and shows the state, with the window framed on the chart.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  diagramText, jumpToEnd, launch, load, openPage,
} from './browser.mjs';
import en from '../../www/i18n/en.js';
import zh from '../../www/i18n/zh.js';

/** The most segments a window of a large run's diagram holds (`WINDOW_SEGMENTS`). */
const WINDOW_SEGMENTS = 200;
/** How many connections' variables a host shows open (`OPEN_TCBS` in www/src/hoststate.js). */
const OPEN_TCBS = 4;
/** The most items a move fades in (`FRESH_MAX` in www/src/diagram.js). */
const FRESH_MAX = 64;

/** @type {import('playwright-core').Browser} */
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

/**
 * Sets fields of the settings form (by input name), applies them, and waits for the new run.
 * @param {import('playwright-core').Page} page @param {Record<string, string>} fields
 */
async function apply(page, fields) {
  await page.click('#more-settings summary');
  for (const [name, value] of Object.entries(fields)) {
    await page.fill(`#settings-form [name="${name}"]`, value);
  }
  await page.click('#apply');
  await page.waitForFunction(() => new URLSearchParams(location.search).has('set'));
  await page.waitForSelector('body:not([data-simulating])');
}

/**
 * What `Playground[method]()` answers for run `id` with `set` made whole in the page's own
 * module (`new Playground`, seed 1).
 * @param {import('playwright-core').Page} page @param {string} id @param {string} set
 * @param {string} method
 */
function madeWhole(page, id, set, method) {
  return page.evaluate(async ([i, s, f]) => {
    const m = await import('./pkg/synack.js');
    await m.default();
    const p = new m.Playground(i, s, '1', '');
    try {
      return p[f]();
    } finally {
      p.free();
    }
  }, [id, set, method]);
}

/** The failing `connect()` calls the diagram shows. @param {import('playwright-core').Page} page */
function failedConnects(page) {
  return page.$$eval('#diagram text.call', (ts) => ts.filter((t) => /^connect\(\) = -1 EADDRNOTAVAIL$/.test(t.textContent ?? '')).length);
}

test('port-exhaustion: EADDRNOTAVAIL once every port is in TIME-WAIT, none with tcp_tw_reuse=1', async () => {
  const { page, errors, context } = await openPage(browser);
  await load(page, '?scenario=port-exhaustion&lang=en');
  await jumpToEnd(page);
  let seen = await diagramText(page);
  assert.match(seen.outcome.first_failure, /^EADDRNOTAVAIL at connect\(\) #28233 /);
  assert.equal(seen.outcome.connections_made, '28232');
  assert.equal(seen.outcome.client_time_wait_peak, '28232');
  assert.ok(await failedConnects(page) > 0, 'the last window shows the failing connect() calls');
  // The jump fades none of the window in, and the live region says where the cursor is, not
  // the thousand lines it revealed; a step fades in and says what it revealed.
  const faded = () => page.$$eval('#diagram .fresh', (e) => e.length);
  const said = () => page.evaluate(() => [document.querySelector('#announce')?.textContent, document.querySelector('#position')?.textContent]);
  assert.equal(await faded(), 0, 'the jump to the end fades nothing in');
  const [jumped, at] = await said();
  assert.equal(jumped, at, 'the jump to the end is said as the position alone');
  const [, last] = /(\d+)\D+(\d+)/.exec(await page.textContent('#position') ?? '') ?? [];
  await page.click('#btn-back');
  await page.waitForFunction((n) => document.querySelector('#position')?.textContent?.startsWith(`step ${Number(n) - 1} `) ?? false, last);
  await page.click('#btn-step');
  await page.waitForFunction((n) => document.querySelector('#position')?.textContent?.startsWith(`step ${n} `) ?? false, last);
  const stepped = await faded();
  assert.ok(stepped > 0 && stepped <= FRESH_MAX, `${stepped} items faded in by a step`);
  const [steppedSaid, stepAt] = await said();
  assert.ok(steppedSaid?.startsWith(`${stepAt}. `) && steppedSaid.length > `${stepAt}. `.length, steppedSaid ?? '');
  // The chart: the client's TIME-WAIT entries, up to every port of the range.
  const legend = await page.textContent('#chart .legend');
  assert.ok(legend?.includes('client: TIME-WAIT: at most 28232'), legend ?? '');

  await apply(page, { 'client.tcp_tw_reuse': '1' });
  await jumpToEnd(page);
  seen = await diagramText(page);
  assert.equal(seen.outcome.first_failure, 'none');
  assert.equal(seen.outcome.connections_made, '30000');
  assert.notEqual(seen.outcome.time_wait_reused, '0');
  assert.equal(await failedConnects(page), 0, 'no connect() fails');
  assert.deepEqual(errors, []);
  await context.close();
});

test('time-wait-server-load: the server\'s TIME-WAIT plateaus at rate x 60 s; a small tcp_max_tw_buckets overflows', async () => {
  const { page, errors, context } = await openPage(browser);
  await load(page, '?scenario=time-wait-server-load&lang=en');
  await jumpToEnd(page);
  let seen = await diagramText(page);
  assert.equal(seen.outcome.server_time_wait_peak, '6000', '100 a second for 60 s');
  assert.equal(seen.outcome.time_wait_overflows, '0');
  // The chart's line levels off: the count at 80 s is the count at 65 s, give or take a second's
  // worth (it only changes at connection instants).
  assert.ok(await page.$('#chart svg path.line'), 'a line is drawn');
  const chart = await madeWhole(page, 'time-wait-server-load', '', 'series');
  const tw = chart.series.find((/** @type {any} */ s) => s.metric === 'TimeWait' && s.host === 1);
  const countAt = (/** @type {number} */ us) => tw.points.filter((/** @type {number[]} */ [t]) => t <= us).at(-1)?.[1] ?? 0;
  assert.ok(Math.abs(countAt(65e6) - 6000) <= 100 && Math.abs(countAt(80e6) - 6000) <= 100, `${countAt(65e6)}, ${countAt(80e6)}`);
  assert.ok(countAt(30e6) < 4000, 'it grows first');

  await apply(page, { 'server.tcp_max_tw_buckets': '1000' });
  await jumpToEnd(page);
  seen = await diagramText(page);
  assert.equal(seen.outcome.server_time_wait_peak, '1000');
  assert.equal(seen.outcome.time_wait_overflows, '6900');
  const counters = await page.textContent('#sockets');
  assert.match(counters ?? '', /TCPTimeWaitOverflow/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a large run is drawn a window at a time: stepping, the chart, the state panel and the inspector work', async () => {
  const { page, errors, context } = await openPage(browser);
  await load(page, '?scenario=port-exhaustion&lang=en');
  const position = async () => {
    const m = /(\d+)\D+(\d+)/.exec(await page.textContent('#position') ?? '');
    assert.ok(m);
    return [Number(m[1]), Number(m[2])];
  };
  const [, last] = await position();
  assert.ok(last > 100000, `${last} stops`);
  // The chart frames the window; a click in its middle moves the cursor and the window there.
  await page.waitForSelector('#chart svg rect.span');
  const frame = () => page.$eval('#chart svg rect.span', (r) => Number(r.getAttribute('x')));
  const x0 = await frame();
  const box = await page.$eval('#chart svg', (s) => { const r = s.getBoundingClientRect(); return { w: r.width, h: r.height }; });
  await page.locator('#chart svg').click({ position: { x: box.w * 0.5, y: box.h * 0.5 } });
  await page.waitForFunction((l) => {
    const m = /(\d+)\D+(\d+)/.exec(document.querySelector('#position')?.textContent ?? '');
    return m !== null && Number(m[1]) > l / 4;
  }, last);
  const [mid] = await position();
  assert.ok(mid > last / 4 && mid < (3 * last) / 4, `${mid} of ${last}`);
  const x1 = await frame();
  assert.ok(x1 > x0 + 100, `the frame moved (${x0} to ${x1})`);
  const note = await page.textContent('#chart .window-note');
  assert.match(note ?? '', /drawn a window at a time/);
  // The diagram holds one window: a few hundred segments, not 200,000.
  const arrows = await page.$$eval('#diagram g.arrow', (g) => g.length);
  assert.ok(arrows > 0 && arrows <= WINDOW_SEGMENTS, `${arrows} arrows`);
  // Steps back and on move the counter by one.
  await page.click('#btn-back');
  await page.waitForFunction((m) => document.querySelector('#position')?.textContent?.startsWith(`step ${m - 1} `) ?? false, mid);
  await page.click('#btn-step');
  await page.click('#btn-step');
  await page.waitForFunction((m) => document.querySelector('#position')?.textContent?.startsWith(`step ${m + 1} `) ?? false, mid);
  // The state panel lists a few connections and counts the thousands of others.
  const unlisted = await page.textContent('#sockets .unlisted');
  assert.match(unlisted ?? '', /^Not listed: (.*, )?[\d,]+ in TIME-WAIT\.$/);
  const rows = await page.$$eval('#sockets table.sockets tbody tr', (r) => r.length);
  assert.ok(rows <= 80, `${rows} rows`);
  // Each host shows the variables of its first few connections open and the rest closed; a
  // block the reader opens stays open from step to step.
  const openPerHost = () => page.$$eval('#sockets .host-state', (hs) => hs.map((h) => [
    h.querySelectorAll('details.conn[open]').length, h.querySelectorAll('details.conn').length,
  ]));
  const counts = await openPerHost();
  assert.ok(counts.some(([, all]) => all > OPEN_TCBS), JSON.stringify(counts));
  for (const [open, all] of counts) assert.equal(open, Math.min(all, OPEN_TCBS), JSON.stringify(counts));
  // (A block is found by its connection's endpoints: its state may change with the step.)
  const closed = page.locator('#sockets details.conn:not([open])').first();
  const ends = (await closed.locator('summary').textContent())?.split(' · ')[0] ?? '';
  await closed.locator('summary').click();
  await page.click('#btn-step');
  await page.waitForFunction((m) => document.querySelector('#position')?.textContent?.startsWith(`step ${m + 2} `) ?? false, mid);
  const after = await page.$$eval('#sockets .host-state', (hs, e) => hs.flatMap((h) => [...h.querySelectorAll('details.conn')]
    .map((d, i) => ({ i, open: d.open, ends: d.querySelector('summary')?.textContent?.split(' · ')[0] }))
    .filter((d) => d.ends === e)), ends);
  // Still past the first few, where only the reader's choice opens it.
  assert.equal(after.length, 1, ends);
  assert.ok(after[0].i >= OPEN_TCBS && after[0].open, JSON.stringify(after));
  // A segment of the window opens in the inspector.
  const seg = await page.$eval('#diagram g.arrow:not(.in-flight)', (g) => /** @type {HTMLElement} */ (g).dataset.seg);
  // (By the keyboard: in a window of short connections the arrows lie close together.)
  await page.focus(`#diagram g.arrow[data-seg="${seg}"]`);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#inspector .fields');
  assert.match(await page.textContent('#inspector h3') ?? '', new RegExp(`^Segment #${seg}(?!\\d)`));
  // In Chinese too.
  await page.click('#lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  const zhNote = await page.textContent('#chart .window-note');
  assert.ok(zhNote?.startsWith(zh.chart.window.slice(0, 8)), zhNote ?? '');
  assert.match(await page.textContent('#sockets .unlisted') ?? '', /^未列出：/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a knob change draws the start of a large run at once, and the rest follows while the page answers', async () => {
  const { page, errors, context } = await openPage(browser);
  await load(page, '?scenario=port-exhaustion&lang=zh');
  // What the page shows when a diagram is drawn: whether the run is still being simulated,
  // the position line, and whether there is a chart.
  await page.evaluate(() => {
    window.__draws = [];
    new MutationObserver(() => {
      window.__draws.push({
        simulating: document.body.dataset.simulating === '1',
        position: document.querySelector('#position')?.textContent ?? '',
        chart: document.querySelector('#chart svg') !== null,
      });
    }).observe(document.querySelector('#diagram'), { childList: true });
  });
  await page.$eval('#more-settings', (d) => { /** @type {HTMLDetailsElement} */ (d).open = true; });
  await page.fill('#settings-form [name="client.tcp_tw_reuse"]', '1');
  await page.click('#apply');
  await page.waitForFunction(() => window.__draws.length > 0);
  await page.waitForSelector('body:not([data-simulating])');
  const draws = await page.evaluate(() => window.__draws);
  const first = draws[0];
  assert.ok(first.simulating, 'the first drawing comes before the run is complete');
  assert.ok(first.position.endsWith(` · ${zh.ui.simulating}`), first.position);
  assert.ok(!first.chart, 'no chart of a run not yet complete');
  // Complete: the stops, the chart and the outcome are those of the run made whole.
  const last = draws[draws.length - 1];
  assert.ok(!last.simulating && last.chart && !last.position.includes(zh.ui.simulating), JSON.stringify(last));
  const stops = await madeWhole(page, 'port-exhaustion', 'client.tcp_tw_reuse=1', 'stops');
  assert.ok(last.position.startsWith(`第 0 步，共 ${stops - 1} 步`), `${last.position} (${stops} stops)`);
  assert.ok(Number(/共 (\d+)/.exec(first.position)?.[1]) < stops - 1, first.position);
  // A step before the rest is done takes the whole run first: End reaches its real end.
  const drawn = draws.length;
  await page.$eval('#more-settings', (d) => { /** @type {HTMLDetailsElement} */ (d).open = true; });
  await page.fill('#settings-form [name="client.tcp_tw_reuse"]', '0');
  await page.click('#apply');
  await page.waitForFunction((n) => window.__draws.length > n, drawn);
  await jumpToEnd(page);
  const seen = await diagramText(page);
  assert.match(seen.outcome.first_failure, /^EADDRNOTAVAIL at connect\(\) #28233 /);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a small run keeps its whole diagram and no window', async () => {
  const { page, errors, context } = await openPage(browser);
  await load(page, '?scenario=syn-flood&lang=en');
  await jumpToEnd(page);
  assert.equal(await page.$('#chart svg rect.span'), null);
  assert.equal(await page.$('#chart .window-note'), null);
  assert.equal(await page.evaluate(async () => {
    const m = await import('./pkg/synack.js');
    await m.default();
    const p = new m.Playground('syn-flood', '', '1', '');
    const w = p.window();
    p.free();
    return w;
  }), null);
  assert.deepEqual(errors, []);
  await context.close();
});

test('every event, cause, loss, discard and timer of the large runs has words in both languages', async () => {
  const { page, errors, context } = await openPage(browser);
  await load(page, '?scenario=handshake&lang=en');
  // The kinds the runs hold, gathered in the page (a million events stay there).
  const kinds = await page.evaluate(async () => {
    const m = await import('./pkg/synack.js');
    await m.default();
    const seen = new Set();
    for (const [id, set] of [['port-exhaustion', ''], ['port-exhaustion', 'client.tcp_tw_reuse=1'],
      ['time-wait-server-load', ''], ['time-wait-server-load', 'server.tcp_max_tw_buckets=1000']]) {
      const p = new m.Playground(id, set, '1', '');
      p.seek(p.stops() - 1);
      const n = p.revealed();
      for (let i = 0; i < n; i += 50000) {
        for (const e of p.trace(i, Math.min(n, i + 50000))) {
          seen.add(JSON.stringify([e.type, e.cause ?? null, e.reason ?? null, e.timer ?? null]));
        }
      }
      p.free();
    }
    return [...seen].map((k) => JSON.parse(k));
  });
  assert.ok(kinds.some(([t]) => t === 'TimeWaitOverflow'), 'the overflow is among them');
  for (const [type, cause, reason, timer] of kinds) {
    for (const dict of [en, zh]) {
      const where = `${dict.lang} ${type}`;
      assert.ok(dict.log[type], `${where}: no template`);
      if (type === 'Sent') assert.ok(dict.causes[cause], `${where}: cause ${cause}`);
      if (type === 'Lost') assert.ok(dict.losses[reason], `${where}: loss ${reason}`);
      if (type === 'Discarded') assert.ok(dict.discards[reason], `${where}: discard ${reason}`);
      if (timer !== null) assert.ok(dict.timers[timer], `${where}: timer ${timer}`);
    }
  }
  assert.deepEqual(errors, []);
  await context.close();
});
