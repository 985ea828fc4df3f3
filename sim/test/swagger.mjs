// A small Swagger 2.0 schema validator (the keywords swagger.json uses:
// $ref, allOf, type, required, properties, additionalProperties, items, enum,
// minimum/maximum, multipleOf, minLength/maxLength, uniqueItems, format), and
// the response schemas of the endpoints the simulator serves, with the
// deviations from swagger.json that API.md documents.
//
// fixtures/swagger.json is a copy of the published AI Horde swagger (see sim/README.md).
// When run directly (node --test runs every file here), it self-tests the validator.

import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SWAGGER = JSON.parse(readFileSync(new URL('./fixtures/swagger.json', import.meta.url), 'utf8'));

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

function typeOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (Number.isInteger(v)) return 'integer';
  return typeof v;
}

export function validate(value, schema, defs = SWAGGER.definitions, path = '$', errors = []) {
  if (!schema) return errors;
  if (schema.$ref) {
    const name = schema.$ref.replace('#/definitions/', '');
    if (!defs[name]) { errors.push(`${path}: unknown $ref ${schema.$ref}`); return errors; }
    validate(value, defs[name], defs, path, errors);
  }
  if (schema.allOf) for (const s of schema.allOf) validate(value, s, defs, path, errors);
  if (value === null && schema['x-nullable']) return errors;
  if (schema.type) {
    const t = typeOf(value);
    const ok = schema.type === t || (schema.type === 'number' && t === 'integer');
    if (!ok) { errors.push(`${path}: expected ${schema.type}, got ${t} (${JSON.stringify(value)})`); return errors; }
  }
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${path}: ${value} < minimum ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${path}: ${value} > maximum ${schema.maximum}`);
    if (schema.multipleOf !== undefined && value % schema.multipleOf !== 0) errors.push(`${path}: ${value} not a multiple of ${schema.multipleOf}`);
  }
  if (typeof value === 'string') {
    const len = [...value].length;
    if (schema.minLength !== undefined && len < schema.minLength) errors.push(`${path}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && len > schema.maxLength) errors.push(`${path}: longer than ${schema.maxLength}`);
    if (schema.format === 'uuid' && !UUID_RE.test(value)) errors.push(`${path}: not a uuid: ${value}`);
    if (schema.format === 'date-time' && !DATE_TIME_RE.test(value)) errors.push(`${path}: not a date-time: ${value}`);
  }
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((v, i) => validate(v, schema.items, defs, `${path}[${i}]`, errors));
    if (schema.uniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) errors.push(`${path}: items not unique`);
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const r of schema.required || []) if (!(r in value)) errors.push(`${path}: missing required ${r}`);
    const props = schema.properties || {};
    for (const [k, v] of Object.entries(value)) {
      if (props[k]) validate(v, props[k], defs, `${path}.${k}`, errors);
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        validate(v, schema.additionalProperties, defs, `${path}.${k}`, errors);
      } else if (schema.additionalProperties === false) errors.push(`${path}: unexpected property ${k}`);
    }
  }
  return errors;
}

// ---------------------------------------------------------------------------
// Definitions with the documented deviations applied. Each one names the
// API.md section that justifies it; nothing else is relaxed.

export const DEVIATIONS = [
  'RequestError.rc is an open string: the server emits rc values missing from swagger\'s enum (BannedClientAgent, StyleNotFound, NulByteInPayload, trailing-dot codes) — API.md §6.1',
  'Schema/header validation errors (400 {errors, message}) carry no rc although RequestValidationError inherits RequestError.required=[rc] — API.md §6.1, §6.2',
  'Rate-limit 429 bodies are {"message": "<N> per <period>"} without rc — API.md §6.1, §7, §13.7',
  '500 {"message": "Internal Server Error"} has no rc and no swagger schema — API.md §6.1',
  'GET /v2/status/models/{model_name} returns an ARRAY of ActiveModel (swagger: a single object) — API.md §9',
  'GET /v2/status/heartbeat has no swagger schema; validated against API.md §9 {message, version, queue, threads, active_count, db_connection}',
  'POST /v2/generate/async with dry_run answers 200 {kudos} (not in swagger) — API.md §2.3; validated as RequestAsync',
  'POST /v2/generate/async may answer 403 (KudosUpfront, BannedClientAgent) and 404 (WorkerNotFound, StyleNotFound) with RequestError bodies not listed in swagger — API.md §2.3 Errors, §6.2',
  'GET /v2/find_user without apikey answers 401 InvalidAPIKey (swagger lists 400/404) — API.md §9',
  'DELETE /v2/generate/status/{id} 404 message says "(Delete)"; RequestError shape as swagger — API.md §5 (404 if unknown/expired)',
  'UserDetails carries fields newer than swagger (styles, active_generations, deleted, customizer, kudos_details.styled, records.style) — API.md header note (swagger older than server); extra properties are allowed by swagger anyway',
  'UserDetails.usage and .contributions (obsolete) are {"megapixelsteps": null, "requests"/"fulfillments": null}: the server marshals an empty dict through UsageDetails/ContributionsDetails (User.get_details), so every field is null',
  'Unknown paths answer 404 {"message"} and wrong methods 405 {"message"} (flask-restx style; no swagger schema) — API.md §6.1 body shapes',
];

export const DEFS = structuredClone(SWAGGER.definitions);
delete DEFS.RequestError.properties.rc.enum; // API.md §6.1: rc is open
DEFS.MessageOnly = { type: 'object', required: ['message'], properties: { message: { type: 'string' } } };
// API.md §6.1: validation errors have no rc
DEFS.ValidationErrorNoRc = {
  type: 'object',
  required: ['message', 'errors'],
  properties: {
    message: { type: 'string', enum: ['Input payload validation failed'] },
    errors: DEFS.RequestValidationError.allOf[1].properties.errors,
  },
};
DEFS.RequestErrorWithRc = { allOf: [{ $ref: '#/definitions/RequestError' }], required: ['message', 'rc'] };
DEFS.Heartbeat = {
  type: 'object',
  required: ['message', 'version', 'queue', 'threads', 'active_count', 'db_connection'],
  properties: {
    message: { type: 'string', enum: ['OK', 'OVERLOADED', 'DOWN'] },
    version: { type: 'string' },
    queue: { type: 'integer' },
    threads: { type: 'integer' },
    active_count: { type: 'integer' },
    db_connection: { type: 'boolean' },
  },
};
DEFS.ActiveModelList = { type: 'array', items: { $ref: '#/definitions/ActiveModel' } };
// User.get_details: the obsolete usage/contributions models are marshalled from {}
for (const name of ['UsageDetails', 'ContributionsDetails']) {
  for (const prop of Object.values(DEFS[name].properties)) prop['x-nullable'] = true;
}

// Stricter than swagger where API.md says so: check has exactly its 10
// fields (API.md §3 "all fields always present, none null").
export const CHECK_FIELDS = ['finished', 'processing', 'restarted', 'waiting', 'done', 'faulted', 'wait_time', 'queue_position', 'kudos', 'is_possible'];
DEFS.StrictCheck = { allOf: [{ $ref: '#/definitions/RequestStatusCheck' }], required: CHECK_FIELDS, additionalProperties: false };
DEFS.StrictCheck.properties = Object.fromEntries(CHECK_FIELDS.map((f) => [f, {}]));
DEFS.StrictStatus = {
  allOf: [{ $ref: '#/definitions/RequestStatusStable' }],
  required: [...CHECK_FIELDS, 'generations', 'shared'],
};
DEFS.StrictGeneration = {
  allOf: [{ $ref: '#/definitions/GenerationStable' }],
  required: ['img', 'seed', 'id', 'censored', 'gen_metadata', 'worker_id', 'worker_name', 'model', 'state'],
  properties: { id: { format: 'uuid' }, worker_id: { format: 'uuid' } },
};

// The schema a response must match, by endpoint and status.
export function responseSchema(route, method, status, body) {
  const err = () => {
    if (body && typeof body === 'object' && 'errors' in body) return 'ValidationErrorNoRc';
    if (body && typeof body === 'object' && 'rc' in body) return 'RequestErrorWithRc';
    return 'MessageOnly';
  };
  if (status >= 400) return err();
  switch (route) {
    case 'async': return 'RequestAsync';
    case 'check': return 'StrictCheck';
    case 'status': return 'StrictStatus';
    case 'heartbeat': return 'Heartbeat';
    case 'models': case 'model': return 'ActiveModelList';
    case 'find_user': return 'UserDetails';
    default: return 'MessageOnly';
  }
}

export function routeOf(apiPath) {
  if (/^\/v2\/generate\/async$/.test(apiPath)) return 'async';
  if (/^\/v2\/generate\/check\//.test(apiPath)) return 'check';
  if (/^\/v2\/generate\/status\//.test(apiPath)) return 'status';
  if (apiPath === '/v2/status/heartbeat') return 'heartbeat';
  if (apiPath === '/v2/status/models') return 'models';
  if (/^\/v2\/status\/models\//.test(apiPath)) return 'model';
  if (apiPath === '/v2/find_user') return 'find_user';
  return 'other';
}

export function validateResponse(apiPath, method, status, body) {
  const name = responseSchema(routeOf(apiPath.split('?')[0]), method, status, body);
  const errors = validate(body, { $ref: `#/definitions/${name}` }, DEFS);
  if (name === 'StrictStatus') {
    (body.generations || []).forEach((g, i) => validate(g, { $ref: '#/definitions/StrictGeneration' }, DEFS, `$.generations[${i}]`, errors));
  }
  return { name, errors };
}

// ---------------------------------------------------------------------------
// Self-test when executed directly.

const isMain = process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url;
if (isMain) {
  const { test } = await import('node:test');
  const assert = (await import('node:assert/strict')).default;
  test('swagger validator: accepts valid and rejects invalid values', () => {
    const good = { finished: 0, processing: 1, restarted: 0, waiting: 0, done: false, faulted: false, wait_time: 3, queue_position: 0, kudos: 1, is_possible: true };
    assert.deepEqual(validate(good, { $ref: '#/definitions/StrictCheck' }, DEFS), []);
    assert.ok(validate({ ...good, finished: 1.5 }, { $ref: '#/definitions/StrictCheck' }, DEFS).length > 0);
    assert.ok(validate({ ...good, extra: 1 }, { $ref: '#/definitions/StrictCheck' }, DEFS).length > 0);
    const { finished, ...missing } = good;
    assert.ok(validate(missing, { $ref: '#/definitions/StrictCheck' }, DEFS).some((e) => e.includes('finished')));
    assert.ok(validate({ type: 'lora', value: 'nope' }, { $ref: '#/definitions/GenerationMetadataStable' }).length > 0);
    assert.deepEqual(validate({ type: 'lora', value: 'download_failed', ref: 'x' }, { $ref: '#/definitions/GenerationMetadataStable' }), []);
    assert.ok(validate({ ref: 'x'.repeat(256), type: 'lora', value: 'nsfw' }, { $ref: '#/definitions/GenerationMetadataStable' }).length > 0);
    assert.ok(validate([{ name: 'a', count: 'x' }], { $ref: '#/definitions/ActiveModelList' }, DEFS).length > 0);
    assert.ok(validate({ id: 'not-a-uuid', worker_id: 'x' }, { properties: { id: { format: 'uuid' } } }).length === 1);
    // unpatched swagger requires rc on validation errors; the patched one does not
    assert.ok(validate({ message: 'Input payload validation failed', errors: { a: 'b' } }, { $ref: '#/definitions/RequestValidationError' }).length > 0);
    assert.deepEqual(validate({ message: 'Input payload validation failed', errors: { a: 'b' } }, { $ref: '#/definitions/ValidationErrorNoRc' }, DEFS), []);
    assert.ok(validate({ message: 'x', rc: 'BannedClientAgent' }, { $ref: '#/definitions/RequestError' }).length > 0);
    assert.deepEqual(validate({ message: 'x', rc: 'BannedClientAgent' }, { $ref: '#/definitions/RequestError' }, DEFS), []);
    assert.ok(validate({ megapixelsteps: null, requests: null }, { $ref: '#/definitions/UsageDetails' }).length > 0);
    assert.deepEqual(validate({ megapixelsteps: null, requests: null }, { $ref: '#/definitions/UsageDetails' }, DEFS), []);
    assert.ok(validate({ megapixelsteps: 'x' }, { $ref: '#/definitions/ContributionsDetails' }, DEFS).length > 0);
    assert.ok(fileURLToPath(import.meta.url).endsWith('swagger.mjs'));
  });
}
