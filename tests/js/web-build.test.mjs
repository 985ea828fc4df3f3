// The web build as browsers download it (pkg/web), loaded in Node with `initSync`: its glue is
// one minified file whose wasm import and export names were shortened at build time
// (scripts/build.mjs), so these tests check that glue and module still fit together, that
// `memory` keeps its name, and that the source map leads back to the readable code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startSim, AGENT, TEST_KEY, rejection, webpSize } from './helpers.mjs';

const dir = fileURLToPath(new URL('../../pkg/web/', import.meta.url));
const web = await import(new URL('horde_wasm.js', `file://${dir}`).href);
const exports = web.initSync({ module: readFileSync(`${dir}horde_wasm_bg.wasm`) });

let sim;
before(async () => { sim = await startSim(); });
after(async () => { await sim.close(); });

test('initSync returns the raw exports with memory under its own name', () => {
  assert.ok(exports.memory instanceof WebAssembly.Memory);
  const reported = web.wasmMemoryBytes(); // (the first call into the module may grow it)
  assert.equal(exports.memory.buffer.byteLength, reported);
  const typings = readFileSync(`${dir}horde_wasm.d.ts`, 'utf8');
  assert.match(typings, /interface InitOutput \{\n\s+readonly memory: WebAssembly\.Memory;/);
});

test('every import the module asks for is provided by the glue', async () => {
  const module = new WebAssembly.Module(readFileSync(`${dir}horde_wasm_bg.wasm`));
  const imports = WebAssembly.Module.imports(module);
  assert.ok(imports.length > 20);
  // A fresh copy of the glue (the one above is initialised already, and initSync would return
  // at once): instantiating throws a LinkError for any import its object lacks.
  const fresh = await import(new URL('horde_wasm.js?fresh', `file://${dir}`).href);
  assert.doesNotThrow(() => fresh.initSync({ module }));
  assert.equal(String(new fresh.HordeClient({ baseUrl: sim.baseUrl })), `HordeClient(${sim.baseUrl})`);
  const names = WebAssembly.Module.exports(module).map((e) => e.name);
  assert.ok(names.every((n) => n === 'memory' || n.length <= 3), `long export names: ${names.filter((n) => n.length > 3)}`);
});

test('the web build calls the simulator and rejects with its error classes', async () => {
  const horde = new web.HordeClient({ baseUrl: sim.baseUrl, clientAgent: AGENT, apiKey: TEST_KEY });
  const beat = await horde.heartbeat();
  assert.equal(beat.message, 'OK');
  const e = await rejection(horde.getImageStatus('5a5ba3f5-8a2d-4a77-8c9f-3f7d3bc0d8a1'));
  assert.ok(e instanceof web.HordeNotFoundError);
  assert.ok(e instanceof web.HordeError);
  assert.equal(e.name, 'HordeNotFoundError');
  const bad = await rejection(horde.checkImage('nope'));
  assert.ok(bad instanceof web.HordeInvalidArgumentError);
  assert.equal(web.HordeClient.name, 'HordeClient', 'class names survive minification');
});

test('the whole lifecycle and both image forms run through the web build', async () => {
  // Touches the imports of the lifecycle (timers, abortable waits, callbacks) and of downloads
  // (byte reads, base64, Blob) that the calls above do not.
  const horde = new web.HordeClient({ baseUrl: sim.baseUrl, clientAgent: AGENT, apiKey: TEST_KEY });
  const seen = { progress: 0, images: [] };
  const opts = { onProgress: () => seen.progress++, onImage: (g) => seen.images.push(g.id) };
  const viaUrl = await horde.generateImages({ prompt: 'web build', params: { n: 2, width: 320, height: 192 } }, opts);
  assert.equal(viaUrl.generations.length, 2);
  assert.ok(seen.progress >= 1);
  assert.deepEqual(new Set(seen.images), new Set(viaUrl.generations.map((g) => g.id)));
  const viaB64 = await horde.generateImages({ prompt: 'web build', r2: false, params: { width: 128, height: 256 } });
  const a = await horde.downloadImage(viaUrl.generations[0]);
  const b = await horde.downloadImage(viaB64.generations[0]);
  assert.deepEqual([a.source, b.source], ['url', 'base64']);
  assert.deepEqual(webpSize(a.bytes), { width: 320, height: 192 });
  assert.deepEqual(webpSize(b.bytes), { width: 128, height: 256 });
  assert.ok(a.blob instanceof Blob);
  const aborted = await rejection(horde.generateImages({ prompt: 'never' }, { signal: AbortSignal.abort() }));
  assert.ok(aborted instanceof web.HordeAbortError);
});

test('the glue is one file with a source map to the readable sources', () => {
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.js')).sort(), ['horde_wasm.js', 'index.js']);
  const glue = readFileSync(`${dir}horde_wasm.js`, 'utf8');
  assert.match(glue, /\/\/# sourceMappingURL=horde_wasm\.js\.map\s*$/);
  const map = JSON.parse(readFileSync(`${dir}horde_wasm.js.map`, 'utf8'));
  assert.ok(map.sources.some((s) => s.endsWith('js/errors.js')), map.sources.join(', '));
  assert.ok(map.sources.some((s) => s.endsWith('js/runtime.js')));
  assert.ok(!map.sources.includes('horde_wasm.js'), 'the readable glue is not named after the minified file');
  assert.ok(map.sourcesContent.some((s) => s.includes('function __wbg_get_imports')), 'the readable glue is in the map');
  assert.equal(map.sourcesContent.length, map.sources.length);
  assert.ok(map.sourcesContent.every((s) => s.length > 0));
});

test('the build snips exactly the panic entry points of core, alloc and std', async () => {
  const { isPanicPath } = await import('../../scripts/build.mjs');
  // Names as they appear in the name section of wasm-bindgen's output (rustc 1.95), and in the
  // legacy mangling.
  const panics = [
    'core[c5930c85a12de822]::panicking::panic_fmt',
    'core::panicking::panic_fmt::h0123456789abcdef',
    'core[c5930c85a12de822]::panicking::panic_bounds_check',
    'core[c5930c85a12de822]::panicking::assert_failed::<usize, usize>',
    'core[c5930c85a12de822]::panicking::panic_const::panic_const_async_fn_resumed',
    '__rustc[b7974e8690430dd9]::rust_begin_unwind',
    'std[a543996e6e7dbf1e]::panicking::panic_with_hook',
    'std[a543996e6e7dbf1e]::panicking::panic_handler::{closure#0}',
    '<std[a543996e6e7dbf1e]::panicking::panic_handler::StaticStrPayload as core[c5930c85a12de822]::panic::PanicPayload>::get',
    '<std[a543996e6e7dbf1e]::panicking::begin_panic::Payload<&str> as core[c5930c85a12de822]::panic::PanicPayload>::as_str',
    'core[c5930c85a12de822]::option::unwrap_failed',
    'core[c5930c85a12de822]::option::expect_failed',
    'core[c5930c85a12de822]::result::unwrap_failed',
    'core[c5930c85a12de822]::slice::index::slice_index_fail',
    '<alloc[3ca501edff3f0c7c]::vec::Vec<_, _>>::remove::assert_failed',
    'core[c5930c85a12de822]::cell::panic_already_borrowed',
    'alloc[3ca501edff3f0c7c]::raw_vec::capacity_overflow',
    'alloc[3ca501edff3f0c7c]::raw_vec::handle_error',
    'alloc[3ca501edff3f0c7c]::alloc::handle_alloc_error',
    'std[a543996e6e7dbf1e]::thread::local::panic_access_error',
  ];
  const others = [
    // The crate's own code, even where its names look alike.
    'horde_wasm::validate::validate_request',
    'horde_wasm::retry::should_retry_fail',
    'horde_wasm::lifecycle::panic_free',
    // Functions of std's panic modules that run without a panic (lock guards, hooks, catch_unwind).
    'std[a543996e6e7dbf1e]::panicking::panicking',
    'std[a543996e6e7dbf1e]::panicking::panic_count::count_is_zero',
    'std[a543996e6e7dbf1e]::panicking::set_hook',
    'std[a543996e6e7dbf1e]::panicking::take_hook',
    'std[a543996e6e7dbf1e]::panicking::catch_unwind::do_call::<F, R>',
    'std::panic::catch_unwind::h0123456789abcdef',
    'core[c5930c85a12de822]::panic::location::Location::caller',
    // Drops and everything else of core, alloc, std and wasm-bindgen.
    'core[c5930c85a12de822]::ptr::drop_in_place::<std[a543996e6e7dbf1e]::panicking::panic_handler::FormatStringPayload>',
    'core[c5930c85a12de822]::fmt::write',
    'core::str::validations::next_code_point::h88b88ecd53d8bf7d',
    'alloc::raw_vec::RawVecInner<A>::finish_grow::hb3c7704e6cdfb921',
    '<alloc[3ca501edff3f0c7c]::vec::Vec<_, _>>::remove',
    'wasm_bindgen::__rt::throw_null',
    'wasm_bindgen::throw_str',
    '<core::option::Option<T> as horde_wasm::jsval::convert::FromJs>::from_js::hecb68db207f2a096',
  ];
  assert.deepEqual(panics.filter((n) => !isPanicPath(n)), [], 'panic entry points not matched');
  assert.deepEqual(others.filter((n) => isPanicPath(n)), [], 'other functions matched');
});

test('the build moves interfaces that merge into a class after it (typed send overloads first)', async () => {
  const { mergedInterfacesLast } = await import('../../scripts/build.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'horde-wasm-dts-'));
  try {
    const file = join(dir, 'x.d.ts');
    const before = [
      'export interface HordeClient {\n    send(r: A): Promise<RA>;\n}\n',
      'export interface Other {\n    x: number;\n}\n',
      'export interface HordeClient {\n    send(r: B): Promise<RB>;\n}\n',
      '/** The client. */\nexport class HordeClient {\n    send(r: A | B): Promise<RA | RB>;\n}\n',
    ].join('\n');
    writeFileSync(file, before);
    assert.deepEqual(mergedInterfacesLast(file), ['HordeClient', 'HordeClient']);
    const after = readFileSync(file, 'utf8');
    const at = (s) => after.indexOf(s);
    assert.ok(at('export class HordeClient') < at('send(r: A): Promise<RA>'));
    assert.ok(at('send(r: A): Promise<RA>') < at('send(r: B): Promise<RB>'), 'their own order kept');
    assert.ok(at('export interface Other') < at('export class HordeClient'), 'other interfaces stay');
    assert.equal(after.match(/^export interface HordeClient/gm).length, 2);
    assert.deepEqual(mergedInterfacesLast(file), [], 'a second run changes nothing');
    assert.equal(readFileSync(file, 'utf8'), after);
    writeFileSync(file, 'export class HordeClient {\n}\n');
    assert.throws(() => mergedInterfacesLast(file), /HordeClient interface/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
