// WebP headers, for the suites that check downloaded images (js, cli).
import assert from 'node:assert/strict';

/** Width and height from a WebP file's header (VP8L, VP8X or VP8), after checking its framing. */
export function webpSize(bytes) {
  const buf = Buffer.from(bytes);
  assert.equal(buf.toString('latin1', 0, 4), 'RIFF', 'RIFF header');
  assert.equal(buf.toString('latin1', 8, 12), 'WEBP', 'WEBP form type');
  assert.equal(buf.readUInt32LE(4) + 8, buf.length, 'RIFF size matches the file');
  const chunk = buf.toString('latin1', 12, 16);
  if (chunk === 'VP8L') {
    assert.equal(buf[20], 0x2f, 'VP8L signature');
    const bits = buf.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { width: buf.readUIntLE(24, 3) + 1, height: buf.readUIntLE(27, 3) + 1 };
  if (chunk === 'VP8 ') return { width: buf.readUInt16LE(26) & 0x3fff, height: buf.readUInt16LE(28) & 0x3fff };
  throw new Error(`unknown WebP chunk ${chunk}`);
}
