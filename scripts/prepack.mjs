#!/usr/bin/env node
// `npm pack` and `npm publish` run this first (package.json "prepack"): the package ships
// only `pkg/`, which is build output and not committed, so a missing or stale build is made
// here rather than published. Fresh means every build target is there and newer than every
// input (the crate, the JS snippets, the build script). Prints nothing when fresh.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const OUTPUTS = ['web', 'node', 'bundler'].flatMap((d) => [`pkg/${d}/horde_wasm.js`, `pkg/${d}/horde_wasm_bg.wasm`, `pkg/${d}/horde_wasm.d.ts`]);
const INPUTS = ['src', 'js', 'Cargo.toml', 'Cargo.lock', 'scripts/build.mjs', 'scripts/lib'];

/** The newest modification time under a file or folder. */
function newest(p) {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  return readdirSync(p).reduce((m, name) => Math.max(m, newest(join(p, name))), s.mtimeMs);
}

const outputs = OUTPUTS.map((f) => join(root, f));
const missing = outputs.filter((f) => !existsSync(f));
const built = missing.length ? 0 : Math.min(...outputs.map((f) => statSync(f).mtimeMs));
const changed = INPUTS.map((f) => join(root, f)).filter((f) => existsSync(f) && newest(f) > built);
if (missing.length || changed.length) {
  console.error(`prepack: ${missing.length ? 'no build in pkg/' : 'pkg/ is older than its sources'}; building`);
  await build({ quiet: true });
}
