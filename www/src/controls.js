// The reader's inputs: buttons and keys. Each only calls an action that changes the state.

/**
 * @typedef {object} Actions
 * @property {() => void} start
 * @property {() => void} back
 * @property {() => void} togglePlay
 * @property {() => void} step
 * @property {() => void} end
 */

/** @param {Actions} a */
export function bindControls(a) {
  /** @type {[string, () => void][]} */
  const buttons = [['btn-start', a.start], ['btn-back', a.back], ['btn-play', a.togglePlay], ['btn-step', a.step], ['btn-end', a.end]];
  for (const [id, fn] of buttons) document.getElementById(id)?.addEventListener('click', fn);
  document.addEventListener('keydown', (e) => {
    const target = /** @type {HTMLElement} */ (e.target);
    if (e.altKey || e.ctrlKey || e.metaKey || ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName)) return;
    const keys = /** @type {Record<string, () => void>} */ ({
      ' ': a.togglePlay, ArrowRight: a.step, ArrowLeft: a.back, Home: a.start, End: a.end,
    });
    const fn = keys[e.key];
    // Space on a focused button (a diagram segment is one too) presses it, and on a <summary>
    // opens it, as everywhere else.
    const pressable = ['BUTTON', 'SUMMARY'].includes(target.tagName) || target.getAttribute?.('role') === 'button';
    if (!fn || (e.key === ' ' && pressable)) return;
    e.preventDefault();
    fn();
  });
}
