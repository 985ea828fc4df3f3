// A client for the simulator's control API (`/__sim/…`): the job table, injected events and
// faults, configuration, key balances, statistics and the request log, over HTTP.
//
//   import { SimControl } from 'horde-sim';
//   const control = new SimControl('http://127.0.0.1:7001');   // or the API URL, '.../api'
//   await control.addFault({ fault: '503', path: '/generate/async' });
//
// Works wherever `fetch` does: Node 18+, browsers, workers.

/** A control call the simulator answered with an error (`{"error": ...}`), or did not answer. */
export class SimControlError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'SimControlError';
    this.status = status;
  }
}

export class SimControl {
  /**
   * @param {string} url the simulator's origin (`sim.url`) or its API URL (`sim.baseUrl`)
   * @param {{ fetch?: typeof fetch }} [options]
   */
  constructor(url, options = {}) {
    this.url = String(url).replace(/\/+$/, '').replace(/\/api$/, '');
    this.fetch = options.fetch || ((...a) => globalThis.fetch(...a));
  }

  async call(method, path, body) {
    let res;
    try {
      res = await this.fetch(`${this.url}/__sim${path}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new SimControlError(`horde-sim control ${method} ${path}: ${e.message}`, 0);
    }
    const text = await res.text();
    let json;
    try { json = text ? JSON.parse(text) : {}; } catch { json = { error: text }; }
    if (!res.ok) throw new SimControlError(`horde-sim control ${method} ${path}: ${res.status} ${json.error ?? text}`, res.status);
    return json;
  }

  async orNull(promise) {
    try { return await promise; } catch (e) {
      if (e instanceof SimControlError && e.status === 404) return null;
      throw e;
    }
  }

  // -- jobs ------------------------------------------------------------------
  async jobs() { return (await this.call('GET', '/jobs')).jobs; }
  job(id) { return this.orNull(this.call('GET', `/jobs/${encodeURIComponent(id)}`)); }
  inject(id, event) { return this.call('POST', `/jobs/${encodeURIComponent(id)}/inject`, { event }); }
  expire(id) { return this.inject(id, 'expire'); }
  finish(id) { return this.inject(id, 'finish'); }
  failWorker(id) { return this.inject(id, 'worker-failure'); }

  // -- faults ----------------------------------------------------------------
  async addFault(spec) { return (await this.call('POST', '/faults', spec)).id; }
  async faults() { return (await this.call('GET', '/faults')).faults; }
  async clearFaults() { await this.call('DELETE', '/faults'); }

  // -- configuration and reset -------------------------------------------------
  config() { return this.call('GET', '/config'); }
  setConfig(partial) { return this.call('POST', '/config', partial); }
  async reset() { await this.call('POST', '/reset'); }

  // -- keys --------------------------------------------------------------------
  async users() { return (await this.call('GET', '/users')).users; }
  user(apikey) { return this.orNull(this.call('GET', `/users/${encodeURIComponent(apikey)}`)); }
  setUser(apikey, patch) { return this.call('POST', `/users/${encodeURIComponent(apikey)}`, patch); }
  setKudos(apikey, kudos) { return this.setUser(apikey, { kudos }); }

  // -- statistics and the request log ----------------------------------------
  stats() { return this.call('GET', '/stats'); }
  async resetStats() { await this.call('POST', '/stats/reset'); }
  async log(limit) { return (await this.call('GET', `/log${limit === undefined ? '' : `?limit=${limit}`}`)).requests; }
  async clearLog() { await this.call('DELETE', '/log'); }
}
