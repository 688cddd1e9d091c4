/**
 * The client against a scripted CA server built from the codec, to provoke
 * what a well-behaved server never does: malformed frames, silence, dropped
 * channels, errors.
 */
import dgram from "node:dgram";
import {
  CAClient,
  CAError,
  type CARequest,
  CAServer,
  dbrType,
  ECA,
  splitDatagram,
} from "../../lib/ca/mod.ts";
import { assert, assertEquals, assertRejects } from "../support/assert.ts";
import { Peer, standard } from "./peer.ts";

function clientFor(peer: Peer, extra = {}): CAClient {
  return new CAClient({
    addrList: [`127.0.0.1:${peer.udpPort}`],
    autoAddrList: false,
    timeout: 2,
    repeaterPort: peer.udpPort,
    ...extra,
  });
}

function disconnected(client: CAClient, name: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    client.channel(name).addEventListener("connection", (e) => {
      if (!(e as CustomEvent<{ connected: boolean }>).detail.connected) {
        resolve(performance.now() - t0);
      }
    });
  });
}

Deno.test("peer: handshake is VERSION, HOST_NAME, CLIENT_NAME, then CREATE_CHAN", async () => {
  const peer = new Peer(standard);
  await peer.start();
  const client = clientFor(peer);
  try {
    assertEquals((await client.get("P:X")).value, 1.5);
    assertEquals(
      peer.requests.slice(0, 4).map((r) => r.command),
      ["VERSION", "HOST_NAME", "CLIENT_NAME", "CREATE_CHAN"],
    );
    const version = peer.requests[0] as Extract<
      CARequest,
      { command: "VERSION" }
    >;
    assertEquals(version.version, 13);
    const read = peer.requests.find((r) =>
      r.command === "READ_NOTIFY"
    ) as Extract<CARequest, { command: "READ_NOTIFY" }>;
    assertEquals(read.count, 0, "V4.13 server: ask for the current count");
    assertEquals(read.dataType, dbrType("double"));
  } finally {
    await client.close();
    await peer.close();
  }
});

Deno.test("peer: a malformed frame closes only that circuit, which then recovers", async () => {
  let poison = true;
  const peer = new Peer((msg, send) => {
    if (msg.command === "READ_NOTIFY" && poison) {
      poison = false;
      // an extended header announcing a 1 GiB payload
      const frame = new Uint8Array(24);
      const view = new DataView(frame.buffer);
      view.setUint16(0, 15); // READ_NOTIFY
      view.setUint16(2, 0xffff);
      view.setUint16(4, 6);
      view.setUint32(12, msg.ioid);
      view.setUint32(16, 1 << 30);
      view.setUint32(20, 1 << 27);
      send(frame);
      return;
    }
    standard(msg, send);
  });
  await peer.start();
  const good = new CAServer({
    serverPort: 0,
    udpPort: 0,
    intfAddrList: ["127.0.0.1"],
    beaconAddrList: [],
  });
  good.addPV("G:Y", { type: "long", value: 7 });
  const { udpPort } = await good.start();
  const client = new CAClient({
    addrList: [`127.0.0.1:${peer.udpPort}`, `127.0.0.1:${udpPort}`],
    autoAddrList: false,
    timeout: 2,
    repeaterPort: peer.udpPort,
  });
  try {
    await client.channel("P:X").waitConnected(2);
    assertEquals((await client.get("G:Y")).value, 7);
    const lost = disconnected(client, "P:X");
    const error = await assertRejects(
      () => client.get("P:X"),
      /P:X: ECA_DISCONN .*protocol error.*1073741824-byte payload/,
    );
    assertEquals((error as CAError).status, "ECA_DISCONN");
    await lost;
    assert(client.channel("G:Y").connected, "the other circuit is untouched");
    assertEquals((await client.get("G:Y")).value, 7);
    // the channel searches again and reconnects by itself
    assertEquals((await client.get("P:X")).value, 1.5);
  } finally {
    await client.close();
    await good.close();
    await peer.close();
  }
});

Deno.test("peer: a silent server is declared dead after EPICS_CA_CONN_TMO", async () => {
  let silent = false;
  const peer = new Peer((msg, send) => {
    if (!silent) standard(msg, send);
  });
  await peer.start();
  const client = clientFor(peer, { connectionTimeout: 0.3 });
  try {
    await client.channel("P:X").waitConnected(2);
    silent = true;
    const ms = await disconnected(client, "P:X");
    console.log(
      `silent server detected after ${
        ms.toFixed(0)
      } ms (EPICS_CA_CONN_TMO 0.3 s)`,
    );
    assert(ms >= 300 && ms < 2000, `${ms} ms`);
    assert(
      peer.requests.some((r) => r.command === "ECHO"),
      "an ECHO probe was sent",
    );
    silent = false;
    await client.channel("P:X").waitConnected(3);
  } finally {
    await client.close();
    await peer.close();
  }
});

Deno.test("peer: SERVER_DISCONN and CREATE_CH_FAIL send the channel back to search", async () => {
  let refuse = false;
  const peer = new Peer((msg, send) => {
    if (msg.command === "CREATE_CHAN" && refuse) {
      send({ command: "CREATE_CH_FAIL", cid: msg.cid });
      return;
    }
    standard(msg, send);
    if (msg.command === "CREATE_CHAN" && msg.name === "P:GONE") {
      send({ command: "SERVER_DISCONN", cid: msg.cid });
      refuse = true;
    }
  });
  await peer.start();
  const client = clientFor(peer);
  try {
    const ch = client.channel("P:GONE");
    const lost = disconnected(client, "P:GONE");
    await ch.waitConnected(2);
    await lost;
    const before = peer.searches;
    await new Promise((r) => setTimeout(r, 300));
    assert(peer.searches > before, "searching again");
    assert(!ch.connected);
    refuse = false;
    await ch.waitConnected(3);
  } finally {
    await client.close();
    await peer.close();
  }
});

Deno.test("peer: server ERROR and bad status become CAErrors naming the PV", async () => {
  const peer = new Peer((msg, send) => {
    if (msg.command === "READ_NOTIFY") {
      send({
        command: "ERROR",
        cid: 1,
        status: ECA.ECA_NORDACCESS,
        request: {
          command: 15,
          dataType: msg.dataType,
          dataCount: msg.count,
          param1: msg.sid,
          param2: msg.ioid,
        },
        message: "no read access today",
      });
    } else if (msg.command === "WRITE_NOTIFY") {
      send({
        command: "WRITE_NOTIFY",
        dataType: msg.dataType,
        count: 1,
        status: ECA.ECA_PUTFAIL,
        ioid: msg.ioid,
      });
    } else standard(msg, send);
  });
  await peer.start();
  const client = clientFor(peer);
  try {
    const read = await assertRejects(
      () => client.get("P:E"),
      /P:E: ECA_NORDACCESS \(no read access today\)/,
    );
    assertEquals((read as CAError).status, "ECA_NORDACCESS");
    const write = await assertRejects(
      () => client.put("P:E", 3, { wait: true }),
      /P:E: ECA_PUTFAIL/,
    );
    assertEquals((write as CAError).pv, "P:E");
    const slow = await assertRejects(
      () => client.get("P:E", { form: "ctrl", timeout: 0.01 }),
      /P:E: ECA/,
    );
    assert(slow instanceof CAError);
  } finally {
    await client.close();
    await peer.close();
  }
});

Deno.test("peer: search back-off grows, and maxSearchPeriod caps it", async () => {
  const sock = dgram.createSocket("udp4");
  const times: number[] = [];
  sock.on("message", (m) => {
    if (splitDatagram(m).some((r) => r.command === 6)) {
      times.push(performance.now());
    }
  });
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
  const client = new CAClient({
    addrList: [`127.0.0.1:${sock.address().port}`],
    autoAddrList: false,
    maxSearchPeriod: 0.2,
    repeaterPort: sock.address().port,
  });
  try {
    const ch = client.channel("NOBODY:HOME");
    await assertRejects(
      () => ch.waitConnected(1.2),
      /NOBODY:HOME: ECA_TIMEOUT/,
    );
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    const text = gaps.map((g) => g.toFixed(0)).join(",");
    assert(gaps.length >= 5, `searches: ${times.length}`);
    // 30, 60, 120, then capped at 200 ms (timer jitter under load allowed)
    assert(Math.min(gaps[0], gaps[1]) < 150, `starts fast: ${text}`);
    const late = gaps.slice(-3).sort((a, b) => a - b)[1];
    assert(
      late >= 150 && late < 350,
      `grows, capped at maxSearchPeriod: ${text}`,
    );
  } finally {
    await client.close();
    await new Promise<void>((r) => sock.close(() => r()));
  }
});

Deno.test("peer: a server that answers the search but sends garbage is named, not 'not found'", async () => {
  const peer = new Peer((msg, send) => {
    if (msg.command === "CREATE_CHAN") {
      // a header announcing a 1 GiB payload, every time
      const frame = new Uint8Array(24);
      const view = new DataView(frame.buffer);
      view.setUint16(0, 18);
      view.setUint16(2, 0xffff);
      view.setUint32(16, 1 << 30);
      view.setUint32(20, 1);
      send(frame);
      return;
    }
    standard(msg, send);
  });
  await peer.start();
  const client = clientFor(peer);
  try {
    const channel = client.channel("P:GARBAGE");
    const error = await assertRejects(() => channel.waitConnected(1));
    assertEquals((error as CAError).status, "ECA_TIMEOUT");
    assert(
      error.message.includes(
        `found on 127.0.0.1:${peer.tcpPort}, but not connected within 1 s: `,
      ) &&
        /protocol error/.test(error.message),
      error.message,
    );
    assertEquals(channel.lastHost, `127.0.0.1:${peer.tcpPort}`);
    assert(!channel.connected, "never connected");
    const missing = client.channel("Q:NOWHERE");
    const none = await assertRejects(() => missing.waitConnected(0.5));
    assert(/no server answered the search/.test(none.message), none.message);
    assertEquals(missing.lastHost, undefined);
  } finally {
    await client.close();
    await peer.close();
  }
});
