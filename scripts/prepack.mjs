#!/usr/bin/env node
// `npm pack` and `npm publish` run this first (package.json "prepack"): the package ships
// only `pkg/`, which is build output and not committed, so a missing or stale build is made
// here rather than published. Fresh means every build target is there and newer than every
// input (the crates and their derives, the JS snippets, the build script). Prints nothing when
// fresh.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// The build's last step writes the web entry (index.js, index.d.ts): a build that failed
// half-way leaves it out, and counts as missing.
const OUTPUTS = [
  ...['web', 'node', 'bundler'].flatMap((d) => [`pkg/${d}/horde_wasm.js`, `pkg/${d}/horde_wasm_bg.wasm`, `pkg/${d}/horde_wasm.d.ts`]),
  'pkg/web/index.js', 'pkg/web/index.d.ts',
];
const INPUTS = ['src', 'core', 'macros', 'js', 'Cargo.toml', 'Cargo.lock', 'scripts/build.mjs', 'scripts/lib'];

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
  console.error(`prepack: ${missing.length ? 'no complete build in pkg/' : 'pkg/ is older than its sources'}; building`);
  // In a child whose stdout goes to stderr: `npm pack --json` prints its JSON on stdout.
  const r = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
