// Figure 5 — job lifecycle: requests per job, 429s, and how long after a job is done the caller
// has its result.
//
// The same fixed set of jobs, all started at once, runs through
//   (a) horde-wasm `generateImages` (one client shared by all jobs, default pacing), and
//   (b) a fixed 4-second check loop written with plain fetch, as horde_sdk does it: POST
//       /generate/async, then GET /generate/check at once and every 4 s until `done`, then GET
//       /generate/status once. A 429 is retried after its Retry-After (at least 1 s).
// Each approach gets its own simulator (same seed and config, rate limits ON), so request
// counts and 429s are attributable. The done time of a job is the simulator's
// `stats().doneAt[id]`; the caller has the result when `generateImages` resolves / the final
// status answer is parsed.
import { AGENT, TEST_KEY, environment, spawnSim, summary, sleep, ms, fx, progress, mainOf } from './lib.mjs';


/** 12 jobs: n = 1..2, sizes from 512x512 to 768x768 (a few seconds each at --speed 4). */
export const JOBS = [
  [512, 512, 1], [512, 768, 2], [768, 512, 1], [640, 640, 2],
  [512, 512, 2], [768, 768, 1], [576, 832, 1], [512, 512, 1],
  [832, 576, 2], [704, 704, 1], [512, 640, 2], [640, 512, 1],
];

const request = ([width, height, n], i) => ({
  prompt: `bench lifecycle job ${i}`,
  models: ['stable_diffusion'],
  params: { width, height, n, steps: 30 },
});

let horde;

export async function run({ quick = false, flags = {} } = {}) {
  horde = await import('horde-wasm');
  const speed = Number(flags.speed ?? (quick ? 8 : 4));
  const jobs = quick ? JOBS.slice(0, 6) : JOBS;
  const reps = Number(flags.reps ?? (quick ? 1 : 2));
  const seeds = Array.from({ length: reps }, (_, r) => 5 + r);
  const ROUTES = ['POST /v2/generate/async', 'GET /v2/generate/check', 'GET /v2/generate/status'];
  const results = { sdk: { runs: [] }, loop4s: { runs: [] } };
  for (const seed of seeds) {
    // Same seed and config for both approaches within a repetition; a fresh simulator each.
    for (const [name, fn] of [['sdk', viaSdk], ['loop4s', viaLoop]]) {
      const sim = await spawnSim(['--speed', String(speed), '--seed', String(seed), '--workers', '4', '--rate-limits', 'on']);
      try {
        progress(`lifecycle/${name}: ${jobs.length} jobs at --speed ${speed}, seed ${seed}`);
        const t0 = Date.now();
        const out = await fn(sim.baseUrl, jobs);
        const wallMs = Date.now() - t0;
        const stats = await sim.stats();
        const delays = out.map((o) => {
          const doneAt = stats.doneAt[o.id];
          if (!doneAt) throw new Error(`no doneAt for ${o.id}`);
          return o.haveAt - doneAt;
        });
        results[name].runs.push({
          seed, wallMs, delays, clientStats: out.clientStats,
          byRoute: Object.fromEntries(ROUTES.map((k) => [k, stats.byRoute[k] ?? 0])),
          r429: stats.byStatus['429'] ?? 0,
          stats,
        });
      } finally {
        await sim.close();
      }
    }
  }
  const env = environment();
  const n = jobs.length * reps;
  const rows = Object.entries(results).map(([name, r]) => {
    const delays = r.runs.flatMap((x) => x.delays);
    const d = summary(delays);
    const by = (k) => r.runs.reduce((s, x) => s + x.byRoute[k], 0);
    const total = ROUTES.reduce((s, k) => s + by(k), 0);
    r.delays = delays;
    r.summary = d;
    r.total429 = r.runs.reduce((s, x) => s + x.r429, 0);
    return [
      name === 'sdk' ? 'horde-wasm generateImages' : 'fixed 4 s check loop (plain fetch)',
      fx(total / n, 2),
      ...ROUTES.map((k) => fx(by(k) / n, 2)),
      `${r.total429}${reps > 1 ? ` (${r.runs.map((x) => x.r429).join(' + ')})` : ''}`,
      ms(d.median, 0), `${ms(d.p25, 0)} – ${ms(d.p75, 0)}`, ms(d.max, 0),
      r.runs.map((x) => `${(x.wallMs / 1000).toFixed(1)} s`).join(', '),
    ];
  });
  return {
    id: 'lifecycle',
    title: `Lifecycle: ${jobs.length} jobs started at once, rate limits on${reps > 1 ? ` (${reps} runs)` : ''}`,
    tables: [{
      headers: ['approach', 'requests / job', 'submit / job', 'check / job', 'status / job', '429s (per run)', 'done → result: median', 'p25 – p75', 'max', 'wall time per run'],
      rows,
    }],
    produced: `Node ${env.node}; ${reps} run(s) (simulator seeds ${seeds.join(', ')}), each approach on a fresh simulator (separate process, --speed ${speed} --workers 4, rate limits on, the run's seed); `
      + `${jobs.length} jobs per run (${jobs.map(([w, h, k]) => `${w}x${h}×${k}`).join(', ')}; stable_diffusion, 30 steps, key Tester#1), all started at the same moment; `
      + `per-job figures over all ${n} jobs; requests counted by the simulator (byRoute, byStatus; 429s included); "done → result" = time the caller has the final status − the simulator's doneAt for the job. `
      + `The SDK shares one HordeClient (default pacing) between the jobs; the loop checks at once after the submit, then every 4 s, then reads the status once, and retries a 429 after Retry-After (at least 1 s), for up to 2 minutes.`,
    notes: [
      `SDK client stats per run: ${results.sdk.runs.map((x) => JSON.stringify(x.clientStats)).join(', ')}.`,
    ],
    raw: { env, speed, reps, seeds, jobs, results },
  };
}

async function viaSdk(baseUrl, jobs) {
  const client = new horde.HordeClient({ baseUrl, apiKey: TEST_KEY, clientAgent: AGENT });
  const out = await Promise.all(jobs.map(async (job, i) => {
    let id;
    const status = await client.generateImages(request(job, i), { onSubmitted: (s) => { id = s.id; } });
    const haveAt = Date.now();
    if (status.generations.length !== job[2]) throw new Error(`job ${i}: ${status.generations.length} images, expected ${job[2]}`);
    return { id, haveAt };
  }));
  out.clientStats = { ...client.stats };
  return out;
}

async function viaLoop(baseUrl, jobs) {
  const call = async (method, path, body) => {
    const giveUp = Date.now() + 120000;
    for (;;) {
      const r = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { 'Client-Agent': AGENT, ...(body ? { 'Content-Type': 'application/json', apikey: TEST_KEY } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const json = await r.json();
      if (r.status === 429 && Date.now() < giveUp) {
        await sleep(1000 * Math.max(1, Number(r.headers.get('retry-after') ?? 1)));
        continue;
      }
      if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
      return json;
    }
  };
  return Promise.all(jobs.map(async (job, i) => {
    // The same body the SDK sends for this request (its documented defaults made explicit).
    const body = {
      ...request(job, i),
      nsfw: false, censor_nsfw: true, validated_backends: true,
      params: { ...request(job, i).params, cfg_scale: 7.5, karras: true },
    };
    const { id } = await call('POST', '/v2/generate/async', body);
    for (;;) {
      const c = await call('GET', `/v2/generate/check/${id}`);
      if (c.done) break;
      await sleep(4000);
    }
    const status = await call('GET', `/v2/generate/status/${id}`);
    const haveAt = Date.now();
    if (status.generations.length !== job[2]) throw new Error(`job ${i}: ${status.generations.length} images`);
    return { id, haveAt };
  }));
}

await mainOf(import.meta, run);
