// The demo's plain-words explanations (www/explain.js) for the cases whose wording depends on
// what the error carries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explain } from '../../www/explain.js';

test('a timeout says "cancelled" only for a job (an error with jobId), never for a plain call', () => {
  const call = explain({ name: 'HordeTimeoutError', message: 'GET /v2/status/heartbeat timed out', timeoutMs: 30000 }, { hordeUrl: 'https://aihorde.net/api' });
  assert.equal(call.title, 'Took too long');
  assert.match(call.text, /at https:\/\/aihorde\.net\/api did not answer in time/);
  assert.doesNotMatch(call.text, /cancel/);
  const job = explain({ name: 'HordeTimeoutError', message: 'timed out', jobId: '5a5ba3f5-8a2d-4a77-8c9f-3f7d3bc0d8a1' });
  assert.match(job.text, /job did not finish in time.*given up and cancelled/);
});

test('an rc decides before the class, and the technical line names both', () => {
  const x = explain({ name: 'HordeAuthError', status: 401, rc: 'InvalidAPIKey', message: 'POST /v2/generate/async failed with 401 InvalidAPIKey: x' });
  assert.equal(x.title, 'API key not accepted');
  assert.match(x.technical, /^HordeAuthError · HTTP 401 · rc InvalidAPIKey: /);
});
