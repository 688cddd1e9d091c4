/**
 * The spec data of the PV map: every logical PV a scanner has — its logical
 * name, default PV name template, record type, direction, units, enum labels
 * and whether the scan needs it — and the literal types of the logical names
 * derived from that data, so a misspelt `"motor.vall"` does not compile.
 *
 * The fit PVs (`FIT:<CH>:<suffix>`) are derived from the fit-field registry
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
  type BeamShapeKey,
  FIT_MODEL_CHOICES,
  type FitNumberKey,
} from "../analysis/fit_fields.ts";
import type { FitPvField, FitSummaryPvField } from "./fit_pvs.ts";
import type { StrokePvField } from "./defaults.ts";

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
  elementType?: WaveformElement;
  watchdog?: PvWatchdog;
  alarmLimits?: PvAlarmLimits;
}

/** HIGH (MINOR) and HIHI (MAJOR) alarm limits of an analog output. */
export interface PvAlarmLimits {
  readonly high: number;
  readonly hihi: number;
}

/** Element type of a waveform (its FTVL): text, or numbers. */
export type WaveformElement = "char" | "double";

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
  /** Element type (FTVL) of a waveform; default `char` (text). */
  elementType?: WaveformElement;
  /** What a watchdog record watches (record `calc`). */
  watchdog?: PvWatchdog;
  /** Alarm limits of an analog output (HIGH MINOR, HIHI MAJOR). */
  alarmLimits?: PvAlarmLimits;
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

/**
 * Element count (NELM) of the live profile waveforms: one point per step of
 * the longest step request (NSTEPS ≤ 10000); a fly repetition is decimated
 * to it.
 */
export const LIVE_LENGTH = 10000;

/**
 * The live view of the running repetition that does not depend on the
 * channels (`LIVE:POS`, `LIVE:REP`, `LIVE:DIR`); `LIVE:<CH>` and
 * `LIVE:FIT:<CH>` follow per Struck channel (`defaults.ts`).
 */
export const LIVE_PVS = [
  {
    logical: "live.pos",
    template: "{P}LIVE:POS",
    record: "waveform",
    direction: "output",
    units: "mm",
    description:
      "wire positions of the repetition's profile so far: one per step; a fly repetition decimated to NELM",
    label: "Live positions",
    length: LIVE_LENGTH,
    elementType: "double",
  },
  {
    logical: "live.rep",
    template: "{P}LIVE:REP",
    record: "longout",
    direction: "output",
    description:
      "repetition shown on the LIVE waveforms, 1 … NSCANS (0 before the first)",
    label: "Live repetition",
  },
  {
    logical: "live.dir",
    template: "{P}LIVE:DIR",
    record: "bi",
    direction: "output",
    enumStrings: ["Forward", "Backward"],
    description: "direction of the repetition shown on the LIVE waveforms",
    label: "Live direction",
  },
] as const satisfies readonly PvSpecData[];

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

/** A logical name that does not depend on the channels. */
export type FixedLogicalName =
  | typeof SCAN_PVS[number]["logical"]
  | `motor.${MotorField}`
  | typeof FIXED_DATA_PVS[number]["logical"]
  | typeof IOC_PVS[number]["logical"]
  | typeof LIVE_PVS[number]["logical"];

/** The point-rejection count PVs of a channel: the total and per reason. */
export type RejectionPvField =
  | "rejected"
  | "rejNan"
  | "rejSaturated"
  | "rejLowBeam"
  | "rejOutlier";

/**
 * Every logical name of the PV map: the fixed ones, and per channel
 * `daq.<CH>`, `iops.<ch>`, `fit.<CH>.<field>`, and the live profile
 * `live.daq.<CH>` and its fitted curve `live.fit.<CH>`.
 */
export type LogicalName =
  | FixedLogicalName
  | `daq.${string}`
  | `iops.${string}`
  | `live.daq.${string}`
  | `live.fit.${string}`
  | `fit.${string}.${FitPvField}`
  | `fit.${string}.${FitSummaryPvField}`
  | `fit.${string}.${"sigmaBeam" | "sigmaBeamErr"}`
  | `fit.${string}.${StrokePvField}`
  | `fit.${string}.${"model" | "dAicc"}`
  | `fit.${string}.${"drift" | "driftRel"}`
  | `fit.${string}.${RejectionPvField}`
  | `fit.${string}.${"sigmaFloor" | "sigmaLow"}`
  | `shape.${BeamShapeKey}${"" | "Err"}`;
