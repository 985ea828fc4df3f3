// Recipe: a Playwright test of a web page that talks to the AI Horde, run against horde-sim.
//   node --test playwright.test.mjs          (playwright-core and a Chromium; CHROMIUM=path)
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';
import { startSimulator } from 'horde-sim';

// The page under test: a button that asks the Horde for an image and shows it.
const PAGE = `<!doctype html><meta charset="utf-8"><title>app</title>
<button id="go">Generate</button><p id="msg"></p><img id="out" alt="">
<script type="module">
const horde = new URLSearchParams(location.search).get('horde');
const headers = { 'Content-Type': 'application/json', apikey: '0000000000', 'Client-Agent': 'my-page:1.0:me@example.com' };
const msg = document.getElementById('msg');
document.getElementById('go').onclick = async () => {
  const res = await fetch(horde + '/v2/generate/async', { method: 'POST', headers, body: JSON.stringify({ prompt: 'a red fox', params: { steps: 10 } }) });
  if (!res.ok) { msg.textContent = 'The Horde answered ' + res.status; return; }
  const { id } = await res.json();
  msg.textContent = 'waiting';
  while (!(await (await fetch(horde + '/v2/generate/check/' + id)).json()).done) await new Promise((r) => setTimeout(r, 500));
  const status = await (await fetch(horde + '/v2/generate/status/' + id)).json();
  document.getElementById('out').src = status.generations[0].img;
  msg.textContent = 'done';
};
</script>`;

let sim, site, browser, page;
before(async () => {
  sim = await startSimulator({ port: 0, speed: 20 });
  site = createServer((req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE));
  await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});
after(async () => {
  await browser?.close();
  site?.close();
  await sim?.close();
});
beforeEach(async () => {
  await sim.control.reset();
  page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${site.address().port}/?horde=${encodeURIComponent(sim.baseUrl)}`);
});

test('the page shows the generated image', async () => {
  await page.click('#go');
  await page.waitForFunction(() => document.getElementById('out').naturalWidth > 0);
  assert.equal(await page.$eval('#out', (img) => img.naturalWidth), 512);
  assert.equal(await page.textContent('#msg'), 'done');
  await page.close();
});

test('the page says so when the Horde is down', async () => {
  await sim.control.addFault({ fault: '503', path: '/generate/async' });
  await page.click('#go');
  await page.waitForFunction(() => document.getElementById('msg').textContent !== '');
  assert.equal(await page.textContent('#msg'), 'The Horde answered 503');
  const log = await sim.control.log();
  assert.deepEqual(log.map((e) => [e.method, e.path, e.status]), [['OPTIONS', '/api/v2/generate/async', 200], ['POST', '/api/v2/generate/async', 503]]);
  await page.close();
});
