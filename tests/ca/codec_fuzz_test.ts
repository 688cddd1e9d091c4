import {
  CAProtocolError,
  type CARequest,
  type CAResponse,
  decodeDbr,
  decodeRequest,
  decodeResponse,
  encodeDbr,
  encodeRequest,
  encodeResponse,
  FrameReader,
  type RawMessage,
  splitDatagram,
} from "../../lib/ca/codec/mod.ts";
import { assert } from "../support/assert.ts";

/** xorshift32: deterministic, so a failure can be replayed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

const SEEDS: Uint8Array[] = [
  ...([
    {
      command: "SEARCH",
      name: "FWS01:SCAN:START",
      cid: 1,
      version: 13,
      reply: true,
    },
    { command: "CREATE_CHAN", name: "A:B", cid: 2, version: 13 },
    { command: "EVENT_ADD", dataType: 20, count: 1, sid: 1, subid: 2, mask: 5 },
    { command: "VERSION", priority: 0, version: 13 },
  ] as CARequest[]).map(encodeRequest),
  ...([
    {
      command: "READ_NOTIFY",
      dataType: 34,
      count: 3,
      status: 1,
      id: 1,
      payload: encodeDbr(34, { value: [1, 2, 3] }),
    },
    {
      command: "EVENT_ADD",
      dataType: 31,
      count: 1,
      status: 1,
      id: 1,
      payload: encodeDbr(31, { value: 1, enumStrings: ["a", "b"] }),
    },
    {
      command: "ERROR",
      cid: 1,
      status: 376,
      request: { command: 4, dataType: 6, dataCount: 1, param1: 0, param2: 0 },
      message: "x",
    },
    { command: "SEARCH", port: 5064, cid: 1, version: 13 },
  ] as CAResponse[]).map(encodeResponse),
];

const MAX = 1 << 20;

function consume(raw: RawMessage): void {
  for (const decode of [decodeRequest, decodeResponse]) {
    try {
      decode(raw);
    } catch (error) {
      if (!(error instanceof CAProtocolError)) throw error;
    }
  }
  try {
    decodeDbr(raw.dataType, raw.dataCount, raw.payload);
  } catch (error) {
    if (!(error instanceof CAProtocolError)) throw error;
  }
}

function packet(next: () => number): Uint8Array {
  const r = next();
  if (r < 0.3) return SEEDS[Math.floor(next() * SEEDS.length)];
  if (r < 0.6) {
    const bytes = new Uint8Array(Math.floor(next() * 96));
    for (let i = 0; i < bytes.length; i++) bytes[i] = next() * 256;
    return bytes;
  }
  const seed = SEEDS[Math.floor(next() * SEEDS.length)];
  const bytes = seed.slice(
    0,
    Math.max(1, Math.floor(next() * (seed.length + 8))),
  );
  const flips = 1 + Math.floor(next() * 4);
  for (let i = 0; i < flips; i++) {
    bytes[Math.floor(next() * Math.min(bytes.length, 24))] = next() * 256;
  }
  return bytes;
}

Deno.test("fuzz: 100,000 random and mutated packets to the decoders", () => {
  const next = rng(20261123);
  let reader = new FrameReader({ maxPayload: MAX });
  let messages = 0;
  let protocolErrors = 0;
  const t0 = performance.now();
  for (let n = 0; n < 100_000; n++) {
    const bytes = packet(next);
    // UDP path
    try {
      for (const raw of splitDatagram(bytes)) {
        consume(raw);
        messages++;
      }
    } catch (error) {
      if (!(error instanceof CAProtocolError)) throw error;
      protocolErrors++;
    }
    // TCP path: one long stream, a fresh circuit after a protocol error
    try {
      for (const raw of reader.push(bytes)) {
        consume(raw);
        messages++;
      }
    } catch (error) {
      if (!(error instanceof CAProtocolError)) throw error;
      protocolErrors++;
      reader = new FrameReader({ maxPayload: MAX });
    }
    assert(
      reader.buffered <= MAX + 24 + 96,
      `reader holds ${reader.buffered} bytes`,
    );
    assert(reader.needed > 0);
  }
  const ms = performance.now() - t0;
  console.log(
    `fuzz: ${messages} framed messages, ${protocolErrors} protocol errors, ${
      ms.toFixed(0)
    } ms`,
  );
  assert(messages > 1000, "the fuzzer should frame many messages");
  assert(protocolErrors > 100, "the fuzzer should hit protocol errors");
});
