// The JavaScript side of horde-core's converters and ids (core/src/js.rs): random bytes, value
// checks, number text and the messages of thrown values.
// Each function here catches what a hostile value throws, so that nothing unwinds through
// the module.

/** Fills `bytes` from `crypto.getRandomValues`; false where there is none. */
export function fillRandom(bytes) {
  const c = globalThis.crypto;
  if (!c || typeof c.getRandomValues !== 'function') return false;
  c.getRandomValues(bytes);
  return true;
}

/** The message of a thrown value, without throwing. */
export function messageOf(e) {
  try {
    if (e && typeof e === 'object') {
      const cause = e.cause && typeof e.cause === 'object' && e.cause.message ? ` (${e.cause.message})` : '';
      return String(e.message || e.name || 'unknown error') + cause;
    }
    return String(e);
  } catch {
    return 'an error that cannot be described';
  }
}

/** A number as JavaScript prints it. */
export function numberText(n) {
  return String(n);
}

/** Text as a number (NaN if it is not one). */
export function parseNumber(s) {
  return Number(s);
}

/** Whether a string has no lone UTF-16 surrogate. */
export function wellFormed(s) {
  if (typeof s.isWellFormed === 'function') return s.isWellFormed();
  return !/[\uD800-\uDFFF]/.test(s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''));
}
