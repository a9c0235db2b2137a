// The page's downloads equal the CLI's files byte for byte (SYNACK_FIXTURES holds `synack run ID
// --format pcap|svg|mermaid|text` for every scenario; `cargo xtask test` writes them): the pcap
// that tshark checks (crates/synack-cli/tests/exports.rs), the SVG of the shared layout, the
// Mermaid text and the text trace. The PNG is that SVG at twice its size. And the packetdrill
// box runs a script with the runner crate, drawing it with the first mismatch marked.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { launch, load, openPage } from './browser.mjs';
import { EXAMPLE } from '../../www/src/packetdrill.js';

const FIXTURES = process.env.SYNACK_FIXTURES ?? 'target/browser-fixtures';

/** @type {import('playwright-core').Browser} */
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

/** Clicks an export button and returns the downloaded file's name and bytes. */
async function download(page, key) {
  const [d] = await Promise.all([
    page.waitForEvent('download'),
    page.click(`#exports button[data-export="${key}"]`),
  ]);
  const path = await d.path();
  return { name: d.suggestedFilename(), bytes: await readFile(path) };
}

// close-four-way: the plain case; accept-overflow: loopback segments; time-wait-stale-data:
// copies the network made and held.
for (const id of ['close-four-way', 'accept-overflow', 'time-wait-stale-data']) {
  test(`${id}: the page's downloads are the CLI's files`, async () => {
    const { page, errors, context } = await openPage(browser, { locale: 'zh-CN' });
    await load(page, `?scenario=${id}&lang=zh`);
    for (const [key, ext] of [['pcap', 'pcap'], ['svg', 'svg'], ['mermaid', 'mmd'], ['text', 'txt']]) {
      const got = await download(page, key);
      assert.equal(got.name, `synack-${id}.${ext}`);
      const want = await readFile(join(FIXTURES, `${id}.${ext}`));
      assert.ok(got.bytes.equals(want), `${id}.${ext}: the page's ${got.bytes.length} bytes differ from the CLI's ${want.length}`);
    }
    // The PNG: a PNG picture of the SVG, twice its size.
    const png = await download(page, 'png');
    assert.equal(png.name, `synack-${id}.png`);
    assert.deepEqual([...png.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const svg = (await readFile(join(FIXTURES, `${id}.svg`), 'utf8'));
    const [, w, h] = /viewBox="0 0 (\d+) (\d+)"/.exec(svg) ?? [];
    assert.equal(png.bytes.readUInt32BE(16), 2 * Number(w));
    assert.equal(png.bytes.readUInt32BE(20), 2 * Number(h));
    // Not blank: a PNG of a white page compresses to almost nothing.
    assert.ok(png.bytes.length > 10_000, `${png.bytes.length} bytes`);
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('the downloaded pcap is what tshark reads from the CLI\'s', async () => {
  const { page, errors, context } = await openPage(browser);
  await load(page, '?scenario=time-wait-rst');
  const got = await download(page, 'pcap');
  const file = join(FIXTURES, 'page-time-wait-rst.pcap');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(file, got.bytes);
  const read = (/** @type {string} */ f) => execFileSync('tshark', ['-r', f, '-T', 'fields', '-e', 'tcp.flags.str', '-e', 'tcp.seq', '-e', 'tcp.ack', '-e', 'tcp.len']).toString();
  // One packet per segment the trace says was sent.
  const trace = JSON.parse(await readFile(join(FIXTURES, 'time-wait-rst.json'), 'utf8')).trace;
  const sent = trace.filter((/** @type {any} */ e) => e.type === 'Sent').length;
  assert.equal(read(file).trim().split('\n').length, sent);
  assert.equal(read(file), read(join(FIXTURES, 'time-wait-rst.pcap')));
  assert.deepEqual(errors, []);
  await context.close();
});

test('a packetdrill script runs in the page, the first mismatch marked', async () => {
  const { page, errors, context } = await openPage(browser);
  await load(page, '?scenario=handshake&lang=en');
  // The example passes: three segments, none marked.
  await page.click('#pkt-example');
  await page.click('#pkt-run');
  await page.waitForSelector('#pkt-verdict');
  assert.equal(await page.getAttribute('#pkt-verdict', 'class'), 'pass');
  assert.equal(await page.locator('#pkt-diagram g.arrow').count(), 3);
  assert.equal(await page.locator('#pkt-diagram g.arrow.mismatch').count(), 0);
  // The host's SYN-ACK scales by 10, not 7: line 8 fails on it, as `synack pkt` says.
  const bad = EXAMPLE.replace('nop,wscale 10>', 'nop,wscale 7>');
  assert.notEqual(bad, EXAMPLE);
  await page.fill('#pkt-src', bad);
  await page.click('#pkt-run');
  await page.waitForSelector('#pkt-verdict.fail');
  assert.match(await page.textContent('#pkt-errors') ?? '', /example\.pkt:8: error handling packet: bad value in outbound TCP option \(kind=3\): expected: wscale 7 actual: wscale 10/);
  assert.match(await page.textContent('#pkt-line') ?? '', /8.*> S\. 0:0\(0\) ack 1/);
  const marked = page.locator('#pkt-diagram g.arrow.mismatch');
  assert.equal(await marked.count(), 1);
  assert.equal(await marked.locator('.seg-label').textContent(), 'SYN, ACK Seq=0 Ack=1');
  // A script loaded from a file runs the same way.
  await page.setInputFiles('#pkt-file', { name: 'mine.pkt', mimeType: 'text/plain', buffer: Buffer.from(bad) });
  await page.waitForFunction(() => /** @type {HTMLTextAreaElement} */ (document.querySelector('#pkt-src')).value.includes('wscale 7>'));
  await page.click('#pkt-run');
  await page.waitForFunction(() => document.querySelector('#pkt-errors')?.textContent?.startsWith('mine.pkt:8:'));
  assert.deepEqual(errors, []);
  await context.close();
});
