// Shared helpers of the JS tests: a simulator per test file, clients, and small utilities.
import { startSimulator } from 'horde-sim';
import * as horde from 'horde-wasm';

import { until } from '../lib/until.mjs';

export { until };
export { rejection } from '../lib/rejection.mjs';
export { webpSize } from '../lib/webp.mjs';

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


/** Waits until no job of the simulator is active (nothing waiting or processing). */
export async function nothingRunning(sim, timeout = 15000) {
  return until(() => sim.jobs().every((j) => !j.active), { timeout, what: 'no job left running' });
}

/** Number of 429 answers the simulator gave. */
export function count429(sim) {
  return sim.stats().byStatus?.['429'] ?? 0;
}

