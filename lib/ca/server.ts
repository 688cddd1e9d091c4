/**
 * A Channel Access server on the pure codec: UDP name search, TCP circuits,
 * RSRV_IS_UP beacons, access rights, reads/writes/put-notify with
 * asynchronous completion and monitors. Define PVs with {@link CAServer.addPV}.
 *
 * @example
 * ```ts
 * const server = new CAServer({ serverPort: 0, udpPort: 0, intfAddrList: ["127.0.0.1"] });
 * const pv = server.addPV("DEMO:VALUE", { type: "double", units: "mm", precision: 3 });
 * const { udpPort } = await server.start();
 * pv.set(1.25);           // posts to monitors
 * await server.close();
 * ```
 *
 * @module
 */
import dgram from "node:dgram";
import { getLogger } from "@logtape/logtape";
import {
  CA_MINOR_VERSION,
  CA_SERVER_PORT,
  dbrPayloadSize,
  dbrType,
  decodeRequest,
  encodeResponse,
  splitDatagram,
} from "./codec/mod.ts";
import { type CircuitHost, ServerCircuit } from "./protocol/mod.ts";
import { type PVDefinition, ServerPV } from "./server_pv.ts";
import { envList, envNumber, envPort } from "./env.ts";
import { startBeacons } from "./server_beacons.ts";
import { acceptLoop, closeListener, ConnTransport } from "./server_tcp.ts";
import {
  type CircuitLimit,
  circuitLimit,
  LogLimiter,
  prepareForFdExhaustion,
} from "./server_limits.ts";

export { type PVDefinition, ServerPV } from "./server_pv.ts";
export type { PVInput, PVValue, SetOptions } from "./server_pv.ts";

/** Options of {@link CAServer}; unset fields come from EPICS_CAS_* / EPICS_CA_* env. */
export interface CAServerOptions {
  /** Interfaces to serve on (EPICS_CAS_INTF_ADDR_LIST; default all, 0.0.0.0). */
  intfAddrList?: string[];
  /** TCP port, 0 = free (default EPICS_CAS_SERVER_PORT or 5064, a free one if taken). */
  serverPort?: number;
  /** UDP search port, 0 = free (default EPICS_CAS_SERVER_PORT or 5064). */
  udpPort?: number;
  /** Beacon destination port (EPICS_CAS_BEACON_PORT, EPICS_CA_REPEATER_PORT, 5065). */
  beaconPort?: number;
  /** Beacon destinations (EPICS_CAS_BEACON_ADDR_LIST; default: broadcast addresses, or 127.0.0.1 on loopback). */
  beaconAddrList?: string[];
  /** Largest request payload accepted (EPICS_CA_MAX_ARRAY_BYTES); never below the served PVs' own size. */
  maxArrayBytes?: number;
  /** Longest beacon period in seconds (EPICS_CAS_BEACON_PERIOD, default 15). */
  beaconPeriod?: number;
  /**
   * Most circuits open at once; more are refused (closed at once) and
   * logged. Default: what the open-file limit leaves (see `circuitLimit`).
   */
  maxCircuits?: number;
  /**
   * Most circuits open at once from one client host (default 64): one host
   * cannot take every circuit. More are refused and logged once per episode.
   */
  maxCircuitsPerHost?: number;
  /**
   * Seconds a new circuit has to send its VERSION (default 5); one that
   * sends nothing is closed, so idle connections cannot pile up.
   */
  handshakeTimeout?: number;
  /**
   * Reply bytes a circuit may have unsent before it is closed as a client
   * that does not read (default 64 MiB, at least 4 requests of the largest size).
   */
  maxQueuedBytes?: number;
}

const logger = getLogger(["fws", "ca", "server"]);

/** Default of {@link CAServerOptions.maxCircuitsPerHost}. */
export const MAX_CIRCUITS_PER_HOST = 64;
/** Default of {@link CAServerOptions.handshakeTimeout} [s]. */
export const HANDSHAKE_TIMEOUT = 5;

/** A Channel Access server. */
export class CAServer {
  #options: CAServerOptions;
  #pvs = new Map<string, ServerPV>();
  #listeners: Deno.TcpListener[] = [];
  #loops: Promise<void>[] = [];
  #udpSockets: dgram.Socket[] = [];
  #circuits = new Set<ServerCircuit>();
  /** Open circuits per client host. */
  #perHost = new Map<string, number>();
  #transports = new Set<ConnTransport>();
  #stopBeacons = (): void => {};
  #tcpPort = 0;
  #udpPort = 0;
  #intf: string[] = [];
  #maxPayload = 0;
  #started = false;
  #closed = false;
  #limit: CircuitLimit = { max: Infinity, source: "" };
  #refused = 0;
  #limited = new LogLimiter((m) => logger.warn("{m}", { m }));

  /** @param options interfaces, ports, beacons, array size (see {@link CAServerOptions}) */
  constructor(options: CAServerOptions = {}) {
    this.#options = options;
  }

  /**
   * Defines a PV. Throws when the name is taken or the definition invalid.
   *
   * @example
   * ```ts
   * server.addPV("FWS01:SCAN:MODE", { type: "enum", enumStrings: ["STEP", "FLY"] });
   * ```
   */
  addPV(name: string, definition: PVDefinition): ServerPV {
    if (!name || name.length > 1024) {
      throw new RangeError(
        `PV name '${
          name.slice(0, 60)
        }' is invalid; expected 1 to 1024 characters`,
      );
    }
    if (this.#pvs.has(name)) {
      throw new Error(`PV ${name} is already defined on this server`);
    }
    const pv = new ServerPV(name, definition);
    this.#pvs.set(name, pv);
    this.#maxPayload = Math.max(this.#maxPayload, ownPayload(pv));
    return pv;
  }

  /** The PV of that name, if defined. */
  pv(name: string): ServerPV | undefined {
    return this.#pvs.get(name);
  }

  /** Every defined PV name. */
  get pvNames(): string[] {
    return [...this.#pvs.keys()];
  }

  /** Most circuits open at once (known after `start`). */
  get maxCircuits(): number {
    return this.#limit.max;
  }

  /** Circuits refused because {@link maxCircuits} were open. */
  get refusedCount(): number {
    return this.#refused;
  }

  /** Connected clients (open circuits). */
  get clientCount(): number {
    return this.#circuits.size;
  }

  /** Open circuits (for diagnostics and tests). */
  get circuits(): readonly ServerCircuit[] {
    return [...this.#circuits];
  }

  /** Binds the TCP and UDP sockets and starts beaconing. */
  async start(): Promise<{ tcpPort: number; udpPort: number }> {
    if (this.#started) throw new Error("CAServer.start: already started");
    this.#started = true;
    const o = this.#options;
    prepareForFdExhaustion();
    this.#limit = o.maxCircuits !== undefined
      ? { max: Math.max(1, o.maxCircuits), source: "maxCircuits" }
      : circuitLimit();
    this.#intf = o.intfAddrList ?? envList("EPICS_CAS_INTF_ADDR_LIST") ??
      ["0.0.0.0"];
    const port = envPort("EPICS_CAS_SERVER_PORT") ??
      envPort("EPICS_CA_SERVER_PORT") ??
      CA_SERVER_PORT;
    try {
      this.#listenTcp(o.serverPort ?? port, o.serverPort === undefined);
      await this.#bindUdp(o.udpPort ?? port);
    } catch (error) {
      await this.close();
      throw error;
    }
    if (this.#udpSockets[0]) {
      this.#stopBeacons = startBeacons(this.#udpSockets[0], {
        ...o,
        intf: this.#intf,
        tcpPort: this.#tcpPort,
      });
    }
    logger.info(
      "CA server on {intf}: TCP {tcp}, UDP {udp}, {n} PVs, up to {max} circuits ({source})",
      {
        intf: this.#intf.join(" "),
        tcp: this.#tcpPort,
        udp: this.#udpPort,
        n: this.#pvs.size,
        max: this.#limit.max,
        source: this.#limit.source,
      },
    );
    return { tcpPort: this.#tcpPort, udpPort: this.#udpPort };
  }

  #listenTcp(port: number, fallback: boolean): void {
    for (const host of this.#intf) {
      const wanted = this.#tcpPort || port;
      let listener: Deno.TcpListener;
      try {
        listener = Deno.listen({ hostname: host, port: wanted });
      } catch (error) {
        if (
          !fallback || this.#tcpPort ||
          !(error instanceof Deno.errors.AddrInUse)
        ) {
          throw new Error(
            `CA server: cannot listen on TCP ${host}:${wanted}: ${
              (error as Error).message
            }`,
          );
        }
        listener = Deno.listen({ hostname: host, port: 0 });
      }
      this.#listeners.push(listener);
      this.#tcpPort = (listener.addr as Deno.NetAddr).port;
      this.#loops.push(acceptLoop(listener, {
        accepted: (conn) => this.#accept(conn),
        failed: (e, ms) =>
          this.#limited.log(
            "accept",
            `CA server: accepting a TCP circuit failed (${e.message}); retrying in ${ms} ms, then at most every second`,
          ),
      }));
    }
  }

  async #bindUdp(port: number): Promise<void> {
    for (const host of this.#intf) {
      const socket = dgram.createSocket({ type: "udp4", reuseAddr: true });
      this.#udpSockets.push(socket);
      const wanted = this.#udpPort || port;
      await new Promise<void>((resolve, reject) => {
        socket.once("error", reject);
        socket.bind({ address: host, port: wanted }, () => {
          socket.off("error", reject);
          resolve();
        });
      }).catch((error) => {
        throw new Error(
          `CA server: cannot bind UDP ${host}:${wanted}: ${
            (error as Error).message
          }`,
        );
      });
      socket.on(
        "error",
        (e) => logger.debug("CA UDP error: {e}", { e: String(e) }),
      );
      socket.on(
        "message",
        (msg, rinfo) => this.#datagram(socket, host, msg, rinfo),
      );
      this.#udpPort = socket.address().port;
    }
  }

  #datagram(
    socket: dgram.Socket,
    intf: string,
    bytes: Uint8Array,
    rinfo: dgram.RemoteInfo,
  ): void {
    let raws;
    try {
      raws = splitDatagram(bytes);
    } catch (error) {
      logger.debug("bad CA datagram from {peer}: {e}", {
        peer: `${rinfo.address}:${rinfo.port}`,
        e: (error as Error).message,
      });
      return;
    }
    const replies: Uint8Array[] = [];
    for (const raw of raws) {
      let msg;
      try {
        msg = decodeRequest(raw);
      } catch {
        continue; // not for us (e.g. another server's reply)
      }
      if (msg.command !== "SEARCH") continue;
      if (this.#pvs.has(msg.name)) {
        if (replies.length === 0) {
          replies.push(
            encodeResponse({
              command: "VERSION",
              priority: 0,
              version: CA_MINOR_VERSION,
            }),
          );
        }
        replies.push(encodeResponse({
          command: "SEARCH",
          port: this.#tcpPort,
          address: intf === "0.0.0.0" ? undefined : intf,
          cid: msg.cid,
          version: CA_MINOR_VERSION,
        }));
      } else if (msg.reply) {
        replies.push(
          encodeResponse({
            command: "NOT_FOUND",
            cid: msg.cid,
            version: CA_MINOR_VERSION,
          }),
        );
      }
    }
    if (replies.length === 0 || this.#closed) return;
    const out = replies.length === 1 ? replies[0] : concat(replies);
    socket.send(out, rinfo.port, rinfo.address, () => {});
  }

  #accept(conn: Deno.TcpConn): void {
    const a = conn.remoteAddr;
    const host = a.hostname;
    const fromHost = this.#perHost.get(host) ?? 0;
    const perHost = this.#options.maxCircuitsPerHost ?? MAX_CIRCUITS_PER_HOST;
    if (
      this.#closed || this.#circuits.size >= this.#limit.max ||
      fromHost >= perHost
    ) {
      conn.close();
      if (this.#closed) return;
      this.#refused++;
      this.#limited.log(
        "refused",
        fromHost >= perHost
          ? `CA server: refusing circuits from ${host}: ${fromHost} open from it, the most one host may have (${perHost})`
          : `CA server: refusing circuits (e.g. ${host}:${a.port}): ${this.#circuits.size} open, the most allowed (${this.#limit.source})`,
      );
      return;
    }
    this.#perHost.set(host, fromHost + 1);
    const handshake = this.#options.handshakeTimeout ?? HANDSHAKE_TIMEOUT;
    const deadline = setTimeout(() => {
      if (circuit.clientVersion > 0 || circuit.closed) return;
      this.#limited.log(
        "handshake",
        `CA server: closing circuits that send no VERSION within ${handshake} s (e.g. ${host}:${a.port})`,
      );
      circuit.close(`no VERSION within ${handshake} s`);
    }, handshake * 1000);
    // the callbacks run only after the first read, when `circuit` is set
    const transport = new ConnTransport(conn, {
      data: (chunk) => circuit.receive(chunk),
      drained: () => circuit.drained(),
      closed: (reason) => {
        clearTimeout(deadline);
        circuit.close(reason);
        if (this.#circuits.delete(circuit)) {
          const left = (this.#perHost.get(host) ?? 1) - 1;
          if (left > 0) this.#perHost.set(host, left);
          else this.#perHost.delete(host);
          this.#resumed();
        }
      },
    });
    const circuit = new ServerCircuit(
      transport,
      this.#makeHost(),
      transport.peer,
    );
    this.#circuits.add(circuit);
    this.#transports.add(transport);
    transport.done.then(() => this.#transports.delete(transport));
  }

  /** Says once that circuits are accepted again after some were refused. */
  #resumed(): void {
    if (!this.#limited.seen("refused") || this.#closed) return;
    if (this.#circuits.size >= this.#limit.max) return;
    logger.info("CA server: accepting circuits again ({n} refused so far)", {
      n: this.#refused,
    });
    this.#limited.reset("refused");
  }

  #makeHost(): CircuitHost {
    const port = (): number => this.#tcpPort;
    const limit = (): number => this.#requestLimit();
    const queued = this.#options.maxQueuedBytes ??
      Math.max(64 * 1024 * 1024, 4 * limit());
    return {
      maxQueued: queued,
      findPV: (name) => this.#pvs.get(name),
      get tcpPort() {
        return port();
      },
      get maxPayload() {
        return limit();
      },
      log: (level, message) => logger[level]("{message}", { message }),
    };
  }

  #requestLimit(): number {
    const configured = this.#options.maxArrayBytes ??
      envNumber("EPICS_CA_MAX_ARRAY_BYTES", 0) ?? 16384;
    return Math.max(configured, this.#maxPayload, 16384) + 64;
  }

  /** Closes every socket, circuit and timer. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopBeacons();
    for (const circuit of this.#circuits) circuit.close("server closing");
    const waits: Promise<void>[] = [];
    for (const listener of this.#listeners) closeListener(listener);
    waits.push(...this.#loops);
    for (const t of this.#transports) {
      t.end();
      waits.push(t.done);
    }
    for (const socket of this.#udpSockets) {
      waits.push(
        new Promise((resolve) => {
          try {
            socket.close(() => resolve());
          } catch {
            resolve();
          }
        }),
      );
    }
    await Promise.all(waits);
    this.#circuits.clear();
    this.#transports.clear();
  }
}

function ownPayload(pv: ServerPV): number {
  // the largest plain/ctrl payload of the native type, so puts of a whole array always fit
  return dbrPayloadSize(dbrType(pv.type, "ctrl"), pv.maxCount);
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
