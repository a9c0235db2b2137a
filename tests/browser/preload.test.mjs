// The pages list in `<link rel="modulepreload">` every module their script imports, directly or
// not, and preload the wasm, so that the browser fetches them all at once instead of one level
// of imports after another (the first diagram came about 200 ms later without). The list is
// written by hand; this keeps it equal to the import graph. Reads files only: no browser.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const WWW = fileURLToPath(new URL('../../www/', import.meta.url));

/** Every file `entry` imports statically, directly or not (paths relative to www/). */
function imports(entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/^import\s[^;]*?from\s+'([^']+)'/gms)) visit(join(dirname(file), m[1]));
  };
  visit(join(WWW, entry));
  seen.delete(join(WWW, entry));
  return [...seen].map((f) => relative(WWW, f)).sort();
}

/** `href`s of the page's `<link rel="REL" ...>` tags. */
function links(page, rel) {
  const html = readFileSync(join(WWW, page), 'utf8');
  return [...html.matchAll(/<link rel="([^"]+)" href="([^"]+)"/g)].filter((m) => m[1] === rel).map((m) => m[2]).sort();
}

for (const [page, entry] of [['index.html', 'src/main.js'], ['embed.html', 'src/embed.js']]) {
  test(`${page} preloads every module ${entry} imports, and the wasm`, () => {
    const graph = imports(entry);
    assert.ok(graph.includes('pkg/synack.js') && graph.length > 5, graph.join(' '));
    assert.deepEqual(links(page, 'modulepreload'), graph);
    assert.deepEqual(links(page, 'preload'), ['pkg/synack_bg.wasm']);
  });
}
