// Static catalogue of the simulated horde: server constants, the model
// reference, built-in API keys and the simulated worker fleet.

import { readFileSync } from 'node:fs';
import { Rng, closeMatches } from './util.mjs';

export const HORDE_VERSION = '5.1.5';
export const HORDE_TITLE = 'AI Horde';
export const ANON_KEY = '0000000000';

// Model reference (subset). `baseline` drives kudos multipliers and
// validation the way the real model reference does; `requirements` produce
// the 202 `warnings` and the upfront-kudos step limit.
export const MODELS = [
  { name: 'stable_diffusion', baseline: 'stable diffusion 1' },
  { name: 'Deliberate', baseline: 'stable diffusion 1' },
  { name: 'AlbedoBase XL (SDXL)', baseline: 'stable_diffusion_xl' },
  {
    name: 'Flux.1-Schnell fp8 (Compact)',
    baseline: 'flux_1',
    requirements: { min_steps: 4, max_steps: 8, cfg_scale: 1, samplers: ['k_euler'], schedulers: ['simple'] },
  },
  // Known models that no simulated worker serves (is_possible: false).
  { name: 'SDXL 1.0', baseline: 'stable_diffusion_xl' },
  { name: 'Stable Cascade 1.0', baseline: 'stable_cascade' },
];
export const MODEL_BY_NAME = new Map(MODELS.map((m) => [m.name, m]));
export const UNSERVED_MODELS = ['SDXL 1.0', 'Stable Cascade 1.0'];

export function modelBaseline(name) {
  const m = MODEL_BY_NAME.get(name);
  return m ? m.baseline : 'stable diffusion 1';
}
export function modelRequirements(name) {
  const m = MODEL_BY_NAME.get(name);
  return (m && m.requirements) || {};
}
export function isKnownModel(name) { return MODEL_BY_NAME.has(name); }

// Kudos multiplier per model family (ImageProcessingGeneration.get_gen_kudos).
export function familyMultiplier(name, params = {}) {
  const b = modelBaseline(name);
  if (b === 'stable_diffusion_xl') return params.workflow === 'qr_code' ? 4 : 2;
  if (b === 'stable_cascade') return params.hires_fix ? 7 : 4;
  if (b === 'flux_1' || b === 'z_image_turbo') return 8;
  if (b === 'qwen_image') return 12;
  return 1;
}
// Dry-run multiplier (ImageWaitingPrompt.extrapolate_dry_run_kudos).
export function dryRunMultiplier(name) {
  const b = modelBaseline(name);
  if (b === 'stable_diffusion_xl') return 2;
  if (b === 'stable_cascade') return 4;
  if (b === 'flux_1' || b === 'z_image_turbo') return 8;
  if (b === 'qwen_image') return 12;
  return 1;
}
// Relative generation time per model family (simulation only).
export function speedFactor(name) {
  const b = modelBaseline(name);
  if (b === 'stable_diffusion_xl') return 2;
  if (b === 'stable_cascade') return 3;
  if (b === 'flux_1' || b === 'z_image_turbo') return 1.5;
  if (b === 'qwen_image') return 5;
  return 1;
}

export const KNOWN_POST_PROCESSORS = {
  GFPGAN: 1, RealESRGAN_x4plus: 1.05, RealESRGAN_x2plus: 1.05, RealESRGAN_x4plus_anime_6B: 1.05,
  NMKD_Siax: 1.05, '4x_AnimeSharp': 1.05, CodeFormers: 1, strip_background: 1,
  '4xNomos8kSC': 1.05, '4xLSDIRplus': 1.05, '4xNomosWebPhoto_RealPLKSR': 1.05,
  '4xNomos2_realplksr_dysample': 1.05, '4xNomos2_hq_dat2': 1.05, '2xModernSpanimationV1': 1.05,
  'GFPGANv1.3': 1, RestoreFormer: 1,
};
export const KNOWN_UPSCALERS = [
  'RealESRGAN_x4plus', 'RealESRGAN_x2plus', 'RealESRGAN_x4plus_anime_6B', 'NMKD_Siax', '4x_AnimeSharp',
  '4xNomos8kSC', '4xLSDIRplus', '4xNomosWebPhoto_RealPLKSR', '4xNomos2_realplksr_dysample',
  '4xNomos2_hq_dat2', '2xModernSpanimationV1',
];
export const SECOND_ORDER_SAMPLERS = ['k_heun', 'k_dpm_2', 'k_dpm_2_a', 'k_dpmpp_2s_a', 'k_dpmpp_sde'];
export const KNOWN_LCM_LORA_VERSIONS = new Set(['246747', '247778', '268475', '243643', '225222', '219782', '363353']);
export const KNOWN_LCM_LORA_IDS = new Set(['195519', '216190', '324115']);

// Words that make a worker's NSFW censor fire (case-insensitive, whole words,
// positive prompt only) when nsfw=false and censor_nsfw=true.
export const CENSOR_WORDS = ['nsfw', 'nude', 'nudes', 'naked', 'nudity', 'porn', 'explicit'];

// ---------------------------------------------------------------------------
// API keys. find_user fields follow UserDetails.

export const BUILTIN_KEYS = [
  { apikey: ANON_KEY, username: 'Anonymous', id: 0, kudos: 0, concurrency: 500, trusted: false, pseudonymous: false, worker_count: 0 },
  { apikey: 'simtestkey000000000001', username: 'Tester', id: 1, kudos: 1000000, concurrency: 30, trusted: false, worker_count: 0 },
  { apikey: 'simtestkey000000000002', username: 'LowConcurrency', id: 2, kudos: 5000, concurrency: 2, trusted: false, worker_count: 0 },
  { apikey: 'simtestkey000000000003', username: 'Poor', id: 3, kudos: 0, concurrency: 30, trusted: false, worker_count: 0 },
  { apikey: 'simtestkey000000000004', username: 'Trusted', id: 4, kudos: 250000, concurrency: 60, trusted: true, worker_count: 0 },
];

export function loadKeys(keys) {
  const byKey = new Map(BUILTIN_KEYS.map((k) => [k.apikey, { ...k }]));
  let extra = [];
  if (typeof keys === 'string') extra = JSON.parse(readFileSync(keys, 'utf8'));
  else if (Array.isArray(keys)) extra = keys;
  else if (keys && typeof keys === 'object') extra = keys.keys || [];
  if (!Array.isArray(extra)) throw new Error('keys must be a JSON array of key objects');
  for (const k of extra) {
    if (!k || typeof k.apikey !== 'string' || typeof k.username !== 'string' || !Number.isInteger(k.id)) {
      throw new Error('each key needs string apikey, string username and integer id');
    }
    byKey.set(k.apikey, {
      kudos: 0, concurrency: 30, trusted: false, worker_count: 0, pseudonymous: false, moderator: false,
      ...byKey.get(k.apikey), ...k,
    });
  }
  for (const k of byKey.values()) {
    k.initialKudos = k.kudos;
    k.moderator = !!k.moderator;
    k.pseudonymous = !!k.pseudonymous;
    k.createdMs = Date.now();
  }
  return byKey;
}

// ---------------------------------------------------------------------------
// Workers: deterministic per (seed, index).

const WORKER_NAMES = ['Ember', 'Birch', 'Quartz', 'Lumen', 'Sable', 'Fjord', 'Cinder', 'Willow', 'Onyx', 'Tamarack'];
const MAX_BATCH = [4, 2, 1, 3];

export function makeWorker(seed, index) {
  const rng = new Rng(seed, 'worker', index);
  const models = ['stable_diffusion', 'Deliberate'];
  if (index % 2 === 0) models.push('AlbedoBase XL (SDXL)');
  if (index % 4 === 1) models.push('Flux.1-Schnell fp8 (Compact)');
  return {
    index,
    id: rng.uuid4(),
    name: `horde-sim ${WORKER_NAMES[index % WORKER_NAMES.length]}${index >= WORKER_NAMES.length ? '-' + (index + 1) : ''}`,
    models,
    // things (pixels x steps) per simulated second: 512x512x30 takes ~4.9-7.9 s
    speed: 1.0e6 + rng.next() * 0.6e6,
    maxBatch: MAX_BATCH[index % MAX_BATCH.length],
    trusted: index % 4 !== 3,
    nsfw: true,
    validated: true,
    threads: 1,
    // polling phase within each simulated second
    phase: Math.floor(((index * 0.6180339887) % 1) * 1000),
    busy: null, // { reqId, procgenIds, until }
    nextPoll: null,
    retiring: false,
  };
}

// ---------------------------------------------------------------------------
// flask-restx answers every 404 raised inside an API route with a suggestion
// appended when the requested path resembles registered rules
// (Api._help_on_404: difflib.get_close_matches over the app's URL map, each
// rule's '<...>' part removed). These are the real server's rules, in
// registration order (HORDE_TEST_APIKEYS on, as the reference server runs).
export const FLASK_RULES = [
  '/static/<path:filename>', '/api/swagger.json', '/api/', '/api/', '/swaggerui/<path:filename>',
  '/api/v2/generate/async', '/api/v2/generate/status/<string:id>', '/api/v2/generate/check/<string:id>',
  '/api/v2/generate/rate/<string:id>', '/api/v2/generate/pop', '/api/v2/generate/submit', '/api/v2/styles/image',
  '/api/v2/styles/image/<string:style_id>', '/api/v2/styles/image_by_name/<string:style_name>',
  '/api/v2/styles/image/<string:style_id>/example',
  '/api/v2/styles/image/<string:style_id>/example/<string:example_id>', '/api/v2/generate/text/async',
  '/api/v2/generate/text/status/<string:id>', '/api/v2/generate/text/pop', '/api/v2/generate/text/submit',
  '/api/v2/styles/text', '/api/v2/styles/text/<string:style_id>', '/api/v2/styles/text_by_name/<string:style_name>',
  '/api/v2/collections', '/api/v2/collections/<string:collection_id>',
  '/api/v2/collection_by_name/<string:collection_name>', '/api/v2/users', '/api/v2/users/<string:user_id>',
  '/api/v2/find_user', '/api/v2/sharedkeys', '/api/v2/sharedkeys/<string:sharedkey_id>', '/api/v2/workers',
  '/api/v2/workers/<string:worker_id>', '/api/v2/workers/messages', '/api/v2/workers/messages/<string:message_id>',
  '/api/v2/workers/name/<string:worker_name>', '/api/v2/kudos/transfer', '/api/v2/kudos/award',
  '/api/v2/status/modes', '/api/v2/status/performance', '/api/v2/status/models',
  '/api/v2/status/models/<string:model_name>', '/api/v2/status/news', '/api/v2/status/heartbeat', '/api/v2/teams',
  '/api/v2/teams/<string:team_id>', '/api/v2/operations/ipaddr', '/api/v2/operations/ipaddr/<string:ipaddr>',
  '/api/v2/operations/block_worker_ipaddr/<string:worker_id>', '/api/v2/interrogate/async',
  '/api/v2/interrogate/status/<string:id>', '/api/v2/interrogate/pop', '/api/v2/interrogate/submit',
  '/api/v2/filters', '/api/v2/filters/regex', '/api/v2/filters/<string:filter_id>', '/api/v2/stats/img/totals',
  '/api/v2/stats/img/models', '/api/v2/stats/text/totals', '/api/v2/stats/text/models', '/api/v2/documents/terms',
  '/api/v2/documents/privacy', '/api/v2/documents/sponsors', '/', '/sponsors', '/register', '/api/v2/dev/test-user',
  '/transfer', '/google/<return_to>', '/discord/<return_to>', '/github/<return_to>', '/finish_dance', '/privacy',
  '/terms', '/assets/<filename>', '/.well-known/serviceinfo', '/google/google', '/google/google/authorized',
  '/discord/discord', '/discord/discord/authorized', '/github/github', '/github/github/authorized',
];
const RULE_BY_KEY = new Map(FLASK_RULES.map((r) => [r.replace(/<.*>/, ''), r])); // a later rule wins, as in dict()

export function notFoundHelp(message, path) {
  const matches = closeMatches(path, [...RULE_BY_KEY.keys()]);
  if (!matches.length) return message;
  return `${message ? message.replace(/\.+$/, '') + '. ' : ''}You have requested this URI [${path}] but did you mean `
    + `${matches.map((m) => RULE_BY_KEY.get(m)).join(' or ')} ?`;
}
