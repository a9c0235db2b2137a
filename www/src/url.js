// The page's state in its URL: `?scenario=ID&set=NAME=VALUE,...&seed=N&act=STEP@ACTION,...&lang=zh&v=1`,
// so that a shared or embedded link keeps meaning what it meant: the reader's actions (drop this
// segment, crash that host) replay. `v` is the format's version.

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
  };
}

/**
 * The query string for a state (defaults left out, so that links stay short).
 * @param {{scenario: string, set: string, seed: string, acts: string, lang: string, embed: boolean}} s
 */
export function writeUrl(s) {
  const q = new URLSearchParams();
  q.set('scenario', s.scenario);
  if (s.set) q.set('set', s.set);
  if (s.seed && s.seed !== '1') q.set('seed', s.seed);
  if (s.acts) q.set('act', s.acts);
  q.set('lang', s.lang);
  if (s.embed) q.set('embed', '1');
  q.set('v', FORMAT_VERSION);
  // URLSearchParams escapes `=` and `,` inside values; both are safe in a query value.
  return '?' + q.toString().replace(/%3D/g, '=').replace(/%2C/g, ',').replace(/%40/g, '@').replace(/%3A/g, ':');
}
