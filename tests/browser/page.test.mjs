// The page in real Chromium, as a reader uses it: every scenario stepped to its end with the
// keyboard, what the diagram and the panels then show, the trace the browser computed against
// the CLI's, Chinese, a reloaded link, a broken link, and never a console error.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  diagramText, launch, load, openPage, stepToEnd,
} from './browser.mjs';
import en from '../../www/i18n/en.js';
import zh from '../../www/i18n/zh.js';

const FIXTURES = process.env.SYNACK_FIXTURES ?? 'target/browser-fixtures';
/** The CLI's `synack run ID --format json`, per scenario. */
const cli = Object.fromEntries(
  readdirSync(FIXTURES).filter((f) => f.endsWith('.json'))
    .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(join(FIXTURES, f), 'utf8'))]),
);
const ids = Object.keys(cli).sort();

/** @type {import('playwright-core').Browser} */
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test('every scenario, stepped to its end with the keyboard, shows its segments, states and outcome', async () => {
  const { page, errors, foreign, context } = await openPage(browser);
  for (const id of ids) {
    await load(page, `?scenario=${id}&lang=en`);
    await stepToEnd(page);
    const seen = await diagramText(page);
    // One arrow per segment sent, and per copy the network made of one.
    const sent = cli[id].trace.filter((e) => e.type === 'Sent' || e.type === 'Duplicated');
    assert.equal(seen.arrows.length, sent.length, `${id}: one arrow per segment`);
    assert.ok(seen.arrows.every((a) => !a.inFlight), `${id}: nothing in flight at the end`);
    const lost = cli[id].trace.filter((e) => e.type === 'Lost').length;
    assert.equal(seen.arrows.filter((a) => a.lost).length, lost, `${id}: lost segments marked`);
    // The first segment of every scenario is the client's SYN, labelled as Wireshark would.
    assert.equal(seen.arrows[0].label, 'SYN Seq=0', id);
    assert.ok(seen.arrows.every((a) => /^(FIN|SYN|RST|PSH|ACK)(, (SYN|RST|PSH|ACK))* Seq=\d+( Ack=\d+)?( Len=\d+)?$/.test(a.label)), id);
    const states = cli[id].trace.filter((e) => e.type === 'State' && e.from !== e.to).length;
    assert.equal(seen.states.length, states, `${id}: every state change on its lifeline`);
    for (const f of cli[id].outcome) {
      assert.ok(f.key in seen.outcome, `${id}: outcome ${f.key} shown`);
    }
    assert.equal(seen.title, en.scenarios[id].title);
  }
  assert.deepEqual(errors, []);
  assert.deepEqual(foreign, [], 'nothing is fetched from elsewhere');
  await context.close();
});

test('the trace computed in the browser equals the CLI\'s, for every scenario', async () => {
  const { page, errors, context } = await openPage(browser);
  await load(page, '?scenario=handshake');
  for (const id of ids) {
    const trace = await page.evaluate(async (scenario) => {
      const m = await import('./pkg/synack.js');
      await m.default();
      const p = new m.Playground(scenario, '', '1', '');
      const t = p.full_trace();
      p.free();
      return t;
    }, id);
    assert.deepEqual(trace, cli[id].trace, id);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('the page speaks Chinese, by the switch and by ?lang=zh', async () => {
  const { page, errors, context } = await openPage(browser);
  await load(page, '?scenario=close-four-way&lang=en');
  await page.click('#lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  await stepToEnd(page);
  let seen = await diagramText(page);
  assert.equal(seen.title, zh.scenarios['close-four-way'].title);
  assert.match(page.url(), /lang=zh/);
  const labels = await page.$$eval('#outcome dt', (d) => d.map((x) => x.textContent));
  assert.deepEqual(labels, Object.values(zh.scenarios['close-four-way'].facts));
  assert.equal(seen.outcome.client, 'TIME-WAIT 持续 59.998 秒');
  // A Chinese browser gets Chinese without asking.
  const zhPage = await openPage(browser, { locale: 'zh-CN' });
  await load(zhPage.page, '?scenario=handshake');
  seen = await diagramText(zhPage.page);
  assert.equal(seen.lang, 'zh-CN');
  assert.equal(await zhPage.page.textContent('#btn-play'), '');
  assert.equal(await zhPage.page.getAttribute('#btn-play', 'title'), zh.ui.play);
  assert.deepEqual(zhPage.errors, []);
  await zhPage.context.close();
  assert.deepEqual(errors, []);
  await context.close();
});

test('a link reloads to the same diagram', async () => {
  const { page, errors, context } = await openPage(browser);
  await load(page, '?scenario=close-four-way&set=close_delay_ms=0&seed=42&lang=zh&v=1');
  await stepToEnd(page);
  const first = await diagramText(page);
  const url = page.url();
  assert.match(url, /set=close_delay_ms=0/);
  assert.match(url, /seed=42/);
  assert.equal(first.outcome.close_segments, '3', 'the setting took effect');
  await page.reload();
  await page.waitForSelector('#diagram svg.diagram');
  await stepToEnd(page);
  const second = await diagramText(page);
  assert.equal(second.svg, first.svg);
  assert.equal(page.url(), url);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a broken link says what was wrong, in the reader\'s language, and shows the defaults', async () => {
  const { page, errors, context } = await openPage(browser);
  await load(page, '?scenario=nope&set=tcp_rfc1337=7&seed=abc&lang=zh&v=9');
  let seen = await diagramText(page);
  assert.ok(seen.problem, 'a message is shown');
  assert.ok(seen.problem.includes(zh.problems.intro), seen.problem);
  assert.ok(seen.problem.includes('“nope”'), seen.problem);
  assert.ok(seen.problem.includes('“abc”'), seen.problem);
  assert.ok(seen.problem.includes('9'), 'the version');
  assert.equal(seen.title, zh.scenarios.handshake.title);
  // A bad value in an existing scenario keeps the scenario and drops the settings.
  await load(page, '?scenario=time-wait-rst&set=tcp_rfc1337=7&lang=en');
  seen = await diagramText(page);
  assert.equal(seen.title, en.scenarios['time-wait-rst'].title);
  assert.ok(seen.problem.includes('“7” is not a valid value for tcp_rfc1337'), seen.problem);
  // A knob linux-6.18 does not have is named as such.
  await load(page, '?scenario=handshake&set=tcp_tw_recycle=1&lang=en');
  seen = await diagramText(page);
  assert.ok(seen.problem.includes('tcp_tw_recycle does not exist on linux-6.18'), seen.problem);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the keyboard steps back and forth, and play runs to the end', async () => {
  const { page, errors, context } = await openPage(browser);
  await load(page, '?scenario=handshake&lang=en');
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  const position = () => page.textContent('#position');
  await page.keyboard.press('End');
  await page.waitForFunction(() => /^step (\d+) of \1 /.test(document.querySelector('#position')?.textContent ?? ''));
  const end = await position();
  await page.keyboard.press('ArrowLeft');
  await page.waitForFunction((e) => document.querySelector('#position')?.textContent !== e, end);
  assert.match(await position() ?? '', /^step 9 of 10/);
  await page.keyboard.press('Home');
  await page.waitForFunction(() => /^step 0 of/.test(document.querySelector('#position')?.textContent ?? ''));
  assert.equal(await page.$$eval('#diagram g.arrow', (a) => a.length), 0);
  await page.keyboard.press(' ');
  await page.waitForFunction((e) => document.querySelector('#position')?.textContent === e, end, { timeout: 20000 });
  assert.equal(await page.$$eval('#diagram g.arrow', (a) => a.length), 3);
  assert.deepEqual(errors, []);
  await context.close();
});
