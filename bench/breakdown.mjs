#!/usr/bin/env node
// Where the bytes of the wasm go: `node bench/breakdown.mjs [--top N]`.
//
// Takes the release build that `npm run build` left in the cargo target dir, runs the same
// wasm-bindgen (web), panic snip and wasm-opt passes as scripts/build.mjs but keeps the
// function names (`-g`), and prints the raw size of the code grouped by what it belongs to (the crate's
// modules, the export shims, the model converters, Rust's core/alloc/std, wasm-bindgen and
// js-sys, the allocator), the data section, and the largest functions. Raw bytes, not gzip:
// a group's share of the gzipped module is close to its share of the raw one.
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { root, flags, table, bytes } from './lib.mjs';
import { wasmCursor } from '../scripts/lib/wasm.mjs';
import { WASM_OPT_PASSES, bindAndOptimise } from '../scripts/build.mjs';

/** Function body sizes (by function index) and names of a wasm file with a name section. */
export function functionsOf(buf) {
  const c = wasmCursor(buf);
  let imported = 0;
  const bodies = [];
  const names = new Map();
  let data = 0;
  while (c.p < buf.length) {
    const id = buf[c.p++];
    const size = c.leb();
    const end = c.p + size;
    if (id === 2) {
      for (let i = c.leb(); i > 0; i--) {
        c.str();
        c.str();
        const kind = buf[c.p++];
        if (kind === 0) { imported++; c.leb(); }
        else if (kind === 1) { c.p++; const f = buf[c.p++]; c.leb(); if (f & 1) c.leb(); }
        else if (kind === 2) { const f = buf[c.p++]; c.leb(); if (f & 1) c.leb(); }
        else if (kind === 3) c.p += 2;
        else if (kind === 4) { c.p++; c.leb(); }
      }
    } else if (id === 10) {
      for (let i = c.leb(); i > 0; i--) {
        const s = c.leb();
        bodies.push(s);
        c.p += s;
      }
    } else if (id === 11) {
      data = size;
    } else if (id === 0 && c.str() === 'name') {
      while (c.p < end) {
        const sub = buf[c.p++];
        const subEnd = c.leb() + c.p;
        if (sub === 1) {
          for (let i = c.leb(); i > 0; i--) {
            const idx = c.leb();
            names.set(idx, c.str());
          }
        }
        c.p = subEnd;
      }
    }
    c.p = end;
  }
  return { data, functions: bodies.map((size, i) => ({ size, name: names.get(imported + i) ?? `function ${imported + i}` })) };
}

/** The group a function belongs to, from its (demangled) name. */
export function groupOf(name) {
  if (/as horde_core::jsval::convert::(FromJs|ToJs)>|horde_core::jsval::|horde_core::decode::/.test(name)) return 'model converters (jsval, decode)';
  if (/ shim$|multivalue shim|externref shim/.test(name)) return 'exported functions and methods (argument handling inlined)';
  // A trait impl (`<horde_core::error::Error as horde_wasm::js_error::ErrorToJs>::to_js`) counts
  // where the impl is written: the trait's module.
  const as = name.startsWith('<') ? name.indexOf(' as ') : -1;
  const own = /horde_(wasm|core)::([a-z_]+)/.exec(as >= 0 ? name.slice(as) : name) ?? /horde_(wasm|core)::([a-z_]+)/.exec(name);
  if (own) return `horde_${own[1]}::${own[2]}`;
  if (/^<?(talc|dlmalloc)|__rust_(alloc|dealloc|realloc)|__rdl_/.test(name)) return 'allocator';
  if (/^<?(js_sys|wasm_bindgen|web_sys)|__wbindgen|__externref/.test(name)) return 'wasm-bindgen, js-sys (futures, glue)';
  if (/^<?&?(core|alloc|std)\b|^<(char|u8|u16|u32|u64|usize|i32|i64|f64|str|&T|T) as core/.test(name)) return 'Rust core, alloc, std';
  return 'other';
}

async function main() {
  const f = flags();
  const top = Number(f.top ?? 15);
  const input = join(process.env.CARGO_TARGET_DIR || join(root, 'target'), 'wasm32-unknown-unknown/release/horde_wasm.wasm');
  if (!existsSync(input)) {
    console.error(`no release build at ${input}: run npm run build first`);
    process.exitCode = 1;
    return;
  }
  const dir = mkdtempSync(join(os.tmpdir(), 'horde-wasm-breakdown-'));
  try {
    const named = await bindAndOptimise(input, dir, { names: true });
    const { data, functions } = functionsOf(readFileSync(named));
    const code = functions.reduce((n, x) => n + x.size, 0);
    const groups = new Map();
    for (const fn of functions) {
      const g = groupOf(fn.name);
      const e = groups.get(g) ?? { n: 0, size: 0 };
      e.n++;
      e.size += fn.size;
      groups.set(g, e);
    }
    const total = code + data;
    const pct = (n) => `${((100 * n) / total).toFixed(1)} %`;
    const rows = [...groups].sort((a, b) => b[1].size - a[1].size).map(([g, e]) => [g, e.n, bytes(e.size), pct(e.size)]);
    rows.push(['data section (strings: messages, field names; tables)', '—', bytes(data), pct(data)]);
    console.log(`# wasm breakdown (release build, wasm-opt ${WASM_OPT_PASSES.join(' ')} -g; raw bytes)\n`);
    console.log(table(['group', 'functions', 'code', 'share of code + data'], rows));
    console.log(`\nLargest ${top} functions:\n`);
    console.log(table(['bytes', 'function'], [...functions].sort((a, b) => b.size - a.size).slice(0, top).map((x) => [bytes(x.size), x.name.replace(/::h[0-9a-f]{16}$/, '').slice(0, 140)])));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
