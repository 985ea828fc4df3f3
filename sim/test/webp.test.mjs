// The VP8L encoder/decoder and the image renderer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { encodeWebP, decodeWebP, parseWebPHeader, renderImage } from '../webp.mjs';
import { makeSamples } from '../images/make.mjs';
import { Rng } from '../util.mjs';

function randomImage(w, h, colours, seed) {
  const rng = new Rng('webp-test', seed);
  const palette = Array.from({ length: colours }, () => (rng.uint32() | 0xff000000) >>> 0);
  const px = new Uint32Array(w * h);
  for (let i = 0; i < px.length; i++) {
    // runs, copies from the row above, and fresh pixels
    if (i > 0 && rng.next() < 0.3) px[i] = px[i - 1];
    else if (i >= w && rng.next() < 0.3) px[i] = px[i - w];
    else px[i] = palette[rng.int(colours)];
  }
  return px;
}

test('RIFF/VP8L container: sizes, signature, 14-bit dimensions, version 0', () => {
  const buf = encodeWebP(300, 17, randomImage(300, 17, 5, 1));
  assert.equal(buf.toString('latin1', 0, 4), 'RIFF');
  assert.equal(buf.readUInt32LE(4), buf.length - 8);
  assert.equal(buf.toString('latin1', 8, 16), 'WEBPVP8L');
  const size = buf.readUInt32LE(16);
  assert.equal(20 + size + (size & 1), buf.length);
  assert.equal(buf[20], 0x2f);
  const bits = buf.readUInt32LE(21);
  assert.equal((bits & 0x3fff) + 1, 300);
  assert.equal(((bits >>> 14) & 0x3fff) + 1, 17);
  assert.equal(bits >>> 29, 0, 'version');
  assert.deepEqual(parseWebPHeader(buf).width, 300);
});

test('lossless round trip through the decoder for many shapes and palettes', () => {
  const cases = [[1, 1, 1], [1, 9, 2], [9, 1, 3], [2, 2, 4], [64, 64, 1], [64, 64, 2], [65, 33, 3], [128, 96, 40], [200, 7, 300], [33, 200, 5000]];
  cases.forEach(([w, h, c], i) => {
    const px = randomImage(w, h, c, i);
    const d = decodeWebP(encodeWebP(w, h, px));
    assert.equal(d.width, w);
    assert.equal(d.height, h);
    assert.deepEqual(d.pixels, px, `${w}x${h} with ${c} colours`);
  });
  const noise = new Uint32Array(50 * 40).map((_, i) => (0xff000000 | Math.imul(i + 1, 2654435761)) >>> 0);
  assert.deepEqual(decodeWebP(encodeWebP(50, 40, noise)).pixels, noise);
  assert.throws(() => encodeWebP(0, 5, new Uint32Array(0)));
  assert.throws(() => encodeWebP(2, 2, new Uint32Array(3)));
});

test('rendered images: requested size, deterministic per seed, distinct across seeds and kinds', () => {
  const a = renderImage({ seed: 11, width: 512, height: 384, kind: 'pattern' });
  const a2 = renderImage({ seed: 11, width: 512, height: 384, kind: 'pattern' });
  const b = renderImage({ seed: 12, width: 512, height: 384, kind: 'pattern' });
  const c = renderImage({ seed: 11, width: 512, height: 384, kind: 'censored' });
  assert.equal(a, a2, 'cached');
  const da = decodeWebP(a), db = decodeWebP(b), dc = decodeWebP(c);
  assert.deepEqual([da.width, da.height], [512, 384]);
  assert.notDeepEqual(da.pixels, db.pixels);
  assert.notDeepEqual(da.pixels, dc.pixels);
  assert.ok(new Set(da.pixels).size > 3, 'pattern has several colours');
  assert.ok([...dc.pixels].every((p) => ((p >>> 16) & 255) === (p & 255)), 'censored placeholder is grey');
  assert.ok(a.length < 100 * 1024, 'pattern images are small');
});

test('noise kind: 512x512 is at least 500 KB', () => {
  const n = renderImage({ seed: 5, width: 512, height: 512, kind: 'noise' });
  assert.ok(n.length >= 500 * 1024, `${n.length} bytes`);
  assert.equal(decodeWebP(n).pixels.length, 512 * 512);
});

test('committed sample images match sim/images/make.mjs and decode', () => {
  for (const s of makeSamples()) {
    const onDisk = readFileSync(new URL(`../images/${s.file}`, import.meta.url));
    assert.ok(onDisk.equals(s.bytes), `${s.file} is up to date (run node sim/images/make.mjs)`);
    const d = decodeWebP(onDisk);
    assert.deepEqual([d.width, d.height], [s.width, s.height]);
  }
});

const hasDwebp = spawnSync('dwebp', ['-version']).status === 0;
test('libwebp (dwebp) decodes the output to the same pixels', { skip: !hasDwebp && 'dwebp not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'horde-sim-webp-'));
  try {
    for (const [w, h, kind, seed] of [[96, 64, 'pattern', 1], [64, 48, 'noise', 2], [80, 80, 'censored', 0]]) {
      const bytes = renderImage({ seed, width: w, height: h, kind });
      const f = join(dir, 'x.webp');
      writeFileSync(f, bytes);
      const r = spawnSync('dwebp', [f, '-pam', '-o', join(dir, 'x.pam')]);
      assert.equal(r.status, 0, String(r.stderr));
      const pam = readFileSync(join(dir, 'x.pam'));
      const raw = pam.subarray(pam.indexOf('ENDHDR\n') + 7);
      const px = decodeWebP(bytes).pixels;
      for (let i = 0; i < px.length; i++) {
        const p = px[i];
        assert.deepEqual([raw[4 * i], raw[4 * i + 1], raw[4 * i + 2], raw[4 * i + 3]], [(p >>> 16) & 255, (p >>> 8) & 255, p & 255, p >>> 24]);
      }
    }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
