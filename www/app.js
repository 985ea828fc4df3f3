// The horde-wasm demo page. Plain JavaScript modules, no framework, no build step: everything the
// page does with the AI Horde goes through the package's web build, imported below.
//
//   new HordeClient({ baseUrl, apiKey })       one client per address and key
//   client.heartbeat() / findUser()            the connection and the key
//   client.listModels({ type: 'image' })       the model picker
//   client.estimateKudos(request)              the cost, as a dry run (nothing is generated)
//   client.generateImages(request, options)    submit, progress, images, cancel
//   client.downloadImage(generation)           the bytes, for the download buttons

import { explain } from './explain.js';

const ANON_KEY = '0000000000';
const KEY_STORAGE = 'horde-wasm-demo:api-key';
const SAMPLERS = [
  ['k_euler_a', 'Euler a'], ['k_euler', 'Euler'], ['k_dpmpp_2m', 'DPM++ 2M'], ['k_dpmpp_sde', 'DPM++ SDE'],
  ['k_dpmpp_2s_a', 'DPM++ 2S a'], ['k_heun', 'Heun'], ['k_lms', 'LMS'], ['k_dpm_2', 'DPM2'],
  ['k_dpm_2_a', 'DPM2 a'], ['k_dpm_fast', 'DPM fast'], ['k_dpm_adaptive', 'DPM adaptive'],
  ['dpmsolver', 'DPM solver'], ['DDIM', 'DDIM'], ['lcm', 'LCM'],
];
// Which form control shows an error about which request field (HordeInvalidArgumentError.argument).
const FIELD_FOR = {
  prompt: 'prompt', models: 'model', 'params.width': 'width', 'params.height': 'height',
  'params.steps': 'steps', 'params.n': 'n', 'params.sampler_name': 'sampler',
  'params.cfg_scale': 'cfg', 'params.seed': 'seed',
};
const FIELD_IDS = ['prompt', 'model', 'width', 'height', 'steps', 'n', 'sampler', 'cfg', 'seed'];

const $ = (id) => document.getElementById(id);
const els = {
  settings: $('settings'), connDot: document.querySelector('#conn-summary .dot'), connText: $('conn-summary-text'),
  url: $('horde-url'), urlStatus: $('url-status'), useSim: $('use-sim'), usePublic: $('use-public'),
  key: $('api-key'), toggleKey: $('toggle-key'), checkKey: $('check-key'), keyStatus: $('key-status'),
  form: $('form'), prompt: $('prompt'), negative: $('negative'), model: $('model'), modelHint: $('model-hint'),
  refreshModels: $('refresh-models'), width: $('width'), height: $('height'), steps: $('steps'), n: $('n'),
  sampler: $('sampler'), cfg: $('cfg'), seed: $('seed'), formError: $('form-error'), estimate: $('estimate'),
  generate: $('generate'), code: $('code'), jobs: $('jobs'), empty: $('empty'), clearFinished: $('clear-finished'),
  template: $('job-template'), announcer: $('announcer'),
};

// ---------------------------------------------------------------------------------------------
// Start-up: load the WebAssembly build and the page's configuration.

let horde;
try {
  horde = await import('/pkg/web/index.js');
} catch (e) {
  fatal('The horde-wasm web build could not be loaded. Build it with npm run build (npm start does this for you), then reload.', e);
  throw e;
}

const config = await fetch('/config.json', { cache: 'no-store' })
  .then((r) => (r.ok ? r.json() : {}))
  .catch(() => ({}));
const PUBLIC_URL = config.publicUrl || 'https://aihorde.net/api';
const SIM_URL = config.simulatorUrl || null;

let hordeUrl = config.hordeUrl || PUBLIC_URL;
let apiKey = loadKey();
let client = null;
let user = null;
let models = [];
let promptTouched = false;
const jobs = new Set();

for (const [value, label] of SAMPLERS) {
  const option = new Option(label, value);
  option.title = value;
  els.sampler.append(option);
}
els.url.value = hordeUrl;
els.key.value = apiKey;
els.useSim.hidden = !SIM_URL;
// Without a simulator (`npm start -- --no-sim`), its hints would only confuse.
for (const el of document.querySelectorAll('[data-sim-only]')) el.hidden = !SIM_URL;

// ---------------------------------------------------------------------------------------------
// Connection: address, key, models.

function isSimulator(url) {
  return !!SIM_URL && url.replace(/\/+$/, '') === SIM_URL.replace(/\/+$/, '');
}

function hostLabel(url) {
  if (isSimulator(url)) return 'Local simulator';
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function explainHere(err) {
  return explain(err, { hordeUrl, simulator: isSimulator(hordeUrl) });
}

function setConn(state, text) {
  els.connDot.dataset.state = state;
  els.connText.textContent = text;
}

function setStatusLine(el, state, text, err) {
  el.dataset.state = state;
  el.replaceChildren();
  if (!text) return;
  const p = document.createElement('p');
  p.textContent = text;
  el.append(p);
  if (err) el.append(technicalDetails(err));
}

let connectSeq = 0;
// Whether the last connect reached the Horde (else the same address may be tried again).
let connected = false;
async function connect() {
  const seq = ++connectSeq;
  user = null;
  connected = false;
  try {
    client = new horde.HordeClient({ baseUrl: hordeUrl, apiKey, ...(config.clientOptions || {}) });
  } catch (e) {
    client = null;
    const x = explainHere(e);
    if (e instanceof horde.HordeInvalidArgumentError && e.argument === 'options.apiKey') {
      // A key the client refuses (a stray tab or invisible character): said next to the key,
      // and not stored.
      setConn('error', 'API key not usable');
      setStatusLine(els.urlStatus, '', '');
      setStatusLine(els.keyStatus, 'error', `This key cannot be used: ${e.rule}. Paste it again without spaces or hidden characters.`, x);
      els.settings.open = true;
      fillModels([], 'No models: fix the API key first.');
      updateEstimate();
      return;
    }
    let text = x.text;
    if (e instanceof horde.HordeInvalidArgumentError && /baseUrl$/.test(e.argument)) {
      text = /https/.test(e.rule)
        ? 'This address cannot be used: the Horde must be reached over https:// (plain http:// only to this computer, such as 127.0.0.1).'
        : `This address cannot be used: ${String(e.rule).replace(/^options\.baseUrl /, '')}.`;
    }
    setConn('error', 'Address not usable');
    setStatusLine(els.urlStatus, 'error', text, x);
    setStatusLine(els.keyStatus, '', '');
    els.settings.open = true;
    fillModels([], 'No models: fix the Horde address first.');
    updateEstimate();
    return;
  }
  const label = hostLabel(hordeUrl);
  setConn('busy', `Connecting to ${label}…`);
  setStatusLine(els.urlStatus, 'busy', 'Connecting…');
  setStatusLine(els.keyStatus, 'busy', 'Checking the key…');
  renderCode();

  const [hb, who, list] = await Promise.allSettled([
    client.heartbeat(),
    client.findUser(),
    client.listModels({ type: 'image' }),
  ]);
  if (seq !== connectSeq) return;

  if (hb.status === 'rejected') {
    const x = explainHere(hb.reason);
    setConn('error', `${label}: ${lowerFirst(x.title)}`);
    setStatusLine(els.urlStatus, 'error', x.text, x);
    setStatusLine(els.keyStatus, '', '');
    fillModels([], 'No models: the Horde is not reachable.');
    els.settings.open = true;
    updateEstimate();
    return;
  }
  connected = true;
  saveKey(apiKey);
  const version = hb.value.version ? ` (AI Horde API ${hb.value.version})` : '';
  const state = hb.value.message === 'OK' ? '' : ` It reports ${hb.value.message}.`;
  setStatusLine(els.urlStatus, 'ok', `Connected to ${isSimulator(hordeUrl) ? 'the local simulator' : hordeUrl}${version}.${state}`);

  showUser(who);
  if (list.status === 'fulfilled') fillModels(list.value);
  else fillModels([], `Could not load the models: ${lowerFirst(explainHere(list.reason).title)}.`);
  updateEstimate();
}

function showUser(result) {
  const label = hostLabel(hordeUrl);
  if (result.status === 'fulfilled') {
    user = result.value;
    setConn('ok', `${label} · ${user.username}`);
    if (user.id === 0) {
      setStatusLine(els.keyStatus, 'ok', `Anonymous (${user.username}): no account needed. Anonymous jobs get the lowest priority.`);
    } else {
      const queue = user.concurrency ? `, up to ${user.concurrency} images queued at once` : '';
      setStatusLine(els.keyStatus, 'ok', `Key accepted: ${user.username}, ${formatKudos(user.kudos)} kudos${queue}.`);
    }
  } else {
    user = null;
    const x = explainHere(result.reason);
    const bad = result.reason instanceof horde.HordeNotFoundError || result.reason instanceof horde.HordeAuthError;
    setConn(bad ? 'warn' : 'error', `${label} · ${bad ? 'key not recognised' : lowerFirst(x.title)}`);
    setStatusLine(els.keyStatus, 'error', x.text, x);
    els.settings.open = true;
  }
}

async function checkKey() {
  if (!client) return connect();
  const seq = connectSeq;
  setStatusLine(els.keyStatus, 'busy', 'Checking the key…');
  const result = await client.findUser().then((value) => ({ status: 'fulfilled', value }), (reason) => ({ status: 'rejected', reason }));
  if (seq === connectSeq) showUser(result);
}

function fillModels(list, problem) {
  models = [...list].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  const previous = els.model.value;
  const any = new Option('Any available model', '');
  const options = models.map((m) => new Option(`${m.name} (${m.count} ${m.count === 1 ? 'worker' : 'workers'})`, m.name));
  els.model.replaceChildren(any, ...options);
  if (previous && models.some((m) => m.name === previous)) els.model.value = previous;
  else if (models.length) els.model.value = models[0].name;
  els.modelHint.dataset.state = problem ? 'error' : '';
  if (problem) els.modelHint.textContent = problem;
  else updateModelHint();
}

function updateModelHint() {
  const m = models.find((x) => x.name === els.model.value);
  if (!m) {
    els.modelHint.textContent = models.length
      ? `Whichever of the ${models.length} served models a free worker has.`
      : 'No worker serves an image model right now.';
    return;
  }
  const queue = m.eta > 0 ? `queue about ${formatDuration(m.eta)}` : 'no queue';
  els.modelHint.textContent = `${m.count} ${m.count === 1 ? 'worker' : 'workers'} · ${queue}`;
}

// ---------------------------------------------------------------------------------------------
// The form: request, validation, cost estimate, code sample.

function numberOf(input) {
  // Text a number field cannot read ("7e", or "7,5" in some locales) has the value '' too: a field
  // error, not the default.
  if (input.validity?.badInput) return NaN;
  const raw = input.value.trim();
  if (raw === '') return undefined;
  return Number(raw);
}

/** The AI Horde request (wire names) for what the form says. */
function buildRequest() {
  const positive = els.prompt.value.trim();
  const negative = els.negative.value.trim();
  const params = {};
  const set = (name, value) => {
    if (value !== undefined && value !== '') params[name] = value;
  };
  set('width', numberOf(els.width));
  set('height', numberOf(els.height));
  set('steps', numberOf(els.steps));
  set('n', numberOf(els.n));
  set('sampler_name', els.sampler.value);
  set('cfg_scale', numberOf(els.cfg));
  set('seed', els.seed.value.trim());
  const request = { prompt: positive && negative ? `${positive}###${negative}` : positive };
  if (els.model.value) request.models = [els.model.value];
  request.params = params;
  return request;
}

/**
 * The SDK validates a request before it sends anything, and an already aborted signal stops it
 * right after: so this tells whether a request is valid without a network call.
 * Resolves to the HordeInvalidArgumentError, or null.
 */
async function validate(request) {
  if (!client) return null;
  const aborted = new AbortController();
  aborted.abort();
  try {
    await client.estimateKudos(request, { signal: aborted.signal });
    return null;
  } catch (e) {
    return e instanceof horde.HordeInvalidArgumentError ? e : null;
  }
}

function fieldFor(argument) {
  if (!argument) return null;
  // Type errors name the path from the call's argument (`request.params.n`), rule errors from
  // the request (`params.n`).
  argument = argument.replace(/^request\./, '');
  if (FIELD_FOR[argument]) return FIELD_FOR[argument];
  if (argument.startsWith('models')) return 'model';
  if (argument.startsWith('prompt')) return 'prompt';
  return null;
}

function clearFieldErrors() {
  for (const id of FIELD_IDS) {
    const err = $(`${id}-error`);
    if (err) {
      err.hidden = true;
      err.replaceChildren();
    }
    $(id).removeAttribute('aria-invalid');
  }
  els.formError.hidden = true;
  els.formError.replaceChildren();
}

/** Shows a HordeInvalidArgumentError (its `argument` and `rule`) next to its field. Returns the field's control. */
function showFieldError(err) {
  clearFieldErrors();
  if (!err) return null;
  const id = fieldFor(err.argument);
  const message = document.createElement('span');
  const code = document.createElement('code');
  code.textContent = err.argument;
  message.append(code, ` ${err.rule}`);
  if (id) {
    const box = $(`${id}-error`);
    box.append(message);
    box.hidden = false;
    $(id).setAttribute('aria-invalid', 'true');
    return $(id);
  }
  els.formError.append(message);
  els.formError.hidden = false;
  return null;
}

const estimateCache = new Map();
let estimateTimer = null;
let estimateSeq = 0;
// The estimate's results wait while a pointer is pressed anywhere on the page: a field error
// or a longer estimate line, shown mid-press, moves the controls below it, and a button that
// moves from under the pointer loses its click. The common case: pressing Generate right after
// editing a field, whose change event (on the blur) starts an estimate.
const pressed = new Set();
let estimateHeld = false;

/** Whether the estimate must wait for the release (it is then run again). */
function holdEstimate() {
  if (pressed.size === 0) return false;
  estimateHeld = true;
  return true;
}

function releasePointer(id) {
  if (id === undefined) pressed.clear();
  else pressed.delete(id);
  if (pressed.size === 0 && estimateHeld) {
    estimateHeld = false;
    // A timer: it runs after the click that follows the release, so a submit shows its own
    // error first.
    scheduleEstimate(0);
  }
}

function scheduleEstimate(delay = 450) {
  clearTimeout(estimateTimer);
  estimateTimer = setTimeout(updateEstimate, delay);
}

async function updateEstimate() {
  clearTimeout(estimateTimer);
  const seq = ++estimateSeq;
  renderCode();
  if (!client) {
    setEstimate('');
    return;
  }
  const request = buildRequest();
  let problem = await validate(request);
  // An untouched, empty prompt is not an error yet: check the rest with a stand-in prompt.
  const standIn = { ...request, prompt: request.prompt || 'a picture' };
  if (problem && fieldFor(problem.argument) === 'prompt' && !promptTouched) problem = await validate(standIn);
  if (seq !== estimateSeq || holdEstimate()) return;
  showFieldError(problem);
  if (problem) {
    setEstimate('Fix the highlighted field to see the cost.');
    return;
  }
  // The wording of the prompt does not change the price, so one dry run serves every prompt.
  const key = `${hordeUrl}\n${JSON.stringify({ ...standIn, prompt: '' })}`;
  let kudos = estimateCache.get(key);
  if (kudos === undefined) {
    setEstimate('Estimating the cost…', 'busy');
    try {
      kudos = (await client.estimateKudos(standIn)).kudos;
      estimateCache.set(key, kudos);
    } catch (e) {
      if (seq !== estimateSeq || holdEstimate()) return;
      setEstimate(`No cost estimate: ${lowerFirst(explainHere(e).title)}.`, 'error');
      return;
    }
  }
  if (seq !== estimateSeq || holdEstimate()) return;
  const n = request.params.n ?? 1;
  setEstimate(`${formatKudos(kudos)} kudos`, 'ok', n);
}

function setEstimate(text, state = '', n = 1) {
  els.estimate.dataset.state = state;
  els.estimate.replaceChildren();
  if (state === 'ok') {
    const strong = document.createElement('strong');
    strong.textContent = text;
    els.estimate.append('Estimated cost ', strong, ` for ${n} ${n === 1 ? 'image' : 'images'}`);
  } else {
    els.estimate.textContent = text || '\u00a0';
  }
}

function renderCode() {
  const request = buildRequest();
  if (!request.prompt) request.prompt = els.prompt.placeholder;
  const options = [];
  if (hordeUrl !== PUBLIC_URL) options.push(`  baseUrl: ${literal(hordeUrl)},`);
  options.push(`  apiKey: ${apiKey === ANON_KEY ? "'0000000000', // anonymous" : "'…', // your key"}`);
  els.code.textContent = [
    "import { HordeClient } from 'horde-wasm';",
    '',
    'const horde = new HordeClient({',
    ...options,
    '});',
    '// controller.abort() cancels the job on the Horde',
    'const controller = new AbortController();',
    '',
    `const status = await horde.generateImages(${literal(request, '')}, {`,
    '  signal: controller.signal,',
    '  onProgress: (p) => console.log(p.phase, p.finished, p.waitTime),',
    '  onImage: (image) => console.log(image.img),',
    '});',
    'const { blob } = await horde.downloadImage(status.generations[0]);',
  ].join('\n');
}

/** A JavaScript object literal, indented two spaces per level. */
function literal(value, indent = '') {
  if (Array.isArray(value)) return `[${value.map((v) => literal(v, indent)).join(', ')}]`;
  if (value && typeof value === 'object') {
    const inner = `${indent}  `;
    const lines = Object.entries(value).map(([k, v]) => `${inner}${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${literal(v, inner)},`);
    return `{\n${lines.join('\n')}\n${indent}}`;
  }
  return typeof value === 'string' ? `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : String(value);
}

// ---------------------------------------------------------------------------------------------
// Jobs.

function startJob(request) {
  const n = request.params.n ?? 1;
  const width = request.params.width ?? 512;
  const height = request.params.height ?? 512;
  const card = els.template.content.firstElementChild.cloneNode(true);
  const job = {
    card,
    request,
    n,
    width,
    height,
    client,
    id: null,
    controller: new AbortController(),
    shown: new Map(),
    progress: null,
    progressAt: 0,
    startedAt: performance.now(),
    running: true,
    ticker: null,
    // Each image's bytes, fetched as it arrives (generation id → Promise of the downloaded
    // image, or of null when that failed): the Horde keeps a job's results only about 20 minutes
    // after its last pick-up, so a Download pressed later must not depend on the server.
    images: new Map(),
    objectUrls: [],
  };
  jobs.add(job);

  const q = (sel) => card.querySelector(sel);
  job.els = {
    pill: q('.pill'), bar: q('.progress-bar'), progress: q('.progress'), status: q('.job-status'), eta: q('.job-eta'),
    error: q('.job-error'), warnings: q('.job-warnings'), gallery: q('.gallery'),
    cancel: q('[data-action="cancel"]'), remove: q('[data-action="remove"]'),
  };
  const [positive, negative] = request.prompt.split('###');
  q('.job-prompt').textContent = positive;
  if (negative) q('.job-prompt').title = `Negative: ${negative}`;
  const model = request.models?.[0] || 'any model';
  q('.job-meta').textContent = `${model} · ${width}×${height} · ${request.params.steps ?? 30} steps · ${n} ${n === 1 ? 'image' : 'images'}`;
  job.els.progress.setAttribute('aria-label', `Progress of “${truncate(positive, 60)}”`);
  for (let i = 0; i < n; i++) job.els.gallery.append(placeholder(job));
  job.els.cancel.setAttribute('aria-label', `Cancel “${truncate(positive, 60)}”`);
  job.els.remove.setAttribute('aria-label', `Remove “${truncate(positive, 60)}”`);
  job.els.cancel.addEventListener('click', () => {
    // aria-disabled, not disabled: a disabled button drops the keyboard focus.
    if (job.els.cancel.getAttribute('aria-disabled') === 'true') return;
    job.els.cancel.setAttribute('aria-disabled', 'true');
    job.els.cancel.textContent = 'Cancelling…';
    job.els.cancel.setAttribute('aria-label', `Cancelling “${truncate(positive, 60)}”`);
    job.controller.abort();
  });
  job.els.remove.addEventListener('click', () => removeJob(job, true));

  setPhase(job, 'submitting', 'Starting', 'Sending the request…');
  els.jobs.prepend(card);
  updateJobsChrome();
  if (window.matchMedia('(max-width: 900px)').matches) card.scrollIntoView({ behavior: 'smooth', block: 'start' });
  job.ticker = setInterval(() => renderProgress(job), 500);

  job.client.generateImages(request, {
    signal: job.controller.signal,
    onSubmitted: (submitted) => {
      job.id = submitted.id;
      card.dataset.jobId = submitted.id;
      for (const w of submitted.warnings || []) addWarning(job, w.message);
      if (submitted.message && !(submitted.warnings || []).length) addWarning(job, submitted.message);
      announce(`Job accepted: ${truncate(positive, 40)}`);
    },
    onProgress: (p) => {
      job.progress = p;
      job.progressAt = performance.now();
      if (p.jobId && !job.id) {
        job.id = p.jobId;
        card.dataset.jobId = p.jobId;
      }
      renderProgress(job);
    },
    onImage: (generation) => addImage(job, generation),
  }).then((status) => finishJob(job, status), (err) => failJob(job, err));
}

function placeholder(job) {
  const li = document.createElement('li');
  li.className = 'shot pending';
  const frame = document.createElement('div');
  frame.className = 'frame';
  frame.style.aspectRatio = `${job.width} / ${job.height}`;
  li.append(frame);
  li.setAttribute('aria-hidden', 'true');
  return li;
}

function setPhase(job, state, pill, status) {
  job.card.dataset.state = state;
  job.els.pill.dataset.state = state;
  job.els.pill.textContent = pill;
  if (status !== undefined && job.els.status.textContent !== status) job.els.status.textContent = status;
}

function renderProgress(job) {
  if (!job.running) return;
  const p = job.progress;
  const elapsed = (performance.now() - job.startedAt) / 1000;
  if (!p) {
    setBar(job, null);
    return;
  }
  const left = Math.max(0, p.waitTime - (performance.now() - job.progressAt) / 1000);
  let text;
  if (p.phase === 'submitting') {
    setPhase(job, 'submitting', 'Waiting', 'Your key already has as many images queued as it may; this job is sent as soon as some of them start.');
    setBar(job, null);
    job.els.eta.textContent = '';
    return;
  }
  if (!p.isPossible) {
    setPhase(job, 'queued', 'Waiting', 'No worker online can run this request right now; waiting a minute for one.');
    setBar(job, null);
    job.els.eta.textContent = '';
    return;
  }
  if (p.phase === 'queued' && p.finished === 0 && p.processing === 0) {
    text = p.queuePosition > 0 ? `In the queue, position ${p.queuePosition}` : 'In the queue';
    setPhase(job, 'queued', 'Queued', text);
  } else {
    text = `Generating: ${p.finished} of ${p.requested} ${p.requested === 1 ? 'image' : 'images'} done`;
    if (p.waiting > 0 && p.queuePosition > 0) text += `, the rest at queue position ${p.queuePosition}`;
    if (p.restarted > 0) text += ` (a worker failed; ${p.restarted === 1 ? 'one job was' : `${p.restarted} jobs were`} restarted)`;
    setPhase(job, 'processing', 'Generating', text);
  }
  job.els.eta.textContent = left >= 1 ? `about ${formatDuration(left)} left` : 'almost done';
  const byImages = p.finished / Math.max(1, p.requested);
  const byTime = elapsed / Math.max(0.001, elapsed + left);
  setBar(job, Math.min(0.97, Math.max(byImages, byTime)));
}

function setBar(job, fraction) {
  const { progress, bar } = job.els;
  if (fraction === null) {
    progress.classList.add('indeterminate');
    progress.removeAttribute('aria-valuenow');
    progress.setAttribute('aria-valuetext', 'waiting');
    return;
  }
  progress.classList.remove('indeterminate');
  const pct = Math.round(fraction * 100);
  bar.style.width = `${pct}%`;
  progress.setAttribute('aria-valuenow', String(pct));
  progress.setAttribute('aria-valuetext', `${pct}%`);
}

function addImage(job, generation) {
  if (job.shown.has(generation.id)) return;
  const li = document.createElement('li');
  li.className = 'shot';
  li.dataset.generationId = generation.id;
  if (generation.censored) li.classList.add('censored');
  const index = job.shown.size + 1;
  job.shown.set(generation.id, generation);

  const figure = document.createElement('figure');
  const frame = document.createElement('div');
  frame.className = 'frame';
  frame.style.aspectRatio = `${job.width} / ${job.height}`;
  const img = document.createElement('img');
  showImage(job, generation, img);
  img.width = job.width;
  img.height = job.height;
  img.decoding = 'async';
  img.alt = generation.censored
    ? `Image ${index}: censored by the safety filter`
    : `Image ${index} of ${job.n}: ${job.card.querySelector('.job-prompt').textContent}`;
  img.addEventListener('error', () => frame.classList.add('broken'), { once: true });
  frame.append(img);
  if (generation.censored) {
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = 'Censored';
    frame.append(badge);
  }

  const caption = document.createElement('figcaption');
  const meta = document.createElement('p');
  meta.className = 'shot-meta';
  if (generation.censored) {
    const why = (generation.gen_metadata || []).find((m) => m.type === 'censorship');
    meta.textContent = `Replaced by the worker's safety filter${why ? ` (${why.value})` : ''}: this request asked for safe-for-work images.`;
  } else {
    meta.textContent = `Seed ${generation.seed} · ${generation.model || 'unknown model'} · by ${generation.worker_name}`;
  }
  const actions = document.createElement('div');
  actions.className = 'shot-actions';
  const download = button('Download', 'btn btn-secondary btn-small');
  download.setAttribute('aria-label', `Download image ${index} (${generation.id}.webp)`);
  download.addEventListener('click', () => downloadGeneration(job, generation, download));
  actions.append(download);
  if (!generation.censored) {
    const reuse = button('Use seed', 'btn btn-ghost btn-small');
    reuse.setAttribute('aria-label', `Use seed ${generation.seed} in the form`);
    reuse.addEventListener('click', () => {
      els.seed.value = generation.seed;
      scheduleEstimate(0);
      announce(`Seed ${generation.seed} is now in the form.`);
    });
    actions.append(reuse);
  }
  caption.append(meta, actions);
  figure.append(frame, caption);
  li.append(figure);

  const pending = job.els.gallery.querySelector('.shot.pending');
  if (pending) pending.replaceWith(li);
  else job.els.gallery.append(li);
  announce(generation.censored ? `Image ${index} of ${job.n} finished, censored.` : `Image ${index} of ${job.n} finished.`);
}

/**
 * Fetches an image's bytes once, as it arrives, and shows them from memory; if they cannot be
 * fetched (an image host without CORS, say), the image is shown from its URL instead.
 */
function showImage(job, generation, img) {
  const fetched = fetchImage(job, generation).catch(() => null);
  job.images.set(generation.id, fetched); // addImage shows each generation once
  fetched.then((image) => {
    if (!jobs.has(job)) return; // removed meanwhile
    if (!image) {
      img.src = generation.img;
      return;
    }
    const url = URL.createObjectURL(image.blob);
    job.objectUrls.push(url);
    img.src = url;
  });
}

/** An image's bytes, and a Blob of them, through the SDK (which refreshes an expired URL). */
async function fetchImage(job, generation) {
  const image = await job.client.downloadImage(generation, job.id ? { jobId: job.id } : undefined);
  return { ...image, blob: image.blob || new Blob([image.bytes], { type: image.mimeType }) };
}

async function downloadGeneration(job, generation, btn) {
  const label = btn.textContent;
  btn.disabled = true;
  btn.textContent = 'Downloading…';
  try {
    // The bytes fetched when the image arrived; else (that fetch failed) one more try now.
    const image = (await job.images.get(generation.id)) || await fetchImage(job, generation);
    const url = URL.createObjectURL(image.blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `${generation.id}.${extensionOf(image.mimeType)}`;
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 30_000);
  } catch (e) {
    showJobError(job, e);
  } finally {
    btn.disabled = false;
    btn.textContent = label;
  }
}

function finishJob(job, status) {
  endJob(job);
  for (const g of status.generations) addImage(job, g);
  dropPlaceholders(job);
  const got = status.generations.length;
  const took = formatDuration((performance.now() - job.startedAt) / 1000);
  const cost = `${formatKudos(status.kudos)} kudos`;
  setPhase(job, 'done', 'Done', `${got} ${got === 1 ? 'image' : 'images'} in ${took} · ${cost}`);
  setBar(job, 1);
  job.els.eta.textContent = '';
  announce(`Job done: ${got} ${got === 1 ? 'image' : 'images'}.`);
  if (status.kudos && user && user.id !== 0) user.kudos = Math.max(0, user.kudos - status.kudos);
}

function failJob(job, err) {
  if (err instanceof horde.HordeInvalidArgumentError && !job.id) {
    // Nothing was sent: explain it next to the field instead of in a card.
    endJob(job);
    removeJob(job, false);
    const control = showFieldError(err);
    (control || els.formError).focus?.();
    return;
  }
  endJob(job);
  for (const g of err?.partial?.generations || []) addImage(job, g);
  dropPlaceholders(job);
  const got = job.shown.size;
  const kept = got ? ` ${got} of ${job.n} ${job.n === 1 ? 'image' : 'images'} had finished and ${got === 1 ? 'is' : 'are'} kept below.` : '';
  if (err?.cancelError && job.id) {
    // The SDK stopped waiting and tried to cancel the job, but the cancel failed: say so (the
    // job may still run, and be charged), and let the user try again.
    setPhase(job, 'failed', 'Not cancelled', `Stopped waiting, but the Horde did not take the cancel: the job may still run and use kudos.${kept}`);
    setBar(job, got / job.n);
    showJobError(job, err.cancelError);
    offerCancelAgain(job, kept);
    announce('The cancel failed: the job may still run.');
    return;
  }
  if (err instanceof horde.HordeAbortError) {
    setPhase(job, 'cancelled', 'Cancelled', job.id ? `Cancelled on the Horde.${kept}` : 'Cancelled before it was sent.');
    setBar(job, got / job.n);
    announce('Job cancelled.');
    return;
  }
  setPhase(job, 'failed', 'Failed', got ? kept.trim() : job.id ? 'No image finished.' : 'The job was not started.');
  setBar(job, got / job.n);
  showJobError(job, err);
  const x = explainHere(err);
  announce(`Job failed: ${x.title}.`);
}

/** A "Cancel again" button under a job whose cancel failed. */
function offerCancelAgain(job, kept) {
  const again = button('Cancel again', 'btn btn-secondary btn-small');
  again.addEventListener('click', async () => {
    again.disabled = true;
    again.textContent = 'Cancelling…';
    try {
      await job.client.deleteImageStatus(job.id);
      job.els.error.replaceChildren();
      job.els.error.hidden = true;
      setPhase(job, 'cancelled', 'Cancelled', `Cancelled on the Horde.${kept}`);
      job.els.remove.focus();
      announce('Job cancelled.');
    } catch (e) {
      showJobError(job, e);
      offerCancelAgain(job, kept);
      job.els.error.querySelector('button')?.focus();
    }
  });
  job.els.error.append(again);
}

function showJobError(job, err) {
  const x = explainHere(err);
  const box = job.els.error;
  box.replaceChildren();
  const title = document.createElement('p');
  title.className = 'error-title';
  title.textContent = x.title;
  const text = document.createElement('p');
  text.textContent = x.text;
  box.append(title, text, technicalDetails(x));
  box.hidden = false;
}

function technicalDetails(x) {
  const details = document.createElement('details');
  details.className = 'technical';
  const summary = document.createElement('summary');
  summary.textContent = 'Technical details';
  const code = document.createElement('code');
  code.textContent = x.technical;
  details.append(summary, code);
  return details;
}

function addWarning(job, message) {
  const li = document.createElement('li');
  li.textContent = message;
  job.els.warnings.append(li);
  job.els.warnings.hidden = false;
}

function endJob(job) {
  job.running = false;
  clearInterval(job.ticker);
  job.els.eta.textContent = '';
  // Keyboard users who pressed Cancel keep their place: the focus goes to Remove.
  const hadFocus = document.activeElement === job.els.cancel;
  job.els.cancel.hidden = true;
  job.els.remove.hidden = false;
  if (hadFocus) job.els.remove.focus();
  updateJobsChrome();
}

function dropPlaceholders(job) {
  for (const li of job.els.gallery.querySelectorAll('.shot.pending')) li.remove();
  job.els.gallery.hidden = job.els.gallery.children.length === 0;
}

function removeJob(job, moveFocus) {
  const next = job.card.nextElementSibling || job.card.previousElementSibling;
  jobs.delete(job);
  job.card.remove();
  for (const url of job.objectUrls.splice(0)) URL.revokeObjectURL(url);
  job.images.clear();
  updateJobsChrome();
  if (moveFocus) (next?.querySelector('button:not([hidden])') || els.prompt).focus();
}

function updateJobsChrome() {
  els.empty.hidden = jobs.size > 0;
  els.clearFinished.hidden = ![...jobs].some((j) => !j.running);
}

// ---------------------------------------------------------------------------------------------
// Helpers.

function button(text, className) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = className;
  b.textContent = text;
  return b;
}

function announce(text) {
  els.announcer.textContent = '';
  requestAnimationFrame(() => {
    els.announcer.textContent = text;
  });
}

/** "Cannot reach the Horde" -> "cannot reach the Horde"; leaves "API key…" alone. */
function lowerFirst(s) {
  return /^[A-Z][a-z]/.test(s) ? s[0].toLowerCase() + s.slice(1) : s;
}

function truncate(s, n) {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function formatKudos(k) {
  return Number(k).toLocaleString('en-US', { maximumFractionDigits: 1 });
}

function formatDuration(seconds) {
  const s = Math.round(seconds);
  if (s < 60) return `${Math.max(1, s)} s`;
  const m = Math.floor(s / 60);
  return s % 60 && m < 10 ? `${m} min ${s % 60} s` : `${Math.round(s / 60)} min`;
}

function extensionOf(mime) {
  return { 'image/png': 'png', 'image/jpeg': 'jpg' }[mime] || 'webp';
}

function loadKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) || ANON_KEY;
  } catch {
    return ANON_KEY;
  }
}

function saveKey(key) {
  try {
    if (key === ANON_KEY) localStorage.removeItem(KEY_STORAGE);
    else localStorage.setItem(KEY_STORAGE, key);
  } catch {
    // Storage may be disabled; the key then lasts until the page is closed.
  }
}

function fatal(text, err) {
  const main = document.getElementById('main');
  const box = document.createElement('div');
  box.className = 'card fatal';
  box.setAttribute('role', 'alert');
  const p = document.createElement('p');
  p.textContent = text;
  box.append(p);
  if (err) {
    const d = document.createElement('p');
    d.className = 'hint';
    d.textContent = String(err.message || err);
    box.append(d);
  }
  main.replaceChildren(box);
}

// ---------------------------------------------------------------------------------------------
// Events.

function applyUrl(url) {
  const next = url.trim() || PUBLIC_URL;
  els.url.value = next;
  if (next === hordeUrl && client && connected) return;
  hordeUrl = next;
  estimateCache.clear();
  connect();
}

function applyKey() {
  const next = els.key.value.trim() || ANON_KEY;
  els.key.value = next;
  if (next !== apiKey) {
    apiKey = next;
    connect(); // stores the key once the client accepts it
  } else {
    checkKey();
  }
}

els.url.addEventListener('change', () => applyUrl(els.url.value));
els.url.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') applyUrl(els.url.value);
});
els.useSim.addEventListener('click', () => applyUrl(SIM_URL));
els.usePublic.addEventListener('click', () => applyUrl(PUBLIC_URL));
els.key.addEventListener('change', applyKey);
els.key.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') applyKey();
});
els.checkKey.addEventListener('click', applyKey);
els.toggleKey.addEventListener('click', () => {
  const show = els.key.type === 'password';
  els.key.type = show ? 'text' : 'password';
  els.toggleKey.textContent = show ? 'Hide' : 'Show';
  els.toggleKey.setAttribute('aria-pressed', String(show));
});
els.refreshModels.addEventListener('click', async () => {
  if (!client) return;
  // A list that arrives after the address or key changed belongs to the old connection.
  const seq = connectSeq;
  els.refreshModels.disabled = true;
  try {
    const list = await client.listModels({ type: 'image' });
    if (seq === connectSeq) fillModels(list);
  } catch (e) {
    if (seq === connectSeq) fillModels(models, `Could not load the models: ${lowerFirst(explainHere(e).title)}.`);
  } finally {
    els.refreshModels.disabled = false;
  }
  scheduleEstimate(0);
});
els.model.addEventListener('change', updateModelHint);

els.prompt.addEventListener('input', () => {
  promptTouched = true;
});
els.form.addEventListener('input', () => {
  renderCode();
  scheduleEstimate();
});
els.form.addEventListener('change', () => scheduleEstimate(0));
document.addEventListener('pointerdown', (e) => pressed.add(e.pointerId), true);
for (const type of ['pointerup', 'pointercancel']) {
  document.addEventListener(type, (e) => releasePointer(e.pointerId), true);
}
// Releases the page may never see (a context menu, a drag, another window or a dialog taking
// the focus) must not hold the estimate for good.
for (const type of ['contextmenu', 'dragstart']) document.addEventListener(type, () => releasePointer(), true);
window.addEventListener('blur', () => releasePointer());
for (const chip of document.querySelectorAll('[data-size]')) {
  chip.addEventListener('click', () => {
    const [w, h] = chip.dataset.size.split('x');
    els.width.value = w;
    els.height.value = h;
    scheduleEstimate(0);
  });
}

// Set while a submit is being validated: a double click starts one job, not two.
let submitting = false;
els.form.addEventListener('submit', async (e) => {
  e.preventDefault();
  promptTouched = true;
  if (!client) {
    els.settings.open = true;
    els.url.focus();
    return;
  }
  if (submitting) return;
  const request = buildRequest();
  submitting = true;
  let problem;
  try {
    problem = await validate(request);
  } finally {
    submitting = false;
  }
  if (problem) {
    const control = showFieldError(problem);
    (control || els.formError).focus?.();
    announce(`Check ${problem.argument}: ${problem.rule}`);
    return;
  }
  clearFieldErrors();
  startJob(request);
});

els.clearFinished.addEventListener('click', () => {
  for (const job of [...jobs]) if (!job.running) removeJob(job, false);
  els.prompt.focus();
});

$('copy-install').addEventListener('click', async (e) => {
  const btn = e.currentTarget;
  try {
    await navigator.clipboard.writeText($('install-cmd').textContent);
    btn.textContent = 'Copied';
  } catch {
    btn.textContent = 'Select and copy';
  }
  setTimeout(() => {
    btn.textContent = 'Copy';
  }, 1500);
});

window.addEventListener('pagehide', () => {
  // Leaving the page: cancel running jobs on the Horde instead of leaving them queued. The
  // SDK's cancel after an abort goes with fetch's keepalive, so it outlives the page.
  for (const job of jobs) if (job.running) job.controller.abort();
});

document.documentElement.dataset.ready = 'true';
connect();
