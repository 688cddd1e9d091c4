/**
 * Fuzzing the server: ≥ 100,000 random and mutated packets straight into the
 * per-circuit handler (no crash, bounded memory, only the offending circuit
 * closed, no leaked subscriptions), and a few thousand over real sockets to a
 * running server that keeps serving a well-behaved client.
 */
import { assert, assertEquals } from "../support/assert.ts";
import {
  type CARequest,
  dbrType,
  decodeDbr,
  encodeDbr,
  encodeRequest,
} from "../../lib/ca/codec/mod.ts";
import {
  type CircuitHost,
  type CircuitTransport,
  ServerCircuit,
} from "../../lib/ca/protocol/mod.ts";
import { type PVDefinition, ServerPV } from "../../lib/ca/server_pv.ts";
import { RawClient, startFixture, until } from "./server_support.ts";

/** Small seeded PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DEFS: [string, PVDefinition][] = [
  ["F:D", { type: "double", value: 1.5, units: "mm", precision: 2 }],
  ["F:E", { type: "enum", enumStrings: ["A", "B"], value: 1 }],
  ["F:S", { type: "string", value: "text" }],
  ["F:C", { type: "char", count: 64, value: "chars" }],
  ["F:W", { type: "float", count: 1000 }],
  ["F:L", { type: "long", count: 4, value: [1, 2, 3, 4] }],
  ["F:RO", { type: "short", readOnly: true }],
  [
    "F:ASYNC",
    {
      type: "double",
      onWrite: async (v) => {
        await Promise.resolve();
        if ((v as number) > 1e6) throw new Error("too big");
      },
    },
  ],
];

function makeRequest(r: () => number, names: string[]): CARequest {
  const int = (n: number): number => Math.floor(r() * n);
  const sid = int(8);
  const dataType = r() < 0.9 ? int(35) : int(0x10000);
  const count = r() < 0.7 ? int(5) : int(0x20000);
  switch (int(14)) {
    case 0:
      return { command: "VERSION", priority: int(100), version: int(20) };
    case 1:
      return { command: "ECHO" };
    case 2:
      return { command: "CLEAR_CHANNEL", sid, cid: int(10) };
    case 3:
      return {
        command: "SEARCH",
        name: names[int(names.length)],
        cid: int(100),
        version: 13,
        reply: r() < 0.5,
      };
    case 4:
    case 5:
      return {
        command: "CREATE_CHAN",
        name: names[int(names.length)],
        cid: int(100),
        version: 13,
      };
    case 6:
      return { command: "HOST_NAME", name: "h".repeat(int(300)) };
    case 7:
      return { command: "READ_NOTIFY", dataType, count, sid, ioid: int(1000) };
    case 8:
    case 9: {
      const t = int(35);
      let payload: Uint8Array;
      try {
        payload = encodeDbr(t, {
          value: t % 7 === 0
            ? ["1.5", "A", "x"][int(3)]
            : [int(3000) - 1000, 1, 2].slice(0, 1 + int(3)),
        });
      } catch {
        payload = new Uint8Array(int(64));
      }
      return {
        command: r() < 0.5 ? "WRITE" : "WRITE_NOTIFY",
        dataType: r() < 0.8 ? t : dataType,
        count: r() < 0.8 ? 1 + int(3) : count,
        sid,
        ioid: int(1000),
        payload,
      };
    }
    case 10:
      return {
        command: "EVENT_ADD",
        dataType,
        count,
        sid,
        subid: int(50),
        mask: int(16),
      };
    case 11:
      return { command: "EVENT_CANCEL", dataType, count, sid, subid: int(50) };
    case 12:
      return { command: r() < 0.5 ? "EVENTS_OFF" : "EVENTS_ON" };
    default:
      return { command: "CLIENT_NAME", name: "u" };
  }
}

function mutate(r: () => number, bytes: Uint8Array): Uint8Array {
  const int = (n: number): number => Math.floor(r() * n);
  const kind = int(4);
  if (kind === 0) { // flip bytes
    const out = bytes.slice();
    for (let i = 0; i < 1 + int(4); i++) out[int(out.length)] = int(256);
    return out;
  }
  if (kind === 1) return bytes.subarray(0, int(bytes.length)); // truncate
  if (kind === 2) { // random bytes
    const out = new Uint8Array(1 + int(80));
    for (let i = 0; i < out.length; i++) out[i] = int(256);
    return out;
  }
  const out = new Uint8Array(bytes.length + 8); // extend / odd sizes
  out.set(bytes);
  new DataView(out.buffer).setUint16(2, int(0x10000));
  return out;
}

class FakeTransport implements CircuitTransport {
  backlog = 0;
  sent = 0;
  ended = false;
  send(chunks: Uint8Array[]): void {
    for (const c of chunks) this.sent += c.length;
  }
  end(): void {
    this.ended = true;
  }
}

Deno.test("server fuzz: 100,000+ random and mutated packets into the circuit handler", async () => {
  const pvs = new Map(DEFS.map(([n, d]) => [n, new ServerPV(n, d)]));
  const names = [...pvs.keys(), "NOPE", ""];
  let warnings = 0;
  const host: CircuitHost = {
    findPV: (n) => pvs.get(n),
    tcpPort: 5064,
    maxPayload: 1 << 20,
    log: (level) => {
      if (level === "warn") warnings++;
    },
  };
  const r = rng(20261123);
  const heapBefore = Deno.memoryUsage().heapUsed;
  let packets = 0;
  let circuits = 0;
  let closed = 0;
  let maxBuffered = 0;
  while (packets < 120_000) {
    const transport = new FakeTransport();
    const circuit = new ServerCircuit(transport, host, `fuzz-${circuits++}`);
    // a plausible start: version and a few channels, so sids 1… exist
    const start = [
      encodeRequest({ command: "VERSION", priority: 0, version: 13 }),
    ];
    for (let i = 0; i < 4; i++) {
      start.push(
        encodeRequest({
          command: "CREATE_CHAN",
          name: names[i * 2],
          cid: i,
          version: 13,
        }),
      );
    }
    for (const b of start) circuit.receive(b);
    const n = 50 + Math.floor(r() * 500);
    for (let i = 0; i < n && !circuit.closed; i++, packets++) {
      let bytes = encodeRequest(makeRequest(r, names));
      if (r() < 0.3) bytes = mutate(r, bytes);
      // split at a random point: the reader must reassemble
      const cut = Math.floor(r() * bytes.length);
      circuit.receive(bytes.subarray(0, cut));
      circuit.receive(bytes.subarray(cut));
      maxBuffered = Math.max(maxBuffered, circuit.buffered);
      if (r() < 0.01) {
        for (const pv of pvs.values()) pv.set(pv.type === "string" ? "s" : 1);
      }
    }
    if (circuit.closed) {
      closed++;
      assert(transport.ended, "a closed circuit must end its transport");
      assert(circuit.closeReason, "a closed circuit must say why");
    } else {
      circuit.close("fuzz session over");
    }
    assertEquals(circuit.subscriptionCount, 0);
  }
  await new Promise((res) => setTimeout(res, 0)); // let async write handlers settle
  for (const pv of pvs.values()) {
    assertEquals(pv.subscriberCount, 0, `${pv.name} leaked subscribers`);
  }
  assert(packets >= 100_000);
  assert(
    closed > 100,
    `only ${closed} of ${circuits} circuits closed by bad packets`,
  );
  assert(
    warnings >= closed - 1,
    "every bad-packet close is logged as a warning",
  );
  assert(maxBuffered <= (1 << 20) + 64, `reader buffered ${maxBuffered} bytes`);
  const grown = Deno.memoryUsage().heapUsed - heapBefore;
  assert(grown < 200 * 1024 * 1024, `heap grew by ${grown} bytes`);
});

Deno.test("server fuzz: mutated packets over real sockets; the server keeps serving", async () => {
  await using f = await startFixture();
  const r = rng(7);
  const names = [
    "T:DOUBLE",
    "T:ENUM",
    "T:STRING",
    "T:WF:CHAR",
    "T:RO",
    "T:SLOW",
    "NOPE",
  ];
  let sent = 0;
  let echoed = 0;
  for (let conn = 0; conn < 20; conn++) {
    const c = await RawClient.connect(f.tcpPort);
    for (let i = 0; i < 4; i++) {
      c.send(
        encodeRequest({
          command: "CREATE_CHAN",
          name: names[i],
          cid: i,
          version: 13,
        }),
      );
    }
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < 200; i++, sent++) {
      let bytes = encodeRequest(makeRequest(r, names));
      if (r() < 0.3) bytes = mutate(r, bytes);
      chunks.push(bytes);
    }
    c.send(...chunks);
    // zeros complete most messages a mutated header left open (they parse
    // as empty VERSION messages); then EOF. The server either answers the
    // ECHO or closes the circuit — it never hangs or crashes.
    c.send(new Uint8Array(70_000), encodeRequest({ command: "ECHO" }));
    c.socket.end();
    try {
      await c.next((m) => m.command === "ECHO");
      echoed++;
    } catch {
      await c.whenClosed();
    }
    await c.close();
  }
  assert(sent >= 4000);
  assert(echoed > 0 && echoed < 20, `${echoed} of 20 circuits survived`);
  await until(() => f.server.clientCount === 0, 5, "all fuzz circuits gone");
  const good = await RawClient.connect(f.tcpPort);
  try {
    const ch = await good.createChannel("T:DOUBLE", 1);
    good.send(
      encodeRequest({
        command: "READ_NOTIFY",
        dataType: dbrType("double"),
        count: 1,
        sid: ch.sid,
        ioid: 1,
      }),
    );
    const m = await good.next((x) => x.command === "READ_NOTIFY") as {
      payload: Uint8Array;
    };
    assert(typeof decodeDbr(6, 1, m.payload).value === "number");
  } finally {
    await good.close();
  }
  for (const name of names.slice(0, 6)) {
    assertEquals(f.server.pv(name)?.subscriberCount, 0);
  }
});
