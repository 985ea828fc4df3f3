// The real AI Horde server (the unmodified source in this folder's tarball) on loopback, for the
// conformance stage: Postgres 15 with pg_cron and Redis from Debian, moto's S3 server standing in
// for Cloudflare R2, the model reference served locally, the test users with fixed keys, and
// the fake worker of worker.py.
//
//   import { startRealHorde } from './tests/realhorde/realhorde.mjs';
//   const horde = await startRealHorde();   // { baseUrl, runDir, pauseFile, stop() }
//   ...
//   await horde.stop();                     // every process it started, by pid
//
//   node tests/realhorde/realhorde.mjs      # the same from a shell, until Ctrl-C
//
// Each start has a fresh database and its own ports. The Python environments are cached in
// ~/.cache/horde-wasm/realhorde (a first start installs them from PyPI: about 60–70 s).
// Needs root (Postgres runs as the `postgres` user) and Python 3.12 or 3.13 (PYTHON=...).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, realpathSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPython as findPythonIn, cachedVenv } from '../../scripts/lib/python.mjs';
import { capture as sh, has } from '../../scripts/lib/sh.mjs';

const here = new URL('.', import.meta.url).pathname;
const TARBALL = join(here, 'aihorde-server-fbd5ed46.tar.gz');
const PG_BIN = '/usr/lib/postgresql/15/bin';
const SECRET = 'horde-wasm-conformance';

/** The users of the tests, with the simulator's keys where it has them. */
export const USERS = [
  // username, oauth id, key, kudos, concurrency, moderator, trusted
  ['test_user', 'ci_test_user', 'realadminkey000000001', 10000, 30, true, true],
  ['Tester', 'local_tester', 'simtestkey000000000001', 1_000_000, 30, false, false],
  ['LowConcurrency', 'local_lowconc', 'simtestkey000000000002', 5000, 2, false, false],
  ['Poor', 'local_poor', 'simtestkey000000000003', 0, 30, false, false],
  ['Trusted', 'local_trusted', 'simtestkey000000000004', 250_000, 60, false, true],
  ['worker_owner', 'local_worker_owner', 'realworkerkey000000001', 1000, 30, false, true],
];
const WORKER_KEY = 'realworkerkey000000001';

/** The image models the server knows (its model reference, normally downloaded at start). */
function modelReference() {
  const model = (name, baseline, extra = {}) => [name, {
    name, baseline, type: 'ckpt', inpainting: false, description: `local entry for ${name}`, version: '1',
    style: 'generalist', nsfw: false, download_all: false, config: { files: [], download: [] }, available: true, ...extra,
  }];
  return {
    'stable_diffusion.json': Object.fromEntries([
      model('stable_diffusion', 'stable diffusion 1'),
      model('Deliberate', 'stable diffusion 1'),
      model('AlbedoBase XL (SDXL)', 'stable_diffusion_xl'),
      model('stable_diffusion_inpainting', 'stable diffusion 1', { inpainting: true }),
      model('Flux.1-Schnell fp8 (Compact)', 'flux_1', {
        requirements: { min_steps: 4, max_steps: 8, cfg_scale: 1.0, samplers: ['k_euler'], schedulers: ['simple'] },
      }),
      model('SDXL 1.0', 'stable_diffusion_xl'),
      model('Stable Cascade 1.0', 'stable_cascade'),
    ]),
    'diffusers.json': {},
    'db.json': {
      'koboldcpp/LLaMA2-13B-Psyfighter2': { name: 'koboldcpp/LLaMA2-13B-Psyfighter2', parameters: 13000000000, nsfw: false, baseline: 'llama2' },
    },
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));


/** Debian's Postgres 15, pg_cron and Redis, installed when missing. */
function ensureDebianPackages(log) {
  const need = [];
  if (!has('redis-server')) need.push('redis-server');
  if (!existsSync(join(PG_BIN, 'postgres'))) need.push('postgresql-15');
  if (!existsSync('/usr/lib/postgresql/15/lib/pg_cron.so')) need.push('postgresql-15-cron');
  if (!need.length) return;
  log(`apt-get install ${need.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  sh('apt-get', ['update', '-qq'], { env });
  sh('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...need], { env });
}

/** A Python 3.12 or 3.13: $PYTHON, one on PATH, or one of pyenv's. */
export const findPython = () => findPythonIn([3, 12], [3, 14]);

/** A virtualenv in ~/.cache/horde-wasm/realhorde with `packages` installed, made once per set of packages. */
const venv = (log, python, name, packages) => cachedVenv(python, `realhorde/${name}`, packages, log);

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function until(what, fn, timeoutMs, alive) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await fn()) return;
    } catch {}
    const dead = alive?.();
    if (dead) throw new Error(`${what}: ${dead}`);
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(300);
  }
}

const httpOk = async (url) => (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;

/**
 * The pinned packages of a Python environment: `pip freeze` of environments that ran the
 * server (`requirements-server.lock`: the server's requirements.txt less its git dependency
 * patreon-python, which the server imports optionally, plus chardet<6) and moto
 * (`requirements-s3.lock`), so that every machine installs the same versions.
 */
function locked(file) {
  return readFileSync(join(here, file), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

/**
 * Installs what the server needs, when missing: Debian's packages, and the Python environments
 * of the server and of moto (from PyPI, into the cache). Returns the environments' folders.
 */
export function ensureRealHorde(log = (m) => console.error(`[realhorde] ${m}`)) {
  ensureDebianPackages(log);
  const python = findPython();
  return {
    serverEnv: venv(log, python, 'server', locked('requirements-server.lock')),
    s3Env: venv(log, python, 's3', locked('requirements-s3.lock')),
  };
}

/**
 * The reaper: `node -e REAPER <parent pid> <run folder>`. Once the parent is gone (killed by a
 * signal it cannot catch), it kills the pids listed in `<run folder>/pids` and deletes the
 * folder; a stop that finished writes `<run folder>/stopped` (or deletes the folder), and it leaves.
 */
const REAPER = `
const fs = require('node:fs');
const path = require('node:path');
const [parent, dir] = process.argv.slice(1);
const alive = (pid) => { try { process.kill(+pid, 0); return true; } catch { return false; } };
const tick = setInterval(() => {
  if (!fs.existsSync(dir) || fs.existsSync(path.join(dir, 'stopped'))) { clearInterval(tick); return; }
  if (alive(parent)) return;
  clearInterval(tick);
  let pids = [];
  try { pids = fs.readFileSync(path.join(dir, 'pids'), 'utf8').split('\\n').filter(Boolean); } catch {}
  for (const pid of pids) { try { process.kill(+pid, 'SIGKILL'); } catch {} }
  fs.rmSync(dir, { recursive: true, force: true });
}, 1000);
`;

/**
 * Starts the real server and everything it needs; rejects (after stopping what it started)
 * when any part does not come up. `worker: false` leaves the fake worker out.
 */
export async function startRealHorde({ log = (m) => console.error(`[realhorde] ${m}`), worker = true } = {}) {
  const t0 = Date.now();
  const step = (m) => log(`+${((Date.now() - t0) / 1000).toFixed(0)} s ${m}`);
  if (process.getuid?.() !== 0) throw new Error('the real AI Horde server is started as root (Postgres runs as the postgres user)');
  const { serverEnv, s3Env } = ensureRealHorde(step);
  const runDir = mkdtempSync(join(tmpdir(), 'horde-wasm-realhorde-'));
  chmodSync(runDir, 0o755);
  const children = [];
  const handle = {
    runDir, pauseFile: join(runDir, 'worker.pause'), children,
    /** The last lines of a process's log (`server`, `worker`, `postgres`, …). */
    logTail: (name, lines = 40) => tail(join(runDir, `${name}.log`), lines),
  };
  // However this process ends, what it started ends too: on exit and on a signal, every child
  // is killed at once; if it is killed itself (SIGKILL), a detached reaper sees it gone and
  // kills the pids listed in the run folder.
  const pidsFile = join(runDir, 'pids');
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) try { process.kill(c.pid, 'SIGKILL'); } catch {}
    if (!process.env.REALHORDE_KEEP) rmSync(runDir, { recursive: true, force: true });
  };
  const onSignal = (signal) => { killAll(); process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15)); };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  process.once('exit', killAll);
  for (const sig of signals) process.on(sig, onSignal);
  spawn(process.execPath, ['-e', REAPER, String(process.pid), runDir], { detached: true, stdio: 'ignore' }).unref();
  handle.stop = async () => {
    process.off('exit', killAll);
    for (const sig of signals) process.off(sig, onSignal);
    await stopAll(children, runDir, log);
  };

  const start = (name, cmd, args, opts = {}) => {
    const out = openSync(join(runDir, `${name}.log`), 'a');
    const child = spawn(cmd, args, { stdio: ['ignore', out, out], ...opts });
    closeSync(out); // the child has its own copy
    child.name = name;
    children.push(child);
    if (child.pid) appendFileSync(pidsFile, `${child.pid}\n`);
    child.on('error', (e) => appendFileSync(join(runDir, `${name}.log`), `spawn failed: ${e.message}\n`));
    return child;
  };
  const exited = (child) => () => (child.exitCode !== null || child.signalCode !== null
    ? `${child.name} exited (${child.exitCode ?? child.signalCode}); its log ends:\n${tail(join(runDir, `${child.name}.log`))}` : null);

  try {
    step('extracting the server source');
    const src = join(runDir, 'src');
    mkdirSync(src);
    sh('tar', ['-xzf', TARBALL, '-C', src, '--strip-components=1']);

    const [hordePort, pgPort, redisPort, s3Port, refPort] = await Promise.all([1, 2, 3, 4, 5].map(freePort));

    step(`postgres on 127.0.0.1:${pgPort}`);
    const uid = Number(sh('id', ['-u', 'postgres']).trim());
    const gid = Number(sh('id', ['-g', 'postgres']).trim());
    const pgData = join(runDir, 'pgdata');
    mkdirSync(pgData, { mode: 0o700 });
    chownSync(pgData, uid, gid);
    sh(join(PG_BIN, 'initdb'), ['-D', pgData, '-U', 'postgres', '--auth=trust', '-E', 'UTF8'], { uid, gid, cwd: pgData });
    appendFileSync(join(pgData, 'postgresql.conf'), [
      "listen_addresses = '127.0.0.1'", `port = ${pgPort}`, "unix_socket_directories = ''",
      "shared_preload_libraries = 'pg_cron'", "cron.database_name = 'postgres'", 'max_connections = 200', 'fsync = off', '',
    ].join('\n'));
    const pgLog = join(runDir, 'postgres.log');
    writeFileSync(pgLog, '');
    chownSync(pgLog, uid, gid);
    const pg = start('postgres', join(PG_BIN, 'postgres'), ['-D', pgData], { uid, gid, cwd: pgData });
    const psql = (sql) => sh('psql', ['-h', '127.0.0.1', '-p', String(pgPort), '-U', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qAtc', sql]);
    await until('postgres', () => spawnSync('psql', ['-h', '127.0.0.1', '-p', String(pgPort), '-U', 'postgres', '-c', 'select 1']).status === 0, 30000, exited(pg));
    psql("ALTER USER postgres PASSWORD 'postgres'");

    step(`redis on 127.0.0.1:${redisPort}`);
    const redis = start('redis', 'redis-server', ['--bind', '127.0.0.1', '--port', String(redisPort), '--save', '', '--appendonly', 'no', '--dir', runDir]);
    await until('redis', () => spawnSync('redis-cli', ['-p', String(redisPort), 'ping']).stdout?.toString().includes('PONG'), 20000, exited(redis));

    step(`moto S3 on 127.0.0.1:${s3Port}`);
    const moto = start('moto', join(s3Env, 'bin/moto_server'), ['-H', '127.0.0.1', '-p', String(s3Port)]);
    await until('moto', () => httpOk(`http://127.0.0.1:${s3Port}/`), 60000, exited(moto));
    for (const bucket of ['stable-horde', 'stable-horde-source-images', 'prompts']) {
      const r = await fetch(`http://127.0.0.1:${s3Port}/${bucket}`, { method: 'PUT' });
      if (!r.ok) throw new Error(`moto: creating bucket ${bucket} gave HTTP ${r.status}`);
    }

    step(`model reference on 127.0.0.1:${refPort}`);
    const refDir = join(runDir, 'modelref');
    mkdirSync(refDir);
    for (const [file, body] of Object.entries(modelReference())) writeFileSync(join(refDir, file), JSON.stringify(body, null, 1));
    const ref = start('modelref', join(serverEnv, 'bin/python'), ['-m', 'http.server', String(refPort), '--bind', '127.0.0.1', '--directory', refDir]);
    await until('model reference', () => httpOk(`http://127.0.0.1:${refPort}/stable_diffusion.json`), 20000, exited(ref));

    const ref_ = `http://127.0.0.1:${refPort}`;
    const s3 = `http://127.0.0.1:${s3Port}`;
    const env = {
      PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8',
      HORDE_TITLE: 'AI Horde (conformance)', HORDE_URL: `http://127.0.0.1:${hordePort}`, secret_key: SECRET,
      USE_SQLITE: '0', POSTGRES_URL: `127.0.0.1:${pgPort}/postgres`, POSTGRES_USER: 'postgres', POSTGRES_PASS: 'postgres',
      REDIS_IP: '127.0.0.1', REDIS_PORT: String(redisPort), REDIS_SERVERS: '["127.0.0.1"]',
      ADMINS: '["test_user#1"]', KUDOS_TRUST_THRESHOLD: '100', HORDE_TEST_APIKEYS: '1',
      HORDE_IMAGE_COMPVIS_REFERENCE: `${ref_}/stable_diffusion.json`,
      HORDE_IMAGE_DIFFUSERS_REFERENCE: `${ref_}/diffusers.json`,
      HORDE_IMAGE_LLM_REFERENCE: `${ref_}/db.json`,
      AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_DEFAULT_REGION: 'auto',
      SHARED_AWS_ACCESS_ID: 'testing', SHARED_AWS_ACCESS_KEY: 'testing',
      R2_TRANSIENT_ACCOUNT: s3, R2_PERMANENT_ACCOUNT: s3, R2_TRANSIENT_BUCKET: 'stable-horde',
      R2_PERMANENT_BUCKET: 'stable-horde', R2_SOURCE_IMAGE_BUCKET: 'stable-horde-source-images',
      NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost',
    };
    step(`the AI Horde server on 127.0.0.1:${hordePort}`);
    const server = start('server', join(serverEnv, 'bin/python'), ['server.py', '-vvvvi', '--horde', 'stable', '--listen', '127.0.0.1', '-p', String(hordePort)], { cwd: src, env });
    const baseUrl = `http://127.0.0.1:${hordePort}/api`;
    await until('the server\'s heartbeat', () => httpOk(`${baseUrl}/v2/status/heartbeat`), 180000, exited(server));

    step('test users');
    for (const [username, oauth_id, key, kudos, concurrency, moderator, trusted] of USERS) {
      const r = await fetch(`http://127.0.0.1:${hordePort}/api/v2/dev/test-user`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username, oauth_id, moderator, trusted, kudos }),
      });
      if (!r.ok) throw new Error(`creating user ${username}: HTTP ${r.status} ${await r.text()}`);
      // The server keeps sha256(secret_key + key); pinning it makes the key fixed.
      const hash = createHash('sha256').update(SECRET + key).digest('hex');
      psql(`UPDATE users SET api_key='${hash}', concurrency=${concurrency}, kudos=${kudos} WHERE oauth_id='${oauth_id}'`);
    }

    if (worker) {
      step('fake worker');
      const w = start('worker', join(serverEnv, 'bin/python'), [join(here, 'worker.py'), '--base', baseUrl, '--apikey', WORKER_KEY, '--pause-file', handle.pauseFile, '--slow-seconds', '5'], { env });
      // The server refreshes its list of served models every few seconds.
      await until('the worker\'s models', async () => (await (await fetch(`${baseUrl}/v2/status/models`)).text()).includes('"stable_diffusion"'), 60000, exited(w));
    }
    const version = (await (await fetch(`${baseUrl}/v2/status/heartbeat`)).json()).version;
    step(`ready: ${baseUrl} (AI Horde ${version})`);
    return Object.assign(handle, { baseUrl, version, ports: { hordePort, pgPort, redisPort, s3Port, refPort } });
  } catch (e) {
    await handle.stop();
    throw e;
  }
}

function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Stops every child by pid (the worker first, Postgres last), then deletes the run folder. */
async function stopAll(children, runDir, log) {
  for (const child of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const gone = new Promise((r) => child.once('exit', r));
    // Postgres' fast shutdown is SIGINT; the rest stop on SIGTERM.
    process.kill(child.pid, child.name === 'postgres' ? 'SIGINT' : 'SIGTERM');
    if (await Promise.race([gone.then(() => true), sleep(10000).then(() => false)])) continue;
    log(`${child.name} (${child.pid}) did not stop on its signal: SIGKILL`);
    try { process.kill(child.pid, 'SIGKILL'); } catch {}
    await gone;
  }
  children.length = 0;
  if (process.env.REALHORDE_KEEP) writeFileSync(join(runDir, 'stopped'), '');
  else rmSync(runDir, { recursive: true, force: true });
}

function isMain() {
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  // Ctrl-C (or SIGTERM) stops everything through startRealHorde's signal handling.
  const horde = await startRealHorde();
  console.log(`BASE_URL=${horde.baseUrl}`);
  console.log(`pause the worker: touch ${horde.pauseFile}; logs: ${horde.runDir}`);
  setInterval(() => {}, 1 << 30);
}
