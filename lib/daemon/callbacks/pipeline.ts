/**
 * `CallbackPipeline`: hands each event of the runner's stream to the
 * callbacks in order (status → fit → file → custom hooks). A callback that
 * throws is logged and reported, and the others still see the event: a
 * failing consumer cannot corrupt the run.
 *
 * @module
 */
import type { ScanCallback, ScanEvent } from "../../scan/events.ts";
import { log } from "../../log.ts";

/** A failure of one callback on one event. */
export interface CallbackFailure {
  callback: string;
  event: ScanEvent["type"];
  message: string;
}

/** Runs callbacks in order on every event. */
export class CallbackPipeline {
  readonly #callbacks: ScanCallback[];
  readonly #onFailure?: (failure: CallbackFailure) => void;
  readonly #log = log("daemon", "callbacks");
  /** Failures since the last {@link takeFailures}. */
  #failures: CallbackFailure[] = [];

  /**
   * @param callbacks consumers, in the order they see each event
   * @param options `onFailure` is told about every contained failure
   */
  constructor(
    callbacks: ScanCallback[],
    options: { onFailure?: (failure: CallbackFailure) => void } = {},
  ) {
    this.#callbacks = callbacks;
    this.#onFailure = options.onFailure;
  }

  /** Delivers `event` to every callback in order. Never throws. */
  async emit(event: ScanEvent): Promise<void> {
    for (const callback of this.#callbacks) {
      try {
        await callback.handle(event);
      } catch (error) {
        const failure: CallbackFailure = {
          callback: callback.name,
          event: event.type,
          message: error instanceof Error ? error.message : String(error),
        };
        this.#failures.push(failure);
        this.#log.error("callback {callback} failed on {event}: {message}", {
          ...failure,
        });
        try {
          this.#onFailure?.(failure);
        } catch {
          // a reporter must not break the pipeline either
        }
      }
    }
  }

  /** The failures collected since the last call, and forgets them. */
  takeFailures(): CallbackFailure[] {
    const out = this.#failures;
    this.#failures = [];
    return out;
  }
}
