// Small shared helpers: seeded PRNG, UUIDs, Python-compatible JSON output and
// value formatting (the real server is Python: Flask + flask-restx), and a JSON
// parser that keeps the int/float distinction Python sees.

import { createHash, randomBytes } from 'node:crypto';

// ---------------------------------------------------------------------------
// PRNG (sfc32 seeded from a string hash): deterministic streams per purpose.

function cyrb128(str) {
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4; h2 ^= h1; h3 ^= h1; h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

export class Rng {
  constructor(...parts) {
    [this.a, this.b, this.c, this.d] = cyrb128(parts.map(String).join('|'));
    for (let i = 0; i < 12; i++) this.uint32();
  }
  uint32() {
    let { a, b, c, d } = this;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    this.a = a; this.b = b; this.c = c; this.d = d;
    return t >>> 0;
  }
  next() { return this.uint32() / 4294967296; }
  int(n) { return Math.floor(this.next() * n); }
  range(lo, hi) { return lo + this.next() * (hi - lo); }
  chance(p) { return p > 0 && this.next() < p; }
  pick(arr) { return arr[this.int(arr.length)]; }
  bytes(n) {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.uint32();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (v >>> (8 * j)) & 255;
    }
    return out;
  }
  uuid4() { return uuidFromBytes(this.bytes(16)); }
}

export function uuidFromBytes(b) {
  b = Buffer.from(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function randomSeed() { return randomBytes(4).readUInt32LE(0); }

export const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

// Python's uuid.UUID() accepts hyphenless, braced, urn: forms; normalise to the
// canonical lower-case form or return null (the server treats a non-UUID id as not found).
export function normaliseUuid(s) {
  if (typeof s !== 'string') return null;
  let t = s.trim();
  if (t.toLowerCase().startsWith('urn:uuid:')) t = t.slice(9);
  t = t.replace(/^\{/, '').replace(/\}$/, '').replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(t)) return null;
  t = t.toLowerCase();
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-${t.slice(12, 16)}-${t.slice(16, 20)}-${t.slice(20)}`;
}

export function sha256hex(s) { return createHash('sha256').update(s).digest('hex'); }

// ---------------------------------------------------------------------------
// Python number formatting.

// repr(float) in Python: shortest round-trip digits, fixed notation for
// 1e-4 <= |x| < 1e16 (always with a decimal point), else d.ddde+XX.
export function pyFloatRepr(x) {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const e = Math.abs(x).toExponential(); // shortest round-trip digits
  let [mant, expStr] = e.split('e');
  const exp = parseInt(expStr, 10);
  const digits = mant.replace('.', '');
  if (exp >= -5 && exp < 16) {
    // Python switches to exponent when exp < -4
    if (exp < -4) {
      return sign + sciPy(digits, exp);
    }
    let s;
    if (exp >= 0) {
      if (digits.length <= exp + 1) s = digits + '0'.repeat(exp + 1 - digits.length) + '.0';
      else s = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
    } else {
      s = '0.' + '0'.repeat(-exp - 1) + digits;
    }
    return sign + s;
  }
  return sign + sciPy(digits, exp);
}
function sciPy(digits, exp) {
  const m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
  const es = Math.abs(exp) < 10 ? '0' + Math.abs(exp) : String(Math.abs(exp));
  return `${m}e${exp < 0 ? '-' : '+'}${es}`;
}

// Python 3 round(): round half to even, on the decimal value of the double.
export function pyRound(x, ndigits = 0) {
  if (!Number.isFinite(x)) return x;
  const m = 10 ** ndigits;
  const y = x * m;
  const r = Math.round(y);
  let out = r;
  if (Math.abs(y - Math.trunc(y)) === 0.5) out = 2 * Math.round(y / 2);
  return ndigits === 0 ? out : out / m;
}

// ---------------------------------------------------------------------------
// Python-style JSON output (json.dumps defaults: ", " and ": " separators,
// ensure_ascii) as flask-restx writes it, with a trailing newline added by the caller.

export class PyFloat {
  constructor(v) { this.v = Number(v); }
  toJSON() { return this.v; }
}
export const F = (v) => new PyFloat(v);

const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
function pyJsonString(s) {
  if (PLAIN_ASCII.test(s)) return '"' + s + '"';
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || (c > 0x7e && c <= 0xffff)) out += '\\u' + c.toString(16).padStart(4, '0');
    else if (c > 0xffff) {
      const v = c - 0x10000;
      out += '\\u' + (0xd800 + (v >> 10)).toString(16) + '\\u' + (0xdc00 + (v & 0x3ff)).toString(16);
    } else out += ch;
  }
  return out + '"';
}

export function pyDumps(v) {
  if (v === null || v === undefined) return 'null';
  if (v instanceof PyFloat) {
    const x = v.v;
    if (Number.isNaN(x)) return 'NaN';
    if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
    return pyFloatRepr(x);
  }
  switch (typeof v) {
    case 'number':
      if (Number.isNaN(v)) return 'NaN';
      if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
      return Number.isInteger(v) ? String(v) : pyFloatRepr(v);
    case 'boolean': return v ? 'true' : 'false';
    case 'string': return pyJsonString(v);
    case 'bigint': return v.toString();
    default: break;
  }
  if (Array.isArray(v)) return '[' + v.map(pyDumps).join(', ') + ']';
  const parts = [];
  for (const [k, val] of v instanceof Map ? v : Object.entries(v)) {
    if (val === undefined) continue;
    parts.push(pyJsonString(k) + ': ' + pyDumps(val));
  }
  return '{' + parts.join(', ') + '}';
}

// ---------------------------------------------------------------------------
// JSON parser that keeps Python's view of the data: ints vs floats (Python's
// json gives `512.0` a float and `1e400` inf), big ints exactly, NaN/Infinity
// literals accepted, duplicate keys: last value wins at the first key's place.
// Nodes: {t:'obj', v:Map} {t:'arr', v:[]} {t:'str', v} {t:'int', v, raw}
//        {t:'float', v} {t:'bool', v} {t:'null'}

export class JsonSyntaxError extends Error {}

export function parsePyJson(text) {
  let i = 0;
  const n = text.length;
  const ws = () => { while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++; };
  const fail = (msg) => { throw new JsonSyntaxError(`${msg} at char ${i}`); };
  function value() {
    ws();
    if (i >= n) fail('Expecting value');
    const c = text[i];
    if (c === '{') {
      i++; const m = new Map(); ws();
      if (text[i] === '}') { i++; return { t: 'obj', v: m }; }
      for (;;) {
        ws(); if (text[i] !== '"') fail('Expecting property name enclosed in double quotes');
        const k = str(); ws();
        if (text[i] !== ':') fail("Expecting ':' delimiter"); i++;
        const val = value();
        m.set(k, val); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return { t: 'obj', v: m }; }
        fail("Expecting ',' delimiter");
      }
    }
    if (c === '[') {
      i++; const a = []; ws();
      if (text[i] === ']') { i++; return { t: 'arr', v: a }; }
      for (;;) {
        a.push(value()); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return { t: 'arr', v: a }; }
        fail("Expecting ',' delimiter");
      }
    }
    if (c === '"') return { t: 'str', v: str() };
    if (text.startsWith('true', i)) { i += 4; return { t: 'bool', v: true }; }
    if (text.startsWith('false', i)) { i += 5; return { t: 'bool', v: false }; }
    if (text.startsWith('null', i)) { i += 4; return { t: 'null' }; }
    if (text.startsWith('NaN', i)) { i += 3; return { t: 'float', v: NaN }; }
    if (text.startsWith('Infinity', i)) { i += 8; return { t: 'float', v: Infinity }; }
    if (text.startsWith('-Infinity', i)) { i += 9; return { t: 'float', v: -Infinity }; }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') fail('Expecting value');
    i += m[0].length;
    if (m[2] || m[3]) return { t: 'float', v: Number(m[0]) };
    const raw = m[0] === '-0' ? '0' : m[0];
    return { t: 'int', v: Number(raw), raw };
  }
  function str() {
    i++; let out = '';
    for (;;) {
      if (i >= n) fail('Unterminated string');
      const c = text[i];
      if (c === '"') { i++; return out; }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('Invalid \\uXXXX escape');
          out += String.fromCharCode(parseInt(hex, 16)); i += 6; continue;
        }
        const map = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (!(e in map)) fail('Invalid \\escape');
        out += map[e]; i += 2; continue;
      }
      if (c.charCodeAt(0) < 0x20) fail('Invalid control character');
      out += c; i++;
    }
  }
  const v = value(); ws();
  if (i !== n) fail('Extra data');
  return v;
}

export function toPlain(node) {
  switch (node.t) {
    case 'obj': { const o = {}; for (const [k, v] of node.v) o[k] = toPlain(v); return o; }
    case 'arr': return node.v.map(toPlain);
    case 'null': return null;
    default: return node.v;
  }
}

// Python repr() of a parsed JSON value (as jsonschema puts it in messages).
export function pyReprStr(s) {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (ch === q || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + q;
}

export function pyRepr(node) {
  switch (node.t) {
    case 'obj': return '{' + [...node.v].map(([k, v]) => pyReprStr(k) + ': ' + pyRepr(v)).join(', ') + '}';
    case 'arr': return '[' + node.v.map(pyRepr).join(', ') + ']';
    case 'str': return pyReprStr(node.v);
    case 'int': return node.raw;
    case 'float': return pyFloatRepr(node.v);
    case 'bool': return node.v ? 'True' : 'False';
    case 'null': return 'None';
    default: return String(node.v);
  }
}

export function pyReprPlain(v) {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return pyReprStr(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloatRepr(v);
  if (Array.isArray(v)) return '[' + v.map(pyReprPlain).join(', ') + ']';
  return '{' + Object.entries(v).map(([k, x]) => pyReprStr(k) + ': ' + pyReprPlain(x)).join(', ') + '}';
}

// str(float) for messages the server builds with f-strings.
export function pyStrNum(x) { return Number.isInteger(x) ? String(x) : pyFloatRepr(x); }

// ---------------------------------------------------------------------------
// difflib.get_close_matches(word, possibilities, n, cutoff) as CPython's
// SequenceMatcher computes it (no isjunk, autojunk on): the same matches, the
// same ratio, the same order (ratio, then the string, both descending).

function matchingCharacters(a, b, b2j) {
  const longest = (alo, ahi, blo, bhi) => {
    let besti = alo, bestj = blo, bestsize = 0;
    let j2len = new Map();
    for (let i = alo; i < ahi; i++) {
      const next = new Map();
      for (const j of b2j.get(a[i]) || []) {
        if (j < blo) continue;
        if (j >= bhi) break;
        const k = (j2len.get(j - 1) || 0) + 1;
        next.set(j, k);
        if (k > bestsize) { besti = i - k + 1; bestj = j - k + 1; bestsize = k; }
      }
      j2len = next;
    }
    // extend over the "popular" elements autojunk left out of b2j
    while (besti > alo && bestj > blo && a[besti - 1] === b[bestj - 1]) { besti--; bestj--; bestsize++; }
    while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] === b[bestj + bestsize]) bestsize++;
    return [besti, bestj, bestsize];
  };
  let total = 0;
  const queue = [[0, a.length, 0, b.length]];
  while (queue.length) {
    const [alo, ahi, blo, bhi] = queue.pop();
    const [i, j, k] = longest(alo, ahi, blo, bhi);
    if (!k) continue;
    total += k;
    if (alo < i && blo < j) queue.push([alo, i, blo, j]);
    if (i + k < ahi && j + k < bhi) queue.push([i + k, ahi, j + k, bhi]);
  }
  return total;
}

export function closeMatches(word, possibilities, n = 3, cutoff = 0.6) {
  const b = Array.from(word); // Python indexes code points
  const b2j = new Map();
  b.forEach((c, j) => { if (!b2j.has(c)) b2j.set(c, []); b2j.get(c).push(j); });
  if (b.length >= 200) {
    const ntest = Math.floor(b.length / 100) + 1;
    for (const [c, idx] of [...b2j]) if (idx.length > ntest) b2j.delete(c);
  }
  const scored = [];
  for (const x of possibilities) {
    const a = Array.from(x);
    const size = a.length + b.length;
    const ratio = size ? (2.0 * matchingCharacters(a, b, b2j)) / size : 1.0;
    if (ratio >= cutoff) scored.push([ratio, x]);
  }
  scored.sort((p, q) => (q[0] - p[0]) || (p[1] < q[1] ? 1 : p[1] > q[1] ? -1 : 0));
  return scored.slice(0, n).map((s) => s[1]);
}
