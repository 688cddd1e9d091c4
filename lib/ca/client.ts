/**
 * The Channel Access client: one shared, self-reconnecting {@link CAChannel}
 * per PV name, one TCP circuit per server, UDP search with back-off and
 * beacon anomaly detection. Every failure is a {@link CAError} naming the PV
 * and an ECA_* status.
 *
 * @example
 * ```ts
 * const client = new CAClient({ addrList: ["127.0.0.1:5064"], autoAddrList: false });
 * const v = await client.get("FWS01:SCAN:PROGRESS", { form: "time" });
 * await client.put("FWS01:SCAN:MODE", "FLY", { wait: true });
 * const sub = client.monitor("FWS01:SCAN:STATE", (v) => console.log(v.value));
 * sub.cancel();
 * await client.close();
 * ```
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { CAError } from "./errors.ts";
import { type ClientConfig, resolveConfig } from "./client_config.ts";
import { SearchEngine } from "./client_search.ts";
import { Circuit } from "./client_circuit.ts";
import {
  CAChannel,
  type ChannelHost,
  type Subscription,
} from "./client_channel.ts";
import { Command } from "./codec/constants.ts";
import { decodeResponse, type RawMessage } from "./codec/mod.ts";
import type { CAResponse, WriteNotifyResponse } from "./codec/messages.ts";
import type {
  CAClientOptions,
  CASubscription,
  CAValue,
  GetOptions,
  MonitorOptions,
  PutOptions,
  PutValue,
} from "./client_types.ts";

export { CAChannel } from "./client_channel.ts";
export type { ConnectionDetail } from "./client_channel.ts";
export type * from "./client_types.ts";
export { resolveConfig } from "./client_config.ts";

interface PendingOp {
  channel: CAChannel;
  resolve(value: CAValue | WriteNotifyResponse): void;
  reject(error: Error): void;
  /** performance.now() ms after which the op fails with ECA_TIMEOUT. */
  deadline: number;
  /** Seconds, for the message. */
  timeout: number;
  /** A get's requested element count; -1 for a put with completion. */
  readCount: number;
}

const captured: Pick<PendingOp, "resolve" | "reject"> = {
  resolve: () => {},
  reject: () => {},
};

/** A Promise executor that hands its functions over via `captured`. */
function capture(
  resolve: PendingOp["resolve"],
  reject: PendingOp["reject"],
): void {
  captured.resolve = resolve;
  captured.reject = reject;
}

interface CircuitSlot {
  circuit?: Circuit;
  connecting: Promise<Circuit | undefined>;
  channels: Set<CAChannel>;
}

const logger = getLogger(["fws", "ca", "client"]);

/** Seconds before retrying a server whose TCP port refused us. */
const CONNECT_RETRY = 1;

function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "localhost";
  }
}

function userName(): string {
  try {
    return Deno.env.get("USER") ?? Deno.env.get("LOGNAME") ?? "fws";
  } catch {
    return "fws";
  }
}

/** A Channel Access client. See the module documentation. */
export class CAClient {
  #config: ClientConfig;
  #search: SearchEngine;
  #channels = new Map<string, CAChannel>();
  #byCid = new Map<number, CAChannel>();
  #circuits = new Map<string, CircuitSlot>();
  #ops = new Map<number, PendingOp>();
  #subs = new Map<number, Subscription>();
  #retryTimers = new Set<ReturnType<typeof setTimeout>>();
  #closing = new Set<Promise<void>>();
  #opTimer?: ReturnType<typeof setTimeout>;
  #opTimerDue = Infinity;
  #nextId = 1;
  #clock = -1;
  #closed = false;
  #host: ChannelHost;
  #hostName = hostName();
  #userName = userName();

  /** @param options settings; unset ones come from EPICS_CA_* variables */
  constructor(options: CAClientOptions = {}) {
    this.#config = resolveConfig(options);
    this.#search = new SearchEngine(this.#config, {
      found: (cid, host, port, version) =>
        this.#found(cid, host, port, version),
    });
    this.#host = {
      timeout: this.#config.timeout,
      nextId: () => this.#id(),
      search: (channel) => this.#startSearch(channel),
      request: (channel, send, timeout, readCount) =>
        this.#request(channel, send, timeout, readCount),
      registerSubscription: (id, sub) => {
        if (sub) this.#subs.set(id, sub);
        else this.#subs.delete(id);
      },
      forget: (channel) => this.#forget(channel),
      forgetOps: (channel, error) => this.#rejectOps(channel, error),
    };
  }

  /** The resolved settings (search addresses, timeouts). */
  get config(): Readonly<ClientConfig> {
    return this.#config;
  }

  #id(): number {
    const id = this.#nextId;
    this.#nextId = (this.#nextId + 1) >>> 0 || 1;
    return id;
  }

  /** The shared channel object for `name` (created and searched on first use). */
  channel(name: string): CAChannel {
    if (this.#closed) {
      throw new CAError(name, "ECA_CHANDESTROY", "the CA client is closed");
    }
    let channel = this.#channels.get(name);
    if (!channel) {
      channel = new CAChannel(name, this.#id(), this.#host);
      this.#channels.set(name, channel);
      this.#byCid.set(channel.cid, channel);
      this.#startSearch(channel);
    }
    return channel;
  }

  /** Reads `name` once (connects first if needed). */
  get(name: string, options?: GetOptions): Promise<CAValue> {
    return this.channel(name).get(options);
  }

  /** Writes `name`; `{ wait: true }` waits for completion. */
  put(name: string, value: PutValue, options?: PutOptions): Promise<void> {
    return this.channel(name).put(value, options);
  }

  /** Monitors `name`; survives disconnections. */
  monitor(
    name: string,
    callback: (v: CAValue) => void,
    options?: MonitorOptions,
  ): CASubscription {
    return this.channel(name).subscribe(callback, options);
  }

  #startSearch(channel: CAChannel): void {
    if (this.#closed || channel.closed) return;
    this.#search.start().then(
      () => this.#search.search(channel.cid, channel.name),
      () => {},
    );
  }

  #found(cid: number, host: string, port: number, version: number): void {
    const channel = this.#byCid.get(cid);
    if (!channel || channel.closed || channel.circuit) return;
    const key = `${host}:${port}`;
    let slot = this.#circuits.get(key);
    if (!slot) {
      const created: CircuitSlot = {
        channels: new Set(),
        connecting: Promise.resolve(undefined),
      };
      created.connecting = Circuit.connect({ host, port, version }, {
        message: (c, msg) => this.#message(c, msg),
        readNotify: (_c, raw) => this.#readNotify(raw),
        closed: (c, reason) => this.#circuitClosed(c, reason),
      }, {
        connectTimeout: this.#config.timeout,
        echoTimeout: this.#config.connectionTimeout,
        maxPayload: this.#config.maxArrayBytes,
        hostName: this.#hostName,
        userName: this.#userName,
      }).then((circuit) => {
        if (this.#closed) {
          circuit.close();
          return undefined;
        }
        created.circuit = circuit;
        return circuit;
      }, (error) => {
        logger.warn("CA server {server} unreachable: {reason}", {
          server: key,
          reason: (error as Error).message,
        });
        this.#circuits.delete(key);
        for (const ch of created.channels) this.#retryLater(ch);
        created.channels.clear();
        return undefined;
      });
      this.#circuits.set(key, created);
      slot = created;
    }
    const target = slot;
    target.channels.add(channel);
    target.connecting.then((circuit) => {
      if (!circuit || circuit.closed || channel.closed) return;
      if (!target.channels.has(channel)) return;
      channel.attach(circuit);
    });
  }

  #retryLater(channel: CAChannel): void {
    if (this.#closed || channel.closed) return;
    const timer = setTimeout(() => {
      this.#retryTimers.delete(timer);
      this.#startSearch(channel);
    }, CONNECT_RETRY * 1000);
    this.#retryTimers.add(timer);
  }

  #message(circuit: Circuit, msg: CAResponse): void {
    switch (msg.command) {
      case "ACCESS_RIGHTS":
        this.#byCid.get(msg.cid)?.onAccess(msg.access);
        return;
      case "CREATE_CHAN": {
        const channel = this.#byCid.get(msg.cid);
        if (channel?.circuit === circuit) {
          channel.onCreated(msg.sid, msg.dataType, msg.count);
        }
        return;
      }
      case "CREATE_CH_FAIL":
      case "SERVER_DISCONN": {
        const channel = this.#byCid.get(msg.cid);
        if (channel?.circuit === circuit) {
          this.#circuits.get(circuit.key)?.channels.delete(channel);
          channel.onLost(
            msg.command === "CREATE_CH_FAIL"
              ? "the server refused to create the channel"
              : "the server dropped the channel",
          );
        }
        return;
      }
      case "WRITE_NOTIFY": {
        const op = this.#ops.get(msg.ioid);
        if (!op) return;
        this.#ops.delete(msg.ioid);
        op.resolve(msg);
        return;
      }
      case "EVENT_ADD":
        this.#subs.get(msg.id)?.deliver(msg);
        return;
      case "ERROR": {
        const r = msg.request;
        if (
          r.command === Command.READ_NOTIFY ||
          r.command === Command.WRITE_NOTIFY
        ) {
          const op = this.#ops.get(r.param2);
          if (!op) return;
          this.#ops.delete(r.param2);
          op.reject(
            new CAError(op.channel.name, msg.status, msg.message || undefined),
          );
          return;
        }
        // a plain WRITE or an EVENT_ADD failed: nobody waits, so say it
        const channel = [...(this.#circuits.get(circuit.key)?.channels ?? [])]
          .find((c) => c.sid === r.param1);
        logger.warn("CA server {server} refused {what} on {pv}: {error}", {
          server: circuit.key,
          what: r.command === Command.EVENT_ADD
            ? "a monitor"
            : `command ${r.command}`,
          pv: channel?.name ?? `sid ${r.param1}`,
          error: new CAError(
            channel?.name ?? "?",
            msg.status,
            msg.message || undefined,
          ).message,
        });
        return;
      }
      default:
        return; // VERSION, ECHO, CLEAR_CHANNEL replies need no action
    }
  }

  /** A READ_NOTIFY reply (status in `param1`, ioid in `param2`). */
  #readNotify(raw: RawMessage): void {
    const op = this.#ops.get(raw.param2);
    if (!op) return;
    this.#ops.delete(raw.param2);
    if (op.readCount < 0) {
      // a reply of the wrong kind for a put resolves it, as it always did
      op.resolve(decodeResponse(raw) as unknown as WriteNotifyResponse);
      return;
    }
    let value: CAValue;
    try {
      value = op.channel.finishRead(raw, op.readCount);
    } catch (error) {
      op.reject(error as Error);
      return;
    }
    op.resolve(value);
  }

  #circuitClosed(circuit: Circuit, reason: string): void {
    const slot = this.#circuits.get(circuit.key);
    if (!slot || slot.circuit !== circuit) return;
    this.#circuits.delete(circuit.key);
    const channels = [...slot.channels];
    logger.warn("CA circuit to {server} lost ({n} channels): {reason}", {
      server: circuit.key,
      n: channels.length,
      reason,
    });
    slot.channels.clear();
    for (const channel of channels) {
      channel.onLost(`circuit to ${circuit.key} lost: ${reason}`);
    }
  }

  #request(
    channel: CAChannel,
    send: (circuit: Circuit, ioid: number) => void,
    timeout: number,
    readCount = -1,
  ): Promise<CAValue | WriteNotifyResponse> {
    const circuit = channel.circuit;
    if (!circuit || !channel.connected) {
      return Promise.reject(new CAError(channel.name, "ECA_DISCONN"));
    }
    const ioid = this.#id();
    // a shared executor: no closure allocated per request
    const promise = new Promise<CAValue | WriteNotifyResponse>(capture);
    const deadline = this.#now() + timeout * 1000;
    const op: PendingOp = {
      channel,
      resolve: captured.resolve,
      reject: captured.reject,
      deadline,
      timeout,
      readCount,
    };
    this.#ops.set(ioid, op);
    this.#armOpTimer(deadline);
    try {
      send(circuit, ioid);
    } catch (error) {
      this.#ops.delete(ioid);
      op.reject(error as Error);
    }
    return promise;
  }

  /**
   * performance.now(), read once per burst of synchronous requests (100
   * pipelined gets need one clock reading, not 100).
   */
  #now(): number {
    if (this.#clock < 0) {
      this.#clock = performance.now();
      queueMicrotask(this.#resetClock);
    }
    return this.#clock;
  }

  #resetClock = (): void => {
    this.#clock = -1;
  };

  /**
   * One timer for all pending operations, due at the earliest deadline
   * (a setTimeout per request would cost more than the request itself).
   */
  #armOpTimer(deadline: number): void {
    if (this.#opTimer !== undefined && this.#opTimerDue <= deadline) return;
    if (this.#opTimer !== undefined) clearTimeout(this.#opTimer);
    this.#opTimerDue = deadline;
    this.#opTimer = setTimeout(
      () => this.#expireOps(),
      Math.max(0, deadline - performance.now()),
    );
  }

  #expireOps(): void {
    this.#opTimer = undefined;
    this.#opTimerDue = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const [id, op] of this.#ops) {
      if (op.deadline <= now + 1) {
        this.#ops.delete(id);
        op.reject(
          new CAError(
            op.channel.name,
            "ECA_TIMEOUT",
            `no reply from ${
              op.channel.host ?? "the server"
            } within ${op.timeout} s`,
          ),
        );
      } else next = Math.min(next, op.deadline);
    }
    if (next < Infinity) this.#armOpTimer(next);
  }

  #rejectOps(channel: CAChannel, error: CAError): void {
    for (const [id, op] of this.#ops) {
      if (op.channel !== channel) continue;
      this.#ops.delete(id);
      op.reject(error);
    }
  }

  #forget(channel: CAChannel): void {
    this.#search.cancel(channel.cid);
    if (this.#channels.get(channel.name) === channel) {
      this.#channels.delete(channel.name);
    }
    this.#byCid.delete(channel.cid);
    for (const [key, slot] of this.#circuits) {
      if (!slot.channels.delete(channel)) continue;
      if (slot.channels.size === 0 && slot.circuit) {
        this.#circuits.delete(key);
        const done = slot.circuit.close("no channels left");
        this.#closing.add(done);
        done.finally(() => this.#closing.delete(done));
      }
    }
  }

  /** Closes every channel, circuit, socket and timer. */
  async close(): Promise<void> {
    if (this.#closed) return;
    for (const channel of [...this.#channels.values()]) channel.close();
    this.#closed = true;
    for (const t of this.#retryTimers) clearTimeout(t);
    if (this.#opTimer !== undefined) clearTimeout(this.#opTimer);
    this.#opTimer = undefined;
    this.#retryTimers.clear();
    const slots = [...this.#circuits.values()];
    this.#circuits.clear();
    await Promise.all(slots.map(async (slot) => {
      const circuit = slot.circuit ?? await slot.connecting;
      await circuit?.close();
    }));
    await Promise.all(this.#closing);
    await this.#search.close();
  }
}
