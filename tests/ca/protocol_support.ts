/**
 * Helpers of the socket-free protocol tests: joining encoded messages into
 * one received chunk, and a header announcing an oversized payload.
 */
import { encodeRaw } from "../../lib/ca/codec/mod.ts";

/** The messages as one chunk of bytes, in order. */
export function concat(messages: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(messages.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of messages) {
    all.set(b, at);
    at += b.length;
  }
  return all;
}

/** An extended header of `command` announcing a 1 GiB (2³⁰-byte) payload. */
export function oversizedHeader(command: number): Uint8Array {
  const header = encodeRaw({
    command,
    dataType: 6,
    dataCount: 0,
    param1: 1,
    param2: 1,
  });
  const extended = new Uint8Array(24);
  extended.set(header.subarray(0, 16));
  const view = new DataView(extended.buffer);
  view.setUint16(2, 0xffff); // extended: sizes in the next 8 bytes
  view.setUint16(6, 0);
  view.setUint32(16, 1 << 30);
  view.setUint32(20, 1);
  return extended;
}
