/**
 * The IOC database of the daemon's own records, generated from the PV map:
 * every request (`SCAN:*` input), status (`SCAN:STATE`, `MSG`, `PROGRESS`,
 * `HEARTBEAT`, `FILE` …) and result (`FIT:<CH>:*`) record the daemon reads or
 * writes, plus the records the IOC computes itself (the heartbeat watchdog).
 * The hardware (motor record, Struck DAQ, IOPS, IDC and beam monitors) stays
 * the facility's and is not in it.
 *
 * Each record carries what EPICS tools need, from the spec data: DESC, EGU,
 * PREC, drive limits, enum strings with their alarm severities
 * (`FIT:<CH>:OK` = 0 is MAJOR) and, for the fit results, UDFS=INVALID: a NaN
 * put by the daemon (no fit) leaves the ao undefined, which the record shows
 * as UDF/INVALID.
 *
 * @example
 * ```ts
 * import { iocDatabase, macroInterface } from "./db.ts";
 * await Deno.writeTextFile("fws.db", iocDatabase(macroInterface()));
 * // softIoc -m P=FWS01: -d fws.db
 * ```
 *
 * @module
 */
import {
  type AlarmSeverity,
  FWSScanInterface,
  type LogicalName,
  type PvMapFile,
  type PvSpec,
} from "../pvmap/mod.ts";
import { INPUT_DEFAULTS } from "../sim/ioc_pvs.ts";

/** One record of the database: the resolved PV name and its spec. */
export interface IocRecordEntry {
  /** Logical name of the PV. */
  logical: LogicalName;
  /** Record name (the resolved PV name, or `$(P)…`). */
  name: string;
  /** The spec entry it is generated from. */
  spec: PvSpec;
}

/** Roles whose PVs the IOC database hosts (not the hardware's). */
export const IOC_DIRECTIONS: readonly PvSpec["direction"][] = [
  "input",
  "output",
  "ioc",
];

/** The macro the generic database is loaded with: `P`, the PV prefix. */
export const PREFIX_MACRO = "$(P)";

/** Default element count of a char waveform without a `length`. */
export const DEFAULT_WAVEFORM_LENGTH = 256;

/** DESC holds at most 40 bytes (41 with the terminating NUL). */
const DESC_MAX = 40;

const bytes = (text: string): number => new TextEncoder().encode(text).length;

/** The mbbi/mbbo state field prefixes, in state order. */
const MBB_PREFIXES = [
  "ZR",
  "ON",
  "TW",
  "TH",
  "FR",
  "FV",
  "SX",
  "SV",
  "EI",
  "NI",
  "TE",
  "EL",
  "TV",
  "TT",
  "FT",
  "FF",
] as const;

/**
 * The PV map with the prefix left as the macro `$(P)`, for the database a
 * facility loads with `P=FWS01:` (the map file's other overrides apply).
 *
 * @param map a parsed map file (its `prefix` is replaced by `$(P)`)
 */
export function macroInterface(map: PvMapFile = {}): FWSScanInterface {
  return new FWSScanInterface(1, { map: { ...map, prefix: PREFIX_MACRO } });
}

/** The records of the database, in display order (unmapped PVs left out). */
export function iocRecords(iface: FWSScanInterface): IocRecordEntry[] {
  return iface.entries().filter((e) =>
    IOC_DIRECTIONS.includes(e.spec.direction)
  );
}

function quote(text: string | number): string {
  return `"${String(text).replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/** A DESC of at most 40 bytes: the description, else the label, else cut. */
export function recordDescription(spec: PvSpec): string {
  for (const text of [spec.description, spec.label ?? ""]) {
    if (text.length > 0 && bytes(text) <= DESC_MAX) return text;
  }
  let cut = spec.description;
  while (bytes(cut) > DESC_MAX) cut = cut.slice(0, cut.lastIndexOf(" "));
  return cut;
}

function enumFields(spec: PvSpec): [string, string | number][] {
  const labels = spec.enumStrings ?? [];
  const severities: readonly AlarmSeverity[] = spec.severities ?? [];
  const out: [string, string | number][] = [];
  if (spec.record === "bo" || spec.record === "bi") {
    labels.forEach((label, i) => out.push([i === 0 ? "ZNAM" : "ONAM", label]));
    severities.forEach((sv, i) => {
      if (sv !== "NO_ALARM") out.push([i === 0 ? "ZSV" : "OSV", sv]);
    });
    return out;
  }
  if (labels.length > MBB_PREFIXES.length) {
    throw new Error(
      `ops db: ${spec.logical} has ${labels.length} states; an mbbi/mbbo record holds at most ${MBB_PREFIXES.length}`,
    );
  }
  labels.forEach((label, i) => {
    out.push([`${MBB_PREFIXES[i]}ST`, label]);
    const sv = severities[i];
    if (sv && sv !== "NO_ALARM") out.push([`${MBB_PREFIXES[i]}SV`, sv]);
  });
  return out;
}

/** Output records bound a put (DRVL/DRVH); every numeric one a display range. */
function limitFields(spec: PvSpec, drive: boolean): [string, number][] {
  if (!spec.limits) return [];
  const { low, high } = spec.limits;
  const range: [string, number][] = [["LOPR", low], ["HOPR", high]];
  return drive ? [["DRVL", low], ["DRVH", high], ...range] : range;
}

/** Records with an EGU field, and those with a PREC field. */
const HAS_EGU = ["ao", "ai", "longout", "longin", "calc", "waveform"];
const HAS_PREC = ["ao", "ai", "calc"];

function watchdogFields(
  entry: IocRecordEntry,
  iface: FWSScanInterface,
): [string, string | number][] | undefined {
  const w = entry.spec.watchdog!;
  const watched = iface.pv(w.watches as LogicalName);
  if (watched === null) return undefined;
  return [
    ["SCAN", "1 second"],
    // A is the watched value now, B this record's own A of the last pass
    ["INPA", `${watched} NPP`],
    ["INPB", `${entry.name}.LA NPP`],
    ["CALC", "A#B?0:VAL+1"],
    ["HIGH", w.after],
    ["HSV", w.severity],
  ];
}

/** The fields of one record, in the order they are written. */
export function recordFields(
  entry: IocRecordEntry,
  iface: FWSScanInterface,
): [string, string | number][] | undefined {
  const { spec } = entry;
  const fields: [string, string | number][] = [
    ["DESC", recordDescription(spec)],
  ];
  if (spec.units && HAS_EGU.includes(spec.record)) {
    fields.push(["EGU", spec.units]);
  }
  if (spec.precision !== undefined && HAS_PREC.includes(spec.record)) {
    fields.push(["PREC", spec.precision]);
  }
  // as string: record types other engineers add to the spec data (longin,
  // stringin …) are handled here before the union knows them
  switch (spec.record as string) {
    case "ao":
    case "ai":
      fields.push(...limitFields(spec, spec.record === "ao"));
      if (spec.alarmLimits) {
        fields.push(
          ["HIGH", spec.alarmLimits.high],
          ["HSV", "MINOR"],
          ["HIHI", spec.alarmLimits.hihi],
          ["HHSV", "MAJOR"],
        );
      }
      if (spec.direction === "output") fields.push(["UDFS", "INVALID"]);
      break;
    case "longout":
    case "longin":
      fields.push(...limitFields(spec, spec.record === "longout"));
      break;
    case "bo":
    case "bi":
    case "mbbo":
    case "mbbi":
      fields.push(...enumFields(spec));
      break;
    case "waveform":
      fields.push(["FTVL", spec.elementType === "double" ? "DOUBLE" : "CHAR"]);
      fields.push(["NELM", spec.length ?? DEFAULT_WAVEFORM_LENGTH]);
      break;
    case "calc": {
      if (!spec.watchdog) {
        throw new Error(
          `ops db: ${spec.logical} is a calc record without a watchdog; expected a watchdog spec`,
        );
      }
      const watchdog = watchdogFields(entry, iface);
      if (!watchdog) return undefined;
      fields.push(...watchdog);
      break;
    }
    case "stringout":
    case "stringin":
      break;
    default:
      throw new Error(
        `ops db: ${spec.logical} has record type '${spec.record}'; expected one of ao, ai, longout, longin, bo, bi, mbbo, mbbi, stringout, stringin, waveform, calc`,
      );
  }
  const initial = spec.direction === "input"
    ? INPUT_DEFAULTS[entry.logical]
    : undefined;
  if (initial !== undefined) {
    fields.push(["VAL", initial], ["PINI", "YES"]);
  }
  return fields;
}

/**
 * The `.db` text of the daemon's records for one resolved map (concrete
 * names) or for {@link macroInterface} (`$(P)` names).
 *
 * @param iface the resolved PV map
 * @param options `command`: how it was generated, for the header comment
 */
export function iocDatabase(
  iface: FWSScanInterface,
  options: { command?: string } = {},
): string {
  const command = options.command ?? "fws ops db";
  const macro = iface.prefix === PREFIX_MACRO;
  const out = [
    `# The fws daemon's own records, generated by \`${command}\` from lib/pvmap/specs.ts.`,
    "# Do not edit: regenerate. Load it with",
    macro ? "#   softIoc -m P=FWS01: -d fws.db" : "#   softIoc -d fws.db",
    macro
      ? '# or, in a facility IOC\'s st.cmd, dbLoadRecords("fws.db", "P=FWS01:").'
      : '# or, in a facility IOC\'s st.cmd, dbLoadRecords("fws.db").',
    "# The hardware (motor record, Struck DAQ, IOPS, IDC and beam) is not in it.",
    "",
  ];
  for (const entry of iocRecords(iface)) {
    const fields = recordFields(entry, iface);
    if (!fields) continue;
    out.push(`record(${entry.spec.record}, ${quote(entry.name)}) {`);
    for (const [field, value] of fields) {
      out.push(`  field(${field}, ${quote(value)})`);
    }
    out.push("}");
  }
  out.push("");
  return out.join("\n");
}
