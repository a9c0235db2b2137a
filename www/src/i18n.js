// The reader's language: `?lang=`, else the browser's, else English. Texts live in ../i18n/.

import en from '../i18n/en.js';
import zh from '../i18n/zh.js';

/** @type {Record<string, any>} */
export const LANGS = { en, zh };

/**
 * @param {string | null} param the URL's `lang`
 * @param {readonly string[]} browser `navigator.languages`
 * @returns {{lang: string, problem?: {code: string, value: string}}}
 */
export function pickLang(param, browser) {
  if (param !== null && param !== '') {
    if (param in LANGS) return { lang: param };
    const fallback = pickLang(null, browser).lang;
    return { lang: fallback, problem: { code: 'bad_lang', value: param.slice(0, 20) } };
  }
  for (const l of browser) {
    const base = l.toLowerCase().split('-')[0];
    if (base in LANGS) return { lang: base };
  }
  return { lang: 'en' };
}

/**
 * Fills `{name}` in a template.
 * @param {string} template
 * @param {Record<string, unknown>} [vars]
 */
export function fill(template, vars = {}) {
  return template.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

/**
 * A span of simulated time in the reader's words: `1.5 s` / `1.5 秒`.
 * @param {any} dict @param {number} us
 */
export function span(dict, us) {
  if (us >= 1e6) {
    const tenths = Math.round(us / 1e5);
    const n = tenths % 10 === 0 ? String(tenths / 10) : (tenths / 10).toFixed(1);
    return fill(dict.units.s, { n });
  }
  if (us >= 1000) return fill(dict.units.ms, { n: Math.round(us / 1000) });
  return fill(dict.units.us, { n: us });
}

/**
 * A binding problem in the reader's language.
 * @param {any} dict @param {{code: string, [k: string]: unknown}} p
 */
export function problemText(dict, p) {
  const template = dict.problems[p.code] ?? dict.problems.internal;
  const vars = { ...p };
  if (Array.isArray(vars.accepted)) vars.accepted = vars.accepted.join(', ');
  if (!('message' in vars)) vars.message = p.code;
  if (typeof vars.reason === 'string') vars.reason = dict.problems.reasons[vars.reason] ?? vars.reason;
  return fill(template, vars);
}

/**
 * An outcome value, read through the language's patterns.
 * @param {any} dict @param {string} value
 */
export function factValue(dict, value) {
  for (const [re, template] of dict.values) {
    const m = re.exec(value);
    if (m) return template.replace(/\{(\d)\}/g, (_, i) => m[Number(i)]);
  }
  return value;
}
