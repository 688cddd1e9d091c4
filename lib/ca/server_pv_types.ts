/**
 * The values, errors and stores of served PVs (used by {@link ServerPV} and
 * the server circuit): what may be written, what is delivered, the ECA
 * status of a failed request.
 *
 * @module
 */
import {
  type DbrArray,
  type DbrBaseType,
  type DbrForm,
  dbrInfo,
  type DbrValue,
  encoder,
  LAST_DBR_TYPE,
} from "./codec/mod.ts";
import type { ECAName } from "./errors.ts";

/** A value as get/monitor deliver it (the contract's `CAValue["value"]`). */
export type PVValue = DbrValue;

/** What may be written to a PV (the contract's `PutValue`), enum by label or index. */
export type PVInput =
  | number
  | string
  | boolean
  | ArrayLike<number>
  | string[];

/** A CA status failure while serving a request: the ECA_* name. */
export class PVRequestError extends Error {
  /** The ECA_* name the client gets. */
  readonly status: ECAName;
  /**
   * @param status ECA_* name
   * @param message what went wrong
   */
  constructor(status: ECAName, message: string) {
    super(message);
    this.name = "PVRequestError";
    this.status = status;
  }
}

/** The native store of a numeric PV. */
export type NumericStore = DbrArray;

/** The store constructor of each numeric native type. */
export const STORE: Record<
  Exclude<DbrBaseType, "string">,
  new (n: number) => NumericStore
> = {
  double: Float64Array,
  float: Float32Array,
  long: Int32Array,
  short: Int16Array,
  enum: Uint16Array,
  char: Uint8Array,
};

/** Options of {@link ServerPV.set}. */
export interface SetOptions {
  status?: number;
  severity?: number;
  timestamp?: Date;
}

/** Bytes of `s` in UTF-8. */
export function textLength(s: string): number {
  return encoder.encode(s).length;
}

/** The base type of a DBR code a client asked for; PVRequestError if invalid. */
export function dbrTypeInfo(
  dataType: number,
): { type: DbrBaseType; form: DbrForm } {
  const info = dbrInfo(dataType);
  if (!info) {
    throw new PVRequestError(
      "ECA_BADTYPE",
      `DBR type ${dataType} is invalid; expected 0 (DBR_STRING) to ${LAST_DBR_TYPE} (DBR_CTRL_DOUBLE)`,
    );
  }
  return info;
}
