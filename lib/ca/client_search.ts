/**
 * UDP name resolution for the CA client: batched SEARCH datagrams to every
 * address of the search list with libca-like exponential back-off, and
 * beacon (RSRV_IS_UP) tracking — through a CA repeater when one runs, else
 * by listening on the repeater port — whose anomalies (a new server, a
 * restarted one, one back after silence) restart the back-off.
 *
 * @module
 */
import dgram from "node:dgram";
import {
  CA_MINOR_VERSION,
  CAProtocolError,
  decodeResponse,
  encodeRequest,
  splitDatagram,
} from "./codec/mod.ts";
import type { ClientConfig } from "./client_config.ts";

/** What the search engine reports to the client. */
export interface SearchHandlers {
  /** A server answered for `cid`: its TCP address and protocol version. */
  found(cid: number, host: string, port: number, version: number): void;
}

interface Pending {
  name: string;
  cid: number;
  /** Seconds until the next search after the one due at `due`. */
  period: number;
  /** performance.now() ms when the next search is due. */
  due: number;
}

interface BeaconState {
  id: number;
  at: number;
  interval?: number;
}

/**
 * Tells beacon anomalies from regular beacons, per server: a server seen for
 * the first time, a beacon id out of sequence (the server restarted), or an
 * interval much shorter (a restart's fast beacons) or much longer (the
 * server was stopped or unreachable) than the previous one.
 */
export class BeaconTracker {
  #servers = new Map<string, BeaconState>();

  /** Records a beacon of `server` at `now` ms; true when it is an anomaly. */
  observe(server: string, id: number, now: number): boolean {
    const last = this.#servers.get(server);
    if (!last) {
      this.#servers.set(server, { id, at: now });
      return true;
    }
    const interval = now - last.at;
    let anomaly = id !== ((last.id + 1) >>> 0) && id !== last.id;
    if (!anomaly && last.interval !== undefined) {
      anomaly = interval < last.interval * 0.8 || interval > last.interval * 3;
    }
    last.interval = interval;
    last.id = id;
    last.at = now;
    return anomaly;
  }
}

/** First search interval in seconds; it doubles up to maxSearchPeriod. */
const INITIAL_PERIOD = 0.03;
/** Largest search datagram (MAX_UDP_SEND of libca). */
const MAX_DATAGRAM = 1024;

/** The UDP side of a {@link CAClient}. */
export class SearchEngine {
  #config: ClientConfig;
  #handlers: SearchHandlers;
  #socket?: dgram.Socket;
  #beaconSocket?: dgram.Socket;
  #pending = new Map<number, Pending>();
  #timer?: ReturnType<typeof setTimeout>;
  #timerDue = Infinity;
  #sequence = 0;
  #beacons = new BeaconTracker();
  #repeaterConfirmed = false;
  #repeaterTimer?: ReturnType<typeof setTimeout>;
  #repeaterTries = 0;
  #closed = false;
  #started?: Promise<void>;

  /** @param config resolved client settings; @param handlers callbacks */
  constructor(config: ClientConfig, handlers: SearchHandlers) {
    this.#config = config;
    this.#handlers = handlers;
  }

  /** Number of names still being searched for. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Binds the search socket (idempotent). */
  start(): Promise<void> {
    this.#started ??= this.#bind();
    return this.#started;
  }

  async #bind(): Promise<void> {
    const socket = dgram.createSocket("udp4");
    socket.on("error", () => {}); // send errors: the next search retries
    socket.on("message", (m, rinfo) => this.#receive(m, rinfo.address));
    await new Promise<void>((resolve) => socket.bind(0, () => resolve()));
    if (this.#closed) {
      socket.close();
      return;
    }
    try {
      socket.setBroadcast(true);
    } catch { /* not permitted: unicast still works */ }
    this.#socket = socket;
    this.#registerWithRepeater();
    this.#schedule();
  }

  /** Starts (or restarts, with a fresh back-off) the search for `name`. */
  search(cid: number, name: string): void {
    if (this.#closed) return;
    this.#pending.set(cid, {
      name,
      cid,
      period: INITIAL_PERIOD,
      due: performance.now(),
    });
    this.#schedule();
  }

  /** Stops searching for `cid`. */
  cancel(cid: number): void {
    this.#pending.delete(cid);
    if (this.#pending.size === 0) this.#clearTimer();
  }

  /** Searches every pending name again now, back-off reset (beacon anomaly). */
  resetBackoff(): void {
    const now = performance.now();
    for (const p of this.#pending.values()) {
      p.period = INITIAL_PERIOD;
      p.due = now;
    }
    this.#schedule();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = Infinity;
  }

  #schedule(): void {
    if (this.#closed || !this.#socket || this.#pending.size === 0) return;
    let due = Infinity;
    for (const p of this.#pending.values()) due = Math.min(due, p.due);
    if (this.#timer !== undefined && this.#timerDue <= due) return;
    this.#clearTimer();
    this.#timerDue = due;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerDue = Infinity;
      this.#sendDue();
    }, Math.max(0, due - performance.now()));
  }

  #sendDue(): void {
    const socket = this.#socket;
    if (this.#closed || !socket) return;
    const now = performance.now();
    const due: Pending[] = [];
    for (const p of this.#pending.values()) {
      if (p.due <= now + 1) {
        due.push(p);
        p.due = now + p.period * 1000;
        p.period = Math.min(p.period * 2, this.#config.maxSearchPeriod);
      }
    }
    for (const datagram of this.#datagrams(due)) {
      for (const address of this.#config.addresses) {
        socket.send(datagram, address.port, address.host);
      }
    }
    this.#schedule();
  }

  #datagrams(due: Pending[]): Uint8Array[] {
    const out: Uint8Array[] = [];
    let parts: Uint8Array[] = [];
    let size = 0;
    const flush = () => {
      if (parts.length <= 1) return;
      const datagram = new Uint8Array(size);
      let o = 0;
      for (const p of parts) {
        datagram.set(p, o);
        o += p.length;
      }
      out.push(datagram);
    };
    const begin = () => {
      const version = encodeRequest({
        command: "VERSION",
        priority: 0,
        version: CA_MINOR_VERSION,
        sequence: this.#sequence++,
      });
      parts = [version];
      size = version.length;
    };
    begin();
    for (const p of due) {
      const search = encodeRequest({
        command: "SEARCH",
        name: p.name,
        cid: p.cid,
        version: CA_MINOR_VERSION,
        reply: false,
      });
      if (size + search.length > MAX_DATAGRAM && parts.length > 1) {
        flush();
        begin();
      }
      parts.push(search);
      size += search.length;
    }
    flush();
    return out;
  }

  #receive(datagram: Uint8Array, from: string): void {
    let raws;
    try {
      raws = splitDatagram(datagram);
    } catch (error) {
      if (error instanceof CAProtocolError) return; // a bad datagram is dropped
      throw error;
    }
    for (const raw of raws) {
      let msg;
      try {
        msg = decodeResponse(raw);
      } catch {
        continue;
      }
      if (msg.command === "SEARCH") {
        const pending = this.#pending.get(msg.cid);
        if (!pending) continue; // a late or duplicate reply
        this.#pending.delete(msg.cid);
        this.#handlers.found(
          msg.cid,
          msg.address ?? from,
          msg.port,
          msg.version,
        );
      } else if (msg.command === "RSRV_IS_UP") {
        this.#beacon(msg.address ?? from, msg.port, msg.beaconId);
      } else if (msg.command === "REPEATER_CONFIRM") {
        this.#repeaterConfirmed = true;
        if (this.#repeaterTimer !== undefined) {
          clearTimeout(this.#repeaterTimer);
        }
        this.#repeaterTimer = undefined;
      }
    }
  }

  #beacon(host: string, port: number, id: number): void {
    const anomaly = this.#beacons.observe(
      `${host}:${port}`,
      id,
      performance.now(),
    );
    if (anomaly && this.#pending.size > 0) this.resetBackoff();
  }

  #registerWithRepeater(): void {
    const socket = this.#socket;
    if (this.#closed || !socket || this.#repeaterConfirmed) return;
    if (this.#repeaterTries++ >= 3) {
      this.#listenForBeacons();
      return;
    }
    socket.send(
      encodeRequest({ command: "REPEATER_REGISTER", address: "127.0.0.1" }),
      this.#config.repeaterPort,
      "127.0.0.1",
    );
    this.#repeaterTimer = setTimeout(() => {
      this.#repeaterTimer = undefined;
      this.#registerWithRepeater();
    }, 500);
  }

  /** No repeater answered: receive beacons on the repeater port ourselves. */
  #listenForBeacons(): void {
    const socket = dgram.createSocket({ type: "udp4", reuseAddr: true });
    socket.on("error", () => {
      socket.close();
      if (this.#beaconSocket === socket) this.#beaconSocket = undefined;
    });
    socket.on("message", (m, rinfo) => this.#receive(m, rinfo.address));
    this.#beaconSocket = socket;
    socket.bind(this.#config.repeaterPort, () => {
      if (this.#closed) socket.close();
    });
  }

  /** Closes the sockets and timers. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimer();
    if (this.#repeaterTimer !== undefined) clearTimeout(this.#repeaterTimer);
    this.#pending.clear();
    await this.#started;
    const sockets = [this.#socket, this.#beaconSocket].filter((s) => s);
    this.#socket = this.#beaconSocket = undefined;
    await Promise.all(
      sockets.map((s) =>
        new Promise<void>((resolve) => {
          try {
            s!.close(() => resolve());
          } catch {
            resolve(); // already closed after an error
          }
        })
      ),
    );
  }
}
