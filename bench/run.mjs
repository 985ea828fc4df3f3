#!/usr/bin/env node
// Runs the benchmarks and prints a markdown table per figure; the raw numbers go to
// bench/results/latest.json (a partial run replaces only its own parts there).
//
//   node bench/run.mjs                      all parts (a few minutes)
//   node bench/run.mjs decode memory        only those parts
//   node bench/run.mjs --quick              fewer rounds/samples/calls (about two minutes)
//   node bench/run.mjs lifecycle --reps 4   other flags go on to the parts
//
// Parts: size, growth, decode, memory, startup, lifecycle. Each runs in its own Node process (so the
// module instance, the heap and V8 flags of one part do not affect another).
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { benchDir, resultsDir, root, requireBuild, flags, environment, table, ms, fx, mib, bytes } from './lib.mjs';

const PARTS = ['size', 'growth', 'decode', 'memory', 'startup', 'lifecycle'];

const f = flags();
const unknown = f._.filter((p) => !PARTS.includes(p));
if (unknown.length || f.help) {
  console.error(`usage: node bench/run.mjs [--quick] [--reps N] [${PARTS.join('|')} ...]${unknown.length ? `\nunknown part: ${unknown.join(', ')}` : ''}`);
  process.exit(unknown.length ? 2 : 0);
}
requireBuild();
// Other flags (--reps 4, --speed 8, …) go to the parts, each of which reads its own.
const passOn = Object.entries(f)
  .filter(([k]) => !['_', 'quick', 'help', 'out'].includes(k))
  .flatMap(([k, v]) => (v === true ? [`--${k}`] : [`--${k}`, String(v)]));
const parts = f._.length ? PARTS.filter((p) => f._.includes(p)) : PARTS;
mkdirSync(resultsDir, { recursive: true });

const env = environment();
console.log(`# horde-wasm benchmarks\n\nNode ${env.node} (V8 ${env.v8}), ${env.platform}, ${env.cores} × ${env.cpu}; load average at start ${loadavg()}; ${env.date}${f.quick ? '; --quick' : ''}\n`
  + `build measured: pkg/web wasm ${env.build.web?.sha256} (written ${env.build.web?.mtime}), pkg/node wasm ${env.build.node?.sha256} (written ${env.build.node?.mtime})\n`);

const t0 = Date.now();
const results = {};
let failed = false;
for (const part of parts) {
  const out = join(resultsDir, `.${part}.json`);
  rmSync(out, { force: true });
  const started = Date.now();
  const code = await new Promise((resolve) => {
    const args = [join(benchDir, `${part}.mjs`), '--out', out, ...(f.quick ? ['--quick'] : []), ...passOn];
    spawn(process.execPath, args, { cwd: root, stdio: 'inherit' }).on('exit', (c) => resolve(c));
  });
  if (!existsSync(out)) {
    console.error(`part ${part} failed (exit ${code})`);
    failed = true;
    continue;
  }
  results[part] = { ...JSON.parse(readFileSync(out, 'utf8')), seconds: (Date.now() - started) / 1000, loadavgAfter: loadavg() };
  const b = results[part].raw?.env?.build;
  if (b && JSON.stringify(b) !== JSON.stringify(env.build)) console.error(`warning: pkg/ changed during the run (part ${part} saw web ${b.web?.sha256}, node ${b.node?.sha256})`);
  rmSync(out, { force: true });
}

// Headline figures against their targets.
const rows = [];
const r = results;
if (r.decode) {
  const fmt = (x) => `${fx(x.median, 3)} (p25 ${fx(x.p25, 3)}, p75 ${fx(x.p75, 3)}; CI ${fx(x.ci95[0], 3)} – ${fx(x.ci95[1], 3)})`;
  const d = r.decode.raw;
  const ok = (x) => (x.median <= 1.15 ? 'met' : 'MISSED');
  rows.push(['decode: getImageStatus / fetch+json, http, per call', fmt(d.http.rounds.ratios.sdk), '≤ 1.15', ok(d.http.rounds.ratios.sdk)]);
  rows.push(['decode: same, http, back-to-back blocks', fmt(d.http.blocks.ratios.sdk), '(≤ 1.15)', ok(d.http.blocks.ratios.sdk)]);
  rows.push(['decode: same, in-memory fetch, per call', fmt(d.inMemory.rounds.ratios.sdk), '(≤ 1.15)', ok(d.inMemory.rounds.ratios.sdk)]);
  rows.push(['decode: same, in-memory fetch, back-to-back blocks', fmt(d.inMemory.blocks.ratios.sdk), '(≤ 1.15)', ok(d.inMemory.blocks.ratios.sdk)]);
  rows.push(['decode: ai_horde / fetch+json, http, per call', fx(d.http.rounds.ratios.ai_horde.median, 3), '—', '']);
}
if (r.memory) {
  const runs = r.memory.raw.runs;
  const peak = Math.max(...runs.map((x) => x.peak));
  const flat = runs.every((x) => x.memory[String(Math.min(100, x.calls))] === x.memory.last);
  const node = runs.filter((x) => x.build === 'node');
  const sameSize = node.every((x) => x.peak === node[0].peak);
  rows.push(['memory: wasm linear memory, largest reading', `${mib(peak)}; ${flat ? 'flat after 100 calls' : 'GROWS with calls'}; ${sameSize ? 'same for 512² and 1024²' : 'GROWS with image size'}`, '≤ 4 MiB, flat', peak <= 4 * 1048576 && flat && sameSize ? 'met' : 'MISSED']);
}
if (r.startup) {
  const s = r.startup.raw.summaries;
  rows.push(['start: Node, import → first heartbeat answer', `${ms(s.node.sdk.firstCallMs.median)} (plain fetch ${ms(s.node.fetch.firstCallMs.median)})`, '—', '']);
  if (s.chromium) rows.push(['start: Chromium, import → first heartbeat answer', `${ms(s.chromium.sdk.firstCallMs.median)} (plain fetch ${ms(s.chromium.fetch.firstCallMs.median)})`, '—', '']);
}
if (r.size) {
  const w = r.size.raw.web;
  rows.push(['size: pkg/web wasm + glue, gzip -9', `${bytes(w.total.gzip)} (ai_horde app: ${bytes(r.size.raw.aiApp.gzip)})`, `≤ ${bytes(r.size.raw.target)} (CI budget ${bytes(r.size.raw.budget)})`, w.total.gzip <= r.size.raw.target ? 'met' : 'MISSED']);
}
if (r.growth) {
  const g = r.growth.figures;
  const aim = r.growth.raw.aims;
  rows.push(['growth: one more endpoint (a row and a typed method), gzip', bytes(g.endpoint), `≤ ${bytes(aim.endpoint)}`, g.endpoint <= aim.endpoint ? 'met' : 'MISSED']);
  rows.push(['growth: one more 10-field model, gzip', bytes(g.model), `≤ ${bytes(aim.model)}`, g.model <= aim.model ? 'met' : 'MISSED']);
  rows.push(['growth: one model through serde-wasm-bindgen instead, gzip', bytes(g.serde), '—', '']);
}
if (r.lifecycle) {
  const L = r.lifecycle.raw.results;
  const d = (x) => `median ${ms(x.summary.median, 0)}, max ${ms(x.summary.max, 0)}; ${x.total429} × 429 in ${x.runs.length} run(s)`;
  rows.push(['lifecycle: done → result, generateImages', d(L.sdk), '—', '']);
  rows.push(['lifecycle: done → result, 4 s check loop', d(L.loop4s), '—', '']);
}
if (rows.length) {
  // Which build each figure measured (pkg/ may be rebuilt while the benchmarks run).
  const builds = new Set(Object.values(results).map((x) => x.raw?.env?.build?.web?.sha256));
  const partOf = (label) => label.split(':')[0].replace('start', 'startup');
  const withBuild = rows.map((row) => [...row, results[partOf(row[0])]?.raw?.env?.build?.web?.sha256 ?? '']);
  console.log(`## Summary\n\n${table(['figure', 'measured', 'target', '', 'build (wasm sha256)'], withBuild)}\n`);
  if (builds.size > 1) console.log('Note: pkg/ was rebuilt during the run; the figures above belong to different builds.\n');
}
console.log(`total ${((Date.now() - t0) / 1000).toFixed(0)} s`);

// Raw numbers: merge into latest.json so that a partial run keeps the other parts.
const latestPath = join(resultsDir, 'latest.json');
let latest = {};
try {
  latest = JSON.parse(readFileSync(latestPath, 'utf8'));
} catch {}
latest.parts = { ...(latest.parts ?? {}) };
for (const [k, v] of Object.entries(results)) latest.parts[k] = { ...v, quick: !!f.quick, env };
latest.updated = env.date;
writeFileSync(latestPath, JSON.stringify(latest, null, 2));
console.log(`raw numbers: bench/results/latest.json`);
if (failed) process.exitCode = 1;

function loadavg() {
  return os.loadavg().map((x) => x.toFixed(2)).join(' ');
}
