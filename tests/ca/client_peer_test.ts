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
  type CAResponse,
  CAServer,
  dbrType,
  decodeRequest,
  ECA,
  encodeDbr,
  encodeResponse,
  FrameReader,
  splitDatagram,
} from "../../lib/ca/mod.ts";
import { assert, assertEquals, assertRejects } from "../support/assert.ts";

type Reply = (
  msg: CARequest,
  send: (r: CAResponse | Uint8Array) => void,
) => void;

/** A scripted CA server: answers searches for P:*, hands TCP requests to `onRequest`. */
class Peer {
  readonly requests: CARequest[] = [];
  searches = 0;
  #udp = dgram.createSocket("udp4");
  #tcp: Deno.TcpListener;
  #conns = new Set<Deno.TcpConn>();
  #loops: Promise<void>[] = [];
  #accept: Promise<void>;
  udpPort = 0;
  tcpPort: number;
  onRequest: Reply;

  constructor(onRequest: Reply) {
    this.onRequest = onRequest;
    this.#tcp = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.tcpPort = (this.#tcp.addr as Deno.NetAddr).port;
    this.#accept = this.#acceptLoop();
  }

  async start(): Promise<void> {
    this.#udp.on("message", (m, rinfo) => {
      for (const raw of splitDatagram(m)) {
        const msg = decodeRequest(raw);
        if (msg.command !== "SEARCH" || !msg.name.startsWith("P:")) continue;
        this.searches++;
        this.#udp.send(
          encodeResponse({
            command: "SEARCH",
            port: this.tcpPort,
            cid: msg.cid,
            version: 13,
          }),
          rinfo.port,
          rinfo.address,
        );
      }
    });
    await new Promise<void>((r) => this.#udp.bind(0, "127.0.0.1", () => r()));
    this.udpPort = this.#udp.address().port;
  }

  async #acceptLoop(): Promise<void> {
    try {
      for await (const conn of this.#tcp) {
        this.#conns.add(conn);
        this.#loops.push(this.#serve(conn));
      }
    } catch { /* listener closed */ }
  }

  async #serve(conn: Deno.TcpConn): Promise<void> {
    const reader = new FrameReader();
    const buf = new Uint8Array(65536);
    const send = (r: CAResponse | Uint8Array) => {
      const bytes = r instanceof Uint8Array ? r : encodeResponse(r);
      conn.write(bytes).catch(() => {});
    };
    try {
      while (true) {
        const n = await conn.read(buf);
        if (n === null) break;
        for (const raw of reader.push(buf.subarray(0, n))) {
          const msg = decodeRequest(raw);
          this.requests.push(msg);
          this.onRequest(msg, send);
        }
      }
    } catch { /* closed */ }
    this.#conns.delete(conn);
    try {
      conn.close();
    } catch { /* already */ }
  }

  async close(): Promise<void> {
    this.#tcp.close();
    for (const c of this.#conns) {
      try {
        c.close();
      } catch { /* already */ }
    }
    await this.#accept;
    await Promise.all(this.#loops);
    await new Promise<void>((r) => this.#udp.close(() => r()));
  }
}

/** The usual answers: channel of native type double, value 1.5. */
function standard(msg: CARequest, send: (r: CAResponse) => void): void {
  if (msg.command === "CREATE_CHAN") {
    send({ command: "ACCESS_RIGHTS", cid: msg.cid, access: 3 });
    send({
      command: "CREATE_CHAN",
      dataType: 6,
      count: 1,
      cid: msg.cid,
      sid: 1000 + msg.cid,
    });
  } else if (msg.command === "READ_NOTIFY") {
    send({
      command: "READ_NOTIFY",
      dataType: msg.dataType,
      count: 1,
      status: ECA.ECA_NORMAL,
      id: msg.ioid,
      payload: encodeDbr(msg.dataType, { value: 1.5 }),
    });
  } else if (msg.command === "ECHO") {
    send({ command: "ECHO" });
  }
}

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
