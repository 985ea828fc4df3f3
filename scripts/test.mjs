#!/usr/bin/env node
// `npm test`: every test of the project, in layers, after installing what the machine lacks.
//
//   lint      cargo fmt --check, cargo clippy -D warnings (native and wasm), cargo machete
//             (no declared dependency that nothing uses)
//   native    cargo test --workspace: models, validation, pacing, retries… (core/) natively
//             (no wasm), the root crate's native tests, and the derives of macros/
//   build     npm run build (pkg/)
//   sim       the simulator's own tests (node --test sim/test), imported from the horde-sim
//             package (sim/, an npm workspace) everywhere else
//   wasm-node / wasm-chrome / wasm-worker
//             wasm-bindgen-test against the simulator, in Node, headless Chromium and a
//             dedicated worker
//   js        node --test on the built package against the simulator (tests/js, tests/scenarios),
//             and the wire comparison's comparator (tests/conformance/compare.test.mjs)
//   conformance  the real AI Horde server on loopback (tests/realhorde): the scenario tests,
//             and a wire comparison of the same exchanges with the simulator
//   types     tsc --strict on a consumer of the package's declarations
//   pack      npm pack, installed in a fresh project: Node import and a Vite build in Chromium
//   simpkg    the horde-sim package (sim/): its three recipes (Vitest, Playwright, Python
//             horde_sdk), and npm pack of it installed in a fresh project (command, import, types)
//   reliability  faults, hostile input, security and a 100-job load test against the simulator
//   e2e, cli  the demo page in Chromium, and the command-line example
//   size      the bundle budget (bench/size.mjs --check)
//   fuzz      a short bounded fuzz run of the decoders and validators
//
// `npm test -- --only js,types` runs some stages; `--skip wasm-chrome` leaves some out.
// It ends with one line: "N passed, N failed" (and skipped, if any).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { root, ensureRust, ensureWasmBindgen, ensureCargoMachete, ensureNodeModules, ensureChromium } from './lib/ensure.mjs';
import { ensureHordeSdk } from './lib/python.mjs';
import { build } from './build.mjs';

// HORDE_TEST_SIM_PORT lets two checkouts run their tests at once.
const SIM_PORT = Number(process.env.HORDE_TEST_SIM_PORT) || 7199;
const SIM_URL = `http://127.0.0.1:${SIM_PORT}`;
const args = process.argv.slice(2);
const pick = (flag) => {
  const i = args.indexOf(flag);
  return i >= 0 && args[i + 1] ? new Set(args[i + 1].split(',')) : null;
};
const only = pick('--only');
const skip = pick('--skip') || new Set();
const wanted = (name) => (!only || only.has(name)) && !skip.has(name);

/** Runs a command, streaming its output, and counts the tests it reports. */
function run(cmd, cmdArgs, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, cmdArgs, { cwd: root, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const tee = (stream, sink) => stream.on('data', (d) => { out += d; sink.write(d); });
    tee(child.stdout, process.stdout);
    tee(child.stderr, process.stderr);
    child.on('error', (e) => resolve({ code: 127, out: out + e.message }));
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

/** Test counts in cargo's, wasm-bindgen-test's and node's test reports. */
function count(out) {
  let passed = 0, failed = 0, skipped = 0;
  for (const m of out.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/g)) {
    passed += +m[1]; failed += +m[2]; skipped += +m[3];
  }
  for (const m of out.matchAll(/^# pass (\d+)$/gm)) passed += +m[1];
  for (const m of out.matchAll(/^# fail (\d+)$/gm)) failed += +m[1];
  for (const m of out.matchAll(/^# (?:skipped|todo) (\d+)$/gm)) skipped += +m[1];
  for (const m of out.matchAll(/^# cancelled (\d+)$/gm)) failed += +m[1];
  return { passed, failed, skipped };
}

const results = [];
async function stage(name, fn) {
  if (!wanted(name)) return;
  console.log(`\n━━━ ${name} ━━━`);
  const t0 = Date.now();
  let r;
  try {
    r = await fn();
  } catch (e) {
    console.error(e.stack || e.message);
    r = { code: 1, out: '' };
  }
  const c = count(r.out || '');
  // A stage that failed without reporting a failed test still counts as one failure.
  if (r.code !== 0 && c.failed === 0) c.failed = 1;
  // A stage with no test report that succeeded (lint, build, tsc, size) counts as one check.
  if (r.code === 0 && c.passed === 0 && c.failed === 0) c.passed = 1;
  results.push({ name, ...c, ok: r.code === 0, s: (Date.now() - t0) / 1000 });
}

// WASM_BINDGEN_TEST_TIMEOUT: the browser runner gives a whole test binary 20 s by default, and
// the client tests (which wait out real rate-limit windows) come close to that on a loaded
// 2-core machine; a run cut short there fails with "might have timed out".
//
// CARGO_PROFILE_DEV_DEBUG=0: without debug info a test module is a few megabytes instead of
// over twenty, which the browser stages fetch from the runner's server and compile before the
// first test; a load that slow was seen to run past the timeout.
const wasmTest = (env) => run('cargo', ['test', '--target', 'wasm32-unknown-unknown'], {
  env: { HORDE_SIM_URL: SIM_URL, CHROMEDRIVER: '/usr/bin/chromedriver', WASM_BINDGEN_TEST_TIMEOUT: '120', CARGO_PROFILE_DEV_DEBUG: '0', ...env },
});

// The browser stages: Chromium with its background services off (tests/webdriver.json: no
// component updates, no model downloads, nothing that reaches for a host this machine cannot
// reach). A run in which the browser never reported a module's tests at all (the runner's
// "Failed to detect test as having been run", with no test failed) is run once more, and says
// so: it has been seen on this kind of machine with the same module passing before and after.
async function browserTest(env) {
  const withDriver = { WASM_BINDGEN_TEST_WEBDRIVER_JSON: join(root, 'tests/webdriver.json'), ...env };
  const r = await wasmTest(withDriver);
  const unreported = /Failed to detect test as having been run/.test(r.out) && !/test result: FAILED|\.\.\. FAIL/.test(r.out);
  if (r.code === 0 || !unreported) return r;
  console.log('\n» the browser never reported a test module\'s tests (see above); running the stage once more');
  return wasmTest(withDriver);
}

await stage('setup', async () => {
  await ensureRust();
  await ensureWasmBindgen();
  if (wanted('lint')) await ensureCargoMachete();
  await ensureNodeModules();
  if (['sim', 'wasm-chrome', 'wasm-worker', 'pack', 'e2e', 'simpkg'].some(wanted)) await ensureChromium();
  if (wanted('simpkg')) ensureHordeSdk((m) => console.log(`» ${m}`));
  return { code: 0, out: '' };
});
await stage('lint', async () => {
  for (const [cmd, a] of [
    ['cargo', ['fmt', '--all', '--check']],
    ['cargo', ['clippy', '--workspace', '--all-targets', '--quiet', '--', '-D', 'warnings']],
    ['cargo', ['clippy', '--workspace', '--all-targets', '--quiet', '--target', 'wasm32-unknown-unknown', '--', '-D', 'warnings']],
    // Every crate of the workspace (the root, core/ and macros/); target/ holds no sources of ours.
    ['cargo', ['machete', '--skip-target-dir']],
  ]) {
    const r = await run(cmd, a);
    if (r.code !== 0) return r;
  }
  return { code: 0, out: '' };
});
await stage('native', () => run('cargo', ['test', '--workspace']));
await stage('build', async () => {
  await build();
  return { code: 0, out: '' };
});
await stage('sim', () => run(process.execPath, ['--test', 'sim/test/']));

// One simulator serves the wasm tests (their URL is compiled in from HORDE_SIM_URL).
let sim;
if (['wasm-node', 'wasm-chrome', 'wasm-worker'].some(wanted)) {
  const { startSimulator } = await import('horde-sim');
  sim = await startSimulator({ port: SIM_PORT, speed: 20, quiet: true });
}
await stage('wasm-node', () => wasmTest({}));
await stage('wasm-chrome', () => browserTest({ WASM_BINDGEN_USE_BROWSER: '1' }));
await stage('wasm-worker', () => browserTest({ WASM_BINDGEN_USE_DEDICATED_WORKER: '1' }));
await sim?.close();

await stage('js', () => run(process.execPath, ['--test', 'tests/js/', 'tests/scenarios/', 'tests/conformance/compare.test.mjs']));
// The real AI Horde server (tests/realhorde/): the scenario tests again, and the same exchanges
// sent to it and to the simulator, compared. A server that cannot start fails the stage.
await stage('conformance', async () => {
  const { startRealHorde } = await import('../tests/realhorde/realhorde.mjs');
  const real = await startRealHorde();
  try {
    const r = await run(process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=300000', 'tests/scenarios/', 'tests/conformance/'], {
      env: { REAL_HORDE_URL: real.baseUrl, REAL_HORDE_PAUSE_FILE: real.pauseFile },
    });
    if (r.code !== 0) for (const name of ['server', 'worker']) console.error(`── the end of the real ${name}'s log ──\n${real.logTail(name)}`);
    return r;
  } finally {
    await real.stop();
  }
});
await stage('types', () => run(join(root, 'node_modules/.bin/tsc'), ['-p', 'tests/types']));
await stage('pack', () => run(process.execPath, ['--test', 'tests/pack/']));
await stage('simpkg', () => run(process.execPath, ['--test', 'tests/simpkg/']));
for (const [name, dir] of [['reliability', 'tests/reliability/'], ['e2e', 'tests/e2e/'], ['cli', 'tests/cli/']]) {
  if (existsSync(join(root, dir))) await stage(name, () => run(process.execPath, ['--test', dir]));
}
if (existsSync(join(root, 'bench/size.mjs'))) await stage('size', () => run(process.execPath, ['bench/size.mjs', '--check']));
if (existsSync(join(root, 'scripts/fuzz.mjs'))) await stage('fuzz', () => run(process.execPath, ['scripts/fuzz.mjs', '--short']));

console.log('\n━━━ summary ━━━');
for (const r of results) {
  console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(12)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed${r.skipped ? ` ${r.skipped} skipped` : ''}  (${r.s.toFixed(1)} s)`);
}
const total = results.reduce((a, r) => ({ passed: a.passed + r.passed, failed: a.failed + r.failed, skipped: a.skipped + r.skipped }), { passed: 0, failed: 0, skipped: 0 });
console.log(`${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
process.exit(total.failed === 0 && results.every((r) => r.ok) ? 0 : 1);
