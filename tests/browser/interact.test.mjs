// What a reader does to a run by clicking: drop, hold or copy a segment on the wire, inspect
// one, make a segment of their own; each action goes into the link and replays from it.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  diagramText, dropOnTheWire, launch, load, openPage, stepToEnd,
} from './browser.mjs';
import zh from '../../www/i18n/zh.js';

/** @type {import('playwright-core').Browser} */
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test('a reader drops a segment in flight, and the link replays it', async () => {
  const { page, errors, context } = await openPage(browser);
  await load(page, '?scenario=close-four-way&lang=en');
  // The client's last ACK (of the server's FIN), dropped on the wire.
  await dropOnTheWire(page, 'ACK Seq=2 Ack=2');
  await stepToEnd(page);
  const fins = () => page.$$eval('#diagram g.arrow .seg-label', (ls) => ls.filter((l) => l.textContent === 'FIN, ACK Seq=1 Ack=2').length);
  assert.equal(await fins(), 2, 'the server sends its FIN again');
  const seen = await diagramText(page);
  assert.equal(seen.outcome.close_segments, '6', 'FIN, ACK, FIN, the lost ACK, FIN again, ACK');
  // The link replays the drop.
  const url = page.url();
  await page.goto(url);
  await page.waitForSelector('#diagram svg.diagram');
  await stepToEnd(page);
  assert.equal(await fins(), 2);
  assert.equal((await diagramText(page)).svg, seen.svg);
  // A link with an action that cannot replay says so and shows the run without it.
  await load(page, '?scenario=close-four-way&act=3@drop:999&lang=en');
  const bad = await diagramText(page);
  assert.ok(bad.problem?.includes('drop:999'), bad.problem);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the inspector names a segment\'s fields, why it was sent and what became of it', async () => {
  const { page, errors, context } = await openPage(browser);
  await load(page, '?scenario=rst-closed-port&lang=zh');
  await stepToEnd(page);
  await page.locator('#diagram g.arrow', { hasText: 'RST, ACK' }).click();
  await page.waitForSelector('#inspector .fields');
  const text = await page.textContent('#inspector');
  assert.ok(text.includes(zh.causes.ResetNoSocket), text);
  assert.ok(text.includes('tcp_v4_send_reset'), text);
  assert.ok(text.includes(zh.inspector.fields.ack[0]), text);
  const href = await page.getAttribute('#inspector a', 'href');
  assert.match(href, /^https:\/\/elixir\.bootlin\.com\/linux\/v6\.18\/A\/ident\/tcp_v4_send_reset$/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a reader forges a RST from the client\'s side: with the next sequence number it resets the server, one byte off it does not', async () => {
  const { page, errors, context } = await openPage(browser);
  /** Injects a RST `off` bytes past the client's next sequence number, at the end of the handshake. */
  const forge = async (/** @type {number} */ off) => {
    await load(page, '?scenario=handshake&lang=zh');
    await stepToEnd(page);
    await page.click('#actions summary');
    await page.selectOption('#inject-form select[name=from]', '0');
    const seq = Number(await page.inputValue('#inject-form input[name=seq]'));
    await page.fill('#inject-form input[name=seq]', String((seq + off) % 2 ** 32));
    await page.check('#inject-form input[value="R"]');
    await page.uncheck('#inject-form input[value="."]');
    await page.click('#inject-form button[type=submit]');
    await page.waitForFunction(() => /act=\d+@inject:client:/.test(location.search));
    await stepToEnd(page);
    return diagramText(page);
  };
  const exact = await forge(0);
  assert.ok(exact.arrows.some((a) => a.label?.startsWith('RST')), JSON.stringify(exact.arrows));
  assert.equal(exact.lanes.at(-1), zh.ui.injected, 'the forged segment comes from a lane of its own');
  assert.equal(exact.states.filter((s) => s === 'CLOSED').length, 1, 'the server side is reset');
  // The link replays it.
  const url = page.url();
  await page.goto(url);
  await page.waitForSelector('#diagram svg.diagram');
  await stepToEnd(page);
  assert.equal((await diagramText(page)).svg, exact.svg);
  const off = await forge(1);
  assert.equal(off.states.filter((s) => s === 'CLOSED').length, 0, 'in the window but not exact: a challenge ACK (RFC 5961 §3.2)');
  assert.ok(off.arrows.length > exact.arrows.length, 'the server answers with a challenge ACK');
  // A malformed field says what is wrong, in Chinese, and the run stays as it was.
  await page.fill('#inject-form input[name=options]', 'mss99999');
  await page.click('#inject-form button[type=submit]');
  await page.waitForSelector('#problem:not([hidden])');
  const problem = await page.textContent('#problem');
  assert.ok(problem?.includes(zh.problems.actionIntro) && problem.includes(zh.problems.reasons.options), problem ?? '');
  assert.equal((await diagramText(page)).svg, off.svg);
  assert.deepEqual(errors, []);
  await context.close();
});
