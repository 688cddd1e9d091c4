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
