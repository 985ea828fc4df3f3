#!/usr/bin/env node
// `npm run build`: compiles the crate to WebAssembly and writes the npm package's builds into
// pkg/: web (ESM for browsers and workers, with an auto-initialising entry), node (ESM that
// loads the wasm synchronously) and bundler (for webpack-style wasm imports). Installs the
// toolchain pieces it lacks first.
import { rmSync, writeFileSync, readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { homedir } from 'node:os';
import { createRequire } from 'node:module';
import { root, ensureRust, ensureWasmBindgen, ensureNodeModules } from './lib/ensure.mjs';
import { must } from './lib/sh.mjs';

const TARGETS = [
  ['web', 'web'],
  ['node', 'experimental-nodejs-module'],
  ['bundler', 'bundler'],
];
// The features rustc enables for wasm32-unknown-unknown; wasm-opt must accept them.
const WASM_OPT_FEATURES = [
  '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext',
  '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue',
];

export async function build({ quiet = false } = {}) {
  await ensureRust();
  await ensureWasmBindgen();
  await ensureNodeModules();
  const t0 = Date.now();
  // Panic locations name source files: keep this machine's paths out of the published module.
  const cargoHome = process.env.CARGO_HOME || join(homedir(), '.cargo');
  const rustflags = [process.env.RUSTFLAGS || '', `--remap-path-prefix=${cargoHome}/registry/src=crates`, `--remap-path-prefix=${root}=horde-wasm`].join(' ').trim();
  await must('cargo', ['build', '--release', '--target', 'wasm32-unknown-unknown', ...(quiet ? ['--quiet'] : [])], {
    cwd: root,
    env: { ...process.env, RUSTFLAGS: rustflags },
  });
  const targetDir = process.env.CARGO_TARGET_DIR || join(root, 'target');
  const input = join(targetDir, 'wasm32-unknown-unknown/release/horde_wasm.wasm');
  const pkg = join(root, 'pkg');
  rmSync(pkg, { recursive: true, force: true });
  for (const [dir, target] of TARGETS) {
    const out = join(pkg, dir);
    await must('wasm-bindgen', ['--target', target, '--out-dir', out, '--remove-name-section', '--remove-producers-section', input], { cwd: root });
    const wasm = join(out, 'horde_wasm_bg.wasm');
    // npm's binaryen, never Debian's wasm-opt 108 (its output breaks at load time).
    await must(join(root, 'node_modules/.bin/wasm-opt'), ['-Oz', ...WASM_OPT_FEATURES, wasm, '-o', wasm], { cwd: root });
  }
  writeWebEntry(join(pkg, 'web'));
  for (const [dir] of TARGETS) stripComments(join(pkg, dir));
  const report = sizes();
  if (!quiet) {
    console.log(`built pkg/ in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    console.log(`web build: wasm ${kb(report.wasm)} + glue ${kb(report.glue)} = ${kb(report.wasm + report.glue)} raw, ${kb(report.gzip)} gzip -9`);
  }
  return report;
}

/** `pkg/web/index.js`: the web build, initialised with top-level await (browsers, workers, Vite). */
function writeWebEntry(dir) {
  writeFileSync(join(dir, 'index.js'), `// Entry of the web build: loads and initialises the WebAssembly module, then re-exports
// everything. For manual initialisation import "horde-wasm/web" instead.
import init from './horde_wasm.js';
await init({ module_or_path: new URL('./horde_wasm_bg.wasm', import.meta.url) });
export * from './horde_wasm.js';
`);
  writeFileSync(join(dir, 'index.d.ts'), `export * from './horde_wasm.js';\n`);
}

/**
 * Removes comments from the generated JavaScript (the doc comments stay in the .d.ts files,
 * where editors read them): a third of the glue's gzipped size.
 */
function stripComments(dir) {
  const ts = createRequire(import.meta.url)(join(root, 'node_modules/typescript'));
  for (const file of [...readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => join(dir, f)), ...listJs(join(dir, 'snippets'))]) {
    const src = readFileSync(file, 'utf8');
    const { outputText, diagnostics } = ts.transpileModule(src, {
      compilerOptions: { removeComments: true, target: ts.ScriptTarget.ESNext, module: ts.ModuleKind.ESNext },
      reportDiagnostics: true,
    });
    if (diagnostics?.length) {
      const text = diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ');
      throw new Error(`${file}: ${text}`);
    }
    writeFileSync(file, outputText);
  }
}

/** Sizes of the web build's wasm and JS glue (snippets included), raw and gzip -9 together. */
export function sizes() {
  const dir = join(root, 'pkg/web');
  const wasm = readFileSync(join(dir, 'horde_wasm_bg.wasm'));
  const js = [join(dir, 'horde_wasm.js'), join(dir, 'index.js'), ...listJs(join(dir, 'snippets'))].map((f) => readFileSync(f));
  const glue = js.reduce((n, b) => n + b.length, 0);
  const gzip = gzipSync(wasm, { level: 9 }).length + js.reduce((n, b) => n + gzipSync(b, { level: 9 }).length, 0);
  return { wasm: wasm.length, glue, gzip };
}

function listJs(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listJs(p) : p.endsWith('.js') ? [p] : [];
  });
}

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;

if (import.meta.url === `file://${process.argv[1]}`) {
  build().catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
