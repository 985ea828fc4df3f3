#!/usr/bin/env node
// Writes screenshots of the demo page (desktop and 375 px wide; idle, running, finished and
// error states) to test-results/screens/, for looking at the page by eye:
//   node tests/e2e/screenshots.mjs
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startStack, openPage, RESULTS, TEST_KEY } from './helpers.mjs';

const dir = join(RESULTS, 'screens');
mkdirSync(dir, { recursive: true });

/** A full-page screenshot; a tall page is also cut into 1000 px slices (easier to look at). */
async function shot(page, name) {
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
  const { width, height } = await page.evaluate(() => ({ width: document.documentElement.clientWidth, height: document.documentElement.scrollHeight }));
  if (height <= 1400) return;
  for (let y = 0, i = 1; y < height; y += 1000, i++) {
    await page.screenshot({ path: join(dir, `${name}.part${i}.png`), fullPage: true, clip: { x: 0, y, width, height: Math.min(1000, height - y) } });
  }
}

for (const [label, viewport] of [['desktop', { width: 1280, height: 900 }], ['mobile', { width: 375, height: 812 }]]) {
  const stack = await startStack({ sim: { speed: 6 }, viewport });
  try {
    const { page, site } = stack;
    await openPage(page, site.url, { apiKey: TEST_KEY });
    await page.locator('#estimate strong').waitFor();
    await shot(page, `${label}-idle`);

    await page.fill('#prompt', 'a lighthouse on a cliff at dusk, oil painting, warm light');
    await page.fill('#negative', 'blurry, text');
    await page.fill('#n', '3');
    await page.click('#generate');
    await page.locator('.job .pill[data-state="processing"], .job .pill[data-state="queued"]').first().waitFor();
    await page.fill('#prompt', 'a nude statue in a museum');
    await page.fill('#n', '2');
    await page.fill('#width', '512');
    await page.fill('#height', '768');
    await page.click('#generate');
    await page.waitForTimeout(1500);
    await shot(page, `${label}-running`);

    await page.locator('.job[data-state="done"]').nth(1).waitFor({ timeout: 60_000 });
    await page.fill('#width', '500');
    await page.locator('#width-error:not([hidden])').waitFor();
    await shot(page, `${label}-done-invalid`);
    await page.fill('#width', '512');

    await page.click('#settings summary');
    await page.fill('#api-key', 'notarealkey0000');
    await page.click('#check-key');
    await page.locator('#key-status[data-state="error"]').waitFor();
    await page.screenshot({ path: join(dir, `${label}-bad-key.png`), fullPage: false });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    console.log(`${label}: horizontal overflow ${overflow}px; console errors: ${stack.consoleErrors.length ? stack.consoleErrors.join(' | ') : 'none'}`);
  } finally {
    await stack.close();
  }
}
console.log(`screenshots in ${dir}`);
