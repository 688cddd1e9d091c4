/**
 * `ScanStatusCallback`: mirrors the runner's stream on the state, progress
 * and message PVs. The final DONE/ABORTED/ERROR state is set by the bridge
 * once every consumer (fit, file, hooks) has finished with the request.
 *
 * @module
 */
import type { ScanCallback, ScanEvent } from "../../scan/events.ts";
import type { StatusPublisher } from "../status.ts";

/** Publishes state, progress and message for each event. */
export class ScanStatusCallback implements ScanCallback {
  readonly name = "status";
  readonly #status: StatusPublisher;

  /** @param status the publisher of the status PVs */
  constructor(status: StatusPublisher) {
    this.#status = status;
  }

  /** Maps one event to the status PVs. */
  handle(event: ScanEvent): void {
    const s = this.#status;
    switch (event.type) {
      case "requestStarted": {
        const c = event.config;
        const what = c.mode === "step"
          ? `${c.nSteps} steps`
          : `fly at ${c.speed} mm/s`;
        s.set({
          state: "MOVING",
          progress: 0,
          msg:
            `scan started: ${c.nScans} × ${what} from ${c.startPos} to ${c.endPos} mm`,
        });
        break;
      }
      case "scanStarted":
        s.set({ msg: `${event.name} (${event.direction}) started` });
        break;
      case "phase":
        if (event.phase === "moving") s.set({ state: "MOVING" });
        else if (event.phase === "acquiring") s.set({ state: "ACQUIRING" });
        if (event.phase === "paused" || event.phase === "resumed") {
          s.set({ msg: event.detail });
        }
        break;
      case "stepAcquired":
        s.set({ progress: event.progress });
        break;
      case "scanFinished":
        s.set({ msg: `${event.record.name} ${event.record.status}` });
        break;
      case "requestFinished":
        s.set({ msg: `finishing: ${event.message}` });
        break;
    }
  }
}
