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
import {
  failedFit,
  fitProfile,
  summarizeFits,
  type SummaryKey,
} from "../../analysis/mod.ts";
import { log } from "../../log.ts";
import type {
  CallbackContext,
  ScanCallback,
  ScanEvent,
} from "../../scan/events.ts";
import type { ChannelFit, GaussFit } from "../../scan/model.ts";
import { FIT_SUMMARY_PV_FIELDS, fitPvValues } from "../../pvmap/mod.ts";
import type { StatusPublisher } from "../status.ts";
import { releaseMemory } from "../memory.ts";

/** Fits each finished repetition and publishes the results. */
export class GaussFitCallback implements ScanCallback {
  readonly name = "gauss-fit";
  readonly #status: Pick<StatusPublisher, "put">;
  #struck: readonly string[] = [];
  #iops = "";
  /** The request's fits so far, by channel (for the mean ± std PVs). */
  #history = new Map<string, GaussFit[]>();
  readonly #log = log("daemon", "fit");

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
      this.#history.clear();
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
        if (fit.ok && record.status !== "completed") {
          // a repetition cut short is not a measurement of the beam
          fit = {
            ...fit,
            ok: false,
            message: `partial repetition (${record.status}): ${fit.message}`,
          };
        }
        if (!fit.ok) {
          this.#log.warn("{scan} {channel} fit failed: {reason}", {
            scan: record.name,
            channel: ch,
            reason: fit.message,
          });
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
    const history = [...this.#history.get(ch) ?? [], fit];
    this.#history.set(ch, history);
    const summary = summarizeFits(history);
    for (const { field, key, stat } of FIT_SUMMARY_PV_FIELDS) {
      const s = summary[key as SummaryKey];
      if (s) this.#status.put(`fit.${ch}.${field}`, s[stat]);
    }
  }
}
