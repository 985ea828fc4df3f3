// Fixed-window rate limiting as flask-limiter 3 (limits library, fixed-window
// strategy) does it: a window opens at the first hit of a key and lasts the
// limit's period; every hit counts, even rejected ones. Runs on REAL time.

export const SECOND = 1000;
export const MINUTE = 60 * 1000;

export function limitText(amount, windowMs) {
  return windowMs === SECOND ? `${amount} per 1 second` : windowMs === MINUTE ? `${amount} per 1 minute` : `${amount} per ${windowMs / 1000} second`;
}

export class FixedWindowLimiter {
  constructor(now = () => Date.now()) { this.now = now; this.windows = new Map(); this.hits = 0; }

  reset() { this.windows.clear(); }

  // limits: [{ key, amount, windowMs }] sorted by window length; evaluation
  // stops at the first exceeded limit. Returns { ok, limit, headers, message }.
  check(limits) {
    const now = this.now();
    if (++this.hits % 5000 === 0) this.sweep(now);
    let shown = null;
    for (const lim of limits) {
      const storeKey = `${lim.key}/${lim.amount}/${lim.windowMs}`;
      let w = this.windows.get(storeKey);
      if (!w || w.expires <= now) { w = { count: 0, expires: now + lim.windowMs }; this.windows.set(storeKey, w); }
      w.count++;
      shown = { lim, w };
      if (w.count > lim.amount) {
        return { ok: false, message: limitText(lim.amount, lim.windowMs), headers: headersFor(lim, w, now) };
      }
    }
    return { ok: true, headers: shown ? headersFor(shown.lim, shown.w, now) : {} };
  }

  sweep(now) { for (const [k, w] of this.windows) if (w.expires <= now) this.windows.delete(k); }
}

// flask-limiter: reset = 1 + window expiry (epoch seconds); Retry-After =
// int(reset - now). Both are integers here.
function headersFor(lim, w, now) {
  const reset = 1 + Math.floor(w.expires / 1000);
  return {
    'X-RateLimit-Limit': String(lim.amount),
    'X-RateLimit-Remaining': String(Math.max(0, lim.amount - w.count)),
    'X-RateLimit-Reset': String(reset),
    'Retry-After': String(Math.max(0, Math.floor(reset - now / 1000))),
  };
}
