/**
 * `FWSScanRunner` executes a {@link ScanPlan}: for each step it waits for
 * beam, moves the wire (put-completion or DMOV), checks the readback, settles,
 * acquires (`DAQ:ACQUIRE` put with completion) and reads the data; a fly
 * repetition moves from start to end at the requested speed while the Struck
 * records. It emits a one-way stream of {@link ScanEvent}s and decides alone
 * about pausing (beam lost) and stopping (abort signal, fault): the motor is
 * stopped and the data so far are handed on as a partial repetition.
 *
 * @module
 */
import type { ScanConfig } from "./config.ts";
import { scanArgsOf } from "./config.ts";
import { type DataReading, ScanRecordBuilder } from "./collector.ts";
import type { ScanEvent } from "./events.ts";
import {
  FILE_FORMAT,
  type ScanRun,
  type ScanStatus,
  type SourceInfo,
} from "./model.ts";
import type { RepetitionPlan, ScanPlan } from "./planner.ts";
import { sleep, StoppedError, stopReasonOf, waitFor } from "./wait.ts";

/** The motor as the runner sees it (`CaMotor` implements it). */
export interface RunnerMotor {
  readonly name: string;
  move(
    target: number,
    options?: { signal?: AbortSignal; speed?: number },
  ): Promise<number>;
  speed(timeout?: number): Promise<number>;
  setSpeed(speed: number, timeout?: number): Promise<void>;
  stop(timeout?: number): Promise<void>;
}

/** The devices a run needs. */
export interface RunnerDevices {
  motor: RunnerMotor;
  daq: {
    acquire(options: { timeout: number; signal?: AbortSignal }): Promise<void>;
  };
  collector: {
    read(options?: { sequential?: boolean }): Promise<DataReading>;
    readonly units: Record<string, string>;
  };
  suspender?: {
    readonly ok: boolean;
    readonly losses: number;
    waitForBeam(options: {
      signal?: AbortSignal;
      onPause?: (current: number) => void | Promise<void>;
      onResume?: () => void | Promise<void>;
    }): Promise<void>;
  };
}

/** Options of {@link FWSScanRunner}. */
export interface RunnerOptions {
  scannerIndex: number;
  testMode: boolean;
  source: SourceInfo;
  /** Longest acquisition [s] (step mode; fly adds the travel time); default 10. */
  acquireTimeout?: number;
  /** Longest read of the data PVs [s]; default 5. */
  readTimeout?: number;
}

/** How a run ended. */
export interface RunOutcome {
  status: Exclude<ScanStatus, "running">;
  message: string;
  /** Repetitions handed on (including a partial one). */
  scans: number;
}

/** Executes plans; one run at a time. */
export class FWSScanRunner {
  readonly #dev: RunnerDevices;
  readonly #options: Required<RunnerOptions>;

  /**
   * @param devices motor, trigger, collector and (optional) beam suspender
   * @param options scanner identity and timeouts
   */
  constructor(devices: RunnerDevices, options: RunnerOptions) {
    this.#dev = devices;
    this.#options = {
      ...options,
      acquireTimeout: options.acquireTimeout ?? 10,
      readTimeout: options.readTimeout ?? 5,
    };
  }

  /**
   * Runs `plan`, emitting events through `emit` (awaited, in order).
   * Resolves when the request has ended, however it ended; never rejects
   * because of the hardware.
   */
  async run(
    config: ScanConfig,
    plan: ScanPlan,
    options: { emit: (event: ScanEvent) => Promise<void>; signal: AbortSignal },
  ): Promise<RunOutcome> {
    const { emit, signal } = options;
    const run: ScanRun = {
      fileFormat: FILE_FORMAT,
      scannerIndex: this.#options.scannerIndex,
      testMode: this.#options.testMode,
      user: config.user,
      comment: config.comment,
      startTime: isoNow(),
      endTime: "",
      source: this.#options.source,
      scanArgs: scanArgsOf(config),
      status: "running",
      message: "",
      scans: [],
    };
    await emit({ type: "requestStarted", config, plan, run });
    const progress = { done: 0, total: plan.totalUnits };
    let scans = 0;
    let builder: ScanRecordBuilder | undefined;
    let status: RunOutcome["status"] = "completed";
    let message = "";
    try {
      for (const rep of plan.repetitions) {
        if (signal.aborted) throw new StoppedError(stopReasonOf(signal));
        const startTime = isoNow();
        builder = new ScanRecordBuilder(rep, {
          mode: plan.mode,
          startTime,
          units: this.#dev.collector.units,
        });
        await emit({
          type: "scanStarted",
          index: rep.index,
          name: rep.name,
          direction: rep.direction,
          startTime,
        });
        if (plan.mode === "step") {
          await this.#stepRepetition(rep, plan, builder, progress, options);
        } else {
          await this.#flyRepetition(rep, plan, builder, progress, options);
        }
        const record = builder.finish("completed", isoNow());
        builder = undefined;
        await emit({ type: "scanFinished", record });
        scans++;
      }
      message = `completed ${scans} scan${scans === 1 ? "" : "s"}`;
    } catch (error) {
      if (signal.aborted) {
        const reason = stopReasonOf(signal);
        status = reason.kind === "abort" ? "aborted" : "error";
        message = reason.message;
      } else if (error instanceof StoppedError) {
        status = error.reason.kind === "abort" ? "aborted" : "error";
        message = error.reason.message;
      } else {
        status = "error";
        message = error instanceof Error ? error.message : String(error);
      }
      await this.#dev.motor.stop(1).catch(() => {});
      if (builder && builder.rows > 0) {
        const record = builder.finish(
          status === "aborted" ? "aborted" : "error",
          isoNow(),
        );
        await emit({ type: "scanFinished", record });
        scans++;
      }
    }
    await emit({
      type: "requestFinished",
      status,
      message,
      endTime: isoNow(),
      scansWritten: scans,
    });
    return { status, message, scans };
  }

  #beam(
    emit: (event: ScanEvent) => Promise<void>,
    signal: AbortSignal,
  ): Promise<void> {
    const s = this.#dev.suspender;
    if (!s || s.ok) return Promise.resolve();
    return s.waitForBeam({
      signal,
      onPause: (current) =>
        emit({
          type: "phase",
          phase: "paused",
          detail: `beam lost (${current} mA): paused`,
        }),
      onResume: () =>
        emit({
          type: "phase",
          phase: "resumed",
          detail: "beam back: resuming",
        }),
    });
  }

  /** The motor's current speed (VELO), read with a 3 s limit. */
  #motorSpeed(signal: AbortSignal): Promise<number> {
    return waitFor(this.#dev.motor.speed(), {
      what: `speed of ${this.#dev.motor.name}`,
      timeout: 3,
      signal,
    });
  }

  async #stepRepetition(
    rep: RepetitionPlan,
    plan: ScanPlan,
    builder: ScanRecordBuilder,
    progress: { done: number; total: number },
    options: { emit: (event: ScanEvent) => Promise<void>; signal: AbortSignal },
  ): Promise<void> {
    const { emit, signal } = options;
    const speed = await this.#motorSpeed(signal);
    for (let i = 0; i < rep.positions.length; i++) {
      const target = rep.positions[i];
      await this.#beam(emit, signal);
      await emit({
        type: "phase",
        phase: "moving",
        detail: `${rep.name} step ${
          i + 1
        }/${rep.positions.length}: moving to ${target} mm`,
      });
      const readback = await this.#dev.motor.move(target, {
        signal,
        speed: Number.isFinite(speed) && speed > 0 ? speed : undefined,
      });
      await sleep(plan.settle, signal);
      const reading = await this.#acquire(
        emit,
        signal,
        () =>
          this.#dev.daq.acquire({
            timeout: this.#options.acquireTimeout,
            signal,
          }),
        `${rep.name} step ${i + 1}/${rep.positions.length}`,
      );
      builder.add(i, { planned: [target], readback: [readback] }, reading);
      progress.done++;
      await emit({
        type: "stepAcquired",
        scanIndex: rep.index,
        step: i,
        nSteps: rep.positions.length,
        position: target,
        readback,
        progress: (100 * progress.done) / progress.total,
      });
    }
  }

  /** Acquires and reads; repeats while the beam was lost meanwhile. */
  async #acquire(
    emit: (event: ScanEvent) => Promise<void>,
    signal: AbortSignal,
    trigger: () => Promise<unknown>,
    where: string,
    sequential = false,
  ): Promise<DataReading> {
    const s = this.#dev.suspender;
    for (;;) {
      await this.#beam(emit, signal);
      const losses = s?.losses ?? 0;
      await emit({
        type: "phase",
        phase: "acquiring",
        detail: `${where}: acquiring`,
      });
      await trigger();
      const reading = await waitFor(this.#dev.collector.read({ sequential }), {
        what: "the data PVs",
        timeout: this.#options.readTimeout * (sequential ? 4 : 1),
        signal,
      });
      if (!s || (s.losses === losses && s.ok)) return reading;
    }
  }

  async #flyRepetition(
    rep: RepetitionPlan,
    plan: ScanPlan,
    builder: ScanRecordBuilder,
    progress: { done: number; total: number },
    options: { emit: (event: ScanEvent) => Promise<void>; signal: AbortSignal },
  ): Promise<void> {
    const { emit, signal } = options;
    const motor = this.#dev.motor;
    const normal = await this.#motorSpeed(signal);
    let startReadback = NaN;
    let endReadback = NaN;
    const travel = Math.abs(rep.end - rep.start) / plan.speed;
    try {
      const reading = await this.#acquire(
        emit,
        signal,
        async () => {
          await emit({
            type: "phase",
            phase: "moving",
            detail: `${rep.name}: moving to the start ${rep.start} mm`,
          });
          await motor.setSpeed(normal);
          startReadback = await motor.move(rep.start, { signal });
          await sleep(plan.settle, signal);
          await emit({
            type: "phase",
            phase: "acquiring",
            detail:
              `${rep.name}: flying to ${rep.end} mm at ${plan.speed} mm/s`,
          });
          await motor.setSpeed(plan.speed);
          const acquisition = this.#dev.daq.acquire({
            timeout: travel * 2 + this.#options.acquireTimeout,
            signal,
          });
          const movement = motor.move(rep.end, { signal, speed: plan.speed });
          acquisition.catch(() => {});
          movement.catch(() => {});
          [, endReadback] = await Promise.all([acquisition, movement]);
        },
        rep.name,
        true,
      );
      builder.add(0, {
        planned: [rep.start, rep.end],
        readback: [startReadback, endReadback],
      }, reading);
    } finally {
      if (Number.isFinite(normal)) await motor.setSpeed(normal).catch(() => {});
    }
    progress.done++;
    await emit({
      type: "stepAcquired",
      scanIndex: rep.index,
      step: 0,
      nSteps: 1,
      position: rep.end,
      readback: endReadback,
      progress: (100 * progress.done) / progress.total,
    });
  }
}

/** Now as ISO 8601 (UTC, milliseconds). */
export function isoNow(): string {
  return new Date().toISOString();
}
