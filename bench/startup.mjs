// Figure 3 — module start: the time to load and instantiate the package and make a first call
// (heartbeat against the simulator).
//
// Node: a fresh process per sample (bench/startup-node-child.mjs), variants interleaved.
// Chromium: a fresh browser context per sample (empty HTTP and code caches) loading
// bench/pages/startup.html from a local static server; the page imports pkg/web/index.js
// (cross-origin calls to the simulator, which sends CORS headers).
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { root, benchDir, environment, spawnSim, summary, ms, progress, mainOf } from './lib.mjs';
import { startStatic } from './static-server.mjs';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

export async function run({ quick = false, flags = {} } = {}) {
  const samples = Number(flags.samples ?? (quick ? 10 : 15));
  const sim = await spawnSim(['--seed', '3']);
  const env = environment();
  try {
    // --- Node ---
    const nodeVariants = ['sdk', 'fetch', 'ai_horde'];
    const node = Object.fromEntries(nodeVariants.map((v) => [v, []]));
    progress(`startup/node: ${samples} fresh processes per variant (+1 discarded warm-up each)`);
    for (let i = -1; i < samples; i++) {
      for (const v of rotate(nodeVariants, i)) {
        const r = await nodeSample(v, sim.baseUrl);
        if (i >= 0) node[v].push(r);
      }
    }
    // --- Chromium ---
    let browser = null;
    const chromiumPath = findChromium();
    const browserVariants = ['sdk', 'fetch'];
    const chrome = Object.fromEntries(browserVariants.map((v) => [v, []]));
    let browserVersion = null;
    let browserNote = null;
    if (!chromiumPath) {
      browserNote = 'Chromium not found (set CHROMIUM_PATH); the browser rows were skipped.';
    } else {
      const { chromium } = await import('playwright-core');
      const stat = await startStatic();
      try {
        browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
        browserVersion = browser.version();
        progress(`startup/chromium ${browserVersion}: ${samples} fresh contexts per variant (+1 discarded warm-up each)`);
        for (let i = -1; i < samples; i++) {
          for (const v of rotate(browserVariants, i)) {
            const r = await pageSample(browser, `${stat.url}/bench/pages/startup.html?variant=${v}&sim=${encodeURIComponent(sim.baseUrl)}`);
            if (i >= 0) chrome[v].push(r);
          }
        }
      } finally {
        await browser?.close();
        await stat.close();
      }
    }

    const pick = (xs, k) => summary(xs.map((x) => x[k]));
    const cell = (s) => `${ms(s.median)} (${ms(s.p25)} – ${ms(s.p75)})`;
    const NODE_LABEL = { sdk: 'horde-wasm (pkg/node)', fetch: 'plain fetch (baseline)', ai_horde: '@zeldafan0225/ai_horde' };
    const nodeRows = nodeVariants.map((v) => [
      `Node ${env.node}`, NODE_LABEL[v],
      v === 'fetch' ? '—' : cell(pick(node[v], 'importMs')), cell(pick(node[v], 'callMs')),
      `**${cell(pick(node[v], 'firstCallMs'))}**`, cell(pick(node[v], 'sinceProcessStart')), cell(pick(node[v], 'wallMs')),
    ]);
    const chromeRows = chromiumPath ? browserVariants.map((v) => [
      `Chromium ${browserVersion}`, v === 'sdk' ? 'horde-wasm (pkg/web/index.js)' : 'plain fetch (baseline)',
      v === 'fetch' ? '—' : cell(pick(chrome[v], 'importMs')), cell(pick(chrome[v], 'callMs')),
      `**${cell(pick(chrome[v], 'firstCallMs'))}**`, cell(pick(chrome[v], 'total')), cell(pick(chrome[v], 'wallMs')),
    ]) : [];
    const summaries = {
      node: Object.fromEntries(nodeVariants.map((v) => [v, Object.fromEntries(['importMs', 'callMs', 'firstCallMs', 'sinceProcessStart', 'wallMs'].map((k) => [k, pick(node[v], k)]))])),
      chromium: chromiumPath ? Object.fromEntries(browserVariants.map((v) => [v, Object.fromEntries(['importMs', 'callMs', 'firstCallMs', 'total', 'wallMs'].map((k) => [k, pick(chrome[v], k)]))])) : null,
    };
    return {
      id: 'startup',
      title: 'Module start: instantiate and make a first call (heartbeat)',
      tables: [{
        headers: ['runtime', 'what', 'import + instantiate', 'first call', 'import → first answer', 'since process / navigation start', 'outside view (spawn → exit / goto → result)'],
        rows: [...nodeRows, ...chromeRows],
      }],
      produced: `median (p25 – p75) of ${samples} samples per row, variants interleaved, one discarded warm-up sample each. `
        + `Node ${env.node}: a fresh \`node\` process per sample runs bench/startup-node-child.mjs (dynamic import of the package, \`new HordeClient\`, \`heartbeat()\`); `
        + `"since process start" is performance.now() at the answer (Node's own start included); "spawn → exit" is measured by the parent. `
        + (chromiumPath ? `Chromium ${browserVersion} (headless, playwright-core): a new browser context per sample (empty caches) loads bench/pages/startup.html from a local static server `
        + `(application/wasm, no-store), which imports pkg/web/index.js and calls heartbeat on the simulator (another origin; CORS preflight included, as for the fetch baseline); `
        + `"since navigation start" is performance.now() at the answer; "goto → result" includes page creation. ` : '')
        + `Simulator in a separate process. The "plain fetch" rows are the floor: the first request of a process/page without any library.`,
      notes: browserNote ? [browserNote] : [
        `Chromium import breakdown (medians, from the start of the page's script): JS modules downloaded at ${ms(pick(chrome.sdk, 'jsLoadedMs').median)}, `
          + `wasm downloaded at ${ms(pick(chrome.sdk, 'wasmLoadedMs').median)}, instantiated ${ms(pick(chrome.sdk, 'afterWasmMs').median)} after the wasm's last byte `
          + `(Resource Timing; compilation streams while the wasm downloads).`,
      ],
      raw: { env, samples, node, chromium: chrome, browserVersion, summaries },
    };
  } finally {
    await sim.close();
  }
}

/** The variants in a different order each round. */
function rotate(xs, i) {
  const k = ((i % xs.length) + xs.length) % xs.length;
  return [...xs.slice(k), ...xs.slice(0, k)];
}

function nodeSample(variant, baseUrl) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [join(benchDir, 'startup-node-child.mjs'), variant, baseUrl], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('exit', (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) return reject(new Error(`startup child (${variant}) failed with ${code}`));
      resolve({ ...JSON.parse(out), wallMs });
    });
  });
}

async function pageSample(browser, url) {
  const t0 = performance.now();
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(url);
    const handle = await page.waitForFunction(() => window.__bench, null, { timeout: 30000 });
    const r = await handle.jsonValue();
    const wallMs = performance.now() - t0;
    if (r.error) throw new Error(`page failed: ${r.error}`);
    return { ...r, wallMs };
  } finally {
    await context.close();
  }
}

/** CHROMIUM_PATH, else a Chromium/Chrome on PATH. */
function findChromium() {
  if (process.env.CHROMIUM_PATH) return existsSync(process.env.CHROMIUM_PATH) ? process.env.CHROMIUM_PATH : null;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']) {
    try {
      const p = execFileSync('which', [name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      if (p) return p;
    } catch {}
  }
  return null;
}

await mainOf(import.meta, run);
