import {
  type CARequest,
  type CAResponse,
  decodeRequest,
  decodeResponse,
  encodeDbr,
  encodeRaw,
  encodeRequest,
  encodeResponse,
  FrameReader,
  splitDatagram,
} from "../../lib/ca/codec/mod.ts";
import { CAError, ECA, ecaName } from "../../lib/ca/errors.ts";
import { assertEquals, assertThrows } from "../support/assert.ts";

const payload = encodeDbr(20, {
  value: 2.5,
  stamp: { secondsPastEpoch: 1, nanoseconds: 2 },
});

const REQUESTS: CARequest[] = [
  { command: "VERSION", priority: 0, version: 13, sequence: 7 },
  { command: "ECHO" },
  { command: "CLEAR_CHANNEL", sid: 5, cid: 6 },
  {
    command: "SEARCH",
    name: "FWS01:SCAN:START",
    cid: 42,
    version: 13,
    reply: false,
  },
  { command: "SEARCH", name: "X", cid: 43, version: 13, reply: true },
  { command: "CREATE_CHAN", name: "a:b", cid: 1, version: 13 },
  { command: "HOST_NAME", name: "ioc-host" },
  { command: "CLIENT_NAME", name: "operator" },
  { command: "READ_NOTIFY", dataType: 20, count: 0, sid: 3, ioid: 9 },
  { command: "WRITE", dataType: 20, count: 1, sid: 3, ioid: 10, payload },
  {
    command: "WRITE_NOTIFY",
    dataType: 20,
    count: 1,
    sid: 3,
    ioid: 11,
    payload,
  },
  {
    command: "EVENT_ADD",
    dataType: 20,
    count: 1,
    sid: 3,
    subid: 4,
    mask: 5,
    low: 0,
    high: 0,
    to: 0,
  },
  { command: "EVENT_CANCEL", dataType: 20, count: 1, sid: 3, subid: 4 },
  { command: "EVENTS_OFF" },
  { command: "EVENTS_ON" },
  { command: "REPEATER_REGISTER", address: "127.0.0.1" },
];

const RESPONSES: CAResponse[] = [
  { command: "VERSION", priority: 0, version: 13, sequence: 0 },
  { command: "ECHO" },
  { command: "CLEAR_CHANNEL", sid: 5, cid: 6 },
  { command: "SEARCH", port: 5064, address: "10.0.0.2", cid: 42, version: 13 },
  { command: "SEARCH", port: 40000, address: undefined, cid: 43, version: 13 },
  { command: "NOT_FOUND", cid: 43, version: 13 },
  { command: "CREATE_CHAN", dataType: 6, count: 1000000, cid: 1, sid: 77 },
  { command: "CREATE_CH_FAIL", cid: 1 },
  { command: "SERVER_DISCONN", cid: 1 },
  { command: "ACCESS_RIGHTS", cid: 1, access: 3 },
  { command: "READ_NOTIFY", dataType: 20, count: 1, status: 1, id: 9, payload },
  { command: "EVENT_ADD", dataType: 20, count: 1, status: 1, id: 4, payload },
  {
    command: "EVENT_ADD",
    dataType: 20,
    count: 1,
    status: 1,
    id: 4,
    payload: new Uint8Array(0),
  },
  {
    command: "WRITE_NOTIFY",
    dataType: 20,
    count: 1,
    status: ECA.ECA_PUTFAIL,
    ioid: 11,
  },
  {
    command: "RSRV_IS_UP",
    version: 13,
    port: 5064,
    beaconId: 99,
    address: "192.168.1.5",
  },
  { command: "REPEATER_CONFIRM", address: "127.0.0.1" },
  {
    command: "ERROR",
    cid: 1,
    status: ECA.ECA_NOWTACCESS,
    request: { command: 4, dataType: 6, dataCount: 1, param1: 3, param2: 10 },
    message: "no write access",
  },
];

for (const msg of REQUESTS) {
  Deno.test(`messages: request ${msg.command} round trip`, () => {
    const bytes = encodeRequest(msg);
    assertEquals(bytes.length % 8, 0);
    const [raw] = new FrameReader().push(bytes);
    assertEquals(decodeRequest(raw), msg);
  });
}

for (const msg of RESPONSES) {
  Deno.test(`messages: response ${msg.command} round trip`, () => {
    const bytes = encodeResponse(msg);
    const [raw] = splitDatagram(bytes, { maxPayload: 1 << 20 });
    assertEquals(decodeResponse(raw), msg);
  });
}

Deno.test("messages: known bytes of a UDP search request", () => {
  const bytes = encodeRequest({
    command: "SEARCH",
    name: "AB",
    cid: 1,
    version: 13,
    reply: false,
  });
  assertEquals(
    Array.from(bytes),
    [0, 6, 0, 8, 0, 5, 0, 13, 0, 0, 0, 1, 0, 0, 0, 1, 65, 66, 0, 0, 0, 0, 0, 0],
  );
});

Deno.test("header: extended header for big payloads and counts", () => {
  const big = new Uint8Array(0x10000);
  big[0xffff] = 9;
  const bytes = encodeRaw({
    command: 15,
    dataType: 4,
    dataCount: 70000,
    param1: 1,
    param2: 2,
  }, big);
  assertEquals(bytes.length, 24 + 0x10000);
  assertEquals([bytes[2], bytes[3], bytes[6], bytes[7]], [0xff, 0xff, 0, 0]);
  const [raw] = new FrameReader().push(bytes);
  assertEquals(raw.dataCount, 70000);
  assertEquals(raw.payloadSize, 0x10000);
  assertEquals(raw.payload[0xffff], 9);
  // count > 0xffff alone also switches to the extended form
  const small = encodeRaw({
    command: 15,
    dataType: 4,
    dataCount: 65536,
    param1: 0,
    param2: 0,
  }, new Uint8Array(8));
  assertEquals(small.length, 32);
  assertEquals(new FrameReader().push(small)[0].dataCount, 65536);
});

Deno.test("framer: byte-at-a-time and coalesced input give the same messages", () => {
  const frames = [
    ...REQUESTS.map(encodeRequest),
    encodeRaw({
      command: 1,
      dataType: 6,
      dataCount: 20000,
      param1: 0,
      param2: 0,
    }, new Uint8Array(160000).fill(3)),
  ];
  const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let o = 0;
  for (const f of frames) {
    all.set(f, o);
    o += f.length;
  }
  const whole = new FrameReader().push(all);
  assertEquals(whole.length, frames.length);
  const reader = new FrameReader();
  const pieces = [];
  let needed = reader.needed;
  assertEquals(needed, 16);
  for (let i = 0; i < all.length; i += 997) {
    pieces.push(...reader.push(all.subarray(i, Math.min(all.length, i + 997))));
  }
  assertEquals(pieces, whole);
  const single = new FrameReader();
  const few = frames.slice(0, 3);
  const bytes = new Uint8Array(few.reduce((n, f) => n + f.length, 0));
  o = 0;
  for (const f of few) {
    bytes.set(f, o);
    o += f.length;
  }
  const got = [];
  for (const b of bytes) got.push(...single.push(new Uint8Array([b])));
  assertEquals(got, whole.slice(0, 3));
  needed = single.needed;
  assertEquals(needed, 16);
});

Deno.test("framer: oversized payload is a protocol error, and sticky", () => {
  const reader = new FrameReader({ maxPayload: 1024 });
  const bad = encodeRaw({
    command: 1,
    dataType: 6,
    dataCount: 1,
    param1: 0,
    param2: 0,
  }, new Uint8Array(2048));
  assertThrows(
    () => reader.push(bad.subarray(0, 24)),
    /2048-byte payload; expected at most 1024/,
  );
  assertThrows(() => reader.push(new Uint8Array(16)), /2048-byte/);
});

Deno.test("datagram: truncated input is a protocol error", () => {
  const search = encodeRequest({
    command: "SEARCH",
    name: "AB",
    cid: 1,
    version: 13,
    reply: false,
  });
  assertThrows(
    () => splitDatagram(search.subarray(0, 20)),
    /only 4 bytes follow/,
  );
  assertThrows(() => splitDatagram(search.subarray(0, 10)), /trailing bytes/);
  assertThrows(
    () =>
      decodeResponse(
        splitDatagram(
          encodeRaw({
            command: 99,
            dataType: 0,
            dataCount: 0,
            param1: 0,
            param2: 0,
          }),
        )[0],
      ),
    /unexpected CA command 99/,
  );
});

Deno.test("errors: ECA table and CAError", () => {
  assertEquals(ECA.ECA_NORMAL, 1);
  assertEquals(ECA.ECA_TIMEOUT, 80);
  assertEquals(ECA.ECA_NOWTACCESS, 376);
  assertEquals(ECA.ECA_PUTFAIL, 160);
  assertEquals(ECA.ECA_INTERNAL, 142);
  assertEquals(ecaName(376), "ECA_NOWTACCESS");
  assertEquals(ecaName(12345), "ECA_12345");
  const error = new CAError("A:B", 376);
  assertEquals(error.status, "ECA_NOWTACCESS");
  assertEquals(error.pv, "A:B");
  assertEquals(error.message, "A:B: ECA_NOWTACCESS (Write access denied)");
});

Deno.test("framer: zero-copy writable()/commit() gives the same messages as push()", () => {
  const frames = [
    ...REQUESTS.map(encodeRequest),
    encodeRaw({
      command: 15,
      dataType: 6,
      dataCount: 100000,
      param1: 1,
      param2: 2,
    }, new Uint8Array(800000).fill(7)),
    ...RESPONSES.map(encodeResponse),
  ];
  const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let o = 0;
  for (const f of frames) {
    all.set(f, o);
    o += f.length;
  }
  const expected = new FrameReader().push(all);
  const reader = new FrameReader();
  const got = [];
  let sizes = 1;
  for (let p = 0; p < all.length;) {
    const target = reader.writable();
    const n = Math.min(
      target.length,
      all.length - p,
      (sizes = (sizes * 7919) % 70000) + 1,
    );
    target.set(all.subarray(p, p + n));
    p += n;
    got.push(...reader.commit(n));
  }
  assertEquals(got.length, frames.length);
  assertEquals(got, expected);
});
