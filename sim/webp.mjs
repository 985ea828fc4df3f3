// Minimal lossless WebP (VP8L) encoder and decoder, plus the simulator's
// deterministic image renderer.
//
// Encoder: no transforms, no colour cache, one prefix-code group; pixels are
// literals or LZ77 copies from the pixel to the left (distance code 2) or the
// pixel above (distance code 1). Canonical, length-limited Huffman codes.
// Decoder: enough of VP8L to read this encoder's output back (and any VP8L
// stream without transforms or meta prefix codes), used by the tests.

import { Rng } from './util.mjs';

// ---------------------------------------------------------------------------
// Bits

class BitWriter {
  constructor(cap = 1 << 16) { this.buf = new Uint8Array(cap); this.pos = 0; this.acc = 0; this.n = 0; }
  grow() { const b = new Uint8Array(this.buf.length * 2); b.set(this.buf); this.buf = b; }
  write(v, nb) {
    while (nb > 0) {
      const take = nb > 16 ? 16 : nb;
      this.acc |= (v & ((1 << take) - 1)) << this.n;
      this.n += take; v = Math.floor(v / (1 << take)); nb -= take;
      while (this.n >= 8) {
        if (this.pos >= this.buf.length) this.grow();
        this.buf[this.pos++] = this.acc & 255; this.acc >>>= 8; this.n -= 8;
      }
    }
  }
  finish() {
    if (this.n > 0) { if (this.pos >= this.buf.length) this.grow(); this.buf[this.pos++] = this.acc & 255; this.acc = 0; this.n = 0; }
    return Buffer.from(this.buf.buffer, this.buf.byteOffset, this.pos);
  }
}

class BitReader {
  constructor(buf, start = 0, end = buf.length) { this.buf = buf; this.pos = start; this.end = end; this.acc = 0; this.n = 0; }
  bit() {
    if (this.n === 0) {
      if (this.pos >= this.end) throw new Error('VP8L: read past end of data');
      this.acc = this.buf[this.pos++]; this.n = 8;
    }
    const b = this.acc & 1; this.acc >>>= 1; this.n--; return b;
  }
  read(nb) { let v = 0; for (let i = 0; i < nb; i++) v |= this.bit() << i; return v >>> 0; }
}

// ---------------------------------------------------------------------------
// Huffman

function huffmanLengths(freqs, maxLen) {
  const n = freqs.length;
  let f = freqs.slice();
  for (;;) {
    const used = [];
    for (let i = 0; i < n; i++) if (f[i] > 0) used.push(i);
    const lengths = new Array(n).fill(0);
    if (used.length === 0) return lengths;
    if (used.length === 1) { lengths[used[0]] = 1; return lengths; }
    // node list: [weight, tiebreak, symbol|-1, left, right]
    let heap = used.map((s, k) => ({ w: f[s], t: k, s, l: null, r: null }));
    let tie = heap.length;
    const cmp = (a, b) => a.w - b.w || a.t - b.t;
    heap.sort(cmp);
    // simple O(n^2) merge is fine for <= 280 symbols
    while (heap.length > 1) {
      const a = heap.shift(); const b = heap.shift();
      const node = { w: a.w + b.w, t: tie++, s: -1, l: a, r: b };
      let lo = 0, hi = heap.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (cmp(heap[mid], node) < 0) lo = mid + 1; else hi = mid; }
      heap.splice(lo, 0, node);
    }
    let max = 0;
    const stack = [[heap[0], 0]];
    while (stack.length) {
      const [node, d] = stack.pop();
      if (node.s >= 0) { lengths[node.s] = d; if (d > max) max = d; } else { stack.push([node.l, d + 1], [node.r, d + 1]); }
    }
    if (max <= maxLen) return lengths;
    f = f.map((x) => (x > 0 ? Math.max(1, x >> 1) : 0));
  }
}

function canonicalCodes(lengths) {
  const maxLen = Math.max(0, ...lengths);
  const count = new Array(maxLen + 1).fill(0);
  for (const l of lengths) if (l) count[l]++;
  const next = new Array(maxLen + 1).fill(0);
  let code = 0;
  for (let len = 1; len <= maxLen; len++) { code = (code + (len > 1 ? count[len - 1] : 0)) << 1; next[len] = code; }
  const codes = new Array(lengths.length).fill(0);
  for (let s = 0; s < lengths.length; s++) {
    const l = lengths[s];
    if (l) { codes[s] = reverseBits(next[l]++, l); }
  }
  return codes; // bit-reversed, ready for the LSB-first writer
}
function reverseBits(v, n) { let r = 0; for (let i = 0; i < n; i++) { r = (r << 1) | (v & 1); v >>>= 1; } return r; }

const CODE_LENGTH_ORDER = [17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

// Writes one prefix code and returns {lengths, codes} as used for the data
// (a single-symbol code is read with zero bits).
function writePrefixCode(bw, freqs) {
  const used = [];
  for (let i = 0; i < freqs.length; i++) if (freqs[i] > 0) used.push(i);
  if (used.length <= 2 && used.every((s) => s < 256)) {
    const syms = used.length ? used : [0];
    bw.write(1, 1); // simple code
    bw.write(syms.length - 1, 1);
    if (syms[0] <= 1) { bw.write(0, 1); bw.write(syms[0], 1); } else { bw.write(1, 1); bw.write(syms[0], 8); }
    if (syms.length === 2) bw.write(syms[1], 8);
    const lengths = new Array(freqs.length).fill(0);
    const codes = new Array(freqs.length).fill(0);
    if (syms.length === 2) { lengths[syms[0]] = 1; lengths[syms[1]] = 1; codes[syms[1]] = 1; }
    return { lengths, codes };
  }
  const f = freqs.slice();
  if (used.length === 1) f[used[0] === 0 ? 1 : 0] = 1; // keep the code complete with 2 symbols
  const lengths = huffmanLengths(f, 15);
  const codes = canonicalCodes(lengths);
  // code-length tokens: 0..15 literal, 17 = 3..10 zeros, 18 = 11..138 zeros
  const tokens = [];
  for (let i = 0; i < lengths.length;) {
    if (lengths[i] === 0) {
      let run = 0;
      while (i + run < lengths.length && lengths[i + run] === 0 && run < 138) run++;
      if (run >= 11) { tokens.push([18, run - 11, 7]); i += run; continue; }
      if (run >= 3) { tokens.push([17, run - 3, 3]); i += run; continue; }
      tokens.push([0, 0, 0]); i++; continue;
    }
    tokens.push([lengths[i], 0, 0]); i++;
  }
  const clFreq = new Array(19).fill(0);
  for (const [s] of tokens) clFreq[s]++;
  const clUsed = clFreq.filter((x) => x > 0).length;
  if (clUsed === 1) clFreq[clFreq[0] > 0 ? 1 : 0] = 1;
  const clLengths = huffmanLengths(clFreq, 7);
  const clCodes = canonicalCodes(clLengths);
  let numCodes = 19;
  while (numCodes > 4 && clLengths[CODE_LENGTH_ORDER[numCodes - 1]] === 0) numCodes--;
  bw.write(0, 1); // normal code
  bw.write(numCodes - 4, 4);
  for (let k = 0; k < numCodes; k++) bw.write(clLengths[CODE_LENGTH_ORDER[k]], 3);
  bw.write(0, 1); // max_symbol = alphabet size
  for (const [s, extra, nb] of tokens) {
    bw.write(clCodes[s], clLengths[s]);
    if (nb) bw.write(extra, nb);
  }
  return { lengths, codes };
}

// LZ77 prefix coding of lengths and distance codes (value >= 1)
function prefixEncode(v) {
  const x = v - 1;
  if (x < 4) return [x, 0, 0];
  const h = 31 - Math.clz32(x);
  const second = (x >> (h - 1)) & 1;
  const extraBits = h - 1;
  return [2 * h + second, extraBits, x & ((1 << extraBits) - 1)];
}
function prefixDecode(prefix, br) {
  if (prefix < 4) return prefix + 1;
  const extraBits = (prefix - 2) >> 1;
  const offset = (2 + (prefix & 1)) << extraBits;
  return offset + br.read(extraBits) + 1;
}

// ---------------------------------------------------------------------------
// Encoder

export function encodeWebP(width, height, argb) {
  if (!(width >= 1 && width <= 16384 && height >= 1 && height <= 16384)) throw new Error('bad dimensions');
  const N = width * height;
  if (argb.length !== N) throw new Error('pixel count mismatch');
  // tokens in a compact typed array: literal -> [0, argb]; copy -> [len, distCode]
  const tokLen = new Uint32Array(N);
  const tokVal = new Uint32Array(N);
  let nt = 0;
  for (let i = 0; i < N;) {
    let best = 0, bestCode = 0;
    if (i >= 1) {
      let L = 0; const p = argb[i - 1];
      while (i + L < N && L < 4096 && argb[i + L] === p) L++;
      if (L > best) { best = L; bestCode = 2; }
    }
    if (i >= width && best < 4096) {
      let L = 0;
      while (i + L < N && L < 4096 && argb[i + L] === argb[i + L - width]) L++;
      if (L > best) { best = L; bestCode = 1; }
    }
    if (best >= 3) { tokLen[nt] = best; tokVal[nt] = bestCode; nt++; i += best; } else { tokLen[nt] = 0; tokVal[nt] = argb[i]; nt++; i++; }
  }
  const fG = new Array(256 + 24).fill(0), fR = new Array(256).fill(0), fB = new Array(256).fill(0),
    fA = new Array(256).fill(0), fD = new Array(40).fill(0);
  for (let t = 0; t < nt; t++) {
    if (tokLen[t] === 0) {
      const v = tokVal[t];
      fA[v >>> 24]++; fR[(v >>> 16) & 255]++; fG[(v >>> 8) & 255]++; fB[v & 255]++;
    } else {
      fG[256 + prefixEncode(tokLen[t])[0]]++;
      fD[prefixEncode(tokVal[t])[0]]++;
    }
  }
  const bw = new BitWriter(Math.max(1024, N * 3 + 1024));
  bw.write(0x2f, 8);
  bw.write(width - 1, 14);
  bw.write(height - 1, 14);
  bw.write(0, 1); // alpha_is_used hint: every pixel is opaque
  bw.write(0, 3); // version
  bw.write(0, 1); // no transform
  bw.write(0, 1); // no colour cache
  bw.write(0, 1); // no meta prefix codes
  const G = writePrefixCode(bw, fG), R = writePrefixCode(bw, fR), B = writePrefixCode(bw, fB),
    A = writePrefixCode(bw, fA), D = writePrefixCode(bw, fD);
  for (let t = 0; t < nt; t++) {
    if (tokLen[t] === 0) {
      const v = tokVal[t];
      const g = (v >>> 8) & 255, r = (v >>> 16) & 255, b = v & 255, a = v >>> 24;
      bw.write(G.codes[g], G.lengths[g]);
      bw.write(R.codes[r], R.lengths[r]);
      bw.write(B.codes[b], B.lengths[b]);
      bw.write(A.codes[a], A.lengths[a]);
    } else {
      const [lp, lnb, lx] = prefixEncode(tokLen[t]);
      const gs = 256 + lp;
      bw.write(G.codes[gs], G.lengths[gs]);
      if (lnb) bw.write(lx, lnb);
      const [dp, dnb, dx] = prefixEncode(tokVal[t]);
      bw.write(D.codes[dp], D.lengths[dp]);
      if (dnb) bw.write(dx, dnb);
    }
  }
  const data = bw.finish();
  const pad = data.length & 1;
  const out = Buffer.alloc(12 + 8 + data.length + pad);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(4 + 8 + data.length + pad, 4);
  out.write('WEBP', 8, 'latin1');
  out.write('VP8L', 12, 'latin1');
  out.writeUInt32LE(data.length, 16);
  data.copy(out, 20);
  return out;
}

// ---------------------------------------------------------------------------
// Decoder (no transforms, no meta prefix codes)

const DISTANCE_MAP = [
  0x18, 0x07, 0x17, 0x19, 0x28, 0x06, 0x27, 0x29, 0x16, 0x1a,
  0x26, 0x2a, 0x38, 0x05, 0x37, 0x39, 0x15, 0x1b, 0x36, 0x3a,
  0x25, 0x2b, 0x48, 0x04, 0x47, 0x49, 0x14, 0x1c, 0x35, 0x3b,
  0x46, 0x4a, 0x24, 0x2c, 0x58, 0x45, 0x4b, 0x34, 0x3c, 0x03,
  0x57, 0x59, 0x13, 0x1d, 0x56, 0x5a, 0x23, 0x2d, 0x44, 0x4c,
  0x55, 0x5b, 0x33, 0x3d, 0x68, 0x02, 0x67, 0x69, 0x12, 0x1e,
  0x66, 0x6a, 0x22, 0x2e, 0x54, 0x5c, 0x43, 0x4d, 0x65, 0x6b,
  0x32, 0x3e, 0x78, 0x01, 0x77, 0x79, 0x53, 0x5d, 0x11, 0x1f,
  0x64, 0x6c, 0x42, 0x4e, 0x76, 0x7a, 0x21, 0x2f, 0x75, 0x7b,
  0x31, 0x3f, 0x63, 0x6d, 0x52, 0x5e, 0x00, 0x74, 0x7c, 0x41,
  0x4f, 0x10, 0x20, 0x62, 0x6e, 0x30, 0x73, 0x7d, 0x51, 0x5f,
  0x40, 0x72, 0x7e, 0x61, 0x6f, 0x50, 0x71, 0x7f, 0x60, 0x70,
];
function planeCodeToDistance(xsize, planeCode) {
  if (planeCode > 120) return planeCode - 120;
  const c = DISTANCE_MAP[planeCode - 1];
  const yoff = c >> 4, xoff = 8 - (c & 0xf);
  const d = yoff * xsize + xoff;
  return d >= 1 ? d : 1;
}

function readPrefixCode(br, alphabetSize) {
  const lengths = new Array(alphabetSize).fill(0);
  if (br.read(1)) {
    const numSymbols = br.read(1) + 1;
    const first8 = br.read(1);
    const s0 = br.read(first8 ? 8 : 1);
    lengths[s0] = 1;
    if (numSymbols === 2) lengths[br.read(8)] = 1;
  } else {
    const numCodes = br.read(4) + 4;
    if (numCodes > 19) throw new Error('VP8L: bad code length count');
    const clLengths = new Array(19).fill(0);
    for (let k = 0; k < numCodes; k++) clLengths[CODE_LENGTH_ORDER[k]] = br.read(3);
    const cl = makeDecoder(clLengths);
    let maxSymbol = alphabetSize;
    if (br.read(1)) {
      const nb = 2 + 2 * br.read(3);
      maxSymbol = 2 + br.read(nb);
      if (maxSymbol > alphabetSize) throw new Error('VP8L: bad max_symbol');
    }
    let sym = 0, prev = 8;
    while (sym < alphabetSize) {
      if (maxSymbol-- === 0) break;
      const c = cl.decode(br);
      if (c < 16) { lengths[sym++] = c; if (c) prev = c; continue; }
      let rep, val;
      if (c === 16) { rep = 3 + br.read(2); val = prev; } else if (c === 17) { rep = 3 + br.read(3); val = 0; } else { rep = 11 + br.read(7); val = 0; }
      if (sym + rep > alphabetSize) throw new Error('VP8L: code length repeat overflow');
      for (let k = 0; k < rep; k++) lengths[sym++] = val;
    }
  }
  return makeDecoder(lengths);
}

function makeDecoder(lengths) {
  const used = [];
  for (let s = 0; s < lengths.length; s++) if (lengths[s]) used.push(s);
  if (used.length === 0) throw new Error('VP8L: empty prefix code');
  if (used.length === 1) return { decode: () => used[0] };
  const maxLen = Math.max(...lengths);
  const count = new Array(maxLen + 1).fill(0);
  for (const l of lengths) if (l) count[l]++;
  // completeness check (Kraft equality), as libwebp requires
  let left = 1;
  for (let len = 1; len <= maxLen; len++) { left <<= 1; left -= count[len]; if (left < 0) throw new Error('VP8L: over-subscribed code'); }
  if (left !== 0) throw new Error('VP8L: incomplete prefix code');
  const sorted = used.slice().sort((a, b) => lengths[a] - lengths[b] || a - b);
  return {
    decode(br) {
      let code = 0, first = 0, index = 0;
      for (let len = 1; len <= maxLen; len++) {
        code |= br.bit();
        const c = count[len];
        if (code - first < c) return sorted[index + code - first];
        index += c; first += c; first <<= 1; code <<= 1;
      }
      throw new Error('VP8L: bad prefix code');
    },
  };
}

export function parseWebPHeader(buf) {
  if (buf.length < 30 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WEBP') {
    throw new Error('not a RIFF/WEBP file');
  }
  const riffSize = buf.readUInt32LE(4);
  if (riffSize + 8 !== buf.length) throw new Error(`RIFF size ${riffSize + 8} != file size ${buf.length}`);
  const fourcc = buf.toString('latin1', 12, 16);
  if (fourcc !== 'VP8L') throw new Error(`unsupported chunk ${fourcc}`);
  const size = buf.readUInt32LE(16);
  if (20 + size + (size & 1) !== buf.length) throw new Error('VP8L chunk size mismatch');
  if (buf[20] !== 0x2f) throw new Error('bad VP8L signature');
  const br = new BitReader(buf, 21, 20 + size);
  const width = br.read(14) + 1;
  const height = br.read(14) + 1;
  const alpha = br.read(1);
  const version = br.read(3);
  if (version !== 0) throw new Error('bad VP8L version');
  return { width, height, alpha: !!alpha, dataStart: 20, dataEnd: 20 + size };
}

export function decodeWebP(buf) {
  const h = parseWebPHeader(buf);
  const br = new BitReader(buf, h.dataStart + 1, h.dataEnd);
  br.read(14); br.read(14); br.read(1); br.read(3);
  if (br.read(1)) throw new Error('VP8L transforms are not supported by this decoder');
  let cacheBits = 0;
  if (br.read(1)) { cacheBits = br.read(4); if (cacheBits < 1 || cacheBits > 11) throw new Error('bad colour cache size'); }
  if (br.read(1)) throw new Error('VP8L meta prefix codes are not supported by this decoder');
  const cacheSize = cacheBits ? 1 << cacheBits : 0;
  const G = readPrefixCode(br, 256 + 24 + cacheSize), R = readPrefixCode(br, 256), B = readPrefixCode(br, 256),
    A = readPrefixCode(br, 256), D = readPrefixCode(br, 40);
  const N = h.width * h.height;
  const px = new Uint32Array(N);
  const cache = cacheSize ? new Uint32Array(cacheSize) : null;
  const cacheIns = (v) => { if (cache) cache[(Math.imul(0x1e35a7bd, v) >>> (32 - cacheBits))] = v; };
  let pos = 0;
  while (pos < N) {
    const g = G.decode(br);
    if (g < 256) {
      const r = R.decode(br), b = B.decode(br), a = A.decode(br);
      const v = ((a << 24) | (r << 16) | (g << 8) | b) >>> 0;
      px[pos++] = v; cacheIns(v);
    } else if (g < 256 + 24) {
      const len = prefixDecode(g - 256, br);
      const dsym = D.decode(br);
      const dist = planeCodeToDistance(h.width, prefixDecode(dsym, br));
      if (dist > pos) throw new Error('VP8L: backward reference before start');
      if (pos + len > N) throw new Error('VP8L: backward reference past end');
      for (let k = 0; k < len; k++) { px[pos] = px[pos - dist]; cacheIns(px[pos]); pos++; }
    } else {
      if (!cache) throw new Error('VP8L: colour cache symbol without cache');
      const v = cache[g - 256 - 24];
      px[pos++] = v; cacheIns(v);
    }
  }
  return { width: h.width, height: h.height, pixels: px };
}

// ---------------------------------------------------------------------------
// Rendering

function hsl(hDeg, s, l) {
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const hp = (hDeg % 360) / 60;
  const x = c * (1 - Math.abs((hp % 2) - 1));
  let r = 0, g = 0, b = 0;
  if (hp < 1) [r, g, b] = [c, x, 0]; else if (hp < 2) [r, g, b] = [x, c, 0]; else if (hp < 3) [r, g, b] = [0, c, x];
  else if (hp < 4) [r, g, b] = [0, x, c]; else if (hp < 5) [r, g, b] = [x, 0, c]; else [r, g, b] = [c, 0, x];
  const m = l - c / 2;
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}
const rgb = ([r, g, b]) => (0xff000000 | (r << 16) | (g << 8) | b) >>> 0;
const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * t));

function renderPattern(seed, w, h) {
  const rng = new Rng('pattern', seed);
  const px = new Uint32Array(w * h);
  const hue = rng.int(360);
  const top = hsl(hue, 0.65, 0.62), bottom = hsl((hue + 40 + rng.int(80)) % 360, 0.55, 0.28);
  const bands = 12;
  const bandH = Math.max(1, Math.ceil(h / bands));
  for (let y = 0; y < h; y++) {
    const c = rgb(mix(top, bottom, Math.min(1, Math.floor(y / bandH) / (bands - 1))));
    px.fill(c, y * w, (y + 1) * w);
  }
  const unit = Math.min(w, h);
  const shapes = 3 + rng.int(3);
  for (let k = 0; k < shapes; k++) {
    const col = rgb(hsl((hue + 90 + k * 67 + rng.int(40)) % 360, 0.7, 0.35 + rng.next() * 0.3));
    const cx = Math.floor(rng.next() * w), cy = Math.floor(rng.next() * h);
    const size = Math.max(4, Math.floor(unit * (0.12 + rng.next() * 0.22)));
    if (rng.next() < 0.5) {
      const r2 = size * size;
      for (let y = Math.max(0, cy - size); y < Math.min(h, cy + size); y++) {
        for (let x = Math.max(0, cx - size); x < Math.min(w, cx + size); x++) {
          const dx = x - cx, dy = y - cy;
          if (dx * dx + dy * dy <= r2) px[y * w + x] = col;
        }
      }
    } else {
      const hw = size, hh = Math.max(4, Math.floor(size * (0.5 + rng.next())));
      for (let y = Math.max(0, cy - hh); y < Math.min(h, cy + hh); y++) px.fill(col, y * w + Math.max(0, cx - hw), y * w + Math.min(w, cx + hw));
    }
  }
  // the seed's 32 bits as a strip of squares along the top edge
  const cell = Math.max(1, Math.floor(w / 40));
  const s32 = Number(BigInt.asUintN(32, BigInt(seed)));
  for (let bit = 0; bit < 32; bit++) {
    const on = (s32 >>> (31 - bit)) & 1;
    const col = on ? 0xffffffff : 0xff101010;
    const x0 = cell * (bit + 4);
    for (let y = cell; y < Math.min(h, 2 * cell); y++) for (let x = x0; x < Math.min(w, x0 + cell); x++) px[y * w + x] = col;
  }
  return px;
}

function renderNoise(seed, w, h) {
  const rng = new Rng('noise', seed, w, h);
  const px = new Uint32Array(w * h);
  for (let i = 0; i < px.length; i++) px[i] = (0xff000000 | (rng.uint32() & 0xffffff)) >>> 0;
  return px;
}

function renderCensored(w, h) {
  const px = new Uint32Array(w * h);
  const light = 0xff8a8a8a, dark = 0xff6e6e6e, mark = 0xff3c3c3c;
  const period = Math.max(8, Math.floor(Math.min(w, h) / 16));
  const cx = w / 2, cy = h / 2, arm = Math.min(w, h) * 0.3, thick = Math.max(2, Math.min(w, h) / 40);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let c = ((x + y) % period) < period / 4 ? dark : light;
      const dx = x - cx, dy = y - cy;
      if (Math.abs(dx) < arm && Math.abs(dy) < arm && (Math.abs(dx - dy) < thick || Math.abs(dx + dy) < thick)) c = mark;
      px[y * w + x] = c;
    }
  }
  return px;
}

// (seed, w, h, kind) -> WebP bytes, with a small LRU cache.
const CACHE = new Map();
let cacheBytes = 0;
const CACHE_LIMIT = 96 * 1024 * 1024;

export function renderImage({ seed, width, height, kind = 'pattern' }) {
  const key = `${kind}:${kind === 'censored' ? '' : seed}:${width}x${height}`;
  const hit = CACHE.get(key);
  if (hit) { CACHE.delete(key); CACHE.set(key, hit); return hit; }
  let px;
  if (kind === 'noise') px = renderNoise(seed, width, height);
  else if (kind === 'censored') px = renderCensored(width, height);
  else px = renderPattern(seed, width, height);
  const bytes = encodeWebP(width, height, px);
  CACHE.set(key, bytes);
  cacheBytes += bytes.length;
  while (cacheBytes > CACHE_LIMIT && CACHE.size > 1) {
    const [k, v] = CACHE.entries().next().value;
    CACHE.delete(k); cacheBytes -= v.length;
  }
  return bytes;
}

export function clearImageCache() { CACHE.clear(); cacheBytes = 0; }
