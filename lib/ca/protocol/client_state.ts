/**
 * The client's per-channel and per-subscription protocol state, its id
 * allocator and what a circuit needs from its transport: what a `ClientCircuit` creates, connects, loses and
 * renews. No sockets, no timers; the application's handle (`CAChannel`)
 * reads this state and listens to it.
 *
 * @module
 */
import {
  ACCESS_READ,
  ACCESS_WRITE,
  type DbrBaseType,
  dbrInfo,
} from "../codec/mod.ts";
import type { CAValue, GetBuffer, MonitorOptions } from "../client_types.ts";

/**
 * 32-bit ids, never 0, wrapping (cids of channels, ioids of requests,
 * subscription ids).
 *
 * @example
 * ```ts
 * const ids = new IdAllocator();
 * ids.next(); // 1
 * ```
 */
export class IdAllocator {
  #next = 1;

  /** A fresh id (1 … 2³²−1, then 1 again). */
  next(): number {
    const id = this.#next;
    this.#next = (this.#next + 1) >>> 0 || 1;
    return id;
  }
}

/** What a client circuit needs from its transport. */
export interface ClientCircuitHost {
  /** Bytes were queued in `out` (called once per tick). */
  ready(): void;
  /** A request now waits until `at` (a `now()` time, ms): arm a timer. */
  deadline(at: number): void;
  /** The current time, ms (performance.now() scale). */
  now(): number;
  /** A failure nobody waits for (a refused WRITE or EVENT_ADD). */
  warn(message: string, properties: Record<string, unknown>): void;
}

/** Options of `ClientCircuit`. */
export interface ClientCircuitOptions {
  /** "host:port" of the server. */
  key: string;
  /** Minor protocol version the server announced in its search reply. */
  version: number;
  /** Largest payload accepted, bytes. */
  maxPayload: number;
  /** Our host name (HOST_NAME). */
  hostName: string;
  /** Our user name (CLIENT_NAME). */
  userName: string;
}

/** Access rights the server granted. */
export interface AccessRights {
  read: boolean;
  write: boolean;
}

/** The access rights an ACCESS_RIGHTS message's bit field grants. */
export function accessRights(bits: number): AccessRights {
  return {
    read: (bits & ACCESS_READ) !== 0,
    write: (bits & ACCESS_WRITE) !== 0,
  };
}

/** What the owner of a {@link ChannelState} hears about it. */
export interface ChannelListener {
  /** The channel is connected (CREATE_CHAN answered). */
  connected(): void;
  /**
   * The channel left its circuit (not called once it is closed);
   * `wasConnected` says whether it had been connected there.
   */
  lost(reason: string, wasConnected: boolean): void;
  /** The application released the channel (see {@link ChannelState.close}). */
  released?(circuit: ChannelCircuit | undefined): void;
}

/**
 * What a channel needs of the circuit that carries it: the requests the
 * application makes through it (`ClientCircuit` is one; declared here so
 * that the state does not import the circuit that imports the state).
 */
export interface ChannelCircuit {
  /** "host:port" of the server. */
  readonly key: string;
  /** The element count to ask for (`count`, or the server's default). */
  requestCount(channel: ChannelState, count?: number): number;
  /** READ_NOTIFY; resolves with the value (into `into` when given). */
  read(
    channel: ChannelState,
    request: { dataType: number; count: number; timeout: number },
    into?: GetBuffer,
  ): Promise<CAValue>;
  /** WRITE (no reply). */
  write(
    channel: ChannelState,
    data: { dataType: number; count: number; payload: Uint8Array },
  ): void;
  /** WRITE_NOTIFY; resolves with the server's status. */
  writeNotify(
    channel: ChannelState,
    data: { dataType: number; count: number; payload: Uint8Array },
    timeout: number,
  ): Promise<number>;
  /** EVENT_ADD for `sub`. */
  subscribe(sub: SubscriptionState): void;
  /** EVENT_CANCEL for `sub`. */
  unsubscribe(sub: SubscriptionState): void;
  /** The application released `channel`: fail its requests with `error`. */
  release(channel: ChannelState, error: Error): void;
}

/** A monitor's protocol state: survives reconnections (new subid each time). */
export class SubscriptionState {
  /** The channel monitored. */
  readonly channel: ChannelState;
  /** What was asked for (type, form, count, mask). */
  readonly options: MonitorOptions;
  /** Called with every decoded update. */
  readonly callback: (v: CAValue) => void;
  /** Whether the monitor is still wanted. */
  active = true;
  /** Subscription id on the current circuit (0 while not subscribed). */
  subid = 0;
  /** DBR code of the current EVENT_ADD. */
  dataType = 0;

  /**
   * @param channel the channel monitored
   * @param callback receives every update
   * @param options type, form, count and mask
   */
  constructor(
    channel: ChannelState,
    callback: (v: CAValue) => void,
    options: MonitorOptions,
  ) {
    this.channel = channel;
    this.callback = callback;
    this.options = options;
  }
}

/** Replies at least this big get their receive buffer allocated in advance. */
const BIG_REPLY = 64 * 1024;

/** The last large get reply of a channel: its size predicts the next one's. */
export interface BigReply {
  dataType: number;
  count: number;
  size: number;
}

/**
 * One channel's protocol state on the client: ids, native type and count,
 * access rights, the circuit carrying it and its subscriptions.
 */
export class ChannelState {
  /** The PV name. */
  readonly name: string;
  /** Client-side id (stable across reconnects). */
  readonly cid: number;
  /** Server id (valid while connected). */
  sid = 0;
  /** Native type (known once connected). */
  nativeType?: DbrBaseType;
  /** Native element count (known once connected). */
  count?: number;
  /** Access rights (known once connected). */
  access?: AccessRights;
  /** The circuit the channel is created on (set by CREATE_CHAN). */
  circuit?: ChannelCircuit;
  /** Whether CREATE_CHAN was answered on `circuit`. */
  connected = false;
  /** Whether the application released the channel. */
  closed = false;
  /** The monitors to keep on whatever circuit carries the channel. */
  readonly subscriptions = new Set<SubscriptionState>();
  /** Enum labels fetched for puts by label (dropped on reconnect). */
  enumStrings?: string[];
  /** Size of the last large get reply. */
  bigReply?: BigReply;
  /** "host:port" of the server that last answered the search for it. */
  foundAt?: string;
  /** Why the last attempt to connect or stay connected failed. */
  problem?: string;
  #listeners: ChannelListener[] = [];

  /**
   * @param name the PV name
   * @param cid the client id, from the client's {@link IdAllocator}
   */
  constructor(name: string, cid: number) {
    this.name = name;
    this.cid = cid;
  }

  /** Adds a listener for connects and losses. */
  listen(listener: ChannelListener): void {
    this.#listeners.push(listener);
  }

  /** "host:port" of the circuit (known once attached). */
  get host(): string | undefined {
    return this.circuit?.key;
  }

  /** The circuit's "host:port", else the last server known to have it. */
  get lastHost(): string | undefined {
    return this.circuit?.key ?? this.foundAt;
  }

  /** The server's CREATE_CHAN reply: the channel is connected. */
  created(sid: number, dataType: number, count: number): void {
    this.sid = sid;
    this.nativeType = dbrInfo(dataType)?.type ?? "double";
    this.count = count;
    this.access ??= { read: true, write: true };
    this.connected = true;
    this.enumStrings = undefined;
    this.problem = undefined;
  }

  /**
   * Remembers the size of a large get reply of `dataType`×`count` (its
   * buffer is then allocated while the next one is awaited).
   */
  noteReply(dataType: number, count: number, size: number): void {
    const big = this.bigReply;
    if (size >= BIG_REPLY) this.bigReply = { dataType, count, size };
    else if (big?.dataType === dataType && big.count === count) {
      this.bigReply = undefined;
    }
  }

  /** Tells the listeners the channel is connected (after `created`). */
  announce(): void {
    for (const l of this.#listeners) l.connected();
  }

  /**
   * The application released the channel: its circuit fails its requests
   * with `error` and clears it on the server; the listeners are told.
   */
  close(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const sub of this.subscriptions) sub.active = false;
    const circuit = this.circuit;
    circuit?.release(this, error);
    this.subscriptions.clear();
    this.circuit = undefined;
    this.connected = false;
    for (const l of this.#listeners) l.released?.(circuit);
  }

  /** The channel left its circuit (lost, refused, or released). */
  detached(reason: string): void {
    const was = this.connected;
    this.problem = reason;
    this.connected = false;
    this.circuit = undefined;
    this.access = undefined;
    for (const sub of this.subscriptions) sub.subid = 0;
    if (this.closed) return;
    for (const l of this.#listeners) l.lost(reason, was);
  }
}
