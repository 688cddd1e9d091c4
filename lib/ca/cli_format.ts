/**
 * How `fws ca` prints values: caget/camonitor's number, timestamp and alarm
 * formats, and caget -d's DBR details.
 *
 * @module
 */
import type { CAChannel } from "./client_channel.ts";
import type { CAValue } from "./client_types.ts";
import {
  ALARM_SEVERITY,
  ALARM_STATUS,
  dbrInfo,
  dbrTypeName,
  MAX_ENUM_STATES,
} from "./codec/constants.ts";
import { charArrayToString } from "./codec/dbr.ts";

/** The options of `fws ca`, parsed. */
export interface Flags {
  wait: number;
  count?: number;
  alarm: boolean;
  completion: boolean;
  terse: boolean;
  enumNumbers: boolean;
  charString: boolean;
  mask: number;
  updates?: number;
  /** -d: the DBR type code to ask for. */
  dbr?: number;
}

/** printf's %g with `precision` significant digits. */
export function formatG(v: number, precision = 6): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const exp = Number(v.toExponential(precision - 1).split("e")[1]);
  if (exp < -4 || exp >= precision) {
    const [m, e] = v.toExponential(precision - 1).split("e");
    const mantissa = m.includes(".") ? m.replace(/\.?0+$/, "") : m;
    const n = Number(e);
    return `${mantissa}e${n < 0 ? "-" : "+"}${
      String(Math.abs(n)).padStart(2, "0")
    }`;
  }
  const fixed = v.toFixed(Math.max(0, precision - 1 - exp));
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

/** One number as caget prints it: reals `%g`, CHAR as a signed byte. */
function formatNumber(v: number, type: CAValue["type"]): string {
  if (type === "float" || type === "double") return formatG(v);
  return String(type === "char" && v > 127 ? v - 256 : v);
}

/**
 * Text a server sent, safe for a terminal: control characters (C0, DEL, C1:
 * escapes, newlines, bells) shown as `\xNN` instead of acted on.
 *
 * @example
 * ```ts
 * printable("a\x1b[2Jb"); // "a\\x1b[2Jb"
 * ```
 */
export function printable(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex
    /[\x00-\x1f\x7f-\x9f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/** The value as caget prints it (arrays: count first), printable. */
export function formatValue(
  v: CAValue,
  options: { enumNumbers?: boolean; charString?: boolean } = {},
): string {
  return printable(rawValue(v, options));
}

function rawValue(
  v: CAValue,
  options: { enumNumbers?: boolean; charString?: boolean },
): string {
  const value = v.value;
  if (v.type === "char" && options.charString) {
    return typeof value === "number"
      ? charArrayToString(new Uint8Array([value]))
      : charArrayToString(value as Uint8Array);
  }
  if (typeof value === "string") return value;
  if (typeof value === "number") {
    if (v.type === "enum" && v.enumStrings && !options.enumNumbers) {
      return v.enumStrings[value] ?? String(value);
    }
    return formatNumber(value, v.type);
  }
  const items = Array.isArray(value)
    ? value as string[]
    : Array.from(value as ArrayLike<number>, (x) => formatNumber(x, v.type));
  return `${v.count} ${items.join(" ")}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/** caget -a style local time "YYYY-MM-DD HH:MM:SS.uuuuuu" or "<undefined>". */
export function formatStamp(v: CAValue): string {
  const s = v.stamp;
  if (!s || (s.secondsPastEpoch === 0 && s.nanoseconds === 0)) {
    return "<undefined>";
  }
  const d = v.timestamp!;
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${
    pad2(d.getHours())
  }:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${
    String(Math.min(999999, Math.round(s.nanoseconds / 1000))).padStart(6, "0")
  }`;
}

/** The alarm status and severity names of a value (numbers if unknown). */
function alarmNames(v: CAValue): [string, string] {
  return [
    ALARM_STATUS[v.status!] ?? String(v.status),
    ALARM_SEVERITY[v.severity!] ?? String(v.severity),
  ];
}

function alarmText(v: CAValue): string {
  if (!v.status && !v.severity) return " "; // caget prints two empty fields
  return alarmNames(v).join(" ");
}

/** caget pads the name of single-element PVs to 30 columns. */
function line(name: string, v: CAValue, text: string): string {
  return v.count === 1 ? `${name.padEnd(30)} ${text}` : `${name} ${text}`;
}

/** One output line of get/monitor, as caget/camonitor print it. */
export function lineFor(
  name: string,
  v: CAValue,
  flags: Flags,
  time: boolean,
): string {
  const text = formatValue(v, flags);
  if (!time) return flags.terse ? text : line(name, v, text);
  const full = `${formatStamp(v)} ${text} ${alarmText(v)}`;
  return flags.terse ? `${text}` : line(name, v, full);
}

/**
 * One element as caget -d prints it. `states`: the enum labels of a gr/ctrl
 * enum (unless -n); an index past them is shown as caget shows it.
 */
function detailItem(
  v: CAValue,
  x: number | string,
  states: string[] | undefined,
): string {
  if (typeof x === "string") return printable(x);
  if (states) {
    if (x >= MAX_ENUM_STATES) return `Illegal Value (${x})`;
    return printable(states[x] ?? `Enum Index Overflow (${x})`);
  }
  return formatNumber(x, v.type);
}

/**
 * `get -d`: the value and every field of its DBR, as caget -d prints them
 * (EPICS's dbr2str: integer limits `%8d`, float ones `%g`).
 */
export function dbrDetails(
  channel: CAChannel,
  v: CAValue,
  { code, flags }: { code: number; flags: Flags },
): string {
  const { type, form } = dbrInfo(code)!;
  const value = v.value;
  const graphic = form === "gr" || form === "ctrl";
  const states = graphic && type === "enum" && !flags.enumNumbers
    ? v.enumStrings ?? []
    : undefined;
  const text = v.type === "char" && flags.charString
    ? formatValue(v, flags)
    : typeof value === "string" || typeof value === "number"
    ? detailItem(v, value, states)
    : Array.from(value as ArrayLike<number | string>, (x) =>
      detailItem(v, x, states)).join(" ");
  const out = [
    channel.name,
    `    Native data type: DBF_${channel.nativeType!.toUpperCase()}`,
    `    Request type:     ${dbrTypeName(code)}`,
    `    Element count:    ${v.count}`,
    `    Value:            ${text}`,
  ];
  if (form === "time") out.push(`    Timestamp:        ${formatStamp(v)}`);
  if (form !== "plain") {
    const [status, severity] = alarmNames(v);
    out.push(
      `    Status:           ${status}`,
      `    Severity:         ${severity}`,
    );
  }
  if (graphic && type === "enum") {
    const labels = v.enumStrings ?? [];
    out.push(`    Enums:            (${String(labels.length).padStart(2)})`);
    for (const [i, label] of labels.entries()) {
      out.push(
        `                      [${String(i).padStart(2)}] ${printable(label)}`,
      );
    }
  } else if (graphic && type !== "string") {
    const real = type === "float" || type === "double";
    const f = (x = 0): string =>
      real ? formatG(x) : formatNumber(x, type).padStart(8);
    const l = v.limits;
    out.push(`    Units:            ${printable(v.units ?? "")}`);
    if (real) out.push(`    Precision:        ${v.precision ?? 0}`);
    out.push(
      `    Lo disp limit:    ${f(l?.lowerDisp)}`,
      `    Hi disp limit:    ${f(l?.upperDisp)}`,
      `    Lo alarm limit:   ${f(l?.lowerAlarm)}`,
      `    Lo warn limit:    ${f(l?.lowerWarning)}`,
      `    Hi warn limit:    ${f(l?.upperWarning)}`,
      `    Hi alarm limit:   ${f(l?.upperAlarm)}`,
    );
    if (form === "ctrl") {
      out.push(
        `    Lo ctrl limit:    ${f(l?.lowerCtrl)}`,
        `    Hi ctrl limit:    ${f(l?.upperCtrl)}`,
      );
    }
  }
  return out.join("\n");
}
