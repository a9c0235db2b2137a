// The full page's "copy embed code": the `<iframe>` a blogger pastes into an article, showing
// embed.html with the run the reader is looking at. `embedSnippet`, `embedHeight` and `embedHref`
// are pure (tests/browser/embed.test.mjs imports them); `renderEmbedShare` draws the button.

import { fill } from './i18n.js';
import { h } from './panels.js';
import { writeUrl } from './url.js';

/** embed.html's controls, footer and padding around the diagram, in CSS px. */
const EMBED_CHROME_PX = 96;
/** The iframe's height stays within these: a short run fits, a long one scrolls inside. */
const EMBED_MIN_PX = 300;
const EMBED_MAX_PX = 640;

/**
 * The iframe's height for a diagram of this height (its display list's, in px).
 * @param {number} diagramHeight
 * @returns {number}
 */
export function embedHeight(diagramHeight) {
  const want = Math.round((Number.isFinite(diagramHeight) ? diagramHeight : 0) + EMBED_CHROME_PX);
  return Math.min(EMBED_MAX_PX, Math.max(EMBED_MIN_PX, want));
}

/** Escapes text for a double-quoted HTML attribute. @param {string} s */
function attr(s) {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The `<iframe>` snippet for a run.
 * @param {object} o
 * @param {string} o.base the full page's address (`location.href`): embed.html sits beside it
 * @param {string} o.scenario
 * @param {string} o.set `NAME=VALUE,...`
 * @param {string} o.seed
 * @param {string} o.acts the reader's actions, `STEP@ACTION,...`
 * @param {string} o.lang
 * @param {string} o.title the iframe's accessible name
 * @param {number} o.height in CSS px
 * @returns {string}
 */
export function embedSnippet(o) {
  const query = writeUrl({ scenario: o.scenario, set: o.set, seed: o.seed, acts: o.acts, lang: o.lang });
  const src = new URL(`embed.html${query}`, o.base).href;
  return `<iframe src="${attr(src)}" width="100%" height="${Math.round(o.height)}" style="border:0" loading="lazy" title="${attr(o.title)}"></iframe>`;
}

/**
 * Where an old `index.html?embed=1` link now goes: embed.html, with the same query minus `embed`.
 * @param {string} search `location.search`
 * @returns {string} a relative address
 */
export function embedHref(search) {
  // Split by hand rather than through URLSearchParams, which would escape the `=` and `,` of `set`.
  const rest = search.replace(/^\?/, '').split('&').filter((p) => p !== '' && !/^embed(=|$)/.test(p)).join('&');
  return rest ? `embed.html?${rest}` : 'embed.html';
}

/**
 * The snippet for the page's state.
 * @param {import('./state.js').State} s @param {string} lang @param {string} base `location.href`
 */
export function snippetFor(s, lang, base) {
  const d = s.dict;
  return embedSnippet({
    base, scenario: s.scenario, set: s.set, seed: s.seed, acts: s.acts, lang,
    title: fill(d.embed.iframeTitle, { title: d.scenarios[s.scenario]?.title ?? s.scenario }),
    height: embedHeight(s.diagram?.height ?? 0),
  });
}

/**
 * Copies to the clipboard; where the browser will not, selects the text for the reader to copy.
 * @param {string} text @param {HTMLTextAreaElement} box shows the text
 * @returns {Promise<boolean>} whether it was copied
 */
async function copy(text, box) {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Refused (no permission, or not a secure context): the reader copies the selection.
  }
  box.focus();
  box.select();
  return false;
}

/**
 * The "copy embed code" button, its status line, and the code it copied.
 * @param {HTMLElement} box @param {any} dict @param {() => string} snippet the code, when clicked
 */
export function renderEmbedShare(box, dict, snippet) {
  const e = dict.embed;
  const button = h('button', { type: 'button', id: 'copy-embed' }, [e.copy]);
  const status = h('span', { id: 'embed-status', role: 'status', class: 'small muted' });
  const code = /** @type {HTMLTextAreaElement} */ (h('textarea', {
    id: 'embed-code', readonly: '', rows: '4', spellcheck: 'false', 'aria-label': e.codeLabel,
  }));
  const hint = h('p', { class: 'small muted' }, [e.options]);
  const shown = h('div', { id: 'embed-shown', hidden: '' }, [code, hint]);
  button.addEventListener('click', async () => {
    const text = snippet();
    code.value = text;
    shown.hidden = false;
    status.textContent = '';
    status.textContent = (await copy(text, code)) ? e.copied : e.selectIt;
  });
  box.replaceChildren(h('div', { class: 'buttons' }, [button, status]), shown);
}
