/**
 * The simulated Struck acquisition's timing: which wire positions one
 * acquisition sees. Step mode samples the wire for the acquisition time
 * (normally at rest); fly mode waits for the motor to start, records along
 * its trajectory until it stops, at the sample rate (or a fixed count),
 * so the IOPS and Struck waveforms built from these positions are in step.
 *
 * @module
 */
import { sampleTrajectory, type SimMotor } from "./motor.ts";

/** Timing and size knobs of the simulated hardware. */
export interface SimTiming {
  /** Step-mode acquisition time [s]; default 0.05. 0 completes at once. */
  acquisitionTime: number;
  /** Samples per step-mode acquisition; default 100. */
  samplesPerStep: number;
  /** Fly-mode Struck/IOPS sample rate [Hz]; default 1000. */
  flySampleRate: number;
  /** Fixed sample count per fly acquisition (overrides the rate). */
  flySamples?: number;
  /** Capacity of the data waveforms (elements); default 10000. */
  maxSamples: number;
}

/** Records wire positions for acquisitions; see the module doc. */
export class SimDaq {
  readonly #motor: SimMotor;
  readonly #timing: SimTiming;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #aborts = new Set<() => void>();
  #closed = false;
  #samplePeriod = 0;

  /**
   * @param motor the wire motor
   * @param timing acquisition time, sample counts and rate
   */
  constructor(motor: SimMotor, timing: SimTiming) {
    this.#motor = motor;
    this.#timing = timing;
  }

  /**
   * The wire position of every sample of one acquisition, or undefined when
   * the simulator closed meanwhile.
   *
   * @param fly record along the motion (fly mode) instead of at rest
   */
  async record(fly: boolean): Promise<Float64Array | undefined> {
    const positions = fly ? await this.#fly() : await this.#step();
    return this.#closed ? undefined : positions;
  }

  /** Seconds between two samples of the last recording (0 before one). */
  get samplePeriod(): number {
    return this.#samplePeriod;
  }

  /** Ends every wait at once; pending recordings resolve undefined. */
  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const a of [...this.#aborts]) a();
  }

  async #step(): Promise<Float64Array> {
    const t0 = this.#motor.now();
    if (this.#timing.acquisitionTime > 0) {
      await this.#sleep(this.#timing.acquisitionTime);
    }
    const t1 = this.#motor.now();
    const n = this.#timing.samplesPerStep;
    this.#samplePeriod = n > 1 ? (t1 - t0) / (n - 1) : 0;
    return sampleTrajectory(this.#motor.segmentsSince(t0), {
      t0,
      t1,
      n,
      restPosition: this.#motor.position,
    });
  }

  async #fly(): Promise<Float64Array> {
    const motor = this.#motor;
    const t0 = motor.now();
    if (!motor.moving) {
      const started = await this.#waitMotion(
        true,
        Math.max(2, this.#timing.acquisitionTime),
      );
      if (!started && !motor.moving) {
        // the motor never moved: record the wire at rest
        return this.#step();
      }
    }
    if (motor.moving) await this.#waitMotion(false, Infinity);
    const segments = motor.segmentsSince(t0).filter((s) =>
      s.p1 !== s.p0 || s.t1 > s.t0
    );
    const moving = segments.filter((s) => s.p1 !== s.p0);
    const first = moving[0] ?? segments[0];
    const last = moving[moving.length - 1] ?? first;
    if (!first) return this.#step();
    const start = first.t0;
    const end = last.t1;
    const rateCount = Math.floor((end - start) * this.#timing.flySampleRate) +
      1;
    const n = Math.max(
      2,
      Math.min(this.#timing.maxSamples, this.#timing.flySamples ?? rateCount),
    );
    this.#samplePeriod = (end - start) / (n - 1);
    return end > start
      ? sampleTrajectory(segments, {
        t0: start,
        t1: end,
        n,
        restPosition: first.p0,
      })
      : linear(first.p0, last.p1, n);
  }

  #sleep(seconds: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#timers.delete(t);
        this.#aborts.delete(resolve);
        resolve();
      }, seconds * 1000);
      this.#timers.add(t);
      this.#aborts.add(resolve);
    });
  }

  /** Waits until the motor's moving state is `moving`; false on timeout. */
  #waitMotion(moving: boolean, timeout: number): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      let t: ReturnType<typeof setTimeout> | undefined;
      const done = (ok: boolean) => {
        off();
        if (t !== undefined) {
          clearTimeout(t);
          this.#timers.delete(t);
        }
        this.#aborts.delete(abort);
        resolve(ok);
      };
      const abort = () => done(false);
      const off = this.#motor.onMotion((m) => {
        if (m === moving) done(true);
      });
      this.#aborts.add(abort);
      if (Number.isFinite(timeout)) {
        t = setTimeout(() => done(false), timeout * 1000);
        this.#timers.add(t);
      }
    });
  }
}

function linear(a: number, b: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = n === 1 ? a : a + ((b - a) * i) / (n - 1);
  }
  return out;
}
