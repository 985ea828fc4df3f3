// Shared helpers of the benchmarks: paths, the build check, the simulator in a child process,
// statistics and markdown tables. Nothing here measures anything by itself.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';
import os from 'node:os';
import { SimControl } from 'horde-sim';
import { wasmCursor } from '../scripts/lib/wasm.mjs';

export const benchDir = dirname(fileURLToPath(import.meta.url));
export const root = dirname(benchDir);
export const resultsDir = join(benchDir, 'results');

/** A path relative to the repository root, for printing (never an absolute path). */
export const rel = (p) => relative(root, p) || '.';

export const AGENT = 'horde-wasm-bench:0:bench';
export const TEST_KEY = 'simtestkey000000000001';

const BUILD_FILES = ['pkg/node/horde_wasm.js', 'pkg/node/horde_wasm_bg.wasm', 'pkg/web/index.js', 'pkg/web/horde_wasm.js', 'pkg/web/horde_wasm_bg.wasm'];

/** Exits with "run npm run build first" when pkg/ is missing or incomplete. */
export function requireBuild() {
  const missing = BUILD_FILES.filter((f) => !existsSync(join(root, f)));
  if (missing.length) {
    console.error(`run npm run build first (missing: ${missing.join(', ')})`);
    process.exit(1);
  }
}

/** Command-line flags: `--name`, `--name value` and `--name=value`. */
export function flags(argv = process.argv.slice(2)) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) { out._.push(a); continue; }
    const eq = a.indexOf('=');
    if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--') && VALUE_FLAGS.has(a.slice(2))) out[a.slice(2)] = argv[++i];
    else out[a.slice(2)] = true;
  }
  return out;
}
const VALUE_FLAGS = new Set(['out', 'rounds', 'calls', 'samples', 'reps', 'speed', 'size', 'top']);

/** Where the run happened, for every figure. */
export function environment() {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    date: new Date().toISOString(),
    build: buildId(),
  };
}

/**
 * Which build was measured: the first 12 hex digits of the SHA-256 of each wasm, and when it was
 * written (pkg/ is rebuilt by `npm run build`; a figure belongs to one build).
 */
export function buildId() {
  const one = (f) => {
    const p = join(root, f);
    if (!existsSync(p)) return null;
    return { sha256: createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 12), mtime: statSync(p).mtime.toISOString() };
  };
  return { web: one('pkg/web/horde_wasm_bg.wasm'), node: one('pkg/node/horde_wasm_bg.wasm') };
}

/**
 * Starts the simulator as a separate Node process (so its work — building multi-megabyte JSON
 * bodies — does not run on the measured thread). Resolves once it printed its ready line.
 */
export async function spawnSim(args = []) {
  // The package's command, as `npx horde-sim` runs it.
  const child = spawn(process.execPath, [join(root, 'node_modules/.bin/horde-sim'), '--port', '0', '--quiet', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const baseUrl = await new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) { child.stdout.off('data', onData); resolve(m[1]); }
    };
    child.stdout.on('data', onData);
    child.on('exit', (code) => reject(new Error(`simulator exited with ${code}: ${err}`)));
  });
  const url = baseUrl.replace(/\/api$/, '');
  const control = new SimControl(url);
  return {
    baseUrl,
    url,
    pid: child.pid,
    control,
    stats: () => control.stats(),
    resetStats: () => control.resetStats(),
    jobs: () => control.jobs(),
    setConfig: (partial) => control.setConfig(partial),
    close: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/** Submits an image request with the test key and waits until the simulator has it done. */
export async function makeDoneJob(baseUrl, request, { timeoutMs = 120000 } = {}) {
  const r = await fetch(`${baseUrl}/v2/generate/async`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', apikey: TEST_KEY, 'Client-Agent': AGENT },
    body: JSON.stringify(request),
  });
  const submitted = await r.json();
  if (r.status !== 202) throw new Error(`submit failed: ${r.status} ${JSON.stringify(submitted)}`);
  const end = Date.now() + timeoutMs;
  for (;;) {
    const c = await (await fetch(`${baseUrl}/v2/generate/check/${submitted.id}`, { headers: { 'Client-Agent': AGENT } })).json();
    if (c.done) return submitted.id;
    if (Date.now() > end) throw new Error('job did not finish');
    await sleep(200);
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Linear-interpolated quantile of numbers (q in 0..1). */
export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** median, p25, p75, min, max, n. */
export function summary(xs) {
  return {
    n: xs.length,
    median: quantile(xs, 0.5),
    p25: quantile(xs, 0.25),
    p75: quantile(xs, 0.75),
    min: Math.min(...xs),
    max: Math.max(...xs),
  };
}

/**
 * 95 % bootstrap interval of the median (percentile method, deterministic resampling): how
 * precisely the median itself is known, as opposed to how spread the samples are.
 */
export function medianCI(xs, resamples = 2000) {
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const meds = [];
  for (let r = 0; r < resamples; r++) {
    const sample = Array.from({ length: xs.length }, () => xs[Math.floor(rand() * xs.length)]);
    meds.push(quantile(sample, 0.5));
  }
  return [quantile(meds, 0.025), quantile(meds, 0.975)];
}

export const ms = (x, digits = 1) => (Number.isFinite(x) ? `${x.toFixed(digits)} ms` : 'n/a');
export const fx = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
export const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
export const mib = (n) => `${(n / 1048576).toFixed(2)} MiB`;
export const bytes = (n) => `${n.toLocaleString('en-US')} B`;

/** A markdown table. */
export function table(headers, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map((r) => line(r.map(String)))].join('\n');
}

/** Prints a part's result: title, table(s), how it was produced, notes. */
export function printResult(res) {
  const out = [`## ${res.title}`, ''];
  for (const t of res.tables) {
    if (t.caption) out.push(t.caption, '');
    out.push(table(t.headers, t.rows), '');
  }
  if (res.produced) out.push(`How: ${res.produced}`, '');
  const b = res.raw?.env?.build;
  if (b) out.push(`Build: pkg/web wasm ${b.web?.sha256}, pkg/node wasm ${b.node?.sha256} (sha256 prefix); load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} at the end.`, '');
  for (const n of res.notes ?? []) out.push(`- ${n}`);
  if (res.notes?.length) out.push('');
  console.log(out.join('\n'));
}

/** Progress lines go to stderr, so stdout holds only the tables. */
export const progress = (...a) => console.error('  ·', ...a);

/** Runs a part module's `run()` when the file is executed directly; `--out FILE` saves JSON. */
export async function mainOf(meta, run) {
  if (!process.argv[1] || fileURLToPath(meta.url) !== process.argv[1]) return;
  const f = flags();
  requireBuild();
  const res = await run({ quick: !!f.quick, flags: f });
  printResult(res);
  if (f.out) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(f.out, JSON.stringify(res, null, 2));
  }
  if (res.exitCode) process.exitCode = res.exitCode;
}

/** Sizes of a wasm module's sections (code, data, …) and its function bodies, from its bytes. */
export function wasmSections(buf) {
  const NAMES = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount', 'tag'];
  const c = wasmCursor(buf);
  const sections = [];
  let functions = [];
  while (c.p < buf.length) {
    const id = buf[c.p++];
    const size = c.leb();
    const start = c.p;
    let name = NAMES[id] ?? `id ${id}`;
    if (id === 0) name = `custom "${c.str()}"`;
    if (id === 10) {
      for (let i = c.leb(); i > 0; i--) {
        const s = c.leb();
        functions.push(s);
        c.p += s;
      }
    }
    sections.push({ name, bytes: size });
    c.p = start + size;
  }
  functions = functions.sort((a, b) => b - a);
  return { sections, functionCount: functions.length, largestFunctions: functions.slice(0, 10) };
}
