// Switchable faults for /api (and /r2) requests.
//  - "500", "502-html", "503", "429", "429-rc": answered INSTEAD of normal
//    handling, before rate limiting and any state change (no side effects).
//  - "reset", "truncate", "slow": the request is handled normally (side
//    effects happen), then the answer is damaged or delayed.

export const FAULT_KINDS = ['500', '502-html', '503', '429', '429-rc', 'reset', 'truncate', 'slow'];
export const PRE_FAULTS = new Set(['500', '502-html', '503', '429', '429-rc']);
const METHODS = ['GET', 'POST', 'DELETE', 'HEAD', 'OPTIONS'];

export class FaultError extends Error {}

export class FaultRegistry {
  constructor() { this.faults = []; this.seq = 0; }

  add(spec) {
    if (!spec || typeof spec !== 'object') throw new FaultError('body must be a JSON object');
    const { fault } = spec;
    if (!FAULT_KINDS.includes(fault)) throw new FaultError(`fault must be one of ${FAULT_KINDS.join(', ')}`);
    let method = null;
    if (spec.method !== undefined && spec.method !== null) {
      if (typeof spec.method !== 'string' || !METHODS.includes(spec.method.toUpperCase())) throw new FaultError('method must be GET, POST or DELETE');
      method = spec.method.toUpperCase();
    }
    let path = null;
    if (spec.path !== undefined && spec.path !== null) {
      if (typeof spec.path !== 'string') throw new FaultError('path must be a string');
      path = spec.path;
    }
    const times = spec.times === undefined ? 1 : spec.times;
    if (!Number.isInteger(times) || times < 0) throw new FaultError('times must be an integer >= 0');
    const delayMs = spec.delayMs === undefined ? 5000 : spec.delayMs;
    if (typeof delayMs !== 'number' || !(delayMs >= 0)) throw new FaultError('delayMs must be a number >= 0');
    let retryAfter = null;
    if (spec.retryAfter !== undefined && spec.retryAfter !== null) {
      if (typeof spec.retryAfter !== 'number' || !(spec.retryAfter >= 0)) throw new FaultError('retryAfter must be a number >= 0');
      retryAfter = spec.retryAfter;
    }
    const f = {
      id: `fault-${++this.seq}`, fault, method, path, times, remaining: times === 0 ? null : times,
      delayMs, retryAfter, applied: 0,
    };
    this.faults.push(f);
    return f;
  }

  // apiPath: path after /api (e.g. /v2/generate/check/<id>), or the /r2/... path.
  take(method, path, isR2) {
    for (const f of this.faults) {
      if (f.method ? f.method !== method && !(f.method === 'GET' && method === 'HEAD') : method === 'OPTIONS') continue;
      if (isR2 && !f.path) continue;
      if (f.path && !path.includes(f.path)) continue;
      f.applied++;
      if (f.remaining !== null) {
        f.remaining--;
        if (f.remaining <= 0) this.faults = this.faults.filter((x) => x !== f);
      }
      return { ...f };
    }
    return null;
  }

  list() { return this.faults.map((f) => ({ ...f })); }
  clear() { this.faults = []; }
}
