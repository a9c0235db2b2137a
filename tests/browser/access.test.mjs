// The page for a reader who does not use a mouse or does not see it as drawn: axe-core (npm) finds
// no WCAG 2.1 A/AA violation in any scenario, language, theme, width or state of the run; the
// diagram's own text and lines keep their contrast (axe cannot see behind SVG text); a phone's
// 360 px keep the step counter and the language switch in view without scrolling sideways; the
// keyboard alone reaches every control, with its focus visible; the live region says each step;
// and a reader who asks for less motion gets none.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launch, load, openPage } from './browser.mjs';
import en from '../../www/i18n/en.js';
import zh from '../../www/i18n/zh.js';

const AXE = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url));
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
/** The rules whose outcome a theme can change: a second theme needs only these. */
const AXE_COLOUR_RULES = ['color-contrast', 'link-in-text-block'];
const FIXTURES = process.env.SYNACK_FIXTURES ?? 'target/browser-fixtures';
/**
 * Every scenario the CLI ran for the browser tests (as page.test.mjs lists them), and the two
 * large ones (no fixture: a million events), which the page draws a window at a time.
 */
const ids = [
  ...readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')),
  'port-exhaustion', 'time-wait-server-load',
].sort();
const LANGS = { en, zh };
const WIDE = { width: 1280, height: 900 };
/** A small phone. */
const PHONE = { width: 360, height: 640 };

/** @type {import('playwright-core').Browser} */
let browser;
before(async () => {
  assert.ok(existsSync(AXE), `${AXE} is missing: run \`npm ci\` (axe-core is a devDependency)`);
  browser = await launch();
});
after(async () => { await browser.close(); });

/**
 * Waits for the redraw a key, a click or a resize scheduled (the page draws in the next animation
 * frame, before this callback), and ends the animations it started.
 */
async function settle(page) {
  await page.evaluate(() => new Promise((r) => {
    requestAnimationFrame(() => {
      for (const a of document.getAnimations()) a.finish();
      r(undefined);
    });
  }));
}

/** Where the step counter, the language switch and play are not wholly in the window. */
function outOfView(page, size) {
  return page.evaluate(({ width, height }) => ['#position', '#lang-switch', '#btn-play'].flatMap((sel) => {
    const b = document.querySelector(sel)?.getBoundingClientRect();
    const inView = b && b.width > 0 && b.left >= 0 && b.top >= 0 && b.right <= width && b.bottom <= height;
    return inView ? [] : [`${sel} at ${JSON.stringify(b)}`];
  }), size);
}

/**
 * axe-core's WCAG 2.1 A and AA rules on the page as it is, each violation in full: those about
 * colour, or all the others (names, roles, structure, language, keyboard access).
 * @param {'colour' | 'structure'} which
 * @returns {Promise<object[]>}
 */
async function axeViolations(page, which) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const options = which === 'colour'
    ? { runOnly: { type: 'rule', values: AXE_COLOUR_RULES } }
    : { runOnly: { type: 'tag', values: AXE_TAGS }, rules: Object.fromEntries(AXE_COLOUR_RULES.map((r) => [r, { enabled: false }])) };
  // axe cannot tell what is behind SVG text (it leaves it "incomplete"), and looking costs time:
  // the diagram's colours are diagramContrast's.
  const where = which === 'colour' ? { include: [['html']], exclude: [['#diagram svg']] } : { include: [['html']] };
  const r = await page.evaluate(([w, o]) => window.axe.run(w, { ...o, resultTypes: ['violations'] }), [where, options]);
  return r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html, summary: n.failureSummary })),
  }));
}

/**
 * What axe cannot judge: the contrast of the diagram's SVG text (4.5:1) and of the lines that
 * carry meaning, segments and lifelines (3:1), against what they are drawn on, with opacity.
 * @returns {Promise<object[]>} the marks below their ratio
 */
function diagramContrast(page) {
  return page.evaluate(() => {
    const rgb = (/** @type {string} */ c) => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
    const lum = (/** @type {number[]} */ c) => {
      const [r, g, b] = c.map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ratio = (/** @type {number[]} */ a, /** @type {number[]} */ b) => {
      const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
      return (x + 0.05) / (y + 0.05);
    };
    const box = /** @type {HTMLElement} */ (document.querySelector('#diagram'));
    const panel = rgb(getComputedStyle(box).backgroundColor);
    const band = document.querySelector('#diagram .fold-band');
    const fold = band ? rgb(getComputedStyle(band).fill) : panel;
    const opacity = (/** @type {Element} */ e) => {
      let o = 1;
      for (let x = /** @type {Element | null} */ (e); x && x !== box; x = x.parentElement) o *= Number(getComputedStyle(x).opacity);
      return o;
    };
    const seen = (/** @type {number[]} */ c, /** @type {number} */ o, /** @type {number[]} */ on) => c.map((v, i) => v * o + on[i] * (1 - o));
    const bad = [];
    for (const t of document.querySelectorAll('#diagram svg text')) {
      const on = t.closest('.fold') ? fold : panel;
      const r = ratio(seen(rgb(getComputedStyle(t).fill), opacity(t), on), on);
      if (r < 4.5) bad.push({ text: t.textContent, class: t.getAttribute('class'), ratio: r.toFixed(2) });
    }
    for (const l of document.querySelectorAll('#diagram .arrow line:not(.hit), #diagram .lifeline')) {
      const r = ratio(seen(rgb(getComputedStyle(l).stroke), opacity(l), panel), panel);
      if (r < 3) bad.push({ line: l.closest('g')?.getAttribute('aria-label') ?? 'lifeline', class: l.closest('g')?.getAttribute('class'), ratio: r.toFixed(2) });
    }
    return bad;
  });
}

/** The document scrolls sideways: wider than the window. */
function scrollsSideways(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}

/** Steps with the keyboard until a segment is on the wire; false at the end without one. */
async function stepUntilInFlight(page) {
  for (let i = 0; i < 400; i++) {
    if (await page.locator('#diagram g.arrow.in-flight').count() > 0) return true;
    const end = await page.evaluate(() => {
      const m = /(\d+)\D+(\d+)/.exec(document.querySelector('#position')?.textContent ?? '');
      return m !== null && m[1] === m[2];
    });
    if (end) return false;
    await page.keyboard.press('ArrowRight');
    await settle(page);
  }
  return false;
}

// Which rules run where, to keep this test near a minute: the markup (names, roles, structure,
// language) is the same in both themes, so the structure rules run once per state and width;
// colour is the same in both languages, so the colour rules run in both themes with the language
// taking turns by scenario (each theme, width and state is still seen in both). At 360 px axe
// looks at the fullest page (the end, a segment in the inspector); every state is checked there
// for sideways scrolling and the diagram's contrast. Both widths without a reload.
test('axe finds no violation: every scenario, en and zh, light and dark, 1280 and 360 px, at the start, with a segment on the wire inspected, at the end', async () => {
  const { page, errors, context } = await openPage(browser, WIDE);
  const failures = [];
  const runs = { structure: 0, colour: 0 };
  for (const [n, id] of ids.entries()) {
    for (const lang of Object.keys(LANGS)) {
      const colourToo = lang === (n % 2 === 0 ? 'en' : 'zh');
      const check = async (/** @type {string} */ when, axeOnPhone = false) => {
        for (const size of [WIDE, PHONE]) {
          const axeHere = size === WIDE || axeOnPhone;
          await page.setViewportSize(size);
          await settle(page);
          for (const colorScheme of /** @type {const} */ (['light', 'dark'])) {
            await page.emulateMedia({ colorScheme });
            // The theme changed under the page: end the colour transitions it started.
            await page.evaluate(() => { for (const a of document.getAnimations()) a.finish(); });
            const where = `${id} ${lang} ${size.width}px ${colorScheme} ${when}`;
            const violations = [];
            if (axeHere && colorScheme === 'light') {
              violations.push(...await axeViolations(page, 'structure'));
              runs.structure++;
            }
            if (axeHere && colourToo) {
              violations.push(...await axeViolations(page, 'colour'));
              runs.colour++;
            }
            if (violations.length) failures.push({ where, violations });
            const faint = await diagramContrast(page);
            if (faint.length) failures.push({ where, diagramContrast: faint });
          }
          if (await scrollsSideways(page)) failures.push({ where: `${id} ${lang} ${size.width}px ${when}`, problem: 'the page scrolls sideways' });
        }
        await page.setViewportSize(WIDE);
      };
      try {
        // Loaded on a phone: the step counter and the language switch are in view at once.
        await page.setViewportSize(PHONE);
        await load(page, `?scenario=${id}&lang=${lang}`);
        await settle(page);
        const outside = await outOfView(page, PHONE);
        if (outside.length) failures.push({ where: `${id} ${lang} 360px at load`, outOfView: outside });
        await check('at the start');
        await page.locator('body').click({ position: { x: 2, y: 2 } });
        if (await stepUntilInFlight(page)) {
          await page.locator('#diagram g.arrow.in-flight').first().click();
          await page.waitForSelector('#inspector .fields', { timeout: 5000 });
          await check('with a segment on the wire in the inspector');
        }
        await page.keyboard.press('End');
        await settle(page);
        if (await page.locator('#inspector .fields').count() === 0) {
          await page.locator('#diagram g.arrow').first().click();
          await page.waitForSelector('#inspector .fields', { timeout: 5000 });
        }
        await check('at the end, a segment in the inspector', true);
      } catch (e) {
        failures.push({ where: `${id} ${lang}`, error: String(e) });
      }
    }
  }
  if (failures.length) console.log(JSON.stringify({ failures, consoleErrors: errors }, null, 2));
  assert.deepEqual(failures.map((f) => f.where), [], `${failures.length} checks failed (printed above in full)`);
  // Per scenario and language: at least two states at 1280 px and one at 360 px.
  assert.ok(runs.structure >= ids.length * 2 * 3 && runs.colour >= ids.length * 2 * 3, JSON.stringify(runs));
  assert.deepEqual(errors, []);
  await context.close();
});

test('the dark theme follows prefers-color-scheme', async () => {
  const { page, context } = await openPage(browser, WIDE);
  await load(page, '?scenario=handshake&lang=en');
  const colours = () => page.evaluate(() => ({
    body: getComputedStyle(document.documentElement).backgroundColor,
    ink: getComputedStyle(document.body).color,
    panel: getComputedStyle(document.querySelector('#diagram')).backgroundColor,
  }));
  const dark = (/** @type {string} */ c) => (c.match(/\d+/g) ?? []).slice(0, 3).map(Number).reduce((a, b) => a + b, 0) < 3 * 80;
  await page.emulateMedia({ colorScheme: 'light' });
  const light = await colours();
  assert.ok(!dark(light.body) && !dark(light.panel) && dark(light.ink), JSON.stringify(light));
  await page.emulateMedia({ colorScheme: 'dark' });
  const night = await colours();
  assert.ok(dark(night.body) && dark(night.panel) && !dark(night.ink), JSON.stringify(night));
  await context.close();
});

test('at 360 px the step counter and the language switch are in view at load, and nothing scrolls sideways', async () => {
  // The header holds the scenario menu, as wide as the longest title: each language's longest.
  const longest = Object.entries(LANGS).map(([lang, d]) => [lang, ids.reduce((a, b) => ((d.scenarios[b]?.title ?? b).length > (d.scenarios[a]?.title ?? a).length ? b : a))]);
  const { page, errors, context } = await openPage(browser, PHONE);
  const outside = [];
  for (const [lang, id] of longest) {
    await load(page, `?scenario=${id}&lang=${lang}`);
    await settle(page);
    outside.push(...(await outOfView(page, PHONE)).map((o) => `${id} ${lang}: ${o}`));
    if (await scrollsSideways(page)) outside.push(`${id} ${lang}: the page scrolls sideways`);
  }
  assert.deepEqual(outside, []);
  assert.deepEqual(errors, []);
  await context.close();
});

/** The focused element, as a test names it, and whether its focus is drawn. */
function focused(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return { name: 'body', visible: false };
    const cs = getComputedStyle(e);
    const name = e.id ? `#${e.id}` : e.matches('g.arrow') ? `arrow ${e.getAttribute('data-seg')}${e.classList.contains('in-flight') ? ' in-flight' : ''}`
      : `${e.tagName.toLowerCase()}${e.getAttribute('data-action') ? `[${e.getAttribute('data-action')}]` : ''}`;
    const b = e.getBoundingClientRect();
    return {
      name,
      visible: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2 && b.width > 1 && b.height > 1,
      inInspector: e.closest('#inspector') !== null,
    };
  });
}

/**
 * Presses Tab until `want` says yes, checking that every stop on the way shows its focus.
 * @returns {Promise<string[]>} the names of the stops
 */
async function tabUntil(page, want, limit = 300) {
  const stops = [];
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    stops.push(f.name);
    assert.ok(f.visible, `focus on ${f.name} is visible`);
    if (want(f)) return stops;
  }
  assert.fail(`Tab never reached it; stops: ${stops.join(', ')}`);
}

for (const size of [WIDE, PHONE]) {
  test(`keyboard only at ${size.width} px: Tab reaches the scenario menu, the language switch, play, a segment (Enter inspects it) and Drop; the live region says each`, async () => {
    const { page, errors, context } = await openPage(browser, size);
    await load(page, '?scenario=close-four-way&lang=en');
    await settle(page);
    const said = () => page.textContent('#announce');
    // From the top of the page: the header's controls, then the step buttons.
    const head = await tabUntil(page, (f) => f.name === '#btn-play', 20);
    assert.ok(head.indexOf('#scenario') >= 0 && head.indexOf('#scenario') < head.indexOf('#lang-switch'), head.join(', '));
    assert.ok(head.indexOf('#lang-switch') < head.indexOf('#btn-play'), head.join(', '));
    // Enter on the step button steps, and the live region says the step in words.
    await tabUntil(page, (f) => f.name === '#btn-step', 3);
    await page.keyboard.press('Enter');
    await settle(page);
    assert.match(await said(), /^step 1 of 19 · \d+\.\d{3} s\. .+/);
    for (let i = 0; i < 30 && await page.locator('#diagram g.arrow.in-flight').count() === 0; i++) {
      await page.keyboard.press('Enter');
      await settle(page);
    }
    assert.match(await said(), /client to server: SYN Seq=0$/);
    // On through the skip link to the segment on the wire; Enter opens it in the inspector.
    const toArrow = await tabUntil(page, (f) => f.name.endsWith('in-flight'));
    assert.ok(toArrow.includes('#skip-diagram'), toArrow.join(', '));
    await page.keyboard.press('Enter');
    await settle(page);
    await page.waitForSelector('#inspector .fields');
    assert.match((await focused(page)).name, /in-flight$/, 'the focus stays on the segment after the redraw');
    assert.match(await said(), /^Segment #1 in the inspector: client to server: SYN Seq=0\.$/);
    // On to the inspector's Drop button; Enter drops the segment.
    await tabUntil(page, (f) => f.inInspector && f.name.startsWith('button[drop:'));
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /act=\d+@drop:\d+/.test(location.search));
    await settle(page);
    assert.match(await said(), /^Done: drop:\d+\./);
    // The skip link jumps past the diagram's segments to the panels.
    await load(page, '?scenario=close-four-way&lang=en');
    await settle(page);
    await tabUntil(page, (f) => f.name === '#skip-diagram', 20);
    await page.keyboard.press('Enter');
    assert.equal((await focused(page)).name, '#panels');
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('the live region is quiet while playing and says the step when play stops', async () => {
  const { page, errors, context } = await openPage(browser, WIDE);
  await load(page, '?scenario=handshake&lang=zh');
  await settle(page);
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  await page.keyboard.press('ArrowRight');
  await settle(page);
  const first = await page.textContent('#announce');
  assert.match(first, /^第 1 步，共 10 步 · \d+\.\d{3} s。/);
  await page.keyboard.press(' ');
  // Playing starts on the next frame: wait for it before waiting for its end.
  await page.waitForSelector('#btn-play.playing');
  const heard = new Set();
  for (let i = 0; i < 60; i++) {
    heard.add(await page.textContent('#announce'));
    if (await page.evaluate(() => !document.querySelector('#btn-play')?.classList.contains('playing'))) break;
    await page.waitForTimeout(100);
  }
  await settle(page);
  const last = await page.textContent('#announce');
  assert.deepEqual([...heard].filter((t) => t !== first && t !== last), [], 'nothing said between the first step and the end');
  assert.match(last, /^第 10 步，共 10 步 · /);
  assert.ok(last.includes('ESTABLISHED'), last);
  assert.deepEqual(errors, []);
  await context.close();
});

test('prefers-reduced-motion: no fade-in, no smooth scrolling', async () => {
  const { page, context } = await openPage(browser, WIDE);
  const motion = async () => {
    await load(page, '?scenario=close-four-way&lang=en');
    await page.locator('body').click({ position: { x: 2, y: 2 } });
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector('#diagram .fresh');
    return page.evaluate(() => ({
      animation: getComputedStyle(document.querySelector('#diagram .fresh')).animationName,
      scroll: getComputedStyle(document.querySelector('#diagram')).scrollBehavior,
    }));
  };
  await page.emulateMedia({ reducedMotion: 'no-preference' });
  assert.deepEqual(await motion(), { animation: 'fresh', scroll: 'smooth' });
  await page.emulateMedia({ reducedMotion: 'reduce' });
  assert.deepEqual(await motion(), { animation: 'none', scroll: 'auto' });
  await context.close();
});
