/**
 * The spec data of the PV map: the types of a logical PV's spec — its
 * logical name, default PV name template, record type, direction, units,
 * enum labels and whether the scan needs it — the scan's `SCAN:*` inputs and
 * outputs, the records the IOC computes itself and the motor record fields.
 *
 * The live view is in `live_specs.ts`, the fixed data PVs in
 * `data_specs.ts`, the logical-name types derived from them all and
 * `PvSpec` in `logical_names.ts` (which imports this file, not the
 * other way round). The fit PVs (`FIT:<CH>:<suffix>`) are derived from the fit-field registry
 * (`lib/analysis/fit_fields.ts`), their one home, in `fit_pvs.ts`; the
 * built-in map of given channels is assembled in `defaults.ts`.
 *
 * @example
 * ```ts
 * import { SCAN_PVS } from "./specs.ts";
 * console.log(SCAN_PVS[0].template); // "{P}SCAN:START"
 * ```
 *
 * @module
 */
import {
  FIT_MODEL_CHOICES,
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
export interface PvSpecData {
  /** Logical name, e.g. `scan.start`. */
  logical: string;
  /** Default PV name template with `{P}` for the prefix. */
  template: string;
  /** EPICS record type. */
  record: PvRecordType;
  /** Role: read by the daemon, written by it, the motor's or data. */
  direction: PvDirection;
  /** Unit, where it has one. */
  units?: string;
  /** Enum labels for bo/mbbo/mbbi records. */
  enumStrings?: readonly string[];
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
  /** Element type (FTVL) of a waveform; default `char` (text). */
  elementType?: WaveformElement;
  /** What a watchdog record watches (record `calc`). */
  watchdog?: PvWatchdog;
  /** Alarm limits of an analog output (HIGH MINOR, HIHI MAJOR). */
  alarmLimits?: PvAlarmLimits;
}

/** HIGH (MINOR) and HIHI (MAJOR) alarm limits of an analog output. */
export interface PvAlarmLimits {
  readonly high: number;
  readonly hihi: number;
}

/** Element type of a waveform (its FTVL): text, or numbers. */
export type WaveformElement = "char" | "double";

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
    logical: "fit.model",
    template: "{P}FIT:MODEL",
    record: "mbbo",
    direction: "input",
    enumStrings: FIT_MODEL_CHOICES.map((c) => c.toUpperCase()),
    description:
      "profile model fitted besides the Gaussian: GAUSS (the Gaussian only), AUTO (every model, the best by AICc) or one model",
    label: "Fit model",
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
    description:
      "path of this request's HDF5 file, once closed (empty while it runs and when none was written)",
    label: "Scan file",
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
