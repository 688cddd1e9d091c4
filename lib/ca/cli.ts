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
import type { PutValue } from "./client_types.ts";
import {
  DBE_ALARM,
  DBE_LOG,
  DBE_PROPERTY,
  DBE_VALUE,
  dbrInfo,
  dbrType,
  dbrTypeName,
  parseDbrType,
} from "./codec/constants.ts";
import {
  dbrDetails,
  type Flags,
  formatValue,
  lineFor,
  printable,
} from "./cli_format.ts";

export { formatG, formatStamp, formatValue } from "./cli_format.ts";

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

/**
 * Why a channel did not connect, as one line: caget's "not found" only when
 * no server answered the search; else which server had it and what failed.
 */
function notConnected(channel: CAChannel): string {
  const host = channel.lastHost;
  if (!host) return `Channel connect timed out: '${channel.name}' not found.`;
  return printable(
    `Channel connect timed out: '${channel.name}' found on ${host}, but ${
      channel.problem ?? "the server did not create the channel"
    }.`,
  );
}

/** An error's message, safe to print (it may carry a server's text). */
function errorLine(error: unknown): string {
  return printable(error instanceof Error ? error.message : String(error));
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
      console.error(notConnected(channel));
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
      console.error(errorLine(error));
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
    console.error(notConnected(channel));
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
    console.error(errorLine(error));
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
      const host = c.lastHost;
      console.log(
        host
          ? `    State:            not connected (last on ${host}: ${
            printable(c.problem ?? "no channel created")
          })`
          : "    State:            never connected",
      );
      continue;
    }
    const access = [c.access?.read ? "read" : "no read"];
    access.push(c.access?.write ? "write" : "no write");
    const type = c.nativeType!;
    console.log(
      [
        "    State:            connected",
        `    Host:             ${c.lastHost ?? "?"}`,
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
