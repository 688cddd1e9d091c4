/**
 * Logging for the daemon with LogTape: one line per record to stderr and to
 * a rotating file `fws-daemon.log` under the log directory. Only messages and
 * PV names are logged — never environment variables or credentials.
 *
 * @module
 */
import {
  configure,
  dispose,
  getLogger,
  getTextFormatter,
  isLogLevel,
  type Logger,
  type LogLevel,
  type LogRecord,
  type Sink,
} from "@logtape/logtape";
import { getRotatingFileSink } from "@logtape/file";
import { join } from "node:path";
import { storageCause } from "./fs_errors.ts";

/** The log levels accepted by `--log-level`. */
export const LOG_LEVELS: readonly LogLevel[] = [
  "trace",
  "debug",
  "info",
  "warning",
  "error",
  "fatal",
];

/** Options of {@link setupLogging}. */
export interface LoggingOptions {
  /** Directory of the rotating log file; no file when absent. */
  logDir?: string;
  /** Lowest level written; default `info`. */
  level?: LogLevel;
  /** Write to stderr too; default true. */
  stderr?: boolean;
  /** Rotate at this size [bytes]; default 10 MiB, 5 files kept. */
  maxSize?: number;
}

/** The log directory cannot be used; the message says what to do. */
export class LogDirError extends Error {
  /** @param dir the directory @param cause why */
  constructor(dir: string, cause: string) {
    super(
      `cannot write the log directory ${dir} (${cause}); pass --log-dir PATH with a writable directory`,
    );
    this.name = "LogDirError";
  }
}

/** Checks a level name, for the CLI. */
export function parseLogLevel(text: string): LogLevel | undefined {
  const t = text.toLowerCase() === "warn" ? "warning" : text.toLowerCase();
  return isLogLevel(t) ? t : undefined;
}

/**
 * Makes sure `dir` exists and is writable, or throws {@link LogDirError}.
 * Returns the log file's path.
 */
export function prepareLogDir(dir: string): string {
  const file = join(dir, "fws-daemon.log");
  try {
    Deno.mkdirSync(dir, { recursive: true });
    const f = Deno.openSync(file, { append: true, create: true });
    f.close();
  } catch (error) {
    const name = (error as Error).name;
    throw new LogDirError(
      dir,
      name === "PermissionDenied" || name === "NotCapable"
        ? "permission denied"
        : (error as Error).message,
    );
  }
  return file;
}

let active = false;

/**
 * A file sink that can never stop a scan: when the log file cannot be
 * written (the disk full, read-only, gone) it says so once on stderr
 * (journald), and the daemon logs to stderr alone from then on.
 */
function guardedSink(
  sink: Sink & Partial<AsyncDisposable>,
  file: string,
): Sink {
  let failed = false;
  const guarded = (record: LogRecord) => {
    if (failed) return;
    try {
      sink(record);
    } catch (error) {
      failed = true;
      const why = storageCause(error);
      try {
        Deno.stderr.writeSync(
          new TextEncoder().encode(
            `fws: file logging to ${file} stopped (${why}); logging to stderr only\n`,
          ),
        );
      } catch {
        // stderr closed too
      }
    }
  };
  return Object.assign(guarded, {
    [Symbol.asyncDispose]: async () => {
      try {
        await sink[Symbol.asyncDispose]?.();
      } catch {
        // the file is broken: nothing to flush
      }
    },
  });
}

/**
 * Configures LogTape for the daemon (replacing any previous configuration).
 * Returns the log file path (when a directory was given).
 */
export async function setupLogging(
  options: LoggingOptions = {},
): Promise<string | undefined> {
  const formatter = getTextFormatter({
    timestamp: "date-time-timezone",
    value: "bare",
  });
  const sinks: Record<string, Sink> = {};
  if (options.stderr !== false) {
    const encoder = new TextEncoder();
    sinks.stderr = (record: LogRecord) => {
      try {
        Deno.stderr.writeSync(encoder.encode(formatter(record)));
      } catch {
        // stderr closed: nothing sensible to do
      }
    };
  }
  let file: string | undefined;
  if (options.logDir) {
    file = prepareLogDir(options.logDir);
    sinks.file = guardedSink(
      getRotatingFileSink(file, {
        formatter,
        maxSize: options.maxSize ?? 10 * 1024 * 1024,
        maxFiles: 5,
        bufferSize: 0,
      }),
      file,
    );
  }
  await configure({
    reset: true,
    sinks,
    loggers: [
      {
        category: ["fws"],
        sinks: Object.keys(sinks),
        lowestLevel: options.level ?? "info",
      },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "warning" },
    ],
  });
  active = true;
  return file;
}

/** Flushes and closes the sinks set up by {@link setupLogging}. */
export async function closeLogging(): Promise<void> {
  if (!active) return;
  active = false;
  await dispose();
}

/** A logger under the `fws` category, e.g. `log("daemon")`. */
export function log(...category: string[]): Logger {
  return getLogger(["fws", ...category]);
}
