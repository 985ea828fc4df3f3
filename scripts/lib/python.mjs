// Python for the tests: an interpreter in a version range, and virtualenvs in the cache
// (~/.cache/horde-wasm/<name>-<hash of the packages>), made once per set of packages.
import { spawnSync } from 'node:child_process';
import { capture } from './sh.mjs';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const cacheDir = () => join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'horde-wasm');

/** A Python with min <= version < below (each `[major, minor]`): $PYTHON, one on PATH, or pyenv's. */
export function findPython(min, below) {
  const check = `import sys; sys.exit(not (${min.join(', ')}) <= sys.version_info[:2] < (${below.join(', ')}))`;
  const ok = (p) => p && spawnSync(p, ['-c', check]).status === 0;
  const candidates = [process.env.PYTHON];
  for (let m = min[1]; m < below[1]; m++) candidates.push(`python3.${m}`);
  candidates.push('python3');
  const pyenvRoot = process.env.PYENV_ROOT || join(homedir(), '.pyenv');
  if (existsSync(join(pyenvRoot, 'versions'))) {
    const minor = (v) => Number(v.split('.')[1]);
    for (const v of readdirSync(join(pyenvRoot, 'versions')).filter((v) => /^3\.\d+\.\d+$/.test(v) && minor(v) >= min[1] && minor(v) < below[1]).sort().reverse()) {
      candidates.push(join(pyenvRoot, 'versions', v, 'bin', 'python3'));
    }
  }
  const found = candidates.find(ok);
  if (!found) throw new Error(`no Python >= ${min.join('.')} and < ${below.join('.')} found (set PYTHON, or install one with pyenv)`);
  return found;
}


/** A virtualenv of this Python's minor version with `packages` installed (from PyPI on first use); returns its folder. */
export function cachedVenv(python, name, packages, log = (m) => console.error(m)) {
  const version = capture(python, ['-c', 'import sys; print(*sys.version_info[:2], sep=".")']).trim();
  const key = createHash('sha256').update(`${version}\n${packages.join('\n')}`).digest('hex').slice(0, 12);
  const dir = join(cacheDir(), `${name}-${key}`);
  if (existsSync(join(dir, '.installed'))) return dir;
  // Two test runs may need the same venv at once: one makes it, the other waits for it.
  return withLock(dir, () => {
    if (existsSync(join(dir, '.installed'))) return dir;
    log(`creating ${dir} (pip install from PyPI)`);
    rmSync(dir, { recursive: true, force: true });
    capture(python, ['-m', 'venv', dir]);
    capture(join(dir, 'bin/pip'), ['install', '-q', '--disable-pip-version-check', ...packages]);
    writeFileSync(join(dir, '.installed'), packages.join('\n'));
    return dir;
  });
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
};

/**
 * Runs `fn` holding the lock `<path>.lock` (a folder holding its owner's pid), waiting while
 * another live process holds it. A lock whose owner is gone (or that never got its pid, a
 * minute on) is taken over: renamed away first, so that of two waiters only one takes it.
 */
export function withLock(path, fn) {
  const lock = `${path}.lock`;
  const pidFile = join(lock, 'pid');
  mkdirSync(join(lock, '..'), { recursive: true });
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(pidFile, String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    let owner = 0;
    let age = 0;
    try {
      owner = Number(readFileSync(pidFile, 'utf8'));
    } catch {
      // not written yet
    }
    try {
      age = Date.now() - statSync(lock).mtimeMs;
    } catch {
      continue;
    }
    if (owner ? !alive(owner) : age > 60_000) {
      const stale = `${lock}.stale-${process.pid}-${Date.now()}`;
      try {
        renameSync(lock, stale);
      } catch {
        continue; // another waiter took it over first
      }
      let moved = 0;
      try {
        moved = Number(readFileSync(join(stale, 'pid'), 'utf8'));
      } catch {
        // it had no pid
      }
      // Another waiter's fresh lock, renamed between our read and the rename: put it back.
      if (moved !== owner) {
        try {
          renameSync(stale, lock);
          continue;
        } catch {
          // a third process holds the lock now; theirs stands
        }
      }
      rmSync(stale, { recursive: true, force: true });
      continue;
    }
    Atomics.wait(pause, 0, 0, 250);
  }
  try {
    return fn();
  } finally {
    let mine = false;
    try {
      mine = readFileSync(pidFile, 'utf8') === String(process.pid);
    } catch {
      // taken over and removed
    }
    if (mine) rmSync(lock, { recursive: true, force: true });
  }
}

/** The venv of sim/recipes/horde_sdk_recipe.py: horde_sdk on a Python 3.10–3.13. */
export const HORDE_SDK = 'horde_sdk==0.18.0';
export function ensureHordeSdk(log) {
  return cachedVenv(findPython([3, 10], [3, 14]), 'horde-sdk', [HORDE_SDK], log);
}
