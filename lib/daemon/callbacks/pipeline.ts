/**
 * `CallbackPipeline`: hands each event of the runner's stream to the
 * callbacks in order (status → fit → file → custom hooks). An event a
 * callback derives (`fitsComputed`, `fileClosed`) is queued and handed to
 * every callback once the current event has passed them all, so a consumer
 * learns a result from an event, never from a field another one wrote.
 * Every event is frozen before the first callback sees it. A callback that
 * throws is logged and reported, and the others still see the event: a
 * failing consumer cannot corrupt the run.
 *
 * @module
 */
import type {
  CallbackContext,
  DerivedEvent,
  RunnerEvent,
  ScanCallback,
  ScanEvent,
} from "../../scan/events.ts";
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

  /**
   * Delivers `event` to every callback in order, then the events they
   * derived (and those derived from them). Never throws.
   */
  async emit(event: RunnerEvent): Promise<void> {
    const queue: ScanEvent[] = [Object.freeze(event)];
    const context: CallbackContext = {
      emit: (derived: DerivedEvent) => queue.push(Object.freeze(derived)),
    };
    for (let e = queue.shift(); e; e = queue.shift()) {
      for (const callback of this.#callbacks) {
        try {
          await callback.handle(e, context);
        } catch (error) {
          this.#fail(callback.name, e.type, error);
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

  #fail(callback: string, event: ScanEvent["type"], error: unknown): void {
    const failure: CallbackFailure = {
      callback,
      event,
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
