// horde-sim as an app gets it: `npm pack` of sim/, installed into a fresh project, then the
// command (`npx horde-sim`), an ESM import of startSimulator and SimControl, and tsc --strict on
// a TypeScript consumer of its declarations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync, rmSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
const run = async (cmd, args, opts) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(cmd, args, { encoding: 'utf8', timeout: 60000, ...opts });
    return { status: 0, stdout, stderr };
  } catch (e) {
    return { status: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(e) };
  }
};
let dir, files;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'horde-sim-pack-'));
  const info = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: join(root, 'sim'), encoding: 'utf8' }))[0];
  files = info.files.map((f) => f.path);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  // No dependencies: nothing to fetch from the registry.
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', join(dir, info.filename)], { cwd: dir, stdio: 'pipe' });
});

after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

test('the tarball holds the server, its entry and declarations, the README, and no tests or recipes', () => {
  for (const f of ['package.json', 'README.md', 'index.mjs', 'index.d.ts', 'server.mjs', 'control.mjs', 'state.mjs', 'input-schema.json']) {
    assert.ok(files.includes(f), `${f} is in the package`);
  }
  assert.ok(!files.some((f) => /^(test|recipes|images)\//.test(f)), files.join('\n'));
  const pkg = JSON.parse(readFileSync(join(dir, 'node_modules/horde-sim/package.json'), 'utf8'));
  assert.equal(pkg.dependencies, undefined);
  assert.equal(pkg.license, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).license);
});

test('npx horde-sim --help, and horde-sim --port 0 prints one ready line and serves the API', async () => {
  const help = await run('npx', ['--no-install', 'horde-sim', '--help'], { cwd: dir });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Usage: horde-sim \[options\]/);
  // The command npx runs, started directly so that its pid is the server's.
  const child = spawn(join(dir, 'node_modules/.bin/horde-sim'), ['--port', '0', '--speed', '20', '--quiet'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const line = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => { out += d; if (out.includes('\n')) resolve(out); });
      child.on('exit', (code) => reject(new Error(`exited with ${code}`)));
      setTimeout(() => reject(new Error('no ready line within 20 s')), 20000).unref();
    });
    const m = /^horde-sim listening on (http:\/\/127\.0\.0\.1:\d+\/api) \(speed 20, seed random, rate limits on\)\n$/.exec(line);
    assert.ok(m, line);
    const hb = await (await fetch(`${m[1]}/v2/status/heartbeat`)).json();
    assert.equal(hb.message, 'OK');
  } finally {
    const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  }
});

test('an ESM app imports startSimulator and SimControl and drives the simulator', async () => {
  const script = `
    import { startSimulator, SimControl } from 'horde-sim';
    const sim = await startSimulator({ port: 0, speed: 20 });
    const control = new SimControl(sim.baseUrl);
    await control.setKudos('simtestkey000000000003', 777);
    const user = await (await fetch(sim.baseUrl + '/v2/find_user', { headers: { apikey: 'simtestkey000000000003' } })).json();
    const log = await control.log();
    await sim.close();
    console.log(JSON.stringify({ kudos: user.kudos, logged: log.map((e) => e.path) }));`;
  const r = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { kudos: 777, logged: ['/api/v2/find_user'] });
});

test('tsc --strict accepts a TypeScript consumer of the installed declarations', async () => {
  copyFileSync(join(root, 'tests/simpkg/consumer.ts'), join(dir, 'consumer.ts'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022', 'dom'], types: [], skipLibCheck: false },
    files: ['consumer.ts'],
  }));
  const r = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
