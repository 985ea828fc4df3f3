// Reading wasm modules' bytes, for the build (scripts/build.mjs) and the benchmarks (bench/).

/** A reader over a wasm module's bytes from after its header: LEB128 numbers and names. */
export function wasmCursor(buf) {
  const c = {
    p: 8,
    leb() {
      let r = 0;
      for (let shift = 0; ; shift += 7) {
        const b = buf[c.p++];
        r += (b & 0x7f) * 2 ** shift;
        if (!(b & 0x80)) return r;
      }
    },
    str() {
      const n = c.leb();
      const s = buf.subarray(c.p, c.p + n).toString();
      c.p += n;
      return s;
    },
  };
  return c;
}
