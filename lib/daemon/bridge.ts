/**
 * `FWSScanBridgeDaemon`: the bridge between the scan PVs and the scan
 * engine. It watches `SCAN:START` (writing 0 back once it has taken a
 * request), runs one request at a time and refuses a second with a message,
 * asks the runner to abort on `SCAN:ABORT` at any moment, and beats
 * `SCAN:HEARTBEAT` every second. A request flows config → planner → runner →
 * callbacks; its states (DONE, ABORTED and ERROR held until the next
 * request) are published by `ScanStatusCallback` alone, through the request
 * state table. When the IOC goes away mid-scan the runner sees the lost
 * connection as a fault (this bridge only reports it) and the request ends
 * as ERROR with the data so far kept; the next request after the IOC
 * returns works without a restart.
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
import { requestStorageProblem } from "./storage.ts";
import { warnUnconnected, watchHardware } from "./connections.ts";
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
import { GaussFitCallback, type StrokeShifts } from "./callbacks/gauss_fit.ts";
import {
  HDF5WriterCallback,
  type ScanFileOpener,
} from "./callbacks/hdf5_writer.ts";
import { type RequestEnd, ScanStatusCallback } from "./callbacks/status.ts";
import { CustomHookCallback } from "./callbacks/custom.ts";
import { CatalogCallback } from "./callbacks/catalog.ts";
import { DriftCallback } from "./callbacks/drift.ts";
import { LiveCallback } from "./callbacks/live.ts";
import { LivePublisher } from "./live_publisher.ts";
import type { CustomCallbackHost } from "./custom_callback.ts";
import type { FWSScanInterface, LogicalName } from "../pvmap/mod.ts";
import { StatusPublisher, type StatusSnapshot, textToChars } from "./status.ts";

/** Options of {@link FWSScanBridgeDaemon}. */
export interface BridgeOptions {
  /** Directory of the scan files. */
  dataDir: string;
  /** Where a request goes that the data directory cannot take. */
  spillDir?: string;
  /** Written repetitions held in memory to rebuild a file after a fault. */
  maxHeldBytes?: number;
  /** Opens a scan-file writer (`ScanFileWriter.create`). */
  openFile: ScanFileOpener;
  /** Who writes the files. */
  source: SourceInfo;
  /** The facility's hooks, already loaded. */
  customCallback?: CustomCallbackHost;
  /** What this daemon publishes on SCAN:OWNER (again after an IOC restart). */
  owner?: string;
  /** Where the client searches, for the connection warnings. */
  searchAddresses?: string;
  /**
   * When to warn of PVs still unconnected [s]: first after `first` (default
   * 5), then every `every` (default 60) while any is.
   */
  connectionWarnings?: { first?: number; every?: number };
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

const INPUTS: [keyof RawScanInputs, LogicalName][] = [
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
  ["fitModel", "fit.model"],
];

/** Watches the request PVs and runs scans, one at a time. */
export class FWSScanBridgeDaemon {
  readonly #ca: CaPort;
  readonly #pvs: FWSScanInterface;
  readonly #options: BridgeOptions;
  readonly #status: StatusPublisher;
  /** The one writer of SCAN:STATE, MSG and PROGRESS. */
  readonly #state: ScanStatusCallback;
  /** The writer of the LIVE PVs (never waited for). */
  readonly #live: LivePublisher;
  /** Centre shifts of the requests so far, for the readout lag. */
  readonly #shifts: StrokeShifts = new Map();
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
    this.#state = new ScanStatusCallback(this.#status);
    this.#live = new LivePublisher(ca, pvs);
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
    this.#state.ready();
    this.#subs.push(this.#ca.monitor(startPv, (v) => {
      if (scalar(v) !== 0 && !this.#stopped) this.#onStart();
    }));
    const abortPv = this.#pvs.pv("scan.abort");
    if (abortPv) {
      this.#subs.push(this.#ca.monitor(abortPv, (v) => {
        if (scalar(v) === 0) return;
        this.#reset(abortPv);
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
      let everConnected = channel.connected;
      const onConnection = () => {
        if (channel.connected && !everConnected) {
          // unreachable at the start: the owner was not published yet
          everConnected = true;
          if (this.#options.owner) {
            this.#status.put("scan.owner", textToChars(this.#options.owner));
          }
        } else if (channel.connected && !wasConnected) {
          this.#log.info("IOC connection back ({pv}): publishing the status", {
            pv: statePv,
          });
          this.#status.republish();
          if (this.#options.owner) {
            this.#status.put("scan.owner", textToChars(this.#options.owner));
          }
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
    this.#unwatch.push(warnUnconnected(this.#ca, this.#pvs, {
      ...this.#options.connectionWarnings,
      searchAddresses: this.#options.searchAddresses,
    }));
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
    this.#reset(this.#pvs.requirePv("scan.start"));
    if (this.#running) {
      this.#state.note(
        "request refused: a scan is already running (abort it first)",
      );
      this.#log.warn("second request refused: a scan is already running");
      return;
    }
    const controller = new AbortController();
    this.#controller = controller;
    this.#state.requestTaken();
    this.#running = this.#handle(controller.signal).catch((error) => {
      const message = `internal error: ${(error as Error).message}`;
      this.#log.error(message);
      return {
        outcome: { status: "error", message, file: "" } as RequestOutcome,
        end: { trigger: "failed", message } as RequestEnd,
      };
    }).then(async ({ outcome, end }) => {
      // Ready for the next request before the operator can see the outcome:
      // a request sent right after DONE is never refused as "busy".
      this.#running = undefined;
      this.#controller = undefined;
      const final = this.#state.finish(end);
      await this.#status.flush();
      const result = { ...outcome, message: final.msg, file: final.file };
      for (const l of this.#listeners) {
        try {
          l(result);
        } catch {
          // listeners cannot break the daemon
        }
      }
      return result;
    });
  }

  /** Writes 0 back to a request PV; a failure is logged as an error. */
  #reset(pv: string): void {
    this.#ca.put(pv, 0, { wait: false }).catch((error) => {
      this.#log.error("could not reset {pv} to 0: {error}", {
        pv,
        error: (error as Error).message,
      });
    });
  }

  async #readInputs(): Promise<
    { inputs: RawScanInputs; limits: MotorLimits }
  > {
    const timeout = this.#options.inputTimeout ?? 3;
    const read = async (
      logical: LogicalName,
    ): Promise<RawInput | undefined> => {
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
  ): Promise<{ outcome: RequestOutcome; end: RequestEnd }> {
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
      await this.#status.flush();
      return {
        outcome: { status: "error", message, file: "" },
        end: { trigger: "rejected", message },
      };
    }
    const storage = await requestStorageProblem(this.#ca, this.#pvs, {
      dataDir: this.#options.dataDir,
      config,
    });
    if (storage) {
      const message = `request rejected: ${storage}`;
      this.#log.error(message);
      return {
        outcome: { status: "error", message, file: "" },
        end: { trigger: "rejected", message },
      };
    }
    if (signal.aborted) {
      const message = "aborted before the scan started";
      return {
        outcome: { status: "aborted", message, file: "" },
        end: { trigger: "aborted", message },
      };
    }
    this.#log.info("request accepted: {config}", {
      config: JSON.stringify(config),
    });
    const plan = new ScanPlanner().plan(config);
    let storageFault = "";
    const daqPvs = this.#pvs.daqPvs();
    const suspender = new BeamSuspender(
      this.#ca,
      daqPvs.beam.current.pv,
      this.#options.suspender,
    );
    const callbacks: ScanCallback[] = [
      this.#state,
      new LiveCallback(this.#live, { wires: this.#pvs.wires }),
      new GaussFitCallback(this.#status, {
        wires: this.#pvs.wires,
        models: this.#pvs.models,
        rejection: this.#pvs.rejection,
        shifts: this.#shifts,
      }),
      new DriftCallback(this.#options.dataDir, this.#status),
      new HDF5WriterCallback(this.#options.dataDir, {
        open: this.#options.openFile,
        wires: this.#pvs.wires,
        spillDir: this.#options.spillDir,
        maxHeldBytes: this.#options.maxHeldBytes,
      }),
      new CatalogCallback(this.#options.dataDir),
      {
        // data that cannot be saved are not worth beam time: stop at once
        name: "storage-guard",
        handle: (e) => {
          if (e.type !== "fileFailed") return;
          storageFault = e.message;
          this.abort(e.message, "error");
        },
      },
    ];
    if (this.#options.customCallback) {
      callbacks.push(new CustomHookCallback(this.#options.customCallback));
    }
    const pipeline = new CallbackPipeline(callbacks, {
      onFailure: (f) => this.#state.note(`${f.callback} failed: ${f.message}`),
    });
    const runner = new FWSScanRunner({
      motor: new CaMotor(this.#ca, this.#pvs.motorPvs(), this.#options.motor),
      daq: new CaDaq(this.#ca, daqPvs),
      collector: new ScanDataCollector(this.#ca, daqPvs, config),
      suspender,
      faults: {
        watch: (onFault) =>
          watchHardware(this.#ca, this.#pvs, { config, onFault }),
      },
    }, {
      scannerIndex: this.#pvs.scannerIndex,
      testMode: this.#pvs.testMode,
      source: this.#options.source,
      acquireTimeout: this.#options.acquireTimeout,
      settings: {
        beam_threshold: suspender.threshold,
        resume_delay: suspender.resumeDelay,
        max_pause: suspender.maxPause,
      },
    });
    let outcome: RunOutcome;
    try {
      outcome = await runner.run(config, plan, {
        emit: (e) => pipeline.emit(e),
        signal,
      });
    } finally {
      suspender.close();
    }
    const failures = pipeline.takeFailures();
    if (storageFault) {
      // also when the file failed only as it was closed, after the last scan
      outcome = { ...outcome, status: "error", message: storageFault };
    }
    let message = outcome.message;
    if (failures.length > 0) {
      message += `; ${
        failures.map((f) => `${f.callback} failed: ${f.message}`).join("; ")
      }`;
    }
    this.#log.info("request finished: {status}: {message}", {
      status: outcome.status,
      message,
    });
    // the fit and status puts are sent before the final state is shown
    await this.#status.flush();
    const trigger = outcome.status === "completed"
      ? "completed"
      : outcome.status === "aborted"
      ? "aborted"
      : "failed";
    return {
      outcome: { status: outcome.status, message, file: "", config },
      end: { trigger, message },
    };
  }
}
