/**
 * The part of the Channel Access client (`lib/ca/mod.ts`) the scan engine
 * uses, as a structural type: `CAClient` satisfies it, and the engine stays
 * independent of the client's internals.
 *
 * @module
 */
import { decodeCString } from "../ca/codec/text.ts";

/** A value as delivered by get/monitor (subset of `CAValue`). */
export interface PortValue {
  name: string;
  type: string;
  count: number;
  value: unknown;
  timestamp?: Date;
  enumStrings?: string[];
  units?: string;
  severity?: number;
}

/** Options of a get (subset of `GetOptions`). */
export interface PortGetOptions {
  form?: "plain" | "sts" | "time" | "gr" | "ctrl";
  timeout?: number;
  count?: number;
  /** Fill this buffer (asks for DBR doubles); the value is its filled view. */
  into?: Float64Array;
}

/** A monitor subscription. */
export interface PortSubscription {
  cancel(): void;
}

/** A channel (subset of `CAChannel`). */
export interface PortChannel extends EventTarget {
  readonly name: string;
  readonly connected: boolean;
  /** Native DBR type once connected (e.g. `"string"`, `"char"`). */
  readonly nativeType?: string;
  /** Native element count once connected. */
  readonly count?: number;
  waitConnected(timeout?: number): Promise<void>;
}

/** What the scan engine needs from a CA client. */
export interface CaPort {
  channel(name: string): PortChannel;
  get(name: string, options?: PortGetOptions): Promise<PortValue>;
  put(
    name: string,
    value: number | string | boolean | ArrayLike<number> | string[],
    options?: { wait?: boolean; timeout?: number },
  ): Promise<void>;
  monitor(
    name: string,
    callback: (v: PortValue) => void,
    options?: { form?: "plain" | "sts" | "time" | "gr" | "ctrl" },
  ): PortSubscription;
}

/** A numeric scalar out of a value (first element of an array). */
export function scalar(v: PortValue): number {
  const x = v.value;
  if (typeof x === "number") return x;
  if (typeof x === "string") return Number(x);
  if (x && typeof x === "object" && "length" in x) {
    const a = x as ArrayLike<unknown>;
    return a.length > 0 ? Number(a[0]) : NaN;
  }
  return NaN;
}

/**
 * The text of a value: a string as it is, a char waveform up to its NUL,
 * anything else "" (a number is not text).
 */
export function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return decodeCString(value);
  return "";
}

/** A numeric array out of a value (a scalar becomes one element). */
export function samples(v: PortValue): Float64Array {
  const x = v.value;
  if (x instanceof Float64Array) return x;
  if (typeof x === "number") return Float64Array.of(x);
  if (typeof x === "string") return Float64Array.of(Number(x));
  if (x && typeof x === "object" && "length" in x) {
    return Float64Array.from(x as ArrayLike<number>, Number);
  }
  return new Float64Array(0);
}
