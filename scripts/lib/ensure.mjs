// Installs what a fresh machine lacks, idempotently: the wasm32 target, wasm-bindgen-cli at the
// exact version of the wasm-bindgen crate, cargo-machete (the lint stage's unused-dependency
// check), the npm dev dependencies (and the link of the horde-sim workspace), and Debian's
// Chromium, ChromeDriver and webp. Each step says what it does; none runs twice.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { must, output, has } from './sh.mjs';

export const root = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');

// cargo installs into ~/.cargo/bin, which a non-login shell may not have on PATH.
const cargoBin = join(process.env.CARGO_HOME || join(homedir(), '.cargo'), 'bin');
if (!(process.env.PATH || '').split(':').includes(cargoBin)) {
  process.env.PATH = `${cargoBin}:${process.env.PATH || ''}`;
}

/** The wasm-bindgen version pinned in Cargo.toml (`wasm-bindgen = "=X"`). */
export function pinnedWasmBindgen() {
  const toml = readFileSync(join(root, 'Cargo.toml'), 'utf8');
  const m = toml.match(/^wasm-bindgen\s*=\s*"=([0-9.]+)"/m);
  if (!m) throw new Error('Cargo.toml must pin wasm-bindgen with "=X.Y.Z"');
  return m[1];
}

export async function ensureRust() {
  if (!has('cargo')) throw new Error('cargo is not installed: install Rust with rustup first (https://rustup.rs)');
  const targets = output('rustup', ['target', 'list', '--installed']) || '';
  if (!targets.split('\n').includes('wasm32-unknown-unknown')) {
    console.log('» rustup target add wasm32-unknown-unknown');
    await must('rustup', ['target', 'add', 'wasm32-unknown-unknown']);
  }
}

export async function ensureWasmBindgen() {
  const want = pinnedWasmBindgen();
  const have = (output('wasm-bindgen', ['--version']) || '').split(' ')[1];
  if (have === want) return;
  console.log(`» cargo install wasm-bindgen-cli --version ${want} (found ${have || 'none'}; about 3 minutes)`);
  // Not --locked: its lockfile pins a webpki-roots release that some crates.io mirrors lack.
  await must('cargo', ['install', 'wasm-bindgen-cli', '--version', want]);
}

/** The cargo-machete release the lint stage runs. */
export const CARGO_MACHETE = '0.9.2';

/** cargo-machete, which fails the lint stage on a declared dependency that no code uses. */
export async function ensureCargoMachete() {
  const have = (output('cargo-machete', ['--version']) || '').trim().split(' ').pop();
  if (have === CARGO_MACHETE) return;
  console.log(`» cargo install cargo-machete --version ${CARGO_MACHETE} --locked (found ${have || 'none'}; about 2 minutes)`);
  await must('cargo', ['install', 'cargo-machete', '--version', CARGO_MACHETE, '--locked']);
}

export async function ensureNodeModules() {
  const lock = join(root, 'package-lock.json');
  const marker = join(root, 'node_modules', '.package-lock.json');
  const fresh = existsSync(marker) && existsSync(lock) &&
    readFileSync(marker, 'utf8').length > 0 &&
    ['binaryen', 'playwright-core', 'rolldown', 'typescript', 'vite', 'vitest', '@zeldafan0225/ai_horde', 'horde-sim/package.json']
      .every((p) => existsSync(join(root, 'node_modules', p)));
  if (fresh) return;
  console.log('» npm ci');
  await must('npm', existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'], { cwd: root });
}

/**
 * Debian's Chromium and ChromeDriver (browsers downloaded by test tools do not work here), and
 * libwebp's dwebp, which decodes the simulator's images in its tests.
 */
export async function ensureChromium() {
  if (existsSync('/usr/bin/chromium') && existsSync('/usr/bin/chromedriver') && existsSync('/usr/bin/dwebp')) return;
  if (!has('apt-get')) throw new Error('Chromium is missing: install chromium and chromium-driver');
  const sudo = process.getuid && process.getuid() !== 0 ? ['sudo'] : [];
  console.log('» apt-get install chromium chromium-driver webp');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) => (sudo.length ? must('sudo', ['apt-get', ...args], { env }) : must('apt-get', args, { env }));
  await apt(['update']);
  await apt(['install', '-y', '--no-install-recommends', 'chromium', 'chromium-driver', 'webp']);
}
