// A TypeScript app's use of horde-sim, checked with tsc --strict against the package's
// declarations as installed from its tarball (pack.test.mjs).
import { startSimulator, SimControl, SimControlError, LOG_SIZE, USAGE } from 'horde-sim';
import type { SimulatorHandle, JobRow, FaultSpec, UserRow, LogEntry, SimConfig, SimStats, StartOptions } from 'horde-sim';

const options: StartOptions = { port: 0, speed: 20, seed: 1, rateLimits: 'off', workers: 2, imageKind: 'noise', keys: [{ apikey: 'k'.repeat(22), username: 'App', id: 9, kudos: 10 }] };
const sim: SimulatorHandle = await startSimulator(options);
const base: string = sim.baseUrl;
const control: SimControl = sim.control;
const other = new SimControl(sim.url, { fetch });

const jobs: JobRow[] = await control.jobs();
const one: JobRow | null = await control.job(jobs[0]?.id ?? 'none');
if (one) {
  const expired: JobRow = await control.expire(one.id);
  const ids: string[] = expired.images.map((i) => i.worker_name);
  await control.inject(one.id, 'stall');
  void ids;
}
const fault: FaultSpec = { fault: '429', path: '/generate/async', times: 2, retryAfter: 3 };
const faultId: string = await control.addFault(fault);
const remaining: number | null = (await control.faults())[0].remaining;
const user: UserRow = await control.setKudos('simtestkey000000000003', 5000);
const available: number = user.available_kudos;
const maybe: UserRow | null = await other.user('nope');
const log: LogEntry[] = await control.log(10);
const statuses: number[] = log.map((e) => e.status);
const cfg: SimConfig = await control.setConfig({ speed: 5, failureRate: 0.1 });
const stats: SimStats = await control.stats();
const inProcess: JobRow[] = sim.jobs();
const size: number = LOG_SIZE;
const usage: string = USAGE;
try { await control.inject('x', 'finish'); } catch (e) { if (e instanceof SimControlError) { const s: number = e.status; void s; } }
await sim.close();
void [base, faultId, remaining, available, maybe, statuses, cfg.speed, stats.byRoute, inProcess, size, usage];

// @ts-expect-error: not an event
await control.inject('x', 'explode');
// @ts-expect-error: not a fault
const bad: FaultSpec = { fault: '418' };
// @ts-expect-error: the seed cannot change at run time
await control.setConfig({ seed: 3 });
void bad;
