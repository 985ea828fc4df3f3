// The npm package as a user gets it: `npm pack`, installed into a fresh project, then imported
// in Node and bundled by Vite and run in Chromium, against the simulator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync, readdirSync, rmSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, extname } from 'node:path';
import { startSimulator } from 'horde-sim';

const root = new URL('../../', import.meta.url).pathname;
// The simulator runs in this process: children must not block its event loop.
const run = async (cmd, args, opts) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(cmd, args, { encoding: 'utf8', ...opts });
    return { status: 0, stdout, stderr };
  } catch (e) {
    return { status: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(e) };
  }
};
let sim, dir, tarball;

before(async () => {
  sim = await startSimulator({ port: 0, speed: 50, quiet: true });
  dir = mkdtempSync(join(tmpdir(), 'horde-wasm-pack-'));
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: root, encoding: 'utf8' });
  const info = JSON.parse(out)[0];
  tarball = join(dir, info.filename);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: dir, stdio: 'pipe' });
});

after(async () => {
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the tarball holds the builds and the README, and nothing else of the repo', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: root, encoding: 'utf8' });
  const files = JSON.parse(out)[0].files.map((f) => f.path);
  for (const f of ['package.json', 'README.md', 'pkg/web/index.js', 'pkg/web/horde_wasm_bg.wasm', 'pkg/web/horde_wasm.d.ts',
    'pkg/node/horde_wasm.js', 'pkg/node/horde_wasm_bg.wasm', 'pkg/bundler/horde_wasm.js']) {
    assert.ok(files.includes(f), `${f} is in the package`);
  }
  assert.ok(files.every((f) => f === 'package.json' || f === 'README.md' || f.startsWith('pkg/')), files.join('\n'));
  assert.ok(!files.some((f) => f.endsWith('_bg.wasm.d.ts')));
});

test('a fresh Node project imports it and talks to the simulator', async () => {
  const script = `
    import { HordeClient, HordeNotFoundError } from 'horde-wasm';
    const c = new HordeClient({ baseUrl: ${JSON.stringify(sim.baseUrl)}, clientAgent: 'pack-test:0:tests' });
    const hb = await c.heartbeat();
    let name = '';
    try { await c.getImageStatus('00000000-0000-4000-8000-000000000000'); } catch (e) { name = e instanceof HordeNotFoundError ? e.name : 'wrong ' + e; }
    console.log(JSON.stringify({ hb: hb.message, name }));`;
  const r = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), { hb: 'OK', name: 'HordeNotFoundError' });
  // require() works too on Node versions that can require ES modules.
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 12) || (major === 20 && minor >= 19)) {
    const req = await run(process.execPath, ['-e', "const m = require('horde-wasm'); console.log(typeof m.HordeClient)"], { cwd: dir });
    assert.equal(req.stdout.trim(), 'function', req.stderr);
  }
});

test('a Vite build bundles it, and the bundle runs in Chromium', async () => {
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>t</title><pre id="out">…</pre><script type="module" src="/main.js"></script>');
  writeFileSync(join(dir, 'main.js'), `
    import { HordeClient, HordeNotFoundError, HordeError } from 'horde-wasm';
    const c = new HordeClient({ baseUrl: new URLSearchParams(location.search).get('horde'), clientAgent: 'vite-test:0:tests' });
    const out = document.getElementById('out');
    try {
      const h = await c.heartbeat();
      let caught = 'nothing';
      try { await c.getImageStatus('00000000-0000-4000-8000-000000000000'); } catch (e) {
        caught = (e instanceof HordeNotFoundError && e instanceof HordeError && e instanceof Error) ? e.name : 'wrong class ' + e;
      }
      out.textContent = 'heartbeat ' + h.message + ', ' + caught;
    } catch (e) {
      out.textContent = 'error ' + e.name + ' ' + e.message;
    }`);
  const vite = join(root, 'node_modules/vite/bin/vite.js');
  const b = await run(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: dir });
  assert.equal(b.status, 0, b.stderr + b.stdout);
  const assets = readdirSync(join(dir, 'dist/assets'));
  assert.ok(assets.some((f) => f.endsWith('.wasm')), `the wasm is emitted as an asset: ${assets}`);

  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const file = join(dir, 'dist', path === '/' ? 'index.html' : path);
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'Content-Type': types[extname(file)] || 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/?horde=${encodeURIComponent(sim.baseUrl)}`);
    await page.waitForFunction(() => document.getElementById('out').textContent !== '…', null, { timeout: 15000 });
    assert.equal(await page.textContent('#out'), 'heartbeat OK, HordeNotFoundError');
  } finally {
    await browser.close();
    server.close();
  }
});
