// Issue 7, load: 100 jobs through one client against the simulator with the real rate limits
// (submit: 2 per second and 90 per minute per IP, so this takes over a minute). Every result is
// delivered, the simulator answers no 429 at all, and the WebAssembly memory stays flat. Prints
// the figures: duration, requests per job by route, concurrency, memory.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { horde, startSim, client, idle, watchProcess } from './util.mjs';

const JOBS = 100;
const processIssues = watchProcess();
after(() => {
  processIssues.stop();
  assert.deepEqual(processIssues.map((x) => `${x.kind}: ${x.reason?.stack || x.reason}`), []);
});

test(`${JOBS} jobs through one client under the real rate limits: all delivered, zero 429s, flat memory`, { timeout: 240_000 }, async () => {
  // Jobs of a few seconds each (speed 4) so that many overlap, and enough workers (8) that the
  // key's queue stays under its concurrency (30 images; more would be TooManyPrompts 429s).
  const sim = await startSim({ rateLimits: true, speed: 4, workers: 8, seed: 5, lifetimeSeconds: 1e6 });
  try {
    let inFlight = 0;
    let maxInFlight = 0;
    const counting = async (url, init) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        return await fetch(url, init);
      } finally {
        inFlight -= 1;
      }
    };
    const c = client(sim, { fetch: counting });
    // Warm up once (first calls allocate the module's lasting structures), then measure.
    await c.heartbeat();
    const memStart = horde.wasmMemoryBytes();
    const t0 = Date.now();
    let running = 0;
    let maxRunning = 0;
    let resolved = 0;
    let memAt50;
    const images = new Map();
    const jobs = Array.from({ length: JOBS }, (_, i) => {
      const n = 1 + (i % 2);
      return c.generateImages({ prompt: `load job ${i}`, params: { n, width: 384 + 64 * (i % 3), height: 512, steps: 20 + (i % 11) } }, {
        onSubmitted: () => {
          running += 1;
          maxRunning = Math.max(maxRunning, running);
        },
        onImage: (g) => images.set(g.id, (images.get(g.id) ?? 0) + 1),
      }).then((st) => {
        running -= 1;
        resolved += 1;
        if (resolved === JOBS / 2) memAt50 = horde.wasmMemoryBytes();
        return { n, st };
      });
    });
    const results = await Promise.all(jobs);
    const seconds = (Date.now() - t0) / 1000;
    const memEnd = horde.wasmMemoryBytes();
    await idle(sim);

    const stats = sim.stats();
    const perJob = Object.fromEntries(Object.entries(stats.byRoute).map(([route, count]) => [route, +(count / JOBS).toFixed(2)]));
    const figures = {
      jobs: JOBS,
      images: results.reduce((a, r) => a + r.n, 0),
      durationSeconds: +seconds.toFixed(1),
      requestsTotal: stats.requests,
      requestsPerJob: +(stats.requests / JOBS).toFixed(2),
      requestsPerJobByRoute: perJob,
      byStatus: stats.byStatus,
      maxJobsInFlight: maxRunning,
      maxHttpRequestsInFlight: maxInFlight,
      client: c.stats,
      wasmMemoryBytes: { start: memStart, after50: memAt50, after100: memEnd },
    };
    console.log(`\nload figures\n${JSON.stringify(figures, null, 2)}`);

    // Every result delivered, each image once.
    assert.equal(results.length, JOBS);
    for (const { n, st } of results) {
      assert.equal(st.done, true);
      assert.equal(st.generations.length, n);
    }
    const ids = results.flatMap((r) => r.st.generations.map((g) => g.id));
    assert.equal(new Set(ids).size, ids.length, 'every image is distinct');
    assert.equal(images.size, ids.length, 'onImage saw every image');
    assert.ok([...images.values()].every((k) => k === 1), 'onImage saw each image once');
    assert.equal(stats.byRoute['POST /v2/generate/async'], JOBS, 'one submit per job');
    // Zero 429 answers, of either kind.
    assert.equal(stats.byStatus['429'] ?? 0, 0, JSON.stringify(stats.byStatus));
    assert.equal(stats.rateLimited, 0);
    assert.equal(c.stats.rateLimited, 0);
    // More than 90 submits: the minute window was respected, so it took over a minute.
    assert.ok(seconds > 60, `${seconds} s`);
    // Flat memory: nothing grows between the 50th and the 100th job.
    assert.equal(memEnd, memAt50, `wasm memory grew from ${memAt50} to ${memEnd} between job 50 and job 100`);
    assert.ok(memEnd - memStart <= 1024 * 1024, `wasm memory grew by ${memEnd - memStart} bytes over ${JOBS} jobs`);
  } finally {
    await sim.close();
  }
});
