/**
 * The outbound queue without sockets: every payload it queues comes out
 * byte for byte, in order, whichever message makes its buffer grow — a
 * regression test for payloads written into the buffer the queue had just
 * replaced (a 1000-element time reply after a plain one came out as zeros).
 */
import { OutboundQueue } from "../../lib/ca/protocol/outbound.ts";
import { FrameReader } from "../../lib/ca/codec/header.ts";
import { assertEquals } from "../support/assert.ts";

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

Deno.test("outbound: payloads survive the queue's buffer growing, for every size up to the big-chunk limit", () => {
  for (const recycle of [false, true]) {
    const out = new OutboundQueue({ recycle });
    const sent: Uint8Array[] = [];
    // sizes that cross the initial 16 KiB buffer at every offset
    for (let i = 0, size = 5; i < 60; i++, size = (size * 7 + 13) % 60000) {
      const payload = Uint8Array.from(
        { length: size },
        (_, k) => (k + i) % 251 + 1,
      );
      out.message({
        command: 15,
        dataType: 6,
        dataCount: size,
        param1: 1,
        param2: i,
      }, payload);
      sent.push(payload);
      if (i % 7 === 6) {
        // a writer taking what is queued now and then, as a transport does
        const reader = new FrameReader();
        const messages = reader.push(concat(out.take()));
        const batch = sent.splice(0, sent.length);
        assertEquals(messages.length, batch.length);
        messages.forEach((m, k) => {
          assertEquals(
            m.payload.subarray(0, batch[k].length),
            batch[k],
            `recycle=${recycle} message ${m.param2} of ${
              batch[k].length
            } bytes`,
          );
        });
      }
    }
  }
});

Deno.test("outbound: with `consumed`, a written buffer is reused from its start; chunks not yet written are never overwritten", () => {
  let written = false;
  const out = new OutboundQueue({ consumed: () => written });
  const header = (id: number) => ({
    command: 1,
    dataType: 6,
    dataCount: 1,
    param1: 1,
    param2: id,
  });
  out.message(header(1), Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
  const [first] = out.take();
  const kept = first.slice();
  // the writer still holds `first`: the next message goes after it
  out.message(header(2), Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9));
  const [second] = out.take();
  assertEquals(Array.from(first), Array.from(kept));
  assertEquals(second.byteOffset, first.byteOffset + first.length);
  // both written: the next message starts at the buffer's beginning again
  written = true;
  out.message(header(3), Uint8Array.of(7, 7, 7, 7, 7, 7, 7, 7));
  const [third] = out.take();
  assertEquals(third.buffer, first.buffer);
  assertEquals(third.byteOffset, first.byteOffset);
  const reader = new FrameReader();
  const [m] = reader.push(third);
  assertEquals([m.param2, Array.from(m.payload)], [3, [
    7,
    7,
    7,
    7,
    7,
    7,
    7,
    7,
  ]]);
});
