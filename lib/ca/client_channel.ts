/**
 * CAChannel — the application's handle on one PV. It outlives connections:
 * after a disconnect it searches again, and when the PV is back its
 * subscriptions are re-established (delivering the current value) with no
 * action from the application.
 *
 * @module
 */
import {
  ConversionError,
  convertValue,
  type DbrBaseType,
  type DbrData,
  dbrInfo,
  dbrType,
  decodeDbr,
  type DecodeDbrOptions,
  decodePlainScalar,
  encodeDbr,
  encodeRequest,
  type RawMessage,
  stringToCharArray,
} from "./codec/mod.ts";
import type { DataResponse, WriteNotifyResponse } from "./codec/messages.ts";
import { CAError, ecaSuccess } from "./errors.ts";
import type { Circuit } from "./client_circuit.ts";
import type {
  CAValue,
  GetOptions,
  MonitorOptions,
  PutOptions,
  PutValue,
} from "./client_types.ts";
import { Command, DBE_ALARM, DBE_VALUE } from "./codec/constants.ts";

/** The client services a channel uses (implemented by CAClient). */
export interface ChannelHost {
  /** Default per-operation timeout, s. */
  readonly timeout: number;
  /** A fresh 32-bit id. */
  nextId(): number;
  /** Starts searching for the channel. */
  search(channel: CAChannel): void;
  /**
   * Sends a request (via `send`, called synchronously unless the channel is
   * disconnected) and waits for the reply with id `ioid`. With `readCount`
   * (the requested element count of a get, ≥ 0) the promise resolves with
   * `channel.finishRead(reply, readCount)`; without, with the reply.
   */
  request(
    channel: CAChannel,
    send: (circuit: Circuit, ioid: number) => void,
    timeout: number,
    readCount?: number,
  ): Promise<CAValue | WriteNotifyResponse>;
  /** Registers or drops a subscription id. */
  registerSubscription(id: number, sub: Subscription | undefined): void;
  /** Forgets a closed channel. */
  forget(channel: CAChannel): void;
  /** Rejects the channel's pending operations with `error`. */
  forgetOps(channel: CAChannel, error: CAError): void;
}

/** The "connection" event's detail. */
export interface ConnectionDetail {
  connected: boolean;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** Builds the application-facing value from decoded DBR data. */
export function toCAValue(name: string, d: DbrData): CAValue {
  const v: CAValue = {
    name,
    type: d.type,
    count: d.count,
    value: d.value,
  };
  if (d.status !== undefined) v.status = d.status;
  if (d.severity !== undefined) v.severity = d.severity;
  if (d.timestamp !== undefined) v.timestamp = d.timestamp;
  if (d.stamp !== undefined) v.stamp = d.stamp;
  if (d.units !== undefined) v.units = d.units;
  if (d.precision !== undefined) v.precision = d.precision;
  if (d.enumStrings !== undefined) v.enumStrings = d.enumStrings;
  if (d.limits !== undefined) v.limits = d.limits;
  return v;
}

/** A monitor of one channel (internal; the app sees CASubscription). */
export class Subscription {
  readonly id: number;
  readonly channel: CAChannel;
  readonly callback: (v: CAValue) => void;
  readonly options: MonitorOptions;
  active = true;
  /** DBR code of the current EVENT_ADD. */
  dataType = 0;

  constructor(
    id: number,
    channel: CAChannel,
    callback: (v: CAValue) => void,
    options: MonitorOptions,
  ) {
    this.id = id;
    this.channel = channel;
    this.callback = callback;
    this.options = options;
  }

  /** Stops the monitor (idempotent). */
  cancel(): void {
    if (!this.active) return;
    this.active = false;
    this.channel.unsubscribe(this);
  }

  /** Handles an EVENT_ADD reply. */
  deliver(msg: DataResponse): void {
    if (!this.active || msg.payload.length === 0) return;
    if (!ecaSuccess(msg.status)) return;
    let data: DbrData;
    try {
      data = decodeDbr(
        msg.dataType,
        msg.count,
        msg.payload,
        decodeOptions(msg),
      );
    } catch {
      return; // a malformed update is dropped; the next one will do
    }
    try {
      this.callback(toCAValue(this.channel.name, data));
    } catch (error) {
      console.error(
        `CA monitor callback of ${this.channel.name} threw:`,
        error,
      );
    }
  }
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
  /** The PV name. */
  readonly name: string;
  /** Client-side id (stable across reconnects). */
  readonly cid: number;
  #host: ChannelHost;
  #connected = false;
  #closed = false;
  #circuit?: Circuit;
  #sid = 0;
  #nativeType?: DbrBaseType;
  #count?: number;
  #access?: { read: boolean; write: boolean };
  #waiters = new Set<Waiter>();
  #subs = new Set<Subscription>();
  #enumStrings?: string[];
  /** The last large get reply (its payload size predicts the next one's). */
  #bigReply?: { dataType: number; count: number; size: number };

  /** @internal created by CAClient.channel() */
  constructor(name: string, cid: number, host: ChannelHost) {
    super();
    this.name = name;
    this.cid = cid;
    this.#host = host;
  }

  /** Whether the channel is connected now. */
  get connected(): boolean {
    return this.#connected;
  }
  /** Whether close() was called. */
  get closed(): boolean {
    return this.#closed;
  }
  /** Native type (known once connected). */
  get nativeType(): DbrBaseType | undefined {
    return this.#nativeType;
  }
  /** Native element count (known once connected). */
  get count(): number | undefined {
    return this.#count;
  }
  /** "host:port" of the server (known once connected). */
  get host(): string | undefined {
    return this.#circuit?.key;
  }
  /** Access rights the server granted. */
  get access(): { read: boolean; write: boolean } | undefined {
    return this.#access;
  }
  /** @internal the circuit carrying the channel */
  get circuit(): Circuit | undefined {
    return this.#circuit;
  }
  /** @internal server id */
  get sid(): number {
    return this.#sid;
  }

  /** @internal the search found a server and a circuit is up: create the channel there. */
  attach(circuit: Circuit): void {
    this.#circuit = circuit;
    circuit.send(encodeRequest({
      command: "CREATE_CHAN",
      name: this.name,
      cid: this.cid,
      version: 13,
    }));
  }

  /** @internal ACCESS_RIGHTS */
  onAccess(access: number): void {
    this.#access = { read: (access & 1) !== 0, write: (access & 2) !== 0 };
  }

  /** @internal CREATE_CHAN reply: connected. */
  onCreated(sid: number, dataType: number, count: number): void {
    const info = dbrInfo(dataType);
    if (this.#closed || !this.#circuit) return;
    this.#sid = sid;
    this.#nativeType = info?.type ?? "double";
    this.#count = count;
    this.#access ??= { read: true, write: true };
    this.#connected = true;
    this.#enumStrings = undefined;
    for (const w of this.#waiters) {
      clearTimeout(w.timer);
      w.resolve();
    }
    this.#waiters.clear();
    for (const sub of this.#subs) this.#sendEventAdd(sub);
    this.dispatchEvent(
      new CustomEvent<ConnectionDetail>("connection", {
        detail: { connected: true },
      }),
    );
  }

  /** @internal the circuit or the server dropped the channel. */
  onLost(reason: string): void {
    const was = this.#connected;
    this.#connected = false;
    this.#circuit = undefined;
    this.#access = undefined;
    this.#host.forgetOps(this, new CAError(this.name, "ECA_DISCONN", reason));
    if (this.#closed) return;
    if (was) {
      this.dispatchEvent(
        new CustomEvent<ConnectionDetail>("connection", {
          detail: { connected: false },
        }),
      );
    }
    this.#host.search(this);
  }

  /**
   * Resolves when connected; rejects with CAError(ECA_TIMEOUT) naming the PV
   * after `timeout` seconds (default: the client's timeout).
   */
  waitConnected(timeout?: number): Promise<void> {
    if (this.#connected) return Promise.resolve();
    if (this.#closed) {
      return Promise.reject(new CAError(this.name, "ECA_CHANDESTROY"));
    }
    const seconds = timeout ?? this.#host.timeout;
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(
            new CAError(
              this.name,
              "ECA_TIMEOUT",
              `not connected within ${seconds} s; no server answered the search`,
            ),
          );
        }, seconds * 1000),
      };
      this.#waiters.add(waiter);
    });
  }

  /** Reads the PV (any DBR type and form). */
  get(options: GetOptions = NO_OPTIONS): Promise<CAValue> {
    // connected: straight to the request (one Promise per get, no awaits)
    if (!this.#connected) return this.#getAfterConnect(options);
    return this.#read(options, options.timeout ?? this.#host.timeout);
  }

  async #getAfterConnect(options: GetOptions): Promise<CAValue> {
    const timeout = options.timeout ?? this.#host.timeout;
    const start = performance.now();
    await this.waitConnected(timeout);
    return this.#read(options, remaining(timeout, start));
  }

  #read(options: GetOptions, timeout: number): Promise<CAValue> {
    try {
      if (!this.#access?.read) throw new CAError(this.name, "ECA_NORDACCESS");
      const dataType = dbrType(
        options.type ?? this.#nativeType!,
        options.form ?? "plain",
      );
      const count = this.#requestCount(options.count);
      // the host calls #sendRead synchronously: these fields are its arguments
      this.#readType = dataType;
      this.#readCount = count;
      return this.#host.request(
        this,
        this.#sendRead,
        timeout,
        count,
      ) as Promise<CAValue>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Turns a READ_NOTIFY reply (status in `param1`) into the get's value
   * (called by the host; throws a CAError naming the PV when the read
   * failed). `count` is the element count the get asked for.
   */
  finishRead(reply: RawMessage, count: number): CAValue {
    if (!ecaSuccess(reply.param1)) throw new CAError(this.name, reply.param1);
    const dataType = reply.dataType;
    const payload = reply.payload;
    if (this.#bigReply !== undefined || payload.length >= BIG_REPLY) {
      const big = this.#bigReply;
      if (payload.length >= BIG_REPLY) {
        this.#bigReply = { dataType, count, size: payload.length };
      } else if (big?.dataType === dataType && big.count === count) {
        this.#bigReply = undefined;
      }
    }
    const scalar = decodePlainScalar(dataType, reply.dataCount, payload);
    if (scalar !== undefined) {
      return {
        name: this.name,
        type: this.#scalarType(dataType),
        count: 1,
        value: scalar,
      };
    }
    try {
      return toCAValue(
        this.name,
        decodeDbr(dataType, reply.dataCount, payload, decodeOptions(reply)),
      );
    } catch (error) {
      throw new CAError(this.name, "ECA_GETFAIL", (error as Error).message);
    }
  }

  #scalarType(dataType: number): DbrBaseType {
    return dbrInfo(dataType)!.type;
  }

  #readType = 0;
  #readCount = 0;
  /** Sends a READ_NOTIFY (one function for every get: no closure per request). */
  #sendRead = (circuit: Circuit, ioid: number): void => {
    const dataType = this.#readType;
    const count = this.#readCount;
    circuit.sendHeader(Command.READ_NOTIFY, dataType, count, this.#sid, ioid);
    const big = this.#bigReply;
    if (big?.dataType === dataType && big.count === count) {
      circuit.expectPayload(big.size);
    }
  };

  #requestCount(count?: number): number {
    if (count !== undefined) return count;
    return (this.#circuit?.version ?? 0) >= 13 ? 0 : (this.#count ?? 1);
  }

  /** Writes the PV; with `wait` it resolves when the server completed the put. */
  async put(value: PutValue, options: PutOptions = {}): Promise<void> {
    const timeout = options.timeout ?? this.#host.timeout;
    const start = performance.now();
    await this.waitConnected(timeout);
    if (!this.#access?.write) {
      throw new CAError(
        this.name,
        "ECA_NOWTACCESS",
        "Write access denied: the server grants no write access to this PV",
      );
    }
    const { dataType, count, payload } = await this.#encodePut(
      value,
      remaining(timeout, start),
    );
    const sid = this.#sid;
    if (!options.wait) {
      const circuit = this.#circuit;
      if (!circuit || !this.#connected) {
        throw new CAError(this.name, "ECA_DISCONN");
      }
      circuit.send(encodeRequest({
        command: "WRITE",
        dataType,
        count,
        sid,
        ioid: this.#host.nextId(),
        payload,
      }));
      return;
    }
    const reply = await this.#host.request(
      this,
      (circuit: Circuit, ioid: number) =>
        circuit.send(encodeRequest({
          command: "WRITE_NOTIFY",
          dataType,
          count,
          sid,
          ioid,
          payload,
        })),
      remaining(timeout, start),
    ) as WriteNotifyResponse;
    if (!ecaSuccess(reply.status)) throw new CAError(this.name, reply.status);
  }

  async #encodePut(
    value: PutValue,
    timeout: number,
  ): Promise<{ dataType: number; count: number; payload: Uint8Array }> {
    const native = this.#nativeType!;
    const max = this.#count ?? 1;
    let input: PutValue = value;
    let enumStrings: string[] | undefined;
    if (
      native === "enum" &&
      (typeof value === "string" ||
        (Array.isArray(value) && typeof value[0] === "string"))
    ) {
      enumStrings = await this.#fetchEnumStrings(timeout);
    }
    if (native === "char" && typeof value === "string" && max > 1) {
      input = stringToCharArray(value).subarray(0, max);
    }
    let converted;
    try {
      converted = convertValue(input, native, { enumStrings });
    } catch (error) {
      if (!(error instanceof ConversionError)) throw error;
      throw new CAError(this.name, "ECA_BADTYPE", error.message);
    }
    const n = typeof converted === "number" || typeof converted === "string"
      ? 1
      : Math.min(converted.length, max);
    const dataType = dbrType(native);
    return {
      dataType,
      count: n,
      payload: encodeDbr(dataType, { value: converted, count: n }),
    };
  }

  async #fetchEnumStrings(timeout: number): Promise<string[]> {
    if (this.#enumStrings) return this.#enumStrings;
    const v = await this.get({ type: "enum", form: "ctrl", timeout });
    this.#enumStrings = v.enumStrings ?? [];
    return this.#enumStrings;
  }

  /**
   * Calls `callback` with every update (first with the current value). The
   * subscription is renewed automatically after each reconnection.
   */
  subscribe(
    callback: (v: CAValue) => void,
    options: MonitorOptions = {},
  ): Subscription {
    const sub = new Subscription(this.#host.nextId(), this, callback, options);
    if (this.#closed) {
      sub.active = false;
      return sub;
    }
    this.#subs.add(sub);
    this.#host.registerSubscription(sub.id, sub);
    if (this.#connected) this.#sendEventAdd(sub);
    return sub;
  }

  #sendEventAdd(sub: Subscription): void {
    const o = sub.options;
    sub.dataType = dbrType(o.type ?? this.#nativeType!, o.form ?? "time");
    this.#circuit?.send(encodeRequest({
      command: "EVENT_ADD",
      dataType: sub.dataType,
      count: this.#requestCount(o.count),
      sid: this.#sid,
      subid: sub.id,
      mask: o.mask ?? (DBE_VALUE | DBE_ALARM),
    }));
  }

  /** @internal Subscription.cancel() */
  unsubscribe(sub: Subscription): void {
    this.#subs.delete(sub);
    this.#host.registerSubscription(sub.id, undefined);
    if (this.#connected && this.#circuit) {
      this.#circuit.send(encodeRequest({
        command: "EVENT_CANCEL",
        dataType: sub.dataType,
        count: 0,
        sid: this.#sid,
        subid: sub.id,
      }));
    }
  }

  /** Releases the channel: its monitors stop and pending operations fail. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const sub of this.#subs) {
      sub.active = false;
      this.#host.registerSubscription(sub.id, undefined);
    }
    this.#subs.clear();
    const error = new CAError(this.name, "ECA_CHANDESTROY");
    for (const w of this.#waiters) {
      clearTimeout(w.timer);
      w.reject(error);
    }
    this.#waiters.clear();
    if (this.#connected && this.#circuit) {
      this.#circuit.send(encodeRequest({
        command: "CLEAR_CHANNEL",
        sid: this.#sid,
        cid: this.cid,
      }));
    }
    this.#connected = false;
    this.#host.forgetOps(this, error);
    this.#host.forget(this);
    this.#circuit = undefined;
  }
}

const DECODE_SHARED: DecodeDbrOptions = {};
const DECODE_OWNED: DecodeDbrOptions = { inPlace: true };
const DECODE_OWNED_NATIVE: DecodeDbrOptions = {
  inPlace: true,
  nativeOrder: true,
};
const DECODE_SHARED_NATIVE: DecodeDbrOptions = { nativeOrder: true };

/** decodeDbr options for a reply (shared constants: no allocation per message). */
function decodeOptions(
  msg: { payload: Uint8Array; nativeOrder?: boolean },
): DecodeDbrOptions {
  if (ownsBuffer(msg.payload)) {
    return msg.nativeOrder ? DECODE_OWNED_NATIVE : DECODE_OWNED;
  }
  return msg.nativeOrder ? DECODE_SHARED_NATIVE : DECODE_SHARED;
}

/**
 * Whether a payload is the whole of its buffer (a large one the frame reader
 * allocated for it): only then may decoding swap bytes in place and hand out
 * a view, without pinning a buffer shared with other messages.
 */
function ownsBuffer(payload: Uint8Array): boolean {
  return payload.byteOffset === 0 &&
    payload.byteLength === payload.buffer.byteLength;
}

const NO_OPTIONS: GetOptions = {};

/** Replies at least this big get their receive buffer allocated in advance. */
const BIG_REPLY = 64 * 1024;

function remaining(timeout: number, start: number): number {
  return Math.max(0, timeout - (performance.now() - start) / 1000);
}
