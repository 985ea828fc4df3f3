// Fixed-window rate limiting as flask-limiter 3 (limits library, fixed-window
// strategy, Redis storage) does it: a window opens at the first hit of a key
// and lasts the limit's period; every hit counts, even rejected ones. Runs on
// REAL time.

export const SECOND = 1000;
export const MINUTE = 60 * 1000;

export function limitText(amount, windowMs) {
  return windowMs === SECOND ? `${amount} per 1 second` : windowMs === MINUTE ? `${amount} per 1 minute` : `${amount} per ${windowMs / 1000} second`;
}

export class FixedWindowLimiter {
  // now: epoch ms with sub-millisecond precision, as Python's time.time()
  constructor(now = () => performance.timeOrigin + performance.now()) { this.now = now; this.windows = new Map(); this.hits = 0; }

  reset() { this.windows.clear(); }

  // limits: [{ key, amount, windowMs }] in flask-limiter's order (sorted by
  // window length, a stable sort of the decorators' order); evaluation stops
  // at the first exceeded limit, whose numbers the headers then show. When
  // none is exceeded the headers show the first limit (the shortest window).
  // Returns { ok, headers, message }.
  check(limits) {
    const now = this.now();
    if (++this.hits % 5000 === 0) this.sweep(now);
    let first = null;
    for (const lim of limits) {
      const storeKey = `${lim.key}/${lim.amount}/${lim.windowMs}`;
      let w = this.windows.get(storeKey);
      if (!w || w.expires <= now) { w = { count: 0, expires: now + lim.windowMs }; this.windows.set(storeKey, w); }
      w.count++;
      if (!first) first = { lim, w };
      if (w.count > lim.amount) {
        return { ok: false, message: limitText(lim.amount, lim.windowMs), headers: headersFor(lim, w, now) };
      }
    }
    return { ok: true, headers: first ? headersFor(first.lim, first.w, now) : {} };
  }

  sweep(now) { for (const [k, w] of this.windows) if (w.expires <= now) this.windows.delete(k); }
}

// The window's expiry as the limits library reads it from Redis: now + the
// key's TTL, which Redis reports in whole seconds rounded to the nearest
// ((ms + 500) / 1000). flask-limiter then sends reset = int(expiry + 1) and
// Retry-After = int(reset - now). So a 1 s window answers Retry-After 1 in
// its first half and 0 in its second; a 60 s window answers 60 at its start.
function headersFor(lim, w, now) {
  const ttl = Math.max(0, Math.floor((w.expires - now + 500) / 1000));
  const reset = Math.floor(now / 1000 + ttl + 1);
  return {
    'X-RateLimit-Limit': String(lim.amount),
    'X-RateLimit-Remaining': String(Math.max(0, lim.amount - w.count)),
    'X-RateLimit-Reset': String(reset),
    'Retry-After': String(Math.max(0, Math.floor(reset - now / 1000))),
  };
}
