#!/usr/bin/env node
// `npm run build`: compiles the crate to WebAssembly and writes the npm package's builds into
// pkg/: web (ESM for browsers and workers, with an auto-initialising entry), node (ESM that
// loads the wasm synchronously) and bundler (for webpack-style wasm imports). Installs the
// toolchain pieces it lacks first.
import { rmSync, renameSync, writeFileSync, readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { homedir } from 'node:os';
import { createRequire } from 'node:module';
import { root, ensureRust, ensureWasmBindgen, ensureNodeModules } from './lib/ensure.mjs';
import { must, output } from './lib/sh.mjs';
import { wasmCursor } from './lib/wasm.mjs';

const TARGETS = [
  ['web', 'web'],
  ['node', 'experimental-nodejs-module'],
  ['bundler', 'bundler'],
];
// The passes: control flow rebuilt (flatten, rereloop), then -Os twice. Of the pass lists
// tried (-Oz, -Os, -O2, with --converge, --gufa, twice), this one gave the smallest gzipped
// module: about 0.8 KB below plain -Oz, though 1.5 % larger before compression.
export const WASM_OPT_PASSES = ['--flatten', '--rereloop', '-Os', '-Os'];
// The features rustc enables for wasm32-unknown-unknown; wasm-opt must accept them.
export const WASM_OPT_FEATURES = [
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
  for (const [dir, target] of TARGETS) await bindAndOptimise(input, join(pkg, dir), { target });
  for (const [dir] of TARGETS) mergedInterfacesLast(join(pkg, dir, 'horde_wasm.d.ts'));
  shortenWasmNames(join(pkg, 'web'));
  await minifyWebGlue(join(pkg, 'web'));
  for (const [dir] of TARGETS.filter(([d]) => d !== 'web')) stripComments(join(pkg, dir));
  writeWebEntry(join(pkg, 'web'));
  const report = sizes();
  if (!quiet) {
    console.log(`built pkg/ in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    console.log(`web build: wasm ${kb(report.wasm)} + glue ${kb(report.glue)} = ${kb(report.wasm + report.glue)} raw, ${kb(report.gzip)} gzip -9`);
  }
  return report;
}

/**
 * The steps from the linked module to a target's wasm and glue, shared by the build and the
 * benchmarks that rebuild it: wasm-bindgen for `target` into `out`, the panic snip (skip it
 * with `snip: false` for a module built without panic machinery), and wasm-opt with the
 * build's passes (`names: true` keeps the function names, for bench/breakdown.mjs). The name
 * section stays until the panic paths are found by name; wasm-opt then drops it unless kept.
 * Returns the path of the .wasm.
 */
export async function bindAndOptimise(input, out, { target = 'web', snip = true, names = false } = {}) {
  await must('wasm-bindgen', ['--target', target, '--out-dir', out, '--remove-producers-section', input], { cwd: root });
  const wasm = join(out, 'horde_wasm_bg.wasm');
  if (snip) await snipPanics(wasm);
  // npm's binaryen, never Debian's wasm-opt 108 (its output breaks at load time).
  await must(join(root, 'node_modules/.bin/wasm-opt'), [...WASM_OPT_PASSES, ...(names ? ['-g'] : []), ...WASM_OPT_FEATURES, wasm, '-o', wasm], { cwd: root });
  return wasm;
}

/**
 * The panic entry points of core, alloc and std, by exact name (crate hashes, `::h…` suffixes
 * and generic arguments removed): every panic goes through them to std's panic handler, which
 * formats the message, runs the hook and aborts. Exact names, because a function wrongly
 * matched would trap at run time (`std::panicking::panicking`, say, which lock guards call).
 */
export const PANIC_FUNCTIONS = new Set([
  ...['panic', 'panic_fmt', 'panic_nounwind', 'panic_nounwind_fmt', 'panic_nounwind_nobacktrace',
    'panic_bounds_check', 'panic_misaligned_pointer_dereference', 'panic_null_pointer_dereference',
    'panic_str_2015', 'panic_display', 'panic_explicit', 'unreachable_display', 'assert_failed',
    'assert_failed_inner', 'panic_cannot_unwind', 'panic_in_cleanup',
    'panic_invalid_enum_construction'].map((f) => `core::panicking::${f}`),
  '__rustc::rust_begin_unwind', 'rust_begin_unwind',
  ...['begin_panic', 'begin_panic_handler', 'begin_panic_handler::{closure#0}', 'panic_handler',
    'panic_handler::{closure#0}', 'rust_panic_with_hook', 'panic_with_hook', 'rust_panic',
    'panic_count::increase'].map((f) => `std::panicking::${f}`),
  'core::option::unwrap_failed', 'core::option::expect_failed', 'core::result::unwrap_failed',
  ...['slice_index_fail', 'slice_start_index_len_fail', 'slice_end_index_len_fail',
    'slice_index_order_fail', 'slice_start_index_overflow_fail', 'slice_end_index_overflow_fail']
    .map((f) => `core::slice::index::${f}`),
  'core::slice::copy_from_slice_impl::len_mismatch_fail',
  'core::str::slice_error_fail', 'core::str::slice_error_fail_rt',
  'core::cell::panic_already_borrowed', 'core::cell::panic_already_mutably_borrowed',
  'core::cell::lazy::panic_poisoned', 'std::thread::local::panic_access_error',
  'alloc::raw_vec::capacity_overflow', 'alloc::raw_vec::handle_error', 'alloc::alloc::handle_alloc_error',
]);
// The `panic_const_*` family, and the methods of the handler's payloads (reached only through
// the handler's vtables).
const PANIC_PATTERNS = [
  /^core::panicking::panic_const::panic_const_\w+$/,
  /^<alloc::vec::Vec<_, _>>::\w+::assert_failed$/, // index checks of insert, remove, …
  /^<std::panicking::(begin_panic|panic_handler)::\w+(<[^>]*>)? as core::(panic::PanicPayload|fmt::Display)>::(get|take_box|as_str|fmt)$/,
];

/** A function name from the name section without crate hashes, `::h…` suffix and generic arguments. */
const plainName = (name) => name.replace(/\[[0-9a-f]+\]/g, '').replace(/::h[0-9a-f]{16}$/, '').replace(/::<.*>$/, '');

/** Whether a function name (from the name section) is one of Rust's panic entry points. */
export function isPanicPath(name) {
  const n = plainName(name);
  return PANIC_FUNCTIONS.has(n) || PANIC_PATTERNS.some((p) => p.test(n));
}

/**
 * Replaces the bodies of Rust's panic entry points with `unreachable`, in place, so that the
 * panic machinery (message formatting, `Location`, the hook, the payloads) is dead code for
 * wasm-opt. Behaviour is unchanged: on wasm32-unknown-unknown the default hook prints nothing
 * and the abort that follows is `unreachable` too, so a panic traps either way, with the same
 * `RuntimeError`. That holds while no panic hook is installed (this crate installs none): a
 * hook would no longer run. (This is what nightly's `panic_immediate_abort` does, on stable.)
 * About 1.5 KB gzip. Needs the name section; fails if `panic_fmt` is not found, so that a
 * toolchain that renames it is noticed. Returns the names replaced.
 */
export async function snipPanics(file) {
  const { default: binaryen } = await import('binaryen');
  binaryen.setDebugInfo(true);
  const m = binaryen.readBinary(readFileSync(file));
  try {
    const snipped = [];
    for (let i = 0; i < m.getNumFunctions(); i++) {
      const f = m.getFunctionByIndex(i);
      const { name, module, body } = binaryen.getFunctionInfo(f);
      if (module || !body || !isPanicPath(name)) continue;
      binaryen.Function.setBody(f, m.unreachable());
      snipped.push(name);
    }
    if (!snipped.some((n) => plainName(n) === 'core::panicking::panic_fmt')) {
      throw new Error(`snipPanics: core::panicking::panic_fmt not found in ${file} (is the name section there?)`);
    }
    writeFileSync(file, m.emitBinary());
    return snipped;
  } finally {
    m.dispose();
  }
}

/**
 * `pkg/web/index.js`: the web build, initialised with top-level await (browsers, workers, Vite).
 * It loads and initialises the module, then re-exports everything; for manual initialisation
 * users import "horde-wasm/web" instead. No comment in the file: browsers download it.
 */
function writeWebEntry(dir) {
  writeFileSync(join(dir, 'index.js'), `import init from './horde_wasm.js';
await init({ module_or_path: new URL('./horde_wasm_bg.wasm', import.meta.url) });
export * from './horde_wasm.js';
`);
  writeFileSync(join(dir, 'index.d.ts'), `export * from './horde_wasm.js';\n`);
}

/**
 * Moves each `export interface X { … }` that merges into an `export class X` of the same file
 * after the class. wasm-bindgen writes the crate's TypeScript sections first, and TypeScript
 * orders the overloads of a merged method by declaration: an interface's overloads (typed
 * `HordeClient.send`, see `SEND_OVERLOADS` in src/client.rs) are tried before the class's own
 * signature only when the interface comes after the class. Returns the names moved.
 */
export function mergedInterfacesLast(file) {
  let text = readFileSync(file, 'utf8');
  const at = (re) => text.search(re);
  const moved = [];
  for (const [, name] of readFileSync(file, 'utf8').matchAll(/^export class (\w+)\b/gm)) {
    const klass = new RegExp(`^export class ${name}\\b`, 'm');
    const iface = new RegExp(`^export interface ${name} \\{`, 'm');
    // Every interface section of this name that still comes before the class, one at a time.
    for (let start = at(iface); start >= 0 && start < at(klass); start = at(iface)) {
      const end = text.indexOf('\n}\n', start);
      if (end < 0) throw new Error(`${file}: interface ${name} has no end`);
      const block = text.slice(start, end + 3);
      text = `${text.slice(0, start)}${text.slice(end + 3)}\n${block}`;
      moved.push(name);
    }
  }
  const last = (re) => [...text.matchAll(re)].at(-1)?.index ?? -1;
  if (last(/^export interface HordeClient \{/gm) < at(/^export class HordeClient\b/m)) {
    throw new Error(`${file}: the HordeClient interface (the typed send overloads) is not after the class`);
  }
  writeFileSync(file, text);
  return moved;
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

/**
 * Short names for the web build's wasm imports and exports. wasm-bindgen names them after the
 * Rust items plus a hash (`__wbg_createError_deaf396da3a24798`, `hordeclient_generateImages`),
 * and each name is written twice, in the module and in the glue; hashes do not compress.
 * binaryen renames them (`--minify-imports-and-exports-and-modules`, all imports in one
 * module) and prints the mapping, which is applied here to the glue and to the typings of the
 * raw exports (`InitOutput`, `horde_wasm_bg.wasm.d.ts`). The same wasm-opt run drops the
 * `target_features` section. About 3.5 KB less gzipped. Every name is checked: the build fails
 * if the glue does not match the module exactly.
 */
function shortenWasmNames(dir) {
  const wasmFile = join(dir, 'horde_wasm_bg.wasm');
  const out = output(join(root, 'node_modules/.bin/wasm-opt'), ['--minify-imports-and-exports-and-modules', '--strip-target-features', ...WASM_OPT_FEATURES, wasmFile, '-o', wasmFile], { cwd: root, maxBuffer: 1 << 24 });
  if (out === null) throw new Error('wasm-opt --minify-imports-and-exports-and-modules failed');
  const map = JSON.parse(out.slice(out.indexOf('{')));
  // `memory` keeps its name: it is the one raw export callers use (`(await init()).memory`).
  const memory = map.exports.find(([name]) => name === 'memory');
  if (!memory) throw new Error('shortening wasm names: the module exports no memory');
  writeFileSync(wasmFile, renameExport(readFileSync(wasmFile), memory[1], 'memory'));
  map.exports = map.exports.filter(([name]) => name !== 'memory');
  const modules = [...new Set(WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(wasmFile))).map((i) => i.module))];
  if (modules.length !== 1) throw new Error(`expected the imports in one module, got ${modules.join(', ')}`);
  const word = (name) => name.replace(/[$]/g, '\\$$');
  const replaceAll = (text, pattern, to, what) => {
    let n = 0;
    const result = text.replace(pattern, () => { n++; return to; });
    if (n === 0) throw new Error(`shortening wasm names: ${what} not found`);
    return result;
  };
  const glue = join(dir, 'horde_wasm.js');
  let js = readFileSync(glue, 'utf8');
  // Imports: the glue's own import functions are renamed in place; the snippet functions are
  // added to the same object (from their module namespace).
  const own = map.imports.filter(([m]) => m === './horde_wasm_bg.js');
  const snippet = map.imports.filter(([m]) => m !== './horde_wasm_bg.js');
  for (const [, name, to] of own) js = replaceAll(js, new RegExp(`(?<=\\n\\s+)${word(name)}(?=: function)`, 'g'), to, `import ${name}`);
  const snippetNs = new Map();
  for (const m of js.matchAll(/^import \* as (import\d+) from "(\.\/snippets\/[^"]+)";?$/gm)) if (!snippetNs.has(m[2])) snippetNs.set(m[2], m[1]);
  const added = snippet.map(([m, name, to]) => {
    const ns = snippetNs.get(m);
    if (!ns) throw new Error(`shortening wasm names: no namespace import of ${m}`);
    return `${JSON.stringify(to)}: ${ns}[${JSON.stringify(name)}]`;
  });
  js = replaceAll(js, /return \{\n\s+__proto__: null,\n\s+"\.\/horde_wasm_bg\.js": import0,\n(?:\s+"\.\/snippets\/[^"]+": import\d+,\n)*\s+\};/,
    `return { __proto__: null, ${JSON.stringify(modules[0])}: { ...import0, ${added.join(', ')} } };`, 'the import object');
  // Exports: every `wasm.<name>` of the glue.
  for (const [name, to] of map.exports) {
    js = js.replace(new RegExp(`(?<=\\bwasm\\.)${word(name)}(?![\\w$])`, 'g'), () => to);
  }
  const left = [...js.matchAll(/\bwasm\.([A-Za-z_$][\w$]*)/g)].map((m) => m[1]).filter((n) => n !== 'memory' && !map.exports.some(([, to]) => to === n));
  if (left.length) throw new Error(`shortening wasm names: the glue uses exports the module lacks: ${[...new Set(left)].join(', ')}`);
  writeFileSync(glue, js);
  // The typings of the raw exports: the `InitOutput` interface, and horde_wasm_bg.wasm.d.ts.
  const rename = (text, before, what) => {
    // Not every export is typed (`__abort_handler` is not); every typed one must be renamed.
    for (const [name, to] of map.exports) text = text.replace(new RegExp(`(?<=^${before})${word(name)}(?=:)`, 'm'), () => to);
    const typed = [...text.matchAll(new RegExp(`(?<=^${before})([\\w$]+)(?=:)`, 'gm'))].map((m) => m[1]);
    const stale = typed.filter((n) => n !== 'memory' && !map.exports.some(([, to]) => to === n));
    if (!typed.length || stale.length) throw new Error(`shortening wasm names: ${what} still types ${stale.join(', ') || 'nothing'}`);
    return text;
  };
  const dts = join(dir, 'horde_wasm.d.ts');
  const types = readFileSync(dts, 'utf8');
  const from = types.indexOf('export interface InitOutput {');
  const to = types.indexOf('\n}', from);
  if (from < 0 || to < 0) throw new Error('shortening wasm names: no InitOutput in horde_wasm.d.ts');
  writeFileSync(dts, types.slice(0, from) + rename(types.slice(from, to), '    readonly ', 'InitOutput') + types.slice(to));
  const bg = join(dir, 'horde_wasm_bg.wasm.d.ts');
  writeFileSync(bg, rename(readFileSync(bg, 'utf8'), 'export const ', 'horde_wasm_bg.wasm.d.ts'));
}

/** `buf` (a wasm module) with export `from` named `to`. */
function renameExport(buf, from, to) {
  const uleb = (n) => {
    const out = [];
    do {
      let b = n & 0x7f;
      n = Math.floor(n / 128);
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    return Buffer.from(out);
  };
  const c = wasmCursor(buf);
  const parts = [buf.subarray(0, 8)];
  let renamed = 0;
  while (c.p < buf.length) {
    const start = c.p;
    const id = buf[c.p++];
    const size = c.leb();
    const end = c.p + size;
    if (id !== 7) {
      parts.push(buf.subarray(start, end));
      c.p = end;
      continue;
    }
    const entries = [];
    const count = c.leb();
    entries.push(uleb(count));
    for (let i = 0; i < count; i++) {
      const name = c.str();
      const rest = c.p;
      c.p++; // kind
      c.leb(); // index
      const newName = Buffer.from(name === from ? to : name);
      if (name === from) renamed++;
      entries.push(uleb(newName.length), newName, buf.subarray(rest, c.p));
    }
    const body = Buffer.concat(entries);
    parts.push(Buffer.from([7]), uleb(body.length), body);
    c.p = end;
  }
  if (renamed !== 1) throw new Error(`renaming export ${from}: found ${renamed} times`);
  return Buffer.concat(parts);
}

/**
 * The web build is what browsers download, so its glue ships as one minified file: the
 * wasm-bindgen glue with the `js/` snippets bundled in (rolldown, keeping names: the error
 * classes and `HordeClient` keep their `name`), with a source map to the readable code. About
 * 2 KB less gzipped than the separate, unminified files. The node and bundler builds keep
 * readable glue (bundlers minify what they bundle).
 */
async function minifyWebGlue(dir) {
  const { build: bundle } = await import('rolldown');
  const file = join(dir, 'horde_wasm.js');
  // The readable glue goes into the map as `horde_wasm.src.js`, not under the name of the
  // minified file itself.
  const source = join(dir, 'horde_wasm.src.js');
  renameSync(file, source);
  const { output } = await bundle({
    input: source,
    write: false,
    logLevel: 'warn',
    output: { dir, entryFileNames: 'horde_wasm.js', format: 'esm', minify: true, keepNames: true, sourcemap: true },
  });
  const chunks = output.filter((o) => o.type === 'chunk');
  if (chunks.length !== 1 || output.length !== 2) {
    throw new Error(`bundling the web glue gave ${output.map((o) => o.fileName).join(', ')}, not one file and its map`);
  }
  // The code ends with its `sourceMappingURL` comment.
  writeFileSync(file, chunks[0].code);
  writeFileSync(`${file}.map`, chunks[0].map.toString());
  rmSync(join(dir, 'snippets'), { recursive: true, force: true });
  rmSync(source);
}

/** Sizes of the web build's wasm and JS glue (index.js included), raw and gzip -9 together. */
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
