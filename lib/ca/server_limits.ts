/**
 * What keeps the CA server up when resources run out: the number of circuits
 * it accepts (from the process's open-file limit), a log that says a thing
 * once per interval instead of once per connection, and the start-up that
 * Deno needs before file descriptors can run out.
 *
 * @module
 */

/** File descriptors kept free for everything that is not a circuit. */
export const FD_RESERVE = 32;

/** Circuits accepted when the open-file limit cannot be read. */
export const DEFAULT_MAX_CIRCUITS = 1000;

/** Seconds between two lines of the same {@link LogLimiter} key. */
export const LOG_INTERVAL = 10;

/** How many circuits may be open, and where that number came from. */
export interface CircuitLimit {
  max: number;
  /** For the log, e.g. "open-file limit 1024, 27 in use". */
  source: string;
}

/** Descriptors probed at most: above this many free, the limit is not the concern. */
export const PROBE_MAX = 4096;

/**
 * The circuits this process can hold: the descriptors it can still open
 * (probed once by opening `/dev/null` until EMFILE or {@link PROBE_MAX}, as
 * Deno does not let a program read `/proc/self/limits`) less
 * {@link FD_RESERVE}; {@link DEFAULT_MAX_CIRCUITS} when it cannot probe.
 *
 * @example
 * ```ts
 * const { max } = circuitLimit(); // 1024 - 27 in use - 32 = 965 under `ulimit -n 1024`
 * ```
 */
export function circuitLimit(): CircuitLimit {
  const free = freeDescriptors();
  if (free === undefined) {
    return { max: DEFAULT_MAX_CIRCUITS, source: "default" };
  }
  if (free >= PROBE_MAX) {
    return { max: PROBE_MAX, source: `more than ${PROBE_MAX} files free` };
  }
  return {
    max: Math.max(1, free - FD_RESERVE),
    source: `open-file limit: ${free} more files, ${FD_RESERVE} kept free`,
  };
}

/** How many more files this process can open (up to {@link PROBE_MAX}). */
export function freeDescriptors(): number | undefined {
  const path = "/dev/null";
  try {
    if (
      Deno.permissions.querySync({ name: "read", path }).state !== "granted"
    ) {
      return undefined;
    }
  } catch {
    return undefined;
  }
  const files: Deno.FsFile[] = [];
  try {
    while (files.length < PROBE_MAX) files.push(Deno.openSync(path));
  } catch (error) {
    if (files.length === 0) return undefined; // not a descriptor limit
    if (!/os error 24|too many open files/i.test(String(error))) {
      return undefined;
    }
  } finally {
    for (const f of files) f.close();
  }
  return files.length;
}

/**
 * Deno 2.9 sets up its signal thread (a socket pair) the first time a
 * signal listener is added, and some error paths of a failed `accept` do so;
 * without a free descriptor at that moment the process panics. Doing it once
 * at start, and removing the listener again, keeps every signal's default.
 */
export function prepareForFdExhaustion(): void {
  const noop = (): void => {};
  try {
    Deno.addSignalListener("SIGTERM", noop);
    Deno.removeSignalListener("SIGTERM", noop);
  } catch {
    // not on this platform
  }
}

/**
 * A log that writes a line for a key at most once per `interval` seconds;
 * lines left out are counted and their number told with the next one.
 *
 * @example
 * ```ts
 * const limiter = new LogLimiter((m) => logger.warn(m));
 * for (const peer of flood) limiter.log("refused", `refused ${peer}`); // one line
 * ```
 */
export class LogLimiter {
  #write: (message: string) => void;
  #interval: number;
  #keys = new Map<string, { at: number; left: number }>();

  /**
   * @param write the sink of a line
   * @param interval seconds between two lines of one key
   */
  constructor(write: (message: string) => void, interval = LOG_INTERVAL) {
    this.#write = write;
    this.#interval = interval * 1000;
  }

  /** Writes `message` unless a line of `key` was written within the interval. */
  log(key: string, message: string): void {
    const now = Date.now();
    const last = this.#keys.get(key);
    if (last && now - last.at < this.#interval) {
      last.left++;
      return;
    }
    const left = last?.left ?? 0;
    this.#write(
      left > 0
        ? `${message} (and ${left} more like it since the last such line)`
        : message,
    );
    this.#keys.set(key, { at: now, left: 0 });
  }

  /** Lines of `key` left out since its last line. */
  suppressed(key: string): number {
    return this.#keys.get(key)?.left ?? 0;
  }

  /** Whether a line of `key` was written since it was last reset. */
  seen(key: string): boolean {
    return this.#keys.has(key);
  }

  /** Forgets `key`: its next line is written at once. */
  reset(key: string): void {
    this.#keys.delete(key);
  }
}
