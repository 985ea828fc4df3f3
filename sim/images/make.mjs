// Writes the small sample WebP images committed next to this script.
//   node sim/images/make.mjs
// They are made with the simulator's own encoder (sim/webp.mjs) and are
// deterministic: running the script again produces identical bytes.

import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderImage } from '../webp.mjs';

export const SAMPLES = [
  { file: 'pattern-a-128x128.webp', seed: 1, width: 128, height: 128, kind: 'pattern' },
  { file: 'pattern-b-192x128.webp', seed: 2, width: 192, height: 128, kind: 'pattern' },
  { file: 'noise-64x64.webp', seed: 3, width: 64, height: 64, kind: 'noise' },
  { file: 'censored-128x128.webp', seed: 0, width: 128, height: 128, kind: 'censored' },
];

export function makeSamples() {
  return SAMPLES.map((s) => ({ ...s, bytes: renderImage(s) }));
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  for (const s of makeSamples()) {
    const out = fileURLToPath(new URL(s.file, import.meta.url));
    writeFileSync(out, s.bytes);
    process.stdout.write(`wrote ${s.file} (${s.width}x${s.height}, ${s.bytes.length} bytes)\n`);
  }
}
