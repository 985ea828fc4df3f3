// The comparator of the wire-comparison test: it must see what matters and let pass
// what legitimately differs between two servers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareExchange, formatTable, normaliseMessage, parseJson, typeOf } from './compare.mjs';

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, GET, OPTIONS, PUT, DELETE, PATCH',
  'access-control-allow-headers': 'Accept, Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token, apikey, Client-Agent, X-Fields, X-Forwarded-For, Proxied-For, Proxy-Authorization',
};
const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

function answer(status, text, headers = {}) {
  return { status, text, headers: { ...CORS, ...JSON_TYPE, ...headers } };
}
const LIMITS = { 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '9', 'x-ratelimit-reset': '1796417913', 'retry-after': '60' };

const STATUS_REAL = '{"generations": [{"img": "http://127.0.0.1:15000/stable-horde/33357af7-1e13-4bb9-bd94-203e4ca4da4b.webp?X-Amz-Signature=dad2", "seed": "2799944313", "id": "33357af7-1e13-4bb9-bd94-203e4ca4da4b", "censored": false, "gen_metadata": [], "worker_id": "ae5279ba-71c5-422a-a3ed-ab3ccf8bda8d", "worker_name": "fake-worker-1", "model": "stable_diffusion", "state": "ok"}], "shared": false, "finished": 1, "processing": 0, "restarted": 0, "waiting": 0, "done": true, "faulted": false, "wait_time": 0, "queue_position": 0, "kudos": 12.0, "is_possible": true}';
const STATUS_SIM = '{"generations": [{"img": "http://127.0.0.1:7001/r2/80a2a78e-35b2-4438-816f-4570c550bc10.webp?X-Amz-Signature=64f6", "seed": "2926481369", "id": "80a2a78e-35b2-4438-816f-4570c550bc10", "censored": false, "gen_metadata": [], "worker_id": "6f5e7e0b-df43-4b24-84fa-c2c108ec9aa9", "worker_name": "horde-sim Birch", "model": "stable_diffusion", "state": "ok"}], "shared": false, "finished": 1, "processing": 0, "restarted": 0, "waiting": 0, "done": true, "faulted": false, "wait_time": 0, "queue_position": 0, "kudos": 8.0, "is_possible": true}';

test('identical answers give no difference; ids, seeds, kudos, workers and image URLs may differ', () => {
  assert.deepEqual(compareExchange(answer(200, STATUS_REAL, LIMITS), answer(200, STATUS_SIM, LIMITS)), []);
});

test('reset times are compared by presence, not value', () => {
  const sim = answer(200, STATUS_SIM, { ...LIMITS, 'x-ratelimit-reset': '1796417999' });
  assert.deepEqual(compareExchange(answer(200, STATUS_REAL, LIMITS), sim), []);
  const none = answer(200, STATUS_SIM, { ...LIMITS, 'x-ratelimit-reset': undefined });
  delete none.headers['x-ratelimit-reset'];
  assert.deepEqual(compareExchange(answer(200, STATUS_REAL, LIMITS), none).map((d) => d.field), ['header x-ratelimit-reset']);
});

test('a changed status code is a difference', () => {
  const d = compareExchange(answer(404, '{"message": "x", "rc": "RequestNotFound"}'), answer(400, '{"message": "x", "rc": "RequestNotFound"}'));
  assert.deepEqual(d, [{ field: 'status', real: '404', sim: '400' }]);
});

test('a missing key is a difference, at any depth', () => {
  const d = compareExchange(answer(200, STATUS_REAL), answer(200, STATUS_SIM.replace('"shared": false, ', '').replace('"censored": false, ', '')));
  assert.deepEqual(d.map((x) => x.field).sort(), ['generations[0].censored (key)', 'shared (key)']);
  assert.equal(d.find((x) => x.field === 'shared (key)').sim, '(absent)');
});

test('a type change is a difference, including integer against float spelling', () => {
  const d1 = compareExchange(answer(200, '{"seed": "12", "done": true}'), answer(200, '{"seed": 12, "done": "true"}'));
  assert.deepEqual(d1.map((x) => x.field).sort(), ['done (type)', 'seed (type)']);
  const d2 = compareExchange(answer(200, '{"kudos": 8.0}'), answer(200, '{"kudos": 8}'));
  assert.deepEqual(d2, [{ field: 'kudos (type)', real: 'float 8.0', sim: 'integer 8' }]);
  const d3 = compareExchange(answer(200, '[{"name": "a"}]'), answer(200, '{"name": "a"}'));
  assert.equal(d3[0].field, '(body) (type)');
});

test('a changed rc is a difference', () => {
  const d = compareExchange(answer(429, '{"message": "m", "rc": "TooManyPrompts"}'), answer(429, '{"message": "m", "rc": "TooManyRequests"}'));
  assert.deepEqual(d, [{ field: 'rc', real: '"TooManyPrompts"', sim: '"TooManyRequests"' }]);
});

test('messages are compared with ids, user ids, kudos amounts and enum order taken out', () => {
  const real = answer(404, '{"message": "Image Waiting Prompt (Check) with ID \'11111111-2222-4333-8444-555555555555\' not found.", "rc": "RequestNotFound"}');
  const sim = answer(404, '{"message": "Image Waiting Prompt (Check) with ID \'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\' not found.", "rc": "RequestNotFound"}');
  assert.deepEqual(compareExchange(real, sim), []);
  const other = answer(404, '{"message": "Image Waiting Prompt (Check) with ID \'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\' not found. You have requested this URI", "rc": "RequestNotFound"}');
  assert.deepEqual(compareExchange(real, other).map((d) => d.field), ['message']);
  assert.equal(normaliseMessage('This request requires 41.3 kudos to fulfil.'), normaliseMessage('This request requires 7 kudos to fulfil.'));
  assert.equal(normaliseMessage("'x' is not one of ['b', 'a']"), normaliseMessage("'x' is not one of ['a', 'b']"));
  const e1 = answer(400, '{"errors": {"params.sampler_name": "\'k\' is not one of [\'k_lms\', \'DDIM\']"}, "message": "Input payload validation failed"}');
  const e2 = answer(400, '{"errors": {"params.sampler_name": "\'k\' is not one of [\'DDIM\', \'k_lms\']"}, "message": "Input payload validation failed"}');
  assert.deepEqual(compareExchange(e1, e2), []);
  const e3 = answer(400, '{"errors": {"params.sampler_name": "\'k\' is not one of [\'DDIM\']"}, "message": "Input payload validation failed"}');
  assert.deepEqual(compareExchange(e1, e3).map((d) => d.field), ['errors.params.sampler_name']);
});

test('a changed header is a difference: CORS by value, rate limits exactly', () => {
  const base = answer(200, '{}', LIMITS);
  const cors = answer(200, '{}', { ...LIMITS, 'access-control-allow-origin': 'https://x', 'access-control-max-age': '600' });
  assert.deepEqual(compareExchange(base, cors).map((d) => d.field), ['header access-control-allow-origin', 'header access-control-max-age']);
  const limits = answer(200, '{}', { ...LIMITS, 'x-ratelimit-remaining': '8', 'retry-after': '1' });
  assert.deepEqual(compareExchange(base, limits), [
    { field: 'header x-ratelimit-remaining', real: '9', sim: '8' },
    { field: 'header retry-after', real: '60', sim: '1' },
  ]);
  const noLimits = answer(200, '{}');
  assert.deepEqual(compareExchange(base, noLimits).map((d) => d.field), [
    'header x-ratelimit-limit', 'header x-ratelimit-remaining', 'header retry-after', 'header x-ratelimit-reset',
  ]);
  assert.deepEqual(compareExchange(base, noLimits, { headers: { skip: ['ratelimit'] } }), []);
});

test('counters are compared when settled; while moving only what is still owed', () => {
  const a = answer(200, '{"finished": 0, "processing": 1, "restarted": 0, "waiting": 0, "done": false, "faulted": false, "wait_time": 4, "queue_position": 0, "kudos": 3.0, "is_possible": true}');
  const b = answer(200, '{"finished": 0, "processing": 0, "restarted": 0, "waiting": 1, "done": false, "faulted": false, "wait_time": 9, "queue_position": 1, "kudos": 3.0, "is_possible": true}');
  assert.deepEqual(compareExchange(a, b).map((d) => d.field), ['processing', 'waiting', 'queue_position']);
  // wait_time is a time: its type is compared, not its value
  const later = answer(200, a.text.replace('"wait_time": 4', '"wait_time": 6'));
  assert.deepEqual(compareExchange(a, later), []);
  assert.deepEqual(compareExchange(a, answer(200, a.text.replace('"wait_time": 4', '"wait_time": "4"'))).map((d) => d.field), ['wait_time (type)']);
  assert.deepEqual(compareExchange(a, b, { settled: false }), []);
  const c = answer(200, '{"finished": 0, "processing": 2, "restarted": 0, "waiting": 0, "done": false, "faulted": false, "wait_time": 4, "queue_position": 0, "kudos": 3.0, "is_possible": true}');
  assert.deepEqual(compareExchange(a, c, { settled: false }).map((d) => d.field), ['finished+processing+waiting']);
  // the activation tax (nothing delivered yet) is compared; it is a fixed amount
  const d = answer(200, '{"finished": 0, "processing": 1, "restarted": 0, "waiting": 0, "done": false, "faulted": false, "wait_time": 4, "queue_position": 0, "kudos": 1.0, "is_possible": true}');
  assert.deepEqual(compareExchange(a, d), [{ field: 'kudos', real: '3.0', sim: '1.0' }]);
  // a delivered image's kudos amounts are not
  assert.deepEqual(compareExchange(answer(200, STATUS_REAL), answer(200, STATUS_SIM.replace('"kudos": 8.0', '"kudos": 99.0'))), []);
});

test('id, seed and image values are checked for their form only', () => {
  const d = compareExchange(answer(200, STATUS_REAL), answer(200, STATUS_SIM
    .replace('"id": "80a2a78e-35b2-4438-816f-4570c550bc10"', '"id": ""')
    .replace('"seed": "2926481369"', '"seed": "abc"')
    .replace(/"img": "[^"]*"/, '"img": "UklGRh4AAABXRUJQ"')));
  assert.deepEqual(d.map((x) => x.field).sort(), ['generations[0].id (format)', 'generations[0].img (kind)', 'generations[0].seed (format)']);
});

test('other values are compared, and array lengths', () => {
  const d = compareExchange(answer(200, STATUS_REAL), answer(200, STATUS_SIM.replace('"censored": false', '"censored": true').replace('"generations": [{', '"generations": [], "x": [{')));
  assert.ok(d.some((x) => x.field === 'generations (length)'));
  const e = compareExchange(answer(200, STATUS_REAL), answer(200, STATUS_SIM.replace('"censored": false', '"censored": true')));
  assert.deepEqual(e, [{ field: 'generations[0].censored', real: 'false', sim: 'true' }]);
});

test('rules: ignore modes and keyed arrays', () => {
  const r = answer(200, '[{"name": "a", "count": 1, "eta": 3}, {"name": "b", "count": 1, "eta": 0}, {"name": "f", "count": 1, "eta": 0}]');
  const s = answer(200, '[{"name": "b", "count": 1, "eta": 7}, {"name": "a", "count": 2, "eta": 0}]');
  const rules = { keyed: { '': 'name' }, ignore: [{ path: '[].eta', mode: 'type' }, { path: '[name=f]', mode: 'optional' }] };
  assert.deepEqual(compareExchange(r, s, rules), [{ field: '[name=a].count', real: '1', sim: '2' }]);
  assert.deepEqual(compareExchange(r, s, { keyed: { '': 'name' } }).map((d) => d.field), ['[name=a].count', '[name=a].eta', '[name=b].eta', '[name=f] (element)']);
  const u1 = answer(200, '{"records": {"usage": {"megapixelsteps": 7.86}}, "usage": {}}');
  const u2 = answer(200, '{"records": {"usage": {"megapixelsteps": 0}}, "usage": {"requests": null}}');
  assert.deepEqual(compareExchange(u1, u2, { ignore: [{ path: 'records.**', mode: 'number' }] }).map((d) => d.field), ['usage.requests (key)']);
  assert.deepEqual(compareExchange(u1, u2, { ignore: [{ path: 'records.**', mode: 'type' }, { path: 'usage', mode: 'skip' }] }).map((d) => d.field), ['records.usage.megapixelsteps (type)']);
});

test('bodies that are not JSON are compared by kind and text', () => {
  assert.deepEqual(compareExchange(answer(200, ''), answer(200, '')), []);
  assert.deepEqual(compareExchange(answer(404, '<html>x</html>'), answer(404, '{"message": "x"}')).map((d) => d.field), ['body']);
});

test('transport failures are differences', () => {
  assert.deepEqual(compareExchange({ error: 'TypeError: fetch failed' }, answer(200, '{}')), [{ field: 'transport', real: 'TypeError: fetch failed', sim: 'answered' }]);
});

test('the JSON reader keeps number spellings', () => {
  assert.equal(typeOf(parseJson('8.0')), 'float');
  assert.equal(typeOf(parseJson('8')), 'integer');
  assert.equal(typeOf(parseJson('-1e3')), 'float');
  assert.deepEqual(JSON.parse(JSON.stringify(parseJson('{"a": [1, 2.5, "x\\"y", null, true]}'))), { a: [1, 2.5, 'x"y', null, true] });
  assert.throws(() => parseJson('{"a": }'));
});

test('the table lists every difference', () => {
  const t = formatTable([{ exchange: 'seq / step', field: 'status', real: '404', sim: '400' }]);
  assert.match(t, /seq \/ step +\| status +\| 404 +\| 400/);
});

test('a 1-second window: Retry-After 0 or 1, and a window that lapsed during a slow answer, are timing', () => {
  const second = (remaining, retry) => answer(202, '{"id": "x"}', { 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': remaining, 'x-ratelimit-reset': '1796417913', 'retry-after': retry });
  assert.deepEqual(compareExchange(second('0', '0'), second('0', '1')), []);
  assert.deepEqual(compareExchange(second('2', '0'), second('0', '1')), [], 'lapsed on the real server');
  assert.deepEqual(compareExchange(second('0', '1'), second('1', '1')).map((d) => d.field), ['header x-ratelimit-remaining']);
  assert.deepEqual(compareExchange(second('1', '1'), second('2', '1')).map((d) => d.field), ['header x-ratelimit-remaining'], 'only the real server\'s late read');
  const minute = (retry) => answer(200, '[]', { ...LIMITS, 'retry-after': retry });
  assert.deepEqual(compareExchange(minute('60'), minute('59')).map((d) => d.field), ['header retry-after']);
});
