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
export type PvDirection = "input" | "output" | "motor" | "data" | "ioc";

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
  | "calc"
  | "motor";

/** EPICS alarm severity, as the record fields (ZSV, HSV …) spell it. */
export type AlarmSeverity = "NO_ALARM" | "MINOR" | "MAJOR" | "INVALID";

/** Drive limits of a request: the IOC refuses a put outside them. */
export interface PvLimits {
  /** Lowest value accepted (DRVL). */
  readonly low: number;
  /** Highest value accepted (DRVH). */
  readonly high: number;
}

/**
 * A watchdog record: counts the seconds since `watches` last changed and
 * goes to `severity` once the count reaches `after`.
 */
export interface PvWatchdog {
  /** Logical name of the PV watched. */
  readonly watches: string;
  /** Seconds without a change before the alarm. */
  readonly after: number;
  /** Severity once stalled. */
  readonly severity: AlarmSeverity;
}

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
  label?: string;
  precision?: number;
  limits?: PvLimits;
  severities?: readonly AlarmSeverity[];
  length?: number;
  watchdog?: PvWatchdog;
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
  /** Short human label for the operator display (a few words). */
  label?: string;
  /** Display precision (PREC) of a number. */
  precision?: number;
  /** Drive limits of a request (DRVL/DRVH). */
  limits?: PvLimits;
  /** Alarm severity of each enum state, in `enumStrings` order. */
  severities?: readonly AlarmSeverity[];
  /** Element count (NELM) of a waveform. */
  length?: number;
  /** What a watchdog record watches (record `calc`). */
  watchdog?: PvWatchdog;
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
    label: "Start scan",
  },
  {
    logical: "scan.abort",
    template: "{P}SCAN:ABORT",
    record: "bo",
    direction: "input",
    enumStrings: ["Idle", "Abort"],
    description: "abort the running request",
    label: "Abort",
  },
  {
    logical: "scan.mode",
    template: "{P}SCAN:MODE",
    record: "mbbo",
    direction: "input",
    enumStrings: ["STEP", "FLY"],
    description: "step scan or continuous (fly) scan",
    label: "Mode",
  },
  {
    logical: "scan.startPos",
    template: "{P}SCAN:START_POS",
    record: "ao",
    direction: "input",
    units: "mm",
    description: "first wire position",
    required: true,
    label: "Start position",
    precision: 3,
  },
  {
    logical: "scan.endPos",
    template: "{P}SCAN:END_POS",
    record: "ao",
    direction: "input",
    units: "mm",
    description: "last wire position",
    required: true,
    label: "End position",
    precision: 3,
  },
  {
    logical: "scan.nSteps",
    template: "{P}SCAN:NSTEPS",
    record: "longout",
    direction: "input",
    description: "number of positions (step mode)",
    label: "Steps",
    limits: { low: 2, high: 10000 },
  },
  {
    logical: "scan.speed",
    template: "{P}SCAN:SPEED",
    record: "ao",
    direction: "input",
    units: "mm/s",
    description: "wire speed (fly mode)",
    label: "Wire speed",
    precision: 3,
  },
  {
    logical: "scan.nScans",
    template: "{P}SCAN:NSCANS",
    record: "longout",
    direction: "input",
    description: "repetitions, written as scan_001 …",
    label: "Repetitions",
    limits: { low: 1, high: 100 },
  },
  {
    logical: "scan.settle",
    template: "{P}SCAN:SETTLE",
    record: "ao",
    direction: "input",
    units: "s",
    description: "settle time after each move",
    label: "Settle time",
    precision: 2,
    limits: { low: 0, high: 3600 },
  },
  {
    logical: "scan.bidir",
    template: "{P}SCAN:BIDIR",
    record: "bo",
    direction: "input",
    enumStrings: ["No", "Yes"],
    description: "alternate direction between repetitions",
    label: "Both directions",
  },
  {
    logical: "scan.user",
    template: "{P}SCAN:USER",
    record: "stringout",
    direction: "input",
    description: "who asked for the scan (metadata)",
    label: "User",
  },
  {
    logical: "scan.comment",
    template: "{P}SCAN:COMMENT",
    record: "stringout",
    direction: "input",
    description: "free comment (metadata)",
    label: "Comment",
  },
  {
    logical: "scan.state",
    template: "{P}SCAN:STATE",
    record: "mbbi",
    direction: "output",
    enumStrings: SCAN_STATES,
    description:
      "daemon state; DONE, ABORTED and ERROR are held until the next request",
    label: "State",
    severities: [
      "NO_ALARM",
      "NO_ALARM",
      "NO_ALARM",
      "NO_ALARM",
      "NO_ALARM",
      "NO_ALARM",
      "NO_ALARM",
      "MINOR",
      "MAJOR",
      "NO_ALARM",
    ],
  },
  {
    logical: "scan.msg",
    template: "{P}SCAN:MSG",
    record: "waveform",
    direction: "output",
    description: "human-readable status or error",
    label: "Message",
    length: 256,
  },
  {
    logical: "scan.progress",
    template: "{P}SCAN:PROGRESS",
    record: "ao",
    direction: "output",
    units: "%",
    description: "progress of the request",
    label: "Progress",
    precision: 1,
    limits: { low: 0, high: 100 },
  },
  {
    logical: "scan.step",
    template: "{P}SCAN:STEP",
    record: "longout",
    direction: "output",
    description:
      "step of the repetition being acquired, 1 … NSTEPS (0 between repetitions and in fly mode)",
    label: "Step",
  },
  {
    logical: "scan.owner",
    template: "{P}SCAN:OWNER",
    record: "waveform",
    direction: "output",
    description:
      "the daemon driving this scanner: host, pid, version and since when (empty when none)",
    label: "Owner",
    length: 256,
  },
  {
    logical: "scan.heartbeat",
    template: "{P}SCAN:HEARTBEAT",
    record: "longout",
    direction: "output",
    description: "incremented every second while the daemon lives",
    label: "Heartbeat",
  },
  {
    logical: "scan.file",
    template: "{P}SCAN:FILE",
    record: "waveform",
    direction: "output",
    description: "path of the last HDF5 file",
    label: "Last file",
    length: 1024,
  },
] as const satisfies readonly PvSpecData[];

/**
 * Records the IOC database computes itself (the daemon never writes them):
 * the heartbeat watchdog, MAJOR once `SCAN:HEARTBEAT` has not changed for 5 s.
 */
export const IOC_PVS = [
  {
    logical: "scan.heartbeatAge",
    template: "{P}SCAN:HEARTBEAT_AGE",
    record: "calc",
    direction: "ioc",
    units: "s",
    description:
      "seconds since the heartbeat last changed; MAJOR after 5 s (daemon stalled)",
    label: "Heartbeat age",
    precision: 0,
    watchdog: { watches: "scan.heartbeat", after: 5, severity: "MAJOR" },
  },
] as const satisfies readonly PvSpecData[];

const MOTOR_LABELS: Record<MotorField, string> = {
  val: "Set point",
  rbv: "Readback",
  dmov: "Done moving",
  velo: "Speed",
  vmax: "Max speed",
  hlm: "High limit",
  llm: "Low limit",
  stop: "Stop",
  egu: "Units",
};

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
    label: "Acquire",
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
    label: "IDC current",
    precision: 3,
  },
  {
    logical: "beam.current",
    template: "{P}BEAM:CURRENT",
    record: "ai",
    direction: "data",
    units: "mA",
    description: "beam current, recorded per step (beam-loss pause)",
    label: "Beam current",
    precision: 3,
  },
  {
    logical: "beam.energy",
    template: "{P}BEAM:ENERGY",
    record: "ai",
    direction: "data",
    units: "MeV",
    description: "beam energy, recorded per step",
    label: "Beam energy",
    precision: 1,
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
  /** Short human label (the registry's). */
  label?: string;
}

/**
 * The fit fields published on PVs, in registry order, then the OK flag:
 * every registry entry with a PV suffix.
 */
export const FIT_PV_FIELDS: readonly FitPvFieldSpec[] = [
  ...FIT_FIELDS.flatMap((f) =>
    f.pv === null
      ? []
      : [{ field: f.key, suffix: f.pv, unit: f.unit, label: f.label }]
  ),
  { field: "ok", suffix: FIT_OK_PV, unit: "none", label: "fit OK" },
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
  | typeof FIXED_DATA_PVS[number]["logical"]
  | typeof IOC_PVS[number]["logical"];

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
    label: MOTOR_LABELS[key],
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
      label: ch,
    })),
    ...iops.map((ch): PvSpec => ({
      logical: `iops.${ch}`,
      template: `{P}IOPS:${ch.toUpperCase()}`,
      record: "waveform",
      direction: "data",
      units: "mm",
      description: `IOPS wire position ${ch}`,
      label: `IOPS ${ch}`,
    })),
    ...context,
  ];
}

function fitPvs(struck: readonly string[]): PvSpec[] {
  const labelOf = (key: string) =>
    FIT_FIELDS.find((f) => f.key === key)?.label ?? key;
  return struck.flatMap((ch) => [
    ...FIT_PV_FIELDS.map(({ field, suffix, unit, label }): PvSpec => ({
      logical: `fit.${ch}.${field}`,
      template: `{P}FIT:${ch}:${suffix}`,
      record: field === "ok" ? "bo" : "ao",
      direction: "output",
      units: unit === "x" ? "mm" : undefined,
      enumStrings: field === "ok" ? ["Failed", "OK"] : undefined,
      description: `fit ${field} of ${ch} for the last scan`,
      label,
      precision: field === "ok" ? undefined : 5,
      severities: field === "ok" ? ["MAJOR", "NO_ALARM"] : undefined,
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
      label: `${labelOf(key)} ${stat === "mean" ? "mean" : "std"}`,
      precision: 5,
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
    ...IOC_PVS.map(spec),
    ...motorPvs(),
    ...dataPvs(struck, iops),
    ...fitPvs(struck),
  ];
}
