// bench/floor.mjs measures the bundle without the SDK's asynchronous half by compiling it out
// of a copy of src/lib.rs. This keeps that patch in step with lib.rs, so the benchmark cannot
// rot silently when a module is renamed or added.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ASYNC_MODULES, floorLib } from '../../bench/floor.mjs';

const lib = readFileSync(new URL('../../src/lib.rs', import.meta.url), 'utf8');

test('the floor compiles out exactly the asynchronous modules and adds its own', () => {
  const patched = floorLib(lib);
  for (const m of ASYNC_MODULES) {
    assert.match(patched, new RegExp(`#\\[cfg\\(any\\(\\)\\)\\]\\n(pub )?mod ${m};`), m);
  }
  // Every other wasm-only module stays.
  const kept = (s) => [...s.matchAll(/#\[cfg\(target_arch = "wasm32"\)\]\n(?:pub )?mod (\w+);/g)].map((x) => x[1]);
  assert.deepEqual(kept(patched), [...kept(lib).filter((m) => !ASYNC_MODULES.includes(m)), 'floor']);
  assert.equal(patched.split('\n').length, lib.split('\n').length + 3); // a blank line, the cfg, the mod
});

test('the floor refuses a lib.rs it does not recognise', () => {
  assert.throws(() => floorLib(lib.replace('mod lifecycle;', 'mod life_cycle;')), /no wasm-only `mod lifecycle;`/);
});

test('the floor crate compiles (bench/floor/floor.rs against today\'s modules)', { timeout: 600_000 }, async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { spawnSync } = await import('node:child_process');
  const { writeFloorCrate } = await import('../../bench/floor.mjs');
  const root = new URL('../../', import.meta.url).pathname;
  const dir = mkdtempSync(join(tmpdir(), 'horde-wasm-floor-check-'));
  try {
    writeFloorCrate(dir);
    // A target dir of its own under target/ (ignored by git), kept between runs.
    const r = spawnSync('cargo', ['check', '--quiet', '--target', 'wasm32-unknown-unknown'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, CARGO_TARGET_DIR: join(process.env.CARGO_TARGET_DIR || join(root, 'target'), 'floor-check'), RUSTFLAGS: '-A dead_code' },
    });
    assert.equal(r.status, 0, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
