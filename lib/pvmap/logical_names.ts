/**
 * The literal types of the PV map's logical names, derived from the spec
 * data (`specs.ts`, `live_specs.ts`, `data_specs.ts`) and the per-channel
 * fields, so a misspelt `"motor.vall"` does not compile; and the spec of
 * one logical PV, keyed by such a name.
 *
 * Kept apart from the spec data so the data files import only the record
 * types of `specs.ts` and no import runs back (no cycle).
 *
 * @example
 * ```ts
 * import type { LogicalName } from "./logical_names.ts";
 * const start: LogicalName = "scan.start";
 * console.log(start);
 * ```
 *
 * @module
 */
import type { BeamShapeKey } from "../analysis/fit_fields.ts";
import type { FitPvField, FitSummaryPvField } from "./fit_pvs.ts";
import type { StrokePvField } from "./stroke_specs.ts";
import type { FIXED_DATA_PVS } from "./data_specs.ts";
import type { LIVE_PVS } from "./live_specs.ts";
import type { IOC_PVS, MotorField, PvSpecData, SCAN_PVS } from "./specs.ts";

/** Description of one logical PV in the built-in map. */
export interface PvSpec extends Omit<PvSpecData, "logical" | "enumStrings"> {
  /** Logical name, e.g. `scan.start`. */
  logical: LogicalName;
  /** Enum labels for bo/mbbo/mbbi records. */
  enumStrings?: string[];
}

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
