#!/usr/bin/env node
// Generate images on the AI Horde from the command line with horde-wasm.
//
//   node examples/generate.mjs "a lighthouse at dusk" --n 2 --out images
//   node examples/generate.mjs --help
//
// Shows a progress bar, writes each image as <out>/<generation id>.webp and prints its path.
// Ctrl-C cancels the job on the Horde (images that already finished are still written) and
// exits with code 130.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  HordeClient, HordeError, HordeAbortError, HordeInvalidArgumentError,
} from 'horde-wasm';

const PUBLIC_HORDE = 'https://aihorde.net/api';
const ANON_KEY = '0000000000';

const USAGE = `Usage: node examples/generate.mjs "PROMPT" [options]

Generates images on the AI Horde (crowd-sourced Stable Diffusion) and writes them as
<out>/<generation id>.webp.

Options:
  --n N              number of images, 1-20 (default 1)
  --out DIR          where to write the images (default: the current directory)
  --size WxH         width x height in pixels, multiples of 64 (default 512x512)
  --steps N          sampling steps (default 30)
  --seed SEED        a seed, for repeatable images (default random)
  --model NAME       a model, as listed by the Horde (default: any available model)
  --negative TEXT    what to avoid (sent as "PROMPT###TEXT")
  --sampler NAME     sampler, such as k_euler_a (default) or k_dpmpp_2m
  --api-key KEY      your AI Horde API key (default: $AI_HORDE_API_KEY, else the anonymous
                     key ${ANON_KEY}; free keys at https://aihorde.net/register)
  --horde-url URL    the API root (default ${PUBLIC_HORDE})
  -h, --help         this text

Local simulator (no account, no internet): start it with
  npx horde-sim                    (or: npm start)
and add
  --horde-url http://127.0.0.1:7001/api --api-key simtestkey000000000001

Ctrl-C cancels the job on the Horde; images that already finished are still written.
Exit codes: 0 done, 1 error, 130 cancelled with Ctrl-C.
`;

class UsageError extends Error {}

function parseCommandLine(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        n: { type: 'string' },
        out: { type: 'string', default: '.' },
        size: { type: 'string' },
        steps: { type: 'string' },
        seed: { type: 'string' },
        model: { type: 'string' },
        negative: { type: 'string' },
        sampler: { type: 'string' },
        'api-key': { type: 'string' },
        'horde-url': { type: 'string', default: PUBLIC_HORDE },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError(e.message.replace(/\. To specify a positional argument.*$/, ''));
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  const prompt = positionals.join(' ').trim();
  if (!prompt) throw new UsageError('a prompt is required, such as: node examples/generate.mjs "a lighthouse at dusk"');

  const whole = (flag, text) => {
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag} must be a whole number, got "${text}"`);
    return Number(text);
  };
  const params = {};
  if (values.size !== undefined) {
    const m = /^\s*(\d+)\s*[x×X]\s*(\d+)\s*$/.exec(values.size);
    if (!m) throw new UsageError(`--size must look like 512x768 (width x height), got "${values.size}"`);
    params.width = Number(m[1]);
    params.height = Number(m[2]);
  }
  const n = whole('--n', values.n);
  if (n !== undefined) params.n = n;
  const steps = whole('--steps', values.steps);
  if (steps !== undefined) params.steps = steps;
  if (values.seed !== undefined && values.seed !== '') params.seed = values.seed;
  if (values.sampler) params.sampler_name = values.sampler;

  const negative = (values.negative || '').trim();
  const request = { prompt: negative ? `${prompt}###${negative}` : prompt, params };
  if (values.model) request.models = [values.model];

  return {
    request,
    n: params.n ?? 1,
    out: values.out,
    baseUrl: values['horde-url'],
    apiKey: values['api-key'] || process.env.AI_HORDE_API_KEY || ANON_KEY,
  };
}

// ---------------------------------------------------------------------------------------------
// Progress display: one line redrawn in place on a terminal, plain lines otherwise.

class Progress {
  constructor(stream, requested) {
    this.stream = stream;
    this.tty = !!stream.isTTY;
    this.requested = requested;
    this.started = Date.now();
    this.last = null;
    this.lastAt = 0;
    this.lastPlain = '';
    this.drawn = false;
    this.timer = this.tty ? setInterval(() => this.draw(), 250) : null;
    this.timer?.unref();
    if (this.tty) this.draw();
  }

  update(p) {
    this.last = p;
    this.lastAt = Date.now();
    if (this.tty) this.draw();
    else this.plain();
  }

  describe() {
    const p = this.last;
    if (!p) return { text: 'submitting…', fraction: 0, eta: '' };
    const left = Math.max(0, p.waitTime - (Date.now() - this.lastAt) / 1000);
    const eta = left >= 1 ? `about ${formatDuration(left)} left` : '';
    const elapsed = (Date.now() - this.started) / 1000;
    const fraction = Math.min(0.97, Math.max(p.finished / Math.max(1, p.requested), elapsed / Math.max(0.001, elapsed + left)));
    if (p.phase === 'submitting') return { text: 'waiting: the key has too many images queued', fraction: 0, eta: '' };
    if (!p.isPossible) return { text: 'waiting for a worker that can run this request', fraction, eta: '' };
    if (p.phase === 'queued' && p.finished === 0 && p.processing === 0) {
      return { text: p.queuePosition > 0 ? `queued, position ${p.queuePosition}` : 'queued', fraction, eta };
    }
    return { text: `generating, ${p.finished}/${p.requested} ${p.requested === 1 ? 'image' : 'images'} done`, fraction, eta };
  }

  draw() {
    const { text, fraction, eta } = this.describe();
    const columns = this.stream.columns || 80;
    const barWidth = Math.max(10, Math.min(30, columns - 60));
    const filled = Math.round(fraction * barWidth);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}`;
    let line = `${bar} ${String(Math.round(fraction * 100)).padStart(3)}%  ${text}${eta ? ` · ${eta}` : ''}`;
    if (line.length > columns - 1) line = line.slice(0, columns - 2) + '…';
    this.stream.write(`\r\x1b[2K${line}`);
    this.drawn = true;
  }

  plain() {
    const p = this.last;
    const key = `${p.phase}|${p.finished}|${p.queuePosition}|${p.isPossible}`;
    if (key === this.lastPlain) return;
    this.lastPlain = key;
    const { text, eta } = this.describe();
    this.stream.write(`${text}${eta ? ` (${eta})` : ''}\n`);
  }

  /** Writes a whole line above the progress line. */
  log(line) {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[2K');
    this.stream.write(`${line}\n`);
    if (this.tty && this.timer) this.draw();
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.tty && this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Errors in plain words.

const FLAG_FOR = {
  prompt: 'the prompt', 'params.width': '--size', 'params.height': '--size', 'params.n': '--n',
  'params.steps': '--steps', 'params.seed': '--seed', 'params.sampler_name': '--sampler', models: '--model',
};

function explain(err, baseUrl) {
  const e = err || {};
  switch (e.rc) {
    case 'InvalidAPIKey':
    case 'UserNotFound':
      return 'the Horde does not accept this API key. Check --api-key (or AI_HORDE_API_KEY), or leave it out to generate anonymously.';
    case 'KudosUpfront':
      return 'requests this large (over 1024x1024 or with many steps) need kudos upfront, which this key does not have. Use a smaller --size or fewer --steps, or a key with kudos.';
    case 'TooManyPrompts':
      return 'this key already has as many images queued as it may. Wait for its other jobs to finish.';
    case 'MaintenanceMode':
      return 'the Horde is in maintenance mode and accepts no new jobs. Try again later.';
    case 'TimeoutIP':
      return 'the Horde has put your address in a short timeout after too many bad requests. Wait a few minutes.';
    case 'BannedClientAgent':
      return 'the Horde refuses this client version. Update horde-wasm.';
    case 'CorruptPrompt':
      return 'the Horde refused this prompt because of its content. Rephrase it.';
    case 'MissingPrompt':
    case 'InvalidPromptSize':
      return 'the Horde did not accept the prompt (empty or too long).';
    default:
      break;
  }
  switch (e.name) {
    case 'HordeInvalidArgumentError': {
      const arg = String(e.argument || '').replace(/^request\./, '');
      if (/baseUrl$/.test(arg)) return `--horde-url: ${String(e.rule).replace(/^options\.baseUrl /, '')}.`;
      const flag = FLAG_FOR[arg] || (arg.startsWith('models') ? '--model' : arg);
      const rule = String(e.rule).startsWith(arg) ? String(e.rule).slice(arg.length).trim() : e.rule;
      return `${flag}: ${arg} ${rule}.`;
    }
    case 'HordeConnectionError':
      return `no answer from the Horde at ${baseUrl}. Check --horde-url and your network (for the local simulator: is npx horde-sim running?).`;
    case 'HordeTimeoutError':
      return 'the Horde did not answer in time; the job was cancelled. Try again later.';
    case 'HordeRateLimitError':
      return 'the Horde is rate-limiting requests from your address. Wait a minute, then try again.';
    case 'HordeServerError':
      return `the Horde had an internal problem (HTTP ${e.status}). Try again in a moment.`;
    case 'HordeAuthError':
      return 'the Horde did not accept the API key. Check --api-key or AI_HORDE_API_KEY.';
    case 'HordeBadRequestError': {
      const first = e.errors && Object.entries(e.errors)[0];
      return first ? `the Horde rejected ${first[0]}: ${first[1]}` : `the Horde rejected the request: ${serverMessage(e)}`;
    }
    case 'HordeForbiddenError':
    case 'HordeNotFoundError':
    case 'HordeApiError':
      return `the Horde refused the request: ${serverMessage(e)}`;
    case 'HordeJobFaultedError':
      return 'workers failed on some images of this job, and the Horde does not redo an image that failed. The images that finished are saved. Try again, perhaps with another --model.';
    case 'HordeJobExpiredError':
      return 'the job expired on the Horde before it finished. Try again.';
    case 'HordeJobImpossibleError':
      return 'no worker online can run this request, so it was cancelled. Try another --model, a smaller --size or fewer --steps.';
    case 'HordeImageUnavailableError':
      return 'an image could not be downloaded (its link may have expired).';
    case 'HordeDecodeError':
      return `the answer from ${baseUrl} is not what an AI Horde sends. Check --horde-url.`;
    default:
      return e.message || String(err);
  }
}

function serverMessage(e) {
  return String(e.message || '').replace(/^[A-Z]+ \S+ failed with \d+(?: \w+)?: /, '');
}

function details(e) {
  const parts = [e.name];
  if (e.status) parts.push(`HTTP ${e.status}`);
  if (e.rc) parts.push(`rc ${e.rc}`);
  return parts.join(', ');
}

// ---------------------------------------------------------------------------------------------

function formatDuration(seconds) {
  const s = Math.round(seconds);
  if (s < 60) return `${Math.max(1, s)} s`;
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

async function main() {
  let opts;
  try {
    opts = parseCommandLine(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`error: ${e.message}\nRun with --help for the options.\n`);
    return 1;
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }

  let client;
  try {
    client = new HordeClient({ baseUrl: opts.baseUrl, apiKey: opts.apiKey });
  } catch (e) {
    if (!(e instanceof HordeError)) throw e;
    process.stderr.write(`error: ${explain(e, opts.baseUrl)}\n`);
    return 1;
  }
  await mkdir(opts.out, { recursive: true });

  const progress = new Progress(process.stdout, opts.n);
  const controller = new AbortController();
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) {
      progress.stop();
      process.stderr.write('\nquitting without waiting\n');
      process.exit(130);
    }
    interrupted = true;
    progress.log('Ctrl-C: cancelling the job on the Horde… (press Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);

  const written = new Map(); // generation id -> Promise<path | null>
  let jobId = null;

  const save = (generation) => {
    if (written.has(generation.id)) return written.get(generation.id);
    const task = (async () => {
      try {
        const image = await client.downloadImage(generation, jobId ? { jobId } : undefined);
        const path = join(opts.out, `${generation.id}.webp`);
        await writeFile(path, image.bytes);
        progress.log(`${path}${image.censored ? '  (censored by the safety filter)' : ''}`);
        return path;
      } catch (e) {
        progress.log(`could not download image ${generation.id}: ${explain(e, opts.baseUrl)}`);
        return null;
      }
    })();
    written.set(generation.id, task);
    return task;
  };
  const saveAll = async (generations) => {
    for (const g of generations || []) save(g);
    return (await Promise.all(written.values())).filter(Boolean);
  };

  const started = Date.now();
  try {
    const status = await client.generateImages(opts.request, {
      signal: controller.signal,
      onSubmitted: (s) => {
        jobId = s.id;
        progress.log(`job ${s.id} accepted by ${opts.baseUrl}`);
        for (const w of s.warnings || []) progress.log(`warning: ${w.message}`);
      },
      onProgress: (p) => progress.update(p),
      onImage: (g) => save(g),
    });
    const paths = await saveAll(status.generations);
    progress.stop();
    const took = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`done: ${paths.length} ${paths.length === 1 ? 'image' : 'images'} written to ${opts.out} in ${took} s (${status.kudos} kudos)`);
    return paths.length === opts.n ? 0 : 1; // an image that could not be downloaded
  } catch (e) {
    const paths = await saveAll(e?.partial?.generations);
    progress.stop();
    if (e instanceof HordeAbortError && interrupted) {
      console.log(`cancelled${e.jobId ? ` job ${e.jobId} on the Horde` : ''}: ${paths.length} of ${opts.n} ${opts.n === 1 ? 'image' : 'images'} written`);
      return 130;
    }
    if (!(e instanceof HordeError)) throw e;
    process.stderr.write(`error: ${explain(e, opts.baseUrl)}\n  (${details(e)})\n`);
    if (paths.length) process.stderr.write(`${paths.length} finished ${paths.length === 1 ? 'image was' : 'images were'} written before the error.\n`);
    if (e instanceof HordeInvalidArgumentError) process.stderr.write('Run with --help for the options.\n');
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    // Not an error the Horde or the SDK describes: a bug, so the stack helps.
    process.stderr.write(`unexpected error: ${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  },
);
