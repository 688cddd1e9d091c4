/**
 * `ScanStatusCallback`: the one writer of `SCAN:STATE`, `SCAN:MSG` and
 * `SCAN:PROGRESS` (and `SCAN:FILE`). It lives as long as the daemon: the
 * bridge tells it when a request is taken and how it ended, and as the
 * first consumer of each request's stream it sees every event, runner's
 * and derived. Every state change goes through the request state table
 * (`request_state.ts`), so a state the table does not allow is an error,
 * never a flicker on the PV.
 *
 * @module
 */
import type { ScanCallback, ScanEvent } from "../../scan/events.ts";
import { log } from "../../log.ts";
import type { ScanState } from "../../pvmap/mod.ts";
import {
  FINAL_STATES,
  RequestStateMachine,
  type RequestTrigger,
  triggerOf,
} from "../request_state.ts";
import type { StatusPublisher, StatusSnapshot } from "../status.ts";

/** What the operator is shown when a request has ended. */
export interface RequestFinal {
  state: ScanState;
  /** The message, with the file when one was closed. */
  msg: string;
  /** The file closed for this request ("" when none). */
  file: string;
}

/** How the bridge ends a request. */
export interface RequestEnd {
  /** `rejected`: bad inputs; `failed`: any other error. */
  trigger: "completed" | "aborted" | "rejected" | "failed";
  message: string;
}

/** Drives the state table and publishes state, progress and message. */
export class ScanStatusCallback implements ScanCallback {
  readonly name = "status";
  readonly #status: StatusPublisher;
  readonly #machine = new RequestStateMachine();
  readonly #log = log("daemon", "status");
  /** The file the current request closed ("" until `fileClosed`). */
  #file = "";
  /** Why the file has another name than intended, if it has. */
  #fileNote?: string;
  /** The repetition being run, for the step messages. */
  #scan = { name: "", direction: "" };
  /** Failed fits of the request by channel: the repetitions, the first reason. */
  #failedFits = new Map<string, { scans: string[]; reason: string }>();

  /** @param status the publisher of the status PVs */
  constructor(status: StatusPublisher) {
    this.#status = status;
  }

  /** The state of the table. */
  get state(): ScanState {
    return this.#machine.state;
  }

  /** Publishes IDLE: the daemon is ready for requests. */
  ready(): void {
    this.#status.set({
      state: this.#machine.state,
      msg: "daemon ready",
      progress: 0,
    });
  }

  /** A request was taken from `SCAN:START`: VALIDATING. */
  requestTaken(): void {
    this.#file = "";
    this.#fileNote = undefined;
    this.#failedFits.clear();
    // SCAN:FILE names this request's file or nothing, never the last one's
    this.#move("start", {
      progress: 0,
      msg: "validating the request",
      file: "",
    });
  }

  /** Shows a message without changing the state (e.g. a refused request). */
  note(msg: string): void {
    this.#status.set({ msg });
  }

  /**
   * Ends the request: DONE, ABORTED or ERROR with `end.message` and the
   * file closed for it. An end the table refuses is logged as an error and
   * shown as ERROR, so the daemon always takes the next request.
   */
  finish(end: RequestEnd): RequestFinal {
    const file = this.#file;
    const fits = [...this.#failedFits].map(([ch, f]) =>
      `${ch} fit failed in ${f.scans.join(", ")}: ${f.reason}`
    );
    const told = [end.message, ...fits].join("; ");
    const note = this.#fileNote ? ` (${this.#fileNote})` : "";
    const msg = file ? `${told}; file ${file}${note}` : told;
    let trigger: RequestTrigger = end.trigger;
    if (!this.#machine.accepts(trigger)) {
      this.#log.error("request ended as {trigger} in state {state}: {msg}", {
        trigger,
        state: this.#machine.state,
        msg,
      });
      trigger = "failed";
    }
    this.#move(trigger, {
      msg,
      ...(end.trigger === "completed" ? { progress: 100 } : {}),
      file,
    });
    if (!FINAL_STATES.includes(this.#machine.state)) {
      throw new Error(
        `expected a final state after ${trigger}, got ${this.#machine.state}`,
      );
    }
    return { state: this.#machine.state, msg, file };
  }

  /** Maps one event to the table and the status PVs. */
  handle(event: ScanEvent): void {
    const trigger = triggerOf(event);
    switch (event.type) {
      case "requestStarted": {
        const c = event.config;
        const what = c.mode === "step"
          ? `${c.nSteps} steps`
          : `fly at ${c.speed} mm/s`;
        return this.#move(trigger, {
          progress: 0,
          msg:
            `scan started: ${c.nScans} × ${what} from ${c.startPos} to ${c.endPos} mm`,
        });
      }
      case "scanStarted":
        this.#scan = { name: event.name, direction: event.direction };
        return this.#move(trigger, {
          msg: `${event.name} (${event.direction}) started`,
          step: 0,
        });
      case "phase":
        return this.#move(
          trigger,
          event.phase === "paused" || event.phase === "resumed"
            ? { msg: event.detail }
            : {},
        );
      case "stepAcquired": {
        const { name, direction } = this.#scan;
        return this.#move(
          trigger,
          event.nSteps > 1
            ? {
              progress: event.progress,
              step: event.step + 1,
              msg: `${name} step ${
                event.step + 1
              }/${event.nSteps} (${direction})`,
            }
            : {
              progress: event.progress,
              msg: `${name} (${direction}) acquired`,
            },
          { quiet: true },
        );
      }
      case "progress":
        return this.#move(trigger, { progress: event.progress });
      case "scanFinished":
        return this.#move(trigger, {
          msg: `${event.record.name} ${event.record.status}`,
          step: 0,
        });
      case "requestFinished":
        return this.#move(trigger, { msg: `finishing: ${event.message}` });
      case "fileClosed":
        this.#file = event.path;
        this.#fileNote = event.note;
        return this.#move(trigger, {});
      case "fileFailed":
        return this.#move(trigger, { msg: event.message });
      case "fitsComputed": {
        const failed = Object.entries(event.fits).filter(([, f]) => !f.ok);
        for (const [ch, f] of failed) {
          const seen = this.#failedFits.get(ch);
          if (seen) seen.scans.push(event.record.name);
          else {
            this.#failedFits.set(ch, {
              scans: [event.record.name],
              reason: f.message,
            });
          }
        }
        return this.#move(
          trigger,
          failed.length > 0
            ? {
              msg: failed.map(([ch, f]) => `${ch} fit failed: ${f.message}`)
                .join("; "),
            }
            : {},
        );
      }
    }
  }

  /** Fires `trigger` (throws when illegal), then publishes the state. */
  #move(
    trigger: RequestTrigger,
    update: Omit<Partial<StatusSnapshot>, "state">,
    options: { quiet?: boolean } = {},
  ): void {
    const state = this.#machine.fire(trigger);
    this.#status.set({ ...update, state }, options);
  }
}
