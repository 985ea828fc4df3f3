// Compares one exchange as answered by the real AI Horde and by the simulator.
//
//   compareExchange(real, sim, rules) -> [{ field, real, sim }]
//
// `real` and `sim` are captured answers: { status, headers, text } with header
// names in lower case (what fetch's Headers gives). Compared:
//
// * the status code;
// * Content-Type, the CORS headers (Access-Control-Allow-Origin, -Methods,
//   -Headers, -Expose-Headers, -Max-Age: present on both or neither, same
//   value), the rate-limit headers (X-RateLimit-Limit, X-RateLimit-Remaining and
//   Retry-After exactly, but for where a request lands in a 1-second window (see
//   compareHeaders); X-RateLimit-Reset, an epoch second, by presence only);
// * the body: its kind (JSON, empty, other text), then recursively the same key
//   sets, the same JSON types (integer and float spellings are distinct types:
//   the server writes float fields as `8.0`, and a strict client decoding an
//   integer field rejects `1.0`), array lengths, and values. Values that
//   legitimately differ between two servers are compared by type only
//   (VALUE_RULES below); the exchange's `rules` add the rest.
//
// rules (all optional):
//   settled: false        the request may still be moving (a worker may pick it up or
//                         deliver between the two answers): its counters, wait_time,
//                         queue_position, done and the number of generations are
//                         compared by type only, plus the invariant
//                         finished + processing + waiting (= the images still owed).
//   ignore: [{ path, mode }]
//                         path: generic body path ('records.**', 'generations[].model',
//                         'active_generations.*', '' for the root); '*' is one segment,
//                         '**' any rest. mode: 'type' (shape and JSON types only, no
//                         values, no array lengths), 'number' (as 'type', and integer
//                         vs float is not a difference), 'optional' (the key may be
//                         absent on either side; compared as usual when both have it),
//                         'skip' (nothing compared at or below the path).
//   keyed: { path: field } arrays at `path` are matched by element[field] instead of by
//                         index (for lists whose order is not defined, e.g. the models
//                         list or a set of warnings); an element missing on one side is
//                         a difference unless `ignore` has `<path>[field=value]`.
//   normalise: [regex]    parts of messages that legitimately differ (replaced before
//                         comparing), e.g. a load-dependent size in a message
//   headers: { skip: ['ratelimit' | 'cors' | 'content-type' | <header name>] }

export const CORS_HEADERS = [
  'access-control-allow-origin',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-expose-headers',
  'access-control-max-age',
];
export const RATE_LIMIT_EXACT = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'retry-after'];
export const RATE_LIMIT_PRESENCE = ['x-ratelimit-reset'];

const oneSecondWindow = (v) => v === '0' || v === '1';

const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const UUID_ONLY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Values compared by type only wherever their key appears, and why:
//   id           request/generation ids (UUIDs, compared as "a UUID") and user ids
//                (database row numbers, which depend on the order users were made)
//   seed         random per image unless requested
//   kudos        amounts: the real server prices with a neural model, the simulator
//                with the legacy formula. Exception (compareStatusInvariants): in a
//                request status before any image is delivered, kudos is the
//                activation tax, a fixed amount, and is compared.
//   worker_id, worker_name   the two servers have different workers
//   img          an image URL (r2) or base64 data: compared as its kind only
//   username     "alias#id": the #id part is a user id
//   wait_time    a time (seconds left), which each server estimates its own way
// A generation's `model` is compared: the exchanges name one model when they look at
// images (an exchange letting the server choose among several would ignore it).
// Times and load figures (wait_time and queue_position while a request moves, the
// models list's eta, performance, queued and jobs, the heartbeat's counters,
// account_age) are exempted by the exchanges that carry them, with their reasons.
const VALUE_RULES = {
  id: 'id',
  seed: 'seed',
  kudos: 'type',
  worker_id: 'type',
  worker_name: 'type',
  img: 'img',
  username: 'username',
  // A time: the real server also counts the time left of faulted images, so a request it
  // just ended may show some seconds; times are not compared by value.
  wait_time: 'type',
};

// Request-status counters: deterministic once a request is settled, timing-dependent
// while a worker may pick it up or deliver.
export const STATUS_COUNTERS = ['finished', 'processing', 'waiting', 'restarted', 'done', 'queue_position'];

// ---------------------------------------------------------------------------
// JSON with number spellings kept (8 and 8.0 are both 8 for JSON.parse).

export class Num {
  constructor(text) { this.text = text; this.value = Number(text); this.float = /[.eE]/.test(text); }
  toJSON() { return this.value; }
}

export function parseJson(text) {
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\r\n'.includes(text[i])) i++; };
  const fail = (what) => { throw new SyntaxError(`${what} at offset ${i}`); };
  const value = () => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++; const o = {}; ws();
      if (text[i] === '}') { i++; return o; }
      for (;;) {
        ws(); if (text[i] !== '"') fail('expected a key');
        const k = str(); ws(); if (text[i] !== ':') fail("expected ':'"); i++;
        o[k] = value(); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return o; }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++; const a = []; ws();
      if (text[i] === ']') { i++; return a; }
      for (;;) {
        a.push(value()); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return a; }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    for (const [lit, v] of [['true', true], ['false', false], ['null', null]]) {
      if (text.startsWith(lit, i)) { i += lit.length; return v; }
    }
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail('unexpected character');
    i += m[0].length;
    return new Num(m[0]);
  };
  const str = () => {
    const start = i; i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail('unterminated string');
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const v = value(); ws();
  if (i !== text.length) fail('trailing data');
  return v;
}

/** A captured body: { kind: 'json'|'empty'|'text', value?, text }. */
export function parseBody(text) {
  if (text === undefined || text === null || text.trim() === '') return { kind: 'empty', text: text ?? '' };
  try { return { kind: 'json', value: parseJson(text), text }; } catch { return { kind: 'text', text }; }
}

/** Plain JS value (Num -> number), for reading ids and flags out of a parsed body. */
export function plain(v) {
  if (v instanceof Num) return v.value;
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

export function typeOf(v) {
  if (v === null) return 'null';
  if (v instanceof Num) return v.float ? 'float' : 'integer';
  if (Array.isArray(v)) return 'array';
  return typeof v; // boolean, string, object
}

const looseType = (t) => (t === 'float' || t === 'integer' ? 'number' : t);

// ---------------------------------------------------------------------------
// Normalisation of texts

/**
 * A message with what legitimately differs taken out: UUIDs, user ids (`Alias#12`),
 * kudos amounts (`requires 41.3 kudos`), and the order of the choices in a jsonschema
 * enum error (the server builds some enums from Python sets, whose order varies
 * between processes).
 */
export function normaliseMessage(s, extra = []) {
  let out = String(s);
  for (const re of extra) out = out.replace(new RegExp(re, 'g'), '<varies>');
  return out
    .replace(UUID_RE, '<uuid>')
    .replace(/#\d+/g, '#<id>')
    .replace(/-?\d+(?:\.\d+)? kudos/g, '<amount> kudos')
    .replace(/is not one of \[(.*)\]$/s, (_, list) => `is not one of [${splitReprList(list).sort().join(', ')}]`);
}

function splitReprList(list) {
  const out = []; let cur = ''; let q = null;
  for (const ch of list) {
    if (q) { cur += ch; if (ch === q) q = null; continue; }
    if (ch === "'" || ch === '"') { q = ch; cur += ch; continue; }
    if (ch === ',') { out.push(cur.trim()); cur = ''; continue; }
    cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function imgKind(s) {
  if (typeof s !== 'string') return typeOf(s);
  if (s === 'N/A') return 'N/A';
  if (/^https?:\/\//.test(s)) return 'url';
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(s)) return 'base64';
  return 'other text';
}

// ---------------------------------------------------------------------------
// Display

export function show(v) {
  if (v === undefined) return '(absent)';
  if (v instanceof Num) return v.text;
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v) || (v && typeof v === 'object')) {
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  }
  return String(v);
}

const showTyped = (v) => `${typeOf(v)} ${show(v)}`;

// ---------------------------------------------------------------------------
// Paths and rules

function genericPath(segs) {
  let s = '';
  for (const seg of segs) s += typeof seg === 'number' || seg.startsWith('[') ? '[]' : (s ? `.${seg}` : seg);
  return s;
}
function displayPath(segs) {
  let s = '';
  for (const seg of segs) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (seg.startsWith('[')) s += seg;
    else s += s ? `.${seg}` : seg;
  }
  return s || '(body)';
}
function patternMatches(pattern, generic, display) {
  if (pattern === display || pattern === generic) return true;
  const toRe = (p) => new RegExp(`^${p.split('**').map((part) => part.split('*').map((x) => x.replace(/[.[\]()+?^$|\\{}]/g, '\\$&')).join('[^.]*')).join('.*')}$`);
  return toRe(pattern).test(generic) || toRe(pattern).test(display);
}

function modeFor(rules, segs) {
  const generic = genericPath(segs);
  const display = displayPath(segs);
  let mode = null;
  for (const r of rules.ignore || []) {
    if (patternMatches(r.path, generic, display)) {
      // the strongest mode wins: skip > number > type > optional
      const rank = { optional: 1, type: 2, number: 3, skip: 4 };
      if (!mode || rank[r.mode] > rank[mode]) mode = r.mode;
    }
  }
  return mode;
}

// ---------------------------------------------------------------------------
// The comparator

export function compareExchange(real, sim, rules = {}) {
  const diffs = [];
  const add = (field, r, s) => diffs.push({ field, real: r, sim: s });

  if (real.error || sim.error) {
    if (real.error !== sim.error) add('transport', real.error || 'answered', sim.error || 'answered');
    return diffs;
  }
  if (real.status !== sim.status) add('status', String(real.status), String(sim.status));

  compareHeaders(real.headers || {}, sim.headers || {}, rules, add);

  const rb = real.body || parseBody(real.text);
  const sb = sim.body || parseBody(sim.text);
  if (rb.kind !== sb.kind) {
    add('body', `${rb.kind} ${show(rb.text)}`, `${sb.kind} ${show(sb.text)}`);
    return diffs;
  }
  if (rb.kind === 'text') {
    if (rb.text.trim() !== sb.text.trim()) add('body', show(rb.text), show(sb.text));
    return diffs;
  }
  if (rb.kind === 'json') compareValue(rb.value, sb.value, [], rules, add, null);
  return diffs;
}

function compareHeaders(rh, sh, rules, add) {
  const skip = new Set(rules.headers?.skip || []);
  const names = [];
  if (!skip.has('content-type')) names.push(['content-type', 'exact']);
  if (!skip.has('cors')) for (const h of CORS_HEADERS) names.push([h, 'exact']);
  if (!skip.has('ratelimit')) {
    for (const h of RATE_LIMIT_EXACT) names.push([h, 'exact']);
    for (const h of RATE_LIMIT_PRESENCE) names.push([h, 'presence']);
  }
  for (const [name, how] of names) {
    if (skip.has(name)) continue;
    const r = rh[name];
    const s = sh[name];
    if (how === 'presence') {
      if ((r === undefined) !== (s === undefined)) add(`header ${name}`, r === undefined ? '(absent)' : 'present', s === undefined ? '(absent)' : 'present');
    } else if (name === 'x-ratelimit-remaining' && r === rh['x-ratelimit-limit'] && oneSecondWindow(rh['retry-after']) && oneSecondWindow(sh['retry-after'])) {
      // The real server reads a window's count for its headers after handling the request:
      // a 1-second window that lapsed during a slow answer reads as untouched (Remaining equal
      // to the limit), while the hit itself was counted in time.
    } else if (name === 'retry-after' && oneSecondWindow(r) && oneSecondWindow(s)) {
      // A 1-second window's Retry-After is 1 while at least half of it is left (Redis'
      // TTL rounds to the nearest second) and 0 after: a time within the window, which
      // depends on how fast each server answered the exchanges before.
    } else if (r !== s) {
      add(`header ${name}`, r === undefined ? '(absent)' : r, s === undefined ? '(absent)' : s);
    }
  }
}

function isRequestStatus(o) {
  return o && typeof o === 'object' && !Array.isArray(o) && 'finished' in o && 'waiting' in o && 'processing' in o;
}

function compareValue(r, s, segs, rules, add, inherited) {
  const field = displayPath(segs);
  const own = segs.length ? modeFor(rules, segs) : modeFor(rules, ['']);
  const mode = own && own !== 'optional' ? own : inherited;
  if (mode === 'skip') return;

  const key = segs.length ? segs[segs.length - 1] : null;
  const keyRule = typeof key === 'string' && !key.startsWith('[') ? VALUE_RULES[key] : undefined;

  const rt = typeOf(r);
  const st = typeOf(s);
  const loose = mode === 'number';
  if ((loose ? looseType(rt) : rt) !== (loose ? looseType(st) : st)) {
    add(`${field} (type)`, showTyped(r), showTyped(s));
    return;
  }

  if (rt === 'object') {
    const statusPair = isRequestStatus(r) && isRequestStatus(s);
    const keys = new Set([...Object.keys(r), ...Object.keys(s)]);
    for (const k of keys) {
      const childSegs = [...segs, k];
      const inR = Object.prototype.hasOwnProperty.call(r, k);
      const inS = Object.prototype.hasOwnProperty.call(s, k);
      const childMode = modeFor(rules, childSegs);
      if (childMode === 'skip') continue;
      if (inR !== inS) {
        if (childMode === 'optional') continue;
        add(`${displayPath(childSegs)} (key)`, inR ? `present ${show(r[k])}` : '(absent)', inS ? `present ${show(s[k])}` : '(absent)');
        continue;
      }
      // a request status's counters are compared with the status as a whole, below
      const counter = statusPair && STATUS_COUNTERS.includes(k);
      compareValue(r[k], s[k], childSegs, rules, add, counter ? (mode || 'type') : mode);
    }
    if (statusPair) compareStatusInvariants(r, s, segs, rules, add, mode);
    return;
  }

  if (rt === 'array') {
    const keyedBy = rules.keyed?.[genericPath(segs)];
    if (keyedBy) {
      const index = (arr) => new Map(arr.map((el, i) => [plain(el?.[keyedBy]) ?? `#${i}`, el]));
      const ri = index(r);
      const si = index(s);
      for (const k of new Set([...ri.keys(), ...si.keys()])) {
        const childSegs = [...segs, `[${keyedBy}=${k}]`];
        const childMode = modeFor(rules, childSegs);
        if (childMode === 'skip') continue;
        if (!ri.has(k) || !si.has(k)) {
          if (childMode === 'optional' || mode === 'type' || mode === 'number') continue;
          add(`${displayPath(childSegs)} (element)`, ri.has(k) ? 'present' : '(absent)', si.has(k) ? 'present' : '(absent)');
          continue;
        }
        compareValue(ri.get(k), si.get(k), childSegs, rules, add, mode);
      }
      return;
    }
    const lengthsMatter = !mode && !(rules.settled === false && isGenerationsPath(segs));
    if (lengthsMatter && r.length !== s.length) add(`${field} (length)`, String(r.length), String(s.length));
    const n = Math.min(r.length, s.length);
    for (let i = 0; i < n; i++) compareValue(r[i], s[i], [...segs, i], rules, add, mode);
    return;
  }

  // a leaf
  if (mode === 'type' || mode === 'number') return;
  switch (keyRule) {
    case 'id':
      if (typeof r === 'string' && UUID_ONLY.test(r) !== UUID_ONLY.test(s)) add(`${field} (format)`, show(r), show(s));
      return;
    case 'seed':
      if (typeof r === 'string' && /^\d+$/.test(r) !== /^\d+$/.test(s)) add(`${field} (format)`, show(r), show(s));
      return;
    case 'img':
      if (imgKind(r) !== imgKind(s)) add(`${field} (kind)`, imgKind(r), imgKind(s));
      return;
    case 'username':
      if (String(r).replace(/#\d+$/, '') !== String(s).replace(/#\d+$/, '')) add(field, show(r), show(s));
      return;
    case 'type':
      return;
    default:
  }
  if (rt === 'string' && (key === 'message' || segs.includes('errors'))) {
    if (normaliseMessage(r, rules.normalise) !== normaliseMessage(s, rules.normalise)) add(field, show(r), show(s));
    return;
  }
  const rv = r instanceof Num ? r.value : r;
  const sv = s instanceof Num ? s.value : s;
  if (rv !== sv) add(field, show(r), show(s));
}

function isGenerationsPath(segs) {
  return segs[segs.length - 1] === 'generations';
}

function compareStatusInvariants(r, s, segs, rules, add, mode) {
  if (mode === 'type' || mode === 'number') return;
  const at = (k) => displayPath([...segs, k]);
  const num = (v) => (v instanceof Num ? v.value : v);
  const skipped = (k) => {
    const m = modeFor(rules, [...segs, k]);
    return m === 'skip' || m === 'type' || m === 'number';
  };
  if (rules.settled === false) {
    const owed = (o) => num(o.finished) + num(o.processing) + num(o.waiting);
    if (owed(r) !== owed(s)) add(at('finished+processing+waiting'), String(owed(r)), String(owed(s)));
  } else {
    for (const k of STATUS_COUNTERS) {
      if (!(k in r) || !(k in s) || skipped(k)) continue;
      if (num(r[k]) !== num(s[k])) add(at(k), show(r[k]), show(s[k]));
    }
  }
  // Before any image is delivered, kudos is the activation tax: a fixed amount.
  if (num(r.finished) === 0 && num(s.finished) === 0 && 'kudos' in r && 'kudos' in s && !skipped('kudos')) {
    if (num(r.kudos) !== num(s.kudos)) add(at('kudos'), show(r.kudos), show(s.kudos));
  }
}

// ---------------------------------------------------------------------------
// The difference table

/** Two displayed strings with their long common beginning cut to '…'. */
export function elideCommonPrefix(a, b) {
  if (typeof a !== 'string' || typeof b !== 'string') return [a, b];
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  if (p <= 24) return [a, b];
  const keep = p - 12;
  return [`…${a.slice(keep)}`, `…${b.slice(keep)}`];
}

/**
 * rows: [{ exchange, field, real, sim }]. A text table, one row per difference; a cell
 * too long for its column is cut, and the full values of cut rows follow the table.
 */
export function formatTable(rows, widths = { exchange: 64, field: 36, real: 48, sim: 48 }) {
  const cols = [['exchange', 'exchange'], ['field', 'field'], ['real', 'real server'], ['sim', 'simulator']];
  const notes = [];
  const cell = (s, w) => {
    const t = String(s).replace(/\s+/g, ' ');
    return t.length > w ? { text: `${t.slice(0, w - 1)}…`, cut: true } : { text: t.padEnd(w), cut: false };
  };
  const line = (o, n) => {
    const [r, s] = elideCommonPrefix(o.real, o.sim);
    const cells = { ...o, real: r, sim: s };
    const out = cols.map(([k]) => cell(cells[k], widths[k]));
    if (n !== undefined && (out[2].cut || out[3].cut)) {
      notes.push(`[${notes.length + 1}] ${o.exchange} | ${o.field}\n      real server: ${o.real}\n      simulator:   ${o.sim}`);
      out[1] = cell(`${o.field} [${notes.length}]`, widths.field);
    }
    return out.map((c) => c.text).join(' | ');
  };
  const head = line(Object.fromEntries(cols.map(([k, h]) => [k, h])));
  const rule = cols.map(([k]) => '-'.repeat(widths[k])).join('-+-');
  const body = rows.map((r, i) => line(r, i));
  return [head, rule, ...body, ...(notes.length ? ['', 'Full values of the cut rows:', ...notes] : [])].join('\n');
}
