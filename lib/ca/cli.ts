/**
 * `fws ca get|put|monitor|info PV...` — caget/caput/camonitor/cainfo-like
 * diagnostics built on the same CA client the daemon uses, so a user on an
 * IOC host sees what the daemon sees. Search settings come from the usual
 * EPICS_CA_* variables.
 *
 * @module
 */
import { parseCommand, UsageError } from "../cli.ts";
import { CAClient } from "./client.ts";
import type { CAChannel } from "./client_channel.ts";
import type { CAValue, PutValue } from "./client_types.ts";
import {
  ALARM_SEVERITY,
  ALARM_STATUS,
  DBE_ALARM,
  DBE_LOG,
  DBE_PROPERTY,
  DBE_VALUE,
  dbrInfo,
  dbrType,
  dbrTypeName,
  MAX_ENUM_STATES,
  parseDbrType,
} from "./codec/constants.ts";
import { charArrayToString } from "./codec/dbr.ts";

const USAGE = `Usage: fws ca <get|put|monitor|info> [options] PV...

  fws ca get [-w s] [-#N] [-a|-t|-d type] [-n] [-S] PV...  read like caget
  fws ca put [-w s] [-c] [-t] [-a] [-S] PV value...      write like caput
  fws ca monitor [-w s] [-#N] [-n] [-S] [-m vlap] [--updates N] PV...
                                                          watch like camonitor
  fws ca info [-w s] PV...                                channel details like cainfo

Options:
  -w <sec>      wait time for connections and replies (default 1.0)
  -# <count>    element count to read (default: the current count)
  -a            get: show timestamp, alarm status and severity;
                put: array put, "PV count v1 v2 ..."
  -c            put with completion (waits for the IOC to finish)
  -t            terse: values only
  -d <type>     get: ask for this DBR type and print all its fields, e.g.
                DBR_CTRL_DOUBLE, TIME_LONG or 34 (codes 0-34)
  -n            enums as numbers
  -S            CHAR arrays as strings
  -m <mask>     monitor event mask of v(alue) a(larm) l(og) p(roperty) (default va)
  --updates N   monitor: exit after N updates (default: until Ctrl-C)
  -h, --help    this help

Search settings come from EPICS_CA_ADDR_LIST, EPICS_CA_AUTO_ADDR_LIST,
EPICS_CA_SERVER_PORT, EPICS_CA_CONN_TMO and EPICS_CA_MAX_SEARCH_PERIOD.`;

const OPTIONS = {
  help: { type: "boolean", short: "h" },
  wait: { type: "string", short: "w" },
  count: { type: "string", short: "#" },
  all: { type: "boolean", short: "a" },
  completion: { type: "boolean", short: "c" },
  terse: { type: "boolean", short: "t" },
  numbers: { type: "boolean", short: "n" },
  string: { type: "boolean", short: "S" },
  mask: { type: "string", short: "m" },
  updates: { type: "string" },
  dbr: { type: "string", short: "d" },
} as const;

interface Flags {
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

/** The value as caget prints it (arrays: count first). */
export function formatValue(
  v: CAValue,
  options: { enumNumbers?: boolean; charString?: boolean } = {},
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

function lineFor(
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
  if (typeof x === "string") return x;
  if (states) {
    if (x >= MAX_ENUM_STATES) return `Illegal Value (${x})`;
    return states[x] ?? `Enum Index Overflow (${x})`;
  }
  return formatNumber(x, v.type);
}

/**
 * `get -d`: the value and every field of its DBR, as caget -d prints them
 * (EPICS's dbr2str: integer limits `%8d`, float ones `%g`).
 */
function dbrDetails(
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
      out.push(`                      [${String(i).padStart(2)}] ${label}`);
    }
  } else if (graphic && type !== "string") {
    const real = type === "float" || type === "double";
    const f = (x = 0): string =>
      real ? formatG(x) : formatNumber(x, type).padStart(8);
    const l = v.limits;
    out.push(`    Units:            ${v.units ?? ""}`);
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

function parseFlags(values: Record<string, unknown>, command: string): Flags {
  const number = (key: string, what: string): number | undefined => {
    const text = values[key] as string | undefined;
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0) {
      throw new UsageError(
        `fws ca ${command}: --${key} expects ${what}, got '${text}'`,
      );
    }
    return n;
  };
  const count = number("count", "a non-negative element count");
  const updates = number("updates", "a number of updates");
  let mask = 0;
  for (const c of (values.mask as string | undefined) ?? "va") {
    const bit = { v: DBE_VALUE, a: DBE_ALARM, l: DBE_LOG, p: DBE_PROPERTY }[c];
    if (bit === undefined) {
      throw new UsageError(
        `fws ca ${command}: -m expects letters of 'vlap', got '${values.mask}'`,
      );
    }
    mask |= bit;
  }
  const dbrText = values.dbr as string | undefined;
  const dbr = dbrText === undefined ? undefined : parseDbrType(dbrText);
  if (dbrText !== undefined && command !== "get") {
    throw new UsageError(`fws ca ${command}: -d is an option of get only`);
  }
  if (dbrText !== undefined && dbr === undefined) {
    throw new UsageError(
      `fws ca get: -d expects a DBR type name such as DBR_CTRL_DOUBLE or a code 0-34, got '${dbrText}'`,
    );
  }
  if (
    command === "get" &&
    [values.terse, values.all, dbrText].filter((x) => x).length > 1
  ) {
    throw new UsageError("fws ca get: -t, -a and -d are mutually exclusive");
  }
  return {
    dbr,
    wait: number("wait", "seconds") ?? 1,
    count: count === undefined ? undefined : Math.floor(count),
    alarm: values.all === true,
    completion: values.completion === true,
    terse: values.terse === true,
    enumNumbers: values.numbers === true,
    charString: values.string === true,
    mask,
    updates: updates === undefined ? undefined : Math.floor(updates),
  };
}

async function connectAll(
  channels: CAChannel[],
  wait: number,
): Promise<boolean[]> {
  const results = await Promise.allSettled(
    channels.map((c) => c.waitConnected(wait)),
  );
  return results.map((r) => r.status === "fulfilled");
}

function readType(channel: CAChannel, flags: Flags) {
  return channel.nativeType === "enum" && !flags.enumNumbers
    ? "string" as const
    : undefined;
}

async function get(client: CAClient, pvs: string[], flags: Flags) {
  const channels = pvs.map((pv) => client.channel(pv));
  const ok = await connectAll(channels, flags.wait);
  let failed = 0;
  for (const [i, channel] of channels.entries()) {
    if (!ok[i]) {
      console.error(`Channel connect timed out: '${channel.name}' not found.`);
      failed++;
      continue;
    }
    try {
      const asked = flags.dbr === undefined ? undefined : dbrInfo(flags.dbr)!;
      const v = await channel.get({
        form: asked?.form ?? (flags.alarm ? "time" : "plain"),
        type: asked?.type ?? readType(channel, flags),
        count: flags.count,
        timeout: flags.wait,
      });
      console.log(
        flags.dbr === undefined
          ? lineFor(channel.name, v, flags, flags.alarm)
          : dbrDetails(channel, v, { code: flags.dbr, flags }),
      );
    } catch (error) {
      console.error((error as Error).message);
      failed++;
    }
  }
  return failed === 0 ? 0 : 1;
}

async function put(client: CAClient, args: string[], flags: Flags) {
  const [pv, ...rest] = args;
  if (rest.length === 0) {
    throw new UsageError("fws ca put: missing value (see fws ca --help)");
  }
  let value: PutValue = rest.join(" ");
  if (flags.alarm) {
    const n = Number(rest[0]);
    if (!Number.isInteger(n) || n < 0 || rest.length - 1 < n) {
      throw new UsageError(
        `fws ca put -a: expected 'PV count v1 … vcount', got count '${
          rest[0]
        }' and ${rest.length - 1} values`,
      );
    }
    value = rest.slice(1, n + 1);
  }
  const channel = client.channel(pv);
  const [ok] = await connectAll([channel], flags.wait);
  if (!ok) {
    console.error(`Channel connect timed out: '${pv}' not found.`);
    return 1;
  }
  const read = () =>
    channel.get({ type: readType(channel, flags), timeout: flags.wait });
  try {
    const old = await read();
    await channel.put(value, {
      wait: flags.completion,
      timeout: flags.completion ? Math.max(flags.wait, 1) : flags.wait,
    });
    const now = await read();
    if (flags.terse) console.log(formatValue(now, flags));
    else {
      console.log(`Old : ${lineFor(pv, old, flags, false)}`);
      console.log(`New : ${lineFor(pv, now, flags, false)}`);
    }
    return 0;
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
}

async function monitor(client: CAClient, pvs: string[], flags: Flags) {
  let updates = 0;
  let finish = (_code: number) => {};
  const done = new Promise<number>((resolve) => finish = resolve);
  for (const pv of new Set(pvs)) {
    const channel = client.channel(pv);
    let subscribed = false;
    const timer = setTimeout(() => {
      if (!channel.connected) {
        console.log(`${pv.padEnd(30)} *** Not connected (PV not found)`);
      }
    }, flags.wait * 1000);
    channel.addEventListener("connection", (e) => {
      const { connected } = (e as CustomEvent<{ connected: boolean }>).detail;
      clearTimeout(timer);
      if (!connected) {
        console.log(`${pv.padEnd(30)} *** disconnected`);
        return;
      }
      if (subscribed) return; // the subscription renews itself
      subscribed = true;
      // subscribe once the native type is known (enum labels need it)
      channel.subscribe((v) => {
        console.log(lineFor(pv, v, flags, true));
        if (flags.updates !== undefined && ++updates >= flags.updates) {
          finish(0);
        }
      }, {
        form: "time",
        type: readType(channel, flags),
        count: flags.count,
        mask: flags.mask,
      });
    });
    done.then(() => clearTimeout(timer));
  }
  const stop = () => finish(0);
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, stop);
  try {
    return await done;
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, stop);
  }
}

async function info(client: CAClient, pvs: string[], flags: Flags) {
  const channels = pvs.map((pv) => client.channel(pv));
  const ok = await connectAll(channels, flags.wait);
  for (const [i, c] of channels.entries()) {
    console.log(c.name);
    if (!ok[i]) {
      console.log("    State:            never connected");
      continue;
    }
    const access = [c.access?.read ? "read" : "no read"];
    access.push(c.access?.write ? "write" : "no write");
    const type = c.nativeType!;
    console.log(
      [
        "    State:            connected",
        `    Host:             ${c.host}`,
        `    Access:           ${access.join(", ")}`,
        `    Native data type: DBF_${type.toUpperCase()}`,
        `    Request type:     ${dbrTypeName(dbrType(type))}`,
        `    Element count:    ${c.count}`,
      ].join("\n"),
    );
  }
  return ok.every((x) => x) ? 0 : 1;
}

/**
 * Entry point of `fws ca`: `args` starts with get, put, monitor or info.
 *
 * @example
 * ```ts
 * await caMain(["get", "-a", "FWS01:SCAN:STATE"]);
 * ```
 */
export async function caMain(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === undefined || verb === "--help" || verb === "-h") {
    console.log(USAGE);
    return verb === undefined ? 2 : 0;
  }
  if (!["get", "put", "monitor", "info"].includes(verb)) {
    throw new UsageError(
      `fws ca: unknown action '${verb}'; expected get, put, monitor or info`,
    );
  }
  const { values, positionals } = parseCommand(rest, {
    command: `fws ca ${verb}`,
    options: OPTIONS,
    positionals: verb === "put" ? ["PV", "value"] : ["PV"],
    variadic: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const flags = parseFlags(values, verb);
  const client = new CAClient({ timeout: flags.wait });
  try {
    switch (verb) {
      case "get":
        return await get(client, positionals, flags);
      case "put":
        return await put(client, positionals, flags);
      case "monitor":
        return await monitor(client, positionals, flags);
      default:
        return await info(client, positionals, flags);
    }
  } finally {
    await client.close();
  }
}
