/**
 * The one-way stream `FWSScanRunner` emits while it executes a plan, in
 * Bluesky's spirit: consumers (status PVs, fits, the file writer, custom
 * hooks) receive these events in order and never call back into the runner.
 *
 * @module
 */
import type { ScanConfig } from "./config.ts";
import type { ScanPlan } from "./planner.ts";
import type { ScanRecord, ScanRun, ScanStatus } from "./model.ts";

/** The request was accepted and is about to move. */
export interface RequestStartedEvent {
  type: "requestStarted";
  config: ScanConfig;
  plan: ScanPlan;
  /** The file header: scans empty, status running. */
  run: ScanRun;
}

/** A repetition begins. */
export interface ScanStartedEvent {
  type: "scanStarted";
  index: number;
  name: string;
  direction: ScanRecord["direction"];
  startTime: string;
}

/** What the runner is doing now (for the state PV). */
export interface PhaseEvent {
  type: "phase";
  phase: "moving" | "acquiring" | "paused" | "resumed";
  /** Why, e.g. the beam current when paused. */
  detail: string;
}

/** One step of a step scan (or a whole fly trajectory) was acquired. */
export interface StepAcquiredEvent {
  type: "stepAcquired";
  /** Repetition number, 1-based. */
  scanIndex: number;
  /** Step within the repetition, 0-based. */
  step: number;
  nSteps: number;
  position: number;
  readback: number;
  /** Progress of the whole request, 0–100. */
  progress: number;
}

/** A repetition ended (completed, or partial when aborted/failed). */
export interface ScanFinishedEvent {
  type: "scanFinished";
  record: ScanRecord;
}

/** The request ended; no more events follow. */
export interface RequestFinishedEvent {
  type: "requestFinished";
  status: Exclude<ScanStatus, "running">;
  message: string;
  endTime: string;
  /** Repetitions finished (including a partial last one). */
  scansWritten: number;
}

/** Every event of the stream. */
export type ScanEvent =
  | RequestStartedEvent
  | ScanStartedEvent
  | PhaseEvent
  | StepAcquiredEvent
  | ScanFinishedEvent
  | RequestFinishedEvent;

/** A consumer of the stream. Errors it throws are contained by the pipeline. */
export interface ScanCallback {
  /** Name used in logs and messages. */
  readonly name: string;
  /** Handles one event; awaited before the next consumer sees it. */
  handle(event: ScanEvent): void | Promise<void>;
}
