// The command line example (examples/generate.mjs) as a child process against an in-process
// simulator:  node --test tests/cli/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator } from 'horde-sim';
import { until } from '../lib/until.mjs';
import { webpSize } from '../lib/webp.mjs';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CLI = join(ROOT, 'examples/generate.mjs');
const TEST_KEY = 'simtestkey000000000001';

if (!existsSync(join(ROOT, 'pkg/node/horde_wasm.js'))) throw new Error('pkg/node is missing: run npm run build first');

/** Runs the CLI; resolves { code, signal, stdout, stderr } once it exits. `onStdout` sees output as it comes. */
function run(args, { onStdout, env } = {}) {
  const childEnv = { ...process.env, ...env };
  delete childEnv.AI_HORDE_API_KEY;
  if (env && env.AI_HORDE_API_KEY) childEnv.AI_HORDE_API_KEY = env.AI_HORDE_API_KEY;
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => {
    stdout += d;
    onStdout?.(stdout, child);
  });
  child.stderr.setEncoding('utf8').on('data', (d) => {
    stderr += d;
  });
  const done = new Promise((ok) => child.on('close', (code, signal) => ok({ code, signal, stdout, stderr })));
  return { child, done };
}

test('writes <generation id>.webp files of the requested size and prints their paths', async () => {
  const sim = await startSimulator({ port: 0, speed: 20, quiet: true, seed: 3 });
  const out = await mkdtemp(join(tmpdir(), 'horde-cli-'));
  try {
    const { done } = run(['a lighthouse at dusk', '--n', '2', '--size', '320x192', '--steps', '20', '--seed', '42',
      '--negative', 'blurry', '--out', out, '--horde-url', sim.baseUrl, '--api-key', TEST_KEY]);
    const { code, stdout, stderr } = await done;
    assert.equal(code, 0, `exit code 0 (stderr: ${stderr})`);
    assert.equal(stderr, '');
    // stdout is a pipe here: plain lines, no carriage returns or escape codes.
    assert.doesNotMatch(stdout, /[\r\x1b]/);
    assert.match(stdout, /^done: 2 images written to /m);

    const [row] = sim.jobs();
    assert.equal(row.width, 320);
    assert.equal(row.height, 192);
    assert.equal(row.steps, 20);
    assert.equal(row.n, 2);
    const ids = row.images.filter((i) => i.state === 'done').map((i) => i.id).sort();
    assert.equal(ids.length, 2);
    assert.deepEqual(row.images.map((i) => i.seed).sort(), ['42', '42']);

    const files = (await readdir(out)).sort();
    assert.deepEqual(files, ids.map((id) => `${id}.webp`), 'one <generation id>.webp per image');
    for (const file of files) {
      const path = join(out, file);
      assert.ok(stdout.split('\n').includes(path), `the path ${basename(path)} is printed on a line of its own`);
      assert.deepEqual(webpSize(await readFile(path)), { width: 320, height: 192 });
    }
  } finally {
    await rm(out, { recursive: true, force: true });
    await sim.close();
  }
});

test('Ctrl-C cancels the job on the server, writes the finished images and exits 130', async () => {
  // One worker and 1024x1024 images: one image per batch, about 3 s each at speed 8.
  const sim = await startSimulator({ port: 0, speed: 8, quiet: true, workers: 1, seed: 4 });
  const out = await mkdtemp(join(tmpdir(), 'horde-cli-'));
  try {
    const { child, done } = run(['four paper boats', '--n', '4', '--size', '1024x1024', '--out', out,
      '--horde-url', sim.baseUrl], { env: { AI_HORDE_API_KEY: TEST_KEY } });
    // Running, with one image finished on the server and the next one in progress.
    await until(() => sim.jobs()[0]?.finished >= 1, { timeout: 20_000, what: 'the first image to finish' });
    const jobId = sim.jobs()[0].id;
    assert.equal(sim.job(jobId).cancelled, false);
    child.kill('SIGINT');

    const { code, stdout, stderr } = await done;
    assert.equal(code, 130, `exit code 130 (stderr: ${stderr})`);
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    assert.match(stdout, /cancelling the job on the Horde/);
    assert.match(stdout, new RegExp(`cancelled job ${jobId} on the Horde: [123] of 4 images written`));

    const row = sim.job(jobId);
    assert.equal(row.cancelled, true, 'the simulator saw the cancel');
    assert.ok(row.images.length < 4, 'the last image never started');
    const files = await readdir(out);
    assert.ok(files.length >= 1, 'the finished image was written');
    for (const file of files) {
      assert.ok(row.images.some((i) => `${i.id}.webp` === file && i.state === 'done'));
      assert.deepEqual(webpSize(await readFile(join(out, file))), { width: 1024, height: 1024 });
    }
  } finally {
    await rm(out, { recursive: true, force: true });
    await sim.close();
  }
});

test('expected errors: plain words, exit code 1, no stack trace', async () => {
  const sim = await startSimulator({ port: 0, speed: 20, quiet: true });
  try {
    const cases = [
      [['a cat', '--horde-url', sim.baseUrl, '--api-key', 'notarealkey000'], /does not accept this API key/],
      [['a cat', '--horde-url', sim.baseUrl, '--size', '500x512'], /--size: params\.width must be a multiple of 64/],
      [['a cat', '--horde-url', sim.baseUrl, '--n', 'two'], /--n must be a whole number/],
      [['a cat', '--horde-url', 'http://127.0.0.1:9/api'], /no answer from the Horde at http:\/\/127\.0\.0\.1:9\/api/],
      [['a cat', '--horde-url', 'http://example.com/api'], /--horde-url: must use https:\/\//],
      [['--n', '2'], /a prompt is required/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args).done));
    results.forEach(({ code, stderr }, i) => {
      assert.equal(code, 1, `exit code 1 for ${cases[i][0].join(' ')}`);
      assert.match(stderr, cases[i][1]);
      assert.match(stderr, /^error: /);
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    });
    assert.equal(sim.jobs().length, 0, 'no job was created');

    const help = await run(['--help']).done;
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--horde-url http:\/\/127\.0\.0\.1:7001\/api/);
  } finally {
    await sim.close();
  }
});
