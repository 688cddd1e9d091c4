/**
 * Test rig: a simulated IOC on free loopback ports, a daemon started
 * in-process against it, and a separate CA client playing the operator.
 *
 * @module
 */
import { CAClient, charArrayToString } from "../../lib/ca/mod.ts";
import { type DaemonHandle, startDaemon } from "../../lib/daemon/mod.ts";
import type { StartDaemonOptions } from "../../lib/daemon/start.ts";
import type { RequestOutcome } from "../../lib/daemon/bridge.ts";
import { type LogicalName, SCAN_STATES } from "../../lib/pvmap/mod.ts";
import {
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from "../../lib/sim/mod.ts";

/** Fast simulator settings for tests. */
export const FAST_SIM: Partial<SimulatorOptions> = {
  acquisitionTime: 0.002,
  samplesPerStep: 20,
  flySampleRate: 2000,
  motor: { velocity: 200, vmax: 400, tickHz: 100 },
};

/** Quick daemon tuning for tests. */
export const FAST_TUNING: StartDaemonOptions["tuning"] = {
  suspender: { resumeDelay: 0.05, threshold: 1 },
  acquireTimeout: 5,
};

/** Everything a daemon test needs. */
export interface Rig {
  sim: Simulator;
  daemon: DaemonHandle;
  /** The operator's client. */
  ca: CAClient;
  dataDir: string;
  /** PV name of a logical name. */
  pv(logical: LogicalName): string;
  /** Writes the request inputs (logical suffix → value) with completion. */
  setInputs(inputs: Record<string, number | string>): Promise<void>;
  /** Starts a request and waits for its outcome. */
  request(
    inputs?: Record<string, number | string>,
    timeout?: number,
  ): Promise<RequestOutcome>;
  /** Resolves with the next outcome. */
  nextOutcome(timeout?: number): Promise<RequestOutcome>;
  /** Reads SCAN:STATE as a label. */
  state(): Promise<string>;
  /** Reads SCAN:MSG as text. */
  msg(): Promise<string>;
  /** Waits until `predicate` holds for a monitored PV value. */
  waitFor(
    logical: LogicalName,
    predicate: (v: unknown) => boolean,
    timeout?: number,
  ): Promise<unknown>;
  close(): Promise<void>;
}

/** Decodes a char waveform (one element arrives as a number) or string value. */
export function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return charArrayToString(value);
  if (value instanceof Uint8Array) {
    const end = value.indexOf(0);
    return new TextDecoder().decode(end >= 0 ? value.subarray(0, end) : value);
  }
  return String(value);
}

/** Starts sim + daemon + operator client. */
export async function makeRig(options: {
  sim?: Partial<SimulatorOptions>;
  daemon?: Partial<StartDaemonOptions>;
} = {}): Promise<Rig> {
  const sim = await startSimulator({
    scannerIndex: 7,
    testMode: true,
    seed: 11,
    ...FAST_SIM,
    ...options.sim,
  });
  const dataDir = await Deno.makeTempDir({ prefix: "fws-daemon-test-" });
  const caOptions = {
    addrList: sim.addrList,
    autoAddrList: false,
    connectionTimeout: 3,
  };
  const daemon = await startDaemon({
    scannerIndex: 7,
    testMode: true,
    dataDir,
    ca: caOptions,
    tuning: FAST_TUNING,
    ...options.daemon,
  });
  const ca = new CAClient(caOptions);
  const pv = (logical: LogicalName) => sim.interface.requirePv(logical);
  const nextOutcome = (timeout = 20) =>
    new Promise<RequestOutcome>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no request outcome within ${timeout} s`));
      }, timeout * 1000);
      const off = daemon.bridge.onRequestFinished((o) => {
        clearTimeout(timer);
        off();
        resolve(o);
      });
    });
  const setInputs = async (inputs: Record<string, number | string>) => {
    for (const [key, value] of Object.entries(inputs)) {
      await ca.put(pv(`scan.${key}` as LogicalName), value, {
        wait: true,
        timeout: 3,
      });
    }
  };
  const rig: Rig = {
    sim,
    daemon,
    ca,
    dataDir,
    pv,
    setInputs,
    nextOutcome,
    async request(inputs = {}, timeout = 20) {
      await setInputs(inputs);
      const outcome = nextOutcome(timeout);
      await ca.put(pv("scan.start"), 1, { wait: true, timeout: 3 });
      return await outcome;
    },
    async state() {
      const v = await ca.get(pv("scan.state"), { timeout: 3 });
      return typeof v.value === "number" ? SCAN_STATES[v.value] : text(v.value);
    },
    async msg() {
      return text((await ca.get(pv("scan.msg"), { timeout: 3 })).value);
    },
    waitFor(logical, predicate, timeout = 10) {
      return new Promise((resolve, reject) => {
        let done = false;
        const timer = setTimeout(() => {
          done = true;
          sub.cancel();
          reject(
            new Error(`${logical}: condition not met within ${timeout} s`),
          );
        }, timeout * 1000);
        const sub = ca.monitor(pv(logical), (v) => {
          if (done || !predicate(v.value)) return;
          done = true;
          clearTimeout(timer);
          queueMicrotask(() => sub.cancel());
          resolve(v.value);
        });
      });
    },
    async close() {
      await daemon.stop();
      await ca.close();
      await rig.sim.close();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
  return rig;
}
