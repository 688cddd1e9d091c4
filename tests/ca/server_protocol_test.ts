/**
 * Our CA server at the protocol level over real sockets: UDP search replies,
 * beacons, subscriptions with EVENTS_OFF/ON, cancel/clear, clients vanishing
 * mid-transfer and bad packets closing only their own circuit.
 */
import dgram from "node:dgram";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import {
  type CAResponse,
  type DataResponse,
  dbrType,
  decodeDbr,
  decodeResponse,
  encodeDbr,
  encodeRequest,
  splitDatagram,
} from "../../lib/ca/codec/mod.ts";
import { ECA } from "../../lib/ca/errors.ts";
import { CAServer } from "../../lib/ca/server.ts";
import {
  BIG,
  fixturePV,
  RawClient,
  startFixture,
  until,
  withTimeout,
} from "./server_support.ts";

/** A UDP socket on 127.0.0.1 that queues what it receives. */
async function udpSocket(port = 0): Promise<{
  socket: dgram.Socket;
  port: number;
  next(timeout?: number): Promise<CAResponse[]>;
  close(): Promise<void>;
}> {
  const socket = dgram.createSocket("udp4");
  const queue: CAResponse[][] = [];
  let wake: (() => void) | undefined;
  socket.on("message", (msg: Uint8Array) => {
    queue.push(splitDatagram(msg).map(decodeResponse));
    wake?.();
  });
  await new Promise<void>((r) => socket.bind(port, "127.0.0.1", r));
  return {
    socket,
    port: socket.address().port,
    async next(timeout = 5) {
      const deadline = Date.now() + timeout * 1000;
      while (queue.length === 0) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no datagram within ${timeout} s`);
        let timer: ReturnType<typeof setTimeout> | undefined;
        await new Promise<void>((r) => {
          wake = r;
          timer = setTimeout(r, left);
        });
        clearTimeout(timer);
      }
      return queue.shift()!;
    },
    close: () => new Promise<void>((r) => socket.close(() => r())),
  };
}

Deno.test("server: UDP search answers known names, NOT_FOUND only when asked", async () => {
  await using f = await startFixture();
  const udp = await udpSocket();
  try {
    const search = (name: string, cid: number, reply: boolean): void => {
      const bytes = new Uint8Array([
        ...encodeRequest({ command: "VERSION", priority: 0, version: 13 }),
        ...encodeRequest({ command: "SEARCH", name, cid, version: 13, reply }),
      ]);
      udp.socket.send(bytes, f.udpPort, "127.0.0.1");
    };
    search("NOPE:QUIET", 1, false); // must not be answered
    search("T:DOUBLE", 2, false);
    const found = await udp.next();
    assertEquals(found[0].command, "VERSION");
    const reply = found[1] as Extract<CAResponse, { command: "SEARCH" }>;
    assertEquals([reply.command, reply.cid, reply.port], [
      "SEARCH",
      2,
      f.tcpPort,
    ]);
    assertEquals(reply.address, "127.0.0.1");
    search("NOPE:LOUD", 3, true);
    const nf = await udp.next();
    assertEquals(nf, [{ command: "NOT_FOUND", cid: 3, version: 13 }]);
    udp.socket.send(new Uint8Array([1, 2, 3]), f.udpPort, "127.0.0.1"); // garbage: ignored
    search("T:WF:BIG", 4, true);
    const big = await udp.next();
    assertEquals((big[1] as { cid: number }).cid, 4);
  } finally {
    await udp.close();
  }
});

Deno.test("server: RSRV_IS_UP beacons with increasing ids and the TCP port", async () => {
  const udp = await udpSocket();
  try {
    await using f = await startFixture("T:", { beaconPort: udp.port });
    const t0 = performance.now();
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const [b] = await udp.next();
      assertEquals(b.command, "RSRV_IS_UP");
      const beacon = b as Extract<CAResponse, { command: "RSRV_IS_UP" }>;
      assertEquals(beacon.port, f.tcpPort);
      assertEquals(beacon.version, 13);
      ids.push(beacon.beaconId);
    }
    const took = performance.now() - t0;
    // (datagrams sent in quick succession may be delivered out of order)
    assertEquals(ids.sort((a, b) => a - b), [0, 1, 2, 3, 4]);
    // back-off: 20, 40, 80, 160 ms between the first five (no back-off: 80 ms)
    assert(took >= 250, `5 beacons in ${took} ms: the period does not grow`);
  } finally {
    await udp.close();
  }
});

Deno.test("server: channel life cycle, access rights, read, write-notify, cancel, clear", async () => {
  await using f = await startFixture();
  const c = await RawClient.connect(f.tcpPort);
  try {
    const ro = await c.createChannel("T:RO", 1);
    assertEquals([ro.access, ro.dataType, ro.count], [1, dbrType("long"), 1]);
    const ch = await c.createChannel("T:DOUBLE", 2);
    assertEquals([ch.access, ch.dataType, ch.count], [3, dbrType("double"), 1]);
    c.send(
      encodeRequest({
        command: "CREATE_CHAN",
        name: "NOPE",
        cid: 3,
        version: 13,
      }),
    );
    assertEquals(await c.next((r) => r.command === "CREATE_CH_FAIL"), {
      command: "CREATE_CH_FAIL",
      cid: 3,
    });
    // read as string with the PV's precision
    c.send(
      encodeRequest({
        command: "READ_NOTIFY",
        dataType: 0,
        count: 1,
        sid: ch.sid,
        ioid: 7,
      }),
    );
    const read = await c.next((r) =>
      r.command === "READ_NOTIFY"
    ) as DataResponse;
    assertEquals(read.status, ECA.ECA_NORMAL);
    assertEquals(decodeDbr(0, 1, read.payload).value, "3.250");
    // write-notify to the read-only PV: ECA_NOWTACCESS
    c.send(encodeRequest({
      command: "WRITE_NOTIFY",
      dataType: dbrType("long"),
      count: 1,
      sid: ro.sid,
      ioid: 8,
      payload: encodeDbr(dbrType("long"), { value: 1 }),
    }));
    const wn = await c.next((r) => r.command === "WRITE_NOTIFY");
    assertEquals((wn as { status: number }).status, ECA.ECA_NOWTACCESS);
    // subscribe, get the initial value, cancel, get the confirmation
    const pv = fixturePV(f, "T:DOUBLE");
    c.send(encodeRequest({
      command: "EVENT_ADD",
      dataType: dbrType("double", "time"),
      count: 1,
      sid: ch.sid,
      subid: 11,
      mask: 1,
    }));
    const first = await c.next((r) =>
      r.command === "EVENT_ADD"
    ) as DataResponse;
    assertEquals(decodeDbr(first.dataType, 1, first.payload).value, 3.25);
    assertEquals(pv.subscriberCount, 1);
    c.send(encodeRequest({
      command: "EVENT_CANCEL",
      dataType: first.dataType,
      count: 1,
      sid: ch.sid,
      subid: 11,
    }));
    const cancel = await c.next((r) => r.command === "EVENT_ADD") as {
      count: number;
      id: number;
    };
    assertEquals([cancel.count, cancel.id], [0, 11]);
    assertEquals(pv.subscriberCount, 0);
    c.send(encodeRequest({ command: "CLEAR_CHANNEL", sid: ch.sid, cid: 2 }));
    assertEquals(await c.next((r) => r.command === "CLEAR_CHANNEL"), {
      command: "CLEAR_CHANNEL",
      sid: ch.sid,
      cid: 2,
    });
    c.send(
      encodeRequest({
        command: "READ_NOTIFY",
        dataType: 6,
        count: 1,
        sid: ch.sid,
        ioid: 9,
      }),
    );
    const err = await c.next((r) => r.command === "ERROR");
    assertEquals((err as { status: number }).status, ECA.ECA_BADCHID);
    c.send(encodeRequest({ command: "ECHO" }));
    await c.next((r) => r.command === "ECHO");
  } finally {
    await c.close();
  }
});

Deno.test("server: EVENTS_OFF holds monitors back; EVENTS_ON sends only the latest", async () => {
  await using f = await startFixture();
  const c = await RawClient.connect(f.tcpPort);
  try {
    const ch = await c.createChannel("T:LONG", 1);
    c.send(encodeRequest({
      command: "EVENT_ADD",
      dataType: dbrType("long"),
      count: 1,
      sid: ch.sid,
      subid: 5,
      mask: 5,
    }));
    await c.next((r) => r.command === "EVENT_ADD");
    c.send(encodeRequest({ command: "EVENTS_OFF" }));
    c.send(encodeRequest({ command: "ECHO" }));
    await c.next((r) => r.command === "ECHO"); // EVENTS_OFF has been processed
    const pv = fixturePV(f, "T:LONG");
    for (let i = 1; i <= 5; i++) pv.set(i);
    c.send(encodeRequest({ command: "ECHO" }));
    await c.next((r) => r.command === "ECHO");
    assertEquals(c.pending.filter((r) => r.command === "EVENT_ADD").length, 0);
    c.send(encodeRequest({ command: "EVENTS_ON" }));
    const ev = await c.next((r) => r.command === "EVENT_ADD") as {
      payload: Uint8Array;
    };
    assertEquals(decodeDbr(dbrType("long"), 1, ev.payload).value, 5);
    c.send(encodeRequest({ command: "ECHO" }));
    await c.next((r) => r.command === "ECHO");
    assertEquals(c.pending.filter((r) => r.command === "EVENT_ADD").length, 0);
  } finally {
    await c.close();
  }
});

Deno.test("server: a client vanishing mid-transfer of the 1e6 array is cleaned up", async () => {
  await using f = await startFixture();
  const big = fixturePV(f, "T:WF:BIG");
  for (let round = 0; round < 3; round++) {
    const c = await RawClient.connect(f.tcpPort);
    const ch = await c.createChannel("T:WF:BIG", 1);
    c.send(encodeRequest({
      command: "EVENT_ADD",
      dataType: dbrType("double"),
      count: 0,
      sid: ch.sid,
      subid: 1,
      mask: 1,
    }));
    for (let i = 0; i < 4; i++) {
      c.send(
        encodeRequest({
          command: "READ_NOTIFY",
          dataType: 6,
          count: BIG,
          sid: ch.sid,
          ioid: i,
        }),
      );
    }
    // take a little of the stream, then vanish
    await withTimeout(
      new Promise((r) => c.socket.once("data", r)),
      5,
      "first bytes of the big array",
    );
    await c.close();
  }
  await until(
    () => f.server.clientCount === 0,
    5,
    "server drops the vanished circuits",
  );
  assertEquals(big.subscriberCount, 0);
  // the server keeps serving others the whole array
  const other = await RawClient.connect(f.tcpPort);
  try {
    const ch = await other.createChannel("T:WF:BIG", 1);
    other.send(
      encodeRequest({
        command: "READ_NOTIFY",
        dataType: 6,
        count: 0,
        sid: ch.sid,
        ioid: 1,
      }),
    );
    const r = await other.next((m) => m.command === "READ_NOTIFY") as {
      count: number;
      payload: Uint8Array;
    };
    assertEquals(r.count, BIG);
    const v = decodeDbr(6, r.count, r.payload).value as Float64Array;
    assertEquals([v[0], v[1], v[BIG - 1]], [0, 0.5, (BIG - 1) * 0.5]);
  } finally {
    await other.close();
  }
});

Deno.test("server: a bad packet closes only its circuit, with a logged reason", async () => {
  const records: LogRecord[] = [];
  await configure({
    reset: true,
    sinks: { mem: (r: LogRecord) => records.push(r) },
    loggers: [
      {
        category: ["fws", "ca", "server"],
        lowestLevel: "warning",
        sinks: ["mem"],
      },
      { category: ["logtape", "meta"], lowestLevel: "error", sinks: [] },
    ],
  });
  try {
    await using f = await startFixture();
    const good = await RawClient.connect(f.tcpPort);
    const bad = await RawClient.connect(f.tcpPort);
    try {
      const ch = await good.createChannel("T:DOUBLE", 1);
      // a header announcing a 1 GiB payload (extended header)
      const header = new Uint8Array(24);
      const view = new DataView(header.buffer);
      view.setUint16(0, 4);
      view.setUint16(2, 0xffff);
      view.setUint32(16, 1 << 30);
      view.setUint32(20, 1);
      bad.send(header);
      await bad.whenClosed();
      good.send(
        encodeRequest({
          command: "READ_NOTIFY",
          dataType: 6,
          count: 1,
          sid: ch.sid,
          ioid: 2,
        }),
      );
      const r = await good.next((m) => m.command === "READ_NOTIFY") as {
        payload: Uint8Array;
      };
      assertEquals(decodeDbr(6, 1, r.payload).value, 3.25);
      // an unknown command closes the circuit too
      const bad2 = await RawClient.connect(f.tcpPort);
      const junk = new Uint8Array(16);
      new DataView(junk.buffer).setUint16(0, 999);
      bad2.send(junk);
      await bad2.whenClosed();
      assert(!good.closed);
    } finally {
      await good.close();
      await bad.close();
    }
    const messages = records.map((r) => r.message.join(""));
    assert(
      messages.some((m) =>
        /closed: bad message: .*1073741824-byte payload/.test(m)
      ),
      `no logged reason in ${JSON.stringify(messages)}`,
    );
    assertMatch(messages.join("\n"), /unexpected CA command 999/);
  } finally {
    await reset();
  }
});

Deno.test("server: EPICS_CAS_SERVER_PORT and EPICS_CAS_INTF_ADDR_LIST configure a server without options", async () => {
  const { freePort } = await import("../support/epics.ts");
  const port = await freePort();
  const saved = [
    "EPICS_CAS_SERVER_PORT",
    "EPICS_CAS_INTF_ADDR_LIST",
    "EPICS_CAS_BEACON_PORT",
  ]
    .map((k) => [k, Deno.env.get(k)] as const);
  Deno.env.set("EPICS_CAS_SERVER_PORT", String(port));
  Deno.env.set("EPICS_CAS_INTF_ADDR_LIST", "127.0.0.1");
  Deno.env.set("EPICS_CAS_BEACON_PORT", "1");
  const server = new CAServer();
  try {
    server.addPV("ENV:PV", { type: "long", value: 5 });
    assertEquals(await server.start(), { tcpPort: port, udpPort: port });
  } finally {
    for (const [k, v] of saved) {
      v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    }
  }
  try {
    const c = await RawClient.connect(port);
    try {
      const ch = await c.createChannel("ENV:PV", 1);
      assertEquals(ch.count, 1);
    } finally {
      await c.close();
    }
    // a second server asking for the same TCP port by environment falls back to a free one
    Deno.env.set("EPICS_CAS_SERVER_PORT", String(port));
    const other = new CAServer({ intfAddrList: ["127.0.0.1"], beaconPort: 1 });
    try {
      const ports = await other.start();
      assert(
        ports.tcpPort !== port,
        "the taken TCP port must be replaced by a free one",
      );
      assertEquals(ports.udpPort, port); // UDP search port is shared (SO_REUSEADDR), as with rsrv
    } finally {
      Deno.env.delete("EPICS_CAS_SERVER_PORT");
      await other.close();
    }
  } finally {
    await server.close();
  }
});

Deno.test("server: a client that stops reading gets coalesced monitors, memory stays bounded", async () => {
  await using f = await startFixture();
  const big = fixturePV(f, "T:WF:BIG");
  const c = await RawClient.connect(f.tcpPort);
  try {
    const ch = await c.createChannel("T:WF:BIG", 1);
    c.send(encodeRequest({
      command: "EVENT_ADD",
      dataType: dbrType("double"),
      count: 0,
      sid: ch.sid,
      subid: 3,
      mask: 1,
    }));
    await c.next((r) => r.command === "EVENT_ADD", 10);
    c.socket.pause(); // stop reading: the server's queue must not grow per update
    const data = new Float64Array(BIG);
    let maxQueued = 0;
    for (let i = 1; i <= 20; i++) {
      data[0] = i;
      big.set(data);
      maxQueued = Math.max(maxQueued, f.server.circuits[0].queuedBytes);
      if (i % 5 === 0) await new Promise((r) => setTimeout(r, 0)); // let the socket work
    }
    // at most the high-water mark plus one 8 MB update is ever queued
    assert(
      maxQueued < 4e6 + 8.1e6,
      `${
        (maxQueued / 1e6).toFixed(0)
      } MB queued for a client that does not read`,
    );
    c.socket.resume();
    // the updates that arrive end with the latest value, and there are few
    let last = 0;
    let received = 0;
    while (last !== 20) {
      const ev = await c.next(
        (r) => r.command === "EVENT_ADD",
        10,
      ) as DataResponse;
      received++;
      last =
        (decodeDbr(ev.dataType, ev.count, ev.payload).value as Float64Array)[0];
    }
    assert(
      received < 20,
      `${received} of 20 updates were queued: not coalesced`,
    );
  } finally {
    await c.close();
  }
});

Deno.test("server: DBE_PROPERTY and DBE_ALARM masks see only their events", async () => {
  await using f = await startFixture();
  const c = await RawClient.connect(f.tcpPort);
  try {
    const ch = await c.createChannel("T:DOUBLE", 1);
    const ctrl = dbrType("double", "ctrl");
    for (const [subid, mask] of [[1, 8], [2, 4]]) {
      c.send(
        encodeRequest({
          command: "EVENT_ADD",
          dataType: ctrl,
          count: 1,
          sid: ch.sid,
          subid,
          mask,
        }),
      );
    }
    const initial = [
      await c.next((r) => r.command === "EVENT_ADD"),
      await c.next((r) => r.command === "EVENT_ADD"),
    ] as DataResponse[];
    assertEquals(initial.map((r) => r.id).sort(), [1, 2]);
    const pv = fixturePV(f, "T:DOUBLE");
    pv.set(5); // value only: neither mask
    pv.updateProperties({ units: "um" }); // property: subscription 1
    pv.setAlarm(3, 2); // alarm: subscription 2
    const a = await c.next((r) => r.command === "EVENT_ADD") as DataResponse;
    const b = await c.next((r) => r.command === "EVENT_ADD") as DataResponse;
    assertEquals([a.id, decodeDbr(ctrl, 1, a.payload).units], [1, "um"]);
    assertEquals([b.id, decodeDbr(ctrl, 1, b.payload).severity], [2, 2]);
    c.send(encodeRequest({ command: "ECHO" }));
    await c.next((r) => r.command === "ECHO");
    assertEquals(c.pending.filter((r) => r.command === "EVENT_ADD").length, 0);
  } finally {
    await c.close();
  }
});
