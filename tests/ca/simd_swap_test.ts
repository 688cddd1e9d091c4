import { SIMD_FROM, swapInPlace } from "../../lib/ca/codec/dbr_array.ts";
import { simdSwap } from "../../lib/ca/codec/simd_swap.ts";
import { Rng } from "../analysis/fit_cases.ts";
import { assert, assertEquals } from "../support/assert.ts";

/** Each `size`-byte element of `bytes` reversed, one byte at a time. */
function reference(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const start = i - (i % size);
    out[i] = bytes[start + size - 1 - (i % size)];
  }
  return out;
}

function randomBytes(n: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(rng.uniform() * 256));
}

Deno.test("simdSwap reverses every element's bytes: sizes 2, 4, 8, any length, across its 64 KiB scratch", () => {
  // 0 and 1 element, a partial last vector, exactly one vector, and lengths
  // over one and several scratch chunks with a partial last chunk
  for (const size of [2, 4, 8] as const) {
    for (const count of [0, 1, 3, 16 / size, 1000, 8193, 100_003]) {
      const bytes = randomBytes(count * size, count + size);
      const want = reference(bytes, size);
      assert(simdSwap(bytes, size), "WebAssembly SIMD is available in Deno");
      assertEquals(
        Array.from(bytes),
        Array.from(want),
        `size ${size}, ${count} elements`,
      );
    }
  }
});

Deno.test("swapInPlace gives the same bytes with and without SIMD, NaN payloads included", () => {
  for (const size of [2, 4, 8]) {
    // below the SIMD threshold (the JavaScript paths) and above it
    for (const bytes of [SIMD_FROM / 2, SIMD_FROM, 4 * SIMD_FROM + 8]) {
      const count = Math.floor(bytes / size);
      const data = randomBytes(count * size + 16, size * 7 + bytes);
      if (size === 8) {
        // signalling and quiet NaNs with payloads, as a big-endian sender writes them
        data.set([
          0x7f,
          0xf0,
          0,
          0,
          0,
          0,
          0,
          1,
          0xff,
          0xf8,
          0xde,
          0xad,
          0,
          0,
          0,
          0,
        ]);
      }
      // at byte offset 8: aligned for every size, inside a larger buffer
      const view = data.subarray(8, 8 + count * size);
      const want = reference(view, size);
      swapInPlace(data.buffer as ArrayBuffer, 8, count, size);
      assertEquals(
        Array.from(view),
        Array.from(want),
        `size ${size}, ${bytes} bytes`,
      );
    }
  }
});
