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
import { Circuit, type CircuitEvents } from "./client_circuit.ts";
import { CAChannel } from "./client_channel.ts";
import {
  type ChannelCircuit,
  ChannelState,
  IdAllocator,
} from "./protocol/client_state.ts";
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

interface CircuitSlot {
  circuit?: Circuit;
  connecting: Promise<Circuit | undefined>;
  /** Channels waiting for the circuit to connect. */
  waiting: Set<ChannelState>;
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
  #byCid = new Map<number, ChannelState>();
  #circuits = new Map<string, CircuitSlot>();
  #retryTimers = new Set<ReturnType<typeof setTimeout>>();
  #closing = new Set<Promise<void>>();
  #cids = new IdAllocator();
  #closed = false;
  #events: CircuitEvents;
  #hostName = hostName();
  #userName = userName();

  /** @param options settings; unset ones come from EPICS_CA_* variables */
  constructor(options: CAClientOptions = {}) {
    this.#config = resolveConfig(options);
    this.#search = new SearchEngine(this.#config, {
      found: (cid, host, port, version) =>
        this.#found(cid, host, port, version),
    });
    this.#events = {
      warn: (message, properties) => logger.warn(message, properties),
      closed: (circuit, reason) => this.#circuitClosed(circuit, reason),
    };
  }

  /** The resolved settings (search addresses, timeouts). */
  get config(): Readonly<ClientConfig> {
    return this.#config;
  }

  /** The shared channel object for `name` (created and searched on first use). */
  channel(name: string): CAChannel {
    if (this.#closed) {
      throw new CAError(name, "ECA_CHANDESTROY", "the CA client is closed");
    }
    let channel = this.#channels.get(name);
    if (!channel) {
      const state = new ChannelState(name, this.#cids.next());
      channel = new CAChannel(state, { timeout: this.#config.timeout });
      const created = channel;
      state.listen({
        connected: () => {},
        lost: () => this.#startSearch(state),
        released: (circuit) => this.#forget(created, state, circuit),
      });
      this.#channels.set(name, channel);
      this.#byCid.set(state.cid, state);
      this.#startSearch(state);
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

  #startSearch(state: ChannelState): void {
    if (this.#closed || state.closed) return;
    this.#search.start().then(
      () => this.#search.search(state.cid, state.name),
      () => {},
    );
  }

  #found(cid: number, host: string, port: number, version: number): void {
    const state = this.#byCid.get(cid);
    if (!state || state.closed || state.circuit) return;
    const key = `${host}:${port}`;
    state.foundAt = key;
    let slot = this.#circuits.get(key);
    if (!slot) {
      const created: CircuitSlot = {
        waiting: new Set(),
        connecting: Promise.resolve(undefined),
      };
      created.connecting = Circuit.connect(
        { host, port, version },
        this.#events,
        {
          connectTimeout: this.#config.timeout,
          echoTimeout: this.#config.connectionTimeout,
          maxPayload: this.#config.maxArrayBytes,
          hostName: this.#hostName,
          userName: this.#userName,
        },
      ).then((circuit) => {
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
        for (const waiting of created.waiting) {
          waiting.problem = `no circuit to ${key}: ${(error as Error).message}`;
          this.#retryLater(waiting);
        }
        created.waiting.clear();
        return undefined;
      });
      this.#circuits.set(key, created);
      slot = created;
    }
    const target = slot;
    target.waiting.add(state);
    target.connecting.then((circuit) => {
      if (!target.waiting.delete(state)) return;
      if (!circuit || circuit.closed || state.closed || state.circuit) return;
      circuit.protocol.createChannel(state);
    });
  }

  #retryLater(state: ChannelState): void {
    if (this.#closed || state.closed) return;
    const timer = setTimeout(() => {
      this.#retryTimers.delete(timer);
      this.#startSearch(state);
    }, CONNECT_RETRY * 1000);
    this.#retryTimers.add(timer);
  }

  #circuitClosed(circuit: Circuit, reason: string): void {
    const slot = this.#circuits.get(circuit.key);
    if (slot?.circuit !== circuit) return;
    this.#circuits.delete(circuit.key);
    logger.warn("CA circuit to {server} lost ({n} channels): {reason}", {
      server: circuit.key,
      n: circuit.protocol.channelCount,
      reason,
    });
  }

  #forget(
    channel: CAChannel,
    state: ChannelState,
    circuit: ChannelCircuit | undefined,
  ): void {
    this.#search.cancel(state.cid);
    if (this.#channels.get(state.name) === channel) {
      this.#channels.delete(state.name);
    }
    this.#byCid.delete(state.cid);
    for (const [key, slot] of this.#circuits) {
      const was = slot.waiting.delete(state) ||
        (circuit !== undefined && slot.circuit?.protocol === circuit);
      if (!was || !slot.circuit || slot.waiting.size > 0) continue;
      if (slot.circuit.protocol.channelCount > 0) continue;
      this.#circuits.delete(key);
      const done = slot.circuit.close("no channels left");
      this.#closing.add(done);
      done.finally(() => this.#closing.delete(done));
    }
  }

  /** Closes every channel, circuit, socket and timer. */
  async close(): Promise<void> {
    if (this.#closed) return;
    for (const channel of [...this.#channels.values()]) channel.close();
    this.#closed = true;
    for (const t of this.#retryTimers) clearTimeout(t);
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
