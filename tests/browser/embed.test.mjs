// embed.html in real Chromium, as a blogger's reader meets it: in an iframe, in an article's
// column (320 px and up), with each option of its URL (autoplay, from/to, theme, lang), on the
// keyboard alone, and the full page's "copy embed code" whose iframe shows the same diagram.
// Never a console error.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, dropOnTheWire, launch, load, openPage,
} from './browser.mjs';
import { embedHeight, embedHref, embedSnippet } from '../../www/src/embed-code.js';
import { fill } from '../../www/src/i18n.js';
import en from '../../www/i18n/en.js';
import zh from '../../www/i18n/zh.js';

/** @type {import('playwright-core').Browser} */
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

/** `step 3 of 10` / `step 3 of 3–6` / `第 3 步，共 10 步` / `第 3 步（本段为第 3–6 步）`: the numbers. */
async function position(frame) {
  const text = (await frame.textContent('#position')) ?? '';
  return { text, numbers: (text.split('·')[0].match(/\d+/g) ?? []).map(Number) };
}

/** Waits until the step counter reads `want` (a regex on its text). */
async function waitPosition(frame, want, timeout = 5000) {
  await frame.waitForFunction((re) => new RegExp(re).test(document.querySelector('#position')?.textContent ?? ''), want.source, { timeout });
}

/** The diagram's SVG without what only marks the last step, the selection, or clickability. */
function diagramSvg(frame) {
  return frame.evaluate(() => {
    const svg = document.querySelector('#diagram svg.diagram');
    if (!svg) return null;
    const copy = /** @type {SVGSVGElement} */ (svg.cloneNode(true));
    for (const g of copy.querySelectorAll('g.arrow')) {
      for (const a of ['tabindex', 'role', 'aria-label']) g.removeAttribute(a);
    }
    return copy.outerHTML.replaceAll(' fresh', '').replaceAll(' selected', '');
  });
}

/** What the page's problem box says, or null. */
function problem(frame) {
  return frame.evaluate(() => {
    const p = /** @type {HTMLElement | null} */ (document.querySelector('#problem'));
    return p && !p.hidden ? p.textContent : null;
  });
}

/**
 * The embed's frame in a host page, once drawn (`drawn`: Chromium draws an iframe out of view
 * only when it scrolls in). Looked up by address: a cross-origin iframe replaces its first,
 * empty frame.
 */
async function embedFrame(page, drawn = true) {
  for (let i = 0; i < 200; i++) {
    const frame = page.frames().find((f) => f !== page.mainFrame() && f.url().includes('/embed.html'));
    if (frame) {
      await frame.waitForSelector(drawn ? '#diagram svg.diagram' : '#position');
      return frame;
    }
    await page.waitForTimeout(50);
  }
  assert.fail('the embed never loaded');
}

/**
 * Opens `body` as an article page. It is served (by the test, not the server) beside the page:
 * xtask's one-thread server stalls when Chromium stops reading a cross-origin frame's wasm.
 */
async function openArticle(page, body) {
  const url = `${BASE}article-under-test.html`;
  await page.route(url, (route) => route.fulfill({
    contentType: 'text/html; charset=utf-8',
    body: `<!doctype html><html><head><link rel="icon" href="data:,"><title>article</title></head><body style="margin:0">${body}</body></html>`,
  }));
  await page.goto(url, { waitUntil: 'domcontentloaded' });
}

/** A host page (an article) with the embed in an iframe, below `spacer` px of text. */
async function article(page, src, { spacer = 0, height = 480 } = {}) {
  await openArticle(page, `<button id="before">before</button>
    <div style="height:${spacer}px">article text</div>
    <iframe src="${src}" width="100%" height="${height}" style="border:0" title="synack"></iframe>
    <p>after</p>`);
  return embedFrame(page, spacer === 0);
}

/** The background colour of the page's diagram box. */
function colours(frame) {
  return frame.evaluate(() => ({
    body: getComputedStyle(document.body).backgroundColor,
    diagram: getComputedStyle(/** @type {Element} */ (document.querySelector('#diagram'))).backgroundColor,
    ink: getComputedStyle(document.body).color,
  }));
}

/** Relative luminance of `rgb(r, g, b)`, 0 (black) to 1 (white). @param {string} rgb */
function luminance(rgb) {
  const [r, g, b] = (rgb.match(/\d+/g) ?? []).slice(0, 3).map((x) => {
    const c = Number(x) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

test('the snippet, its height and the old ?embed=1 address are built as documented', () => {
  const s = embedSnippet({
    base: 'https://example.org/synack/?scenario=handshake&lang=en', scenario: 'close-four-way', set: 'close_delay_ms=0',
    seed: '42', acts: '12@drop:7', lang: 'zh', title: 'synack: "a" & <b>', height: 400,
  });
  assert.equal(s, '<iframe src="https://example.org/synack/embed.html?scenario=close-four-way&amp;set=close_delay_ms=0&amp;seed=42&amp;act=12@drop:7&amp;lang=zh&amp;v=1" width="100%" height="400" style="border:0" loading="lazy" title="synack: &quot;a&quot; &amp; &lt;b&gt;"></iframe>');
  assert.equal(embedHeight(0), 300);
  assert.equal(embedHeight(350), 446);
  assert.equal(embedHeight(5000), 640);
  assert.equal(embedHeight(Number.NaN), 300);
  assert.equal(embedHref('?scenario=handshake&embed=1&lang=zh&v=1'), 'embed.html?scenario=handshake&lang=zh&v=1');
  assert.equal(embedHref('?embed=1'), 'embed.html');
});

test('the embed shows the diagram and the step controls only, named in English and in Chinese', async () => {
  const { page, errors, foreign, context } = await openPage(browser, { width: 720, height: 520 });
  await load(page, 'embed.html?scenario=close-four-way&lang=en');
  assert.equal(await page.$('header, aside, #settings, #inspector, select'), null, 'nothing but the diagram and its controls');
  const names = () => page.$$eval('#controls button', (bs) => bs.map((b) => b.getAttribute('aria-label')));
  assert.deepEqual(await names(), [en.ui.start, en.ui.back, en.ui.play, en.ui.step, en.ui.end]);
  assert.equal(await page.getAttribute('#controls', 'aria-label'), en.embed.controls);
  assert.equal(await page.textContent('#scenario-title'), en.scenarios['close-four-way'].title);
  assert.match((await position(page)).text, /^step 0 of \d+ · 0\.000 s$/);
  assert.equal(await page.getAttribute('#announce', 'aria-live'), 'polite');
  // Each step is read out: where the cursor is, and what the step revealed.
  await page.keyboard.press('End');
  await waitPosition(page, /^step (\d+) of \1 /);
  await page.keyboard.press('Home');
  await waitPosition(page, /^step 0 of/);
  let announced = '';
  for (let i = 0; i < 40 && !announced.includes('SYN Seq=0'); i++) {
    await page.keyboard.press('ArrowRight');
    await page.waitForTimeout(30);
    announced = (await page.textContent('#announce')) ?? '';
  }
  assert.match(announced, /^step \d+ of \d+ · [\d.]+ s\. (.+; )?client to server: SYN Seq=0/);

  await load(page, 'embed.html?scenario=close-four-way&lang=zh');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  assert.deepEqual(await names(), [zh.ui.start, zh.ui.back, zh.ui.play, zh.ui.step, zh.ui.end]);
  assert.equal(await page.getAttribute('#controls', 'aria-label'), zh.embed.controls);
  assert.equal(await page.textContent('#scenario-title'), zh.scenarios['close-four-way'].title);
  assert.equal(await page.textContent('#open-full'), `${zh.embed.open} ↗`);
  assert.match((await position(page)).text, /^第 0 步，共 \d+ 步/);
  assert.equal(await page.title(), fill(zh.embed.docTitle, { title: zh.scenarios['close-four-way'].title }));
  // A Chinese browser gets Chinese without asking.
  const zhPage = await openPage(browser, { width: 720, height: 520, locale: 'zh-CN' });
  await load(zhPage.page, 'embed.html?scenario=handshake');
  assert.equal(await zhPage.page.getAttribute('#btn-play', 'aria-label'), zh.ui.play);
  assert.deepEqual(zhPage.errors, []);
  await zhPage.context.close();
  assert.deepEqual(errors, []);
  assert.deepEqual(foreign, [], 'nothing is fetched from elsewhere');
  await context.close();
});

test('autoplay=1 plays to the end once the embed scrolls into view, and not with reduced motion', async () => {
  const { page, errors, context } = await openPage(browser, { width: 800, height: 600 });
  await load(page, 'embed.html?scenario=handshake&autoplay=1&lang=en');
  await waitPosition(page, /^step 10 of 10 /, 15000);
  assert.equal(await page.$$eval('#diagram g.arrow', (a) => a.length), 3);
  assert.equal(await page.getAttribute('#btn-play', 'aria-label'), en.ui.play, 'stopped at the end');

  // Below the fold of an article: it waits until the reader scrolls to it.
  const host = await openPage(browser, { width: 800, height: 600 });
  const frame = await article(host.page, `${BASE}embed.html?scenario=handshake&autoplay=1&lang=en`, { spacer: 2000 });
  await host.page.waitForTimeout(2000);
  assert.doesNotMatch((await position(frame)).text, /^step [1-9]/, 'not played while out of view');
  await host.page.evaluate(() => document.querySelector('iframe')?.scrollIntoView());
  await waitPosition(frame, /^step \d+ of 10 /);
  // Had it played out of view, the first picture would be well past the start.
  assert.ok((await position(frame)).numbers[0] <= 1, (await position(frame)).text);
  await waitPosition(frame, /^step 10 of 10 /, 15000);
  assert.deepEqual(host.errors, []);
  await host.context.close();

  // A reader who asked for less motion gets the play button instead.
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await load(page, 'embed.html?scenario=handshake&autoplay=1&lang=en');
  await page.waitForTimeout(1500);
  assert.match((await position(page)).text, /^step 0 of 10 /);
  assert.equal(await page.getAttribute('#btn-play', 'aria-label'), en.ui.play);
  assert.ok(await page.isVisible('#btn-play'));
  await page.emulateMedia({ reducedMotion: 'no-preference' });

  // A bad value is said, in the reader's language, and the embed still works.
  await load(page, 'embed.html?scenario=handshake&autoplay=yes&lang=zh');
  assert.ok((await problem(page))?.includes(fill(zh.embed.problems.bad_autoplay, { value: 'yes' })), await problem(page));
  await page.keyboard.press('End');
  await waitPosition(page, /^第 10 步，共 10 步/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('from=A&to=B shows only steps A to B; a bad range says so in English and in Chinese', async () => {
  const { page, errors, context } = await openPage(browser, { width: 720, height: 520 });
  // The full page at step 6, to compare.
  await load(page, '?scenario=handshake&lang=en');
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowRight');
  await waitPosition(page, /^step 6 of 10 /);
  const atSix = await diagramSvg(page);
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowLeft');
  await waitPosition(page, /^step 3 of 10 /);
  const atThree = await diagramSvg(page);

  await load(page, 'embed.html?scenario=handshake&from=3&to=6&lang=en');
  assert.match((await position(page)).text, /^step 3 of 3–6 · /, 'the cursor starts at A');
  assert.equal(await diagramSvg(page), atThree);
  assert.equal(await page.getAttribute('#btn-back', 'aria-disabled'), 'true');
  await page.keyboard.press('ArrowLeft');
  await page.waitForTimeout(100);
  assert.match((await position(page)).text, /^step 3 of 3–6 /, 'not back before A');
  await page.keyboard.press('Home');
  await page.waitForTimeout(100);
  assert.match((await position(page)).text, /^step 3 of 3–6 /, 'Home is A');
  for (let i = 0; i < 8; i++) await page.keyboard.press('ArrowRight');
  await waitPosition(page, /^step 6 of 3–6 /);
  await page.waitForTimeout(100);
  assert.match((await position(page)).text, /^step 6 of 3–6 /, 'not after B');
  assert.equal(await diagramSvg(page), atSix);
  assert.equal(await page.getAttribute('#btn-step', 'aria-disabled'), 'true');
  await page.keyboard.press('End');
  await page.keyboard.press('Home');
  await waitPosition(page, /^step 3 of 3–6 /);
  // Play runs from A and stops at B.
  await page.keyboard.press(' ');
  await waitPosition(page, /^step 6 of 3–6 /, 10000);
  await page.waitForTimeout(1000);
  assert.match((await position(page)).text, /^step 6 of 3–6 /);
  // Only `to`: from the start.
  await load(page, 'embed.html?scenario=handshake&to=2&lang=zh');
  assert.match((await position(page)).text, /^第 0 步（本段为第 0–2 步）/);

  // Bad ranges: said, and every step shown.
  for (const [query, dict, vars] of [
    ['from=7&to=3&lang=en', en, { from: 7, to: 3, last: 10 }],
    ['from=2&to=99&lang=zh', zh, { from: 2, to: 99, last: 10 }],
  ]) {
    await load(page, `embed.html?scenario=handshake&${query}`);
    const said = await problem(page);
    assert.ok(said?.includes(dict.problems.intro), said);
    assert.ok(said?.includes(fill(dict.embed.problems.bad_range, vars)), said);
    assert.deepEqual((await position(page)).numbers, [0, 10]);
    await page.keyboard.press('End');
    await waitPosition(page, /10\D+10/);
  }
  await load(page, 'embed.html?scenario=handshake&from=x&lang=en');
  assert.ok((await problem(page))?.includes(fill(en.embed.problems.bad_step_number, { name: 'from', value: 'x' })));
  assert.deepEqual(errors, []);
  await context.close();
});

test('theme=dark is dark, theme=light is light, and auto follows the reader\'s system', async () => {
  const { page, errors, context } = await openPage(browser, { width: 720, height: 520 });
  const themes = {};
  for (const [name, query, scheme] of [
    ['light', 'theme=light', 'dark'], ['dark', 'theme=dark', 'light'], ['autoDark', '', 'dark'], ['autoLight', 'theme=auto', 'light'],
  ]) {
    await page.emulateMedia({ colorScheme: /** @type {'dark' | 'light'} */ (scheme) });
    await load(page, `embed.html?scenario=handshake&lang=en${query ? `&${query}` : ''}`);
    themes[name] = await colours(page);
  }
  assert.equal(themes.dark.body, 'rgb(13, 17, 23)');
  assert.ok(luminance(themes.dark.diagram) < 0.05, themes.dark.diagram);
  assert.ok(luminance(themes.dark.ink) > 0.4, 'light text on the dark theme');
  assert.ok(luminance(themes.light.diagram) > 0.9, 'light though the system prefers dark');
  assert.ok(luminance(themes.light.ink) < 0.1);
  assert.deepEqual(themes.autoDark, themes.dark);
  assert.deepEqual(themes.autoLight, themes.light);
  // A theme that does not exist: said, and the default.
  await page.emulateMedia({ colorScheme: 'light' });
  await load(page, 'embed.html?scenario=handshake&lang=zh&theme=purple');
  assert.ok((await problem(page))?.includes(fill(zh.embed.problems.bad_theme, { value: 'purple' })));
  assert.deepEqual(await colours(page), themes.light);
  assert.deepEqual(errors, []);
  await context.close();
});

test('on the keyboard alone, in an article\'s iframe: every control reached, the same keys as the full page', async () => {
  const { page, errors, context } = await openPage(browser, { width: 720, height: 700 });
  const frame = await article(page, `${BASE}embed.html?scenario=close-four-way&lang=en`);
  await page.focus('#before');
  const focused = () => frame.evaluate(() => document.activeElement?.id ?? '');
  const order = [];
  for (let i = 0; i < 7; i++) {
    await page.keyboard.press('Tab');
    order.push(await focused());
  }
  // The diagram scrolls, so it takes the focus too (PageDown scrolls it).
  assert.deepEqual(order, ['btn-start', 'btn-back', 'btn-play', 'btn-step', 'btn-end', 'diagram', 'open-full']);
  assert.equal(await frame.getAttribute('#diagram', 'aria-label'), en.scenarios['close-four-way'].title);
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(), 'btn-end');
  // The keys work wherever the focus is inside the embed.
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await waitPosition(frame, /^step 2 of /);
  await page.keyboard.press('End');
  await waitPosition(frame, /^step (\d+) of \1 /);
  const { numbers: [last] } = await position(frame);
  await page.keyboard.press('ArrowLeft');
  await waitPosition(frame, new RegExp(`^step ${last - 1} of ${last} `));
  await page.keyboard.press('Home');
  await waitPosition(frame, /^step 0 of /);
  // Enter on a focused button presses it; space on the play button plays and pauses.
  assert.equal(await focused(), 'btn-end');
  await page.keyboard.press('Enter');
  await waitPosition(frame, new RegExp(`^step ${last} of ${last} `));
  await page.keyboard.press('Home');
  await waitPosition(frame, /^step 0 of /);
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(), 'btn-step');
  await page.keyboard.press('Enter');
  await waitPosition(frame, /^step 1 of /);
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(), 'btn-play');
  await page.keyboard.press(' ');
  await frame.waitForFunction(() => document.querySelector('#btn-play')?.classList.contains('playing'));
  await page.waitForTimeout(1000);
  await page.keyboard.press(' ');
  await frame.waitForFunction(() => !document.querySelector('#btn-play')?.classList.contains('playing'));
  const paused = (await position(frame)).numbers[0];
  assert.ok(paused >= 2 && paused < last, `paused at ${paused}`);
  // Focus is visible.
  const outline = await frame.evaluate(() => getComputedStyle(/** @type {Element} */ (document.activeElement)).outlineStyle);
  assert.equal(outline, 'solid');
  assert.deepEqual(errors, []);
  await context.close();
});

test('no horizontal scrolling at 320 and 360 px, and the diagram is laid out for a phone', async () => {
  const { page, errors, context } = await openPage(browser, { width: 720, height: 560 });
  await load(page, 'embed.html?scenario=close-four-way&lang=en');
  const wideWidth = await page.$eval('#diagram svg', (s) => s.viewBox.baseVal.width);
  await context.close();
  const ids = ['handshake', 'close-four-way', 'so-linger-rst', 'half-open-crash', 'time-wait-stale-data'];
  for (const width of [320, 360]) {
    for (const lang of ['en', 'zh']) {
      const narrow = await openPage(browser, { width, height: 560 });
      for (const id of ids) {
        // A bad option too, so that the problem box is measured as well.
        await load(narrow.page, `embed.html?scenario=${id}&lang=${lang}&theme=x`);
        await narrow.page.keyboard.press('End');
        await narrow.page.waitForTimeout(150);
        const m = await narrow.page.evaluate(() => {
          const box = /** @type {HTMLElement} */ (document.querySelector('#diagram'));
          const link = /** @type {HTMLElement} */ (document.querySelector('#open-full')).getBoundingClientRect();
          const play = /** @type {HTMLElement} */ (document.querySelector('#btn-end')).getBoundingClientRect();
          return {
            page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
            box: box.scrollWidth - box.clientWidth,
            linkRight: link.right, endRight: play.right,
            viewBox: /** @type {SVGSVGElement} */ (box.querySelector('svg')).viewBox.baseVal.width,
          };
        });
        assert.ok(m.page <= 0, `${id} ${lang} at ${width} px: the page scrolls sideways by ${m.page} px`);
        assert.ok(m.box <= 0, `${id} ${lang} at ${width} px: the diagram scrolls sideways by ${m.box} px`);
        assert.ok(m.linkRight <= width && m.endRight <= width, `${id} at ${width} px: the controls and the link fit`);
        if (id === 'close-four-way') assert.ok(m.viewBox < wideWidth, `compact layout at ${width} px (${m.viewBox} < ${wideWidth})`);
      }
      assert.deepEqual(narrow.errors, []);
      await narrow.context.close();
    }
  }
  assert.deepEqual(errors, []);
});

test('"open in synack" opens the full page in a new tab with the same run', async () => {
  const { page, errors, context } = await openPage(browser, { width: 720, height: 560 });
  await load(page, 'embed.html?scenario=close-four-way&set=close_delay_ms=0&seed=42&lang=zh&from=2&to=9&theme=dark');
  const link = page.locator('#open-full');
  assert.equal(await link.getAttribute('target'), '_blank');
  assert.equal(await link.getAttribute('rel'), 'noopener');
  const [full] = await Promise.all([context.waitForEvent('page'), link.click()]);
  await full.waitForSelector('#diagram svg.diagram');
  const q = new URL(full.url()).searchParams;
  assert.equal(new URL(full.url()).pathname, new URL(BASE).pathname, 'the full page');
  assert.equal(q.get('scenario'), 'close-four-way');
  assert.equal(q.get('set'), 'close_delay_ms=0');
  assert.equal(q.get('seed'), '42');
  assert.equal(q.get('lang'), 'zh');
  assert.equal(await full.textContent('#story-title'), zh.scenarios['close-four-way'].title);
  assert.equal(await full.evaluate(() => document.querySelector('#problem')?.hidden), true);
  await full.close();
  assert.deepEqual(errors, []);
  await context.close();
});

test('"copy embed code" on the full page gives an iframe that shows the same run; old ?embed=1 links open the embed', async () => {
  const { page, errors, context } = await openPage(browser, { width: 1280, height: 900 });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(BASE).origin });
  await load(page, '?scenario=close-four-way&set=close_delay_ms=0&seed=7&lang=zh');
  // The reader drops the client's last ACK, so that the run has an action to carry.
  // The client's last ACK (of the server's FIN), dropped on the wire.
  await dropOnTheWire(page, 'ACK Seq=2 Ack=2');
  const acts = new URL(page.url()).searchParams.get('act');
  assert.equal(await page.textContent('#copy-embed'), zh.embed.copy);
  await page.click('#copy-embed');
  await page.waitForFunction(() => document.querySelector('#embed-status')?.textContent !== '');
  assert.equal(await page.textContent('#embed-status'), zh.embed.copied);
  const snippet = await page.inputValue('#embed-code');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), snippet, 'on the clipboard');
  assert.match(snippet, /^<iframe src="[^"]+" width="100%" height="\d+" style="border:0" loading="lazy" title="[^"]+"><\/iframe>$/);
  const src = await page.evaluate((s) => new DOMParser().parseFromString(s, 'text/html').querySelector('iframe')?.src ?? '', snippet);
  const q = new URL(src).searchParams;
  assert.deepEqual([q.get('scenario'), q.get('set'), q.get('seed'), q.get('act'), q.get('lang')], ['close-four-way', 'close_delay_ms=0', '7', acts, 'zh']);
  assert.ok(snippet.includes(`title="${fill(zh.embed.iframeTitle, { title: zh.scenarios['close-four-way'].title })}"`));
  // The full page at its end, and the pasted iframe at its end: the same diagram.
  await page.keyboard.press('End');
  await page.waitForFunction(() => /第 (\d+) 步，共 \1 步/.test(document.querySelector('#position')?.textContent ?? ''));
  const fullSvg = await diagramSvg(page);
  assert.equal(await page.$$eval('#diagram g.arrow .seg-label', (ls) => ls.filter((l) => l.textContent === 'FIN, ACK Seq=1 Ack=2').length), 2, 'the drop took effect');
  const host = await openPage(browser, { width: 1280, height: 900 });
  await openArticle(host.page, `<article>${snippet}</article>`);
  const frame = await embedFrame(host.page);
  await frame.click('#btn-end');
  await frame.waitForFunction(() => /第 (\d+) 步，共 \1 步/.test(document.querySelector('#position')?.textContent ?? ''));
  assert.equal(await diagramSvg(frame), fullSvg);
  assert.equal(await problem(frame), null);
  assert.deepEqual(host.errors, []);
  await host.context.close();

  // Where the clipboard is refused, the code is selected for the reader to copy.
  const refused = await openPage(browser, { width: 1280, height: 900 });
  await refused.page.addInitScript(() => {
    navigator.clipboard.writeText = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
  });
  await load(refused.page, '?scenario=handshake&lang=en');
  await refused.page.click('#copy-embed');
  await refused.page.waitForFunction(() => document.querySelector('#embed-status')?.textContent !== '');
  assert.equal(await refused.page.textContent('#embed-status'), en.embed.selectIt);
  const selection = await refused.page.evaluate(() => {
    const t = /** @type {HTMLTextAreaElement} */ (document.activeElement);
    return { id: t.id, start: t.selectionStart, end: t.selectionEnd, length: t.value.length };
  });
  assert.deepEqual(selection, { id: 'embed-code', start: 0, end: selection.length, length: selection.length });
  assert.ok(selection.length > 50);
  assert.deepEqual(refused.errors, []);
  await refused.context.close();

  // An old embed link keeps meaning what it meant.
  await page.goto(`${BASE}?scenario=close-four-way&set=close_delay_ms=0&lang=zh&embed=1&v=1`);
  await page.waitForURL(/embed\.html/);
  await page.waitForSelector('#diagram svg.diagram');
  assert.equal(new URL(page.url()).search, '?scenario=close-four-way&set=close_delay_ms=0&lang=zh&v=1');
  assert.equal(await page.textContent('#scenario-title'), zh.scenarios['close-four-way'].title);
  assert.deepEqual(errors, []);
  await context.close();
});
