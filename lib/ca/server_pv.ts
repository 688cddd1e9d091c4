/**
 * A process variable served by {@link CAServer}: its definition, its current
 * value in the native type, and conversion to/from any DBR type a client asks
 * for. Monitors are posted to subscribers through the {@link PVSubscriber}
 * interface (implemented by the server's circuits).
 *
 * @module
 */
import {
  BASE_TYPES,
  convertValue,
  type DbrBaseType,
  dbrInfo,
  type DbrLimits,
  decodeCString,
  decodeDbr,
  decodePlainScalar,
  encodeDbr,
  MAX_STRING_SIZE,
  stringToCharArray,
} from "./codec/mod.ts";
import {
  dbrTypeInfo,
  type NumericStore,
  type PVInput,
  PVRequestError,
  type PVValue,
  type SetOptions,
  STORE,
  textLength,
} from "./server_pv_types.ts";

export {
  type PVInput,
  PVRequestError,
  type PVValue,
  type SetOptions,
} from "./server_pv_types.ts";
import { DBE_ALARM, DBE_LOG, DBE_PROPERTY, DBE_VALUE } from "./codec/mod.ts";

/** How a PV is served. */
export interface PVDefinition {
  /** Native DBR type. */
  type: DbrBaseType;
  /** Maximum element count (default 1). */
  count?: number;
  /** Initial value (default zero / empty string). */
  value?: PVInput;
  /** Engineering units (gr/ctrl forms). */
  units?: string;
  /** Display precision (float/double gr/ctrl forms). */
  precision?: number;
  /** Enum state strings (enum PVs). */
  enumStrings?: string[];
  /** Display, alarm, warning and control limits. */
  limits?: Partial<DbrLimits>;
  /** Alarm status (EPICS alarm condition, 0 = NO_ALARM). */
  status?: number;
  /** Alarm severity (0 NO_ALARM, 1 MINOR, 2 MAJOR, 3 INVALID). */
  severity?: number;
  /** Refuse writes: clients get read access only (ECA_NOWTACCESS). */
  readOnly?: boolean;
  /**
   * Awaited before a put (and a put-notify's completion) is acknowledged;
   * throwing fails the put (ECA_PUTFAIL) and leaves the value unchanged.
   * When it returns, the written value is stored and posted — unless the
   * handler itself called `pv.set(...)`, whose value then stands.
   */
  onWrite?: (value: PVValue, pv: ServerPV) => void | Promise<void>;
}

/** Receives monitor events of a PV (a subscription on a circuit). */
export interface PVSubscriber {
  /** DBE_* bits this subscriber wants. */
  readonly mask: number;
  /** Called when the PV posts an event matching `mask`. */
  notify(pv: ServerPV, events: number): void;
}

/** A PV served by a {@link CAServer}; create it with `server.addPV`. */
export class ServerPV {
  /** The PV name. */
  readonly name: string;
  /** The definition it was created with (limits etc. may be updated). */
  readonly definition: PVDefinition;
  /** Maximum element count. */
  readonly maxCount: number;
  #store: NumericStore | string[];
  #count: number;
  #status: number;
  #severity: number;
  /** Milliseconds since 1970 (a Date is made only when one is asked for). */
  #timeMs: number;
  #version = 0;
  #subscribers = new Set<PVSubscriber>();
  #cache = new Map<number, Uint8Array>();
  #writeChain: Promise<void> = Promise.resolve();
  #pendingWrites = 0;
  #scratch?: NumericStore;

  /**
   * @param name PV name
   * @param definition type, count, metadata, write handler
   */
  constructor(name: string, definition: PVDefinition) {
    if (!BASE_TYPES.includes(definition.type)) {
      throw new TypeError(
        `PV ${name}: type '${definition.type}' is not a DBR base type; expected one of ${
          BASE_TYPES.join(", ")
        }`,
      );
    }
    const maxCount = definition.count ?? 1;
    if (!Number.isInteger(maxCount) || maxCount < 1) {
      throw new RangeError(
        `PV ${name}: count ${definition.count} is invalid; expected an integer ≥ 1`,
      );
    }
    this.name = name;
    this.definition = definition;
    this.maxCount = maxCount;
    this.#store = definition.type === "string"
      ? [""]
      : new STORE[definition.type](maxCount === 1 ? 1 : 0);
    this.#count = maxCount === 1 ? 1 : 0;
    this.#status = definition.status ?? 0;
    this.#severity = definition.severity ?? 0;
    this.#timeMs = Date.now();
    if (definition.value !== undefined) {
      const { store, count } = this.#toNative(definition.value);
      this.#store = store;
      this.#count = count;
    } else if (definition.type === "char" && maxCount > 1) {
      this.#count = 0;
    }
  }

  /** Native type. */
  get type(): DbrBaseType {
    return this.definition.type;
  }

  /** Current element count (≤ maxCount). */
  get count(): number {
    return this.#count;
  }

  /** The current value: a number/string for count-1 PVs, else an array. */
  get value(): PVValue {
    if (this.maxCount === 1) return this.#store[0];
    return this.#store as PVValue;
  }

  /** Current alarm status. */
  get status(): number {
    return this.#status;
  }

  /** Current alarm severity. */
  get severity(): number {
    return this.#severity;
  }

  /** Timestamp of the current value (a new Date each call). */
  get timestamp(): Date {
    return new Date(this.#timeMs);
  }

  /** Whether clients may write. */
  get writable(): boolean {
    return !this.definition.readOnly;
  }

  /** Number of live subscriptions (for leak checks). */
  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /**
   * Sets the value (converted to the native type; enum by label, char
   * waveform from a string) and posts DBE_VALUE|DBE_LOG to monitors, plus
   * DBE_ALARM when status or severity change.
   *
   * @example
   * ```ts
   * pv.set(3.5, { severity: 1, status: 3 });
   * ```
   */
  set(value: PVInput | PVValue, options: SetOptions = {}): void {
    if (typeof value === "number" && this.#numericScalar()) {
      // in place: no array per put (the store of a scalar never escapes)
      (this.#store as NumericStore)[0] = value;
    } else {
      let converted;
      try {
        converted = this.#toNative(value);
      } catch (error) {
        const message = (error as Error).message;
        throw new TypeError(
          message.startsWith(`PV ${this.name}`)
            ? message
            : `PV ${this.name} (${this.type}): ${message}`,
        );
      }
      this.#store = converted.store;
      this.#count = converted.count;
    }
    let events = DBE_VALUE | DBE_LOG;
    const status = options.status ?? this.#status;
    const severity = options.severity ?? this.#severity;
    if (status !== this.#status || severity !== this.#severity) {
      events |= DBE_ALARM;
    }
    this.#status = status;
    this.#severity = severity;
    this.#timeMs = options.timestamp?.getTime() ?? Date.now();
    this.#post(events);
  }

  /** Changes alarm status/severity without a new value (posts DBE_ALARM). */
  setAlarm(status: number, severity: number): void {
    if (status === this.#status && severity === this.#severity) return;
    this.#status = status;
    this.#severity = severity;
    this.#timeMs = Date.now();
    this.#post(DBE_ALARM);
  }

  /** Updates metadata (units, precision, limits, enum strings); posts DBE_PROPERTY. */
  updateProperties(
    patch: Pick<
      Partial<PVDefinition>,
      "units" | "precision" | "limits" | "enumStrings"
    >,
  ): void {
    Object.assign(this.definition, patch);
    this.#post(DBE_PROPERTY);
  }

  /** @internal adds a monitor subscriber. */
  subscribe(subscriber: PVSubscriber): void {
    this.#subscribers.add(subscriber);
  }

  /** @internal removes a monitor subscriber. */
  unsubscribe(subscriber: PVSubscriber): void {
    this.#subscribers.delete(subscriber);
  }

  #post(events: number): void {
    this.#version++;
    this.#cache.clear();
    for (const s of this.#subscribers) {
      if (s.mask & events) s.notify(this, events);
    }
  }

  /**
   * @internal encodes the current value as DBR type `dataType` with `count`
   * elements (0 = the current count). Throws {@link PVRequestError}.
   */
  encode(
    dataType: number,
    count: number,
  ): { payload: Uint8Array; count: number } {
    const textRead = dbrInfo(dataType)?.type === "string" &&
      this.type === "char" &&
      this.maxCount > 1;
    const n = count === 0 ? (textRead ? 1 : this.#count) : count;
    if (n > this.maxCount && !(textRead && n === 1)) {
      throw new PVRequestError(
        "ECA_BADCOUNT",
        `${this.name}: ${n} elements requested; the PV has at most ${this.maxCount}`,
      );
    }
    const key = dataType * 0x1000000 + n;
    const cached = this.#cache.get(key);
    if (cached) return { payload: cached, count: n };
    const info = dbrTypeInfo(dataType);
    const d = this.definition;
    let value: number | string | ArrayLike<number> | readonly string[];
    try {
      value = this.#valueAs(info.type);
    } catch (error) {
      throw new PVRequestError(
        "ECA_NOCONVERT",
        `${this.name}: cannot convert the ${this.type} value to ${info.type}: ${
          (error as Error).message
        }`,
      );
    }
    const payload = encodeDbr(dataType, {
      value,
      count: n,
      status: this.#status,
      severity: this.#severity,
      timestamp: info.form === "time" ? new Date(this.#timeMs) : undefined,
      units: d.units,
      precision: d.precision,
      enumStrings: d.enumStrings,
      limits: d.limits,
    });
    if (this.#cache.size > 16) this.#cache.clear();
    this.#cache.set(key, payload);
    return { payload, count: n };
  }

  #valueAs(
    type: DbrBaseType,
  ): number | string | ArrayLike<number> | readonly string[] {
    const native = this.type;
    const store = this.#store;
    const current = this.#count === store.length
      ? store
      : store.slice(0, this.#count);
    if (type === native) return current;
    if (type === "string") {
      if (native === "char" && this.maxCount > 1) {
        // a CHAR waveform read as DBR_STRING: its text
        return [decodeCString(current as Uint8Array)];
      }
      return convertValue(current as ArrayLike<number>, "string", {
        from: native,
        enumStrings: this.definition.enumStrings,
        precision: this.definition.precision,
      }) as string | string[];
    }
    if (native === "string") {
      return convertValue(current as string[], type, {
        from: "string",
        enumStrings: this.definition.enumStrings,
      }) as number | ArrayLike<number>;
    }
    return current as ArrayLike<number>;
  }

  /**
   * @internal decodes a client's write of DBR type `dataType` into the native
   * value (throws {@link PVRequestError} when it cannot be converted).
   */
  decodeWrite(dataType: number, count: number, payload: Uint8Array): PVValue {
    if (count > this.maxCount) {
      throw new PVRequestError(
        "ECA_BADCOUNT",
        `${this.name}: write of ${count} elements; the PV holds at most ${this.maxCount}`,
      );
    }
    const scalar = decodePlainScalar(dataType, count, payload);
    if (scalar !== undefined && this.#numericScalar()) {
      const scratch = this.#scratch ??=
        new STORE[this.type as Exclude<DbrBaseType, "string">](1);
      scratch[0] = scalar; // the store's own conversion, without a new array
      return scratch[0];
    }
    const data = decodeDbr(dataType, count, payload);
    try {
      const { store } = this.#toNative(data.value);
      if (this.maxCount === 1) return store[0];
      return store as PVValue;
    } catch (error) {
      throw new PVRequestError(
        "ECA_PUTFAIL",
        `${this.name}: cannot convert the written ${data.type} value to ${this.type}: ${
          (error as Error).message
        }`,
      );
    }
  }

  /**
   * @internal applies a client's write in order with the other writes to
   * this PV: awaits `onWrite`, then stores and posts.
   */
  applyWrite(value: PVValue): Promise<void> {
    if (this.#pendingWrites === 0) {
      // nothing queued: run now, so a read right behind this write sees it
      const before = this.#version;
      let result: void | Promise<void>;
      try {
        result = this.definition.onWrite?.(value, this);
      } catch (error) {
        return Promise.reject(error);
      }
      if (!isThenable(result)) {
        if (this.#version === before) this.set(value);
        return Promise.resolve();
      }
      return this.#queue(async () => {
        await result;
        if (this.#version === before) this.set(value);
      });
    }
    return this.#queue(async () => {
      const before = this.#version;
      if (this.definition.onWrite) await this.definition.onWrite(value, this);
      if (this.#version === before) this.set(value);
    });
  }

  #queue(run: () => Promise<void>): Promise<void> {
    this.#pendingWrites++;
    const result = this.#writeChain.then(run).finally(() => {
      this.#pendingWrites--;
    });
    this.#writeChain = result.catch(() => {});
    return result;
  }

  #numericScalar(): boolean {
    return this.maxCount === 1 && this.type !== "string";
  }

  #toNative(
    input: PVInput | PVValue,
  ): { store: NumericStore | string[]; count: number } {
    const type = this.type;
    const max = this.maxCount;
    if (type === "string") {
      let strings: string[];
      if (typeof input === "string") strings = [input];
      else if (typeof input === "number" || typeof input === "boolean") {
        strings = [String(typeof input === "boolean" ? Number(input) : input)];
      } else {
        strings = [];
        for (let i = 0; i < input.length; i++) strings.push(String(input[i]));
      }
      for (const s of strings) {
        if (textLength(s) > MAX_STRING_SIZE - 1) {
          throw new RangeError(
            `PV ${this.name}: string '${
              s.slice(0, 50)
            }' is longer than 39 bytes (MAX_STRING_SIZE)`,
          );
        }
      }
      if (strings.length > max) strings = strings.slice(0, max);
      if (max === 1 && strings.length === 0) strings = [""];
      return { store: strings, count: strings.length };
    }
    let source: ArrayLike<number>;
    if (typeof input === "string" && type === "char" && max > 1) {
      source = stringToCharArray(input, Math.min(max, textLength(input) + 1));
    } else if (
      Array.isArray(input) && input.length > 0 &&
      typeof input[0] === "string" && type === "char" && max > 1
    ) {
      source = stringToCharArray(
        input[0] as string,
        Math.min(max, textLength(input[0] as string) + 1),
      );
    } else {
      const converted = convertValue(
        input as PVInput,
        type,
        { enumStrings: this.definition.enumStrings },
      );
      source = typeof converted === "number"
        ? [converted]
        : converted as ArrayLike<number>;
    }
    const n = Math.min(source.length, max);
    const store = new STORE[type](max === 1 ? 1 : n);
    if (ArrayBuffer.isView(source) && source.length === n) {
      store.set(source as ArrayLike<number>);
    } else {
      for (let i = 0; i < n; i++) store[i] = Number(source[i]);
    }
    return { store, count: max === 1 ? 1 : n };
  }
}

function isThenable(x: unknown): x is Promise<void> {
  return typeof (x as { then?: unknown } | undefined)?.then === "function";
}
