/**
 * `fws <index>` / `fws daemon <index>`: the scan daemon of one scanner.
 * SIGINT/SIGTERM during a scan stop the motor, close the file as aborted and
 * exit 0 within 5 s.
 *
 * @module
 */
import { parseCommand, parseScannerIndex, UsageError } from "../cli.ts";
import { log, LogDirError, parseLogLevel, prepareLogDir } from "../log.ts";
import { checkDaemonDirs, WriteRootError } from "../permissions.ts";
import { loadPvMap, startDaemon } from "./start.ts";
import {
  FIT_MODEL_CHOICES,
  type FitModelChoice,
} from "../analysis/fit_fields.ts";
import { ScannerOwnedError } from "./owner.ts";
import { DEFAULT_HOOK_MEMORY_MB } from "./hook_process.ts";
import { storageCause, storageProblem } from "./storage.ts";
import { FWSScanInterface, type PvMapFile } from "../pvmap/mod.ts";
import type { RejectionOptions } from "../scan/model.ts";

/** Usage text of the daemon. */
export const DAEMON_USAGE = `Usage: fws <scanner_index> [options]
       fws daemon <scanner_index> [options]

Runs the scan daemon of scanner N: waits for SCAN:START on FWSNN:…, runs the
scan, publishes state, progress, fits and the HDF5 file path.

Options:
  --test-mode             prefix every PV with Test:
  --custom-callback PATH  JS/TS module exporting getPreCallback/getPostCallback,
                          each call in a process of its own (this program
                          again, heap limited) and a sandboxed Worker (read
                          the scan file only), with a timeout
  --log-dir PATH          rotating log file directory
                          (default /var/log/fws-daemon/fws-NN)
  --data-dir PATH         HDF5 scan files (default /var/lib/fws/fws-NN)
  --spill-dir PATH        where a request goes that the data directory cannot
                          take (default: spill/ in the log directory)
  --pv-map PATH           JSON map file overriding PV names (see docs)
  --fit-model [CH=]MODEL  profile models fitted besides the Gaussian: auto (all,
                          the best chosen by AICc) or one of gauss_linear,
                          super_gauss, split_gauss, double_gauss, q_gauss; for
                          channel CH only with CH=; repeatable; over the map
                          file's "models" (FIT:MODEL other than GAUSS overrides
                          both for every channel)
  --normalise-beam        divide each step's signal by its beam reading
                          (scaled to the median) before the fits
  --saturation LEVEL      leave out steps whose signal reaches LEVEL (the ADC's
                          maximum, signal units)
  --min-beam-fraction F   leave out steps whose beam is below F × the median
  --reject-outliers K     leave out points whose fit residual is beyond K × MAD
                          (these four go over the map file's "rejection"; each
                          point left out is kept in the file with its reason)
  --log-level LEVEL       trace, debug, info (default), warning, error, fatal
  --hook-timeout SECONDS  longest run of a custom callback (default 10)
  --hook-memory MB        V8 heap of a custom callback's own process (default
                          256; the process may hold 128 MB more resident)
  --beam-threshold MA     beam current below which the scan pauses (default 0.1)
  --resume-delay SECONDS  how long the beam must be back before the scan
                          resumes (default 1)
  --max-pause SECONDS     longest pause before the request ends as ERROR
                          (default 600)
  --help                  show this help

Channel Access settings come from EPICS_CA_ADDR_LIST, EPICS_CA_AUTO_ADDR_LIST,
EPICS_CA_SERVER_PORT as usual.`;

/**
 * The profile models of `--fit-model` values, `MODEL` (every Struck
 * channel) or `CH=MODEL`, later values winning; an unknown model or
 * channel is an error naming the value and what is expected.
 *
 * @example
 * ```ts
 * fitModelOption(["auto", "PDT=double_gauss"], ["PDB", "PDT"]);
 * // { PDB: "auto", PDT: "double_gauss" }
 * ```
 */
export function fitModelOption(
  values: string[],
  struckChannels: readonly string[],
): Record<string, FitModelChoice> {
  const out: Record<string, FitModelChoice> = {};
  for (const value of values) {
    const at = value.indexOf("=");
    const channels = at < 0 ? struckChannels : [value.slice(0, at).trim()];
    const model = (at < 0 ? value : value.slice(at + 1)).trim().toLowerCase();
    if (!(FIT_MODEL_CHOICES as readonly string[]).includes(model)) {
      throw new UsageError(
        `--fit-model: '${value}' asks for no model we fit; expected [CH=]MODEL with MODEL one of ${
          FIT_MODEL_CHOICES.join(", ")
        }`,
      );
    }
    if (!struckChannels.includes(channels[0])) {
      throw new UsageError(
        `--fit-model: '${value}' names no Struck channel; expected one of ${
          struckChannels.join(", ")
        }`,
      );
    }
    for (const ch of channels) out[ch] = model as FitModelChoice;
  }
  return out;
}

/**
 * The daemon's PV map: the `--pv-map` file (if any) with the
 * `--fit-model` values over its `models` and the rejection options over
 * its `rejection`; any error is a
 * {@link UsageError} naming the file or the option.
 */
export async function daemonPvMap(
  index: number,
  options: {
    testMode?: boolean;
    mapPath?: string;
    fitModels?: string[];
    rejection?: RejectionOptions;
  },
): Promise<PvMapFile | undefined> {
  try {
    let map = options.mapPath ? await loadPvMap(options.mapPath) : undefined;
    const { struckChannels } = new FWSScanInterface(index, {
      testMode: options.testMode,
      map,
    });
    if (options.fitModels?.length) {
      map = {
        ...map,
        models: {
          ...map?.models,
          ...fitModelOption(options.fitModels, struckChannels),
        },
      };
    }
    if (options.rejection && Object.keys(options.rejection).length > 0) {
      map = { ...map, rejection: { ...map?.rejection, ...options.rejection } };
    }
    return map;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError((error as Error).message);
  }
}

/** Seconds SIGINT/SIGTERM may take before the process exits anyway. */
const STOP_DEADLINE = 4.5;

/** Entry point of `fws <index>` and `fws daemon <index>`. */
export async function daemonMain(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    command: "fws daemon",
    options: {
      "test-mode": { type: "boolean" },
      "custom-callback": { type: "string" },
      "log-dir": { type: "string" },
      "data-dir": { type: "string" },
      "spill-dir": { type: "string" },
      "pv-map": { type: "string" },
      "fit-model": { type: "string", multiple: true },
      "normalise-beam": { type: "boolean" },
      saturation: { type: "string" },
      "min-beam-fraction": { type: "string" },
      "reject-outliers": { type: "string" },
      "log-level": { type: "string" },
      "hook-timeout": { type: "string" },
      "hook-memory": { type: "string" },
      "beam-threshold": { type: "string" },
      "resume-delay": { type: "string" },
      "max-pause": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    positionals: ["scanner_index"],
  });
  if (values.help) {
    console.log(DAEMON_USAGE);
    return 0;
  }
  const index = parseScannerIndex(positionals[0]);
  const nn = String(index).padStart(2, "0");
  const levelText = values["log-level"] as string | undefined;
  const level = levelText === undefined ? "info" : parseLogLevel(levelText);
  if (!level) {
    throw new UsageError(
      `--log-level: expected trace, debug, info, warning, error or fatal, got '${levelText}'`,
    );
  }
  const hookText = values["hook-timeout"] as string | undefined;
  const hookTimeout = hookText === undefined ? 10 : Number(hookText);
  if (!(hookTimeout > 0 && hookTimeout <= 3600)) {
    throw new UsageError(
      `--hook-timeout: expected seconds above 0 and at most 3600, got '${hookText}'`,
    );
  }
  const memoryText = values["hook-memory"] as string | undefined;
  const hookMemory = memoryText === undefined
    ? DEFAULT_HOOK_MEMORY_MB
    : Number(memoryText);
  if (
    !(Number.isInteger(hookMemory) && hookMemory >= 16 && hookMemory <= 65536)
  ) {
    throw new UsageError(
      `--hook-memory: expected a whole number of MB from 16 to 65536, got '${memoryText}'`,
    );
  }
  const seconds = (name: string, max: number): number | undefined => {
    const text = values[name] as string | undefined;
    if (text === undefined) return undefined;
    const v = Number(text);
    if (!(text.trim() !== "" && v >= 0 && v <= max)) {
      throw new UsageError(
        `--${name}: expected a number from 0 to ${max}, got '${text}'`,
      );
    }
    return v;
  };
  const suspender = {
    threshold: seconds("beam-threshold", 1e6),
    resumeDelay: seconds("resume-delay", 3600),
    maxPause: seconds("max-pause", 86400),
  };
  const testMode = values["test-mode"] === true;
  const mapPath = values["pv-map"] as string | undefined;
  const number = (name: string, ok: (v: number) => boolean, what: string) => {
    const text = values[name] as string | undefined;
    if (text === undefined) return undefined;
    const v = Number(text);
    if (text.trim() === "" || !Number.isFinite(v) || !ok(v)) {
      throw new UsageError(`--${name}: expected ${what}, got '${text}'`);
    }
    return v;
  };
  const rejection: RejectionOptions = {};
  if (values["normalise-beam"]) rejection.normalise = true;
  const saturation = number("saturation", () => true, "a signal level");
  if (saturation !== undefined) rejection.saturation = saturation;
  const beamFraction = number(
    "min-beam-fraction",
    (v) => v > 0 && v < 1,
    "a fraction between 0 and 1",
  );
  if (beamFraction !== undefined) rejection.beamFraction = beamFraction;
  const outlierK = number("reject-outliers", (v) => v > 0, "a number above 0");
  if (outlierK !== undefined) rejection.outlierK = outlierK;
  const map = await daemonPvMap(index, {
    testMode,
    mapPath,
    fitModels: values["fit-model"] as string[] | undefined,
    rejection,
  });
  const logDir = (values["log-dir"] as string | undefined) ??
    `/var/log/fws-daemon/fws-${nn}`;
  const dataDir = (values["data-dir"] as string | undefined) ??
    `/var/lib/fws/fws-${nn}`;
  const spillDir = values["spill-dir"] as string | undefined;
  // nothing is created before the directories are known to be allowed
  try {
    await checkDaemonDirs({ dataDir, logDir, spillDir });
  } catch (error) {
    if (error instanceof WriteRootError) throw new UsageError(error.message);
    throw error;
  }
  try {
    prepareLogDir(logDir);
  } catch (error) {
    if (error instanceof LogDirError) throw new UsageError(error.message);
    throw error;
  }
  let cause: string | undefined;
  try {
    await Deno.mkdir(dataDir, { recursive: true });
    cause = storageProblem(dataDir, 0);
  } catch (error) {
    cause = storageCause(error);
  }
  if (cause) {
    throw new UsageError(
      `cannot write the data directory ${dataDir} (${cause}); pass --data-dir PATH with a writable directory`,
    );
  }
  // least privilege (no ffi; run only of itself, and only with a custom
  // callback) is applied by main.ts at dispatch

  const daemon = await startDaemon({
    scannerIndex: index,
    testMode,
    dataDir,
    logDir,
    spillDir: spillDir ?? `${logDir}/spill`,
    logLevel: level,
    pvMap: map,
    customCallback: values["custom-callback"] as string | undefined,
    hookTimeout,
    hookMemory,
    tuning: {
      suspender: Object.fromEntries(
        Object.entries(suspender).filter(([, v]) => v !== undefined),
      ),
    },
  }).catch((error) => {
    if (error instanceof ScannerOwnedError) return error;
    throw new UsageError(`fws daemon: ${(error as Error).message}`);
  });
  if (daemon instanceof ScannerOwnedError) {
    console.error(`fws daemon: ${daemon.message}`);
    return 1;
  }
  const logger = log("daemon");
  logger.info(
    "fws daemon for scanner {index} started: prefix {prefix}, data {dataDir}, log {logFile}",
    {
      index,
      prefix: daemon.pvs.prefix,
      dataDir,
      logFile: daemon.logFile ?? "",
    },
  );

  const stopped = Promise.withResolvers<string>();
  const handlers: [Deno.Signal, () => void][] = (["SIGINT", "SIGTERM"] as const)
    .map((sig) => [sig, () => stopped.resolve(sig)]);
  for (const [sig, h] of handlers) Deno.addSignalListener(sig, h);
  const signal = await stopped.promise;
  for (const [sig, h] of handlers) Deno.removeSignalListener(sig, h);
  logger.info("{signal}: stopping", { signal });
  let deadline: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    daemon.stop(`daemon stopped by ${signal}`),
    new Promise<void>((resolve) => {
      deadline = setTimeout(() => {
        logger.error("stop took longer than {s} s: exiting anyway", {
          s: STOP_DEADLINE,
        });
        resolve();
      }, STOP_DEADLINE * 1000);
    }),
  ]);
  clearTimeout(deadline);
  return 0;
}
