/**
 * The scan engine, as data flowing one way: raw PV inputs → {@link
 * validateScanConfig} (`ScanConfig`) → {@link ScanPlanner} (a plan as plain
 * data) → {@link FWSScanRunner} (moves, settles, acquires through the CA
 * devices, reads with {@link ScanDataCollector}) → a stream of
 * {@link ScanEvent}s that the daemon's callbacks consume.
 *
 * @example
 * ```ts
 * import { ScanPlanner, validateScanConfig } from "./lib/scan/mod.ts";
 * const config = validateScanConfig(rawInputs, {
 *   struckChannels: ["PDB"],
 *   iopsChannels: ["ch1"],
 * });
 * const plan = new ScanPlanner().plan(config);
 * ```
 *
 * @module
 */
export {
  MAX_SCANS,
  MAX_SETTLE,
  MAX_STEPS,
  type MotorLimits,
  type RawInput,
  type RawScanInputs,
  scanArgsOf,
  type ScanConfig,
  ScanConfigError,
  type ValidateOptions,
  validateScanConfig,
} from "./config.ts";
export {
  linspace,
  type RepetitionPlan,
  type ScanPlan,
  ScanPlanner,
} from "./planner.ts";
export {
  FWSScanRunner,
  isoNow,
  type RunnerDevices,
  type RunnerMotor,
  type RunnerOptions,
  type RunOutcome,
} from "./runner.ts";
export {
  type CollectorOptions,
  type DataReading,
  ScanDataCollector,
  ScanRecordBuilder,
} from "./collector.ts";
export {
  BeamSuspender,
  CaDaq,
  CaMotor,
  type MotorOptions,
  type MoveCompletion,
  type SuspenderOptions,
} from "./devices.ts";
export type {
  CallbackContext,
  DerivedEvent,
  FileClosedEvent,
  FitsComputedEvent,
  PhaseEvent,
  RequestFinishedEvent,
  RequestStartedEvent,
  RunnerEvent,
  ScanCallback,
  ScanEvent,
  ScanFinishedEvent,
  ScanStartedEvent,
  StepAcquiredEvent,
} from "./events.ts";
export {
  sleep,
  StoppedError,
  type StopReason,
  stopReasonOf,
  waitFor,
  WaitTimeoutError,
} from "./wait.ts";
export type { CaPort } from "./ca_port.ts";
export * from "./model.ts";
