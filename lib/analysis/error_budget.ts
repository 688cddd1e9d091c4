/**
 * The error budget of a fitted σ: what limits how small a beam the scan
 * can measure, beside the fit's own statistical error. The contributions,
 * each a width in the position's units, added in quadrature:
 *
 * - statistical: the fit's standard error of σ;
 * - wire: a round wire of diameter d averages the beam over its chord,
 *   a variance of d²/16, so d/4;
 * - readout: the position sensor's noise, from its two channels (IOPS ch1
 *   against ch2: std of the difference / √2, per sample; over √n for a
 *   step's mean of n samples); absent with one channel;
 * - sampling: the spacing h between points (median step), h/√12, with the
 *   points per σ (σ/h) beside it.
 *
 * Their quadrature sum is the floor: a σ below it cannot be told from the
 * instrument's own width and is flagged.
 *
 * @module
 */
import type { ErrorBudget, ScanRecord } from "../scan/model.ts";
import type { Profile } from "./profile.ts";
import { rowsOf } from "./profile.ts";
import { median } from "./statistics.ts";

export type { ErrorBudget };

/** Sample standard deviation of the finite values of `a − b` (NaN below 2). */
function differenceStd(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0, sum = 0, sq = 0;
  const len = Math.min(a.length, b.length);
  for (let i = 0; i < len; i++) {
    const d = a[i] - b[i];
    if (!Number.isFinite(d)) continue;
    n++;
    sum += d;
    sq += d * d;
  }
  if (n < 2) return NaN;
  const mean = sum / n;
  return Math.sqrt(Math.max(0, (sq - n * mean * mean) / (n - 1)));
}

/**
 * The error budget of `sigma ± sigmaErr` fitted to `profile` (the points
 * the fit used) of `scan`, measured with a wire of `diameter`.
 *
 * @example
 * ```ts
 * const budget = errorBudget(scan, profile, fit, { iops: "ch1", diameter: 0.03 });
 * if (budget.belowFloor) console.warn(`σ below the floor ${budget.floor}`);
 * ```
 */
export function errorBudget(
  scan: Readonly<ScanRecord>,
  profile: Readonly<Profile>,
  fit: { sigma: number; sigmaErr: number },
  options: { iops: string; diameter?: number },
): ErrorBudget {
  const wire = (options.diameter ?? 0) / 4;
  const names = Object.keys(scan.iops);
  const other = names.find((n) => n !== options.iops);
  let readout = NaN;
  const own = scan.iops[options.iops];
  if (own && other) {
    const perSample = differenceStd(own.data, scan.iops[other].data) /
      Math.SQRT2;
    const n = scan.mode === "step" ? rowsOf(own).cols : 1;
    readout = perSample / Math.sqrt(Math.max(1, n));
  }
  const xs = Float64Array.from(profile.x).sort();
  const gaps = new Float64Array(Math.max(0, xs.length - 1));
  for (let i = 1; i < xs.length; i++) gaps[i - 1] = xs[i] - xs[i - 1];
  const h = median(gaps.filter((g) => g > 0));
  const sampling = h / Math.sqrt(12);
  const sigma = Math.abs(fit.sigma);
  const parts = [fit.sigmaErr, wire, readout, sampling].filter((v) =>
    Number.isFinite(v)
  );
  const floor = Math.sqrt(parts.reduce((a, v) => a + v * v, 0));
  return {
    statistical: fit.sigmaErr,
    wire,
    readout,
    sampling,
    pointsPerSigma: sigma / h,
    floor,
    belowFloor: !(sigma > floor),
  };
}
