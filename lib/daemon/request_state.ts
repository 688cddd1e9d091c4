/**
 * The life of one request as a transition table, in the shape of caproto's
 * `_state.py` and Bluesky's `RunEngineStateMachine`: each state lists the
 * triggers it accepts and the state each leads to; any other trigger is an
 * {@link IllegalTransitionError}. The triggers are the runner's events (a
 * phase event by its phase), the events the callbacks derive, and the
 * bridge's own decisions (`start`, `rejected`, and the final `completed`,
 * `aborted`, `failed`). Pure data and a small machine, no I/O:
 * `ScanStatusCallback` drives it and is the one writer of the status PVs.
 *
 * @example
 * ```ts
 * const machine = new RequestStateMachine();
 * machine.fire("start"); // "VALIDATING"
 * machine.fire("acquiring"); // throws IllegalTransitionError
 * ```
 *
 * @module
 */
import type { ScanEvent } from "../scan/events.ts";
import type { ScanState } from "../pvmap/mod.ts";

/** Everything that can move a request from one state to the next. */
export const REQUEST_TRIGGERS = [
  // the bridge
  "start",
  "rejected",
  "completed",
  "aborted",
  "failed",
  // the runner
  "requestStarted",
  "scanStarted",
  "moving",
  "acquiring",
  "paused",
  "resumed",
  "stepAcquired",
  "progress",
  "scanFinished",
  "requestFinished",
  // the callbacks
  "fitsComputed",
  "fileClosed",
  "fileFailed",
] as const;

/** One of {@link REQUEST_TRIGGERS}. */
export type RequestTrigger = typeof REQUEST_TRIGGERS[number];

/** The states a request ends in; each is held until the next `start`. */
export const FINAL_STATES: readonly ScanState[] = ["DONE", "ABORTED", "ERROR"];

const NEXT_REQUEST = { start: "VALIDATING" } as const;

/**
 * The table: state → trigger → next state. A trigger that maps a state to
 * itself is legal and changes nothing on the PV. `failed` (an internal
 * error) can end any running state; a fault the runner sees still arrives
 * as its `requestFinished`.
 */
export const REQUEST_TRANSITIONS: Readonly<
  Record<ScanState, Readonly<Partial<Record<RequestTrigger, ScanState>>>>
> = {
  IDLE: NEXT_REQUEST,
  VALIDATING: {
    requestStarted: "MOVING",
    rejected: "ERROR",
    aborted: "ABORTED",
    failed: "ERROR",
  },
  MOVING: {
    scanStarted: "MOVING",
    moving: "MOVING",
    acquiring: "ACQUIRING",
    paused: "PAUSED",
    scanFinished: "FITTING",
    requestFinished: "WRITING",
    // the file could not be created: the bridge ends the request
    fileFailed: "MOVING",
    failed: "ERROR",
  },
  ACQUIRING: {
    // acquiring again: the beam dropped and came back during an acquisition
    acquiring: "ACQUIRING",
    stepAcquired: "ACQUIRING",
    // the wire's position while a fly repetition acquires
    progress: "ACQUIRING",
    moving: "MOVING",
    paused: "PAUSED",
    scanFinished: "FITTING",
    requestFinished: "WRITING",
    failed: "ERROR",
  },
  PAUSED: {
    // lost again during the resume delay; back: the runner's next phase
    // (the one the loss interrupted) follows at once and leaves PAUSED
    paused: "PAUSED",
    resumed: "PAUSED",
    moving: "MOVING",
    acquiring: "ACQUIRING",
    scanFinished: "FITTING",
    requestFinished: "WRITING",
    failed: "ERROR",
  },
  FITTING: {
    fitsComputed: "WRITING",
    failed: "ERROR",
  },
  WRITING: {
    // the next repetition (which begins by moving), or the end of the request
    scanStarted: "MOVING",
    moving: "MOVING",
    paused: "PAUSED",
    requestFinished: "WRITING",
    fileClosed: "WRITING",
    // a repetition could not be written: the bridge ends the request
    fileFailed: "WRITING",
    completed: "DONE",
    aborted: "ABORTED",
    failed: "ERROR",
  },
  DONE: NEXT_REQUEST,
  ABORTED: NEXT_REQUEST,
  ERROR: NEXT_REQUEST,
};

/** A trigger the current state does not accept: a bug in the daemon. */
export class IllegalTransitionError extends Error {
  /** The state the machine was in. */
  readonly state: ScanState;
  /** What was refused. */
  readonly trigger: RequestTrigger;

  /**
   * @param state the state the machine was in
   * @param trigger the trigger it does not accept
   */
  constructor(state: ScanState, trigger: RequestTrigger) {
    const legal = Object.keys(REQUEST_TRANSITIONS[state]).join(", ");
    super(
      `illegal transition: ${trigger} in state ${state} (expected one of: ${legal})`,
    );
    this.name = "IllegalTransitionError";
    this.state = state;
    this.trigger = trigger;
  }
}

/** The state `trigger` leads to from `state`, or undefined when illegal. */
export function nextState(
  state: ScanState,
  trigger: RequestTrigger,
): ScanState | undefined {
  return REQUEST_TRANSITIONS[state][trigger];
}

/** The trigger an event of the stream is: a phase event by its phase. */
export function triggerOf(event: ScanEvent): RequestTrigger {
  return event.type === "phase" ? event.phase : event.type;
}

/** The state of one scanner's requests, moved only through the table. */
export class RequestStateMachine {
  #state: ScanState = "IDLE";

  /** The current state. */
  get state(): ScanState {
    return this.#state;
  }

  /** Whether the current state accepts `trigger`. */
  accepts(trigger: RequestTrigger): boolean {
    return nextState(this.#state, trigger) !== undefined;
  }

  /**
   * Moves to the state `trigger` leads to and returns it; throws
   * {@link IllegalTransitionError} (and stays) when the table has no entry.
   */
  fire(trigger: RequestTrigger): ScanState {
    const next = nextState(this.#state, trigger);
    if (next === undefined) {
      throw new IllegalTransitionError(this.#state, trigger);
    }
    this.#state = next;
    return next;
  }
}
