/**
 * Turning the client's received DBR replies into application values: the
 * scalar fast path, zero-copy views of large arrays the frame reader gave
 * their own buffer, and gets into a caller's typed array.
 *
 * @module
 */
import {
  DBR_TYPE_COUNT,
  type DbrBaseType,
  type DbrData,
  dbrInfo,
  dbrSwapRegion,
  decodeDbr,
  type DecodeDbrOptions,
  decodePlainScalar,
  type RawMessage,
  swapElements,
} from "../codec/mod.ts";
import { CAError, ecaSuccess } from "../errors.ts";
import type { CAValue, GetBuffer } from "../client_types.ts";
import type { SubscriptionState } from "./client_state.ts";

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

const DECODE_SHARED: DecodeDbrOptions = {};
const DECODE_OWNED: DecodeDbrOptions = { inPlace: true };
const DECODE_OWNED_NATIVE: DecodeDbrOptions = {
  inPlace: true,
  nativeOrder: true,
};
const DECODE_SHARED_NATIVE: DecodeDbrOptions = { nativeOrder: true };

/** decodeDbr options for a reply (shared constants: no allocation per message). */
export function decodeOptions(
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

/** The DBR base type a get into `buffer` asks for, or undefined. */
export function bufferType(buffer: unknown): DbrBaseType | undefined {
  if (buffer instanceof Float64Array) return "double";
  if (buffer instanceof Float32Array) return "float";
  if (buffer instanceof Int32Array) return "long";
  if (buffer instanceof Int16Array) return "short";
  if (buffer instanceof Uint16Array) return "enum";
  if (buffer instanceof Uint8Array) return "char";
  return undefined;
}

/**
 * The value of a successful READ_NOTIFY reply (`raw`, status already
 * checked) for the PV `name`; with `into`, the value array is copied into
 * it and the value is the filled view of it. Throws a CAError naming the PV
 * when the payload does not decode or does not fit.
 */
export function readValue(
  name: string,
  raw: RawMessage,
  into?: GetBuffer,
): CAValue {
  const dataType = raw.dataType;
  if (into !== undefined && received(raw, into)) {
    // the reply was received into the caller's buffer (plain form)
    const count = raw.dataCount;
    if (!raw.nativeOrder) {
      const region = dbrSwapRegion(dataType, count, raw.payload.length);
      if (region) {
        swapElements(raw.payload, region.start, region.end, region.size);
      }
    }
    return {
      name,
      type: dbrInfo(dataType)!.type,
      count,
      value: into.subarray(0, count),
    };
  }
  if (into === undefined) {
    const scalar = decodePlainScalar(dataType, raw.dataCount, raw.payload);
    if (scalar !== undefined) {
      return { name, type: dbrInfo(dataType)!.type, count: 1, value: scalar };
    }
  }
  let data: DbrData;
  try {
    data = decodeDbr(dataType, raw.dataCount, raw.payload, decodeOptions(raw));
  } catch (error) {
    throw new CAError(name, "ECA_GETFAIL", (error as Error).message);
  }
  const value = toCAValue(name, data);
  if (into !== undefined) value.value = fill(name, into, data);
  return value;
}

/** Whether `raw`'s payload is the memory of `into` (see FrameReader.offerFor). */
function received(raw: RawMessage, into: GetBuffer): boolean {
  return raw.payload.buffer === into.buffer &&
    raw.payload.byteOffset === into.byteOffset &&
    raw.dataCount * into.BYTES_PER_ELEMENT === raw.payload.length;
}

/** Copies the decoded value into `into`; returns the filled view. */
function fill(name: string, into: GetBuffer, data: DbrData): GetBuffer {
  const count = data.count;
  if (count > into.length) {
    throw new CAError(
      name,
      "ECA_BADCOUNT",
      `the reply has ${count} elements; the buffer holds ${into.length}`,
    );
  }
  const v = data.value;
  if (typeof v === "number") into[0] = v;
  else if (ArrayBuffer.isView(v)) into.set(v as ArrayLike<number>);
  else {
    throw new CAError(name, "ECA_BADTYPE", "the reply is not numeric");
  }
  return into.subarray(0, count);
}

/**
 * The bytes of `into` a plain reply of `count` elements of DBR `dataType`
 * can be received into directly (exactly its payload: no padding, no
 * metadata before the values), or undefined.
 */
export function intoTarget(
  dataType: number,
  count: number,
  into: GetBuffer,
): Uint8Array | undefined {
  if (dataType >= DBR_TYPE_COUNT) return undefined; // metadata first
  const bytes = count * into.BYTES_PER_ELEMENT;
  if (bytes === 0 || bytes % 8 !== 0 || bytes > into.byteLength) {
    return undefined; // padded, or too big for the buffer
  }
  return new Uint8Array(into.buffer, into.byteOffset, bytes);
}

/**
 * Decodes a monitor update (EVENT_ADD reply) and calls the subscription's
 * callback; a failed or malformed update is dropped (the next one will
 * do), a callback that throws is reported.
 */
export function deliverEvent(sub: SubscriptionState, raw: RawMessage): void {
  if (raw.payload.length === 0 || !ecaSuccess(raw.param1)) return;
  let value: CAValue;
  try {
    value = toCAValue(
      sub.channel.name,
      decodeDbr(raw.dataType, raw.dataCount, raw.payload, decodeOptions(raw)),
    );
  } catch {
    return;
  }
  try {
    sub.callback(value);
  } catch (error) {
    console.error(`CA monitor callback of ${sub.channel.name} threw:`, error);
  }
}
