// The demo page (www/) in headless Chromium against an in-process simulator:
//   node --test tests/e2e/
// Each test starts its own simulator, static server (both on port 0) and browser, and saves a
// screenshot to test-results/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startStack, openPage, screenshot, until, RESULTS, TEST_KEY } from './helpers.mjs';

/** Sizes of the rendered (not placeholder) images of the first job card. */
async function renderedImages(page, card = '.job') {
  return page.locator(`${card} .shot:not(.pending) img`).evaluateAll((imgs) =>
    imgs.map((img) => ({ complete: img.complete, width: img.naturalWidth, height: img.naturalHeight })));
}

test('a job from prompt to rendered images, downloadable, on desktop and at 375 px', async () => {
  const stack = await startStack({ sim: { speed: 20 } });
  try {
    const { page, site, sim } = stack;
    const submits = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/v2/generate/async')) submits.push(r.postDataJSON());
    });
    await openPage(page, site.url, { apiKey: TEST_KEY });
    await page.locator('#estimate strong').waitFor();
    assert.match(await page.locator('#conn-summary-text').textContent(), /Local simulator · Tester#1/);

    // Invalid input is explained next to its field, with the SDK's argument and rule, and
    // nothing is sent.
    const submitsBefore = sim.stats().byRoute['POST /v2/generate/async'] || 0;
    await page.fill('#prompt', 'a lighthouse on a cliff at dusk');
    await page.fill('#width', '500');
    await page.click('#generate');
    const widthError = page.locator('#width-error');
    await widthError.waitFor({ state: 'visible' });
    assert.match(await widthError.textContent(), /params\.width.*multiple of 64/);
    assert.equal(await page.locator('#width').getAttribute('aria-invalid'), 'true');
    // The submit's check is asynchronous: wait for it to move the focus.
    await until(async () => (await page.evaluate(() => document.activeElement.id)) === 'width',
      { what: 'the focus on the invalid field' });
    assert.equal(await page.locator('.job').count(), 0);
    assert.equal(sim.stats().byRoute['POST /v2/generate/async'] || 0, submitsBefore, 'no request for an invalid form');

    // A valid job, submitted from the keyboard (Enter in a field submits the form).
    await page.fill('#width', '384');
    await page.fill('#height', '256');
    await page.fill('#n', '2');
    await page.fill('#negative', 'blurry');
    await widthError.waitFor({ state: 'hidden' });
    await page.focus('#seed');
    await page.keyboard.press('Enter');

    const card = page.locator('.job').first();
    await card.waitFor();
    assert.equal(await card.locator('.progress[role="progressbar"]').count(), 1);
    assert.equal(await card.locator('[data-action="cancel"]').isVisible(), true);

    // A second job while the first runs: each gets its own card (newest first).
    await page.fill('#prompt', 'a second, portrait picture');
    await page.fill('#negative', '');
    await page.fill('#width', '256');
    await page.fill('#height', '384');
    await page.fill('#n', '1');
    await page.click('#generate');
    await until(async () => (await page.locator('.job').count()) === 2, { what: 'the second card' });
    const second = page.locator('.job').nth(0);
    const first = page.locator('.job').nth(1);

    await page.locator('.job[data-state="done"]').nth(1).waitFor({ timeout: 30_000 });
    for (const [c, n, w, h, words] of [[first, 2, 384, 256, /2 images in/], [second, 1, 256, 384, /1 image in/]]) {
      const jobId = await c.getAttribute('data-job-id');
      assert.ok(jobId, 'the card carries the job id');
      assert.equal(await c.getAttribute('data-state'), 'done');
      assert.match(await c.locator('.job-status').textContent(), words);
      const row = sim.job(jobId);
      assert.deepEqual([row.width, row.height, row.finished], [w, h, n]);
      const shots = c.locator('.shot:not(.pending) img');
      await until(async () => (await shots.evaluateAll((imgs) => imgs.every((i) => i.complete && i.naturalWidth > 0))), { what: 'images to load' });
      const sizes = await shots.evaluateAll((imgs) => imgs.map((i) => [i.naturalWidth, i.naturalHeight]));
      assert.deepEqual(sizes, Array(n).fill([w, h]), 'each image has the requested size');
      assert.equal(await c.locator('.shot.censored').count(), 0);
    }
    assert.equal(sim.job(await first.getAttribute('data-job-id')).images.length, 2);
    const card1 = first;

    // The Download button saves <generation id>.webp, a real WebP, even once the Horde has
    // dropped the job and its URLs: the page fetched the bytes when the image arrived.
    const generationId = await card1.locator('.shot').first().getAttribute('data-generation-id');
    const expiredJob = await card1.getAttribute('data-job-id');
    sim.inject(expiredJob, 'expire-images');
    sim.inject(expiredJob, 'expire');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      card1.locator('.shot').first().getByRole('button', { name: /^Download/ }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `${generationId}.webp`);
    const saved = join(RESULTS, `download-${generationId}.webp`);
    await download.saveAs(saved);
    const bytes = await readFile(saved);
    assert.equal(bytes.subarray(0, 4).toString('latin1'), 'RIFF');
    assert.equal(bytes.subarray(8, 12).toString('latin1'), 'WEBP');

    // The first prompt went out as prompt###negative; the code sample shows the form's request.
    const sent = submits.filter((b) => !b.dry_run);
    assert.equal(sent.length, 2);
    assert.equal(sent[0].prompt, 'a lighthouse on a cliff at dusk###blurry');
    assert.deepEqual([sent[0].params.width, sent[0].params.height, sent[0].params.n], [384, 256, 2]);
    assert.ok(submits.some((b) => b.dry_run === true), 'the cost estimate is a dry run');
    await page.fill('#negative', 'blurry');
    assert.match(await page.locator('#code').textContent(), /prompt: 'a second, portrait picture###blurry'/);

    await screenshot(page, 'e2e-1-job-desktop');

    // Narrow screen: no horizontal scrolling.
    await page.setViewportSize({ width: 375, height: 812 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, 'no horizontal scroll at 375 px');
    await screenshot(page, 'e2e-1-job-375px');
    assert.deepEqual(stack.consoleErrors, []);
  } finally {
    await stack.close();
  }
});

test('a field error waits while Generate is pressed, so the press is not lost', async () => {
  // Leaving an edited field by pressing Generate fires the field's change event, which starts
  // the cost estimate; if its field error appeared mid-press, the button would move from under
  // the pointer and the click would land elsewhere. The page's timers are frozen around the
  // press, so the estimate runs exactly while the button is held.
  const stack = await startStack();
  try {
    const { page, site, sim } = stack;
    await page.clock.install();
    await openPage(page, site.url, { apiKey: TEST_KEY });
    await page.locator('#estimate strong').waitFor();
    const submitsBefore = sim.stats().byRoute['POST /v2/generate/async'] || 0;
    await page.clock.pauseAt(await page.evaluate(() => Date.now() + 1000));
    await page.fill('#prompt', 'a lighthouse on a cliff at dusk');
    await page.fill('#width', '500');
    const widthError = page.locator('#width-error');
    const generate = page.locator('#generate');
    await generate.scrollIntoViewIfNeeded();
    const box = await generate.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.clock.runFor(1000); // the estimate (and the typing's own, 450 ms later) run now
    await page.waitForTimeout(300); // its check settles (promises, no timers)
    assert.equal(await widthError.isVisible(), false, 'no field error while the button is held');
    assert.deepEqual(await generate.boundingBox(), box, 'the button stays under the pointer');
    await page.mouse.up();
    // The click went through: the submit's check explains the field and focuses it.
    await widthError.waitFor({ state: 'visible' });
    await until(async () => (await page.evaluate(() => document.activeElement.id)) === 'width',
      { what: 'the focus on the invalid field' });
    await page.clock.resume();
    // The held estimate runs after the release and agrees.
    assert.match(await widthError.textContent(), /params\.width.*multiple of 64/);
    await until(async () => /Fix the highlighted field/.test(await page.locator('#estimate').textContent()),
      { what: "the held estimate's result" });
    assert.equal(await page.locator('.job').count(), 0);
    assert.equal(sim.stats().byRoute['POST /v2/generate/async'] || 0, submitsBefore, 'no request for an invalid form');
    assert.deepEqual(stack.consoleErrors, []);
  } finally {
    await stack.close();
  }
});

test('Cancel stops the job on the server and keeps the finished images', async () => {
  // One worker and 1024x1024 images: each image is its own batch of about 3 s at speed 8, so
  // the first image is delivered while the second runs and the others wait (the last one
  // could start only after about 9 s).
  const stack = await startStack({ sim: { speed: 8, workers: 1 } });
  try {
    const { page, site, sim } = stack;
    await openPage(page, site.url, { apiKey: TEST_KEY });
    await page.fill('#prompt', 'four paper boats on a pond');
    await page.fill('#width', '1024');
    await page.fill('#height', '1024');
    await page.fill('#n', '4');
    await page.click('#generate');

    const card = page.locator('.job').first();
    await until(async () => (await renderedImages(page)).some((i) => i.complete && i.width > 0), { timeout: 20_000, what: 'the first image' });
    const jobId = await card.getAttribute('data-job-id');
    assert.ok(jobId);
    assert.equal(sim.job(jobId).cancelled, false);

    // Cancel with the keyboard.
    await card.locator('[data-action="cancel"]').focus();
    await page.keyboard.press('Enter');
    await page.locator('.job[data-state="cancelled"]').waitFor({ timeout: 10_000 });

    const row = sim.job(jobId);
    assert.equal(row.cancelled, true, 'the simulator saw the cancel');
    assert.ok(row.images.length < 4, 'the last image never started');
    assert.ok((sim.stats().byRoute['DELETE /v2/generate/status'] || 0) >= 1);

    const status = await card.locator('.job-status').textContent();
    assert.match(status, /Cancelled on the Horde/);
    assert.match(status, /kept below/);
    const imgs = await renderedImages(page);
    assert.ok(imgs.length >= 1, 'finished images stay on the page');
    for (const img of imgs) assert.deepEqual([img.width, img.height], [1024, 1024]);
    assert.equal(await card.locator('.shot.pending').count(), 0, 'no placeholders left');
    assert.equal(await card.locator('[data-action="cancel"]').isVisible(), false);
    assert.equal(await card.locator('[data-action="remove"]').evaluate((b) => b === document.activeElement), true,
      'the keyboard focus moved from Cancel to Remove');
    await screenshot(page, 'e2e-2-cancel');

    // The in-flight image drains on the server; nothing new starts.
    await until(() => sim.job(jobId).done, { timeout: 10_000, what: 'the cancelled job to drain' });
    assert.ok(sim.job(jobId).images.length < 4);
    assert.ok(sim.job(jobId).finished < 4);
    assert.deepEqual(stack.consoleErrors, []);
  } finally {
    await stack.close();
  }
});

test('a bad API key is explained in plain words', async () => {
  const stack = await startStack({ sim: { speed: 20 } });
  try {
    const { page, site, sim } = stack;
    await openPage(page, site.url);
    assert.match(await page.locator('#conn-summary-text').textContent(), /Anonymous#0/);

    await page.click('#settings summary');
    assert.equal(await page.locator('#api-key').getAttribute('type'), 'password', 'the key is masked');
    await page.fill('#api-key', 'notarealkey000000');
    await page.click('#check-key');
    const keyStatus = page.locator('#key-status[data-state="error"]');
    await keyStatus.waitFor();
    const shown = await keyStatus.locator('p').first().textContent();
    assert.match(shown, /does not know this API key/);
    assert.match(shown, /0000000000/);
    assert.doesNotMatch(shown, /Horde\w*Error|find_user|404/, 'no class names or raw errors in the sentence');
    assert.equal(await keyStatus.locator('details.technical').getAttribute('open'), null, 'technical details stay folded');
    assert.match(await page.locator('#conn-summary-text').textContent(), /key not recognised/);
    assert.equal(await page.evaluate(() => localStorage.getItem('horde-wasm-demo:api-key')), 'notarealkey000000');

    // Submitting with it: 401 InvalidAPIKey, explained in the job card.
    await page.fill('#prompt', 'a red bicycle');
    await page.click('#generate');
    const error = page.locator('.job .job-error');
    await error.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await error.locator('.error-title').textContent(), /API key not accepted/);
    assert.match(await error.textContent(), /Check it under Connection/);
    assert.equal(await page.locator('.job .pill').textContent(), 'Failed');
    assert.equal(sim.jobs().length, 0);
    await screenshot(page, 'e2e-3-bad-key');

    // A key the client refuses (an invisible character pasted with it) is explained next to the
    // key, not as a bad address, and is not stored.
    await page.fill('#api-key', 'simtestkey\u200b000000000001');
    await page.click('#check-key');
    await page.locator('#key-status[data-state="error"]').waitFor();
    assert.match(await page.locator('#key-status p').first().textContent(), /This key cannot be used: .*Paste it again/);
    assert.notEqual(await page.locator('#url-status').getAttribute('data-state'), 'error', 'the address is not blamed');
    assert.match(await page.locator('#conn-summary-text').textContent(), /API key not usable/);
    assert.equal(await page.evaluate(() => localStorage.getItem('horde-wasm-demo:api-key')), 'notarealkey000000');
  } finally {
    await stack.close();
  }
});

test('a rate limit is explained in plain words', async () => {
  // The SDK retries rate-limit 429s itself, and a browser cannot read Retry-After (the Horde
  // exposes no headers), so with the default maxRetries (2) the error would surface after its
  // 60 s fallback back-offs. The demo server passes `clientOptions: { maxRetries: 0 }` to the
  // page through /config.json, so the injected 429 surfaces at once.
  const stack = await startStack({ sim: { speed: 20 }, clientOptions: { maxRetries: 0 } });
  try {
    const { page, site, sim } = stack;
    await openPage(page, site.url, { apiKey: TEST_KEY });
    await page.locator('#estimate strong').waitFor();
    sim.addFault({ fault: '429', method: 'POST', path: '/v2/generate/async', times: 0 });

    await page.fill('#prompt', 'a crowded harbour at noon');
    await page.click('#generate');
    const error = page.locator('.job .job-error');
    await error.waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await error.locator('.error-title').textContent(), 'Slow down');
    assert.match(await error.textContent(), /limiting how fast requests from your address may come in\. Wait a minute/);
    assert.equal(await page.locator('.job .pill').textContent(), 'Failed');
    assert.match(await page.locator('.job .job-status').textContent(), /not started/);
    assert.equal(await page.locator('.job [data-action="remove"]').isVisible(), true);
    assert.ok(sim.stats().byStatus['429'] >= 1);
    assert.equal(sim.jobs().length, 0);
    await screenshot(page, 'e2e-4-rate-limit');
  } finally {
    await stack.close();
  }
});

test('a cancel the Horde refuses is said plainly, and Cancel again finishes it', async () => {
  // No worker once the page is up: the job waits. Every DELETE answers 500 until the fault is
  // cleared, so the SDK's cancel fails (cancelError) within its 8 s budget.
  const stack = await startStack({ sim: { speed: 20 } });
  try {
    const { page, site, sim } = stack;
    await openPage(page, site.url, { apiKey: TEST_KEY });
    sim.setConfig({ workers: 0 });
    await page.fill('#prompt', 'a lighthouse nobody will paint');
    await page.click('#generate');
    const card = page.locator('.job').first();
    await until(async () => await card.getAttribute('data-job-id'), { timeout: 10_000, what: 'the job id' });
    const jobId = await card.getAttribute('data-job-id');
    sim.addFault({ fault: '500', method: 'DELETE', path: `/v2/generate/status/${jobId}`, times: 0 });

    await card.locator('[data-action="cancel"]').click();
    await page.locator('.job[data-state="failed"]').waitFor({ timeout: 20_000 });
    assert.equal(await card.locator('.pill').textContent(), 'Not cancelled');
    assert.match(await card.locator('.job-status').textContent(), /did not take the cancel: the job may still run/);
    assert.equal(sim.job(jobId).cancelled, false, 'the job really still runs');
    const again = card.locator('.job-error').getByRole('button', { name: 'Cancel again' });
    assert.equal(await again.isVisible(), true);

    sim.clearFaults();
    await again.click();
    await page.locator('.job[data-state="cancelled"]').waitFor({ timeout: 10_000 });
    assert.match(await card.locator('.job-status').textContent(), /Cancelled on the Horde/);
    assert.equal(await card.locator('.job-error').isVisible(), false);
    assert.equal(sim.job(jobId).cancelled, true, 'the second cancel reached the simulator');
    // The refused DELETEs show up in the console as failed loads (500), and nothing else does.
    assert.deepEqual(stack.consoleErrors.filter((m) => !/status of 500/.test(m)), []);
  } finally {
    await stack.close();
  }
});

test('after a failed connection, Enter on the same address tries again', async () => {
  const stack = await startStack({ sim: { speed: 20 } });
  try {
    const { page, site, sim } = stack;
    await openPage(page, site.url);
    await page.click('#settings summary');
    // The Horde stops answering its heartbeat (500, retries included).
    sim.addFault({ fault: '500', method: 'GET', path: '/v2/status/heartbeat', times: 0 });
    const url = await page.inputValue('#horde-url');
    await page.fill('#horde-url', `${url}/`);
    await page.press('#horde-url', 'Enter');
    await page.locator('#url-status[data-state="error"]').waitFor({ timeout: 15_000 });

    // It is back: the same address again (unchanged) reconnects.
    sim.clearFaults();
    await page.press('#horde-url', 'Enter');
    await page.locator('#url-status[data-state="ok"]').waitFor({ timeout: 15_000 });
    await page.locator('#conn-summary .dot[data-state="ok"]').waitFor();
    assert.ok(await page.locator('#model option').count() > 1, 'the models are loaded again');
  } finally {
    await stack.close();
  }
});

test('a number field the browser cannot read is a field error, not a silent default', async () => {
  const stack = await startStack({ sim: { speed: 20 } });
  try {
    const { page, site, sim } = stack;
    await openPage(page, site.url, { apiKey: TEST_KEY });
    await page.fill('#prompt', 'a quiet harbour');
    await page.fill('#cfg', '');
    await page.focus('#cfg');
    await page.keyboard.type('7e');
    assert.equal(await page.$eval('#cfg', (i) => i.validity.badInput), true, 'the browser cannot read it');
    await page.click('#generate');
    await page.locator('#cfg-error:not([hidden])').waitFor({ timeout: 10_000 });
    assert.match(await page.locator('#cfg-error').textContent(), /params\.cfg_scale/);
    assert.equal(await page.getAttribute('#cfg', 'aria-invalid'), 'true');
    assert.equal(await page.locator('.job').count(), 0, 'no job started');
    assert.equal(sim.jobs().length, 0);
  } finally {
    await stack.close();
  }
});

test('leaving the page cancels its running job on the Horde', async () => {
  const stack = await startStack({ sim: { speed: 1, workers: 1 } });
  try {
    const { page, site, sim } = stack;
    await openPage(page, site.url, { apiKey: TEST_KEY });
    await page.fill('#prompt', 'a lighthouse nobody waits for');
    await page.click('#generate');
    const card = page.locator('.job').first();
    await until(async () => !!(await card.getAttribute('data-job-id')), { timeout: 20_000, what: 'the job id' });
    const jobId = await card.getAttribute('data-job-id');
    assert.equal(sim.job(jobId).cancelled, false);

    // Following a link away: the page aborts its jobs on pagehide, and the SDK's cancel goes
    // out with keepalive (without it, the browser drops the DELETE with the page).
    await page.evaluate((u) => { location.href = `${u}/?left`; }, site.url);
    await until(() => sim.job(jobId).cancelled, { timeout: 10_000, what: 'the cancel of the job the page left' });
    assert.ok((sim.stats().byRoute['DELETE /v2/generate/status'] || 0) >= 1);
    assert.ok(sim.stats().preflights > 0, 'the browser sent CORS preflights, as it does to the Horde');
  } finally {
    await stack.close();
  }
});
