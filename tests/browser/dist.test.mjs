// The published site: `cargo xtask dist`'s dist/, served under /synack/ as GitHub Pages serves a
// project site (SYNACK_SITE_URL, e.g. http://127.0.0.1:PORT/synack/; `cargo xtask test` and
// `cargo xtask serve --dist` serve it there). The page and the embed work from there with no
// request leaving that origin and no console error; the embed also works in an article served
// from another origin, and the page's "copy embed code" snippet points under the sub-path.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { goto, launch, serveArticle } from './browser.mjs';

const SITE = process.env.SYNACK_SITE_URL ?? 'http://127.0.0.1:8151/synack/';

/** @type {import('playwright-core').Browser} */
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

/**
 * A page that records console errors and every request outside `allowed` origins/prefixes.
 * @param {string[]} allowed
 */
async function open(allowed) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  /** @type {string[]} */ const errors = [];
  /** @type {string[]} */ const foreign = [];
  /** @type {string[]} */ const failed = [];
  /** @type {string[]} */ const seen = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => {
    seen.push(r.url());
    if (!allowed.some((a) => r.url().startsWith(a)) && !r.url().startsWith('data:')) foreign.push(r.url());
  });
  page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`); });
  return { context, page, errors, foreign, failed, seen };
}

test('the page works from the sub-path, fetching only from under it', async () => {
  const o = await open([SITE]);
  // The bare directory, as a visitor types it: index.html.
  await goto(o.page, SITE);
  await o.page.waitForSelector('#diagram svg.diagram');
  await goto(o.page, `${SITE}?scenario=close-four-way&lang=zh`);
  await o.page.waitForSelector('#diagram svg.diagram');
  assert.match(await o.page.evaluate(() => document.documentElement.lang), /^zh/);
  await o.page.locator('body').click({ position: { x: 2, y: 2 } });
  await o.page.keyboard.press('End');
  await o.page.waitForFunction(() => document.querySelectorAll('#diagram g.arrow').length === 7);
  // The wasm, its glue, the scripts, styles and language files all came from under /synack/.
  for (const want of ['synack_bg.wasm', 'pkg/synack.js', 'src/main.js', 'i18n/zh.js', 'style.css']) {
    assert.ok(o.seen.some((u) => u.startsWith(SITE) && u.includes(want)), `${want} from ${SITE}: ${o.seen.join(' ')}`);
  }
  // The embed snippet points at embed.html beside the page, under the sub-path.
  await o.page.click('#copy-embed');
  const snippet = await o.page.inputValue('#embed-code');
  assert.ok(snippet.startsWith(`<iframe src="${SITE}embed.html?scenario=close-four-way`), snippet);
  assert.deepEqual(o.failed, []);
  assert.deepEqual(o.foreign, []);
  assert.deepEqual(o.errors, []);
  await o.context.close();
});

test('the embed works from the sub-path', async () => {
  const o = await open([SITE]);
  await goto(o.page, `${SITE}embed.html?scenario=handshake&lang=en&autoplay=1`);
  await o.page.waitForFunction(() => document.querySelectorAll('#diagram g.arrow:not(.in-flight)').length === 3, undefined, { timeout: 20000 });
  assert.deepEqual(o.failed, []);
  assert.deepEqual(o.foreign, []);
  assert.deepEqual(o.errors, []);
  await o.context.close();
});

/**
 * Waits until the frame shows `n` arrows.
 * @param {import('playwright-core').FrameLocator} inside @param {number} n
 */
async function expectArrows(inside, n) {
  for (let i = 0; i < 300; i++) {
    if (await inside.locator('#diagram g.arrow').count() === n) return;
    await new Promise((ok) => { setTimeout(ok, 50); });
  }
  assert.equal(await inside.locator('#diagram g.arrow').count(), n);
}

test('an article on another origin embeds it with the README snippet', async () => {
  const embed = `${SITE}embed.html?scenario=close-four-way&lang=zh`;
  const article = await serveArticle(embed);
  const o = await open([SITE, article.url]);
  const iframe = o.page.locator('iframe');
  // Through a frame locator, which finds the iframe's current document each time (a
  // cross-origin iframe replaces its first, empty frame; a Frame object held across that can go
  // stale). Headless Chromium now and then never paints a cross-origin iframe's first document
  // (about one load in five here, not reproducible alone; the page's own timer fallback does not
  // run either): the article is loaded again then, at most three times.
  const inside = o.page.frameLocator('iframe');
  let drawn = false;
  for (let attempt = 0; attempt < 3 && !drawn; attempt++) {
    await goto(o.page, article.url);
    await iframe.scrollIntoViewIfNeeded();
    drawn = await inside.locator('#diagram svg.diagram').waitFor({ timeout: 10000 }).then(() => true, () => false);
  }
  assert.ok(drawn, 'the embed draws its diagram in the article');
  await inside.locator('#btn-end').click();
  await expectArrows(inside, 7);
  const frame = await (await iframe.elementHandle())?.contentFrame();
  assert.ok(frame && frame.url().startsWith(`${SITE}embed.html`), 'the iframe loads embed.html');
  // It fits the article's column: no wider than the iframe, which is no wider than the column.
  const fit = await o.page.evaluate(() => {
    const f = /** @type {HTMLIFrameElement} */ (document.querySelector('iframe'));
    return { frame: f.getBoundingClientRect().width, column: f.parentElement?.getBoundingClientRect().width ?? 0 };
  });
  assert.ok(fit.frame <= fit.column + 0.5, JSON.stringify(fit));
  const overflow = await frame.evaluate(() => document.body.scrollWidth - document.body.clientWidth);
  assert.ok(overflow <= 1, `the embed overflows its iframe by ${overflow}px`);
  assert.deepEqual(o.failed, []);
  assert.deepEqual(o.foreign, []);
  assert.deepEqual(o.errors, []);
  await o.context.close();
  await article.close();
});
