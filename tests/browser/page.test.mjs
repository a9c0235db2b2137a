// The page in real Chromium, as a reader uses it: every scenario stepped to its end with the
// keyboard, what the diagram and the panels then show, the trace the browser computed against
// the CLI's, Chinese, a reloaded link, a broken link, and never a console error.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch, load, openPage } from './browser.mjs';
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

/** Steps with the keyboard until the page says it is at the end. */
async function stepToEnd(page) {
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < 2000; i++) {
    const text = await page.textContent('#position');
    const m = /(\d+)\D+(\d+)/.exec(text ?? '');
    if (m && m[1] === m[2]) return;
    await page.keyboard.press('ArrowRight');
  }
  assert.fail('never reached the end');
}

/** What a reader sees in the diagram. */
function diagramText(page) {
  return page.evaluate(() => ({
    arrows: [...document.querySelectorAll('#diagram g.arrow')].map((g) => ({
      label: g.querySelector('.seg-label')?.textContent,
      inFlight: g.classList.contains('in-flight'),
      lost: g.classList.contains('lost'),
    })),
    states: [...document.querySelectorAll('#diagram text.state')].map((t) => t.textContent),
    outcome: Object.fromEntries([...document.querySelectorAll('#outcome dd')].map((d) => [d.dataset.key, d.textContent])),
    lang: document.documentElement.lang,
    title: document.querySelector('#story-title')?.textContent,
    problem: document.querySelector('#problem')?.hidden === false ? document.querySelector('#problem').textContent : null,
    // The diagram without the highlights of what the last step revealed and what is selected.
    svg: document.querySelector('#diagram svg')?.outerHTML.replaceAll(' fresh', '').replaceAll(' selected', ''),
  }));
}

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

test('a reader drops a segment in flight, and the link replays it', async () => {
  const { page, errors, context } = await openPage(browser);
  await load(page, '?scenario=close-four-way&lang=en');
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  // Step until the client's last ACK (of the server's FIN) is on the wire.
  let found = false;
  for (let i = 0; i < 200 && !found; i++) {
    found = await page.$$eval('#diagram g.arrow.in-flight .seg-label', (ls) => ls.some((l) => l.textContent === 'ACK Seq=2 Ack=2'));
    if (!found) {
      await page.keyboard.press('ArrowRight');
      await page.waitForTimeout(20);
    }
  }
  assert.ok(found, 'the last ACK goes on the wire');
  await page.locator('#diagram g.arrow.in-flight', { hasText: 'ACK Seq=2 Ack=2' }).click();
  await page.click('#inspector button[data-action^="drop:"]');
  await page.waitForFunction(() => /act=\d+@drop:\d+/.test(location.search));
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
