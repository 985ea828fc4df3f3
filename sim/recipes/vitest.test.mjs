// Recipe: a Vitest test of app code that talks to the AI Horde, run against horde-sim.
//   npx vitest run vitest.test.mjs
import { test, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { AIHorde } from '@zeldafan0225/ai_horde';
import { startSimulator } from 'horde-sim';

// The app's code: one image through @zeldafan0225/ai_horde, and a balance through plain fetch.
const AGENT = 'my-app:1.0:me@example.com';
async function generateImage(hordeUrl, prompt) {
  const horde = new AIHorde({ api_route: `${hordeUrl}/v2`, client_agent: AGENT, default_token: '0000000000' });
  const { id } = await horde.postAsyncImageGenerate({ prompt, params: { steps: 10 } });
  while (!(await horde.getImageGenerationCheck(id, { force: true })).done) await new Promise((r) => setTimeout(r, 500));
  const { generations } = await horde.getImageGenerationStatus(id, { force: true });
  return generations[0].img;
}
async function kudosOf(hordeUrl, apikey) {
  const res = await fetch(`${hordeUrl}/v2/find_user`, { headers: { apikey, 'Client-Agent': AGENT } });
  if (!res.ok) throw new Error(`find_user answered ${res.status}`);
  return (await res.json()).kudos;
}

let sim;
beforeAll(async () => { sim = await startSimulator({ port: 0, speed: 20 }); });
afterAll(() => sim.close());
beforeEach(() => sim.control.reset());

test('generateImage returns the URL of a 512x512 WebP', async () => {
  const url = await generateImage(sim.baseUrl, 'a lighthouse at dusk');
  const image = await fetch(url);
  expect(image.headers.get('content-type')).toBe('image/webp');
  expect((await sim.control.jobs())[0].width).toBe(512);
});

test('generateImage fails when the Horde answers 503', async () => {
  await sim.control.addFault({ fault: '503', path: '/generate/async' });
  await expect(generateImage(sim.baseUrl, 'a lighthouse')).rejects.toThrow();
});

test('kudosOf reads the balance the simulator was given', async () => {
  await sim.control.setKudos('simtestkey000000000003', 1234);
  expect(await kudosOf(sim.baseUrl, 'simtestkey000000000003')).toBe(1234);
  await expect(kudosOf(sim.baseUrl, 'no-such-key')).rejects.toThrow('404');
});
