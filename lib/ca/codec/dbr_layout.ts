/**
 * Where things lie in the DBR structures of EPICS base `db_access.h`: the
 * RISC_pad fields, the offset of the value array, payload sizes.
 *
 * @module
 */
import {
  type DbrBaseType,
  type DbrForm,
  dbrInfo,
  ELEMENT_SIZE,
  LAST_DBR_TYPE,
  MAX_ENUM_STATES,
  MAX_ENUM_STRING_SIZE,
} from "./constants.ts";
import { align8, CAProtocolError } from "./header.ts";

/** Whether this host is little-endian (CA is big-endian on the wire). */
export const LITTLE_ENDIAN_HOST =
  new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const STS_PAD: Readonly<Record<DbrBaseType, number>> = {
  string: 0,
  short: 0,
  float: 0,
  enum: 0,
  char: 1,
  long: 0,
  double: 4,
};
const TIME_PAD: Readonly<Record<DbrBaseType, number>> = {
  string: 0,
  short: 2,
  float: 0,
  enum: 2,
  char: 3,
  long: 0,
  double: 4,
};

/** Whether gr/ctrl structures of `type` carry a precision field. */
export function hasPrecision(type: DbrBaseType): boolean {
  return type === "float" || type === "double";
}

/** Offset of the first value element in a DBR structure. */
export function valueOffset(type: DbrBaseType, form: DbrForm): number {
  if (form === "plain") return 0;
  if (type === "string") return form === "time" ? 12 : 4;
  if (form === "sts") return 4 + STS_PAD[type];
  if (form === "time") return 12 + TIME_PAD[type];
  if (type === "enum") return 4 + 2 + MAX_ENUM_STATES * MAX_ENUM_STRING_SIZE;
  const limitsStart = hasPrecision(type) ? 16 : 12;
  const nLimits = form === "ctrl" ? 8 : 6;
  return limitsStart + nLimits * ELEMENT_SIZE[type] + (type === "char" ? 1 : 0);
}

/** Payload bytes (padded to 8) of `count` elements of a DBR type code. */
export function dbrPayloadSize(dataType: number, count: number): number {
  const info = requireInfo(dataType);
  return align8(
    valueOffset(info.type, info.form) + count * ELEMENT_SIZE[info.type],
  );
}

/** The base type and form of a DBR code; throws a CAProtocolError if unknown. */
export function requireInfo(
  dataType: number,
): { type: DbrBaseType; form: DbrForm } {
  const info = dbrInfo(dataType);
  if (!info) {
    throw new CAProtocolError(
      `DBR type ${dataType} is not supported; expected 0 (DBR_STRING) to ${LAST_DBR_TYPE} (DBR_CTRL_DOUBLE)`,
    );
  }
  return info;
}
