// scripts/lib/python.mjs makes each cached virtualenv under a lock, so that two test runs that
// need the same venv at once do not both build it in the same folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withLock } from '../../scripts/lib/python.mjs';

const lib = new URL('../../scripts/lib/python.mjs', import.meta.url).href;

/** Runs `n` processes that each hold the lock on `target` for `ms` and log when. */
function contenders(target, log, n, ms) {
  const code = `
    import { withLock } from ${JSON.stringify(lib)};
    import { appendFileSync } from 'node:fs';
    withLock(${JSON.stringify(target)}, () => {
      appendFileSync(${JSON.stringify(log)}, 'in ' + Date.now() + '\\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${ms});
      appendFileSync(${JSON.stringify(log)}, 'out ' + Date.now() + '\\n');
    });`;
  return Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: 'inherit' });
    p.on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`exit ${c}`))));
  })));
}

test('processes holding the same lock take turns', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'venv-lock-'));
  try {
    const log = join(dir, 'log');
    await contenders(join(dir, 'venv'), log, 3, 300);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    assert.equal(lines.length, 6);
    // in, out, in, out…: never two inside at once.
    assert.deepEqual(lines.map((l) => l.split(' ')[0]), ['in', 'out', 'in', 'out', 'in', 'out']);
    assert.equal(existsSync(join(dir, 'venv.lock')), false, 'the lock is released');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a lock whose owner is gone is taken over, and the lock is released after a throw', () => {
  const dir = mkdtempSync(join(tmpdir(), 'venv-lock-'));
  try {
    const target = join(dir, 'venv');
    mkdirSync(`${target}.lock`);
    // No process has this pid (above the kernel's pid_max).
    writeFileSync(join(`${target}.lock`, 'pid'), '4194305');
    assert.equal(withLock(target, () => 42), 42);
    assert.throws(() => withLock(target, () => { throw new Error('boom'); }), /boom/);
    assert.equal(existsSync(`${target}.lock`), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
