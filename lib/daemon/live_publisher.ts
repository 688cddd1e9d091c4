/**
 * `LivePublisher`: writes the live view's PVs (`LIVE:*`) without ever
 * making the scan wait. Each PV has at most one put in flight (sent without
 * completion); a value published meanwhile waits in a one-value slot, and a
 * newer one replaces it (the older is dropped and counted). A failed put is
 * logged at debug level; {@link LivePublisher.summary} reports once per
 * request what was dropped or failed. Logical names the PV map sets to
 * `null` are skipped.
 *
 * @module
 */
import type { CaPort } from "../scan/ca_port.ts";
import type { FWSScanInterface, LogicalName } from "../pvmap/mod.ts";
import { log } from "../log.ts";

/** A value of a live PV: a scalar (REP, DIR) or a waveform. */
export type LiveValue = number | Float64Array;

/** What was dropped and what failed since the last summary. */
export interface LiveCounts {
  /** Values replaced by a newer one before they were sent. */
  dropped: number;
  /** Puts that failed (not connected, refused, timed out). */
  failed: number;
  /** Puts sent. */
  sent: number;
}

/** The part of {@link LivePublisher} the live callback uses. */
export interface LiveSink {
  /** Publishes `value` to `logical` (fire-and-forget; never throws). */
  publish(logical: LogicalName, value: LiveValue): void;
  /** Logs once what was dropped or failed since the last summary. */
  summary(request: string): LiveCounts;
}

/** One PV's slot: the put in flight, and the value waiting behind it. */
interface Slot {
  busy: boolean;
  next?: LiveValue;
}

/** Latest-value, never-blocking writer of the live PVs. */
export class LivePublisher implements LiveSink {
  readonly #ca: Pick<CaPort, "put">;
  readonly #pvs: Pick<FWSScanInterface, "pv">;
  readonly #timeout: number;
  readonly #slots = new Map<string, Slot>();
  /** Puts in flight (with what follows each), for {@link settled}. */
  readonly #inFlight = new Set<Promise<void>>();
  readonly #log = log("daemon", "live");
  #counts: LiveCounts = { dropped: 0, failed: 0, sent: 0 };

  /**
   * @param ca Channel Access client (puts without completion)
   * @param pvs the scanner's PV map
   * @param options `timeout` of each put [s] (default 2)
   */
  constructor(
    ca: Pick<CaPort, "put">,
    pvs: Pick<FWSScanInterface, "pv">,
    options: { timeout?: number } = {},
  ) {
    this.#ca = ca;
    this.#pvs = pvs;
    this.#timeout = options.timeout ?? 2;
  }

  /** Publishes `value` to `logical`, or queues it behind the put in flight. */
  publish(logical: LogicalName, value: LiveValue): void {
    const pv = this.#pvs.pv(logical);
    if (!pv) return;
    let slot = this.#slots.get(pv);
    if (!slot) this.#slots.set(pv, slot = { busy: false });
    if (slot.busy) {
      if (slot.next !== undefined) this.#counts.dropped++;
      slot.next = value;
      return;
    }
    this.#send(pv, slot, value);
  }

  /**
   * Resolves once no put is in flight and nothing waits (for tests and
   * benches; the daemon never waits for the live view).
   */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) {
      await Promise.allSettled([...this.#inFlight]);
    }
  }

  /** The counts since the last call, and starts counting again. */
  takeCounts(): LiveCounts {
    const out = this.#counts;
    this.#counts = { dropped: 0, failed: 0, sent: 0 };
    return out;
  }

  /**
   * Logs (info, or warn when any put failed) what the request's live view
   * dropped or failed, and resets the counts.
   */
  summary(request: string): LiveCounts {
    const counts = this.takeCounts();
    if (counts.dropped === 0 && counts.failed === 0) {
      this.#log.debug("{request}: {sent} live updates sent", {
        request,
        ...counts,
      });
    } else {
      this.#log[counts.failed > 0 ? "warn" : "info"](
        "{request}: live view: {sent} updates sent, {dropped} replaced by a newer one, {failed} failed",
        { request, ...counts },
      );
    }
    return counts;
  }

  #send(pv: string, slot: Slot, value: LiveValue): void {
    slot.busy = true;
    this.#counts.sent++;
    let put: Promise<void>;
    try {
      put = this.#ca.put(pv, value, { wait: false, timeout: this.#timeout });
    } catch (error) {
      put = Promise.reject(error);
    }
    const done = put.catch((error) => {
      this.#counts.failed++;
      this.#log.debug("could not write {pv}: {error}", {
        pv,
        error: error instanceof Error ? error.message : String(error),
      });
    }).finally(() => {
      slot.busy = false;
      const next = slot.next;
      if (next === undefined) return;
      slot.next = undefined;
      this.#send(pv, slot, next);
    });
    this.#inFlight.add(done);
    done.finally(() => this.#inFlight.delete(done));
  }
}
