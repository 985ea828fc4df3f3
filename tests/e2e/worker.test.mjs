// examples/browser-worker/: the client inside a module Web Worker, served by scripts/serve.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, screenshot, until } from './helpers.mjs';

test('the Web Worker example generates images off the main thread', async () => {
  const stack = await startStack({ sim: { speed: 20 } });
  try {
    const { page, site, sim } = stack;
    await page.goto(`${site.url}/examples/browser-worker`); // redirected to the folder's index.html
    assert.equal(new URL(page.url()).pathname, '/examples/browser-worker/');
    await page.click('#go');
    await page.locator('#status', { hasText: /^Done: 2 images/ }).waitFor({ timeout: 20_000 });
    const images = page.locator('#images img');
    await until(async () => (await images.evaluateAll((imgs) => imgs.length === 2 && imgs.every((i) => i.complete && i.naturalWidth > 0))), { what: 'two images' });
    const sizes = await images.evaluateAll((imgs) => imgs.map((i) => [i.naturalWidth, i.naturalHeight]));
    assert.deepEqual(sizes, [[512, 512], [512, 512]]);
    assert.equal(sim.jobs().length, 1);
    assert.deepEqual(stack.consoleErrors, []);
    await screenshot(page, 'e2e-5-worker');
  } finally {
    await stack.close();
  }
});
