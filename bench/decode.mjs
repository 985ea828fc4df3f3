// Figure 1 — decode speed of a large status body.
//
// `client.getImageStatus(id)` against plain `fetch` + `response.json()` of the same
// `GET /v2/generate/status/{id}` (4 base64 WebP images, r2: false, noise images), and the same
// call through @zeldafan0225/ai_horde, interleaved in one Node process. Two settings:
//   - http:   from the simulator (a separate process, rate limits off) over loopback;
//   - in-memory: the same body served by an in-memory `fetch` (a fresh `Response` per call),
//             which removes the server and the socket and leaves only what the client does.
// Two methods for each: "per call" — rounds of one call each, rotating order, a full garbage
// collection (untimed) before every call, so that no call pays for the garbage of the call
// before it — and "blocks" — rounds of N back-to-back calls of each contender with natural GC,
// which charges each contender for all the garbage it makes.
import v8 from 'node:v8';
import vm from 'node:vm';
import { AGENT, TEST_KEY, environment, spawnSim, makeDoneJob, summary, medianCI, ms, fx, mib, progress, mainOf } from './lib.mjs';

let horde;

export async function run({ quick = false, flags = {} } = {}) {
  horde = await import('horde-wasm');
  const { AIHorde } = await import('@zeldafan0225/ai_horde');
  const rounds = Number(flags.rounds ?? (quick ? 40 : 100));
  const warmup = quick ? 5 : 10;
  // Blocks over http cost ~60 ms a call; in memory ~15 ms.
  const blockPlan = { http: quick ? [4, 10] : [6, 15], 'in-memory': quick ? [4, 10] : [8, 20] };
  const size = Number(flags.size ?? 512);
  const sim = await spawnSim(['--speed', '50', '--seed', '1', '--rate-limits', 'off', '--image-kind', 'noise', '--lifetime', '1000000']);
  try {
    progress(`decode: simulator at ${sim.baseUrl}; generating 4 noise images of ${size}x${size}`);
    const id = await makeDoneJob(sim.baseUrl, { prompt: 'bench noise', r2: false, params: { n: 4, width: size, height: size } });
    const url = `${sim.baseUrl}/v2/generate/status/${id}`;
    const headers = { 'Client-Agent': AGENT };
    const bodyText = await (await fetch(url, { headers })).text();
    const bodyBytes = Buffer.byteLength(bodyText);
    const parsed = JSON.parse(bodyText);
    if (parsed.generations?.length !== 4) throw new Error('expected 4 generations in the status body');
    const imgChars = parsed.generations.reduce((n, g) => n + g.img.length, 0);

    // --- contenders over HTTP ---
    const client = new horde.HordeClient({ baseUrl: sim.baseUrl, apiKey: TEST_KEY, clientAgent: AGENT, pacing: false });
    const ai = new AIHorde({ api_route: `${sim.baseUrl}/v2`, client_agent: AGENT, default_token: TEST_KEY, cache: { generations_status: 0 } });
    const check = (s) => {
      if (s.generations.length !== 4 || s.generations[0].img.length !== parsed.generations[0].img.length) throw new Error('wrong status body');
    };
    const http = {
      fetch: async () => check(await (await fetch(url, { headers })).json()),
      sdk: async () => check(await client.getImageStatus(id)),
      ai_horde: async () => check(await ai.getImageGenerationStatus(id, { force: true })),
    };
    // --- the same body from an in-memory fetch ---
    // The headers a server sends, Content-Length included (as the simulator and the Horde do).
    const bodyHeaders = { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(bodyText)) };
    const memFetch = async () => new Response(bodyText, { status: 200, headers: bodyHeaders });
    const memClient = new horde.HordeClient({ baseUrl: sim.baseUrl, apiKey: TEST_KEY, clientAgent: AGENT, pacing: false, fetch: memFetch });
    const realFetch = globalThis.fetch;
    const mem = {
      fetch: async () => check(await (await memFetch(url)).json()),
      sdk: async () => check(await memClient.getImageStatus(id)),
      ai_horde: async () => {
        globalThis.fetch = memFetch; // ai_horde always calls the global fetch
        try {
          check(await ai.getImageGenerationStatus(id, { force: true }));
        } finally {
          globalThis.fetch = realFetch;
        }
      },
    };

    const res = {};
    for (const [setting, fns] of [['http', http], ['in-memory', mem]]) {
      const [blocks, perBlock] = blockPlan[setting];
      progress(`decode/${setting}: body ${bodyBytes} bytes; rounds: ${warmup} warm-up + ${rounds}; blocks: ${blocks} × ${perBlock} calls`);
      res[setting] = {
        rounds: await interleave(fns, rounds, warmup),
        blocks: await inBlocks(fns, blocks, perBlock),
      };
    }

    const env = environment();
    const LABEL = {
      fetch: 'fetch + response.json()',
      sdk: 'horde-wasm getImageStatus',
      ai_horde: '@zeldafan0225/ai_horde getImageGenerationStatus',
    };
    const rows = [];
    for (const setting of ['http', 'in-memory']) {
      for (const method of ['rounds', 'blocks']) {
        const r = res[setting][method];
        for (const name of ['fetch', 'sdk', 'ai_horde']) {
          const t = r.times[name];
          const ratio = name === 'fetch' ? null : r.ratios[name];
          rows.push([
            setting, method === 'rounds' ? 'per call (GC forced between calls)' : 'back-to-back blocks (natural GC)',
            LABEL[name],
            ms(t.median, 2), `${ms(t.p25, 2)} – ${ms(t.p75, 2)}`,
            ratio ? `**${fx(ratio.median, 3)}** (${fx(ratio.p25, 3)} – ${fx(ratio.p75, 3)})` : '1',
            ratio ? `${fx(ratio.ci95[0], 3)} – ${fx(ratio.ci95[1], 3)}` : '—',
            ratio ? fx(r.ratioOfMedians[name], 3) : '1',
          ]);
        }
      }
    }
    const head = res.http.rounds.ratios.sdk;
    const all = ['http', 'in-memory'].flatMap((s) => ['rounds', 'blocks'].map((m) => [s, m, res[s][m].ratios.sdk]));
    return {
      id: 'decode',
      title: `Decode speed: status body with 4 base64 WebP images (${mib(bodyBytes)})`,
      tables: [{
        headers: ['setting', 'method', 'call', 'median time / call', 'p25 – p75', 'ratio to fetch: median (p25 – p75)', '95 % CI of that median', 'ratio of medians'],
        rows,
      }],
      produced: `Node ${env.node} (${env.platform}, ${env.cores} cores), one process; body ${bodyBytes.toLocaleString('en-US')} bytes `
        + `(${imgChars.toLocaleString('en-US')} base64 characters in 4 images of ${size}x${size}, r2: false, imageKind noise); `
        + `"http": from the simulator in a separate process (rate limits off) over loopback; "in-memory": the same body from an in-memory fetch (a new Response per call; no server, no socket). `
        + `SDK client with pacing: false; ai_horde with its cache off and force: true. `
        + `"per call": ${warmup} warm-up rounds, then ${rounds} rounds, each calling the three in a rotating order (ABC, BCA, CAB, …) with a full GC (untimed) before every call; `
        + `the ratio is a call's time over the plain fetch's time in the same round. "blocks": ${blockPlan.http[0]} (http) / ${blockPlan['in-memory'][0]} (in-memory) rounds of ${blockPlan.http[1]} / ${blockPlan['in-memory'][1]} back-to-back calls of each contender (rotating order, no forced GC), `
        + `time per call of each block; the ratio is over the fetch block of the same round — this one charges each contender for all the garbage it makes. `
        + `95 % CI: bootstrap of the median (2,000 resamples).`,
      notes: [
        `Target: horde-wasm / fetch ≤ 1.15 (http, per call, median per-round ratio): ${fx(head.median, 3)} (95 % CI ${fx(head.ci95[0], 3)} – ${fx(head.ci95[1], 3)}) — ${head.median <= 1.15 ? 'met' : 'MISSED'}. `
          + `All four measures: ${all.map(([s, m, x]) => `${s}/${m} ${fx(x.median, 3)}${x.median <= 1.15 ? '' : ' (above 1.15)'}`).join(', ')}.`,
        `Over http most of each call is the simulator building and sending the ${mib(bodyBytes)} body, which dilutes the ratio; the in-memory rows show the client's own cost.`,
      ],
      raw: { env, bodyBytes, imgChars, size, rounds, warmup, blockPlan, http: res.http, inMemory: res['in-memory'] },
    };
  } finally {
    await sim.close();
  }
}

v8.setFlagsFromString('--expose-gc');
const GC = vm.runInNewContext('gc');

/** Calls every contender once per round, rotating the order; returns times and per-round ratios. */
async function interleave(fns, rounds, warmup) {
  const names = Object.keys(fns);
  for (let i = 0; i < warmup; i++) for (const n of names) await fns[n]();
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const n = names[(r + k) % names.length];
      GC();
      const t0 = performance.now();
      await fns[n]();
      samples[n].push(performance.now() - t0);
    }
  }
  return compare(names, samples);
}

/** Rounds of `perBlock` back-to-back calls per contender (rotating order, natural GC). */
async function inBlocks(fns, blocks, perBlock) {
  const names = Object.keys(fns);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  GC();
  for (let b = 0; b < blocks; b++) {
    for (let k = 0; k < names.length; k++) {
      const n = names[(b + k) % names.length];
      const t0 = performance.now();
      for (let i = 0; i < perBlock; i++) await fns[n]();
      samples[n].push((performance.now() - t0) / perBlock);
    }
  }
  return compare(names, samples);
}

/** Medians per contender, and each one's per-round ratio to plain fetch. */
function compare(names, samples) {
  const times = Object.fromEntries(names.map((n) => [n, summary(samples[n])]));
  const ratios = {};
  const ratioOfMedians = {};
  for (const n of names.filter((x) => x !== 'fetch')) {
    const rs = samples[n].map((t, i) => t / samples.fetch[i]);
    ratios[n] = { ...summary(rs), ci95: medianCI(rs) };
    ratioOfMedians[n] = times[n].median / times.fetch.median;
  }
  return { times, ratios, ratioOfMedians, samples };
}

await mainOf(import.meta, run);
