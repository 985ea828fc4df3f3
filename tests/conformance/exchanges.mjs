// The exchanges the wire-comparison test sends to the real AI Horde and to the
// simulator, as data. Each sequence runs in order, every exchange going to both
// servers at the same moment (lock-step), under its own X-Forwarded-For address so
// its rate-limit windows start fresh on both servers.
//
// A sequence: { name, steps, sim?, ip?, minuteWindows? }
//   sim            which simulator answers it (a key of SIMULATORS; default 'main')
//   ip: 'trusted'  the one address reserved for the Trusted key, whose submits put the
//                  address on the server's trusted-IP whitelist for a day
//   minuteWindows  it uses per-minute rate-limit windows on fixed paths (models,
//                  find_user, the route-like id): the runner gives it a new address
//                  on each run, so a run soon after another does not meet its windows
//
// A step is an exchange, a wait or a sleep:
//   { name, method, path, key?, headers?, body?, rawBody?, save?, burst?, rules? }
//     path      under /api; '{a}' is the request id saved as 'a' earlier in the
//               sequence (on each server its own id), '{run}' a token unique to
//               the run, '{unknownUuid}' a random UUID no server knows
//     key       'tester' | 'low' | 'poor' | 'trusted' | 'anon' (an `apikey` header
//               with that key), 'junk' (a key no server knows, fresh per exchange,
//               so the per-key submit window is its own), omitted: no apikey header
//     headers   extra request headers (a null value drops a default header)
//     body      JSON body (placeholders are replaced in its strings); rawBody: sent as is
//     save      remember the answer's `id` under this name
//     burst     a submit sent right after the previous one, in the same rate-limit
//               window (otherwise submits are spaced so each one opens fresh windows)
//     rules     see compare.mjs (settled, ignore, keyed, normalise, headers)
//   { wait: 'done', job: 'a' }   poll check (from a separate address) until done on both
//   { sleep: ms }
//
// Every request created is cancelled (DELETE) when its sequence ends.

export const KEYS = {
  anon: '0000000000',
  tester: 'simtestkey000000000001',
  low: 'simtestkey000000000002',
  poor: 'simtestkey000000000003',
  trusted: 'simtestkey000000000004',
};

export const CLIENT_AGENT = 'horde-wasm-conformance:1.0:tests/conformance';

// Simulators resembling the real setup: one worker, jobs of about a second (the fake
// worker paints 512x512x30 in ~1 s; a simulated worker needs 5-8 simulated seconds, so
// speed 6), and the server's 20-minute request lifetime in real time.
const BASE_SIM = { workers: 1, speed: 6, lifetimeSeconds: 1200 * 6, rateLimits: true };
export const SIMULATORS = {
  main: BASE_SIM,
  // The fake worker faults every job whose prompt says 'faultme'; this simulator's
  // worker fails every job, whatever the prompt.
  faulty: { ...BASE_SIM, failureRate: 1 },
  // The fake worker serves the Flux model; of a simulated fleet, worker 1 does.
  flux: { ...BASE_SIM, workers: 2 },
};

export const UNSERVED_MODEL = 'SDXL 1.0'; // known to both servers, served by no worker
const FLUX = 'Flux.1-Schnell fp8 (Compact)';

// ---------------------------------------------------------------------------
// Rule sets, each exception with its reason.

// A request just submitted for a model no worker serves: its counters are fixed
// (waiting n, nothing processing), but queue_position and wait_time count the other
// requests waiting on the server, which on the shared real server (and among this
// test's own concurrent sequences) come and go.
const QUEUED_ELSEWHERE = [
  { path: 'queue_position', mode: 'type' },
  { path: 'wait_time', mode: 'type' },
];

const FIND_USER = {
  ignore: [
    // amounts and history: the real database has served other sessions before
    { path: 'kudos_details.*', mode: 'number' },
    { path: 'records.**', mode: 'number' },
    { path: 'usage.*', mode: 'number' },
    { path: 'contributions.*', mode: 'number' },
    { path: 'account_age', mode: 'type' }, // seconds since the account was made
    // present only while the user has requests stored on the server (done ones stay
    // until they expire, ~20 minutes): on the shared real server that depends on
    // whoever used the key lately. Its lists hold request ids.
    { path: 'active_generations', mode: 'optional' },
    { path: 'active_generations.*', mode: 'type' },
    { path: 'worker_ids', mode: 'type' },
    { path: 'sharedkey_ids', mode: 'type' },
  ],
};

const MODELS = {
  keyed: { '': 'name' },
  ignore: [
    // load figures: measured worker speed, queued pixel-steps, queued jobs, ETA seconds
    { path: '[].performance', mode: 'type' },
    { path: '[].queued', mode: 'type' },
    { path: '[].jobs', mode: 'type' },
    { path: '[].eta', mode: 'type' },
    // the fake worker also serves Flux, which the main simulator's one worker does not
    { path: `[name=${FLUX}]`, mode: 'optional' },
    // known models nobody serves are listed while requests wait for them; the real
    // server builds its list every 10 s, and other sessions' requests count too
    { path: `[name=${UNSERVED_MODEL}]`, mode: 'optional' },
    { path: '[name=Stable Cascade 1.0]', mode: 'optional' },
  ],
};

const HEARTBEAT = {
  ignore: [
    // "OK", or "OVERLOADED" while the real server's request queue is not empty
    { path: 'message', mode: 'type' },
    // server load and thread counts
    { path: 'queue', mode: 'type' },
    { path: 'threads', mode: 'type' },
    { path: 'active_count', mode: 'type' },
  ],
};

// The warnings of a submit come from a Python set on the real server: no order.
const WARNINGS = { keyed: { warnings: 'code' } };

// KudosUpfront names the largest size allowed without upfront kudos, which shrinks as
// requests queue up on the server (other sessions' requests included).
const UPFRONT = { normalise: ['over \\d+x\\d+'] };

// ---------------------------------------------------------------------------
// Builders

const submit = (name, key, body, extra = {}) => ({ name, method: 'POST', path: '/v2/generate/async', key, body, ...extra });
const check = (name, job, extra = {}) => ({ name, method: 'GET', path: `/v2/generate/check/{${job}}`, ...extra });
const status = (name, job, extra = {}) => ({ name, method: 'GET', path: `/v2/generate/status/{${job}}`, ...extra });
const cancel = (name, job, extra = {}) => ({ name, method: 'DELETE', path: `/v2/generate/status/{${job}}`, ...extra });
const get = (name, path, extra = {}) => ({ name, method: 'GET', path, ...extra });
const preflight = (name, path, method, requestHeaders = 'apikey, client-agent') => ({
  name,
  method: 'OPTIONS',
  path,
  headers: {
    Origin: 'https://app.example',
    'Access-Control-Request-Method': method,
    'Access-Control-Request-Headers': requestHeaders,
    'Client-Agent': null,
  },
});
const waitDone = (job) => ({ wait: 'done', job });
const sleep = (ms) => ({ sleep: ms });
const schemaError = (name, body) => submit(name, 'junk', body);
const unserved = (extra = {}) => ({ prompt: 'a lighthouse at dusk', models: [UNSERVED_MODEL], ...extra });

// ---------------------------------------------------------------------------
// The sequences

export const SEQUENCES = [
  {
    name: 'heartbeat and preflights',
    steps: [
      get('heartbeat', '/v2/status/heartbeat', { rules: HEARTBEAT }),
      get('heartbeat without Client-Agent', '/v2/status/heartbeat', { headers: { 'Client-Agent': null }, rules: HEARTBEAT }),
      preflight('preflight POST async', '/v2/generate/async', 'POST', 'apikey, client-agent, content-type'),
      preflight('preflight GET check', '/v2/generate/check/{unknownUuid}', 'GET'),
      preflight('preflight GET status', '/v2/generate/status/{unknownUuid}', 'GET'),
      preflight('preflight DELETE status', '/v2/generate/status/{unknownUuid}', 'DELETE'),
      preflight('preflight GET heartbeat', '/v2/status/heartbeat', 'GET', 'client-agent'),
    ],
  },
  {
    name: 'models',
    minuteWindows: true,
    steps: [
      // first, so that the GETs after it show whether it counted in their window
      preflight('preflight GET models', '/v2/status/models', 'GET', 'client-agent'),
      preflight('preflight GET model', '/v2/status/models/stable_diffusion', 'GET', 'client-agent'),
      get('models', '/v2/status/models', { rules: MODELS }),
      get('models type=image', '/v2/status/models?type=image', { rules: MODELS }),
      get('models type=text', '/v2/status/models?type=text', { rules: MODELS }),
      get('models min_count=1', '/v2/status/models?min_count=1', { rules: MODELS }),
      get('models min_count=2', '/v2/status/models?min_count=2', { rules: MODELS }),
      get('models max_count=0', '/v2/status/models?max_count=0', { rules: MODELS }),
      get('models max_count=1', '/v2/status/models?max_count=1', { rules: MODELS }),
      get('models model_state=known', '/v2/status/models?model_state=known', { rules: MODELS }),
      get('models model_state=custom', '/v2/status/models?model_state=custom', { rules: MODELS }),
      get('models model_state=all', '/v2/status/models?model_state=all', { rules: MODELS }),
      get('models model_state=bogus', '/v2/status/models?model_state=bogus'),
      get('models type=bogus', '/v2/status/models?type=bogus', { rules: MODELS }),
      get('models min_count=abc', '/v2/status/models?min_count=abc', { rules: MODELS }),
      get('model stable_diffusion', '/v2/status/models/stable_diffusion', { rules: MODELS }),
      get('model AlbedoBase XL (SDXL)', '/v2/status/models/AlbedoBase%20XL%20(SDXL)', { rules: MODELS }),
      get('model SDXL 1.0 (unserved)', '/v2/status/models/SDXL%201.0', { rules: MODELS }),
      get('model unknown', '/v2/status/models/no-such-model', { rules: MODELS }),
    ],
  },
  {
    name: 'find_user',
    minuteWindows: true,
    steps: [
      preflight('preflight GET find_user', '/v2/find_user', 'GET'),
      get('find_user Tester', '/v2/find_user', { key: 'tester', rules: FIND_USER }),
      get('find_user LowConcurrency', '/v2/find_user', { key: 'low', rules: FIND_USER }),
      get('find_user Poor', '/v2/find_user', { key: 'poor', rules: FIND_USER }),
      get('find_user Trusted', '/v2/find_user', { key: 'trusted', rules: FIND_USER }),
      get('find_user anonymous', '/v2/find_user', { key: 'anon', rules: FIND_USER }),
      get('find_user unknown key', '/v2/find_user', { key: 'junk' }),
      get('find_user no key', '/v2/find_user'),
      get('find_user empty key', '/v2/find_user', { headers: { apikey: '' } }),
    ],
  },
  {
    name: 'unknown requests',
    minuteWindows: true,
    steps: [
      get('check unknown UUID', '/v2/generate/check/{unknownUuid}'),
      get('status unknown UUID', '/v2/generate/status/{unknownUuid}'),
      { name: 'delete unknown UUID', method: 'DELETE', path: '/v2/generate/status/{unknownUuid}' },
      get('check not-a-real-id', '/v2/generate/check/not-a-real-id'),
      get('status not-a-real-id', '/v2/generate/status/not-a-real-id'),
      { name: 'delete not-a-real-id', method: 'DELETE', path: '/v2/generate/status/not-a-real-id' },
      { name: 'POST to check (wrong method)', method: 'POST', path: '/v2/generate/check/{unknownUuid}', headers: { 'Content-Type': 'application/json' }, rawBody: '{}' },
      get('GET async (wrong method)', '/v2/generate/async'),
    ],
  },
  {
    name: 'schema errors: body',
    steps: [
      schemaError('no prompt', {}),
      schemaError('prompt not a string', { prompt: 5 }),
      schemaError('prompt empty', { prompt: '' }),
      schemaError('prompt null', { prompt: null }),
      schemaError('body is an array', []),
      schemaError('models not an array', { prompt: 'a cat', models: 'stable_diffusion' }),
      schemaError('models item not a string', { prompt: 'a cat', models: [1] }),
      schemaError('nsfw not a boolean', { prompt: 'a cat', nsfw: 'yes' }),
      schemaError('source_processing txt2img', { prompt: 'a cat', source_processing: 'txt2img' }),
      schemaError('webhook too short', { prompt: 'a cat', webhook: 'https://' }),
      schemaError('style too short', { prompt: 'a cat', style: 'ab' }),
      schemaError('extra_source_images image empty', { prompt: 'a cat', source_processing: 'remix', extra_source_images: [{ image: '' }] }),
    ],
  },
  {
    name: 'schema errors: params',
    steps: [
      schemaError('params not an object', { prompt: 'a cat', params: 'x' }),
      schemaError('params null', { prompt: 'a cat', params: null }),
      schemaError('width not a multiple of 64', { prompt: 'a cat', params: { width: 500 } }),
      schemaError('width below minimum', { prompt: 'a cat', params: { width: 0 } }),
      schemaError('height above maximum', { prompt: 'a cat', params: { height: 3136 } }),
      schemaError('steps 0', { prompt: 'a cat', params: { steps: 0 } }),
      schemaError('steps 501', { prompt: 'a cat', params: { steps: 501 } }),
      schemaError('steps 30.5', { prompt: 'a cat', params: { steps: 30.5 } }),
      schemaError('steps as a string', { prompt: 'a cat', params: { steps: '30' } }),
      schemaError('n 21', { prompt: 'a cat', params: { n: 21 } }),
      schemaError('n 0', { prompt: 'a cat', params: { n: 0 } }),
      schemaError('cfg_scale 101', { prompt: 'a cat', params: { cfg_scale: 101 } }),
    ],
  },
  {
    name: 'schema errors: params 2 and framing',
    steps: [
      schemaError('sampler_name unknown', { prompt: 'a cat', params: { sampler_name: 'k_bogus' } }),
      schemaError('karras as 1', { prompt: 'a cat', params: { karras: 1 } }),
      schemaError('denoising_strength 2', { prompt: 'a cat', params: { denoising_strength: 2 } }),
      schemaError('seed_variation 0', { prompt: 'a cat', params: { seed_variation: 0 } }),
      schemaError('post_processing unknown', { prompt: 'a cat', params: { post_processing: ['bogus'] } }),
      schemaError('lora without name', { prompt: 'a cat', params: { loras: [{}] } }),
      schemaError('ti inject_ti unknown', { prompt: 'a cat', params: { tis: [{ name: 'x', inject_ti: 'bogus' }] } }),
      schemaError('several errors at once', { prompt: 'a cat', source_processing: 'txt2img', params: { width: 500, steps: 0 } }),
      submit('invalid JSON', 'junk', undefined, { rawBody: '{"prompt": ', headers: { 'Content-Type': 'application/json' } }),
      submit('empty JSON body', 'junk', undefined, { rawBody: '', headers: { 'Content-Type': 'application/json' } }),
      submit('text/plain body', 'junk', undefined, { rawBody: 'prompt=a cat', headers: { 'Content-Type': 'text/plain' } }),
      submit('missing apikey', undefined, { prompt: 'a cat' }),
      submit('missing apikey and a bad body', undefined, { prompt: 'a cat', params: { width: 500 } }),
      submit('unknown apikey', 'junk', { prompt: 'a cat' }),
    ],
  },
  {
    name: 'business errors',
    steps: [
      submit('WorkerNotFound', 'tester', { prompt: 'a cat', workers: ['{unknownUuid}'] }),
      submit('RequiresTrust (n 2, disable_batching)', 'tester', { prompt: 'a cat', disable_batching: true, params: { n: 2 } }),
      submit('TooManyLoras', 'tester', { prompt: 'a cat', params: { loras: [1, 2, 3, 4, 5, 6].map((i) => ({ name: `${1000 + i}` })) } }),
      submit('BadLoraVersion', 'tester', { prompt: 'a cat', params: { loras: [{ name: 'not-digits', is_version: true }] } }),
      submit('TooManyTIs', 'tester', { prompt: 'a cat', params: { tis: Array.from({ length: 21 }, (_, i) => ({ name: `${2000 + i}` })) } }),
      submit('BadCFGDecimals', 'tester', { prompt: 'a cat', params: { cfg_scale: 7.125 } }),
      submit('TooManyUpscalers', 'tester', { prompt: 'a cat', params: { post_processing: ['RealESRGAN_x4plus', 'RealESRGAN_x2plus'] } }),
      submit('UnexpectedModelName', 'tester', { prompt: 'a cat', models: ['RealESRGAN_x4plus'] }),
      submit('SourceMaskUnnecessary', 'tester', { prompt: 'a cat', source_mask: 'UklGRh4AAABXRUJQVlA4TBEAAAAvB8ABAAdQvCIXpf+BiOh/AAA=' }),
      submit('BannedClientAgent', 'tester', { prompt: 'a cat' }, { headers: { 'Client-Agent': 'My-Project:v0.0.1:My-Contact' } }),
      submit('webhook not https', 'tester', { prompt: 'a cat', webhook: 'http://example.com/hook' }),
      submit('StyleNotFound', 'tester', { prompt: 'a cat', style: 'no-such-style-{run}' }),
      submit('HiResMismatch (Flux + hires_fix)', 'tester', { prompt: 'a cat', models: [FLUX], params: { hires_fix: true, steps: 4, cfg_scale: 1, sampler_name: 'k_euler' } }),
      submit('InvalidPromptSize', 'tester', { prompt: 'cat '.repeat(7501).trim() }),
      submit('NulByteInPayload', 'tester', { prompt: 'a \u0000 cat' }),
      submit('ControlNet without a source image', 'tester', { prompt: 'a cat', params: { control_type: 'canny' } }),
    ],
  },
  {
    name: 'finished job',
    steps: [
      submit('submit minimal', 'tester', { prompt: 'a conformance cat' }, { save: 'a' }),
      check('check just submitted', 'a', { rules: { settled: false } }),
      status('status just submitted', 'a', { rules: { settled: false } }),
      waitDone('a'),
      check('check done', 'a'),
      status('status done', 'a'),
      sleep(1100),
      check('check done, X-Fields done,finished', 'a', { headers: { 'X-Fields': 'done,finished' } }),
      cancel('delete finished', 'a'),
      sleep(1100),
      check('check after delete', 'a'),
      status('status after delete', 'a'),
      cancel('delete again', 'a'),
    ],
  },
  {
    name: 'n 2, r2 false',
    steps: [
      submit('submit n 2 r2 false', 'tester', { prompt: 'two conformance dogs', r2: false, params: { n: 2 } }, { save: 'a' }),
      waitDone('a'),
      check('check done', 'a'),
      status('status done (base64 images)', 'a'),
      cancel('delete finished', 'a'),
    ],
  },
  {
    name: 'unserved model: fresh and cancelled',
    steps: [
      submit('submit for a model nobody serves', 'tester', unserved(), { save: 'a', rules: WARNINGS }),
      check('check in the first second', 'a'),
      sleep(1500),
      check('check after 1.5 s', 'a', { rules: { ignore: QUEUED_ELSEWHERE } }),
      status('status waiting', 'a', { rules: { ignore: QUEUED_ELSEWHERE } }),
      cancel('delete waiting', 'a', { rules: { ignore: QUEUED_ELSEWHERE } }),
      sleep(1100),
      check('check cancelled', 'a'),
      status('status cancelled', 'a'),
      cancel('delete cancelled', 'a'),
    ],
  },
  {
    name: 'dry run',
    steps: [
      submit('dry_run', 'tester', { prompt: 'a cat', dry_run: true, params: { seed: 'dry-{run}' } }),
      submit('dry_run cached, unknown key', 'junk', { prompt: 'a cat', dry_run: true, params: { seed: 'dry-{run}' } }),
      submit('dry_run n 3 SDXL', 'tester', { prompt: 'a cat', dry_run: true, models: ['AlbedoBase XL (SDXL)'], params: { n: 3, seed: 'dry3-{run}' } }),
      submit('dry_run anonymous', 'anon', { prompt: 'a cat', dry_run: true, params: { seed: 'dryanon-{run}' } }),
      submit('dry_run unknown key, fresh params', 'junk', { prompt: 'a cat', dry_run: true, params: { seed: 'dryjunk-{run}' } }),
      submit('dry_run with a schema error', 'tester', { prompt: 'a cat', dry_run: true, params: { width: 500 } }),
    ],
  },
  {
    name: 'LowConcurrency',
    steps: [
      submit('submit n 2 (at the limit)', 'low', unserved({ params: { n: 2 } }), { save: 'a', rules: WARNINGS }),
      submit('submit 1 more: TooManyPrompts', 'low', unserved()),
      cancel('delete the first', 'a', { rules: { ignore: QUEUED_ELSEWHERE } }),
      submit('submit after the cancel', 'low', unserved(), { save: 'b', rules: WARNINGS }),
      cancel('delete the second', 'b', { rules: { ignore: QUEUED_ELSEWHERE } }),
    ],
  },
  {
    name: 'Poor',
    steps: [
      submit('steps 50: KudosUpfront', 'poor', { prompt: 'a cat', params: { steps: 50 } }, { rules: UPFRONT }),
      submit('slow_workers false: KudosUpfront', 'poor', { prompt: 'a cat', slow_workers: false }, { rules: UPFRONT }),
      submit('dry_run steps 50: KudosUpfront', 'poor', { prompt: 'a cat', dry_run: true, params: { steps: 50, seed: 'poor-{run}' } }, { rules: UPFRONT }),
      submit('minimal submit is free', 'poor', unserved(), { save: 'a', rules: WARNINGS }),
      cancel('delete', 'a', { rules: { ignore: QUEUED_ELSEWHERE } }),
    ],
  },
  {
    name: 'anonymous',
    steps: [
      submit('submit minimal', 'anon', { prompt: 'an anonymous conformance owl' }, { save: 'a' }),
      waitDone('a'),
      status('status done', 'a'),
      cancel('delete finished', 'a'),
      // No anonymous request that needs upfront kudos: the real server accepts one
      // while the anonymous account's balance is above its floor (-50), and every
      // anonymous image the shared server has charged moves that balance.
    ],
  },
  {
    name: 'Trusted',
    ip: 'trusted',
    steps: [
      // The real server whitelists this address for a day after a Trusted submit, so
      // from the second run on it answers this first submit with the whitelisted
      // limits already; the simulator starts with an empty whitelist.
      submit('dry_run (whitelists the address)', 'trusted', { prompt: 'a cat', dry_run: true, params: { seed: 'trusted-{run}' } }, { rules: { headers: { skip: ['ratelimit'] } } }),
      submit('n 2 with disable_batching', 'trusted', unserved({ disable_batching: true, params: { n: 2 } }), { save: 'a', rules: WARNINGS }),
      submit('burst 1', 'trusted', unserved(), { save: 'b', rules: WARNINGS }),
      submit('burst 2', 'trusted', unserved(), { save: 'c', burst: true, rules: WARNINGS }),
      submit('burst 3 (whitelisted: 10/s)', 'trusted', unserved(), { save: 'd', burst: true, rules: WARNINGS }),
      cancel('delete n 2', 'a', { rules: { ignore: QUEUED_ELSEWHERE } }),
    ],
  },
  {
    // The address's 2 per second. With the anonymous key, whose own limit is 60 per
    // second: a registered key's 2 per second is shared with everyone using that key
    // on the server.
    name: 'submit rate limit',
    steps: [
      submit('burst 1', 'anon', unserved(), { save: 'a', rules: WARNINGS }),
      submit('burst 2', 'anon', unserved(), { save: 'b', burst: true, rules: WARNINGS }),
      submit('burst 3: 429', 'anon', unserved(), { save: 'c', burst: true, rules: WARNINGS }),
      sleep(1100),
      submit('after the window', 'anon', unserved(), { save: 'd', burst: true, rules: WARNINGS }),
    ],
  },
  {
    name: 'status, delete and check rate limits',
    steps: [
      submit('submit', 'tester', unserved(), { save: 'a', rules: WARNINGS }),
      ...Array.from({ length: 11 }, (_, i) => status(`status ${i + 1}${i === 10 ? ': 429' : ''}`, 'a', { rules: { ignore: QUEUED_ELSEWHERE } })),
      ...Array.from({ length: 11 }, (_, i) => check(`check ${i + 1}${i === 10 ? ': 429' : ''}`, 'a', { rules: { ignore: QUEUED_ELSEWHERE } })),
      cancel('delete (its own window)', 'a', { rules: { ignore: QUEUED_ELSEWHERE } }),
    ],
  },
  {
    // Each run makes the fake worker drop two jobs. The real server puts a worker
    // that drops more than 20 jobs within an hour into maintenance (its pops then
    // answer 403 WorkerMaintenance until its owner lifts it), so on a shared server
    // this test should run only a few times an hour.
    name: 'faulted job',
    sim: 'faulty',
    steps: [
      submit('submit faultme', 'tester', { prompt: 'a faultme cat' }, { save: 'a' }),
      check('check just submitted', 'a', { rules: { settled: false } }),
      waitDone('a'),
      check('check done', 'a'),
      status('status done', 'a'),
      cancel('delete', 'a'),
    ],
  },
  {
    name: 'censored image',
    steps: [
      submit('submit nsfw false, NSFW word', 'tester', { prompt: 'a naked marble statue', nsfw: false }, { save: 'a' }),
      waitDone('a'),
      status('status done (censored)', 'a'),
      cancel('delete', 'a'),
    ],
  },
  {
    name: 'Flux warnings',
    sim: 'flux',
    steps: [
      submit('Flux with mismatched params: warnings', 'tester',
        { prompt: 'a cat', models: [FLUX], params: { steps: 30, cfg_scale: 7.5, sampler_name: 'k_euler_a' } },
        { save: 'a', rules: WARNINGS }),
      cancel('delete at once', 'a', { rules: { settled: false } }),
    ],
  },
];
