// Figure 2 — WebAssembly linear memory after many large status calls.
//
// Each measurement runs in a fresh Node process (a fresh module instance), which reads
// `memory.buffer.byteLength` of the SDK's WebAssembly instance at start (instantiated, before
// any client exists), after 1, 10, 100 and 1,000 `getImageStatus` calls on a status body with 4
// base64 WebP images. Two image sizes show whether memory follows the image size.
//
// Reaching the memory: the Node build exports `wasmMemoryBytes()`, the size of its linear
// memory. The cross-check uses the web build's API instead: `initSync()` of
// pkg/web/horde_wasm.js returns the module's exports, `memory` among them.
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { AGENT, TEST_KEY, root, environment, spawnSim, makeDoneJob, mib, bytes, progress, mainOf, flags as parseFlags } from './lib.mjs';

const CHECKPOINTS = [1, 10, 100, 1000];

export async function run({ quick = false } = {}) {
  // 1,000 calls on the 4 MiB body; the 16 MiB body (1024x1024) costs ~4x more per call, so it
  // gets 300 (enough to see whether memory follows the image size).
  const plan = quick ? [[512, 300], [1024, 100]] : [[512, 1000], [1024, 300]];
  const sizes = plan.map(([s]) => s);
  const sim = await spawnSim(['--speed', '50', '--seed', '2', '--rate-limits', 'off', '--image-kind', 'noise', '--lifetime', '1000000']);
  const runs = [];
  try {
    const jobs = {};
    for (const size of sizes) {
      progress(`memory: generating 4 noise images of ${size}x${size}`);
      jobs[size] = await makeDoneJob(sim.baseUrl, { prompt: `bench memory ${size}`, r2: false, params: { n: 4, width: size, height: size } });
    }
    for (const [size, calls] of plan) {
      progress(`memory: node build, ${size}x${size}, ${calls} calls (in-memory fetch)`);
      runs.push(await child({ build: 'node', size, calls, fetchMode: 'in-memory', baseUrl: sim.baseUrl, id: jobs[size] }));
    }
    progress('memory: web build (initSync) in Node, 512x512, 100 calls over HTTP (cross-check)');
    runs.push(await child({ build: 'web', size: 512, calls: 100, fetchMode: 'http', baseUrl: sim.baseUrl, id: jobs[512] }));
  } finally {
    await sim.close();
  }
  const env = environment();
  const cell = (r, k) => (r.memory[k] === undefined ? '—' : mib(r.memory[k]));
  const rows = runs.map((r) => [
    r.build === 'node' ? 'pkg/node (wasmMemoryBytes())' : 'pkg/web initSync (in Node)',
    `${r.size}x${r.size}`, bytes(r.bodyBytes), r.fetchMode, r.calls.toLocaleString('en-US'),
    cell(r, 'start'), cell(r, 'client'), ...CHECKPOINTS.map((c) => cell(r, String(c))), cell(r, 'last'),
    `${r.msPerCall.toFixed(1)} ms`,
  ]);
  const maxEnd = Math.max(...runs.map((r) => r.peak));
  const primary = runs.filter((r) => r.build === 'node');
  const growsWithCalls = runs.some((r) => r.memory[String(Math.min(100, r.calls))] !== r.memory.last);
  const growsWithSize = primary.length === 2 && primary[1].peak > primary[0].peak;
  return {
    id: 'memory',
    title: 'WebAssembly linear memory after repeated large getImageStatus calls',
    tables: [{
      headers: ['build / access', 'images', 'body', 'fetch', 'calls', 'at start', 'after new HordeClient', ...CHECKPOINTS.map((c) => `after ${c.toLocaleString('en-US')}`), 'after the last call', 'time per call'],
      rows,
    }],
    produced: `Node ${env.node} (${env.platform}, ${env.cores} cores); a fresh process per row; 4 images per status body (r2: false, imageKind noise); `
      + `"in-memory" fetch = the body fetched once from the simulator, then served by an in-memory fetch (a new Response per call; the SDK's path from the Response on is the same as over HTTP), `
      + `"http" = real requests to the simulator (rate limits off). Client with pacing: false. Memory = memory.buffer.byteLength (pages × 64 KiB), read after every call (linear memory never shrinks, so the reading after the last call is the peak).`,
    notes: [
      `Target ≤ 4 MiB and flat: largest reading ${mib(maxEnd)} — ${maxEnd <= 4 * 1048576 ? 'within 4 MiB' : 'ABOVE 4 MiB'}; `
        + `${growsWithCalls ? 'GROWS after 100 calls' : 'no growth after the first 100 calls'}; `
        + `${growsWithSize ? `GROWS with image size (${mib(primary[0].peak)} → ${mib(primary[1].peak)})` : 'same at both image sizes'}.`,
    ],
    raw: { env, plan, runs },
  };
}

function child(args) {
  return new Promise((resolve, reject) => {
    const argv = [fileURLToPath(import.meta.url), '--child', ...Object.entries(args).flatMap(([k, v]) => [`--${k}=${v}`])];
    const p = spawn(process.execPath, argv, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`memory child failed (${code})`));
      resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

/** One measurement, in its own process. */
async function childMain(f) {
  const size = Number(f.size);
  const calls = Number(f.calls);
  let horde;
  let memory;
  let read;
  if (f.build === 'node') {
    horde = await import(pathToFileURL(join(root, 'pkg/node/horde_wasm.js')).href);
    read = () => horde.wasmMemoryBytes();
  } else {
    horde = await import(pathToFileURL(join(root, 'pkg/web/horde_wasm.js')).href);
    const exportsOut = horde.initSync({ module: readFileSync(join(root, 'pkg/web/horde_wasm_bg.wasm')) });
    memory = exportsOut.memory;
    read = () => memory.buffer.byteLength;
  }
  const mem = { start: read() };
  const url = `${f.baseUrl}/v2/generate/status/${f.id}`;
  const bodyText = await (await fetch(url, { headers: { 'Client-Agent': AGENT } })).text();
  // The headers a server sends, Content-Length included (as the simulator and the Horde do).
    const bodyHeaders = { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(bodyText)) };
    const memFetch = async () => new Response(bodyText, { status: 200, headers: bodyHeaders });
  const client = new horde.HordeClient({
    baseUrl: f.baseUrl, apiKey: TEST_KEY, clientAgent: AGENT, pacing: false,
    ...(f.fetchMode === 'in-memory' ? { fetch: memFetch } : {}),
  });
  mem.client = read();
  let peak = 0;
  const t0 = performance.now();
  for (let i = 1; i <= calls; i++) {
    const s = await client.getImageStatus(f.id);
    if (s.generations.length !== 4) throw new Error('expected 4 generations');
    const now = read();
    if (now > peak) peak = now;
    if (CHECKPOINTS.includes(i)) mem[String(i)] = now;
    if (i === calls) mem.last = now;
  }
  const msPerCall = (performance.now() - t0) / calls;
  console.log(JSON.stringify({ build: f.build, size, calls, fetchMode: f.fetchMode, bodyBytes: Buffer.byteLength(bodyText), memory: mem, peak, msPerCall }));
}

const f = parseFlags();
if (f.child) await childMain(f);
else await mainOf(import.meta, run);
