// Runtime helpers for horde-wasm's Rust code: the few things that are simpler and safer to do
// in JavaScript (timers, signals, fetch invocation). Imported by the generated glue; not public.

/** Fills `bytes` with random values; false if no CSPRNG exists. */
export function fillRandom(bytes) {
  const c = globalThis.crypto;
  if (!c || typeof c.getRandomValues !== 'function') return false;
  c.getRandomValues(bytes);
  return true;
}

/** Milliseconds since the epoch. */
export function now() {
  return Date.now();
}

/**
 * A wait that can be called off: `promise` resolves after `ms` or when `signal` aborts, and
 * `cancel()` clears the timer and the listener (so nothing keeps Node alive).
 */
export class Wait {
  constructor(ms, signal) {
    this.signal = signal || null;
    this.promise = new Promise((resolve) => {
      this.resolve = resolve;
    });
    this.onAbort = () => this.finish();
    this.timer = Number.isFinite(ms) ? setTimeout(() => this.finish(), Math.min(Math.max(0, ms), 2147483647)) : undefined;
    if (this.signal) {
      if (this.signal.aborted) this.finish();
      else this.signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }
  finish() {
    this.cancel();
    this.resolve();
  }
  cancel() {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.signal) this.signal.removeEventListener('abort', this.onAbort);
  }
}

/**
 * Resolves `true` after `ms`, or `false` as soon as `signal` aborts (at once if it already has).
 * The timer is cleared either way, so nothing keeps Node alive.
 */
export function sleep(ms, signal) {
  return new Wait(ms, signal).promise.then(() => !(signal && signal.aborted));
}

/** Whether `value` looks like an AbortSignal. */
export function isAbortSignal(value) {
  return !!value && typeof value === 'object' && typeof value.aborted === 'boolean' &&
    typeof value.addEventListener === 'function';
}

/**
 * One attempt's deadline: a signal that aborts after `timeoutMs` or when `outer` aborts.
 * `reason()` is 0 while neither happened, 1 after the timeout, 2 after the outer abort.
 * `clear()` must be called when the attempt is over.
 */
export class Deadline {
  constructor(timeoutMs, outer) {
    this.controller = new AbortController();
    this.why = 0;
    this.outer = outer || null;
    this.onAbort = () => this.fire(2);
    // No timer for an infinite timeout (setTimeout would treat Infinity as 0), and none past
    // setTimeout's 24.8-day range.
    this.timer = Number.isFinite(timeoutMs) ? setTimeout(() => this.fire(1), Math.min(timeoutMs, 2147483647)) : undefined;
    if (this.outer) {
      if (this.outer.aborted) this.fire(2);
      else this.outer.addEventListener('abort', this.onAbort, { once: true });
    }
  }
  fire(why) {
    if (this.why !== 0) return;
    this.why = why;
    this.controller.abort();
  }
  get signal() {
    return this.controller.signal;
  }
  abort() {
    this.fire(2);
    this.clear();
  }
  reason() {
    return this.why;
  }
  clear() {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.outer) this.outer.removeEventListener('abort', this.onAbort);
  }
}

/**
 * Calls `fetchFn` (or the global fetch) and always returns a Promise, even when the function
 * throws synchronously or returns something that is not a Promise. `keepalive` lets the
 * request outlive the page (set only when true, so an injected fetch sees no new key).
 */
export function callFetch(fetchFn, url, method, headers, body, signal, redirect, keepalive) {
  try {
    const f = fetchFn || globalThis.fetch;
    if (typeof f !== 'function') {
      return Promise.reject(new TypeError('no fetch function is available (Node 18 or later, or options.fetch)'));
    }
    const init = { method, headers, signal, credentials: 'omit', redirect, cache: 'no-store' };
    if (body !== undefined) init.body = body;
    if (keepalive) init.keepalive = true;
    return Promise.resolve(f(url, init));
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * Reads a response body as bytes, counting them as they arrive (after any Content-Encoding was
 * undone) and stopping past `limit`: a compressed or mislabelled body cannot grow beyond it.
 * Resolves to the bytes (a Uint8Array), or to a number (the bytes read) when the limit was
 * passed.
 */
async function readUpTo(response, limit) {
  const body = response.body;
  if (!body || typeof body.getReader !== 'function') {
    const all = new Uint8Array(await response.arrayBuffer());
    return all.byteLength > limit ? all.byteLength : all;
  }
  const reader = body.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      reader.cancel().catch(() => {});
      return total;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return all;
}

/** The body as text (UTF-8), or the bytes read once past `limit` (see `readUpTo`). */
export async function readLimited(response, limit) {
  const r = await readUpTo(response, limit);
  return typeof r === 'number' ? r : new TextDecoder().decode(r);
}

/** The body as bytes, or the bytes read once past `limit` (see `readUpTo`). */
export function readBytes(response, limit) {
  try {
    return readUpTo(response, limit);
  } catch (e) {
    return Promise.reject(e);
  }
}

/** A response header, or undefined (also when the object has no usable `headers`). */
export function header(response, name) {
  try {
    const v = response.headers.get(name);
    return v === null ? undefined : String(v);
  } catch {
    return undefined;
  }
}

/** The response status as a number, or -1 when it is missing. */
export function statusOf(response) {
  const s = response && response.status;
  return typeof s === 'number' && Number.isInteger(s) ? s : -1;
}

/** JSON.parse, returning undefined instead of throwing. */
export function parseJson(text) {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** The message of a thrown value, without its stack. */
export function messageOf(e) {
  if (e && typeof e === 'object') {
    const cause = e.cause && typeof e.cause === 'object' && e.cause.message ? ` (${e.cause.message})` : '';
    return String(e.message || e.name || 'unknown error') + cause;
  }
  return String(e);
}

/** base64 → bytes, or undefined when it is not valid base64. */
export function base64ToBytes(b64) {
  let bin;
  try {
    bin = atob(b64);
  } catch {
    return undefined;
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A Blob of `bytes`, or undefined where Blob does not exist. */
export function makeBlob(bytes, type) {
  return typeof Blob === 'function' ? new Blob([bytes], { type }) : undefined;
}

/** Calls `fn(arg)` if it is a function; swallows and reports what it throws. */
export function callback(fn, arg) {
  if (typeof fn !== 'function') return;
  try {
    const r = fn(arg);
    if (r && typeof r.then === 'function') r.then(undefined, (e) => console.error('horde-wasm: a callback rejected', e));
  } catch (e) {
    console.error('horde-wasm: a callback threw', e);
  }
}

/** A number as JavaScript prints it (keeps Rust's float formatting out of the module). */
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
