#!/usr/bin/env node
// What a nightly Rust toolchain would take off the bundle: `node bench/toolchain.mjs`.
//
// Builds the crate three ways into a scratch target dir and puts each module through the same
// steps as scripts/build.mjs (wasm-bindgen --target web, the panic snip where the names are
// there, wasm-opt with the build's passes), then prints the wasm's raw and gzip -9 size:
//   stable    the release build as `npm run build` makes it;
//   nightly   std rebuilt (-Z build-std) with its `optimize_for_size` feature and the
//             `immediate-abort` panic strategy (no panic machinery at all);
//   + no fmt  the same with `-Z fmt-debug=none -Z location-detail=none`.
// Only the wasm is compared (the glue is the same for all three), and the import and export
// names are not shortened, so the figures sit about 2 KB above the shipped module's.
//
// The build itself stays on stable (see bench/README.md, "Bundle size"): this script is the
// measurement behind that choice. Needs `rustup toolchain install nightly --component rust-src`;
// without it, it says so and exits 1. About 3 minutes on 2 cores.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import { root, table, bytes } from './lib.mjs';
import { must, output } from '../scripts/lib/sh.mjs';
import { bindAndOptimise } from '../scripts/build.mjs';

const BUILD_STD = ['-Z', 'build-std=std,panic_abort', '-Z', 'build-std-features=optimize_for_size'];
const VARIANTS = [
  { name: 'stable', toolchain: 'stable', cargo: [], rustflags: '' },
  { name: 'nightly', toolchain: 'nightly', cargo: BUILD_STD, rustflags: '-Zunstable-options -Cpanic=immediate-abort' },
  { name: 'nightly + no fmt', toolchain: 'nightly', cargo: BUILD_STD, rustflags: '-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none' },
];

const installed = output('rustup', ['+nightly', 'component', 'list', '--installed']);
if (!installed || !installed.split('\n').includes('rust-src')) {
  console.error('needs a nightly toolchain with rust-src: rustup toolchain install nightly --component rust-src');
  process.exit(1);
}
const nightly = output('rustc', ['+nightly', '--version']);

const scratch = mkdtempSync(join(os.tmpdir(), 'horde-wasm-toolchain-'));
const rows = [];
try {
  for (const v of VARIANTS) {
    const target = join(scratch, v.name.replace(/\W+/g, '-'));
    console.error(`building ${v.name}…`);
    await must('cargo', [`+${v.toolchain}`, 'build', '--release', '--quiet', '--target', 'wasm32-unknown-unknown', ...v.cargo], {
      cwd: root,
      env: { ...process.env, CARGO_TARGET_DIR: target, RUSTFLAGS: v.rustflags },
    });
    // With immediate-abort there is no panic_fmt to snip (and the snip would refuse).
    const wasm = await bindAndOptimise(join(target, 'wasm32-unknown-unknown/release/horde_wasm.wasm'), join(target, 'pkg'), { snip: v.toolchain === 'stable' });
    const buf = readFileSync(wasm);
    rows.push({ name: v.name, raw: buf.length, gzip: gzipSync(buf, { level: 9 }).length });
    rmSync(target, { recursive: true, force: true });
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const base = rows[0].gzip;
console.log(`# wasm size by toolchain (${nightly}; wasm only, names not shortened)\n`);
console.log(table(['build', 'raw', 'gzip -9', 'vs stable'], rows.map((r) => [
  r.name, bytes(r.raw), bytes(r.gzip), r === rows[0] ? '—' : `${bytes(r.gzip - base)} (${((100 * (r.gzip - base)) / base).toFixed(1)} %)`,
])));
