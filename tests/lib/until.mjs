// Polling for the JavaScript test suites (js, scenarios, reliability, e2e, cli).

/** Resolves with `pred()`'s value once it is truthy, polling every `ms`; rejects after `timeout`. */
export async function until(pred, { timeout = 15000, ms = 50, what = 'condition' } = {}) {
  const end = performance.now() + timeout;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, ms));
  }
}
