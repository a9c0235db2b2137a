// The page's state in its URL: `?scenario=ID&set=NAME=VALUE,...&seed=N&act=STEP@ACTION,...&lang=zh&v=1`,
// so that a shared or embedded link keeps meaning what it meant: the reader's actions (drop this
// segment, crash that host) replay. `v` is the format's version. embed.html also reads
// `autoplay=1`, `from=A&to=B` and `theme=light|dark|auto`.

export const FORMAT_VERSION = '1';

/**
 * Reads the query string. Values are checked later by the binding; here only the format.
 * @param {string} search `location.search`
 */
export function readUrl(search) {
  const q = new URLSearchParams(search);
  /** @type {{code: string, value?: string}[]} */
  const problems = [];
  const v = q.get('v');
  if (v !== null && v !== FORMAT_VERSION) problems.push({ code: 'bad_version', value: v.slice(0, 20) });
  return {
    scenario: q.get('scenario'),
    set: q.get('set') ?? '',
    seed: q.get('seed') ?? '',
    lang: q.get('lang'),
    acts: q.get('act') ?? '',
    embed: q.get('embed') === '1',
    problems,
    ...readEmbedOptions(q),
  };
}

/** The themes embed.html takes; `auto` follows the reader's `prefers-color-scheme`. */
export const THEMES = /** @type {const} */ (['light', 'dark', 'auto']);

/**
 * The options only embed.html reads (`autoplay=1`, `from=A&to=B`, `theme=dark`), checked for
 * their format; whether A and B are steps of the run is checked once the run exists. What is
 * wrong goes into `optionProblems`, not `problems`, so that index.html does not report options it
 * ignores.
 * @param {URLSearchParams} q
 * @returns {{autoplay: boolean, from: number | null, to: number | null, theme: 'light' | 'dark' | 'auto',
 *   optionProblems: {code: string, [k: string]: unknown}[]}}
 */
function readEmbedOptions(q) {
  /** @type {{code: string, [k: string]: unknown}[]} */
  const optionProblems = [];
  const autoplay = q.get('autoplay');
  if (autoplay !== null && autoplay !== '0' && autoplay !== '1') {
    optionProblems.push({ code: 'bad_autoplay', value: autoplay.slice(0, 20) });
  }
  const step = (/** @type {string} */ name) => {
    const v = q.get(name);
    if (v === null || v === '') return null;
    if (/^\d{1,9}$/.test(v)) return Number(v);
    optionProblems.push({ code: 'bad_step_number', name, value: v.slice(0, 20) });
    return null;
  };
  const from = step('from');
  const to = step('to');
  const t = q.get('theme');
  /** @type {'light' | 'dark' | 'auto'} */
  let theme = 'auto';
  if (t !== null && t !== '') {
    const known = THEMES.find((x) => x === t);
    if (known) theme = known;
    else optionProblems.push({ code: 'bad_theme', value: t.slice(0, 20) });
  }
  return { autoplay: autoplay === '1', from, to, theme, optionProblems };
}

/**
 * The query string for a state (defaults left out, so that links stay short).
 * @param {{scenario: string, set: string, seed: string, acts: string, lang: string, embed?: boolean,
 *   autoplay?: boolean, from?: number | null, to?: number | null, theme?: string}} s
 */
export function writeUrl(s) {
  const q = new URLSearchParams();
  q.set('scenario', s.scenario);
  if (s.set) q.set('set', s.set);
  if (s.seed && s.seed !== '1') q.set('seed', s.seed);
  if (s.acts) q.set('act', s.acts);
  q.set('lang', s.lang);
  if (s.embed) q.set('embed', '1');
  if (s.autoplay) q.set('autoplay', '1');
  if (s.from !== undefined && s.from !== null) q.set('from', String(s.from));
  if (s.to !== undefined && s.to !== null) q.set('to', String(s.to));
  if (s.theme && s.theme !== 'auto') q.set('theme', s.theme);
  q.set('v', FORMAT_VERSION);
  // URLSearchParams escapes `=` and `,` inside values; both are safe in a query value.
  return '?' + q.toString().replace(/%3D/g, '=').replace(/%2C/g, ',').replace(/%40/g, '@').replace(/%3A/g, ':');
}
