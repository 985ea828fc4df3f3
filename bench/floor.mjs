#!/usr/bin/env node
// The floor of the bundle: `node bench/floor.mjs` (after `npm run build`; about 70 s).
//
// How small the web build would be if the asynchronous half of the SDK were JavaScript. That
// half is the fetch loop, the lifecycle, the submit guard, downloads and the `HordeClient`
// class. Rust would keep only the synchronous core, which bench/floor/floor.rs exports: models
// and converters, validation, decoding, the status module, the request classes, errors,
// settings, pacing, retry and cadence decisions.
//
// It copies the crate (Cargo and npm files, src/, core/, macros/, js/, scripts/) into a scratch
// directory. There it compiles out client, download, guard, lifecycle and transport, and adds
// floor.rs. Then it runs the project's own build (scripts/build.mjs) and measures the web build
// the same way as `node bench/size.mjs --check`. It prints that floor beside this checkout's
// build and the 50 KB target (what the target leaves over the floor is the budget of a
// JavaScript asynchronous half), then where the floor's bytes go, as bench/breakdown.mjs does
// for the SDK.
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { root, table, bytes, requireBuild } from './lib.mjs';
import { must } from '../scripts/lib/sh.mjs';
import { webBuildSize, TARGET } from './size.mjs';
import { functionsOf, groupOf } from './breakdown.mjs';
import { bindAndOptimise } from '../scripts/build.mjs';

/** The modules the floor compiles out: the asynchronous half. */
export const ASYNC_MODULES = ['client', 'download', 'guard', 'lifecycle', 'service', 'transport'];

/** lib.rs with the asynchronous modules compiled out and the floor's exports added. */
export function floorLib(lib) {
  let out = lib;
  for (const m of ASYNC_MODULES) {
    const re = new RegExp(`#\\[cfg\\(target_arch = "wasm32"\\)\\]\\n(pub )?mod ${m};`);
    if (!re.test(out)) throw new Error(`src/lib.rs: no wasm-only \`mod ${m};\` to compile out (bench/floor.mjs needs updating)`);
    out = out.replace(re, (decl) => decl.replace('target_arch = "wasm32"', 'any()'));
  }
  return `${out}\n#[cfg(target_arch = "wasm32")]\nmod floor;\n`;
}

/**
 * A scratch copy of the crate (and of what its build needs) in `dir`, with the floor's lib.rs
 * and floor.rs: `cargo` and `node scripts/build.mjs` run there as in the checkout.
 */
export function writeFloorCrate(dir) {
  for (const p of ['Cargo.toml', 'Cargo.lock', 'package.json', 'package-lock.json', 'src', 'core', 'macros', 'js', 'scripts']) {
    cpSync(join(root, p), join(dir, p), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  const lib = join(dir, 'src/lib.rs');
  writeFileSync(lib, floorLib(readFileSync(lib, 'utf8')));
  cpSync(join(root, 'bench/floor/floor.rs'), join(dir, 'src/floor.rs'));
}

async function main() {
  requireBuild();
  const scratch = mkdtempSync(join(os.tmpdir(), 'horde-wasm-floor-'));
  try {
    writeFloorCrate(scratch);
    console.error('building the floor (the synchronous core only)…');
    await must('node', ['scripts/build.mjs'], {
      cwd: scratch,
      env: { ...process.env, CARGO_TARGET_DIR: join(scratch, 'target'), RUSTFLAGS: `${process.env.RUSTFLAGS ?? ''} -A dead_code`.trim() },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const sdk = webBuildSize();
    const floor = webBuildSize(join(scratch, 'pkg/web'));
    const row = (name, w) => [name, bytes(w.wasm.gzip), bytes(w.glue.gzip), bytes(w.total.gzip)];
    console.log('# the floor of the bundle (web build, gzip -9 per file, summed)\n');
    console.log(table(['build', 'wasm', 'JS glue', 'wasm + glue'], [
      row('this checkout (the whole SDK in Rust)', sdk),
      row('floor: the synchronous core only (bench/floor/floor.rs)', floor),
    ]));
    const half = sdk.total.gzip - floor.total.gzip;
    const left = TARGET - floor.total.gzip;
    console.log(`\nThe asynchronous half in Rust: ${bytes(half)}.`);
    console.log(`The target (${bytes(TARGET)}) leaves ${bytes(left)} over the floor for it${left > 0 ? ', if it were JavaScript' : ''}.`);
    const named = await bindAndOptimise(join(scratch, 'target/wasm32-unknown-unknown/release/horde_wasm.wasm'), join(scratch, 'named'), { names: true });
    const { data, functions } = functionsOf(readFileSync(named));
    const groups = new Map();
    for (const fn of functions) groups.set(groupOf(fn.name), (groups.get(groupOf(fn.name)) ?? 0) + fn.size);
    const total = data + functions.reduce((n, x) => n + x.size, 0);
    const pct = (n) => `${((100 * n) / total).toFixed(1)} %`;
    console.log('\n## Where the floor\'s bytes go (raw, function names kept)\n');
    console.log(table(['group', 'code', 'share of code + data'], [
      ...[...groups].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([g, n]) => [g, bytes(n), pct(n)]),
      ['data section', bytes(data), pct(data)],
    ]));
    console.log('\nLargest functions:\n');
    console.log(table(['bytes', 'function'], [...functions].sort((a, b) => b.size - a.size).slice(0, 5)
      .map((x) => [bytes(x.size), x.name.replace(/::h[0-9a-f]{16}$/, '').slice(0, 100)])));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
