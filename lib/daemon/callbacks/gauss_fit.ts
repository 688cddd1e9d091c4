/**
 * `GaussFitCallback`: fits `A·exp(−(x−μ)²/(2σ²)) + c` to the profile of
 * every struck channel of each finished repetition (the one definition of
 * the profile, `profileOf` from the analysis module), stores the fits in the
 * record for the file, and publishes those of the last repetition on the
 * `FIT:<CH>:…` PVs.
 *
 * @module
 */
import { failedFit, fitGaussian, profileOf } from "../../analysis/mod.ts";
import type { ScanCallback, ScanEvent } from "../../scan/events.ts";
import type { ChannelFit, GaussFit } from "../../scan/model.ts";
import type { FIT_FIELDS } from "../interface.ts";
import type { StatusPublisher } from "../status.ts";
import { releaseMemory } from "../memory.ts";

/** Fits each finished repetition and publishes the results. */
export class GaussFitCallback implements ScanCallback {
  readonly name = "gauss-fit";
  readonly #status: StatusPublisher;
  #struck: string[] = [];
  #iops = "";

  /** @param status publisher used for the state and the fit PVs */
  constructor(status: StatusPublisher) {
    this.#status = status;
  }

  /** Fits on `scanFinished`; remembers the channels on `requestStarted`. */
  handle(event: ScanEvent): void {
    if (event.type === "requestStarted") {
      this.#struck = event.config.struckChannels;
      this.#iops = event.config.iopsChannels[0] ?? "";
      return;
    }
    if (event.type !== "scanFinished") return;
    const record = event.record;
    if (record.timestamps.length === 0) return;
    this.#status.set({ state: "FITTING" });
    for (const ch of this.#struck) {
      if (!record.struck[ch]) continue;
      let fit: GaussFit;
      try {
        const { x, y } = profileOf(record, ch, this.#iops);
        fit = fitGaussian(x, y);
      } catch (error) {
        fit = failedFit((error as Error).message);
      }
      const stored: ChannelFit = { ...fit, iopsChannel: this.#iops };
      record.fits[ch] = stored;
      this.#publish(ch, fit);
      releaseMemory(record.struck[ch].data.length);
    }
  }

  #publish(ch: string, fit: GaussFit): void {
    const values: Record<keyof typeof FIT_FIELDS, number> = {
      center: fit.center,
      sigma: fit.sigma,
      amplitude: fit.amplitude,
      offset: fit.offset,
      centerErr: fit.centerErr,
      sigmaErr: fit.sigmaErr,
      chi2: fit.chi2Red,
      ok: fit.ok ? 1 : 0,
    };
    for (const [key, value] of Object.entries(values)) {
      this.#status.put(`fit.${ch}.${key}`, value);
    }
  }
}
