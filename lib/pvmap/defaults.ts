/**
 * The built-in PV map of given channels: every spec of `specs.ts`,
 * `live_specs.ts` and `data_specs.ts`, the motor record's fields, the data
 * PVs per channel and the fit PVs of `fit_pvs.ts`, in display order.
 *
 * @example
 * ```ts
 * import { defaultPvSpecs } from "./defaults.ts";
 * const start = defaultPvSpecs().find((s) => s.logical === "scan.start");
 * console.log(start?.template); // "{P}SCAN:START"
 * ```
 *
 * @module
 */
import { FIT_PV_FIELDS, FIT_SUMMARY_PV_FIELDS } from "./fit_pvs.ts";
import {
  DEFAULT_IOPS_CHANNELS,
  DEFAULT_STRUCK_CHANNELS,
  IOC_PVS,
  MOTOR_FIELDS,
  type MotorField,
  type PvSpecData,
  SCAN_PVS,
} from "./specs.ts";
import { FIXED_DATA_PVS } from "./data_specs.ts";
import { LIVE_LENGTH, LIVE_PVS } from "./live_specs.ts";
import type { LogicalName, PvSpec, RejectionPvField } from "./logical_names.ts";
import {
  REJECTION_MEANINGS,
  type RejectionReason,
} from "../analysis/fit_fields.ts";
import {
  BEAM_SHAPE_FIELDS,
  FIT_FIELDS,
  FIT_MODEL_CHOICES,
} from "../analysis/fit_fields.ts";
import { DEFAULT_WIRES, type WireSpec } from "./wires.ts";
import { DRIFT_ALARM, STROKE_PVS } from "./stroke_specs.ts";

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

/**
 * The fit results of the registry published under one prefix: a channel's
 * (`fit.<CH>`, `{P}FIT:<CH>`) or one wire's of it.
 */
function fitResultPvs(
  at: { logical: string; template: string; of: string; labelPrefix?: string },
): PvSpec[] {
  return FIT_PV_FIELDS.map(({ field, suffix, unit, label }): PvSpec => ({
    logical: `${at.logical}.${field}` as LogicalName,
    template: `${at.template}:${suffix}`,
    record: field === "ok" ? "bo" : "ao",
    direction: "output",
    units: unit === "x" ? "mm" : undefined,
    enumStrings: field === "ok" ? ["Failed", "OK"] : undefined,
    description: `fit ${field} of ${at.of}`,
    label: at.labelPrefix ? `${at.labelPrefix}${label ?? field}` : label,
    precision: field === "ok" ? undefined : 5,
    severities: field === "ok" ? ["MAJOR", "NO_ALARM"] : undefined,
  }));
}

/** The σ floor of a channel's (or a wire's) fit and its below-floor flag. */
function budgetPvs(
  at: { logical: string; template: string; of: string; labelPrefix?: string },
): PvSpec[] {
  const prefix = at.labelPrefix ?? "";
  return [
    {
      logical: `${at.logical}.sigmaFloor` as LogicalName,
      template: `${at.template}:SIGMA_FLOOR`,
      record: "ao",
      direction: "output",
      units: "mm",
      description:
        `smallest σ of ${at.of} the last scan can tell: the fit's error, the wire's size, the position noise and the sampling in quadrature`,
      label: `${prefix}σ floor`,
      precision: 5,
    },
    {
      logical: `${at.logical}.sigmaLow` as LogicalName,
      template: `${at.template}:SIGMA_LOW`,
      record: "bo",
      direction: "output",
      enumStrings: ["OK", "Below floor"],
      severities: ["NO_ALARM", "MINOR"],
      description: `${at.of}'s last σ is below its floor: not to be trusted`,
      label: `${prefix}σ below floor`,
    },
  ];
}

/** The rejection count PVs: logical field, PV suffix, what they count. */
export const REJECTION_PVS: readonly {
  field: RejectionPvField;
  suffix: string;
  reason?: RejectionReason;
  what: string;
}[] = [
  { field: "rejected", suffix: "REJECTED", what: "all reasons" },
  {
    field: "rejNan",
    suffix: "REJ_NAN",
    reason: "nan",
    what: REJECTION_MEANINGS.nan,
  },
  {
    field: "rejSaturated",
    suffix: "REJ_SAT",
    reason: "saturated",
    what: REJECTION_MEANINGS.saturated,
  },
  {
    field: "rejLowBeam",
    suffix: "REJ_BEAM",
    reason: "low_beam",
    what: REJECTION_MEANINGS.low_beam,
  },
  {
    field: "rejOutlier",
    suffix: "REJ_OUTLIER",
    reason: "outlier",
    what: REJECTION_MEANINGS.outlier,
  },
];

function fitPvs(struck: readonly string[]): PvSpec[] {
  const labelOf = (key: string) =>
    FIT_FIELDS.find((f) => f.key === key)?.label ?? key;
  return struck.flatMap((ch) => [
    ...fitResultPvs({
      logical: `fit.${ch}`,
      template: `{P}FIT:${ch}`,
      of: `${ch} for the last scan`,
    }),
    {
      logical: `fit.${ch}.model`,
      template: `{P}FIT:${ch}:MODEL`,
      record: "mbbi",
      direction: "output",
      enumStrings: FIT_MODEL_CHOICES.filter((c) => c !== "auto").map((c) =>
        c.toUpperCase()
      ),
      description:
        `model of ${ch} the last scan's profile is best described by (FIT:MODEL AUTO), or the one asked for`,
      label: "Model",
    },
    ...budgetPvs({ logical: `fit.${ch}`, template: `{P}FIT:${ch}`, of: ch }),
    ...REJECTION_PVS.map(({ field, suffix, what }): PvSpec => ({
      logical: `fit.${ch}.${field}`,
      template: `{P}FIT:${ch}:${suffix}`,
      record: "longout",
      direction: "output",
      description: `points of ${ch}'s last scan left out of the fit: ${what}`,
      label: field === "rejected"
        ? "Rejected"
        : `Rejected: ${suffix.slice(4).toLowerCase()}`,
    })),
    {
      logical: `fit.${ch}.drift`,
      template: `{P}FIT:${ch}:DRIFT`,
      record: "ao",
      direction: "output",
      description:
        `drift of ${ch} from the reference scan: the larger of |Δcentre| and |Δσ| in combined standard errors (MINOR ≥ 3, MAJOR ≥ 5; NaN without a reference)`,
      label: "Drift [σ]",
      precision: 2,
      alarmLimits: DRIFT_ALARM,
    },
    {
      logical: `fit.${ch}.driftRel`,
      template: `{P}FIT:${ch}:DRIFT_REL`,
      record: "ao",
      direction: "output",
      description:
        `relative change of ${ch}'s σ from the reference scan, (σ − σ_ref)/σ_ref`,
      label: "σ change",
      precision: 4,
    },
    {
      logical: `fit.${ch}.dAicc`,
      template: `{P}FIT:${ch}:DAICC`,
      record: "ao",
      direction: "output",
      description:
        `AICc of ${ch}'s runner-up model minus the chosen one's, last scan (FIT:MODEL AUTO)`,
      label: "ΔAICc runner-up",
      precision: 2,
    },
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

/** The per-wire fit fields: the channel's, then the size-corrected σ. */
export const WIRE_FIT_EXTRA = [
  {
    field: "sigmaBeam",
    suffix: "SIGMA_BEAM",
    label: "σ beam",
  },
  { field: "sigmaBeamErr", suffix: "SIGMA_BEAM_ERR", label: "σ beam error" },
] as const;

/**
 * Per-wire fit PVs `FIT:<CH>:<WIRE>:<suffix>` and the beam shape
 * `BEAM:<suffix>` (from the first Struck channel) of a fork with several
 * wires; none for a single wire, whose PVs stay those of the channel.
 */
function wirePvs(
  struck: readonly string[],
  wires: readonly WireSpec[],
): PvSpec[] {
  if (wires.length < 2) return [];
  const perWire = struck.flatMap((ch) =>
    wires.flatMap((w): PvSpec[] => [
      ...fitResultPvs({
        logical: `fit.${ch}.${w.name}`,
        template: `{P}FIT:${ch}:${w.name}`,
        of: `${ch}, wire ${w.name} (${w.angle}°), last scan, beam coordinates`,
        labelPrefix: `${w.name} `,
      }),
      ...STROKE_PVS.map((f): PvSpec => ({
        logical: `fit.${ch}.${w.name}.${f.field}`,
        template: `{P}FIT:${ch}:${w.name}:${f.suffix}`,
        record: "ao",
        direction: "output",
        units: f.units,
        description: `${f.label} of ${ch}, wire ${w.name}, ${f.about}`,
        label: `${w.name} ${f.label}`,
        precision: f.precision,
        ...("alarmLimits" in f ? { alarmLimits: f.alarmLimits } : {}),
      })),
      ...budgetPvs({
        logical: `fit.${ch}.${w.name}`,
        template: `{P}FIT:${ch}:${w.name}`,
        of: `${ch}, wire ${w.name} (diameter ${w.diameter} mm)`,
        labelPrefix: `${w.name} `,
      }),
      ...WIRE_FIT_EXTRA.map(({ field, suffix, label }): PvSpec => ({
        logical: `fit.${ch}.${w.name}.${field}`,
        template: `{P}FIT:${ch}:${w.name}:${suffix}`,
        record: "ao",
        direction: "output",
        units: "mm",
        description:
          `${label} of ${ch}, wire ${w.name} (diameter ${w.diameter} mm), last scan`,
        label: `${w.name} ${label}`,
        precision: 5,
      })),
    ])
  );
  const shape = wires.length < 3
    ? []
    : BEAM_SHAPE_FIELDS.flatMap((f): PvSpec[] =>
      [false, true].map((err): PvSpec => ({
        logical: `shape.${f.key}${err ? "Err" : ""}`,
        template: `{P}BEAM:${f.pv}${err ? "_ERR" : ""}`,
        record: "ao",
        direction: "output",
        units: f.unit === "mm2" ? "mm^2" : f.unit || undefined,
        description: `beam ${f.label}${
          err ? " standard error" : ""
        } from the wires' planes (first Struck channel, last scan)`,
        label: `${f.label}${err ? " error" : ""}`,
        precision: 5,
      }))
    );
  return [...perWire, ...shape];
}

function livePvs(struck: readonly string[]): PvSpec[] {
  const [pos, ...rest] = LIVE_PVS.map(spec);
  return [
    pos,
    ...struck.flatMap((ch): PvSpec[] => [
      {
        logical: `live.daq.${ch}`,
        template: `{P}LIVE:${ch}`,
        record: "waveform",
        direction: "output",
        units: "V",
        description:
          `profile of ${ch} so far, on LIVE:POS (the step's mean; fly: decimated)`,
        label: `Live ${ch}`,
        length: LIVE_LENGTH,
        elementType: "double",
      },
      {
        logical: `live.fit.${ch}`,
        template: `{P}LIVE:FIT:${ch}`,
        record: "waveform",
        direction: "output",
        units: "V",
        description:
          `fitted curve of ${ch} on LIVE:POS, once the repetition is fitted (empty before)`,
        label: `Live fit ${ch}`,
        length: LIVE_LENGTH,
        elementType: "double",
      },
    ]),
    ...rest,
  ];
}

/**
 * The built-in PV specs for the given channels, in display order.
 *
 * @param struck Struck channel names
 * @param iops IOPS channel names
 * @param wires the fork's wires (default: one)
 */
export function defaultPvSpecs(
  struck: readonly string[] = DEFAULT_STRUCK_CHANNELS,
  iops: readonly string[] = DEFAULT_IOPS_CHANNELS,
  wires: readonly WireSpec[] = DEFAULT_WIRES,
): PvSpec[] {
  return [
    ...SCAN_PVS.map(spec),
    ...IOC_PVS.map(spec),
    ...motorPvs(),
    ...dataPvs(struck, iops),
    ...fitPvs(struck),
    ...wirePvs(struck, wires),
    ...livePvs(struck),
  ];
}
