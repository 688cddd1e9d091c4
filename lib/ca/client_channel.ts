/**
 * CAChannel — the application's handle on one PV. It outlives connections:
 * after a disconnect it searches again, and when the PV is back its
 * subscriptions are re-established (delivering the current value) with no
 * action from the application. The protocol state it reads lives in
 * `lib/ca/protocol` ({@link ChannelState}); this class holds only the
 * application's API.
 *
 * @module
 */
import { dbrType } from "./codec/mod.ts";
import { CAError, ecaSuccess } from "./errors.ts";
import type {
  AccessRights,
  ChannelState,
  SubscriptionState,
} from "./protocol/client_state.ts";
import { SubscriptionState as Sub } from "./protocol/client_state.ts";
import { bufferType } from "./protocol/client_reply.ts";
import type { DbrBaseType } from "./codec/constants.ts";
import type {
  CASubscription,
  CAValue,
  GetOptions,
  MonitorOptions,
  PutOptions,
  PutValue,
} from "./client_types.ts";
import { encodePut } from "./client_put.ts";

/** The "connection" event's detail. */
export interface ConnectionDetail {
  connected: boolean;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** A monitor handle: cancel() stops it. */
class Monitor implements CASubscription {
  #state: SubscriptionState;

  constructor(state: SubscriptionState) {
    this.#state = state;
  }

  /** Stops the monitor (idempotent). */
  cancel(): void {
    const state = this.#state;
    if (!state.active) return;
    state.active = false;
    state.channel.subscriptions.delete(state);
    state.channel.circuit?.unsubscribe(state);
  }
}

/** Options of {@link CAChannel} (given by CAClient.channel()). */
export interface ChannelOptions {
  /** Default per-operation timeout, s. */
  timeout: number;
}

/**
 * One PV. Dispatches a `"connection"` CustomEvent<{connected: boolean}> on
 * every connect and disconnect.
 *
 * @example
 * ```ts
 * const ch = client.channel("FWS01:SCAN:STATE");
 * ch.addEventListener("connection", (e) => console.log((e as CustomEvent).detail));
 * await ch.waitConnected(2);
 * ```
 */
export class CAChannel extends EventTarget {
  #state: ChannelState;
  #timeout: number;
  #waiters = new Set<Waiter>();

  /**
   * Created by CAClient.channel(), which owns the protocol state.
   *
   * @param state the channel's protocol state
   * @param options the client's default timeout
   */
  constructor(state: ChannelState, options: ChannelOptions) {
    super();
    this.#state = state;
    this.#timeout = options.timeout;
    state.listen({
      connected: () => this.#connected(),
      lost: (_reason, was) => {
        if (was) this.#dispatch(false);
      },
    });
  }

  /** The PV name. */
  get name(): string {
    return this.#state.name;
  }
  /** Client-side id (stable across reconnects). */
  get cid(): number {
    return this.#state.cid;
  }
  /** Whether the channel is connected now. */
  get connected(): boolean {
    return this.#state.connected;
  }
  /** Whether close() was called. */
  get closed(): boolean {
    return this.#state.closed;
  }
  /** Native type (known once connected). */
  get nativeType(): DbrBaseType | undefined {
    return this.#state.nativeType;
  }
  /** Native element count (known once connected). */
  get count(): number | undefined {
    return this.#state.count;
  }
  /** "host:port" of the server (known once connected). */
  get host(): string | undefined {
    return this.#state.host;
  }
  /**
   * "host:port" of the server now, or of the last one known to have the PV
   * (after a disconnect, or when it answered the search but not the circuit).
   */
  get lastHost(): string | undefined {
    return this.#state.lastHost;
  }
  /** Why the channel is not connected (the last failure), if known. */
  get problem(): string | undefined {
    return this.#state.problem;
  }
  /** Access rights the server granted. */
  get access(): AccessRights | undefined {
    return this.#state.access;
  }

  #connected(): void {
    for (const w of this.#waiters) {
      clearTimeout(w.timer);
      w.resolve();
    }
    this.#waiters.clear();
    this.#dispatch(true);
  }

  #dispatch(connected: boolean): void {
    this.dispatchEvent(
      new CustomEvent<ConnectionDetail>("connection", {
        detail: { connected },
      }),
    );
  }

  /**
   * Resolves when connected; rejects with CAError(ECA_TIMEOUT) naming the PV
   * after `timeout` seconds (default: the client's timeout).
   */
  waitConnected(timeout?: number): Promise<void> {
    if (this.#state.connected) return Promise.resolve();
    if (this.#state.closed) {
      return Promise.reject(new CAError(this.name, "ECA_CHANDESTROY"));
    }
    const seconds = timeout ?? this.#timeout;
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          const { foundAt, problem } = this.#state;
          reject(
            new CAError(
              this.name,
              "ECA_TIMEOUT",
              foundAt
                ? `found on ${foundAt}, but not connected within ${seconds} s: ${
                  problem ?? "the server did not answer the channel's creation"
                }`
                : `not connected within ${seconds} s; no server answered the search`,
            ),
          );
        }, seconds * 1000),
      };
      this.#waiters.add(waiter);
    });
  }

  /**
   * Reads the PV (any DBR type and form). With `into`, the value array is
   * written into that buffer and the value is the filled view of it.
   */
  get(options: GetOptions = NO_OPTIONS): Promise<CAValue> {
    // connected: straight to the request (one Promise per get, no awaits)
    if (!this.#state.connected) return this.#getAfterConnect(options);
    return this.#read(options, options.timeout ?? this.#timeout);
  }

  async #getAfterConnect(options: GetOptions): Promise<CAValue> {
    const timeout = options.timeout ?? this.#timeout;
    const start = performance.now();
    await this.waitConnected(timeout);
    return this.#read(options, remaining(timeout, start));
  }

  #read(options: GetOptions, timeout: number): Promise<CAValue> {
    const state = this.#state;
    const circuit = state.circuit;
    try {
      if (!circuit || !state.connected) {
        throw new CAError(this.name, "ECA_DISCONN");
      }
      if (!state.access?.read) throw new CAError(this.name, "ECA_NORDACCESS");
      const into = options.into;
      const type = into === undefined
        ? options.type ?? state.nativeType!
        : this.#intoType(options);
      const dataType = dbrType(type, options.form ?? "plain");
      const count = circuit.requestCount(state, options.count);
      return circuit.read(state, { dataType, count, timeout }, into);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The DBR type a get into `options.into` asks for; throws when it cannot fit. */
  #intoType(options: GetOptions): DbrBaseType {
    const into = options.into;
    const type = bufferType(into);
    if (type === undefined) {
      throw new CAError(
        this.name,
        "ECA_BADTYPE",
        "get into: expected a Float64Array, Float32Array, Int32Array, Int16Array, Uint16Array or Uint8Array",
      );
    }
    if (options.type !== undefined && options.type !== type) {
      throw new CAError(
        this.name,
        "ECA_BADTYPE",
        `get into: a ${
          into!.constructor.name
        } holds DBR ${type}, not the ${options.type} asked for`,
      );
    }
    const wanted = options.count ?? this.#state.count ?? 1;
    if (into!.length < wanted) {
      throw new CAError(
        this.name,
        "ECA_BADCOUNT",
        `get into: the buffer holds ${
          into!.length
        } elements; ${wanted} are needed`,
      );
    }
    return type;
  }

  /** Writes the PV; with `wait` it resolves when the server completed the put. */
  async put(value: PutValue, options: PutOptions = {}): Promise<void> {
    const timeout = options.timeout ?? this.#timeout;
    const start = performance.now();
    await this.waitConnected(timeout);
    const state = this.#state;
    if (!state.access?.write) {
      throw new CAError(
        this.name,
        "ECA_NOWTACCESS",
        "Write access denied: the server grants no write access to this PV",
      );
    }
    const data = await encodePut(state, value, {
      enumStrings: (t) => this.#fetchEnumStrings(t),
      timeout: remaining(timeout, start),
    });
    const circuit = state.circuit;
    if (!circuit || !state.connected) {
      throw new CAError(this.name, "ECA_DISCONN");
    }
    if (!options.wait) return circuit.write(state, data);
    const status = await circuit.writeNotify(
      state,
      data,
      remaining(timeout, start),
    );
    if (!ecaSuccess(status)) throw new CAError(this.name, status);
  }

  async #fetchEnumStrings(timeout: number): Promise<string[]> {
    const state = this.#state;
    if (state.enumStrings) return state.enumStrings;
    const v = await this.get({ type: "enum", form: "ctrl", timeout });
    state.enumStrings = v.enumStrings ?? [];
    return state.enumStrings;
  }

  /**
   * Calls `callback` with every update (first with the current value). The
   * subscription is renewed automatically after each reconnection.
   */
  subscribe(
    callback: (v: CAValue) => void,
    options: MonitorOptions = {},
  ): CASubscription {
    const state = this.#state;
    const sub = new Sub(state, callback, options);
    if (state.closed) {
      sub.active = false;
      return new Monitor(sub);
    }
    state.subscriptions.add(sub);
    if (state.connected) state.circuit?.subscribe(sub);
    return new Monitor(sub);
  }

  /** Releases the channel: its monitors stop and pending operations fail. */
  close(): void {
    if (this.#state.closed) return;
    const error = new CAError(this.name, "ECA_CHANDESTROY");
    for (const w of this.#waiters) {
      clearTimeout(w.timer);
      w.reject(error);
    }
    this.#waiters.clear();
    this.#state.close(error);
  }
}

const NO_OPTIONS: GetOptions = {};

function remaining(timeout: number, start: number): number {
  return Math.max(0, timeout - (performance.now() - start) / 1000);
}
