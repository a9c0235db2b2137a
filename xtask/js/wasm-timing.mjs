// `cargo xtask bench` runs this with node after building the page's wasm: the time the page's
// own module takes to simulate a whole run (`new Playground(...)`: the run, its snapshots, the
// diagram's layout and the chart, all that a knob change redoes), median of a few runs, for
// the largest scenarios. Prints one line per run,
// `wasm: NAME MEDIAN_MS ms (N runs, min MIN_MS, the first FIRST_MS)`.
// It reads no clock of the simulation's: `performance.now()` times the calls from outside.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const pkg = new URL('../../www/pkg/', import.meta.url);
const wasm = await import(new URL('synack.js', pkg).href);
wasm.initSync({ module: readFileSync(fileURLToPath(new URL('synack_bg.wasm', pkg))) });

const RUNS = [
  ['port-exhaustion', 'port-exhaustion', ''],
  ['syn-flood-100k', 'syn-flood', 'syn_rate=10000'],
  ['handshake', 'handshake', ''],
];
const repeat = Number(process.env.SYNACK_WASM_RUNS ?? 5);
const onPage = new Set(wasm.scenarios().map((s) => s.id));

for (const [name, id, set] of RUNS) {
  if (!onPage.has(id)) {
    console.log(`wasm: ${name} not on the page`);
    continue;
  }
  const times = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    const p = new wasm.Playground(id, set, '', '');
    times.push(performance.now() - t0);
    p.free();
  }
  // The first run of a scenario grows its vectors as it goes; the next ones (a knob changed)
  // make room at once for as much as the last one recorded.
  const first = times[0];
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(
    `wasm: ${name} ${median.toFixed(2)} ms (${repeat} runs, min ${times[0].toFixed(2)}, the first ${first.toFixed(2)})`,
  );
}
