/**
 * `FWSScanBridgeDaemon`: the bridge between the scan PVs and the scan
 * engine. It watches `SCAN:START` (writing 0 back once it has taken a
 * request), runs one request at a time and refuses a second with a message,
 * aborts on `SCAN:ABORT` at any moment, beats `SCAN:HEARTBEAT` every second,
 * and drives `SCAN:STATE` — DONE, ABORTED and ERROR are held until the next
 * request. A request flows config → planner → runner → callbacks; when the
 * IOC goes away mid-scan the request ends as ERROR with the data so far kept,
 * and the next request after the IOC returns works without a restart.
 *
 * @module
 */
import {
  type MotorLimits,
  type RawInput,
  type RawScanInputs,
  type ScanConfig,
  ScanConfigError,
  validateScanConfig,
} from "../scan/config.ts";
import { type CaPort, type PortSubscription, scalar } from "../scan/ca_port.ts";
import { ScanDataCollector } from "../scan/collector.ts";
import {
  BeamSuspender,
  CaDaq,
  CaMotor,
  type MotorOptions,
  type SuspenderOptions,
} from "../scan/devices.ts";
import type { ScanCallback } from "../scan/events.ts";
import type { SourceInfo } from "../scan/model.ts";
import { ScanPlanner } from "../scan/planner.ts";
import { FWSScanRunner, type RunOutcome } from "../scan/runner.ts";
import { type StopReason, waitFor } from "../scan/wait.ts";
import { log } from "../log.ts";
import { CallbackPipeline } from "./callbacks/pipeline.ts";
import { GaussFitCallback } from "./callbacks/gauss_fit.ts";
import {
  HDF5WriterCallback,
  type ScanFileOpener,
} from "./callbacks/hdf5_writer.ts";
import { ScanStatusCallback } from "./callbacks/status.ts";
import { CustomHookCallback } from "./callbacks/custom.ts";
import type { CustomCallbackHost } from "./custom_callback.ts";
import type { FWSScanInterface } from "./interface.ts";
import { StatusPublisher, type StatusSnapshot } from "./status.ts";

/** Options of {@link FWSScanBridgeDaemon}. */
export interface BridgeOptions {
  /** Directory of the scan files. */
  dataDir: string;
  /** Opens a scan-file writer (`ScanFileWriter.create`). */
  openFile: ScanFileOpener;
  /** Who writes the files. */
  source: SourceInfo;
  /** The facility's hooks, already loaded. */
  customCallback?: CustomCallbackHost;
  /** Heartbeat period [s]; default 1. */
  heartbeatInterval?: number;
  /** Timeout of each input read [s]; default 3. */
  inputTimeout?: number;
  /** Longest acquisition [s]; default 10. */
  acquireTimeout?: number;
  /** Motor completion mode, readback tolerance. */
  motor?: MotorOptions;
  /** Beam-loss threshold, resume delay, longest pause. */
  suspender?: SuspenderOptions;
}

/** The outcome of one request, as the bridge saw it. */
export interface RequestOutcome {
  status: "completed" | "aborted" | "error";
  message: string;
  /** Final path of the scan file ("" when none was written). */
  file: string;
  config?: ScanConfig;
}

const INPUTS: [keyof RawScanInputs, string][] = [
  ["mode", "scan.mode"],
  ["startPos", "scan.startPos"],
  ["endPos", "scan.endPos"],
  ["nSteps", "scan.nSteps"],
  ["speed", "scan.speed"],
  ["nScans", "scan.nScans"],
  ["settle", "scan.settle"],
  ["bidir", "scan.bidir"],
  ["user", "scan.user"],
  ["comment", "scan.comment"],
];

/** Watches the request PVs and runs scans, one at a time. */
export class FWSScanBridgeDaemon {
  readonly #ca: CaPort;
  readonly #pvs: FWSScanInterface;
  readonly #options: BridgeOptions;
  readonly #status: StatusPublisher;
  readonly #log = log("daemon", "bridge");
  #subs: PortSubscription[] = [];
  #heartbeat?: ReturnType<typeof setInterval>;
  #beats = 0;
  #running?: Promise<RequestOutcome>;
  #controller?: AbortController;
  #stopped = false;
  #listeners = new Set<(outcome: RequestOutcome) => void>();
  #unwatch: (() => void)[] = [];

  /**
   * @param ca Channel Access client
   * @param pvs the scanner's PV map
   */
  constructor(ca: CaPort, pvs: FWSScanInterface, options: BridgeOptions) {
    this.#ca = ca;
    this.#pvs = pvs;
    this.#options = options;
    this.#status = new StatusPublisher(ca, pvs);
  }

  /** The last published status. */
  get status(): StatusSnapshot {
    return this.#status.snapshot;
  }

  /** Whether a request is running. */
  get busy(): boolean {
    return this.#running !== undefined;
  }

  /** Calls `listener` after each request (for the demo and tests). */
  onRequestFinished(listener: (outcome: RequestOutcome) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts watching the request PVs and beating the heartbeat. */
  start(): void {
    const startPv = this.#pvs.requirePv("scan.start");
    this.#status.set({ state: "IDLE", msg: "daemon ready", progress: 0 });
    this.#subs.push(this.#ca.monitor(startPv, (v) => {
      if (scalar(v) !== 0 && !this.#stopped) this.#onStart();
    }));
    const abortPv = this.#pvs.pv("scan.abort");
    if (abortPv) {
      this.#subs.push(this.#ca.monitor(abortPv, (v) => {
        if (scalar(v) === 0) return;
        this.#ca.put(abortPv, 0, { wait: false }).catch(() => {});
        if (this.#controller) {
          this.abort("aborted by operator (SCAN:ABORT)");
        }
      }));
    }
    const statePv = this.#pvs.pv("scan.state");
    if (statePv) {
      // After an IOC restart its PVs hold defaults: publish ours again.
      const channel = this.#ca.channel(statePv);
      let wasConnected = channel.connected;
      const onConnection = () => {
        if (channel.connected && !wasConnected) {
          this.#log.info("IOC connection back ({pv}): publishing the status", {
            pv: statePv,
          });
          this.#status.republish();
        } else if (!channel.connected && wasConnected) {
          this.#log.warn("lost connection to {pv}", { pv: statePv });
        }
        wasConnected = channel.connected;
      };
      channel.addEventListener("connection", onConnection);
      this.#unwatch.push(() =>
        channel.removeEventListener("connection", onConnection)
      );
    }
    const period = (this.#options.heartbeatInterval ?? 1) * 1000;
    this.#heartbeat = setInterval(() => {
      this.#beats = (this.#beats + 1) % 2147483647;
      this.#status.put("scan.heartbeat", this.#beats);
    }, period);
    this.#log.info("watching {pv}", { pv: startPv });
  }

  /** Aborts the running request, if any. */
  abort(message: string, kind: StopReason["kind"] = "abort"): void {
    if (this.#controller && !this.#controller.signal.aborted) {
      this.#log.warn("abort: {message}", { message });
      this.#controller.abort({ kind, message } satisfies StopReason);
    }
  }

  /** Waits for the running request (if any) to end. */
  async idle(): Promise<void> {
    await this.#running?.catch(() => {});
  }

  /**
   * Stops the daemon: aborts a running request (the motor is stopped and the
   * file closed as aborted), then stops watching and beating.
   */
  async stop(reason = "daemon stopping"): Promise<void> {
    this.#stopped = true;
    this.abort(reason);
    await this.idle();
    for (const s of this.#subs) s.cancel();
    this.#subs = [];
    for (const u of this.#unwatch) u();
    this.#unwatch = [];
    clearInterval(this.#heartbeat);
    await this.#status.flush();
  }

  #onStart(): void {
    const startPv = this.#pvs.requirePv("scan.start");
    this.#ca.put(startPv, 0, { wait: false }).catch(() => {});
    if (this.#running) {
      this.#status.set({
        msg: "request refused: a scan is already running (abort it first)",
      });
      this.#log.warn("second request refused: a scan is already running");
      return;
    }
    const controller = new AbortController();
    this.#controller = controller;
    this.#running = this.#handle(controller.signal).catch((error) => {
      const message = `internal error: ${(error as Error).message}`;
      this.#log.error(message);
      return {
        outcome: { status: "error", message, file: "" } as RequestOutcome,
        final: { state: "ERROR", msg: message } as Partial<StatusSnapshot>,
      };
    }).then(async ({ outcome, final }) => {
      // Ready for the next request before the operator can see the outcome:
      // a request sent right after DONE is never refused as "busy".
      this.#running = undefined;
      this.#controller = undefined;
      this.#status.set(final);
      await this.#status.flush();
      for (const l of this.#listeners) {
        try {
          l(outcome);
        } catch {
          // listeners cannot break the daemon
        }
      }
      return outcome;
    });
  }

  async #readInputs(): Promise<
    { inputs: RawScanInputs; limits: MotorLimits }
  > {
    const timeout = this.#options.inputTimeout ?? 3;
    const read = async (logical: string): Promise<RawInput | undefined> => {
      const pv = this.#pvs.pv(logical);
      if (!pv) return undefined;
      try {
        const v = await waitFor(this.#ca.get(pv, { timeout }), {
          what: pv,
          timeout: timeout + 1,
        });
        return { pv, value: v.value, enumStrings: v.enumStrings };
      } catch (error) {
        throw new ScanConfigError([[
          pv,
          `could not be read (${(error as Error).message})`,
        ]]);
      }
    };
    const values = await Promise.all(INPUTS.map(([, l]) => read(l)));
    const inputs: RawScanInputs = {};
    INPUTS.forEach(([key], i) => {
      if (values[i]) inputs[key] = values[i];
    });
    const limits: MotorLimits = {};
    for (const key of ["hlm", "llm", "vmax"] as const) {
      const input = await read(`motor.${key}`);
      if (input) {
        limits[key] = {
          value: Number(
            scalar({ name: input.pv, type: "", count: 1, value: input.value }),
          ),
          pv: input.pv,
        };
      }
    }
    return { inputs, limits };
  }

  async #handle(
    signal: AbortSignal,
  ): Promise<{ outcome: RequestOutcome; final: Partial<StatusSnapshot> }> {
    const status = this.#status;
    status.set({
      state: "VALIDATING",
      progress: 0,
      msg: "validating the request",
    });
    let config: ScanConfig;
    try {
      const { inputs, limits } = await this.#readInputs();
      config = validateScanConfig(inputs, {
        limits,
        struckChannels: this.#pvs.struckChannels,
        iopsChannels: this.#pvs.iopsChannels,
      });
    } catch (error) {
      const message = `request rejected: ${(error as Error).message}`;
      this.#log.warn(message);
      await status.flush();
      return {
        outcome: { status: "error", message, file: "" },
        final: { state: "ERROR", msg: message },
      };
    }
    if (signal.aborted) {
      const message = "aborted before the scan started";
      return {
        outcome: { status: "aborted", message, file: "" },
        final: { state: "ABORTED", msg: message },
      };
    }
    this.#log.info("request accepted: {config}", {
      config: JSON.stringify(config),
    });
    const plan = new ScanPlanner().plan(config);
    const motor = new CaMotor(this.#ca, this.#pvs, this.#options.motor);
    const suspender = new BeamSuspender(
      this.#ca,
      this.#pvs.pv("beam.current"),
      this.#options.suspender,
    );
    const writer = new HDF5WriterCallback(this.#options.dataDir, {
      open: this.#options.openFile,
      status,
    });
    const callbacks: ScanCallback[] = [
      new ScanStatusCallback(status),
      new GaussFitCallback(status),
      writer,
    ];
    if (this.#options.customCallback) {
      callbacks.push(
        new CustomHookCallback(
          this.#options.customCallback,
          () => writer.lastFile,
        ),
      );
    }
    const pipeline = new CallbackPipeline(callbacks, {
      onFailure: (f) =>
        status.set({ msg: `${f.callback} failed: ${f.message}` }),
    });
    const runner = new FWSScanRunner({
      motor,
      daq: new CaDaq(this.#ca, this.#pvs),
      collector: new ScanDataCollector(this.#ca, this.#pvs, config),
      suspender,
    }, {
      scannerIndex: this.#pvs.scannerIndex,
      testMode: this.#pvs.testMode,
      source: this.#options.source,
      acquireTimeout: this.#options.acquireTimeout,
    });
    const unwatch = this.#watchConnections(config);
    let outcome: RunOutcome;
    try {
      outcome = await runner.run(config, plan, {
        emit: (e) => pipeline.emit(e),
        signal,
      });
    } finally {
      unwatch();
      suspender.close();
    }
    const failures = pipeline.takeFailures();
    let message = outcome.message;
    if (failures.length > 0) {
      message += `; ${
        failures.map((f) => `${f.callback} failed: ${f.message}`).join("; ")
      }`;
    }
    const file = writer.lastFile;
    if (file) message += `; file ${file}`;
    const state = outcome.status === "completed"
      ? "DONE"
      : outcome.status === "aborted"
      ? "ABORTED"
      : "ERROR";
    this.#log.info("request finished: {status}: {message}", {
      status: outcome.status,
      message,
    });
    // the fit and status puts are sent before the final state is shown
    await status.flush();
    return {
      outcome: { status: outcome.status, message, file, config },
      final: {
        state,
        msg: message,
        ...(outcome.status === "completed" ? { progress: 100 } : {}),
        ...(file ? { file } : {}),
      },
    };
  }

  /** Ends the request as ERROR as soon as a hardware channel disconnects. */
  #watchConnections(config: ScanConfig): () => void {
    const logical = [
      "motor.val",
      "motor.rbv",
      "daq.acquire",
      ...config.struckChannels.map((c) => `daq.${c}`),
    ];
    const off: (() => void)[] = [];
    for (const l of logical) {
      const pv = this.#pvs.pv(l);
      if (!pv) continue;
      const channel = this.#ca.channel(pv);
      const listener = () => {
        if (!channel.connected) {
          this.abort(`lost connection to ${pv} (IOC down?)`, "error");
        }
      };
      channel.addEventListener("connection", listener);
      off.push(() => channel.removeEventListener("connection", listener));
    }
    return () => off.forEach((f) => f());
  }
}
