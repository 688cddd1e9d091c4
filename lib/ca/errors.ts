/**
 * Channel Access status codes (ECA_* from EPICS base `caerr.h`) and the
 * {@link CAError} every failed CA operation rejects with.
 *
 * @module
 */

/** Severity bits of an ECA status code (the low three bits). */
const CA_K_WARNING = 0;
const CA_K_SUCCESS = 1;
const CA_K_ERROR = 2;
const CA_K_INFO = 3;
const CA_K_FATAL = 6;

function defmsg(severity: number, number: number): number {
  return (number << 3) | severity;
}

/** ECA_* status names → their numeric wire codes, as in `caerr.h`. */
export const ECA = {
  ECA_NORMAL: defmsg(CA_K_SUCCESS, 0),
  ECA_MAXIOC: defmsg(CA_K_ERROR, 1),
  ECA_UKNHOST: defmsg(CA_K_ERROR, 2),
  ECA_UKNSERV: defmsg(CA_K_ERROR, 3),
  ECA_SOCK: defmsg(CA_K_ERROR, 4),
  ECA_CONN: defmsg(CA_K_WARNING, 5),
  ECA_ALLOCMEM: defmsg(CA_K_WARNING, 6),
  ECA_UKNCHAN: defmsg(CA_K_WARNING, 7),
  ECA_UKNFIELD: defmsg(CA_K_WARNING, 8),
  ECA_TOLARGE: defmsg(CA_K_WARNING, 9),
  ECA_TIMEOUT: defmsg(CA_K_WARNING, 10),
  ECA_NOSUPPORT: defmsg(CA_K_WARNING, 11),
  ECA_STRTOBIG: defmsg(CA_K_WARNING, 12),
  ECA_DISCONNCHID: defmsg(CA_K_ERROR, 13),
  ECA_BADTYPE: defmsg(CA_K_ERROR, 14),
  ECA_CHIDNOTFND: defmsg(CA_K_INFO, 15),
  ECA_CHIDRETRY: defmsg(CA_K_INFO, 16),
  ECA_INTERNAL: defmsg(CA_K_FATAL, 17),
  ECA_DBLCLFAIL: defmsg(CA_K_WARNING, 18),
  ECA_GETFAIL: defmsg(CA_K_WARNING, 19),
  ECA_PUTFAIL: defmsg(CA_K_WARNING, 20),
  ECA_ADDFAIL: defmsg(CA_K_WARNING, 21),
  ECA_BADCOUNT: defmsg(CA_K_WARNING, 22),
  ECA_BADSTR: defmsg(CA_K_ERROR, 23),
  ECA_DISCONN: defmsg(CA_K_WARNING, 24),
  ECA_DBLCHNL: defmsg(CA_K_WARNING, 25),
  ECA_EVDISALLOW: defmsg(CA_K_ERROR, 26),
  ECA_BUILDGET: defmsg(CA_K_WARNING, 27),
  ECA_NEEDSFP: defmsg(CA_K_WARNING, 28),
  ECA_OVEVFAIL: defmsg(CA_K_WARNING, 29),
  ECA_BADMONID: defmsg(CA_K_ERROR, 30),
  ECA_NEWADDR: defmsg(CA_K_WARNING, 31),
  ECA_NEWCONN: defmsg(CA_K_INFO, 32),
  ECA_NOCACTX: defmsg(CA_K_WARNING, 33),
  ECA_DEFUNCT: defmsg(CA_K_FATAL, 34),
  ECA_EMPTYSTR: defmsg(CA_K_WARNING, 35),
  ECA_NOREPEATER: defmsg(CA_K_WARNING, 36),
  ECA_NOCHANMSG: defmsg(CA_K_WARNING, 37),
  ECA_DLCKREST: defmsg(CA_K_WARNING, 38),
  ECA_SERVBEHIND: defmsg(CA_K_WARNING, 39),
  ECA_NOCAST: defmsg(CA_K_WARNING, 40),
  ECA_BADMASK: defmsg(CA_K_ERROR, 41),
  ECA_IODONE: defmsg(CA_K_INFO, 42),
  ECA_IOINPROGRESS: defmsg(CA_K_INFO, 43),
  ECA_BADSYNCGRP: defmsg(CA_K_ERROR, 44),
  ECA_PUTCBINPROG: defmsg(CA_K_ERROR, 45),
  ECA_NORDACCESS: defmsg(CA_K_WARNING, 46),
  ECA_NOWTACCESS: defmsg(CA_K_WARNING, 47),
  ECA_ANACHRONISM: defmsg(CA_K_ERROR, 48),
  ECA_NOSEARCHADDR: defmsg(CA_K_WARNING, 49),
  ECA_NOCONVERT: defmsg(CA_K_WARNING, 50),
  ECA_BADCHID: defmsg(CA_K_ERROR, 51),
  ECA_BADFUNCPTR: defmsg(CA_K_ERROR, 52),
  ECA_ISATTACHED: defmsg(CA_K_WARNING, 53),
  ECA_UNAVAILINSERV: defmsg(CA_K_WARNING, 54),
  ECA_CHANDESTROY: defmsg(CA_K_WARNING, 55),
  ECA_BADPRIORITY: defmsg(CA_K_ERROR, 56),
  ECA_NOTTHREADED: defmsg(CA_K_ERROR, 57),
  ECA_16KARRAYCLIENT: defmsg(CA_K_WARNING, 58),
  ECA_CONNSEQTMO: defmsg(CA_K_WARNING, 59),
  ECA_UNRESPTMO: defmsg(CA_K_WARNING, 60),
} as const;

/**
 * The name of an ECA status, e.g. `"ECA_TIMEOUT"`: a literal union, so a
 * misspelt status is a compile error rather than a silent ECA_INTERNAL.
 */
export type ECAName = keyof typeof ECA;

/** What a status may be named as on the wire: a known name or `ECA_<code>`. */
export type ECAStatusName = ECAName | `ECA_${number}`;

const MESSAGES: Partial<Record<ECAName, string>> = {
  ECA_NORMAL: "Normal successful completion",
  ECA_ALLOCMEM: "Unable to allocate additional dynamic memory",
  ECA_TOLARGE:
    "The requested data transfer is greater than available memory or EPICS_CA_MAX_ARRAY_BYTES",
  ECA_TIMEOUT: "User specified timeout on IO operation expired",
  ECA_BADTYPE: "The data type specifed is invalid",
  ECA_INTERNAL: "Channel Access Internal Failure",
  ECA_GETFAIL: "Data conversion or read failed",
  ECA_PUTFAIL: "Channel write request failed",
  ECA_BADCOUNT: "Invalid element count requested",
  ECA_BADSTR: "Invalid string",
  ECA_DISCONN: "Virtual circuit disconnect",
  ECA_EVDISALLOW: "Invalid event mask",
  ECA_BADMONID: "Invalid monitor id",
  ECA_BADMASK: "Invalid event selection mask",
  ECA_NORDACCESS: "Read access denied",
  ECA_NOWTACCESS: "Write access denied",
  ECA_NOSEARCHADDR: "No internet interface with broadcast available",
  ECA_NOCONVERT: "Invalid element count or data type conversion requested",
  ECA_BADCHID: "Invalid channel identifier",
  ECA_UNAVAILINSERV: "Not supported by attached service",
  ECA_CHANDESTROY: "User destroyed channel",
  ECA_UNRESPTMO: "Virtual circuit unresponsive",
};

const BY_CODE = new Map<number, ECAName>(
  Object.entries(ECA).map(([name, code]) => [code, name as ECAName]),
);

/**
 * The ECA_* name of a numeric status code, or `"ECA_<code>"` when unknown.
 *
 * @example
 * ```ts
 * ecaName(80); // "ECA_TIMEOUT"
 * ```
 */
export function ecaName(code: number): ECAStatusName {
  return BY_CODE.get(code) ?? `ECA_${code}`;
}

/** The numeric code of an ECA_* name. */
export function ecaCode(name: ECAName): number {
  return ECA[name];
}

/** libca's one-line description of a status, e.g. "Write access denied". */
export function ecaMessage(name: ECAStatusName): string {
  return MESSAGES[name as ECAName] ?? name;
}

/** Whether a numeric status code means success (severity bit 0 set). */
export function ecaSuccess(code: number): boolean {
  return (code & 1) === 1;
}

/**
 * The error of every failed Channel Access operation: it names the PV and
 * carries the ECA_* status name.
 *
 * @example
 * ```ts
 * throw new CAError("FWS01:SCAN:START", "ECA_TIMEOUT", "no reply after 1 s");
 * ```
 */
export class CAError extends Error {
  /** The process variable the operation was about. */
  readonly pv: string;
  /** The ECA_* status name, e.g. `"ECA_NOWTACCESS"`. */
  readonly status: ECAStatusName;

  /**
   * @param pv the PV name
   * @param status the ECA_* name (or a numeric code)
   * @param detail what happened, in words
   */
  constructor(pv: string, status: ECAName | number, detail?: string) {
    const name = typeof status === "number" ? ecaName(status) : status;
    super(`${pv}: ${name} (${detail ?? ecaMessage(name)})`);
    this.name = "CAError";
    this.pv = pv;
    this.status = name;
  }
}
