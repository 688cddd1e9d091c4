/**
 * DBR pack/unpack for the 35 types DBR_STRING … DBR_CTRL_DOUBLE, laid out
 * exactly as the structures of EPICS base `db_access.h` (RISC_pad fields
 * included). Numeric arrays are converted with one bulk byte swap.
 *
 * @module
 */
import {
  BASE_TYPES,
  type DbrBaseType,
  type DbrForm,
  ELEMENT_SIZE,
  EPICS_EPOCH_OFFSET,
  MAX_ENUM_STATES,
  MAX_ENUM_STRING_SIZE,
  MAX_UNITS_SIZE,
} from "./constants.ts";
import { align8, CAProtocolError } from "./header.ts";
import { decodeCString, encodeCString, encoder } from "./text.ts";
import { smallBytes } from "./small_bytes.ts";
import {
  hasPrecision,
  LITTLE_ENDIAN_HOST,
  requireInfo,
  valueOffset,
} from "./dbr_layout.ts";
import {
  ARRAY_TYPE,
  type DbrArray,
  decodeArray,
  type DecodeDbrOptions,
  swapInPlace,
} from "./dbr_array.ts";

export { dbrPayloadSize, valueOffset } from "./dbr_layout.ts";
export {
  type DbrArray,
  dbrSwapRegion,
  type DecodeDbrOptions,
  swapElements,
  type SwapRegion,
} from "./dbr_array.ts";

/** An EPICS timestamp: seconds since 1990-01-01 UTC plus nanoseconds. */
export interface EpicsTimeStamp {
  secondsPastEpoch: number;
  nanoseconds: number;
}

/** Display, alarm, warning and (ctrl form) control limits. */
export interface DbrLimits {
  upperDisp: number;
  lowerDisp: number;
  upperAlarm: number;
  upperWarning: number;
  lowerWarning: number;
  lowerAlarm: number;
  upperCtrl?: number;
  lowerCtrl?: number;
}

/** A decoded DBR value: count 1 → number/string, arrays → typed arrays. */
export type DbrValue = number | string | string[] | DbrArray;

/** What a DBR payload holds, decoded. */
export interface DbrData {
  /** The DBR base type the value was delivered as. */
  type: DbrBaseType;
  /** The DBR form (plain, sts, time, gr, ctrl). */
  form: DbrForm;
  /** Number of elements delivered. */
  count: number;
  /** count 1 numeric/enum → number, count 1 string → string, arrays → typed array (string arrays → string[]). */
  value: DbrValue;
  /** Alarm status (sts/time/gr/ctrl forms). */
  status?: number;
  /** Alarm severity (sts/time/gr/ctrl forms). */
  severity?: number;
  /** Time stamp (time form). */
  timestamp?: Date;
  /** The raw EPICS time stamp (keeps the nanoseconds a Date drops). */
  stamp?: EpicsTimeStamp;
  /** Engineering units (gr/ctrl forms of numeric types). */
  units?: string;
  /** Display precision (gr/ctrl forms of float/double). */
  precision?: number;
  /** Enum state strings (gr/ctrl forms of enum). */
  enumStrings?: string[];
  /** Display/alarm/warning (and ctrl) limits (gr/ctrl forms of numeric types). */
  limits?: DbrLimits;
}

/** Input of {@link encodeDbr}: the value must already be of the DBR's kind. */
export interface DbrInput {
  /** number or ArrayLike<number> for numeric types, string or string[] for strings. */
  value: number | string | ArrayLike<number> | readonly string[];
  /** Element count to encode (default: the value's length, 1 for scalars). */
  count?: number;
  status?: number;
  severity?: number;
  timestamp?: Date;
  stamp?: EpicsTimeStamp;
  units?: string;
  precision?: number;
  enumStrings?: readonly string[];
  limits?: Partial<DbrLimits>;
}

/** EPICS timestamp → JS Date (millisecond resolution). */
export function epicsToDate(stamp: EpicsTimeStamp): Date {
  return new Date(
    (stamp.secondsPastEpoch + EPICS_EPOCH_OFFSET) * 1000 +
      Math.floor(stamp.nanoseconds / 1e6),
  );
}

/** JS Date → EPICS timestamp (dates before 1990 clamp to the epoch). */
export function dateToEpics(date: Date): EpicsTimeStamp {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) return { secondsPastEpoch: 0, nanoseconds: 0 };
  const seconds = Math.floor(ms / 1000) - EPICS_EPOCH_OFFSET;
  if (seconds < 0) return { secondsPastEpoch: 0, nanoseconds: 0 };
  return {
    secondsPastEpoch: Math.min(seconds, 0xffffffff),
    nanoseconds: (ms - Math.floor(ms / 1000) * 1000) * 1e6,
  };
}

function readNumber(
  view: DataView,
  offset: number,
  type: DbrBaseType,
): number {
  switch (type) {
    case "short":
      return view.getInt16(offset);
    case "float":
      return view.getFloat32(offset);
    case "enum":
      return view.getUint16(offset);
    case "char":
      return view.getUint8(offset);
    case "long":
      return view.getInt32(offset);
    default:
      return view.getFloat64(offset);
  }
}

const scratch = new ArrayBuffer(8);
const scratchBytes = new Uint8Array(scratch);
const scratchF64 = new Float64Array(scratch);
const scratchF32 = new Float32Array(scratch);

/** Base type of the plain numeric DBR codes 1–6 (SHORT … DOUBLE) by code. */
const PLAIN_NUMERIC: readonly (DbrBaseType | undefined)[] = BASE_TYPES.map(
  (t) => t === "string" ? undefined : t,
);

/**
 * The value of a one-element plain numeric DBR (codes 1–6), or undefined
 * for any other type, count or a short payload — the fast path of a scalar
 * get; equal to `decodeDbr(dataType, 1, payload).value`.
 */
export function decodePlainScalar(
  dataType: number,
  count: number,
  payload: Uint8Array,
): number | undefined {
  const type = PLAIN_NUMERIC[dataType];
  if (type === undefined || count !== 1) return undefined;
  if (payload.length < ELEMENT_SIZE[type]) return undefined;
  return readScalar(payload, 0, type);
}

/** Writes one big-endian number at `p` (no DataView: the common scalar event). */
function writeScalar(
  bytes: Uint8Array,
  p: number,
  type: DbrBaseType,
  value: number,
): void {
  switch (type) {
    case "double":
    case "float": {
      const n = type === "double" ? 8 : 4;
      if (n === 8) scratchF64[0] = value;
      else scratchF32[0] = value;
      for (let i = 0; i < n; i++) {
        bytes[p + i] = scratchBytes[LITTLE_ENDIAN_HOST ? n - 1 - i : i];
      }
      return;
    }
    case "long":
      bytes[p] = value >>> 24;
      bytes[p + 1] = value >>> 16;
      bytes[p + 2] = value >>> 8;
      bytes[p + 3] = value;
      return;
    case "short":
    case "enum":
      bytes[p] = value >>> 8;
      bytes[p + 1] = value;
      return;
    default:
      bytes[p] = value;
  }
}

/** One big-endian number at `p` (no DataView: the common scalar get). */
function readScalar(bytes: Uint8Array, p: number, type: DbrBaseType): number {
  switch (type) {
    case "double":
    case "float": {
      const n = type === "double" ? 8 : 4;
      for (let i = 0; i < n; i++) {
        scratchBytes[LITTLE_ENDIAN_HOST ? n - 1 - i : i] = bytes[p + i];
      }
      return n === 8 ? scratchF64[0] : scratchF32[0];
    }
    case "long":
      return (bytes[p] << 24) | (bytes[p + 1] << 16) | (bytes[p + 2] << 8) |
        bytes[p + 3];
    case "short":
      return (((bytes[p] << 8) | bytes[p + 1]) << 16) >> 16;
    case "enum":
      return (bytes[p] << 8) | bytes[p + 1];
    default:
      return bytes[p];
  }
}

function writeNumber(
  view: DataView,
  offset: number,
  type: DbrBaseType,
  value: number,
): void {
  switch (type) {
    case "short":
      return view.setInt16(offset, value);
    case "float":
      return view.setFloat32(offset, value);
    case "enum":
      return view.setUint16(offset, value);
    case "char":
      return view.setUint8(offset, value);
    case "long":
      return view.setInt32(offset, value);
    default:
      return view.setFloat64(offset, value);
  }
}

const LIMIT_NAMES = [
  "upperDisp",
  "lowerDisp",
  "upperAlarm",
  "upperWarning",
  "lowerWarning",
  "lowerAlarm",
  "upperCtrl",
  "lowerCtrl",
] as const;

/**
 * Decodes a DBR payload of type code `dataType` holding `count` elements.
 * A payload too short for its structure throws a {@link CAProtocolError}.
 *
 * @example
 * ```ts
 * const data = decodeDbr(20, 1, payload); // DBR_TIME_DOUBLE
 * data.value; data.timestamp; data.severity;
 * ```
 */
export function decodeDbr(
  dataType: number,
  count: number,
  payload: Uint8Array,
  options: DecodeDbrOptions = {},
): DbrData {
  const { type, form } = requireInfo(dataType);
  const offset = valueOffset(type, form);
  const size = ELEMENT_SIZE[type];
  const minimum = type === "string" && count > 0
    ? offset + (count - 1) * size + 1
    : offset + count * size;
  if (payload.length < minimum) {
    throw new CAProtocolError(
      `DBR type ${dataType} with ${count} element(s) needs ${minimum} bytes; the payload has ${payload.length}`,
    );
  }
  const data: DbrData = { type, form, count, value: 0 };
  if (form === "plain" && count === 1 && type !== "string") {
    data.value = readScalar(payload, offset, type);
    return data;
  }
  const view = new DataView(
    payload.buffer,
    payload.byteOffset,
    payload.byteLength,
  );
  if (type === "string") {
    const strings: string[] = [];
    for (let i = 0; i < count; i++) {
      strings.push(decodeCString(payload, offset + i * size, size));
    }
    data.value = count === 1 ? strings[0] : strings;
  } else if (count === 1) {
    data.value = readNumber(view, offset, type);
  } else {
    data.value = decodeArray(type, payload, offset, count, options);
  }
  if (form === "plain") return data;
  data.status = view.getInt16(0);
  data.severity = view.getInt16(2);
  if (form === "time") {
    data.stamp = {
      secondsPastEpoch: view.getUint32(4),
      nanoseconds: view.getUint32(8),
    };
    data.timestamp = epicsToDate(data.stamp);
    return data;
  }
  if (form === "sts" || type === "string") return data;
  if (type === "enum") {
    const n = Math.max(0, Math.min(MAX_ENUM_STATES, view.getInt16(4)));
    data.enumStrings = [];
    for (let i = 0; i < n; i++) {
      data.enumStrings.push(
        decodeCString(
          payload,
          6 + i * MAX_ENUM_STRING_SIZE,
          MAX_ENUM_STRING_SIZE,
        ),
      );
    }
    return data;
  }
  let p = 4;
  if (hasPrecision(type)) {
    data.precision = view.getInt16(4);
    p = 8;
  }
  data.units = decodeCString(payload, p, MAX_UNITS_SIZE);
  p += MAX_UNITS_SIZE;
  const n = form === "ctrl" ? 8 : 6;
  const limits: Partial<DbrLimits> = {};
  for (let i = 0; i < n; i++) {
    limits[LIMIT_NAMES[i]] = readNumber(view, p + i * size, type);
  }
  data.limits = limits as DbrLimits;
  return data;
}

function elementCount(value: DbrInput["value"]): number {
  if (typeof value === "number" || typeof value === "string") return 1;
  return value.length;
}

/**
 * Encodes a value (and its metadata, for sts/time/gr/ctrl codes) as the
 * payload of DBR type `dataType`, zero-padded to a multiple of 8 bytes.
 * Numeric types take a number or ArrayLike<number>; DBR_STRING takes a string
 * or string[]; anything else throws a TypeError (convert first with
 * `convertValue`). Missing elements are zero, extra elements dropped.
 */
export function encodeDbr(dataType: number, input: DbrInput): Uint8Array {
  const { type, form } = requireInfo(dataType);
  const count = input.count ?? elementCount(input.value);
  if (form === "plain" && count === 1 && type !== "string") {
    // the common scalar event: no DataView, so the array stays small
    const v = input.value;
    const x = typeof v === "number"
      ? v
      : ArrayBuffer.isView(v) && v.length > 0
      ? (v as ArrayLike<number>)[0]
      : undefined;
    if (x !== undefined) {
      const out = smallBytes(8);
      writeScalar(out, 0, type, x);
      return out;
    }
  }
  const offset = valueOffset(type, form);
  const size = ELEMENT_SIZE[type];
  const out = new Uint8Array(align8(offset + count * size));
  const view = new DataView(out.buffer);
  const value = input.value;
  if (type === "string") {
    const strings = typeof value === "string" ? [value] : value;
    if (typeof value === "number" || !isStringList(strings)) {
      throw new TypeError(
        `DBR_STRING value must be a string or string[], got ${typeof value}`,
      );
    }
    for (let i = 0; i < Math.min(count, strings.length); i++) {
      encodeCString(out, offset + i * size, size, strings[i]);
    }
  } else if (typeof value === "number") {
    if (count > 0) writeNumber(view, offset, type, value);
  } else if (typeof value === "string" || isStringList(value)) {
    throw new TypeError(
      `DBR ${type} value must be a number or numeric array, got a string`,
    );
  } else {
    const Ctor = ARRAY_TYPE[type];
    const target = new Ctor(out.buffer, offset, count);
    const n = Math.min(count, value.length);
    if (ArrayBuffer.isView(value) && n === value.length) {
      target.set(value as ArrayLike<number>);
    } else {
      for (let i = 0; i < n; i++) target[i] = value[i];
    }
    swapInPlace(out.buffer, offset, count, size);
  }
  if (form === "plain") return out;
  view.setInt16(0, input.status ?? 0);
  view.setInt16(2, input.severity ?? 0);
  if (form === "time") {
    const stamp = input.stamp ?? dateToEpics(input.timestamp ?? new Date());
    view.setUint32(4, stamp.secondsPastEpoch >>> 0);
    view.setUint32(8, stamp.nanoseconds >>> 0);
    return out;
  }
  if (form === "sts" || type === "string") return out;
  if (type === "enum") {
    const strs = (input.enumStrings ?? []).slice(0, MAX_ENUM_STATES);
    view.setInt16(4, strs.length);
    strs.forEach((s, i) =>
      encodeCString(out, 6 + i * MAX_ENUM_STRING_SIZE, MAX_ENUM_STRING_SIZE, s)
    );
    return out;
  }
  let p = 4;
  if (hasPrecision(type)) {
    view.setInt16(4, input.precision ?? 0);
    p = 8;
  }
  encodeCString(out, p, MAX_UNITS_SIZE, input.units ?? "");
  p += MAX_UNITS_SIZE;
  const n = form === "ctrl" ? 8 : 6;
  for (let i = 0; i < n; i++) {
    writeNumber(view, p + i * size, type, input.limits?.[LIMIT_NAMES[i]] ?? 0);
  }
  return out;
}

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && (value.length === 0 ||
    typeof value[0] === "string");
}

/** Null-terminated text of a CHAR array (bytes after the first NUL dropped). */
export function charArrayToString(a: Uint8Array | number): string {
  if (typeof a === "number") return a === 0 ? "" : String.fromCharCode(a);
  return decodeCString(a);
}

/**
 * UTF-8 bytes of `s` plus a terminating NUL, as a CHAR array; with `count`
 * the array has exactly that length (truncated, last byte kept NUL).
 */
export function stringToCharArray(s: string, count?: number): Uint8Array {
  const bytes = encoder.encode(s);
  const n = count ?? bytes.length + 1;
  const out = new Uint8Array(n);
  out.set(bytes.subarray(0, Math.max(0, Math.min(bytes.length, n - 1))));
  return out;
}
