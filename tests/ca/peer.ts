/**
 * A scripted CA server built from the codec, for tests that need a peer
 * doing what a well-behaved server never does: malformed frames, silence,
 * dropped channels, errors.
 *
 * @module
 */
import dgram from "node:dgram";
import {
  type CARequest,
  type CAResponse,
  decodeRequest,
  ECA,
  encodeDbr,
  encodeResponse,
  FrameReader,
  splitDatagram,
} from "../../lib/ca/mod.ts";

/** How the peer answers one request. */
export type Reply = (
  msg: CARequest,
  send: (r: CAResponse | Uint8Array) => void,
) => void;

/** A scripted CA server: answers searches for P:*, hands TCP requests to `onRequest`. */
export class Peer {
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
export function standard(
  msg: CARequest,
  send: (r: CAResponse) => void,
): void {
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
