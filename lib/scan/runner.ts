/**
 * `FWSScanRunner` executes a {@link ScanPlan}: for each step it waits for
 * beam, moves the wire (put-completion or DMOV), checks the readback, settles,
 * acquires (`DAQ:ACQUIRE` put with completion) and reads the data; a fly
 * repetition moves from start to end at the requested speed while the Struck
 * records. It emits a one-way stream of {@link RunnerEvent}s and decides alone
 * about pausing (beam lost) and stopping: an abort asked for through the
 * signal, or a fault its devices report (a wait past its limit, a lost
 * connection). Either way the motor is stopped (a failed stop is logged as
 * an error) and the data so far are handed on as a partial repetition.
 *
 * @module
 */
import type { ScanConfig } from "./config.ts";
import { scanArgsOf } from "./config.ts";
import { type DataReading, ScanRecordBuilder } from "./collector.ts";
import type { RunnerEvent } from "./events.ts";
import { log } from "../log.ts";
import {
  FILE_FORMAT,
  type ScanRecord,
  type ScanRun,
  type ScanStatus,
  type SourceInfo,
} from "./model.ts";
import type { RepetitionPlan, ScanPlan } from "./planner.ts";
import {
  sleep,
  StoppedError,
  type StopReason,
  stopReasonOf,
  waitFor,
} from "./wait.ts";

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
  /** Calls `onReadback` with each new readback [mm]; returns the cancel. */
  watchReadback?(onReadback: (mm: number) => void): () => void;
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
  /**
   * Reports faults seen outside a wait (e.g. a lost connection): `watch`
   * calls `onFault` with what broke and returns how to stop watching.
   */
  faults?: {
    watch(onFault: (message: string) => void): () => void;
  };
}

/** How the runner hands on its events (awaited, in order). */
type Emit = (event: RunnerEvent) => Promise<void>;

/** What every part of one run needs. */
interface RunContext {
  emit: Emit;
  signal: AbortSignal;
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
  /**
   * Settings of the run besides the request's, recorded in the file's scan
   * arguments (e.g. the beam-loss threshold, resume delay, longest pause).
   */
  settings?: Record<string, number | string | boolean>;
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
  readonly #log = log("scan", "runner");

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
      settings: options.settings ?? {},
    };
  }

  /**
   * Runs `plan`, emitting events through `emit` (awaited, in order).
   * Resolves when the request has ended, however it ended; never rejects
   * because of the hardware. `signal` asks for an abort.
   */
  async run(
    config: ScanConfig,
    plan: ScanPlan,
    options: { emit: Emit; signal: AbortSignal },
  ): Promise<RunOutcome> {
    const { emit } = options;
    const fault = new AbortController();
    const signal = AbortSignal.any([options.signal, fault.signal]);
    const unwatch = this.#dev.faults?.watch((message) => {
      if (!fault.signal.aborted) {
        this.#log.warn("fault: {message}: stopping the request", { message });
        fault.abort({ kind: "error", message } satisfies StopReason);
      }
    });
    try {
      return await this.#run(config, plan, { emit, signal });
    } finally {
      unwatch?.();
    }
  }

  async #run(
    config: ScanConfig,
    plan: ScanPlan,
    context: RunContext,
  ): Promise<RunOutcome> {
    const { emit, signal } = context;
    const run: ScanRun = {
      fileFormat: FILE_FORMAT,
      scannerIndex: this.#options.scannerIndex,
      testMode: this.#options.testMode,
      user: config.user,
      comment: config.comment,
      startTime: isoNow(),
      endTime: "",
      source: this.#options.source,
      scanArgs: { ...scanArgsOf(config), ...this.#options.settings },
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
          await this.#stepRepetition(rep, plan, builder, progress, context);
        } else {
          await this.#flyRepetition(rep, plan, builder, progress, context);
        }
        const record = frozen(builder.finish("completed", isoNow()));
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
        message = errorText(error);
      }
      await this.#dev.motor.stop(1).catch((stopError) => {
        this.#log.error("could not stop the motor {motor}: {error}", {
          motor: this.#dev.motor.name,
          error: errorText(stopError),
        });
      });
      if (builder && builder.rows > 0) {
        const record = frozen(builder.finish(
          status === "aborted" ? "aborted" : "error",
          isoNow(),
        ));
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

  #beam({ emit, signal }: RunContext): Promise<void> {
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
    context: RunContext,
  ): Promise<void> {
    const { emit, signal } = context;
    const speed = await this.#motorSpeed(signal);
    for (let i = 0; i < rep.positions.length; i++) {
      const target = rep.positions[i];
      const where = `${rep.name} step ${i + 1}/${rep.positions.length}`;
      await this.#beam(context);
      await emit({
        type: "phase",
        phase: "moving",
        detail: `${where}: moving to ${target} mm`,
      });
      const readback = await this.#dev.motor.move(target, {
        signal,
        speed: Number.isFinite(speed) && speed > 0 ? speed : undefined,
      });
      await sleep(plan.settle, signal);
      const reading = await this.#acquire(context, async () => {
        await emit({
          type: "phase",
          phase: "acquiring",
          detail: `${where}: acquiring`,
        });
        await this.#dev.daq.acquire({
          timeout: this.#options.acquireTimeout,
          signal,
        });
      });
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
        reading,
      });
    }
  }

  /**
   * Runs `trigger` (which announces its own phases) and reads the data;
   * repeats while the beam was lost meanwhile.
   */
  async #acquire(
    context: RunContext,
    trigger: () => Promise<void>,
    sequential = false,
  ): Promise<DataReading> {
    const s = this.#dev.suspender;
    for (;;) {
      await this.#beam(context);
      const losses = s?.losses ?? 0;
      await trigger();
      const reading = await waitFor(this.#dev.collector.read({ sequential }), {
        what: "the data PVs",
        timeout: this.#options.readTimeout * (sequential ? 4 : 1),
        signal: context.signal,
      });
      if (!s || (s.losses === losses && s.ok)) return reading;
    }
  }

  /**
   * While a fly repetition moves, reports the request's progress from the
   * motor's readback (at most every {@link FLIGHT_REPORT_MS}), until
   * `movement` settles.
   */
  async #followFlight(
    rep: RepetitionPlan,
    progress: { done: number; total: number },
    context: RunContext,
    movement: Promise<unknown>,
  ): Promise<void> {
    let latest = NaN;
    const stop = this.#dev.motor.watchReadback?.((mm) => latest = mm);
    if (!stop) return;
    let moving = true;
    const settled = movement.then(() => moving = false, () => moving = false);
    let reported = NaN;
    try {
      while (moving && !context.signal.aborted) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          settled,
          new Promise((r) => timer = setTimeout(r, FLIGHT_REPORT_MS)),
        ]);
        clearTimeout(timer);
        const span = rep.end - rep.start;
        const fraction = Math.min(1, Math.max(0, (latest - rep.start) / span));
        if (!moving || !Number.isFinite(fraction) || fraction === reported) {
          continue;
        }
        reported = fraction;
        await context.emit({
          type: "progress",
          scanIndex: rep.index,
          readback: latest,
          progress: (100 * (progress.done + fraction)) / progress.total,
        });
      }
    } finally {
      stop();
    }
  }

  async #flyRepetition(
    rep: RepetitionPlan,
    plan: ScanPlan,
    builder: ScanRecordBuilder,
    progress: { done: number; total: number },
    context: RunContext,
  ): Promise<void> {
    const { emit, signal } = context;
    const motor = this.#dev.motor;
    const normal = await this.#motorSpeed(signal);
    let startReadback = NaN;
    let endReadback = NaN;
    let reading: DataReading | undefined;
    const travel = Math.abs(rep.end - rep.start) / plan.speed;
    try {
      reading = await this.#acquire(context, async () => {
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
          detail: `${rep.name}: flying to ${rep.end} mm at ${plan.speed} mm/s`,
        });
        await motor.setSpeed(plan.speed);
        const acquisition = this.#dev.daq.acquire({
          timeout: travel * 2 + this.#options.acquireTimeout,
          signal,
        });
        const movement = motor.move(rep.end, { signal, speed: plan.speed });
        // both are awaited below; these only keep the loser from going unhandled
        acquisition.catch(() => {});
        movement.catch(() => {});
        const flight = this.#followFlight(rep, progress, context, movement);
        [, endReadback] = await Promise.all([acquisition, movement]);
        await flight;
      }, true);
      builder.add(0, {
        planned: [rep.start, rep.end],
        readback: [startReadback, endReadback],
      }, reading);
    } finally {
      if (Number.isFinite(normal)) {
        await motor.setSpeed(normal).catch((error) => {
          this.#log.error("could not restore the speed of {motor}: {error}", {
            motor: motor.name,
            error: errorText(error),
          });
        });
      }
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
      reading,
    });
  }
}

/** How often a fly repetition reports the wire's position (at most). */
const FLIGHT_REPORT_MS = 200;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A finished record, frozen (shallowly, with its empty fits) for consumers. */
function frozen(record: ScanRecord): Readonly<ScanRecord> {
  Object.freeze(record.fits);
  return Object.freeze(record);
}

/** Now as ISO 8601 (UTC, milliseconds). */
export function isoNow(): string {
  return new Date().toISOString();
}
