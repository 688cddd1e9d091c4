/**
 * The spec data of the PV map: every logical PV a scanner has — its logical
 * name, default PV name template, record type, direction, units, enum labels
 * and whether the scan needs it — and the literal types of the logical names
 * derived from that data, so a misspelt `"motor.vall"` does not compile.
 *
 * The fit PVs (`FIT:<CH>:<suffix>`) are derived from the fit-field registry
 * (`lib/analysis/fit_fields.ts`), their one home.
 *
 * @example
 * ```ts
 * import { defaultPvSpecs } from "./specs.ts";
 * const start = defaultPvSpecs().find((s) => s.logical === "scan.start");
 * console.log(start?.template); // "{P}SCAN:START"
 * ```
 *
 * @module
 */
import {
  FIT_FIELDS,
  FIT_OK_PV,
  type FitNumberKey,
} from "../analysis/fit_fields.ts";

export type { FitNumberKey };

/** Role of a PV, as documented in the PV table. */
export type PvDirection = "input" | "output" | "motor" | "data";

/** EPICS record type the PV stands for (used by the simulator and the docs). */
export type PvRecordType =
  | "ai"
  | "ao"
  | "bo"
  | "bi"
  | "mbbo"
  | "mbbi"
  | "longout"
  | "stringout"
  | "waveform"
  | "motor";

/** The fields of a spec, as written in the spec data (read-only lists). */
interface PvSpecData {
  logical: string;
  template: string;
  record: PvRecordType;
  direction: PvDirection;
  units?: string;
  enumStrings?: readonly string[];
  description: string;
  required?: boolean;
}

/** Description of one logical PV in the built-in map. */
export interface PvSpec {
  /** Logical name, e.g. `scan.start`. */
  logical: LogicalName;
  /** Default PV name template with `{P}` for the prefix. */
  template: string;
  /** EPICS record type. */
  record: PvRecordType;
  /** Role: read by the daemon, written by it, the motor's or data. */
  direction: PvDirection;
  /** Unit, where it has one. */
  units?: string;
  /** Enum labels for bo/mbbo/mbbi records. */
  enumStrings?: string[];
  /** What the PV does, for the docs and the operator display. */
  description: string;
  /** The scan cannot run without it: `null` in a map file is rejected. */
  required?: boolean;
}

/** States published on `SCAN:STATE`, in mbbi order. */
export const SCAN_STATES = [
  "IDLE",
  "VALIDATING",
  "MOVING",
  "ACQUIRING",
  "FITTING",
  "WRITING",
  "DONE",
  "ABORTED",
  "ERROR",
  "PAUSED",
] as const;

/** One of {@link SCAN_STATES}. */
export type ScanState = typeof SCAN_STATES[number];

/** Default Struck detector channels. */
export const DEFAULT_STRUCK_CHANNELS = ["PDB", "PDT"] as const;

/** Default IOPS position channels. */
export const DEFAULT_IOPS_CHANNELS = ["ch1", "ch2"] as const;

/** Motor record fields the daemon uses, logical suffix → record field. */
export const MOTOR_FIELDS = {
  val: "VAL",
  rbv: "RBV",
  dmov: "DMOV",
  velo: "VELO",
  vmax: "VMAX",
  hlm: "HLM",
  llm: "LLM",
  stop: "STOP",
  egu: "EGU",
} as const;

/** A motor record field the daemon uses (`motor.<field>`). */
export type MotorField = keyof typeof MOTOR_FIELDS;

/** The spec data of the `SCAN:*` inputs and outputs, in display order. */
export const SCAN_PVS = [
  {
    logical: "scan.start",
    template: "{P}SCAN:START",
    record: "bo",
    direction: "input",
    enumStrings: ["Idle", "Start"],
    description:
      "request a scan; the daemon writes 0 back once it has taken the request",
    required: true,
  },
  {
    logical: "scan.abort",
    template: "{P}SCAN:ABORT",
    record: "bo",
    direction: "input",
    enumStrings: ["Idle", "Abort"],
    description: "abort the running request",
  },
  {
    logical: "scan.mode",
    template: "{P}SCAN:MODE",
    record: "mbbo",
    direction: "input",
    enumStrings: ["STEP", "FLY"],
    description: "step scan or continuous (fly) scan",
  },
  {
    logical: "scan.startPos",
    template: "{P}SCAN:START_POS",
    record: "ao",
    direction: "input",
    units: "mm",
    description: "first wire position",
    required: true,
  },
  {
    logical: "scan.endPos",
    template: "{P}SCAN:END_POS",
    record: "ao",
    direction: "input",
    units: "mm",
    description: "last wire position",
    required: true,
  },
  {
    logical: "scan.nSteps",
    template: "{P}SCAN:NSTEPS",
    record: "longout",
    direction: "input",
    description: "number of positions (step mode)",
  },
  {
    logical: "scan.speed",
    template: "{P}SCAN:SPEED",
    record: "ao",
    direction: "input",
    units: "mm/s",
    description: "wire speed (fly mode)",
  },
  {
    logical: "scan.nScans",
    template: "{P}SCAN:NSCANS",
    record: "longout",
    direction: "input",
    description: "repetitions, written as scan_001 …",
  },
  {
    logical: "scan.settle",
    template: "{P}SCAN:SETTLE",
    record: "ao",
    direction: "input",
    units: "s",
    description: "settle time after each move",
  },
  {
    logical: "scan.bidir",
    template: "{P}SCAN:BIDIR",
    record: "bo",
    direction: "input",
    enumStrings: ["No", "Yes"],
    description: "alternate direction between repetitions",
  },
  {
    logical: "scan.user",
    template: "{P}SCAN:USER",
    record: "stringout",
    direction: "input",
    description: "who asked for the scan (metadata)",
  },
  {
    logical: "scan.comment",
    template: "{P}SCAN:COMMENT",
    record: "stringout",
    direction: "input",
    description: "free comment (metadata)",
  },
  {
    logical: "scan.state",
    template: "{P}SCAN:STATE",
    record: "mbbi",
    direction: "output",
    enumStrings: SCAN_STATES,
    description:
      "daemon state; DONE, ABORTED and ERROR are held until the next request",
  },
  {
    logical: "scan.msg",
    template: "{P}SCAN:MSG",
    record: "waveform",
    direction: "output",
    description: "human-readable status or error",
  },
  {
    logical: "scan.progress",
    template: "{P}SCAN:PROGRESS",
    record: "ao",
    direction: "output",
    units: "%",
    description: "progress of the request",
  },
  {
    logical: "scan.step",
    template: "{P}SCAN:STEP",
    record: "longout",
    direction: "output",
    description:
      "step of the repetition being acquired, 1 … NSTEPS (0 between repetitions and in fly mode)",
  },
  {
    logical: "scan.owner",
    template: "{P}SCAN:OWNER",
    record: "waveform",
    direction: "output",
    description:
      "the daemon driving this scanner: host, pid, version and since when (empty when none)",
  },
  {
    logical: "scan.heartbeat",
    template: "{P}SCAN:HEARTBEAT",
    record: "longout",
    direction: "output",
    description: "incremented every second while the daemon lives",
  },
  {
    logical: "scan.file",
    template: "{P}SCAN:FILE",
    record: "waveform",
    direction: "output",
    description: "path of the last HDF5 file",
  },
] as const satisfies readonly PvSpecData[];

const MOTOR_DESCRIPTIONS: Record<MotorField, string> = {
  val: "wire motor set point",
  rbv: "wire motor readback",
  dmov: "done moving (1 when the motor is still)",
  velo: "motor speed",
  vmax: "maximum motor speed",
  hlm: "high soft limit",
  llm: "low soft limit",
  stop: "stop the motor",
  egu: "engineering units",
};

/** The data PVs that do not depend on the channels, in display order. */
export const FIXED_DATA_PVS = [
  {
    logical: "daq.acquire",
    template: "{P}DAQ:ACQUIRE",
    record: "bo",
    direction: "data",
    enumStrings: ["Idle", "Acquire"],
    description: "trigger the Struck acquisition (put with completion)",
  },
  {
    logical: "struck.samplePeriod",
    template: "{P}DAQ:SAMPLE_PERIOD",
    record: "ai",
    direction: "data",
    units: "s",
    description:
      "time between two Struck samples of the last acquisition (sample_period in the file)",
  },
  {
    logical: "idc.current",
    template: "{P}IDC:CURRENT",
    record: "ai",
    direction: "data",
    units: "mA",
    description: "IDC current, recorded per step",
  },
  {
    logical: "beam.current",
    template: "{P}BEAM:CURRENT",
    record: "ai",
    direction: "data",
    units: "mA",
    description: "beam current, recorded per step (beam-loss pause)",
  },
  {
    logical: "beam.energy",
    template: "{P}BEAM:ENERGY",
    record: "ai",
    direction: "data",
    units: "MeV",
    description: "beam energy, recorded per step",
  },
] as const satisfies readonly PvSpecData[];

/** A fit result published per Struck channel: a fit key, or the OK flag. */
export type FitPvField = FitNumberKey | "ok";

/** One published fit field: its logical suffix and its PV suffix. */
export interface FitPvFieldSpec {
  /** Logical suffix, `fit.<CH>.<field>` (the key in the fit registry). */
  field: FitPvField;
  /** PV suffix, `FIT:<CH>:<suffix>`. */
  suffix: string;
  /** Unit kind of the registry entry (`x` is the wire position, mm). */
  unit: "x" | "y" | "none";
}

/**
 * The fit fields published on PVs, in registry order, then the OK flag:
 * every registry entry with a PV suffix.
 */
export const FIT_PV_FIELDS: readonly FitPvFieldSpec[] = [
  ...FIT_FIELDS.flatMap((f) =>
    f.pv === null ? [] : [{ field: f.key, suffix: f.pv, unit: f.unit }]
  ),
  { field: "ok", suffix: FIT_OK_PV, unit: "none" },
];

/** A request summary of a fitted parameter: `centerMean`, `sigmaStd`, … */
export type FitSummaryPvField = `${FitNumberKey}${"Mean" | "Std"}`;

/** One published request summary: its logical suffix, PV suffix and stat. */
export interface FitSummaryPvFieldSpec {
  /** Logical suffix, `fit.<CH>.<field>`. */
  field: FitSummaryPvField;
  /** PV suffix, `FIT:<CH>:<suffix>` (`CENTER_MEAN`, `SIGMA_STD`, …). */
  suffix: string;
  /** The parameter summarised. */
  key: FitNumberKey;
  stat: "mean" | "std";
  unit: "x" | "y" | "none";
}

/**
 * The mean and the standard deviation over the request's successful
 * repetitions of each fitted parameter (the registry's fields that have a
 * standard error and a PV), published beside the last repetition's values.
 */
export const FIT_SUMMARY_PV_FIELDS: readonly FitSummaryPvFieldSpec[] =
  FIT_FIELDS.flatMap((f) =>
    f.pv === null || f.err === null ? [] : (["mean", "std"] as const).map((
      stat,
    ) => ({
      field: `${f.key}${stat === "mean" ? "Mean" : "Std"}` as const,
      suffix: `${f.pv}_${stat.toUpperCase()}`,
      key: f.key,
      stat,
      unit: f.unit,
    }))
  );

/**
 * Old logical fit suffixes still accepted in a map file, old → new (a
 * warning names both).
 */
export const FIT_FIELD_ALIASES: Readonly<Record<string, FitPvField>> = {
  chi2: "chi2Red",
};

/**
 * The value of every published fit field of one fit, in
 * {@link FIT_PV_FIELDS} order (`ok` as 1 or 0).
 *
 * @example
 * ```ts
 * import { failedFit } from "../analysis/mod.ts";
 * for (const [field, value] of fitPvValues(failedFit("no data"))) {
 *   console.log(field, value);
 * }
 * ```
 */
export function fitPvValues(
  fit: Readonly<Record<FitNumberKey, number>> & { readonly ok: boolean },
): [FitPvField, number][] {
  return FIT_PV_FIELDS.map(({ field }) => [
    field,
    field === "ok" ? (fit.ok ? 1 : 0) : fit[field],
  ]);
}

/** A logical name that does not depend on the channels. */
export type FixedLogicalName =
  | typeof SCAN_PVS[number]["logical"]
  | `motor.${MotorField}`
  | typeof FIXED_DATA_PVS[number]["logical"];

/**
 * Every logical name of the PV map: the fixed ones, and per channel
 * `daq.<CH>`, `iops.<ch>` and `fit.<CH>.<field>`.
 */
export type LogicalName =
  | FixedLogicalName
  | `daq.${string}`
  | `iops.${string}`
  | `fit.${string}.${FitPvField}`
  | `fit.${string}.${FitSummaryPvField}`;

function spec(data: PvSpecData): PvSpec {
  const { enumStrings, ...rest } = data;
  const out: PvSpec = { ...rest, logical: data.logical as LogicalName };
  if (enumStrings) out.enumStrings = [...enumStrings];
  return out;
}

function motorPvs(): PvSpec[] {
  return (Object.keys(MOTOR_FIELDS) as MotorField[]).map((key) => ({
    logical: `motor.${key}`,
    template: `{P}MTR.${MOTOR_FIELDS[key]}`,
    record: "motor",
    direction: "motor",
    units: key === "velo" || key === "vmax"
      ? "mm/s"
      : ["val", "rbv", "hlm", "llm"].includes(key)
      ? "mm"
      : undefined,
    description: MOTOR_DESCRIPTIONS[key],
    required: key === "val" || key === "rbv",
  }));
}

function dataPvs(struck: readonly string[], iops: readonly string[]): PvSpec[] {
  const [acquire, ...context] = FIXED_DATA_PVS.map(spec);
  return [
    acquire,
    ...struck.map((ch): PvSpec => ({
      logical: `daq.${ch}`,
      template: `{P}DAQ:${ch}`,
      record: "waveform",
      direction: "data",
      units: "V",
      description: `Struck detector signal ${ch}`,
    })),
    ...iops.map((ch): PvSpec => ({
      logical: `iops.${ch}`,
      template: `{P}IOPS:${ch.toUpperCase()}`,
      record: "waveform",
      direction: "data",
      units: "mm",
      description: `IOPS wire position ${ch}`,
    })),
    ...context,
  ];
}

function fitPvs(struck: readonly string[]): PvSpec[] {
  return struck.flatMap((ch) => [
    ...FIT_PV_FIELDS.map(({ field, suffix, unit }): PvSpec => ({
      logical: `fit.${ch}.${field}`,
      template: `{P}FIT:${ch}:${suffix}`,
      record: field === "ok" ? "bo" : "ao",
      direction: "output",
      units: unit === "x" ? "mm" : undefined,
      enumStrings: field === "ok" ? ["Failed", "OK"] : undefined,
      description: `fit ${field} of ${ch} for the last scan`,
    })),
    ...FIT_SUMMARY_PV_FIELDS.map((
      { field, suffix, key, stat, unit },
    ): PvSpec => ({
      logical: `fit.${ch}.${field}`,
      template: `{P}FIT:${ch}:${suffix}`,
      record: "ao",
      direction: "output",
      units: unit === "x" ? "mm" : undefined,
      description: `${
        stat === "mean" ? "mean" : "standard deviation"
      } of the fit ${key} of ${ch} over the request's successful scans`,
    })),
  ]);
}

/**
 * The built-in PV specs for the given channels, in display order.
 *
 * @param struck Struck channel names
 * @param iops IOPS channel names
 */
export function defaultPvSpecs(
  struck: readonly string[] = DEFAULT_STRUCK_CHANNELS,
  iops: readonly string[] = DEFAULT_IOPS_CHANNELS,
): PvSpec[] {
  return [
    ...SCAN_PVS.map(spec),
    ...motorPvs(),
    ...dataPvs(struck, iops),
    ...fitPvs(struck),
  ];
}
