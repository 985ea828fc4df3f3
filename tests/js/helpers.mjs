// Shared helpers of the JS tests: a simulator per test file, clients, and small utilities.
import { startSimulator } from '../../sim/server.mjs';
import * as horde from 'horde-wasm';

export { horde };

export const TEST_KEY = 'simtestkey000000000001';
export const AGENT = 'horde-wasm-tests:0:tests';

/** Starts a simulator for this file; `after` closes it. */
export async function startSim(t, opts = {}) {
  const sim = await startSimulator({ port: 0, speed: 50, seed: 7, quiet: true, ...opts });
  return sim;
}

/** A client for the simulator. */
export function client(sim, opts = {}) {
  return new horde.HordeClient({ baseUrl: sim.baseUrl, clientAgent: AGENT, apiKey: TEST_KEY, ...opts });
}

/** Resolves when `pred()` is truthy, polling every `ms`; rejects after `timeout`. */
export async function until(pred, { timeout = 15000, ms = 50, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, ms));
  }
}

/** The rejection of a promise (fails the test if it resolves). */
export async function rejection(p) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** Waits until no job of the simulator is active (nothing waiting or processing). */
export async function nothingRunning(sim, timeout = 15000) {
  return until(() => sim.jobs().every((j) => !j.active), { timeout, what: 'no job left running' });
}

/** Number of 429 answers the simulator gave. */
export function count429(sim) {
  return sim.stats().byStatus?.['429'] ?? 0;
}

/** Width and height of a WebP (VP8L, VP8 or VP8X) from its header. */
export function webpSize(bytes) {
  const b = Buffer.from(bytes);
  if (b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WEBP') throw new Error('not a WebP');
  const chunk = b.toString('ascii', 12, 16);
  if (chunk === 'VP8L') {
    const bits = b.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 };
  if (chunk === 'VP8 ') return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  throw new Error(`unknown WebP chunk ${chunk}`);
}
