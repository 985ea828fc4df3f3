// Shared set-up of the browser tests: an in-process simulator, the demo's static server (both on
// port 0) and Debian's headless Chromium driven by playwright-core.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startSimulator } from 'horde-sim';
import { serve } from '../../scripts/serve.mjs';

export { until } from '../lib/until.mjs';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const RESULTS = join(ROOT, 'test-results');
export const TEST_KEY = 'simtestkey000000000001';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// Nothing may leave 127.0.0.1: the public Horde is unreachable here, and a test must not depend
// on it. Every request but a loopback one goes to a proxy address where nothing listens, so it
// fails at once, host names and IP literals alike, whatever proxy the environment sets; names
// resolve to nothing as well. (Routing requests through Playwright instead would skip CORS
// preflights and lose the keepalive requests of a page being left, hiding what a browser does.)
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
  '--proxy-server=http://127.0.0.1:9', '--proxy-bypass-list=127.0.0.1',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

export function checkPrerequisites() {
  if (!existsSync(join(ROOT, 'pkg/web/index.js'))) throw new Error('pkg/web is missing: run npm run build first');
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (or set CHROMIUM_PATH)`);
}

/**
 * Starts a simulator, the demo server pointing at it, and a browser.
 * @param {object} [o]
 * @param {object} [o.sim] startSimulator options (port 0 and quiet are implied)
 * @param {object} [o.clientOptions] passed by the page to `new HordeClient` (via /config.json)
 * @param {{width: number, height: number}} [o.viewport]
 */
export async function startStack({ sim: simOptions = {}, clientOptions, viewport = { width: 1280, height: 900 } } = {}) {
  checkPrerequisites();
  const sim = await startSimulator({ port: 0, quiet: true, seed: 7, ...simOptions });
  let site;
  let browser;
  try {
    site = await serve({
      port: 0,
      config: { hordeUrl: sim.baseUrl, simulatorUrl: sim.baseUrl, publicUrl: 'https://aihorde.net/api', ...(clientOptions ? { clientOptions } : {}) },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  } catch (e) {
    await site?.close();
    await sim.close();
    throw e;
  }
  const context = await browser.newContext({ viewport, acceptDownloads: true, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  return {
    sim,
    site,
    browser,
    context,
    page,
    consoleErrors,
    async close() {
      await browser.close().catch(() => {});
      await site.close();
      await sim.close();
    },
  };
}

/** Opens the page and waits until it has connected and loaded the models. */
export async function openPage(page, siteUrl, { apiKey } = {}) {
  if (apiKey) {
    await page.addInitScript((key) => localStorage.setItem('horde-wasm-demo:api-key', key), apiKey);
  }
  await page.goto(`${siteUrl}/`);
  await page.locator('#conn-summary .dot[data-state="ok"]').waitFor({ timeout: 15_000 });
  await page.waitForFunction(() => document.querySelectorAll('#model option').length > 1, null, { timeout: 10_000 });
}

export async function screenshot(page, name) {
  mkdirSync(RESULTS, { recursive: true });
  const path = join(RESULTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

