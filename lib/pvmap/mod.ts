/**
 * The PV map: the leaf below the scan engine, the daemon and the simulator.
 * The spec data of every logical PV (`specs.ts`, `live_specs.ts`,
 * `data_specs.ts`) and the logical-name types (`logical_names.ts`), the
 * resolver of one scanner's PV names with its typed views (`resolver.ts`)
 * and the map-file parser (`map_file.ts`). It imports nothing of `lib/` but the fit-field
 * registry (`lib/analysis/fit_fields.ts`).
 *
 * @example
 * ```ts
 * import { FWSScanInterface, parsePvMap } from "./mod.ts";
 * const map = parsePvMap('{"pvs": {"idc.current": null}}');
 * const pvs = new FWSScanInterface(1, { map });
 * console.log(pvs.pv("idc.current")); // null
 * ```
 *
 * @module
 */
export {
  type AlarmSeverity,
  DEFAULT_IOPS_CHANNELS,
  DEFAULT_STRUCK_CHANNELS,
  type FitNumberKey,
  IOC_PVS,
  MOTOR_FIELDS,
  type MotorField,
  type PvAlarmLimits,
  type PvDirection,
  type PvLimits,
  type PvRecordType,
  type PvWatchdog,
  SCAN_PVS,
  SCAN_STATES,
  type ScanState,
  type WaveformElement,
} from "./specs.ts";
export { LIVE_LENGTH, LIVE_PVS } from "./live_specs.ts";
export { FIXED_DATA_PVS } from "./data_specs.ts";
export {
  type FixedLogicalName,
  type LogicalName,
  type PvSpec,
} from "./logical_names.ts";
export { defaultPvSpecs, REJECTION_PVS, WIRE_FIT_EXTRA } from "./defaults.ts";
export { DRIFT_ALARM, STROKE_PVS, type StrokePvField } from "./stroke_specs.ts";
export {
  FIT_FIELD_ALIASES,
  FIT_PV_FIELDS,
  FIT_SUMMARY_PV_FIELDS,
  type FitPvField,
  type FitPvFieldSpec,
  fitPvValues,
  type FitSummaryPvField,
  type FitSummaryPvFieldSpec,
} from "./fit_pvs.ts";
export {
  type DaqPvs,
  type DataPv,
  FWSScanInterface,
  type MotorPvs,
  type ScanInterfaceOptions,
} from "./resolver.ts";
export { loadPvMap, parsePvMap, type PvMapFile } from "./map_file.ts";
export {
  checkWires,
  DEFAULT_WIRES,
  SINGLE_WIRE,
  type WireInput,
  type WireSpec,
} from "./wires.ts";
