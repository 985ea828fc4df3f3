// Input validation for POST /v2/generate/async, as the real server does it:
//  1. flask-restx validates the JSON body against the GenerationInputStable
//     model (jsonschema, latest draft) -> 400 {"errors": {...}, "message": "Input payload validation failed"}
//  2. the request parser reads headers (missing apikey -> same 400 shape)
//  3. business checks raise Horde errors -> {"message", "rc"} with a status.

import { readFileSync } from 'node:fs';
import {
  parsePyJson, toPlain, pyRepr, pyReprStr, JsonSyntaxError,
} from './util.mjs';
import {
  KNOWN_POST_PROCESSORS, KNOWN_UPSCALERS, modelBaseline, modelRequirements,
} from './catalog.mjs';

export class HordeError extends Error {
  constructor(status, message, rc, extra) {
    super(message);
    this.status = status;
    this.rc = rc;
    this.extra = extra;
  }
  body() { return this.rc === undefined ? { message: this.message } : { message: this.message, rc: this.rc }; }
}

export const BAD_REQUEST_GENERIC = 'The browser (or proxy) sent a request that this server could not understand.';

// ---------------------------------------------------------------------------
// Schema (loaded with the Python-aware parser so 5.0 stays a float in messages)

function schemaFromNode(node) {
  switch (node.t) {
    case 'obj': { const o = {}; for (const [k, v] of node.v) o[k] = schemaFromNode(v); return o; }
    case 'arr': return node.v.map(schemaFromNode);
    case 'int': case 'float': return { num: node.v, repr: pyRepr(node) };
    case 'null': return null;
    default: return node.v;
  }
}
const SCHEMA_DOC = schemaFromNode(parsePyJson(readFileSync(new URL('./input-schema.json', import.meta.url), 'utf8')));
const DEFS = SCHEMA_DOC.definitions;

function isNumberNode(n) { return n.t === 'int' || n.t === 'float'; }
function typeOk(node, type) {
  switch (type) {
    case 'object': return node.t === 'obj';
    case 'array': return node.t === 'arr';
    case 'string': return node.t === 'str';
    case 'boolean': return node.t === 'bool';
    case 'null': return node.t === 'null';
    case 'number': return isNumberNode(node);
    case 'integer': return node.t === 'int' || (node.t === 'float' && Number.isFinite(node.v) && Number.isInteger(node.v));
    default: return true;
  }
}
function nodeEqual(a, b) {
  if (isNumberNode(a) && isNumberNode(b)) return a.v === b.v;
  if (a.t !== b.t) return false;
  if (a.t === 'arr') return a.v.length === b.v.length && a.v.every((x, i) => nodeEqual(x, b.v[i]));
  if (a.t === 'obj') {
    if (a.v.size !== b.v.size) return false;
    for (const [k, v] of a.v) if (!b.v.has(k) || !nodeEqual(v, b.v.get(k))) return false;
    return true;
  }
  return a.t === 'null' || a.v === b.v;
}
const pyLen = (s) => [...s].length;

function walk(node, schema, path, out) {
  for (const [kw, val] of Object.entries(schema)) {
    switch (kw) {
      case '$ref': walk(node, DEFS[val.replace('#/definitions/', '')], path, out); break;
      case 'allOf': for (const s of val) walk(node, s, path, out); break;
      case 'type':
        if (!typeOk(node, val)) out.push([path, `${pyRepr(node)} is not of type ${pyReprStr(val)}`]);
        break;
      case 'enum':
        if (!val.some((e) => (typeof e === 'string' ? node.t === 'str' && node.v === e : false))) {
          out.push([path, `${pyRepr(node)} is not one of [${val.map((e) => pyReprStr(e)).join(', ')}]`]);
        }
        break;
      case 'minimum':
        if (isNumberNode(node) && node.v < val.num) out.push([path, `${pyRepr(node)} is less than the minimum of ${val.repr}`]);
        break;
      case 'maximum':
        if (isNumberNode(node) && node.v > val.num) out.push([path, `${pyRepr(node)} is greater than the maximum of ${val.repr}`]);
        break;
      case 'multipleOf':
        if (isNumberNode(node)) {
          const failed = node.t === 'float'
            ? !(Number.isFinite(node.v) && Number.isInteger(node.v / val.num)) || (node.v % val.num) !== 0
            : (Number.isInteger(val.num) ? BigInt(node.raw) % BigInt(val.num) !== 0n : (node.v % val.num) !== 0);
          if (failed) out.push([path, `${pyRepr(node)} is not a multiple of ${val.repr}`]);
        }
        break;
      case 'minLength':
        if (node.t === 'str' && pyLen(node.v) < val.num) {
          out.push([path, val.num === 1 ? `${pyRepr(node)} should be non-empty` : `${pyRepr(node)} is too short`]);
        }
        break;
      case 'maxLength':
        if (node.t === 'str' && pyLen(node.v) > val.num) {
          out.push([path, val.num === 0 ? `${pyRepr(node)} is expected to be empty` : `${pyRepr(node)} is too long`]);
        }
        break;
      case 'required':
        if (node.t === 'obj') for (const name of val) if (!node.v.has(name)) out.push([[...path, name], `${pyReprStr(name)} is a required property`]);
        break;
      case 'properties':
        if (node.t === 'obj') {
          for (const [name, sub] of Object.entries(val)) if (node.v.has(name)) walk(node.v.get(name), sub, [...path, name], out);
        }
        break;
      case 'additionalProperties':
        if (node.t === 'obj' && val && typeof val === 'object') {
          const known = schema.properties || {};
          for (const [k, v] of node.v) if (!(k in known)) walk(v, val, [...path, k], out);
        }
        break;
      case 'items':
        if (node.t === 'arr') node.v.forEach((el, i) => walk(el, val, [...path, i], out));
        break;
      case 'uniqueItems':
        if (val === true && node.t === 'arr') {
          const dup = node.v.some((a, i) => node.v.some((b, j) => j > i && nodeEqual(a, b)));
          if (dup) out.push([path, `${pyRepr(node)} has non-unique elements`]);
        }
        break;
      default: break;
    }
  }
}

// Returns a Map of "dotted.path" -> message (first key position, last message
// wins, as flask-restx builds the dict) or null when valid.
export function schemaErrors(node) {
  const out = [];
  walk(node, DEFS.GenerationInputStable, [], out);
  if (node.t !== 'obj') out.unshift([[], `${pyRepr(node)} is not of type 'object'`]);
  if (!out.length) return null;
  const m = new Map();
  for (const [p, msg] of out) m.set(p.join('.'), msg);
  return m;
}

export function validationErrorBody(errors) {
  return { errors, message: 'Input payload validation failed' };
}

// Werkzeug's request.get_json() as flask-restx calls it: a non-JSON content
// type or unparsable JSON both end as a plain 400 BadRequest.
export function parseJsonBody(buf, contentType) {
  const mt = String(contentType || '').split(';')[0].trim().toLowerCase();
  const isJson = mt === 'application/json' || (mt.startsWith('application/') && mt.endsWith('+json'));
  if (!isJson) return { error: new HordeError(400, BAD_REQUEST_GENERIC) };
  let text;
  try { text = new TextDecoder('utf-8', { fatal: true }).decode(buf); } catch { return { error: new HordeError(400, BAD_REQUEST_GENERIC) }; }
  try {
    const node = parsePyJson(text.replace(/^\uFEFF/, ''));
    return { node, plain: toPlain(node) };
  } catch (e) {
    if (e instanceof JsonSyntaxError) return { error: new HordeError(400, BAD_REQUEST_GENERIC) };
    throw e;
  }
}

// ---------------------------------------------------------------------------
// Request parser defaults (horde/apis/models/{v2,stable_v2}.py generate_parser):
// these, not swagger's defaults, are what the server applies to omitted fields.

export function parserArgs(body) {
  const has = (k) => Object.prototype.hasOwnProperty.call(body, k) && body[k] !== null;
  const d = (k, dflt) => (has(k) ? body[k] : dflt);
  return {
    prompt: body.prompt,
    params: has('params') ? body.params : null,
    extra_source_images: d('extra_source_images', null),
    trusted_workers: d('trusted_workers', false),
    validated_backends: d('validated_backends', false),
    workers: d('workers', null),
    worker_blacklist: d('worker_blacklist', false),
    nsfw: d('nsfw', true),
    slow_workers: d('slow_workers', true),
    extra_slow_workers: d('extra_slow_workers', false),
    dry_run: d('dry_run', false),
    proxied_account: d('proxied_account', null),
    disable_batching: d('disable_batching', false),
    allow_downgrade: d('allow_downgrade', false),
    webhook: d('webhook', null),
    style: d('style', null),
    censor_nsfw: d('censor_nsfw', true),
    source_image: d('source_image', null),
    source_processing: d('source_processing', 'img2img'),
    source_mask: d('source_mask', null),
    models: d('models', ['stable_diffusion']),
    r2: d('r2', true),
    shared: d('shared', false),
    replacement_filter: d('replacement_filter', true),
  };
}

export function containsNul(v) {
  if (typeof v === 'string') return v.includes('\u0000');
  if (Array.isArray(v)) return v.some(containsNul);
  if (v && typeof v === 'object') return Object.entries(v).some(([k, x]) => k.includes('\u0000') || containsNul(x));
  return false;
}

// ---------------------------------------------------------------------------
// ParamValidator.validate_image_params (horde/validation.py)

export const WARNING_MESSAGES = {
  NoAvailableWorker: 'Warning: No available workers can fulfill this request. It will expire in 20 minutes unless a worker appears. Please confider reducing its size of the request or choosing a different model.',
  ClipSkipMismatch: 'The clip skip specified for this generation does not match the requirements of one of the requested models.',
  StepsTooFew: 'The steps specified for this generation are too few for this model.',
  StepsTooMany: 'The steps specified for this generation are too many for this model.',
  CfgScaleMismatch: 'The cfg scale specified for this generation does not match the requirements of one of the requested models.',
  CfgScaleTooSmall: 'The cfg_scale specified for this generation is too small for this model.',
  CfgScaleTooLarge: 'The cfg_scale specified for this generation is too large for this model.',
  SamplerMismatch: 'The requested sampler does not match the requirements for one of the requested models.',
  SchedulerMismatch: 'The requested scheduler does not match the requirements for one of the requested models.',
};

function roundTo2(x) { return Math.round(x * 100) / 100; }

export function validateImageParams(prompt, models, params) {
  const warnings = new Set();
  for (const m of models) {
    const r = modelRequirements(m);
    if ('clip_skip' in r && r.clip_skip !== (params.clip_skip ?? 1)) warnings.add('ClipSkipMismatch');
    if ('min_steps' in r && r.min_steps > (params.steps ?? 30)) warnings.add('StepsTooFew');
    if ('max_steps' in r && r.max_steps < (params.steps ?? 30)) warnings.add('StepsTooMany');
    if ('cfg_scale' in r && r.cfg_scale !== (params.cfg_scale ?? 7.5)) warnings.add('CfgScaleMismatch');
    if ('min_cfg_scale' in r && r.min_cfg_scale > (params.cfg_scale ?? 7.5)) warnings.add('CfgScaleTooSmall');
    if ('max_cfg_scale' in r && r.max_cfg_scale < (params.cfg_scale ?? 7.5)) warnings.add('CfgScaleTooLarge');
    if ('samplers' in r && !r.samplers.includes(params.sampler_name ?? 'k_euler_a')) warnings.add('SamplerMismatch');
    const scheduler = (params.karras ?? true) ? 'karras' : 'simple';
    if ('schedulers' in r && !r.schedulers.includes(scheduler)) warnings.add('SchedulerMismatch');
  }
  const baselines = models.map(modelBaseline);
  if (params.hires_fix === true) {
    if (baselines.some((b) => b.startsWith('flux_1'))) throw new HordeError(400, 'HiRes Fix does not work with Flux currently.', 'HiResMismatch');
    if (baselines.some((b) => b.startsWith('qwen_image'))) throw new HordeError(400, 'HiRes Fix does not work with Qwen currently.', 'HiResMismatch');
    if (baselines.some((b) => b.startsWith('z_image_turbo'))) throw new HordeError(400, 'HiRes Fix does not work with Z-Image currently.', 'HiResMismatch');
  }
  if ('loras' in params) {
    if (params.loras.length > 5) throw new HordeError(400, 'You cannot request more than 5 loras per generation.', 'TooManyLoras');
    for (const l of params.loras) {
      if (l.is_version && !/^[0-9]+$/.test(l.name)) {
        throw new HordeError(400, 'explicit LoRa version requests have to be a version ID (i.e integer).', 'BadLoraVersion');
      }
    }
  }
  if ('tis' in params && params.tis.length > 20) {
    throw new HordeError(400, 'You cannot request more than 20 Textual Inversions per generation.', 'TooManyTIs');
  }
  if (params.transparent === true && baselines.some((b) => b !== 'stable_diffusion_xl' && b !== 'stable diffusion 1')) {
    throw new HordeError(400, 'Generating Transparent images is only possible for Stable Diffusion 1.5 and XL models.', 'InvalidTransparencyModel');
  }
  if (params.workflow === 'qr_code' && !baselines.every((b) => b === 'stable diffusion 1' || b === 'stable_diffusion_xl')) {
    throw new HordeError(400, 'QR Code controlnet only works with SD 1.5 and SDXL models currently', 'ControlNetMismatch.');
  }
  if (prompt.split(/\s+/).filter(Boolean).length > 7500) {
    throw new HordeError(400, 'Too large prompt. Please reduce the amount of tokens contained.', 'InvalidPromptSize');
  }
  if (models.some((m) => m in KNOWN_POST_PROCESSORS)) {
    throw new HordeError(400, 'This model is not supported in this mode the moment', 'UnexpectedModelName');
  }
  const upscalers = (params.post_processing || []).filter((p) => KNOWN_UPSCALERS.includes(p)).length;
  if (upscalers > 1) throw new HordeError(400, 'Cannot use more than 1 upscaler at a time.', 'TooManyUpscalers');
  if (params.cfg_scale !== undefined && params.cfg_scale !== null) {
    if (typeof params.cfg_scale !== 'number' || !Number.isFinite(params.cfg_scale)) {
      throw new HordeError(400, 'cfg_scale must be a valid number', 'BadCFGNumber');
    }
    if (roundTo2(params.cfg_scale) !== params.cfg_scale) {
      throw new HordeError(400, 'cfg_scale must be rounded to 2 decimal places', 'BadCFGDecimals');
    }
  }
  return warnings;
}

// The remaining checks of ImageAsyncGenerate.validate() that need no state.
export function validateRequestShape(args, params, models, user) {
  if (!user.special && params.special) {
    throw new HordeError(400, 'Only special users can send a special field.', 'SpecialFieldNeedsSpecialUser');
  }
  for (const m of models) {
    if (m.includes('horde_special')) throw new HordeError(403, 'Only special users can request a special model.', 'SpecialModelNeedsSpecialUser');
  }
  if (!args.source_image && args.source_mask) {
    throw new HordeError(400, 'Please do not pass a source_mask unless you are sending a source_image as well', 'SourceMaskUnnecessary');
  }
  const baselines = models.map(modelBaseline);
  const hasCN = 'control_type' in params && params.control_type != null;
  if (['normal', 'mlsd', 'hough'].includes(params.control_type) && baselines.some((b) => b.startsWith('stable diffusion 2'))) {
    throw new HordeError(400, 'No current model available for this particular ControlNet for SD2.x', 'ControlNetUnsupported');
  }
  if (hasCN && models.includes('pix2pix')) throw new HordeError(400, 'You cannot use ControlNet with these models.', 'ControlNetUnsupported');
  if (hasCN && !args.source_image) throw new HordeError(400, 'Controlnet Requires a source image.', 'ControlNetSourceMissing');
  if (hasCN && args.source_processing === 'inpainting') {
    throw new HordeError(400, 'ControlNet cannot be used with inpainting at this time', 'ControlNetInpaintingMismatch');
  }
  const cnFamily = [
    ['stable_diffusion_xl', 'SDXL'], ['stable_cascade', 'Stable Cascade'], ['flux_1', 'Flux'],
    ['qwen_image', 'Qwen'], ['z_image_turbo', 'Z-Image'],
  ];
  for (const [prefix, label] of cnFamily) {
    if (hasCN && baselines.some((b) => b.startsWith(prefix))) {
      throw new HordeError(400, `ControlNet does not work with ${label} currently.`, 'ControlNetMismatch');
    }
  }
  if (params.transparent === true) {
    if (args.extra_source_images && args.extra_source_images.length > 0) {
      throw new HordeError(400, 'Generating Transparent images is not supported during img2img workflows.', 'InvalidTransparencyImg2Img');
    }
    if (hasCN) throw new HordeError(400, 'Generating Transparent images is not supported during controlnet workflows currently.', 'InvalidTransparencyCN');
  }
  if (args.source_processing === 'remix' && baselines.some((b) => !b.startsWith('stable_cascade'))) {
    throw new HordeError(400, 'Image Remix is only available for Stable Cascade models.', 'InvalidRemix');
  }
  if (args.extra_source_images && args.extra_source_images.length > 0 && args.source_processing !== 'remix') {
    throw new HordeError(400, 'This request type does not accept extra source images.', 'InvalidExtraSourceImages.');
  }
  if (params.extra_texts && params.extra_texts.length > 0 && params.workflow !== 'qr_code') {
    throw new HordeError(400, 'This request type does not accept extra texts.', 'InvalidExtraTexts.');
  }
  if (params.workflow === 'qr_code') {
    args.disable_batching = true;
    const texts = params.extra_texts || [];
    if (!texts.length || !texts.some((t) => t.reference === 'qr_code')) {
      throw new HordeError(400, 'This request requires you pass the required extra texts for this workflow.', 'MissingExtraTexts.');
    }
  }
  if (params.init_as_image && params.return_control_map) {
    throw new HordeError(400, 'Invalid ControlNet parameters - cannot send inital map and return the same map', 'ControlNetInvalidPayload');
  }
  if (!args.source_image && models.some((m) => m === 'Stable Diffusion 2 Depth' || m === 'pix2pix')) {
    throw new HordeError(400, 'This model is not supported in this mode the moment', 'SourceImageRequiredForModel');
  }
}

// Light stand-in for the server's source image decoding (no network here):
// an http(s) URL is accepted as is; base64 must decode to a known image header.
export function checkSourceImage(s) {
  if (/^https?:\/\//i.test(s)) return true;
  const b = Buffer.from(s.replace(/^data:[^,]*,/, ''), 'base64');
  if (b.length < 12) return false;
  const riff = b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP';
  const png = b[0] === 0x89 && b.toString('latin1', 1, 4) === 'PNG';
  const jpg = b[0] === 0xff && b[1] === 0xd8;
  const gif = b.toString('latin1', 0, 3) === 'GIF';
  return riff || png || jpg || gif;
}
