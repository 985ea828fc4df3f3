// A scenario run in a process of its own, for the fault tests whose outcome may take minutes
// (the parent kills this process at its deadline, timers and all). Prints one JSON line:
// { scenario, settled, error, cancelError, msAfterAbort, stalledMs }: times on the monotonic
// clock; `stalledMs` is how long, after the abort, this process's timers ran late by more than
// 100 ms at a time while it was not running (a machine too busy to run it, or paused), which no
// client code can shorten.
//
//   node tests/reliability/probe.mjs cancel-429     abort a job while every DELETE answers 429
//   node tests/reliability/probe.mjs cancel-hang    abort a job while every DELETE hangs
import { startSim, client, describe, settle } from './util.mjs';

const scenario = process.argv[2];
const deleteFaults = {
  // A rate-limit 429 without Retry-After (what a browser always sees: the Horde exposes no
  // headers to CORS).
  'cancel-429': { fault: '429' },
  // A server that accepts the DELETE and never answers.
  'cancel-hang': { fault: 'slow', delayMs: 600_000 },
};
if (!deleteFaults[scenario]) {
  console.error(`unknown scenario ${scenario}`);
  process.exit(2);
}

const sim = await startSim({ seed: 3 });
sim.setConfig({ workers: 0 }); // the job waits in the queue until cancelled
sim.addFault({ method: 'DELETE', path: '/v2/generate/status/', times: 0, ...deleteFaults[scenario] });
const c = client(sim);
const ac = new AbortController();
let abortedAt = 0;
// A 50 ms ticker: a gap beyond 150 ms, less the CPU time this process used in it (so that
// code of its own that blocks the event loop is not excused), is time it could not run.
let stalledMs = 0;
let tick = performance.now();
let cpu = process.cpuUsage();
const ticker = setInterval(() => {
  const t = performance.now();
  const used = process.cpuUsage(cpu);
  if (abortedAt) stalledMs += Math.max(0, t - tick - 150 - (used.user + used.system) / 1000);
  tick = t;
  cpu = process.cpuUsage();
}, 50);
const outcome = await settle(c.generateImages({ prompt: 'cancel me' }, {
  signal: ac.signal,
  onProgress: () => {
    if (!abortedAt) {
      abortedAt = performance.now();
      ac.abort();
    }
  },
}));
const result = {
  scenario,
  settled: describe(outcome),
  cancelError: outcome.error?.cancelError?.message,
  msAfterAbort: Math.round(performance.now() - abortedAt),
  stalledMs: Math.round(stalledMs),
};
clearInterval(ticker);
console.log(JSON.stringify(result));
await sim.close();
process.exit(0);
