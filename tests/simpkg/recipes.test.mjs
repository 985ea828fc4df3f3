// The three recipes of sim/README.md, run as an app developer runs them: the Vitest test, the
// Playwright test, and the Python horde_sdk script with AI_HORDE_URL pointing at a simulator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { startSimulator } from 'horde-sim';
import { ensureHordeSdk } from '../../scripts/lib/python.mjs';

const root = new URL('../../', import.meta.url).pathname;
const recipes = join(root, 'sim/recipes');
const run = async (cmd, args, opts = {}) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(cmd, args, { cwd: root, encoding: 'utf8', timeout: 240000, maxBuffer: 16 << 20, ...opts });
    return { status: 0, stdout, stderr };
  } catch (e) {
    return { status: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(e) };
  }
};

test('the Vitest recipe passes', async () => {
  const r = await run(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', 'sim/recipes/vitest.test.mjs'], { env: { ...process.env, NO_COLOR: '1', CI: '1' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /Tests\s+3 passed \(3\)/);
});

test('the Playwright recipe passes', async () => {
  // A child of a node test run reports to its parent unless told otherwise: this one prints TAP.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const r = await run(process.execPath, ['--test', '--test-reporter=tap', join(recipes, 'playwright.test.mjs')], { env });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^# pass 2$/m);
  assert.match(r.stdout, /^# fail 0$/m);
});

test('the Python horde_sdk recipe passes', async () => {
  const venv = ensureHordeSdk((m) => console.error(`[horde_sdk] ${m}`));
  const sim = await startSimulator({ port: 0, speed: 20 });
  try {
    const r = await run(join(venv, 'bin/python'), [join(recipes, 'horde_sdk_recipe.py')], {
      cwd: recipes,
      env: { ...process.env, AI_HORDE_URL: `${sim.baseUrl}/` },
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^job [0-9a-f-]{36}: 2 images of 640x384$/m);
    const [job] = await sim.control.jobs();
    assert.equal(job.apikey_user, 'Tester#1');
    assert.equal(job.n, 2);
  } finally {
    await sim.close();
  }
});
