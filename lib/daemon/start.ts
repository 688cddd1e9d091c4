/**
 * {@link startDaemon}: one scanner's daemon in this process — the PV map,
 * the Channel Access client, the bridge and (optionally) the log and the
 * custom hooks. Used by `fws <index>` and by `fws demo`.
 *
 * @module
 */
import { CAClient, type CAClientOptions } from "../ca/mod.ts";
import { ScanFileWriter } from "../hdf5/mod.ts";
import { closeLogging, log, setupLogging } from "../log.ts";
import type { LogLevel } from "@logtape/logtape";
import { PROGRAM, VERSION } from "../version.ts";
import { type BridgeOptions, FWSScanBridgeDaemon } from "./bridge.ts";
import { CustomCallbackHost } from "./custom_callback.ts";
import { claimScanner, ownerIdentity, releaseScanner } from "./owner.ts";
import { FWSScanInterface, loadPvMap, type PvMapFile } from "../pvmap/mod.ts";

export { loadPvMap } from "../pvmap/mod.ts";

/** Options of {@link startDaemon}. */
export interface StartDaemonOptions {
  /** Scanner number N (1–99): PVs `FWSNN:…`. */
  scannerIndex: number;
  /** Put `Test:` in front of every PV. */
  testMode?: boolean;
  /** Directory of the HDF5 scan files (created when missing). */
  dataDir: string;
  /** Where a request goes that the data directory cannot take. */
  spillDir?: string;
  /**
   * Directory of the rotating log file. When given, LogTape is configured
   * (file + stderr); when absent, logging is left as the caller set it up.
   */
  logDir?: string;
  /** Lowest log level (with `logDir`); default `info`. */
  logLevel?: LogLevel;
  /** PV map: a path to a JSON map file, or the parsed map. */
  pvMap?: string | PvMapFile;
  /** Path of a custom-callback module (`getPreCallback`/`getPostCallback`). */
  customCallback?: string;
  /** Seconds a custom hook may run; default 10. */
  hookTimeout?: number;
  /** MB of V8 heap a custom hook's process may use; default 256. */
  hookMemory?: number;
  /** Channel Access client options, e.g. `{ addrList: ["127.0.0.1:5064"], autoAddrList: false }`. */
  ca?: CAClientOptions;
  /** Use this client instead of making one (it is not closed by `stop`). */
  client?: CAClient;
  /** Timing and tuning of the bridge: heartbeat, timeouts, motor, beam suspender. */
  tuning?: Omit<
    BridgeOptions,
    "dataDir" | "openFile" | "source" | "customCallback"
  >;
}

/** A running daemon. */
export interface DaemonHandle {
  /** The resolved PV map. */
  readonly pvs: FWSScanInterface;
  /** The bridge (status, busy, onRequestFinished, abort). */
  readonly bridge: FWSScanBridgeDaemon;
  /** The Channel Access client in use. */
  readonly client: CAClient;
  /** The log file, when `logDir` was given. */
  readonly logFile?: string;
  /**
   * Stops the daemon: a running scan is aborted (motor stopped, file closed
   * as aborted), monitors and the heartbeat end, the client is closed (when
   * the daemon made it) and the log flushed.
   */
  stop(reason?: string): Promise<void>;
}

function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown";
  }
}

/** Starts the daemon of one scanner in this process. */
export async function startDaemon(
  options: StartDaemonOptions,
): Promise<DaemonHandle> {
  const map = typeof options.pvMap === "string"
    ? await loadPvMap(options.pvMap)
    : options.pvMap;
  const pvs = new FWSScanInterface(options.scannerIndex, {
    testMode: options.testMode,
    map,
  });
  let logFile: string | undefined;
  if (options.logDir) {
    logFile = await setupLogging({
      logDir: options.logDir,
      level: options.logLevel,
    });
  }
  const customCallback = options.customCallback
    ? await CustomCallbackHost.load(options.customCallback, {
      timeout: options.hookTimeout,
      memory: options.hookMemory,
    })
    : undefined;
  if (customCallback?.uncaged) {
    log("daemon", "custom").warn("{reason}", {
      reason: customCallback.uncaged,
    });
  }
  const started = performance.now();
  const client = options.client ?? new CAClient(options.ca);
  const identity = ownerIdentity({
    host: hostName(),
    pid: Deno.pid,
    program: PROGRAM,
    version: VERSION,
  });
  try {
    await claimScanner(client, pvs, {
      identity,
      heartbeatInterval: options.tuning?.heartbeatInterval,
    });
  } catch (error) {
    if (!options.client) await client.close();
    if (options.logDir) await closeLogging();
    throw error;
  }
  const bridge = new FWSScanBridgeDaemon(client, pvs, {
    ...options.tuning,
    dataDir: options.dataDir,
    spillDir: options.spillDir,
    openFile: (path, run) => ScanFileWriter.create(path, run),
    source: { program: PROGRAM, version: VERSION, host: hostName() },
    customCallback,
    owner: identity,
    searchAddresses: client.config.addresses.map((a) => `${a.host}:${a.port}`)
      .join(" "),
    // the first warning comes 5 s after the start, the claim included
    connectionWarnings: {
      first: Math.max(0, 5 - (performance.now() - started) / 1000),
      ...options.tuning?.connectionWarnings,
    },
  });
  bridge.start();
  let stopping: Promise<void> | undefined;
  return {
    pvs,
    bridge,
    client,
    logFile,
    stop(reason?: string): Promise<void> {
      stopping ??= (async () => {
        await bridge.stop(reason);
        await releaseScanner(client, pvs, identity);
        if (!options.client) await client.close();
        if (options.logDir) await closeLogging();
      })();
      return stopping;
    },
  };
}
