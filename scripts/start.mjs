#!/usr/bin/env node
// `npm start`: builds pkg/ if it is missing or stale, starts the local AI Horde simulator and
// serves the demo page (www/). Ctrl-C stops both.
//
//   npm start                       simulator on :7001, demo on http://127.0.0.1:8080
//   npm start -- --speed 5          simulated jobs run 5x faster
//   npm start -- --no-sim           no simulator; the page talks to https://aihorde.net/api
//   npm start -- --help

import { existsSync, statSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serve } from './serve.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const PUBLIC_HORDE = 'https://aihorde.net/api';

const USAGE = `Usage: npm start -- [options]     (or: node scripts/start.mjs [options])

Starts the local AI Horde simulator and serves the horde-wasm demo page.

Options:
  --port N        port of the demo page (default 8080)
  --sim-port N    port of the simulator (default 7001)
  --speed F       the simulator's time runs F times faster (default 1: real Horde pacing)
  --no-sim        no simulator: the page defaults to ${PUBLIC_HORDE}
  --no-build      never rebuild pkg/, even if it looks older than the sources
  -h, --help      this text
`;

function fail(message) {
  console.error(`npm start: ${message}`);
  process.exit(1);
}

function parse() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '8080' },
        'sim-port': { type: 'string', default: '7001' },
        speed: { type: 'string', default: '1' },
        'no-sim': { type: 'boolean', default: false },
        'no-build': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    fail(`${e.message}\n\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const port = Number(values.port);
  const simPort = Number(values['sim-port']);
  const speed = Number(values.speed);
  for (const [name, v] of [['--port', port], ['--sim-port', simPort]]) {
    if (!Number.isInteger(v) || v < 0 || v > 65535) fail(`${name} must be a port number (0-65535), got ${JSON.stringify(String(v))}`);
  }
  if (!Number.isFinite(speed) || speed <= 0) fail(`--speed must be a positive number, got ${JSON.stringify(values.speed)}`);
  return { port, simPort, speed, sim: !values['no-sim'], build: !values['no-build'] };
}

/** Newest modification time (ms) of the files below `path` (or of `path` itself). */
function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** Why pkg/ needs a build, or null if it is up to date. */
export function buildReason(root = ROOT) {
  const entry = join(root, 'pkg/web/index.js');
  const wasm = join(root, 'pkg/web/horde_wasm_bg.wasm');
  if (!existsSync(entry) || !existsSync(wasm)) return 'pkg/web is missing';
  const built = Math.min(statSync(entry).mtimeMs, statSync(wasm).mtimeMs);
  for (const src of ['src', 'core', 'macros', 'js', 'Cargo.toml']) {
    if (newestMtime(join(root, src)) > built) return `${src} changed since the last build`;
  }
  return null;
}

async function main() {
  const opts = parse();

  const reason = buildReason();
  if (reason && opts.build) {
    console.log(`» building pkg/ (${reason}); this takes a while the first time`);
    const { build } = await import('./build.mjs');
    try {
      await build();
    } catch (e) {
      if (existsSync(join(ROOT, 'pkg/web/index.js'))) {
        console.error(`npm start: the build failed (${e.message}); serving the previous build of pkg/`);
      } else {
        fail(`the build failed: ${e.message}`);
      }
    }
  } else if (reason) {
    if (!existsSync(join(ROOT, 'pkg/web/index.js'))) fail('pkg/web is missing: run npm run build (or drop --no-build)');
    console.log(`» --no-build: serving pkg/ as it is (${reason})`);
  }

  let sim = null;
  if (opts.sim) {
    const { startSimulator } = await import('horde-sim');
    try {
      sim = await startSimulator({ port: opts.simPort, speed: opts.speed, quiet: true });
    } catch (e) {
      fail(e.code === 'EADDRINUSE'
        ? `port ${opts.simPort} is in use (another simulator?): stop it, or pick another with --sim-port`
        : `the simulator did not start: ${e.message}`);
    }
  }

  const config = {
    hordeUrl: sim ? sim.baseUrl : PUBLIC_HORDE,
    simulatorUrl: sim ? sim.baseUrl : null,
    publicUrl: PUBLIC_HORDE,
  };
  let site;
  try {
    site = await serve({ port: opts.port, config });
  } catch (e) {
    if (sim) await sim.close();
    fail(e.code === 'EADDRINUSE' ? `port ${opts.port} is in use: pick another with --port` : `the demo server did not start: ${e.message}`);
  }

  console.log('');
  if (sim) {
    console.log(`  AI Horde simulator  ${sim.baseUrl}   (speed ${opts.speed}; keys and controls: sim/README.md)`);
  } else {
    console.log(`  AI Horde            ${PUBLIC_HORDE}   (no simulator: --no-sim)`);
  }
  console.log(`  Demo page           ${site.url}/`);
  console.log('');
  console.log('  Open the demo page in a browser. Press Ctrl-C to stop.');
  console.log('');

  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    const timer = setTimeout(() => process.exit(1), 5000);
    timer.unref();
    await Promise.allSettled([site.close(), sim ? sim.close() : null]);
    console.log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => fail(e && e.message ? e.message : String(e)));
}
