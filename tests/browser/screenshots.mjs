// `cargo xtask screenshots`: the page as a reader sees it, in English and Chinese, on a wide and
// a narrow (phone) window, and embedded (alone, and in a plain article page served from another
// origin), the packetdrill box with a mismatch, into docs/screenshots/ (OUT_DIR).

import { join } from 'node:path';
import { BASE, launch, load, openPage, serveArticle } from './browser.mjs';
import { EXAMPLE } from '../../www/src/packetdrill.js';

const OUT = process.env.OUT_DIR ?? 'docs/screenshots';
const shots = [
  { name: 'wide-en', query: '?scenario=close-four-way&lang=en', width: 1280, height: 900, steps: 22 },
  { name: 'wide-zh', query: '?scenario=close-four-way&lang=zh', width: 1280, height: 900, steps: 22 },
  { name: 'narrow-en', query: '?scenario=time-wait-lost-ack&lang=en', width: 360, height: 780, steps: 14 },
  { name: 'narrow-zh', query: '?scenario=time-wait-lost-ack&lang=zh', width: 360, height: 780, steps: 14 },
  { name: 'embed-zh', query: 'embed.html?scenario=handshake&lang=zh', width: 640, height: 560, steps: 99 },
  { name: 'embed-dark-en', query: 'embed.html?scenario=close-four-way&lang=en&theme=dark&from=3&to=14', width: 360, height: 560, steps: 99 },
  { name: 'half-open-crash-en', query: '?scenario=half-open-crash&lang=en', width: 1280, height: 1000, steps: 99 },
  { name: 'bad-link-zh', query: '?scenario=nope&set=tcp_rfc1337=9&lang=zh', width: 1280, height: 700, steps: 0 },
  // The inspector on the server's FIN, and the host panels, scrolled into view.
  { name: 'inspector-en', query: '?scenario=close-four-way&lang=en', width: 1280, height: 1100, steps: 17, click: 'FIN, ACK Seq=1 Ack=2', show: '#inspector' },
  { name: 'queues-zh', query: '?scenario=syn-flood&lang=zh', width: 1280, height: 1000, steps: 40, show: '#sockets' },
  { name: 'chart-en', query: '?scenario=syn-flood&lang=en', width: 1280, height: 1000, steps: 120, show: '#chart' },
  { name: 'dark-en', query: '?scenario=half-open-crash&lang=en', width: 1280, height: 900, steps: 30, dark: true },
  // A large run (28,232 connections) drawn a window at a time: the chart frames the window,
  // moved by a click on the chart, 40 % into the run.
  { name: 'large-en', query: '?scenario=port-exhaustion&lang=en', width: 1280, height: 1250, steps: 3, chartAt: 0.4, top: '#diagram' },
  { name: 'large-zh', query: '?scenario=port-exhaustion&lang=zh', width: 1280, height: 1250, steps: 3, chartAt: 0.4, top: '#diagram' },
  { name: 'large-narrow-en', query: '?scenario=time-wait-server-load&lang=en', width: 360, height: 1150, steps: 3, chartAt: 0.6, top: '#diagram' },
  { name: 'large-narrow-zh', query: '?scenario=time-wait-server-load&lang=zh', width: 360, height: 1150, steps: 3, chartAt: 0.6, top: '#diagram' },
];

const browser = await launch();
let failed = false;
for (const s of shots) {
  const { page, errors, context } = await openPage(browser, { width: s.width, height: s.height, locale: s.query.includes('zh') ? 'zh-CN' : 'en-US' });
  if (s.dark) await page.emulateMedia({ colorScheme: 'dark' });
  await load(page, s.query);
  await page.locator('body').click({ position: { x: 1, y: 1 } });
  for (let i = 0; i < s.steps; i++) await page.keyboard.press('ArrowRight');
  await page.waitForTimeout(1500);
  if (s.click) await page.locator('#diagram g.arrow', { hasText: s.click }).first().click();
  if (s.chartAt) {
    const chart = page.locator('#chart svg');
    const box = await chart.boundingBox();
    if (box) await chart.click({ position: { x: box.width * s.chartAt, y: box.height / 2 } });
    await page.waitForTimeout(1000);
  }
  if (s.top) {
    // The diagram and the chart under it, from the diagram's top.
    await page.locator(s.top).evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(500);
  }
  if (s.show) {
    await page.locator(s.show).scrollIntoViewIfNeeded();
    await page.waitForTimeout(500);
  }
  const path = join(OUT, `${s.name}.png`);
  await page.screenshot({ path });
  console.log(`wrote ${path}`);
  if (errors.length) {
    console.error(`${s.name}: console errors: ${errors.join('; ')}`);
    failed = true;
  }
  await context.close();
}
// A plain article (tests/browser/article.html, from another origin) with the embed in its column.
for (const lang of ['en', 'zh']) {
  const article = await serveArticle(`${BASE}embed.html?scenario=close-four-way&lang=${lang}`);
  const { page, errors, context } = await openPage(browser, { width: 1000, height: 1250, locale: lang === 'zh' ? 'zh-CN' : 'en-US' });
  // Headless Chromium now and then never paints a cross-origin iframe's first document (see
  // dist.test.mjs; here it did so in four runs of this script in a row): the article is loaded
  // again then, at most three times, as the browser test does.
  const frame = page.frameLocator('iframe');
  let drawn = false;
  for (let attempt = 0; attempt < 3 && !drawn; attempt++) {
    await page.goto(article.url, { waitUntil: 'domcontentloaded' });
    await page.locator('iframe').scrollIntoViewIfNeeded();
    drawn = await frame.locator('#diagram svg.diagram').waitFor({ timeout: 10000 }).then(() => true, () => false);
  }
  if (!drawn) throw new Error(`article-${lang}: the embed drew no diagram in three loads`);
  for (let i = 0; i < 12; i++) await frame.locator('#btn-step').click();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(1000);
  const path = join(OUT, `article-${lang}.png`);
  await page.screenshot({ path });
  console.log(`wrote ${path}`);
  if (errors.length) {
    console.error(`article-${lang}: console errors: ${errors.join('; ')}`);
    failed = true;
  }
  await context.close();
  await article.close();
}

// The packetdrill box: the example with the SYN-ACK's window scale wrong, the mismatch marked.
{
  const { page, errors, context } = await openPage(browser, { width: 1280, height: 1000 });
  await load(page, '?scenario=handshake&lang=en');
  await page.fill('#pkt-src', EXAMPLE.replace('nop,wscale 10>', 'nop,wscale 7>'));
  await page.click('#pkt-run');
  await page.waitForSelector('#pkt-diagram svg');
  await page.locator('#exports').evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await page.waitForTimeout(500);
  const path = join(OUT, 'packetdrill-en.png');
  await page.screenshot({ path });
  console.log(`wrote ${path}`);
  if (errors.length) {
    console.error(`packetdrill-en: console errors: ${errors.join('; ')}`);
    failed = true;
  }
  await context.close();
}

await browser.close();
process.exit(failed ? 1 : 0);
