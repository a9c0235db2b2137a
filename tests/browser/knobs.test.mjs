// DESIGN.md's catalogue, "knobs worth flipping": for each scenario, the reader changes the knob
// in the settings form, applies it, steps to the end and sees the other outcome.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  diagramText, launch, load, openPage, jumpToEnd,
} from './browser.mjs';

/**
 * Per scenario: the form fields to change (by input name; `client.X` is one host's) and the
 * outcome facts the catalogue says the change brings, as the English page shows them.
 * @type {[string, Record<string, string>, Record<string, string>][]}
 */
const FLIPS = [
  ['handshake', { 'client.isn': 'fixed' }, { client_isn: '4294967000' }],
  ['rst-closed-port', { listen: '1' }, { connect: '0', server_resets_sent: '0' }],
  ['close-four-way', { close_delay_ms: '0' }, { close_segments: '3' }],
  ['close-three-way', { close_delay_ms: '200' }, { close_segments: '4' }],
  ['close-simultaneous', { offset_ms: '20' }, { client_reached_closing: 'no', server_reached_time_wait: 'no' }],
  ['time-wait-lost-ack', { 'client.skip_time_wait': '1' }, { retransmitted_fin_answered_with: 'RST', client: 'no TIME-WAIT' }],
  ['time-wait-syn', { isn_fixed: '1', 'client.tcp_timestamps': '0', 'server.tcp_timestamps': '0' }, { time_wait_reused: 'no', time_wait_acks: '1' }],
  ['time-wait-rst', { 'client.tcp_rfc1337': '1' }, { client: 'TIME-WAIT for 59.998 s' }],
  ['synack-timeout', { 'server.tcp_synack_retries': '2' }, { synack_times: '0, 1, 3 s', request_dropped_after: '7 s' }],
  ['syn-retries', { 'client.tcp_syn_linear_timeouts': '0' }, { syn_times: '0, 1, 3, 7, 15, 31, 63 s', connect: 'ETIMEDOUT after 127 s' }],
  ['fin-wait-2-timeout', { 'client.tcp_fin_timeout': '30' }, { fin_wait_2: 'ended after 29.999 s' }],
  ['isn-fixed', { 'client.isn': 'rfc6528', 'server.isn': 'rfc6528' }, { stale_bytes_read_on_connection_2: '0' }],
  ['time-wait-stale-data', { 'client.skip_time_wait': '1', 'server.skip_time_wait': '1' }, { stale_bytes_read_on_connection_2: '100' }],
  ['close-unread-data', { read_first: '1' }, { server_close_sent: 'FIN', client_read: '0' }],
  ['so-linger-rst', { linger: '0' }, { client_close_sent: 'FIN', client_time_wait: 'yes' }],
  ['syn-flood', { 'server.tcp_syncookies': '0' }, { client_connect: 'blocked', client_answered_with: 'nothing' }],
  ['accept-overflow', { 'server.tcp_abort_on_overflow': '1' }, { handshake_ack: 'answered with a RST', client_read: 'ECONNRESET' }],
  ['isn-predict', { 'client.isn': 'rfc6528', 'server.isn': 'rfc6528' }, { spoofed_connection: 'SYN-RECEIVED' }],
  ['tw-reuse', { 'client.tcp_tw_reuse': '1' }, { tw_recycled: '1' }],
  ['so-reuseaddr', { old_reuseaddr: '1', new_reuseaddr: '1' }, { new_bind: '0' }],
  ['nat-port-reuse', { 'b.nat_ts_offset_ms': '7200000' }, { server_paws_timewait: '0', b_resets_sent: '0' }],
  ['tw-recycle-nat', { 'server.tcp_tw_recycle': '0' }, { server_paws_passive: '0', b_syns: '1' }],
  ['port-exhaustion', { 'client.tcp_tw_reuse': '1' }, { first_failure: 'none', connections_made: '30000' }],
  ['time-wait-server-load', { 'server.tcp_max_tw_buckets': '1000' }, { server_time_wait_peak: '1000', time_wait_overflows: '6900' }],
];

/** @type {import('playwright-core').Browser} */
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test('every scenario\'s knob, flipped in the form, brings the other outcome', async () => {
  const { page, errors, context } = await openPage(browser);
  for (const [id, fields, expect] of FLIPS) {
    await load(page, `?scenario=${id}&lang=en`);
    await jumpToEnd(page);
    const before = (await diagramText(page)).outcome;
    await page.click('#more-settings summary');
    for (const [name, value] of Object.entries(fields)) {
      const el = page.locator(`#settings-form [name="${name}"]`);
      if (await el.evaluate((e) => e.tagName === 'SELECT')) await el.selectOption(value);
      else await el.fill(value);
    }
    await page.click('#apply');
    await page.waitForFunction(() => new URLSearchParams(location.search).has('set'));
    await jumpToEnd(page);
    const after = (await diagramText(page)).outcome;
    for (const [key, value] of Object.entries(expect)) {
      assert.equal(after[key], value, `${id}: ${key} after ${JSON.stringify(fields)}`);
      assert.notEqual(before[key], value, `${id}: ${key} was already ${value}`);
    }
    // The link keeps the change, and the form shows it again.
    const set = new URL(page.url()).searchParams.get('set') ?? '';
    await load(page, `?scenario=${id}&lang=en&set=${encodeURIComponent(set)}`);
    for (const [name, value] of Object.entries(fields)) {
      assert.equal(await page.inputValue(`#settings-form [name="${name}"]`), value, `${id}: ${name} in the reloaded form`);
    }
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('a knob set for one host differs from the other, and one set alike on both is written once', async () => {
  const { page, errors, context } = await openPage(browser);
  await load(page, '?scenario=handshake&lang=en');
  await page.click('#more-settings summary');
  await page.fill('#settings-form [name="client.tcp_sack"]', '0');
  await page.fill('#settings-form [name="client.tcp_window_scaling"]', '0');
  await page.fill('#settings-form [name="server.tcp_window_scaling"]', '0');
  await page.click('#apply');
  await page.waitForFunction(() => new URLSearchParams(location.search).has('set'));
  const set = new URL(page.url()).searchParams.get('set');
  assert.equal(set, 'client.tcp_sack=0,tcp_window_scaling=0');
  await jumpToEnd(page);
  await page.locator('#diagram g.arrow', { hasText: 'SYN Seq=0' }).click();
  const syn = await page.textContent('#inspector .fields');
  assert.ok(!syn?.includes('sackOK') && !syn?.includes('wscale'), syn ?? '');
  await page.locator('#diagram g.arrow', { hasText: 'SYN, ACK' }).click();
  const synack = await page.textContent('#inspector .fields');
  // The server offers nothing the client did not: no SACK, no window scale (RFC 7323 §1.3).
  assert.ok(!synack?.includes('sackOK') && !synack?.includes('wscale'), synack ?? '');
  // A bad value says what is wrong and the page keeps the defaults.
  await page.fill('#settings-form [name="client.tcp_sack"]', 'many');
  await page.click('#apply');
  await page.waitForSelector('#problem:not([hidden])');
  assert.match(await page.textContent('#problem') ?? '', /many/);
  assert.deepEqual(errors, []);
  await context.close();
});
