/**
 * Channel Access wire constants (EPICS base `caProto.h`, `db_access.h`).
 *
 * @module
 */

/** CA protocol minor version we speak (4.13). */
export const CA_MINOR_VERSION = 13;
/** Default TCP/UDP server port (EPICS_CA_SERVER_PORT). */
export const CA_SERVER_PORT = 5064;
/** Default repeater port (EPICS_CA_REPEATER_PORT). */
export const CA_REPEATER_PORT = 5065;

/** Command ids of the message header's first field. */
export const Command = {
  VERSION: 0,
  EVENT_ADD: 1,
  EVENT_CANCEL: 2,
  READ: 3,
  WRITE: 4,
  SNAPSHOT: 5,
  SEARCH: 6,
  BUILD: 7,
  EVENTS_OFF: 8,
  EVENTS_ON: 9,
  READ_SYNC: 10,
  ERROR: 11,
  CLEAR_CHANNEL: 12,
  RSRV_IS_UP: 13,
  NOT_FOUND: 14,
  READ_NOTIFY: 15,
  READ_BUILD: 16,
  REPEATER_CONFIRM: 17,
  CREATE_CHAN: 18,
  WRITE_NOTIFY: 19,
  CLIENT_NAME: 20,
  HOST_NAME: 21,
  ACCESS_RIGHTS: 22,
  ECHO: 23,
  REPEATER_REGISTER: 24,
  SIGNAL: 25,
  CREATE_CH_FAIL: 26,
  SERVER_DISCONN: 27,
} as const;

/** A command name, e.g. `"READ_NOTIFY"`. */
export type CommandName = keyof typeof Command;

/** Search/not-found reply flags (m_dataType of SEARCH). */
export const DO_REPLY = 10;
/** The server must not answer a search it cannot satisfy. */
export const DONT_REPLY = 5;

/** Subscription event mask bit: value change beyond MDEL. */
export const DBE_VALUE = 1;
/** Subscription event mask bit: archive change beyond ADEL. */
export const DBE_LOG = 2;
/** Subscription event mask bit: alarm state change. */
export const DBE_ALARM = 4;
/** Subscription event mask bit: property (metadata) change. */
export const DBE_PROPERTY = 8;

/** Access-rights bit: read allowed. */
export const ACCESS_READ = 1;
/** Access-rights bit: write allowed. */
export const ACCESS_WRITE = 2;

/** The seven DBR base types. */
export type DbrBaseType =
  | "string"
  | "short"
  | "float"
  | "enum"
  | "char"
  | "long"
  | "double";
/** The five DBR forms. */
export type DbrForm = "plain" | "sts" | "time" | "gr" | "ctrl";

/** Base types in DBR code order (DBR_STRING=0 … DBR_DOUBLE=6). */
export const BASE_TYPES: readonly DbrBaseType[] = [
  "string",
  "short",
  "float",
  "enum",
  "char",
  "long",
  "double",
];
/** Forms in DBR code order (plain 0–6, sts 7–13, time 14–20, gr 21–27, ctrl 28–34). */
export const FORMS: readonly DbrForm[] = ["plain", "sts", "time", "gr", "ctrl"];

/** Size in bytes of one element of each base type on the wire. */
export const ELEMENT_SIZE: Readonly<Record<DbrBaseType, number>> = {
  string: 40,
  short: 2,
  float: 4,
  enum: 2,
  char: 1,
  long: 4,
  double: 8,
};

/** Size of a DBR string element (MAX_STRING_SIZE). */
export const MAX_STRING_SIZE = 40;
/** Size of the units field of gr/ctrl structures. */
export const MAX_UNITS_SIZE = 8;
/** Size of one enum state string. */
export const MAX_ENUM_STRING_SIZE = 26;
/** Number of enum state strings in gr/ctrl enum structures. */
export const MAX_ENUM_STATES = 16;
/** Seconds between the Unix epoch and the EPICS epoch (1990-01-01 UTC). */
export const EPICS_EPOCH_OFFSET = 631152000;
/** Highest DBR type code this codec encodes/decodes (DBR_CTRL_DOUBLE). */
export const LAST_DBR_TYPE = 34;

/** Number of DBR base types: the codes of one form are consecutive. */
export const DBR_TYPE_COUNT = 7;

/** The DBR type code of a base type in a form, e.g. ("double","time") → 20. */
export function dbrType(type: DbrBaseType, form: DbrForm = "plain"): number {
  return FORM_INDEX[form] * DBR_TYPE_COUNT + TYPE_INDEX[type];
}

const TYPE_INDEX: Readonly<Record<DbrBaseType, number>> = {
  string: 0,
  short: 1,
  float: 2,
  enum: 3,
  char: 4,
  long: 5,
  double: 6,
};
const FORM_INDEX: Readonly<Record<DbrForm, number>> = {
  plain: 0,
  sts: 1,
  time: 2,
  gr: 3,
  ctrl: 4,
};
const INFO: readonly { type: DbrBaseType; form: DbrForm }[] = Array.from(
  { length: LAST_DBR_TYPE + 1 },
  (_, code) =>
    Object.freeze({
      type: BASE_TYPES[code % DBR_TYPE_COUNT],
      form: FORMS[Math.floor(code / DBR_TYPE_COUNT)],
    }),
);

/** The base type and form of a DBR type code 0–34, or undefined. */
export function dbrInfo(
  code: number,
): { type: DbrBaseType; form: DbrForm } | undefined {
  return Number.isInteger(code) ? INFO[code] : undefined;
}

const FORM_PREFIX: Readonly<Record<DbrForm, string>> = {
  plain: "",
  sts: "STS_",
  time: "TIME_",
  gr: "GR_",
  ctrl: "CTRL_",
};

/** db_access's names of the DBR type codes 0–34 ("DBR_STRING" … "DBR_CTRL_DOUBLE"). */
const DBR_NAMES: readonly string[] = INFO.map(({ type, form }) =>
  `DBR_${FORM_PREFIX[form]}${type.toUpperCase()}`
);

/** db_access's name of a DBR type code 0–34, e.g. 34 → "DBR_CTRL_DOUBLE". */
export function dbrTypeName(code: number): string | undefined {
  return Number.isInteger(code) ? DBR_NAMES[code] : undefined;
}

/**
 * The DBR type code `text` names, or undefined: a code 0–34 or a name as
 * caget takes it, with or without `DBR_` ("DBR_CTRL_DOUBLE", "TIME_LONG"),
 * in any case, INT standing for SHORT as in db_access.h.
 */
export function parseDbrType(text: string): number | undefined {
  if (/^\d+$/.test(text)) {
    const code = Number(text);
    return code <= LAST_DBR_TYPE ? code : undefined;
  }
  const name = `DBR_${text.toUpperCase().replace(/^DBR_/, "")}`
    .replace(/_INT$/, "_SHORT");
  const code = DBR_NAMES.indexOf(name);
  return code < 0 ? undefined : code;
}

/** EPICS alarm status names by number (alarm.h, EPICS 7). */
export const ALARM_STATUS: readonly string[] = [
  "NO_ALARM",
  "READ",
  "WRITE",
  "HIHI",
  "HIGH",
  "LOLO",
  "LOW",
  "STATE",
  "COS",
  "COMM",
  "TIMEOUT",
  "HWLIMIT",
  "CALC",
  "SCAN",
  "LINK",
  "SOFT",
  "BAD_SUB",
  "UDF",
  "DISABLE",
  "SIMM",
  "READ_ACCESS",
  "WRITE_ACCESS",
];

/** EPICS alarm severity names by number. */
export const ALARM_SEVERITY: readonly string[] = [
  "NO_ALARM",
  "MINOR",
  "MAJOR",
  "INVALID",
];
