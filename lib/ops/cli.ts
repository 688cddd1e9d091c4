/**
 * `fws ops db` and `fws ops display`: the IOC database of the daemon's own
 * records and the Phoebus operator display, generated from the PV map (the
 * built-in one, or a site's map file) and written to stdout or `--output`.
 *
 * Runs with read (the map file) and, until the output file is open, write;
 * nothing else (`lib/permissions.ts`).
 *
 * @module
 */
import { parseCommand, parseScannerIndex, UsageError } from "../cli.ts";
import { dropPermissions, withPermission } from "../permissions.ts";
import { FWSScanInterface, parsePvMap, type PvMapFile } from "../pvmap/mod.ts";
import { iocDatabase, macroInterface } from "./db.ts";
import { bobDisplay } from "./display.ts";

const USAGE = `Usage:
  fws ops db [--index N] [--test-mode] [options]   the IOC database (.db)
  fws ops display --index N [--test-mode] [options] the Phoebus display (.bob)

Options:
  --index N              scanner index 1–99: concrete PV names (db: without
                         it, records are named $(P)…, load with P=FWS01:)
  --test-mode            PV names with Test: in front (needs --index)
  --map PATH             a site's map file (also --pv-map)
  --struck-channels A,B  Struck channels (default: the map's, else PDB,PDT)
  --iops-channels a,b    IOPS channels (default: the map's, else ch1,ch2)
  --output FILE          write FILE instead of stdout
  --help                 show this help

Exit codes: 0 written, 1 the map file or the output cannot be used, 2 bad usage.`;

/** What `fws ops` was asked for. */
export interface OpsRequest {
  /** `db` or `display`. */
  what: "db" | "display";
  /** Scanner index, when concrete names are wanted. */
  index?: number;
  /** Test mode (with an index). */
  testMode: boolean;
  /** The map file's path, if any. */
  mapPath?: string;
  /** Channel lists that override the map's. */
  channels: NonNullable<PvMapFile["channels"]>;
  /** Where to write; stdout when absent. */
  output?: string;
}

function channelList(text: string | undefined, what: string) {
  if (text === undefined) return undefined;
  const list = text.split(",").map((c) => c.trim()).filter((c) => c !== "");
  if (list.length === 0 || list.some((c) => !/^[A-Za-z0-9_]+$/.test(c))) {
    throw new UsageError(
      `fws ops: --${what}: expected a comma-separated list of channel names (letters, digits, _), got '${text}'`,
    );
  }
  return list;
}

/**
 * Parses `fws ops` arguments; throws a {@link UsageError} on bad input.
 *
 * @example
 * ```ts
 * parseOpsArgs(["db", "--index", "3"]); // { what: "db", index: 3, … }
 * ```
 */
export function parseOpsArgs(args: string[]): OpsRequest | "help" {
  const { values, positionals } = parseCommand(args, {
    command: "fws ops",
    options: {
      index: { type: "string" },
      "test-mode": { type: "boolean" },
      map: { type: "string" },
      "pv-map": { type: "string" },
      "struck-channels": { type: "string" },
      "iops-channels": { type: "string" },
      output: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    positionals: ["db|display"],
  });
  if (values.help) return "help";
  const what = positionals[0];
  if (what !== "db" && what !== "display") {
    throw new UsageError(
      `fws ops: unknown target '${what}'; expected db or display (see fws ops --help)`,
    );
  }
  const str = (k: string) => values[k] as string | undefined;
  const index = str("index") === undefined
    ? undefined
    : parseScannerIndex(str("index")!, "--index");
  const testMode = values["test-mode"] === true;
  if (index === undefined && (what === "display" || testMode)) {
    throw new UsageError(
      `fws ops ${what}: expected --index N${
        what === "display"
          ? " (the display names concrete PVs)"
          : " with --test-mode (test mode prefixes concrete PV names)"
      }`,
    );
  }
  if (str("map") !== undefined && str("pv-map") !== undefined) {
    throw new UsageError("fws ops: --map and --pv-map: expected one of them");
  }
  const channels: OpsRequest["channels"] = {};
  const struck = channelList(str("struck-channels"), "struck-channels");
  const iops = channelList(str("iops-channels"), "iops-channels");
  if (struck) channels.struck = struck;
  if (iops) channels.iops = iops;
  return {
    what,
    index,
    testMode,
    mapPath: str("map") ?? str("pv-map"),
    channels,
    output: str("output"),
  };
}

/**
 * The text `fws ops` writes for a request, with the map file's text (if the
 * request names one) already read.
 */
export function opsText(request: OpsRequest, mapText?: string): string {
  const parsed = mapText === undefined
    ? {}
    : parsePvMap(mapText, request.mapPath);
  const map: PvMapFile = {
    ...parsed,
    channels: { ...parsed.channels, ...request.channels },
  };
  const command = ["fws ops", request.what, ...describe(request)].join(" ");
  if (request.what === "db") {
    const iface = request.index === undefined
      ? macroInterface(map)
      : new FWSScanInterface(request.index, {
        testMode: request.testMode,
        map,
      });
    return iocDatabase(iface, { command });
  }
  return bobDisplay(
    new FWSScanInterface(request.index!, { testMode: request.testMode, map }),
  );
}

function describe(r: OpsRequest): string[] {
  return [
    ...(r.index === undefined ? [] : ["--index", String(r.index)]),
    ...(r.testMode ? ["--test-mode"] : []),
    ...(r.mapPath ? ["--map", r.mapPath] : []),
    ...(r.channels.struck
      ? ["--struck-channels", r.channels.struck.join(",")]
      : []),
    ...(r.channels.iops ? ["--iops-channels", r.channels.iops.join(",")] : []),
  ];
}

/** `fws ops …`: returns the exit code. */
export async function opsMain(args: string[]): Promise<number> {
  const request = parseOpsArgs(args);
  if (request === "help") {
    console.log(USAGE);
    return 0;
  }
  // open the output first, then give up write for the rest of the run
  // (a compiled fws may write only inside its write roots: stdout always works)
  const path = request.output;
  const out = path === undefined ? undefined : await withPermission(
    { command: "fws ops", action: `write ${path} (use stdout: > ${path})` },
    () => Deno.open(path, { write: true, create: true, truncate: true }),
  );
  await dropPermissions(["write"]);
  try {
    let mapText: string | undefined;
    if (request.mapPath !== undefined) {
      try {
        mapText = await Deno.readTextFile(request.mapPath);
      } catch (error) {
        throw new Error(
          `--map ${request.mapPath}: cannot read (${(error as Error).message})`,
        );
      }
    }
    const bytes = new TextEncoder().encode(opsText(request, mapText));
    const sink = out ?? Deno.stdout;
    let written = 0;
    while (written < bytes.length) {
      written += await sink.write(bytes.subarray(written));
    }
    return 0;
  } finally {
    out?.close();
  }
}
