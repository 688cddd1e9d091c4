/**
 * Encoding a put for a channel: the value converted to the native type
 * (enum labels looked up, text into CHAR arrays), cut to the native count.
 *
 * @module
 */
import {
  ConversionError,
  convertValue,
  dbrType,
  encodeDbr,
  stringToCharArray,
} from "./codec/mod.ts";
import { CAError } from "./errors.ts";
import type { ChannelState } from "./protocol/client_state.ts";
import type { PutValue } from "./client_types.ts";

/** A put ready for WRITE / WRITE_NOTIFY. */
export interface EncodedPut {
  dataType: number;
  count: number;
  payload: Uint8Array;
}

/** Options of {@link encodePut}. */
export interface EncodePutOptions {
  /** Fetches the enum labels (for a put by label) within `timeout` s. */
  enumStrings(timeout: number): Promise<string[]>;
  /** Seconds left for the fetch. */
  timeout: number;
}

/**
 * Converts `value` for the connected `channel`; throws CAError(ECA_BADTYPE)
 * naming the PV when it does not convert.
 */
export async function encodePut(
  channel: ChannelState,
  value: PutValue,
  options: EncodePutOptions,
): Promise<EncodedPut> {
  const native = channel.nativeType!;
  const max = channel.count ?? 1;
  let input: PutValue = value;
  let enumStrings: string[] | undefined;
  if (
    native === "enum" &&
    (typeof value === "string" ||
      (Array.isArray(value) && typeof value[0] === "string"))
  ) {
    enumStrings = await options.enumStrings(options.timeout);
  }
  if (native === "char" && typeof value === "string" && max > 1) {
    input = stringToCharArray(value).subarray(0, max);
  }
  let converted;
  try {
    converted = convertValue(input, native, { enumStrings });
  } catch (error) {
    if (!(error instanceof ConversionError)) throw error;
    throw new CAError(channel.name, "ECA_BADTYPE", error.message);
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
