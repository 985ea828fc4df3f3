// The server a scenario test runs against: the real AI Horde server when REAL_HORDE_URL is set
// (the conformance stage starts it: tests/realhorde/realhorde.mjs), else a simulator started
// here. The scenarios use only the API and the workers' prompt words (`faultme`, `slowme`),
// which both servers' workers understand, so the same assertions hold on both.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { startSimulator } from 'horde-sim';
import * as horde from 'horde-wasm';

export { horde };
export { rejection } from '../lib/rejection.mjs';
export { until } from '../lib/until.mjs';
export const TESTER = 'simtestkey000000000001';
export const LOW_CONCURRENCY = 'simtestkey000000000002';
export const POOR = 'simtestkey000000000003';
export const TRUSTED = 'simtestkey000000000004';
export const AGENT = 'horde-wasm-scenarios:0:tests';

let nextAddress = Math.floor(Math.random() * 50_000);

/**
 * Opens the target. `client(opts)` makes a client whose requests carry their own
 * X-Forwarded-For (both servers key rate limits on it), so each test has fresh windows, and
 * which records every answer's status in `client.statuses`.
 */
export async function openTarget() {
  const real = process.env.REAL_HORDE_URL;
  let sim = null;
  // One worker, as the real server's stage has.
  if (!real) sim = await startSimulator({ port: 0, speed: 10, seed: 11, quiet: true, workers: 1 });
  const pauseFile = process.env.REAL_HORDE_PAUSE_FILE;
  if (real && !pauseFile) throw new Error('REAL_HORDE_PAUSE_FILE must name the real worker\'s pause file');
  return {
    kind: real ? 'real' : 'sim',
    baseUrl: real || sim.baseUrl,
    client(opts = {}) {
      // 127.1.x.y: apart from the wire comparison's 127.0.0.x addresses.
      const address = `127.1.${Math.floor(nextAddress / 250)}.${(nextAddress++ % 250) + 1}`;
      const statuses = [];
      const c = new horde.HordeClient({
        baseUrl: real || sim.baseUrl,
        clientAgent: AGENT,
        apiKey: TESTER,
        fetch: async (url, init) => {
          const headers = new Headers(init.headers);
          headers.set('X-Forwarded-For', address);
          const r = await fetch(url, { ...init, headers });
          statuses.push(r.status);
          return r;
        },
        ...opts,
      });
      c.statuses = statuses;
      return c;
    },
    /** No worker takes new jobs until `resumeWorkers`. */
    pauseWorkers() {
      if (sim) sim.setConfig({ workers: 0 });
      else writeFileSync(pauseFile, '');
    },
    resumeWorkers() {
      if (sim) sim.setConfig({ workers: 1 });
      else if (existsSync(pauseFile)) rmSync(pauseFile);
    },
    async close() {
      this.resumeWorkers();
      await sim?.close();
    },
  };
}

