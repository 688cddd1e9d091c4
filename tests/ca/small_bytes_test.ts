import { smallBytes } from "../../lib/ca/codec/small_bytes.ts";
import { assert, assertEquals } from "../support/assert.ts";

Deno.test("smallBytes: zeroed, 8-byte aligned, never the same bytes twice, across slabs; large sizes on their own", () => {
  const seen: Uint8Array[] = [];
  // 2000 arrays of 1–256 bytes span many 4 KiB slabs
  for (let i = 0; i < 2000; i++) {
    const n = 1 + (i * 37) % 256;
    const a = smallBytes(n);
    assertEquals(a.length, n);
    assert(a.every((b) => b === 0), `array ${i} is not zeroed`);
    assertEquals(a.byteOffset % 8, 0);
    a.fill(0xff); // a later array that shared these bytes would not be zero
    seen.push(a);
  }
  assert(
    seen.every((a) => a.every((b) => b === 0xff)),
    "an array was overwritten",
  );
  const big = smallBytes(257);
  assertEquals([big.length, big.byteOffset, big.buffer.byteLength], [
    257,
    0,
    257,
  ]);
});
