/**
 * `LiveCallback`: the live view of the running repetition on the `LIVE:*`
 * PVs, for any Channel Access client (`fws plot --live`, Phoebus). Per
 * repetition it publishes `LIVE:REP` and `LIVE:DIR`, then clears
 * `LIVE:POS`, `LIVE:<CH>` and `LIVE:FIT:<CH>` to empty arrays; per step
 * (step mode) `LIVE:POS` then each `LIVE:<CH>`, the whole profile so far,
 * each point formed as `profileOf` forms a step's point (`stepPoint`); in
 * fly mode the repetition's profile once read, min/max-decimated to at most
 * {@link LIVE_LENGTH} points; after the fit, `LIVE:FIT:<CH>` = the fitted
 * curve on the `LIVE:POS` positions (empty when the fit failed).
 *
 * Every write goes through a {@link LiveSink} that never blocks: `handle`
 * returns without waiting for Channel Access.
 *
 * @module
 */
import type { ScanCallback, ScanEvent } from "../../scan/events.ts";
import type { DataReading } from "../../scan/collector.ts";
import { stepPoint } from "../../analysis/profile.ts";
import { minMaxIndices } from "../../analysis/decimate.ts";
import { gaussianCurve } from "../../analysis/models.ts";
import { DEFAULT_WIRES, LIVE_LENGTH, type WireSpec } from "../../pvmap/mod.ts";
import { forkCurve } from "../../analysis/wire_fit.ts";
import { log } from "../../log.ts";
import type { LiveSink } from "../live_publisher.ts";

const EMPTY = new Float64Array(0);

/** Publishes the running repetition's profile on the LIVE PVs. */
export class LiveCallback implements ScanCallback {
  readonly name = "live";
  readonly #sink: LiveSink;
  readonly #length: number;
  readonly #wires: readonly WireSpec[];
  readonly #log = log("daemon", "live");
  #mode: "step" | "fly" = "step";
  #struck: readonly string[] = [];
  /** The IOPS channel the fit uses for x (as `GaussFitCallback`). */
  #iops = "";
  /** The profile so far: positions and one signal per channel. */
  #x = new Float64Array(0);
  #y = new Map<string, Float64Array>();
  #n = 0;

  /**
   * @param sink where the values go (a {@link LivePublisher})
   * @param options `length`: most points per array (default NELM of the map);
   *   `wires`: the fork's wires (a fork's LIVE:FIT is each wire's fit)
   */
  constructor(
    sink: LiveSink,
    options: { length?: number; wires?: readonly WireSpec[] } = {},
  ) {
    this.#sink = sink;
    this.#length = options.length ?? LIVE_LENGTH;
    this.#wires = options.wires ?? DEFAULT_WIRES;
  }

  /** Maps one event to the live PVs; never waits for them. */
  handle(event: ScanEvent): void {
    switch (event.type) {
      case "requestStarted":
        this.#mode = event.config.mode;
        this.#struck = event.config.struckChannels;
        this.#iops = event.config.iopsChannels[0] ?? "";
        return;
      case "scanStarted":
        return this.#reset(event.index, event.direction);
      case "stepAcquired":
        if (this.#mode === "fly") return this.#fly(event.reading);
        return this.#step(event.reading, event.readback);
      case "fitsComputed": {
        const x = this.#x.subarray(0, this.#n);
        for (const ch of this.#struck) {
          const fit = event.fits[ch];
          const perWire = event.wires?.[ch];
          // a fork: each wire's fit in its window (the stroke's one Gaussian means nothing)
          this.#sink.publish(
            `live.fit.${ch}`,
            perWire
              ? forkCurve(x, this.#wires, perWire)
              : fit?.ok
              ? gaussianCurve(fit, x, new Float64Array(x.length))
              : EMPTY,
          );
        }
        return;
      }
      case "requestFinished":
        this.#sink.summary("request");
        return;
    }
  }

  #reset(index: number, direction: "forward" | "backward"): void {
    this.#sink.publish("live.rep", index);
    this.#sink.publish("live.dir", direction === "forward" ? 0 : 1);
    this.#x = new Float64Array(this.#mode === "step" ? this.#length : 0);
    this.#y = new Map(this.#struck.map((ch) => [ch, new Float64Array(0)]));
    if (this.#mode === "step") {
      for (const ch of this.#struck) {
        this.#y.set(ch, new Float64Array(this.#length));
      }
    }
    this.#n = 0;
    this.#sink.publish("live.pos", EMPTY);
    for (const ch of this.#struck) this.#sink.publish(`live.daq.${ch}`, EMPTY);
    for (const ch of this.#struck) this.#sink.publish(`live.fit.${ch}`, EMPTY);
  }

  /** Appends the step's point (skipped when not finite in every channel). */
  #step(reading: Readonly<DataReading>, readback: number): void {
    if (this.#n >= this.#length) {
      this.#log.debug("live view full ({n} points): step not shown", {
        n: this.#n,
      });
      return;
    }
    const iops = reading.iops[this.#iops];
    const ys: number[] = [];
    let x = NaN;
    for (const ch of this.#struck) {
      const struck = reading.struck[ch];
      if (!struck) return;
      const p = stepPoint(struck, { iops, readback });
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) return;
      x = p.x;
      ys.push(p.y);
    }
    const i = this.#n++;
    this.#x[i] = x;
    this.#struck.forEach((ch, k) => this.#y.get(ch)![i] = ys[k]);
    // views of [0, n): later steps write beyond them, a reset allocates anew
    this.#publishProfile();
  }

  /** The repetition's profile, decimated so that every channel's envelope stays. */
  #fly(reading: Readonly<DataReading>): void {
    const x = reading.iops[this.#iops];
    if (!x) {
      this.#log.debug("fly live view: no IOPS channel {iops} in the reading", {
        iops: this.#iops,
      });
      return;
    }
    const ys = this.#struck.map((ch) => reading.struck[ch] ?? EMPTY);
    const n = Math.min(x.length, ...ys.map((y) => y.length));
    const keep = this.#flyIndices(ys, n);
    const finite = keep.filter((i) =>
      Number.isFinite(x[i]) && ys.every((y) => Number.isFinite(y[i]))
    );
    this.#x = Float64Array.from(finite, (i) => x[i]);
    this.#struck.forEach((ch, k) =>
      this.#y.set(ch, Float64Array.from(finite, (i) => ys[k][i]))
    );
    this.#n = finite.length;
    this.#publishProfile();
  }

  /** Every index when `n` fits, else the union of each channel's min/max buckets. */
  #flyIndices(ys: Float64Array[], n: number): Uint32Array {
    if (n <= this.#length) return Uint32Array.from({ length: n }, (_, i) => i);
    const buckets = Math.floor(this.#length / (2 * Math.max(1, ys.length)));
    const marks = new Uint8Array(n);
    for (const y of ys) {
      for (const i of minMaxIndices(y, { from: 0, to: n, buckets })) {
        marks[i] = 1;
      }
    }
    let count = 0;
    for (let i = 0; i < n; i++) count += marks[i];
    const out = new Uint32Array(count);
    for (let i = 0, k = 0; i < n; i++) if (marks[i]) out[k++] = i;
    return out;
  }

  #publishProfile(): void {
    this.#sink.publish("live.pos", this.#x.subarray(0, this.#n));
    for (const ch of this.#struck) {
      this.#sink.publish(
        `live.daq.${ch}`,
        this.#y.get(ch)!.subarray(0, this.#n),
      );
    }
  }
}
