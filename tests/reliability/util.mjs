// Shared helpers of the reliability tests (issue 7): a simulator, clients, a recording fetch,
// a watch on unhandled rejections, and the result table each file prints at the end.
import { startSimulator } from 'horde-sim';
import * as horde from 'horde-wasm';

export { horde, startSimulator };
import { until, rejection } from '../js/helpers.mjs';

export { until, rejection };

export const TEST_KEY = 'simtestkey000000000001';
export const AGENT = 'horde-wasm-reliability:0:tests';

/** A simulator on a free port (real rate limits unless told otherwise). */
export function startSim(opts = {}) {
  return startSimulator({ port: 0, speed: 50, seed: 11, quiet: true, ...opts });
}

/** A client for the simulator. */
export function client(sim, opts = {}) {
  return new horde.HordeClient({ baseUrl: sim.baseUrl, clientAgent: AGENT, apiKey: TEST_KEY, ...opts });
}

/**
 * A fetch that records every call (`url`, `method`, `headers`, `redirect`, `body`) and then
 * answers with `answer(url, init)` if given, else the real fetch.
 */
export function recordingFetch(answer) {
  const calls = [];
  const f = async (url, init = {}) => {
    calls.push({ url: String(url), method: init.method, headers: { ...(init.headers || {}) }, redirect: init.redirect, body: init.body });
    return answer ? answer(url, init) : fetch(url, init);
  };
  f.calls = calls;
  return f;
}

/** What a promise settled to: `{ ok: true, value }` or `{ ok: false, error }`. */
export async function settle(p) {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Waits (bounded) until no job of the simulator is active (rejects after `timeout`). */
export async function idle(sim, timeout = 20000) {
  await until(() => sim.jobs().every((j) => !j.active), { timeout, what: 'no job left running' });
}

/** Collects unhandled rejections and uncaught exceptions of this process. */
export function watchProcess() {
  const seen = [];
  const onRejection = (reason) => seen.push({ kind: 'unhandledRejection', reason });
  const onException = (error) => seen.push({ kind: 'uncaughtException', reason: error });
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  seen.stop = () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
  return seen;
}

/** `name` of an outcome: the resolved value or the error class with its key fields. */
export function describe(outcome) {
  if (outcome.ok) return 'resolved';
  const e = outcome.error;
  if (!(e instanceof horde.HordeError)) return `UNTYPED ${e?.name}: ${e?.message}`;
  const bits = [];
  if (e.status !== undefined) bits.push(`status ${e.status}`);
  if (e.rc !== undefined) bits.push(`rc ${e.rc}`);
  if (e.fieldPath !== undefined) bits.push(`fieldPath ${e.fieldPath}`);
  if (e.retryAfterMs !== undefined) bits.push(`retryAfterMs ${e.retryAfterMs}`);
  if (e.timeoutMs !== undefined) bits.push(`timeoutMs ${e.timeoutMs}`);
  if (e.jobId !== undefined) bits.push('jobId');
  if (e.partial !== undefined) bits.push('partial');
  if (e.cancelError !== undefined) bits.push(`cancelError ${e.cancelError.name}`);
  return `${e.name}${bits.length ? ` (${bits.join(', ')})` : ''}`;
}

/** A table of scenario → outcome, printed as aligned plain text. */
export class Table {
  constructor(title) {
    this.title = title;
    this.rows = [];
  }
  add(scenario, outcome, ms, note = '') {
    this.rows.push([scenario, outcome, `${Math.round(ms)} ms`, note]);
  }
  print() {
    const head = ['scenario', 'outcome', 'time', 'note'];
    const all = [head, ...this.rows];
    const w = head.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
    const line = (r) => r.map((c, i) => String(c).padEnd(w[i])).join(' | ').trimEnd();
    const out = [`\n${this.title}`, line(head), w.map((n) => '-'.repeat(n)).join('-|-'), ...this.rows.map(line)];
    console.log(out.join('\n'));
  }
}
