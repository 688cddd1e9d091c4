/**
 * `GaussFitCallback`: fits `A·exp(−(x−μ)²/(2σ²)) + c` to the profile of
 * every struck channel of each finished repetition (the one definition of
 * the profile and its weighting, `fitProfile`), publishes those of the
 * last repetition on the `FIT:<CH>:…` PVs, and emits them as a
 * `fitsComputed` event for the file and the hooks (the record it was handed
 * is left as it was).
 *
 * @module
 */
import { failedFit, fitProfile } from "../../analysis/mod.ts";
import type {
  CallbackContext,
  ScanCallback,
  ScanEvent,
} from "../../scan/events.ts";
import type { ChannelFit, GaussFit } from "../../scan/model.ts";
import { fitPvValues } from "../../pvmap/mod.ts";
import type { StatusPublisher } from "../status.ts";
import { releaseMemory } from "../memory.ts";

/** Fits each finished repetition and publishes the results. */
export class GaussFitCallback implements ScanCallback {
  readonly name = "gauss-fit";
  readonly #status: Pick<StatusPublisher, "put">;
  #struck: readonly string[] = [];
  #iops = "";

  /** @param status publisher of the fit PVs */
  constructor(status: Pick<StatusPublisher, "put">) {
    this.#status = status;
  }

  /**
   * Fits on `scanFinished` and emits `fitsComputed` (always, even when a
   * fit failed, so the file gets the repetition); remembers the channels on
   * `requestStarted`.
   */
  handle(event: ScanEvent, context: CallbackContext): void {
    if (event.type === "requestStarted") {
      this.#struck = event.config.struckChannels;
      this.#iops = event.config.iopsChannels[0] ?? "";
      return;
    }
    if (event.type !== "scanFinished") return;
    const record = event.record;
    const fits: Record<string, Readonly<ChannelFit>> = {};
    try {
      if (record.timestamps.length === 0) return;
      for (const ch of this.#struck) {
        if (!record.struck[ch]) continue;
        let fit: GaussFit;
        try {
          fit = fitProfile(record, ch, this.#iops).fit;
        } catch (error) {
          fit = failedFit((error as Error).message);
        }
        fits[ch] = Object.freeze({ ...fit, iopsChannel: this.#iops });
        this.#publish(ch, fit);
        releaseMemory(record.struck[ch].data.length);
      }
    } finally {
      context.emit({ type: "fitsComputed", record, fits: Object.freeze(fits) });
    }
  }

  #publish(ch: string, fit: GaussFit): void {
    for (const [field, value] of fitPvValues(fit)) {
      this.#status.put(`fit.${ch}.${field}`, value);
    }
  }
}
