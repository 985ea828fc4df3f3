// `node sim/server.mjs`: ready line, flags, --help, clean shutdown on signals,
// and importing the module starts nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from './helpers.mjs';

const SERVER = fileURLToPath(new URL('../server.mjs', import.meta.url));
const READY_RE = /^horde-sim listening on http:\/\/127\.0\.0\.1:(\d+)\/api \(speed ([\d.]+), seed (\d+|random), rate limits (on|off)\)$/;

function launch(args) {
  const child = spawn(process.execPath, [SERVER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve(line);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before ready: ${err}`)));
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, out, err })));
  return { child, ready, exited, output: () => out };
}

for (const signal of ['SIGTERM', 'SIGINT']) {
  test(`CLI: prints exactly one ready line, serves the API, stops with exit code 0 on ${signal}`, async () => {
    const p = launch(['--port', '0', '--speed', '5', '--seed', '3', '--rate-limits', 'off', '--quiet', '--workers', '2', '--lifetime', '60', '--r2-expiry', '30', '--failure-rate', '0', '--image-kind', 'noise']);
    const line = await p.ready;
    const m = READY_RE.exec(line);
    assert.ok(m, line);
    assert.equal(m[2], '5');
    assert.equal(m[3], '3');
    assert.equal(m[4], 'off');
    const base = `http://127.0.0.1:${m[1]}`;
    const hb = await request(`${base}/api/v2/status/heartbeat`);
    assert.equal(hb.status, 200);
    const cfg = JSON.parse((await request(`${base}/__sim/config`)).text);
    assert.deepEqual(cfg, { speed: 5, seed: 3, rateLimits: false, lifetimeSeconds: 60, r2ExpirySeconds: 30, failureRate: 0, imageKind: 'noise', workers: 2 });
    const sub = await request(`${base}/api/v2/generate/async`, {
      method: 'POST', headers: { apikey: '0000000000', 'Content-Type': 'application/json' }, body: { prompt: 'a cat' },
    });
    assert.equal(sub.status, 202);
    p.child.kill(signal);
    const res = await p.exited;
    assert.equal(res.code, 0, res.err);
    assert.equal(res.out.trim().split('\n').length, 1, 'exactly one line on stdout');
  });
}

test('CLI: defaults in the ready line (random seed, rate limits on, speed 1)', async () => {
  const p = launch(['--port', '0', '--quiet']);
  const m = READY_RE.exec(await p.ready);
  assert.ok(m);
  assert.deepEqual([m[2], m[3], m[4]], ['1', 'random', 'on']);
  p.child.kill('SIGTERM');
  assert.equal((await p.exited).code, 0);
});

test('CLI: --keys FILE adds registered keys', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'horde-sim-keys-'));
  try {
    const file = join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify([{ apikey: 'custom-key-0000000000a', username: 'Custom', id: 77, kudos: 42, concurrency: 5 }]));
    const p = launch(['--port=0', '--quiet', `--keys=${file}`]);
    const m = READY_RE.exec(await p.ready);
    const r = await request(`http://127.0.0.1:${m[1]}/api/v2/find_user`, { headers: { apikey: 'custom-key-0000000000a' } });
    assert.equal(JSON.parse(r.text).username, 'Custom#77');
    const t = await request(`http://127.0.0.1:${m[1]}/api/v2/find_user`, { headers: { apikey: 'simtestkey000000000001' } });
    assert.equal(JSON.parse(t.text).username, 'Tester#1', 'built-in keys stay');
    p.child.kill('SIGTERM');
    assert.equal((await p.exited).code, 0);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('CLI: --help lists every flag; bad flags exit 2', () => {
  const h = spawnSync(process.execPath, [SERVER, '--help'], { encoding: 'utf8' });
  assert.equal(h.status, 0);
  for (const flag of ['--port', '--speed', '--seed', '--rate-limits', '--lifetime', '--r2-expiry', '--workers', '--failure-rate', '--keys', '--image-kind', '--quiet']) {
    assert.ok(h.stdout.includes(flag), flag);
  }
  const bad = spawnSync(process.execPath, [SERVER, '--bogus'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown option --bogus/);
  const badVal = spawnSync(process.execPath, [SERVER, '--rate-limits', 'maybe'], { encoding: 'utf8' });
  assert.equal(badVal.status, 2);
});

test('importing sim/server.mjs starts nothing', () => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e',
    `const m = await import(${JSON.stringify(new URL('../server.mjs', import.meta.url).href)}); console.log(typeof m.startSimulator);`], { encoding: 'utf8', timeout: 10000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'function');
});
