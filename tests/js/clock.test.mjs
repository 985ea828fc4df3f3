// The client keeps time on a monotonic clock: the wall clock (Date.now) set back or forward
// moves none of its pacing. A file of its own, with no simulator in the process, since the test
// patches Date.now for every reader in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { horde } from './helpers.mjs';

test('pacing follows a monotonic clock: the wall clock set back or forward an hour does not move it', { timeout: 20_000 }, async () => {
  // A local fetch answering every submit.
  const sent = [];
  const fetch = async () => {
    sent.push(performance.now());
    return new Response(JSON.stringify({ id: '00000000-0000-4000-8000-000000000001', kudos: 10 }), {
      status: 202, headers: { 'content-type': 'application/json' },
    });
  };
  const c = new horde.HordeClient({ baseUrl: 'http://127.0.0.1:9', clientAgent: 'clock-test:0:tests', apiKey: 'simtestkey000000000001', fetch });
  const wall = Date.now;
  const shift = (ms) => { Date.now = () => wall.call(Date) + ms; };
  try {
    // The submit route allows 2 a second. Set back: a clock-based limiter would hold the third
    // submit for an hour.
    await c.submitImage({ prompt: 'one' });
    await c.submitImage({ prompt: 'two' });
    shift(-3_600_000);
    await c.submitImage({ prompt: 'three' });
    assert.ok(sent[2] - sent[0] >= 990, `the third submit waited for the window (${sent[2] - sent[0]} ms)`);
    assert.ok(sent[2] - sent[0] < 3000, `the third submit was held ${sent[2] - sent[0]} ms`);
    // Set forward: a clock-based limiter would think the window long past and send at once.
    await c.submitImage({ prompt: 'four' });
    shift(3_600_000);
    await c.submitImage({ prompt: 'five' });
    assert.ok(sent[4] - sent[2] >= 990, `the fifth submit waited for the window (${sent[4] - sent[2]} ms)`);
  } finally {
    Date.now = wall;
  }
});
