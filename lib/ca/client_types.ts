/**
 * The public types of the Channel Access client (the contract in the
 * common brief): values, options and subscriptions.
 *
 * @module
 */
import type { DbrBaseType, DbrForm } from "./codec/constants.ts";
import type { DbrArray, DbrData } from "./codec/dbr.ts";

/** What get and monitor deliver: the decoded DBR payload and the PV's name. */
export interface CAValue extends Omit<DbrData, "form"> {
  /** The PV name. */
  name: string;
}

/** What a put accepts: enum by label or index, CHAR arrays also as text. */
export type PutValue =
  | number
  | string
  | boolean
  | ArrayLike<number>
  | string[];

/** A caller's buffer a get can fill (see {@link GetOptions.into}). */
export type GetBuffer = DbrArray;

/** Options of a get. */
export interface GetOptions {
  /** DBR form (default "plain"). */
  form?: DbrForm;
  /** DBR base type to ask for (default: the channel's native type). */
  type?: DbrBaseType;
  /** Element count (default: the server's current count). */
  count?: number;
  /** Seconds to wait for connection and reply (default: the client's timeout). */
  timeout?: number;
  /**
   * Fill this buffer instead of allocating the value: the DBR type asked for
   * follows the buffer (Float64Array → double, Int32Array → long, …), and the
   * value is the filled view of it. A buffer shorter than the element count
   * or of another kind rejects with a CAError. A large plain reply is
   * received straight into the buffer (no allocation, no copy), so leave it
   * alone until the get settles.
   */
  into?: GetBuffer;
}

/** Options of a put. */
export interface PutOptions {
  /** Put with completion (WRITE_NOTIFY): resolves when the server is done. */
  wait?: boolean;
  /** Seconds to wait (default: the client's timeout). */
  timeout?: number;
}

/** Options of a monitor. */
export interface MonitorOptions {
  /** DBR form (default "time"). */
  form?: DbrForm;
  /** DBE_* event mask (default DBE_VALUE | DBE_ALARM, like camonitor). */
  mask?: number;
  /** Element count (default: the server's current count). */
  count?: number;
  /** DBR base type to ask for (default: the channel's native type). */
  type?: DbrBaseType;
}

/** A monitor; cancel() stops it. It survives reconnections by itself. */
export interface CASubscription {
  /** Stops the monitor (idempotent). */
  cancel(): void;
}

/** Options of {@link CAClient}; unset fields come from EPICS_CA_* variables. */
export interface CAClientOptions {
  /** Search destinations "host[:port]" (EPICS_CA_ADDR_LIST). */
  addrList?: string[];
  /** Also search the broadcast address of every interface (EPICS_CA_AUTO_ADDR_LIST, default yes). */
  autoAddrList?: boolean;
  /** Server port for addresses without one (EPICS_CA_SERVER_PORT, default 5064). */
  serverPort?: number;
  /** Seconds of silence before a circuit is probed and then declared dead (EPICS_CA_CONN_TMO, default 30). */
  connectionTimeout?: number;
  /** Longest interval between searches for a missing PV, s (EPICS_CA_MAX_SEARCH_PERIOD, default 300). */
  maxSearchPeriod?: number;
  /** Default per-operation timeout, s (default 5). */
  timeout?: number;
  /** Port where beacons are received or a CA repeater runs (EPICS_CA_REPEATER_PORT, default 5065). */
  repeaterPort?: number;
  /** Largest array payload accepted, bytes (EPICS_CA_MAX_ARRAY_BYTES; at least 64 MiB). */
  maxArrayBytes?: number;
}
