/**
 * The one-way stream of a request, in Bluesky's spirit. `FWSScanRunner`
 * emits the {@link RunnerEvent}s; consumers (status PVs, fits, the file
 * writer, custom hooks) receive them in order and never call back into the
 * runner. A consumer that derives a result (the fits, the closed file)
 * emits it as a {@link DerivedEvent} of its own, which every consumer then
 * receives, instead of writing it into what it was handed: what a consumer
 * is handed is read-only.
 *
 * @module
 */
import type { ScanConfig } from "./config.ts";
import type { DataReading } from "./collector.ts";
import type { ScanPlan } from "./planner.ts";
import type {
  BeamShape,
  ChannelFit,
  ErrorBudget,
  ModelChoice,
  PointRejection,
  ScanRecord,
  ScanRun,
  ScanStatus,
  WireFit,
} from "./model.ts";

/** The request was accepted and is about to move. */
export interface RequestStartedEvent {
  readonly type: "requestStarted";
  readonly config: Readonly<ScanConfig>;
  readonly plan: Readonly<ScanPlan>;
  /** The file header: scans empty, status running. */
  readonly run: Readonly<ScanRun>;
}

/** A repetition begins. */
export interface ScanStartedEvent {
  readonly type: "scanStarted";
  readonly index: number;
  readonly name: string;
  readonly direction: ScanRecord["direction"];
  readonly startTime: string;
}

/** What the runner is doing now (for the state PV). */
export interface PhaseEvent {
  readonly type: "phase";
  readonly phase: "moving" | "acquiring" | "paused" | "resumed";
  /** Why, e.g. the beam current when paused. */
  readonly detail: string;
}

/** One step of a step scan (or a whole fly trajectory) was acquired. */
export interface StepAcquiredEvent {
  readonly type: "stepAcquired";
  /** Repetition number, 1-based. */
  readonly scanIndex: number;
  /** Step within the repetition, 0-based. */
  readonly step: number;
  readonly nSteps: number;
  readonly position: number;
  readonly readback: number;
  /** Progress of the whole request, 0–100. */
  readonly progress: number;
  /**
   * What the collector read for this step (fly mode: the whole trajectory),
   * the same reading the repetition's record is built from. Read-only: a
   * consumer that wants to keep it copies it.
   */
  readonly reading: Readonly<DataReading>;
}

/** Where the wire is while a fly repetition acquires (from its readback). */
export interface ProgressEvent {
  readonly type: "progress";
  /** Repetition number, 1-based. */
  readonly scanIndex: number;
  /** Wire readback [mm]. */
  readonly readback: number;
  /** Progress of the whole request, 0–100. */
  readonly progress: number;
}

/**
 * A repetition ended (completed, or partial when aborted/failed). Its `fits`
 * are empty: they follow as a {@link FitsComputedEvent}.
 */
export interface ScanFinishedEvent {
  readonly type: "scanFinished";
  readonly record: Readonly<ScanRecord>;
}

/** The request ended; the runner emits nothing after it. */
export interface RequestFinishedEvent {
  readonly type: "requestFinished";
  readonly status: Exclude<ScanStatus, "running">;
  readonly message: string;
  readonly endTime: string;
  /** Repetitions finished (including a partial last one). */
  readonly scansWritten: number;
}

/** The fits of one finished repetition (`GaussFitCallback`). */
export interface FitsComputedEvent {
  readonly type: "fitsComputed";
  /** The repetition fitted, as its `scanFinished` handed it. */
  readonly record: Readonly<ScanRecord>;
  /** Fit per struck channel (empty when the repetition had no data). */
  readonly fits: Readonly<Record<string, Readonly<ChannelFit>>>;
  /** With a fork of several wires: the fit of each wire, per channel. */
  readonly wires?: Readonly<Record<string, readonly WireFit[]>>;
  /** With three wires or more: the beam ellipse, per channel. */
  readonly shapes?: Readonly<Record<string, Readonly<BeamShape>>>;
  /** With FIT:MODEL other than GAUSS: the models fitted, per channel. */
  readonly models?: Readonly<Record<string, Readonly<ModelChoice>>>;
  /**
   * The points left out of the fits, per channel: where rejection was asked
   * for, or a point was not a number.
   */
  readonly rejections?: Readonly<Record<string, Readonly<PointRejection>>>;
  /** The error budget of each channel's σ. */
  readonly budgets?: Readonly<Record<string, Readonly<ErrorBudget>>>;
}

/**
 * The request's file is closed (`HDF5WriterCallback`), after
 * `requestFinished`; `path` is empty when no file could be written.
 */
export interface FileClosedEvent {
  readonly type: "fileClosed";
  /** Final path of the file, or "". */
  readonly path: string;
  /** Why the file is not at the name it was meant to have, if so. */
  readonly note?: string;
  /**
   * What the file holds, as written (header, status and every repetition
   * with its fits), when the writer still had it all in memory; absent
   * after a storage fault or when repetitions were let go. Lets a consumer
   * (the catalog) skip reading the file back. Read-only.
   */
  readonly written?: Readonly<ScanRun>;
}

/**
 * The request's file could not be written (`HDF5WriterCallback`): the data
 * directory is full, read-only or gone. `message` says why, what was not
 * saved and where what was saved is; the bridge ends the request with it.
 */
export interface FileFailedEvent {
  readonly type: "fileFailed";
  readonly message: string;
}

/** What the runner emits. */
export type RunnerEvent =
  | RequestStartedEvent
  | ScanStartedEvent
  | PhaseEvent
  | StepAcquiredEvent
  | ProgressEvent
  | ScanFinishedEvent
  | RequestFinishedEvent;

/** What consumers derive and emit into the stream. */
export type DerivedEvent =
  | FitsComputedEvent
  | FileClosedEvent
  | FileFailedEvent;

/** Every event of the stream. */
export type ScanEvent = RunnerEvent | DerivedEvent;

/** What a consumer may do besides reading an event. */
export interface CallbackContext {
  /**
   * Emits a derived event: every consumer receives it once the current
   * event has passed them all, before the runner's next event.
   */
  emit(event: DerivedEvent): void;
}

/** A consumer of the stream. Errors it throws are contained by the pipeline. */
export interface ScanCallback {
  /** Name used in logs and messages. */
  readonly name: string;
  /** Handles one event; awaited before the next consumer sees it. */
  handle(event: ScanEvent, context: CallbackContext): void | Promise<void>;
}
