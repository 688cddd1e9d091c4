/**
 * The client circuit of the protocol layer without sockets: messages in as
 * bytes, requests out of its outbound queue, id allocation, channel state,
 * and errors attributed to the local or the remote side.
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertThrows,
} from "../support/assert.ts";
import { concat, oversizedHeader } from "./protocol_support.ts";
import {
  ACCESS_READ,
  CA_MINOR_VERSION,
  type CARequest,
  type CAResponse,
  Command,
  dbrType,
  decodeRequest,
  encodeDbr,
  encodeResponse,
  FrameReader,
} from "../../lib/ca/codec/mod.ts";
import { CAError, ECA } from "../../lib/ca/errors.ts";
import type { CAValue } from "../../lib/ca/client_types.ts";
import {
  ChannelState,
  ClientCircuit,
  IdAllocator,
  LocalProtocolError,
  RemoteProtocolError,
  SubscriptionState,
} from "../../lib/ca/protocol/mod.ts";

// deno-lint-ignore no-explicit-any
type ErrorClass<E extends Error> = new (...args: any[]) => E;

/** The promise rejects with an error of class `type`; returns it. */
async function rejection<E extends Error>(
  promise: Promise<unknown>,
  type: ErrorClass<E>,
): Promise<E> {
  const error = await assertRejects(() => promise);
  assert(error instanceof type, `expected a ${type.name}, got ${error}`);
  return error;
}

/** `fn` throws an error of class `type`; returns it. */
function thrown<E extends Error>(fn: () => unknown, type: ErrorClass<E>): E {
  const error = assertThrows(fn);
  assert(error instanceof type, `expected a ${type.name}, got ${error}`);
  return error;
}

interface Harness {
  circuit: ClientCircuit;
  /** The requests queued since the last call, decoded. */
  sent(): CARequest[];
  /** Feeds server messages as bytes. */
  reply(...messages: CAResponse[]): void;
  clock: { now: number };
  deadlines: number[];
  warnings: string[];
  readyCalls: { n: number };
}

function harness(version = CA_MINOR_VERSION): Harness {
  const clock = { now: 1000 };
  const deadlines: number[] = [];
  const warnings: string[] = [];
  const readyCalls = { n: 0 };
  const circuit = new ClientCircuit({
    ready: () => readyCalls.n++,
    deadline: (at) => deadlines.push(at),
    now: () => clock.now,
    warn: (message) => warnings.push(message),
  }, {
    key: "10.0.0.1:5064",
    version,
    maxPayload: 1 << 20,
    hostName: "host-a",
    userName: "user-a",
  });
  return {
    circuit,
    clock,
    deadlines,
    warnings,
    readyCalls,
    sent() {
      const reader = new FrameReader();
      const out: CARequest[] = [];
      for (const chunk of circuit.out.take()) {
        for (const raw of reader.push(chunk)) out.push(decodeRequest(raw));
      }
      return out;
    },
    reply(...messages) {
      circuit.receive(concat(messages.map((m) => encodeResponse(m))));
    },
  };
}

/** A circuit with channel `name` connected as a DOUBLE of `count` elements. */
function connected(
  name = "PV:A",
  count = 1,
): Harness & { channel: ChannelState } {
  const h = harness();
  const channel = new ChannelState(name, 42);
  h.circuit.createChannel(channel);
  h.sent();
  h.reply(
    { command: "ACCESS_RIGHTS", cid: 42, access: 3 },
    {
      command: "CREATE_CHAN",
      cid: 42,
      sid: 7,
      dataType: dbrType("double"),
      count,
    },
  );
  return { ...h, channel };
}

Deno.test("client circuit: queues the handshake, then CREATE_CHAN with the cid", () => {
  const h = harness();
  h.circuit.createChannel(new ChannelState("PV:A", 5));
  const sent = h.sent();
  assertEquals(sent.map((m) => m.command), [
    "VERSION",
    "HOST_NAME",
    "CLIENT_NAME",
    "CREATE_CHAN",
  ]);
  assertEquals(sent[0], {
    command: "VERSION",
    priority: 0,
    sequence: 0,
    version: CA_MINOR_VERSION,
  });
  assertEquals(sent[1], { command: "HOST_NAME", name: "host-a" });
  assertEquals(sent[2], { command: "CLIENT_NAME", name: "user-a" });
  assertEquals(sent[3], {
    command: "CREATE_CHAN",
    name: "PV:A",
    cid: 5,
    version: CA_MINOR_VERSION,
  });
  assertEquals(h.circuit.channelCount, 1);
});

Deno.test("client circuit: CREATE_CHAN and ACCESS_RIGHTS replies connect the channel", () => {
  const h = harness();
  const channel = new ChannelState("PV:A", 9);
  const events: string[] = [];
  channel.listen({
    connected: () => events.push(`connected sid ${channel.sid}`),
    lost: (reason, was) => events.push(`lost ${was} ${reason}`),
  });
  h.circuit.createChannel(channel);
  h.reply(
    { command: "ACCESS_RIGHTS", cid: 9, access: ACCESS_READ },
    { command: "CREATE_CHAN", cid: 9, sid: 77, dataType: 5, count: 3 },
  );
  assert(channel.connected);
  assertEquals(channel.sid, 77);
  assertEquals(channel.nativeType, "long");
  assertEquals(channel.count, 3);
  assertEquals(channel.access, { read: true, write: false });
  assertEquals(channel.host, "10.0.0.1:5064");
  assertEquals(events, ["connected sid 77"]);
  // a reply for an unknown cid changes nothing
  h.reply({ command: "CREATE_CHAN", cid: 1234, sid: 1, dataType: 0, count: 1 });
  assertEquals(h.circuit.channelCount, 1);
});

Deno.test("client circuit: a read sends READ_NOTIFY with sid and a fresh ioid, the reply resolves it", async () => {
  const h = connected();
  const a = h.circuit.read(h.channel, {
    dataType: dbrType("double"),
    count: 0,
    timeout: 2,
  });
  const b = h.circuit.read(h.channel, {
    dataType: dbrType("long"),
    count: 1,
    timeout: 2,
  });
  const sent = h.sent();
  assertEquals(sent.length, 2);
  const [ra, rb] = sent as Extract<CARequest, { command: "READ_NOTIFY" }>[];
  assertEquals([ra.command, ra.sid, ra.dataType, ra.count], [
    "READ_NOTIFY",
    7,
    6,
    0,
  ]);
  assert(ra.ioid !== rb.ioid, "every request has its own ioid");
  assertEquals(rb.ioid, (ra.ioid + 1) >>> 0);
  assertEquals(h.circuit.pendingCount, 2);
  assertEquals(h.deadlines, [3000, 3000]); // now + timeout, told to the transport
  // replies in the other order
  h.reply({
    command: "READ_NOTIFY",
    dataType: dbrType("long"),
    count: 1,
    status: ECA.ECA_NORMAL,
    id: rb.ioid,
    payload: encodeDbr(dbrType("long"), { value: -5 }),
  }, {
    command: "READ_NOTIFY",
    dataType: dbrType("double"),
    count: 1,
    status: ECA.ECA_NORMAL,
    id: ra.ioid,
    payload: encodeDbr(dbrType("double"), { value: 2.5 }),
  });
  assertEquals(await b, { name: "PV:A", type: "long", count: 1, value: -5 });
  assertEquals(await a, { name: "PV:A", type: "double", count: 1, value: 2.5 });
  assertEquals(h.circuit.pendingCount, 0);
});

Deno.test("client circuit: a read into a caller's buffer fills it and returns the view", async () => {
  const h = connected("PV:WF", 4);
  const into = new Float64Array(6);
  const p = h.circuit.read(
    h.channel,
    { dataType: dbrType("double", "time"), count: 0, timeout: 2 },
    into,
  );
  const [req] = h.sent() as Extract<CARequest, { command: "READ_NOTIFY" }>[];
  h.reply({
    command: "READ_NOTIFY",
    dataType: dbrType("double", "time"),
    count: 4,
    status: ECA.ECA_NORMAL,
    id: req.ioid,
    payload: encodeDbr(dbrType("double", "time"), {
      value: new Float64Array([1, 2, 3, 4]),
      count: 4,
      severity: 1,
    }),
  });
  const v = await p;
  assert(v.value instanceof Float64Array);
  assertEquals(v.value.buffer, into.buffer, "the value is a view of `into`");
  assertEquals([...v.value], [1, 2, 3, 4]);
  assertEquals(v.severity, 1);
  // a reply longer than the buffer is a clear error
  const small = new Float64Array(2);
  const q = h.circuit.read(
    h.channel,
    { dataType: dbrType("double"), count: 0, timeout: 2 },
    small,
  );
  const [req2] = h.sent() as Extract<CARequest, { command: "READ_NOTIFY" }>[];
  h.reply({
    command: "READ_NOTIFY",
    dataType: dbrType("double"),
    count: 4,
    status: ECA.ECA_NORMAL,
    id: req2.ioid,
    payload: encodeDbr(dbrType("double"), {
      value: new Float64Array([1, 2, 3, 4]),
      count: 4,
    }),
  });
  const error = await rejection(q, CAError);
  assertEquals(error.status, "ECA_BADCOUNT");
  assertMatch(error.message, /PV:WF: .*4 elements; the buffer holds 2/);
});

Deno.test("client circuit: a failed read and an ERROR reply reject with the server's status", async () => {
  const h = connected();
  const a = h.circuit.read(h.channel, { dataType: 6, count: 1, timeout: 2 });
  const b = h.circuit.read(h.channel, { dataType: 6, count: 1, timeout: 2 });
  const [ra, rb] = h.sent() as Extract<CARequest, { command: "READ_NOTIFY" }>[];
  h.reply({
    command: "READ_NOTIFY",
    dataType: 6,
    count: 1,
    status: ECA.ECA_NORDACCESS,
    id: ra.ioid,
    payload: new Uint8Array(0),
  }, {
    command: "ERROR",
    cid: 42,
    status: ECA.ECA_BADTYPE,
    request: {
      command: Command.READ_NOTIFY,
      dataType: 6,
      dataCount: 1,
      param1: 7,
      param2: rb.ioid,
    },
    message: "no such type",
  });
  assertEquals((await rejection(a, CAError)).status, "ECA_NORDACCESS");
  const eb = await rejection(b, CAError);
  assertEquals(eb.status, "ECA_BADTYPE");
  assertMatch(eb.message, /PV:A: ECA_BADTYPE \(no such type\)/);
});

Deno.test("client circuit: puts with and without completion", async () => {
  const h = connected();
  const payload = encodeDbr(6, { value: 3 });
  h.circuit.write(h.channel, { dataType: 6, count: 1, payload });
  const done = h.circuit.writeNotify(
    h.channel,
    { dataType: 6, count: 1, payload },
    2,
  );
  const [w, wn] = h.sent() as Extract<
    CARequest,
    { command: "WRITE" | "WRITE_NOTIFY" }
  >[];
  assertEquals([w.command, w.sid], ["WRITE", 7]);
  assertEquals([wn.command, wn.sid], ["WRITE_NOTIFY", 7]);
  assert(w.ioid !== wn.ioid);
  h.reply({
    command: "WRITE_NOTIFY",
    dataType: 6,
    count: 1,
    status: ECA.ECA_PUTFAIL,
    ioid: wn.ioid,
  });
  assertEquals(await done, ECA.ECA_PUTFAIL);
});

Deno.test("client circuit: subscriptions get a new subid per circuit and deliver updates", () => {
  const h = harness();
  const channel = new ChannelState("PV:M", 3);
  const seen: CAValue[] = [];
  const sub = new SubscriptionState(channel, (v) => seen.push(v), {
    mask: 5,
  });
  channel.subscriptions.add(sub); // before the channel connects
  h.circuit.createChannel(channel);
  h.sent();
  h.reply({ command: "CREATE_CHAN", cid: 3, sid: 11, dataType: 1, count: 1 });
  const [add] = h.sent() as Extract<CARequest, { command: "EVENT_ADD" }>[];
  assertEquals(add.command, "EVENT_ADD");
  assertEquals([add.sid, add.subid, add.mask, add.dataType], [
    11,
    sub.subid,
    5,
    dbrType("short", "time"),
  ]);
  h.reply({
    command: "EVENT_ADD",
    dataType: dbrType("short", "time"),
    count: 1,
    status: ECA.ECA_NORMAL,
    id: sub.subid,
    payload: encodeDbr(dbrType("short", "time"), { value: 12 }),
  });
  assertEquals(seen.map((v) => v.value), [12]);
  h.circuit.unsubscribe(sub);
  const [cancel] = h.sent() as Extract<
    CARequest,
    { command: "EVENT_CANCEL" }
  >[];
  assertEquals([cancel.command, cancel.subid], ["EVENT_CANCEL", add.subid]);
  assertEquals(sub.subid, 0);
});

Deno.test("client circuit: losses reject requests with ECA_DISCONN and detach channels", async () => {
  const h = connected();
  const losses: string[] = [];
  h.channel.listen({ connected: () => {}, lost: (r) => losses.push(r) });
  const a = h.circuit.read(h.channel, { dataType: 6, count: 1, timeout: 2 });
  h.reply({ command: "SERVER_DISCONN", cid: 42 });
  const ea = await rejection(a, CAError);
  assertEquals(ea.status, "ECA_DISCONN");
  assertEquals(losses, ["the server dropped the channel"]);
  assert(!h.channel.connected);
  assertEquals(h.circuit.channelCount, 0);

  const g = connected("PV:B");
  const b = g.circuit.read(g.channel, { dataType: 6, count: 1, timeout: 2 });
  assertEquals(g.circuit.lose("EOF"), [g.channel]);
  const eb = await rejection(b, CAError);
  assertMatch(
    eb.message,
    /PV:B: ECA_DISCONN \(circuit to 10.0.0.1:5064 lost: EOF\)/,
  );
  assertEquals(g.circuit.out.bytes, 0);
});

Deno.test("client circuit: requests past their deadline fail with ECA_TIMEOUT", async () => {
  const h = connected();
  const a = h.circuit.read(h.channel, { dataType: 6, count: 1, timeout: 1 });
  h.clock.now = 1500;
  const b = h.circuit.read(h.channel, { dataType: 6, count: 1, timeout: 1 });
  assertEquals(h.circuit.expire(1999), 2500);
  const ea = await rejection(a, CAError);
  assertEquals(ea.status, "ECA_TIMEOUT");
  assertMatch(ea.message, /no reply from 10.0.0.1:5064 within 1 s/);
  assertEquals(h.circuit.pendingCount, 1);
  assertEquals(h.circuit.expire(2500), Infinity);
  await rejection(b, CAError);
});

Deno.test("client circuit: illegal requests are local protocol errors", () => {
  const h = harness();
  const channel = new ChannelState("PV:X", 1);
  const e = thrown(
    () => h.circuit.read(channel, { dataType: 6, count: 1, timeout: 1 }),
    LocalProtocolError,
  );
  assertEquals(e.side, "local");
  assertMatch(
    e.message,
    /local protocol error: READ_NOTIFY on PV:X: the channel is not connected on 10.0.0.1:5064/,
  );
  h.circuit.createChannel(channel);
  assertEquals(
    thrown(() => h.circuit.createChannel(channel), LocalProtocolError)
      .side,
    "local",
  );
});

Deno.test("client circuit: malformed or illegal server messages are remote protocol errors", async () => {
  const h = connected();
  // a WRITE_NOTIFY completion for a read request
  const a = h.circuit.read(h.channel, { dataType: 6, count: 1, timeout: 1 });
  const [req] = h.sent() as Extract<CARequest, { command: "READ_NOTIFY" }>[];
  h.reply({
    command: "WRITE_NOTIFY",
    dataType: 6,
    count: 1,
    status: ECA.ECA_NORMAL,
    ioid: req.ioid,
  });
  const ea = await rejection(a, RemoteProtocolError);
  assertEquals(ea.side, "remote");
  // a header announcing more than the circuit accepts
  const extended = oversizedHeader(Command.READ_NOTIFY);
  const e = thrown(() => h.circuit.receive(extended), RemoteProtocolError);
  assertEquals(e.side, "remote");
  assertMatch(e.message, /remote protocol error: .*1073741824-byte payload/);
});

Deno.test("client circuit: a 4.11 server is asked for the native count", () => {
  const h = harness(11);
  const channel = new ChannelState("PV:OLD", 1);
  h.circuit.createChannel(channel);
  h.reply({ command: "CREATE_CHAN", cid: 1, sid: 2, dataType: 6, count: 9 });
  assertEquals(h.circuit.requestCount(channel), 9);
  assertEquals(h.circuit.requestCount(channel, 3), 3);
  h.reply({ command: "VERSION", priority: 0, version: CA_MINOR_VERSION });
  assertEquals(h.circuit.requestCount(channel), 0);
});

Deno.test("IdAllocator: ids from 1, never 0 after wrapping", () => {
  const ids = new IdAllocator();
  assertEquals([ids.next(), ids.next()], [1, 2]);
});

Deno.test("client circuit: a large plain reply is received straight into the caller's buffer", async () => {
  const n = 20_000; // 160 kB: a payload of its own
  const h = connected("PV:BIG", n);
  const data = Float64Array.from({ length: n }, (_, i) => i * 0.25 - 3);
  const reply = encodeResponse({
    command: "READ_NOTIFY",
    dataType: dbrType("double"),
    count: n,
    status: ECA.ECA_NORMAL,
    id: 1, // the first ioid of this circuit
    payload: encodeDbr(dbrType("double"), { value: data, count: n }),
  });
  /** A get into a new buffer, and the reply to it. */
  const getInto = () => {
    const into = new Float64Array(n);
    const p = h.circuit.read(
      h.channel,
      { dataType: dbrType("double"), count: 0, timeout: 2 },
      into,
    );
    const [req] = h.sent() as Extract<CARequest, { command: "READ_NOTIFY" }>[];
    const bytes = reply.slice();
    new DataView(bytes.buffer).setUint32(12, req.ioid); // this request's ioid
    return { into, p, bytes };
  };
  for (const step of [7001, 65536, reply.length]) {
    const { into, p, bytes } = getInto();
    const last = bytes.length - 8;
    for (let at = 0; at < last; at += step) {
      h.circuit.receive(bytes.subarray(at, Math.min(at + step, last)));
    }
    // received (and byte-swapped) into the buffer before the reply is complete
    assertEquals(into[1], data[1]);
    h.circuit.receive(bytes.subarray(last));
    const v = await p;
    assertEquals(v.value, data);
    assertEquals((v.value as Float64Array).buffer, into.buffer);
  }
  // a monitor update of the same size never lands in a get's buffer
  const { into, p, bytes: answer } = getInto();
  const event = reply.slice();
  new DataView(event.buffer).setUint16(0, Command.EVENT_ADD);
  h.circuit.receive(event);
  assertEquals(into[1], 0, "the update was not written into the buffer");
  h.circuit.receive(answer);
  assertEquals((await p).value, data);
});
