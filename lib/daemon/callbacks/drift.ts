/**
 * `DriftCallback`: compares each repetition's fits with the scanner's
 * reference scan (`fws index <dir> --reference FILE`, lib/history
 * reference.ts) and publishes the drift on FIT:<CH>:DRIFT (in combined
 * standard errors; MINOR ≥ 3, MAJOR ≥ 5 in the generated database and the
 * simulator) and FIT:<CH>:DRIFT_REL (σ's relative change). Without a
 * reference nothing is published. The reference file is read once per
 * mark; a missing or unreadable one is said once in the log and never
 * fails the request.
 *
 * @module
 */
import type { ScanCallback, ScanEvent } from "../../scan/events.ts";
import {
  describeReference,
  driftOf,
  readReference,
  type ReferenceValues,
  referenceValues,
} from "../../history/reference.ts";
import { DRIFT_ALARM } from "../../pvmap/mod.ts";
import type { StatusPublisher } from "../status.ts";
import { log } from "../../log.ts";

/** Publishes each repetition's drift from the reference. */
export class DriftCallback implements ScanCallback {
  readonly name = "drift";
  readonly #dataDir: string;
  readonly #status: Pick<StatusPublisher, "put">;
  readonly #log = log("daemon", "drift");
  /** The reference's values, by the mark they came from. */
  #cached?: { key: string; values: Record<string, ReferenceValues> };
  #said = "";

  /**
   * @param dataDir where the reference mark is
   * @param status publisher of the drift PVs
   */
  constructor(dataDir: string, status: Pick<StatusPublisher, "put">) {
    this.#dataDir = dataDir;
    this.#status = status;
  }

  /** On `fitsComputed`: the drift of each channel's fit. Never throws. */
  async handle(event: ScanEvent): Promise<void> {
    if (event.type !== "fitsComputed") return;
    const values = await this.#reference();
    if (!values) return;
    for (const [ch, fit] of Object.entries(event.fits)) {
      const ref = values[ch];
      if (!ref || !fit.ok) continue;
      const d = driftOf(fit, ref);
      this.#status.put(`fit.${ch}.drift`, d.z);
      this.#status.put(`fit.${ch}.driftRel`, d.relative);
      if (d.z >= DRIFT_ALARM.hihi) {
        this.#log.warn(
          "{scan} {channel} drifted {z} combined errors from the reference (σ {rel})",
          {
            scan: event.record.name,
            channel: ch,
            z: d.z.toFixed(1),
            rel: `${(100 * d.relative).toFixed(1)} %`,
          },
        );
      }
    }
  }

  async #reference(): Promise<Record<string, ReferenceValues> | undefined> {
    const { mark, problem } = await readReference(this.#dataDir);
    if (problem) return this.#once(problem);
    if (!mark) return undefined;
    let stat: Deno.FileInfo;
    try {
      stat = await Deno.stat(mark.file);
    } catch (error) {
      return this.#once(
        `reference ${mark.file} cannot be read (${
          (error as Error).message
        }); no drift published`,
      );
    }
    const key =
      `${mark.file}\u0000${mark.marked}\u0000${stat.mtime?.getTime()}`;
    if (this.#cached?.key === key) return this.#cached.values;
    try {
      const values = await referenceValues(mark.file);
      this.#cached = { key, values };
      this.#log.info("drift against the reference {ref}", {
        ref: describeReference(mark),
      });
      return values;
    } catch (error) {
      return this.#once(
        `reference ${mark.file} is not a readable scan file (${
          (error as Error).message
        }); no drift published`,
      );
    }
  }

  #once(message: string): undefined {
    if (this.#said !== message) {
      this.#said = message;
      this.#log.warn("{message}", { message });
    }
    return undefined;
  }
}
