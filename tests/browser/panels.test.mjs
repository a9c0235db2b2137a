// The panels beside the diagram: each host's state (sequence variables, timers, a listener's
// queues as gauges), and the trace log rendered from each language's templates.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch, load, openPage, jumpToEnd } from './browser.mjs';
import en from '../../www/i18n/en.js';
import zh from '../../www/i18n/zh.js';

const FIXTURES = process.env.SYNACK_FIXTURES ?? 'target/browser-fixtures';
const traces = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'))
  .map((f) => /** @type {{scenario: string, trace: any[]}} */ (JSON.parse(readFileSync(join(FIXTURES, f), 'utf8'))));

/** @type {import('playwright-core').Browser} */
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test('every event, cause, loss and discard in the catalogue\'s traces has words in both languages', () => {
  for (const { scenario, trace } of traces) {
    for (const e of trace) {
      for (const dict of [en, zh]) {
        const where = `${dict.lang} ${scenario} ${e.type}`;
        assert.ok(dict.log[e.type], `${where}: no template`);
        if (e.type === 'Sent') assert.ok(dict.causes[e.cause], `${where}: cause ${e.cause}`);
        if (e.type === 'Lost') assert.ok(dict.losses[e.reason], `${where}: loss ${e.reason}`);
        if (e.type === 'Discarded') assert.ok(dict.discards[e.reason], `${where}: discard ${e.reason}`);
        if (e.type === 'TimerArmed' || e.type === 'TimerFired') assert.ok(dict.timers[e.timer], `${where}: timer ${e.timer}`);
      }
    }
  }
});

test('the trace log shows every event up to the cursor, in words, in both languages', async () => {
  const { page, errors, context } = await openPage(browser);
  for (const { scenario, trace } of traces) {
    for (const lang of ['en', 'zh']) {
      await load(page, `?scenario=${scenario}&lang=${lang}`);
      await jumpToEnd(page);
      // Closed, the log is its summary: its lines are built when the reader opens it.
      assert.equal(await page.$$eval('#log ol.log li', (ls) => ls.length), 0, `${scenario} ${lang}`);
      await page.click('#log summary');
      await page.waitForSelector('#log ol.log li');
      const lines = await page.$$eval('#log ol.log li', (ls) => ls.map((l) => l.textContent ?? ''));
      assert.equal(lines.length, Math.min(300, trace.length), `${scenario} ${lang}`);
      for (const line of lines) {
        assert.doesNotMatch(line, /[{}]|undefined|NaN|\[object/, `${scenario} ${lang}: ${line}`);
      }
      // The last line is the trace's last event, at its time.
      assert.ok(lines.at(-1)?.startsWith((trace.at(-1).at / 1e6).toFixed(6)), lines.at(-1));
    }
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('the host panels show the SYN queue filling, the sequence variables, and what each step changed', async () => {
  const { page, errors, context } = await openPage(browser);
  await load(page, '?scenario=handshake&lang=en');
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  // Step until the server's SYN-ACK is out: the request sits in the SYN queue.
  for (let i = 0; i < 40; i++) {
    const text = await page.textContent('#sockets');
    if (text?.includes('SYN-RECEIVED')) break;
    const at = await page.textContent('#position');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((was) => document.querySelector('#position')?.textContent !== was, at);
  }
  const gauges = await page.$$eval('#sockets .gauge', (gs) => gs.map((g) => g.textContent));
  assert.deepEqual(gauges, ['SYN queue1 of 128', 'Accept queue0 of 128']);
  assert.equal(await page.getAttribute('#sockets .gauge meter', 'value'), '1');
  assert.ok((await page.$$('#sockets .changed')).length > 0, 'the step\'s changes are highlighted');
  await jumpToEnd(page);
  // Both ends ESTABLISHED: the client's SYN is acknowledged (SND.UNA = SND.NXT = 1).
  const client = await page.$$eval('#sockets .host-state:first-of-type dl.tcb', (dls) => dls.map((dl) => Object.fromEntries(
    [...dl.querySelectorAll('dt')].map((dt) => [dt.textContent, dt.nextElementSibling?.textContent]),
  )));
  assert.equal(client.length, 1);
  assert.equal(client[0]['SND.UNA'], '1');
  assert.equal(client[0]['SND.NXT'], '1');
  assert.equal(client[0]['RCV.NXT'], '1');
  assert.deepEqual(await page.$$eval('#sockets .gauge', (gs) => gs.map((g) => g.textContent)), ['SYN queue0 of 128', 'Accept queue0 of 128']);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a run with many connections gets a chart of its counts; a click on it jumps to that time', async () => {
  const { page, errors, context } = await openPage(browser);
  await load(page, '?scenario=close-four-way&lang=en');
  assert.equal(await page.$eval('#chart', (c) => /** @type {HTMLElement} */ (c).hidden), true, 'one connection: no chart');
  await load(page, '?scenario=syn-flood&lang=zh');
  await page.waitForSelector('#chart svg.chart');
  const legend = await page.$$eval('#chart ul.legend li', (ls) => ls.map((l) => l.textContent));
  // The SYN queue holds one more than the backlog of 8 (inet_csk_reqsk_queue_is_full).
  assert.ok(legend.some((t) => t?.includes('SYN 队列') && t.includes('9') && t.includes('8')), legend.join(' | '));
  const chart = page.locator('#chart svg.chart');
  const box = await chart.boundingBox();
  assert.ok(box);
  // Half way along the plot: the cursor moves to about the middle of the run.
  await chart.click({ position: { x: box.width * 0.55, y: box.height / 2 } });
  await page.waitForFunction(() => !/^第 0 步/.test(document.querySelector('#position')?.textContent ?? ''));
  const seconds = Number(/([\d.]+) s$/.exec(await page.textContent('#position') ?? '')?.[1]);
  assert.ok(seconds > 3 && seconds < 7, `jumped to ${seconds} s`);
  assert.deepEqual(errors, []);
  await context.close();
});
