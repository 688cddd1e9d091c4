/**
 * Waiting with a limit: every wait of the runner goes through
 * {@link waitFor}, so none can hang past its timeout or outlive an abort.
 *
 * @module
 */

/** A wait ran past its limit; the message names what was awaited. */
export class WaitTimeoutError extends Error {
  /** @param what what was awaited, e.g. `motor FWS01:MTR to reach 2 mm` */
  constructor(what: string, seconds: number) {
    super(
      `timed out after ${Number(seconds.toFixed(3))} s waiting for ${what}`,
    );
    this.name = "WaitTimeoutError";
  }
}

/** Why a request was stopped from outside the runner. */
export interface StopReason {
  /** `abort`: operator/daemon asked; `error`: a fault such as a lost IOC. */
  kind: "abort" | "error";
  message: string;
}

/** The reason stored on an aborted signal, or a generic one. */
export function stopReasonOf(signal: AbortSignal): StopReason {
  const r = signal.reason as Partial<StopReason> | undefined;
  if (r && (r.kind === "abort" || r.kind === "error")) {
    return { kind: r.kind, message: String(r.message ?? "") };
  }
  return { kind: "abort", message: "aborted" };
}

/** Thrown by waits when the signal aborts. */
export class StoppedError extends Error {
  /** Why the request was stopped. */
  readonly reason: StopReason;
  /** @param reason why */
  constructor(reason: StopReason) {
    super(reason.message);
    this.name = "StoppedError";
    this.reason = reason;
  }
}

/**
 * Awaits `promise`, rejecting with {@link WaitTimeoutError} after `timeout`
 * seconds or {@link StoppedError} as soon as `signal` aborts.
 */
export function waitFor<T>(
  promise: Promise<T>,
  options: { what: string; timeout: number; signal?: AbortSignal },
): Promise<T> {
  const { signal } = options;
  if (signal?.aborted) {
    promise.catch(() => {});
    return Promise.reject(new StoppedError(stopReasonOf(signal)));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      cleanup();
      reject(new StoppedError(stopReasonOf(signal!)));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new WaitTimeoutError(options.what, options.timeout));
    }, Math.max(0, options.timeout * 1000));
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        cleanup();
        resolve(v);
      },
      (e) => {
        cleanup();
        reject(e);
      },
    );
  });
}

/** Sleeps `seconds`, ending early with {@link StoppedError} on abort. */
export function sleep(seconds: number, signal?: AbortSignal): Promise<void> {
  if (seconds <= 0 && !signal?.aborted) return Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  return waitFor(
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, seconds * 1000);
    }),
    { what: "sleep", timeout: seconds + 1, signal },
  ).finally(() => clearTimeout(timer));
}
