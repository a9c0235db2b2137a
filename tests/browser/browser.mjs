// Shared by the browser tests and `cargo xtask screenshots`: Debian's Chromium, driven by
// playwright-core (which downloads nothing), against the page `cargo xtask` serves.

import { chromium } from 'playwright-core';

export const BASE = process.env.SYNACK_URL ?? 'http://127.0.0.1:8000/';

/** Launches the machine's Chromium headless, with nothing that reaches the network. */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/**
 * A new page that records console errors, page errors and requests leaving the page's origin.
 * @param {import('playwright-core').Browser} browser
 * @param {{width?: number, height?: number, locale?: string}} [opts]
 */
export async function openPage(browser, opts = {}) {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 },
    locale: opts.locale ?? 'en-US',
  });
  const page = await context.newPage();
  const errors = [];
  const foreign = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => { if (!r.url().startsWith(BASE) && !r.url().startsWith('data:')) foreign.push(r.url()); });
  return { context, page, errors, foreign };
}

/** Loads the page at `query` and waits until the diagram is drawn. */
export async function load(page, query) {
  await page.goto(BASE + query);
  await page.waitForSelector('#diagram svg.diagram');
}
