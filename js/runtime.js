// Runtime helpers for horde-wasm's Rust code: the few things that are simpler and safer to do
// in JavaScript (timers, signals, fetch invocation). Imported by the generated glue; not public.
//
// Every function here is total: it never throws, whatever the caller's objects do (a signal
// whose addEventListener throws, a Response whose status getter throws, an error whose message
// getter throws). A throw would unwind through the wasm module and leave it broken; failures are
// returned as values or as rejected promises instead.

/** `signal.aborted`, false if reading it throws. */
function isAborted(signal) {
  try {
    return !!(signal && signal.aborted);
  } catch {
    return false;
  }
}

/** Listens for `abort` on a signal; returns the function that stops listening (never throws). */
function onAbort(signal, listener) {
  if (!signal) return () => {};
  try {
    signal.addEventListener('abort', listener, { once: true });
  } catch {
    return () => {};
  }
  return () => {
    try {
      signal.removeEventListener('abort', listener);
    } catch {
      // nothing to undo
    }
  };
}

/**
 * `promise`, or a rejection with the signal's reason as soon as `signal` (our own AbortSignal)
 * aborts: an injected fetch that ignores its signal cannot hold a call past its timeout. A value
 * that arrives after that goes to `late` (to release it: a Response's body is cancelled).
 */
function unlessAborted(promise, signal, late = () => {}) {
  if (!signal) return promise;
  return new Promise((resolve, reject) => {
    let over = false;
    const abort = () => {
      over = true;
      reject(signal.reason ?? new Error('aborted'));
    };
    const stop = isAborted(signal) ? (abort(), () => {}) : onAbort(signal, abort);
    // Also consumed once given up on: its own rejection (fetch's AbortError) is not unhandled.
    promise.then((v) => {
      stop();
      if (over) late(v);
      else resolve(v);
    }, (e) => {
      stop();
      reject(e);
    });
  });
}

/** Cancels the body of a Response nobody will read (never throws). */
function discard(response) {
  try {
    const p = response && response.body && response.body.cancel();
    if (p && typeof p.catch === 'function') p.catch(() => {});
  } catch {
    // nothing to release
  }
}

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
    this.promise = new Promise((resolve) => {
      this.resolve = resolve;
    });
    this.stop = () => {};
    this.timer = Number.isFinite(ms) ? setTimeout(() => this.finish(), Math.min(Math.max(0, ms), 2147483647)) : undefined;
    if (isAborted(signal)) this.finish();
    else this.stop = onAbort(signal, () => this.finish());
  }
  finish() {
    this.cancel();
    this.resolve();
  }
  cancel() {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.stop();
  }
}

/**
 * Resolves `true` after `ms`, or `false` as soon as `signal` aborts (at once if it already has).
 * The timer is cleared either way, so nothing keeps Node alive.
 */
export function sleep(ms, signal) {
  return new Wait(ms, signal).promise.then(() => !isAborted(signal));
}

/** Whether `value` looks like an AbortSignal. */
export function isAbortSignal(value) {
  try {
    return !!value && typeof value === 'object' && typeof value.aborted === 'boolean' &&
      typeof value.addEventListener === 'function';
  } catch {
    return false;
  }
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
    this.stop = () => {};
    // No timer for an infinite timeout (setTimeout would treat Infinity as 0), and none past
    // setTimeout's 24.8-day range.
    this.timer = Number.isFinite(timeoutMs) ? setTimeout(() => this.fire(1), Math.min(timeoutMs, 2147483647)) : undefined;
    if (isAborted(outer)) this.fire(2);
    else this.stop = onAbort(outer, () => this.fire(2));
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
    this.stop();
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
    return unlessAborted(Promise.resolve(f(url, init)), signal, discard);
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
async function readUpTo(response, limit, signal) {
  const body = response.body;
  if (!body || typeof body.getReader !== 'function') {
    const all = new Uint8Array(await unlessAborted(Promise.resolve(response.arrayBuffer()), signal));
    return all.byteLength > limit ? all.byteLength : all;
  }
  const reader = body.getReader();
  const chunks = [];
  let total = 0;
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await unlessAborted(Promise.resolve(reader.read()), signal);
      if (done) break;
      if (!ArrayBuffer.isView(value)) throw new TypeError('the body stream gave something that is not bytes');
      const bytes = value instanceof Uint8Array ? value : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      total += bytes.byteLength;
      if (total > limit) return total;
      chunks.push(bytes);
    }
    finished = true;
  } finally {
    // Over the limit, timed out, or failed: the rest of the body is not wanted.
    if (!finished) Promise.resolve().then(() => reader.cancel()).catch(() => {});
  }
  // A lone chunk may be a view into a larger buffer; the caller gets bytes of its own.
  const only = chunks.length === 1 ? chunks[0] : null;
  if (only && only.byteOffset === 0 && only.byteLength === only.buffer.byteLength) return only;
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return all;
}

/**
 * The body as text (UTF-8), or the bytes read once past `limit` (see `readUpTo`); rejects when
 * `signal` aborts, even if the body stalls.
 */
export async function readLimited(response, limit, signal) {
  const r = await readUpTo(response, limit, signal);
  return typeof r === 'number' ? r : new TextDecoder().decode(r);
}

/** The body as bytes, or the bytes read once past `limit` (see `readLimited`). */
export function readBytes(response, limit, signal) {
  return readUpTo(response, limit, signal);
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
  try {
    const s = response && response.status;
    return typeof s === 'number' && Number.isInteger(s) ? s : -1;
  } catch {
    return -1;
  }
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
    if (r && typeof r.then === 'function') r.then(undefined, (e) => report('a callback rejected', e));
  } catch (e) {
    report('a callback threw', e);
  }
}

/** Logs what a callback threw; printing it may throw too (a throwing `stack` getter). */
function report(what, e) {
  try {
    console.error(`horde-wasm: ${what}`, e);
  } catch {
    try {
      console.error(`horde-wasm: ${what} (a value that cannot be printed)`);
    } catch {
      // nothing left to do
    }
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
