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
import net from "node:net";
import { getLogger } from "@logtape/logtape";
import {
  CA_MINOR_VERSION,
  CA_REPEATER_PORT,
  CA_SERVER_PORT,
  dbrPayloadSize,
  dbrType,
  decodeRequest,
  encodeResponse,
  splitDatagram,
} from "./codec/mod.ts";
import {
  type CircuitHost,
  type CircuitTransport,
  ServerCircuit,
} from "./protocol/mod.ts";
import { type PVDefinition, ServerPV } from "./server_pv.ts";
import {
  broadcastAddresses,
  envList,
  envNumber,
  envPort,
  envYes,
  parseAddress,
} from "./env.ts";

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
}

const logger = getLogger(["fws", "ca", "server"]);

function isLoopback(address: string): boolean {
  return address.startsWith("127.");
}

/** A Channel Access server. */
export class CAServer {
  #options: CAServerOptions;
  #pvs = new Map<string, ServerPV>();
  #tcpServers: net.Server[] = [];
  #udpSockets: dgram.Socket[] = [];
  #circuits = new Set<ServerCircuit>();
  #sockets = new Set<net.Socket>();
  #beaconTimer: ReturnType<typeof setTimeout> | undefined;
  #beaconId = 0;
  #tcpPort = 0;
  #udpPort = 0;
  #intf: string[] = [];
  #maxPayload = 0;
  #started = false;
  #closed = false;

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
    this.#intf = o.intfAddrList ?? envList("EPICS_CAS_INTF_ADDR_LIST") ??
      ["0.0.0.0"];
    const port = envPort("EPICS_CAS_SERVER_PORT") ??
      envPort("EPICS_CA_SERVER_PORT") ??
      CA_SERVER_PORT;
    try {
      await this.#listenTcp(o.serverPort ?? port, o.serverPort === undefined);
      await this.#bindUdp(o.udpPort ?? port);
    } catch (error) {
      await this.close();
      throw error;
    }
    this.#startBeacons();
    logger.info("CA server on {intf}: TCP {tcp}, UDP {udp}, {n} PVs", {
      intf: this.#intf.join(" "),
      tcp: this.#tcpPort,
      udp: this.#udpPort,
      n: this.#pvs.size,
    });
    return { tcpPort: this.#tcpPort, udpPort: this.#udpPort };
  }

  async #listenTcp(port: number, fallback: boolean): Promise<void> {
    for (const host of this.#intf) {
      const server = net.createServer((socket) => this.#accept(socket));
      this.#tcpServers.push(server);
      const listen = (p: number): Promise<void> =>
        new Promise((resolve, reject) => {
          server.once("error", reject);
          server.listen({ host, port: p, exclusive: true }, () => {
            server.off("error", reject);
            resolve();
          });
        });
      const wanted = this.#tcpPort || port;
      try {
        await listen(wanted);
      } catch (error) {
        if (
          !fallback || this.#tcpPort ||
          (error as { code?: string }).code !== "EADDRINUSE"
        ) {
          throw new Error(
            `CA server: cannot listen on TCP ${host}:${wanted}: ${
              (error as Error).message
            }`,
          );
        }
        await listen(0);
      }
      server.on(
        "error",
        (e) => logger.warn("CA TCP server error: {e}", { e: String(e) }),
      );
      this.#tcpPort = (server.address() as net.AddressInfo).port;
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

  #accept(socket: net.Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    this.#sockets.add(socket);
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    const transport: CircuitTransport = {
      send(chunks) {
        if (socket.destroyed) return;
        if (chunks.length === 1) {
          socket.write(chunks[0]);
          return;
        }
        socket.cork();
        for (const c of chunks) socket.write(c);
        socket.uncork();
      },
      get backlog() {
        return socket.writableLength;
      },
      end() {
        socket.destroy();
      },
    };
    const circuit = new ServerCircuit(transport, this.#makeHost(), peer);
    this.#circuits.add(circuit);
    socket.on("data", (chunk: Uint8Array) => {
      circuit.receive(chunk);
      // TCP flow control: stop reading while the client does not read its replies
      if (socket.writableLength > 4 * 1024 * 1024 && !socket.isPaused()) {
        socket.pause();
      }
    });
    socket.on("drain", () => {
      if (socket.isPaused()) socket.resume();
      circuit.drained();
    });
    socket.on("error", (e) => circuit.close(`socket error: ${e.message}`));
    socket.on("close", () => {
      circuit.close("client disconnected");
      this.#circuits.delete(circuit);
      this.#sockets.delete(socket);
    });
  }

  #makeHost(): CircuitHost {
    const port = (): number => this.#tcpPort;
    const limit = (): number => this.#requestLimit();
    return {
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

  #beaconDestinations(): { host: string; port: number }[] {
    const o = this.#options;
    const port = o.beaconPort ?? envPort("EPICS_CAS_BEACON_PORT") ??
      envPort("EPICS_CA_REPEATER_PORT") ?? CA_REPEATER_PORT;
    let list = o.beaconAddrList ?? envList("EPICS_CAS_BEACON_ADDR_LIST");
    if (!list) {
      const auto = envYes("EPICS_CAS_AUTO_BEACON_ADDR_LIST", true);
      const loopbackOnly = this.#intf.every(isLoopback);
      list = loopbackOnly || !auto ? ["127.0.0.1"] : broadcastAddresses();
      if (list.length === 0) list = ["127.0.0.1"];
    }
    return list.map((e) => parseAddress(e, port));
  }

  #startBeacons(): void {
    const socket = this.#udpSockets[0];
    if (!socket) return;
    const destinations = this.#beaconDestinations();
    try {
      socket.setBroadcast(true);
    } catch {
      // loopback-only sockets may refuse; unicast still works
    }
    const maxPeriod =
      (this.#options.beaconPeriod ?? envNumber("EPICS_CAS_BEACON_PERIOD", 0) ??
        15) * 1000;
    let period = 20;
    const address = this.#intf[0] === "0.0.0.0" ? undefined : this.#intf[0];
    const beat = (): void => {
      if (this.#closed) return;
      const bytes = encodeResponse({
        command: "RSRV_IS_UP",
        version: CA_MINOR_VERSION,
        port: this.#tcpPort,
        beaconId: this.#beaconId++,
        address,
      });
      for (const d of destinations) {
        try {
          socket.send(bytes, d.port, d.host, () => {});
        } catch {
          // socket closing
        }
      }
      period = Math.min(period * 2, maxPeriod);
      this.#beaconTimer = setTimeout(beat, period);
    };
    beat();
  }

  /** Closes every socket, circuit and timer. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#beaconTimer);
    for (const circuit of this.#circuits) circuit.close("server closing");
    const waits: Promise<void>[] = [];
    for (const socket of this.#sockets) {
      if (!socket.destroyed) socket.destroy();
      waits.push(
        new Promise((resolve) => {
          if (socket.closed) resolve();
          else socket.once("close", () => resolve());
        }),
      );
    }
    for (const server of this.#tcpServers) {
      waits.push(new Promise((resolve) => server.close(() => resolve())));
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
    this.#sockets.clear();
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
