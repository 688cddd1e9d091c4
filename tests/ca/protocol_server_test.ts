/**
 * The server circuit of the protocol layer without sockets: request bytes
 * in, reply messages out through a recording transport, server id
 * allocation, and a peer's malformed message attributed to the remote side.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { concat, oversizedHeader } from "./protocol_support.ts";
import {
  ACCESS_READ,
  ACCESS_WRITE,
  CA_MINOR_VERSION,
  type CARequest,
  type CAResponse,
  Command,
  type DataResponse,
  dbrType,
  decodeDbr,
  decodeResponse,
  encodeDbr,
  encodeRequest,
  FrameReader,
} from "../../lib/ca/codec/mod.ts";
import { ECA } from "../../lib/ca/errors.ts";
import { ServerPV } from "../../lib/ca/server_pv.ts";
import {
  type CircuitTransport,
  ServerCircuit,
} from "../../lib/ca/protocol/mod.ts";

interface Harness {
  circuit: ServerCircuit;
  /** Feeds client requests as one chunk of bytes. */
  request(...messages: CARequest[]): void;
  /** The replies sent since the last call (after the tick's flush). */
  replies(): Promise<CAResponse[]>;
  logs: string[];
  ended: { yes: boolean };
  pvs: Map<string, ServerPV>;
}

/** A circuit whose greeting (its VERSION) has been read already. */
async function harness(): Promise<Harness & { greeting: CAResponse[] }> {
  const chunks: Uint8Array[] = [];
  const ended = { yes: false };
  const logs: string[] = [];
  const pvs = new Map<string, ServerPV>([
    ["T:DOUBLE", new ServerPV("T:DOUBLE", { type: "double", value: 1.5 })],
    [
      "T:RO",
      new ServerPV("T:RO", { type: "long", value: 7, readOnly: true }),
    ],
  ]);
  const transport: CircuitTransport = {
    send: (c) => chunks.push(...c.map((b) => b.slice())),
    backlog: 0,
    end: () => {
      ended.yes = true;
    },
  };
  const circuit = new ServerCircuit(transport, {
    findPV: (name) => pvs.get(name),
    tcpPort: 5064,
    maxPayload: 1 << 20,
    log: (level, message) => logs.push(`${level}: ${message}`),
  }, "10.0.0.2:40000");
  const reader = new FrameReader();
  const h: Harness = {
    circuit,
    logs,
    ended,
    pvs,
    request(...messages) {
      circuit.receive(concat(messages.map((m) => encodeRequest(m))));
    },
    async replies() {
      await new Promise((r) => setTimeout(r, 0));
      const out: CAResponse[] = [];
      for (const chunk of chunks.splice(0)) {
        for (const raw of reader.push(chunk)) out.push(decodeResponse(raw));
      }
      return out;
    },
  };
  return { ...h, greeting: await h.replies() };
}

/** Creates channel `name` with client id `cid`: the replies and the sid. */
async function create(
  h: Harness,
  name: string,
  cid: number,
): Promise<{ replies: CAResponse[]; sid: number }> {
  h.request({
    command: "CREATE_CHAN",
    name,
    cid,
    version: CA_MINOR_VERSION,
  });
  const replies = await h.replies();
  const created = replies.find((m) => m.command === "CREATE_CHAN");
  return { replies, sid: created?.command === "CREATE_CHAN" ? created.sid : 0 };
}

Deno.test("server circuit: VERSION first, then ACCESS_RIGHTS and CREATE_CHAN with fresh sids", async () => {
  const h = await harness();
  h.request(
    { command: "VERSION", priority: 0, version: CA_MINOR_VERSION },
    { command: "HOST_NAME", name: "host-b" },
    { command: "CLIENT_NAME", name: "user-b" },
  );
  assertEquals(h.greeting, [{
    command: "VERSION",
    priority: 0,
    sequence: 0,
    version: CA_MINOR_VERSION,
  }]);
  assertEquals(await h.replies(), []); // the client's VERSION needs no reply
  assertEquals(
    [h.circuit.clientVersion, h.circuit.hostName, h.circuit.userName],
    [CA_MINOR_VERSION, "host-b", "user-b"],
  );
  const { replies: a } = await create(h, "T:DOUBLE", 10);
  const { replies: b } = await create(h, "T:RO", 11);
  assertEquals(a[0], {
    command: "ACCESS_RIGHTS",
    cid: 10,
    access: ACCESS_READ | ACCESS_WRITE,
  });
  assertEquals(b[0], {
    command: "ACCESS_RIGHTS",
    cid: 11,
    access: ACCESS_READ,
  });
  const ca = a[1] as Extract<CAResponse, { command: "CREATE_CHAN" }>;
  const cb = b[1] as Extract<CAResponse, { command: "CREATE_CHAN" }>;
  assertEquals([ca.command, ca.cid, ca.dataType, ca.count], [
    "CREATE_CHAN",
    10,
    dbrType("double"),
    1,
  ]);
  assert(ca.sid !== cb.sid, "every channel has its own sid");
  assertEquals(h.circuit.channelCount, 2);
});

Deno.test("server circuit: READ_NOTIFY is answered with the value and the request's ioid", async () => {
  const h = await harness();
  const { sid } = await create(h, "T:DOUBLE", 1);
  h.request(
    {
      command: "READ_NOTIFY",
      dataType: dbrType("double"),
      count: 1,
      sid,
      ioid: 91,
    },
    {
      command: "READ_NOTIFY",
      dataType: dbrType("long"),
      count: 1,
      sid,
      ioid: 92,
    },
  );
  const [r1, r2] = await h.replies() as DataResponse[];
  assertEquals([r1.id, r1.status], [91, ECA.ECA_NORMAL]);
  assertEquals(decodeDbr(r1.dataType, r1.count, r1.payload).value, 1.5);
  assertEquals([r2.id, r2.dataType], [92, dbrType("long")]);
  assertEquals(decodeDbr(r2.dataType, r2.count, r2.payload).value, 1); // truncated, as by a C cast
});

Deno.test("server circuit: unknown names and sids are refused, the circuit stays open", async () => {
  const h = await harness();
  const { replies: refused } = await create(h, "NOPE", 5);
  assertEquals(refused, [{ command: "CREATE_CH_FAIL", cid: 5 }]);
  h.request({
    command: "READ_NOTIFY",
    dataType: 6,
    count: 1,
    sid: 999,
    ioid: 3,
  });
  const [error] = await h.replies();
  assert(error.command === "ERROR");
  assertEquals(error.status, ECA.ECA_BADCHID);
  assertEquals([error.request.command, error.request.param2], [
    Command.READ_NOTIFY,
    3,
  ]);
  assertMatch(error.message, /no channel with sid 999/);
  assert(!h.circuit.closed);
});

Deno.test("server circuit: a put-notify to a read-only PV completes with ECA_NOWTACCESS", async () => {
  const h = await harness();
  const { sid } = await create(h, "T:RO", 2);
  h.request({
    command: "WRITE_NOTIFY",
    dataType: dbrType("long"),
    count: 1,
    sid,
    ioid: 8,
    payload: encodeDbr(dbrType("long"), { value: 1 }),
  });
  const [done] = await h.replies();
  assert(done.command === "WRITE_NOTIFY");
  assertEquals([done.ioid, done.status], [8, ECA.ECA_NOWTACCESS]);
  assertEquals(h.pvs.get("T:RO")!.value, 7);
});

Deno.test("server circuit: subscriptions deliver the current value and then changes", async () => {
  const h = await harness();
  const { sid } = await create(h, "T:DOUBLE", 3);
  h.request({
    command: "EVENT_ADD",
    dataType: dbrType("double", "time"),
    count: 1,
    sid,
    subid: 44,
    mask: 1,
  });
  const [first] = await h.replies();
  assert(first.command === "EVENT_ADD");
  assertEquals(first.id, 44);
  h.pvs.get("T:DOUBLE")!.set(4.25);
  const [next] = await h.replies();
  assert(next.command === "EVENT_ADD");
  assertEquals(decodeDbr(next.dataType, next.count, next.payload).value, 4.25);
  assertEquals(h.circuit.subscriptionCount, 1);
});

Deno.test("server circuit: a malformed message closes the circuit, blamed on the remote side", async () => {
  const h = await harness();
  await create(h, "T:DOUBLE", 1);
  const extended = oversizedHeader(Command.WRITE);
  h.circuit.receive(extended);
  assert(h.circuit.closed);
  assert(h.ended.yes, "the transport was ended");
  assertMatch(
    h.circuit.closeReason ?? "",
    /bad message: remote protocol error: .*1073741824-byte payload/,
  );
  assertEquals(h.circuit.channelCount, 0);
  assert(h.logs.some((l) => l.startsWith("warn: CA circuit 10.0.0.2:40000")));
});
