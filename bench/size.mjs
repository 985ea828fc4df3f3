// Figure 4 — bundle size.
//
//   node bench/size.mjs           the web build's wasm + JS glue, raw and gzip -9, and for
//                                 comparison what vite emits for an app that uses horde-wasm
//                                 and for one that uses @zeldafan0225/ai_horde;
//   node bench/size.mjs --check   only the web build's figure; exits 1 when its gzip size is
//                                 above the budget (BUDGET below). For CI.
//
// gzip sizes are per file (node:zlib, level 9) and summed: what a browser downloads when the
// server compresses each file.
import { readFileSync, readdirSync, statSync, existsSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { root, resultsDir, rel, environment, bytes, progress, requireBuild, flags, table, wasmSections, mainOf } from './lib.mjs';

// The CI budget: a guard against regressions, today's build (78,645 B) plus 3 %. The target
// of the performance issue is 50 KB (51,200 bytes), which this SDK does not meet: see
// bench/README.md ("Bundle size") for where the bytes go and what it would take.
export const BUDGET = 81_005;
export const TARGET = 51200;

const gz = (buf) => gzipSync(buf, { level: 9 }).length;

function listJs(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listJs(p) : p.endsWith('.js') ? [p] : [];
  });
}

function listAll(dir) {
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listAll(p) : [p];
  });
}

/**
 * The web build: wasm + horde_wasm.js (the snippets bundled in) + index.js (+ snippets/**\/*.js,
 * if any), of this checkout or of the build in `dir`.
 */
export function webBuildSize(dir = join(root, 'pkg/web')) {
  const wasmPath = join(dir, 'horde_wasm_bg.wasm');
  const jsPaths = [join(dir, 'horde_wasm.js'), join(dir, 'index.js'), ...listJs(join(dir, 'snippets'))];
  const wasm = readFileSync(wasmPath);
  const js = jsPaths.map((p) => readFileSync(p));
  const files = [wasmPath, ...jsPaths].map((p, i) => {
    const b = i === 0 ? wasm : js[i - 1];
    return { file: rel(p), raw: b.length, gzip: gz(b) };
  });
  const sum = (xs, k) => xs.reduce((n, x) => n + x[k], 0);
  return {
    files,
    wasm: { raw: wasm.length, gzip: gz(wasm) },
    glue: { raw: sum(files.slice(1), 'raw'), gzip: sum(files.slice(1), 'gzip') },
    total: { raw: sum(files, 'raw'), gzip: sum(files, 'gzip') },
  };
}

/** Builds `entrySource` with vite (app build, minified) and measures every emitted file. */
async function viteBundle(name, entrySource) {
  const { build } = await import('vite');
  // Inside the repository (bench/results/ is gitignored) so that packages resolve from its
  // node_modules.
  const dir = join(resultsDir, '.size-build', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'entry.js'), entrySource);
  const outDir = join(dir, 'dist');
  await build({
    configFile: false,
    root: dir,
    logLevel: 'silent',
    build: {
      outDir,
      emptyOutDir: true,
      minify: true,
      target: 'es2022',
      modulePreload: false,
      reportCompressedSize: false,
      rollupOptions: { input: join(dir, 'entry.js'), external: ['fs', 'path', 'node:fs', 'node:path'] },
    },
  });
  const files = listAll(outDir).map((p) => {
    const b = readFileSync(p);
    return { file: p.slice(outDir.length + 1), raw: b.length, gzip: gz(b) };
  });
  return {
    files,
    raw: files.reduce((n, f) => n + f.raw, 0),
    gzip: files.reduce((n, f) => n + f.gzip, 0),
  };
}

export async function run({ quick = false } = {}) {
  const web = webBuildSize();
  const env = environment();
  progress('size: bundling with vite');
  let viteVersion = 'unknown';
  try {
    viteVersion = JSON.parse(readFileSync(join(root, 'node_modules/vite/package.json'), 'utf8')).version;
  } catch {}
  const aiVersion = JSON.parse(readFileSync(join(root, 'node_modules/@zeldafan0225/ai_horde/package.json'), 'utf8')).version;
  const sdkApp = await viteBundle('horde-wasm',
    "import { HordeClient } from '../../../../pkg/web/index.js';\nglobalThis.__bench = new HordeClient().getImageStatus;\n");
  const aiApp = await viteBundle('ai_horde',
    "import { AIHorde } from '@zeldafan0225/ai_horde';\nglobalThis.__bench = new AIHorde().postAsyncImageGenerate;\n");
  const over = web.total.gzip > BUDGET;
  const inside = wasmSections(readFileSync(join(root, 'pkg/web/horde_wasm_bg.wasm')));
  const code = inside.sections.find((x) => x.name === 'code')?.bytes ?? 0;
  const data = inside.sections.find((x) => x.name === 'data')?.bytes ?? 0;
  const rest = web.wasm.raw - code - data;
  const rows = [
    ['horde-wasm pkg/web: horde_wasm_bg.wasm', 1, bytes(web.wasm.raw), bytes(web.wasm.gzip)],
    [`horde-wasm pkg/web: JS glue (horde_wasm.js with the snippets bundled in, index.js)`, web.files.length - 1, bytes(web.glue.raw), bytes(web.glue.gzip)],
    ['**horde-wasm pkg/web: wasm + glue**', web.files.length, `**${bytes(web.total.raw)}**`, `**${bytes(web.total.gzip)}**`],
    [`horde-wasm in a vite app (\`new HordeClient().getImageStatus\`): JS + wasm asset`, sdkApp.files.length, bytes(sdkApp.raw), bytes(sdkApp.gzip)],
    [`@zeldafan0225/ai_horde ${aiVersion} in a vite app (\`new AIHorde().postAsyncImageGenerate\`)`, aiApp.files.length, bytes(aiApp.raw), bytes(aiApp.gzip)],
  ];
  return {
    id: 'size',
    title: 'Bundle size',
    tables: [
      { headers: ['what', 'files', 'raw', 'gzip -9'], rows },
      {
        caption: 'Inside horde_wasm_bg.wasm (section sizes, raw):',
        headers: ['section', 'raw', 'share'],
        rows: [
          [`code (${inside.functionCount} functions; largest ${inside.largestFunctions.slice(0, 5).map((n) => n.toLocaleString('en-US')).join(', ')} B)`, bytes(code), `${((100 * code) / web.wasm.raw).toFixed(1)} %`],
          ['data (string constants, tables)', bytes(data), `${((100 * data) / web.wasm.raw).toFixed(1)} %`],
          ['everything else (imports, exports, types, …)', bytes(rest), `${((100 * rest) / web.wasm.raw).toFixed(1)} %`],
        ],
      },
      {
        caption: 'Per file (web build):',
        headers: ['file', 'raw', 'gzip -9'],
        rows: web.files.map((f) => [f.file, bytes(f.raw), bytes(f.gzip)]),
      },
    ],
    produced: `node:zlib gzip level 9 per file, summed (Node ${env.node}); vite ${viteVersion} app builds (minified, target es2022, `
      + `fs/path external, no modulepreload polyfill) of a one-line entry, every emitted file counted.`,
    notes: [
      `Budget (CI): web build wasm + glue ≤ ${bytes(BUDGET)} gzip: ${bytes(web.total.gzip)} — ${over ? `OVER by ${bytes(web.total.gzip - BUDGET)}` : 'within'}. Target of the performance issue: ≤ ${bytes(TARGET)} — ${web.total.gzip > TARGET ? `missed by ${bytes(web.total.gzip - TARGET)}` : 'met'}.`,
    ],
    raw: { env, web, wasmInside: inside, viteVersion, sdkApp, aiApp, budget: BUDGET, target: TARGET },
  };
}

const f = flags();
if (f.check) {
  requireBuild();
  const web = webBuildSize();
  const over = web.total.gzip > BUDGET;
  console.log(table(['web build', 'raw', 'gzip -9'], [
    ['wasm', bytes(web.wasm.raw), bytes(web.wasm.gzip)],
    ['JS glue', bytes(web.glue.raw), bytes(web.glue.gzip)],
    ['wasm + glue', bytes(web.total.raw), bytes(web.total.gzip)],
  ]));
  console.log(`\nsize check: ${bytes(web.total.gzip)} gzip -9 (budget ${bytes(BUDGET)}): ${over ? `FAIL, over by ${bytes(web.total.gzip - BUDGET)}` : 'ok'}; target ${bytes(TARGET)}: ${web.total.gzip > TARGET ? 'missed' : 'met'}`);
  process.exitCode = over ? 1 : 0;
} else {
  await mainOf(import.meta, run);
}
