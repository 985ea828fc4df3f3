// The JavaScript side of horde-wasm's Rust code, imported by the generated glue (not public).
// It holds what needs a callback (timers, abort listeners, racing a promise against our signal),
// what touches the caller's values inside a `try` (an injected fetch, the caller's AbortSignal,
// callbacks), and a few one-liners smaller here than as bindings (the clock, base64, Blob). The
// request, the Response and its body are handled in Rust through web-sys (src/js.rs); the value
// checks and messages of thrown values that the converters also use are horde-core's
// (core/js/values.js).
//
// Every function here is total: it never throws, whatever the caller's objects do (a signal
// whose addEventListener throws, a fetch that throws or never settles, an error whose message
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
 * aborts: an injected fetch that ignores its signal, or a body that stalls, cannot hold a call
 * past its timeout. A value that arrives after that goes to `late` (to release it: a Response's
 * body is cancelled).
 */
export function unlessAborted(promise, signal, late = () => {}) {
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

/** Cancels a body nobody will read: a reader's stream, or a Response's body (never throws). */
export function discard(x) {
  try {
    const p = typeof x.cancel === 'function' ? x.cancel() : x.body && x.body.cancel();
    if (p && typeof p.catch === 'function') p.catch(() => {});
  } catch {
    // nothing to release
  }
}

// `performance.now()` where the platform has it (browsers, workers, Node 16+), else `Date.now()`.
const clock = typeof performance === 'object' && performance !== null && typeof performance.now === 'function'
  ? () => performance.now()
  : () => Date.now();

/**
 * Whole milliseconds on a clock that only moves forward (`performance.now()`): pacing,
 * retries, deadlines and elapsed times are intervals, and a wall clock set back or forward
 * moves none of them.
 */
export function now() {
  return Math.floor(clock());
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
 * What fires a deadline (src/js.rs): aborts `controller` (ours, or undefined) after `timeoutMs`
 * or when `outer` (the caller's signal, or undefined) aborts. `reason()` is 0 while neither
 * happened, 1 after the timeout, 2 after the outer abort. `clear()` must be called when the
 * deadline is no longer needed.
 */
export class Trigger {
  constructor(controller, timeoutMs, outer) {
    this.controller = controller;
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
    this.controller?.abort();
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
 * Calls fetch (`fetchFn`, an injected one, or the global one when it is undefined) and always
 * returns a Promise, even when the function throws or returns something that is not a Promise;
 * it rejects as soon as `signal` (ours) aborts, whether or not the function honours it. What it
 * resolves with is not trusted: src/js.rs reads it through the Response prototype.
 */
export function callFetch(fetchFn, url, init, signal, limit) {
  try {
    let p;
    if (fetchFn !== undefined) p = fetchFn(url, init);
    else if (typeof globalThis.fetch === 'function') p = globalThis.fetch(url, init);
    else return Promise.reject(new TypeError('no fetch function is available (Node 18 or later, or options.fetch)'));
    return unlessAborted(Promise.resolve(p).then((r) => adopt(r, limit)), signal, discard);
  } catch (e) {
    return Promise.reject(e);
  }
}

const NULL_BODY = [204, 205, 304];

/**
 * `r` when it is the platform's Response (or a subclass of it); a Response of another fetch
 * library (node-fetch, undici's npm package, a polyfill) rebuilt as the platform's from its
 * status, headers and `arrayBuffer()`, its body left out when its declared length is over
 * `limit` (src/js.rs then refuses it by that length). Anything else rejects.
 */
async function adopt(r, limit) {
  if (r instanceof Response) return r;
  const status = r.status;
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new TypeError('fetch returned something that is not a Response');
  }
  const headers = new Headers();
  const h = r.headers;
  if (h && typeof h.forEach === 'function') h.forEach((value, name) => headers.append(String(name), String(value)));
  const declared = Number(headers.get('content-length'));
  const body = NULL_BODY.includes(status) || declared > limit ? null : await r.arrayBuffer();
  return new Response(body, { status, headers });
}

/** Whether fetch can parse `s` as a URL (so that its error cannot quote it). */
export function parsesAsUrl(s) {
  try {
    new URL(s);
    return true;
  } catch {
    return false;
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

