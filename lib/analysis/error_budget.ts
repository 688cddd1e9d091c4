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

/** Buckets beyond this size are sorted natively (clustered positions). */
const BUCKET_MAX = 64;

/**
 * `x` sorted ascending, into a new array. Positions spread over their range
 * (a stroke's samples) are put into one bucket per point and the few in
 * each bucket ordered by insertion: O(n), where the native sort of a fly
 * profile's 1e6 noisy positions takes ~170 ms. Clustered positions (a
 * bucket beyond BUCKET_MAX) fall back to the native sort.
 */
function sortedPositions(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
  }
  if (n < 2 * BUCKET_MAX || !(hi > lo) || !Number.isFinite(hi - lo)) {
    return Float64Array.from(x).sort();
  }
  const scale = (n - 1) / (hi - lo);
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[Math.floor((x[i] - lo) * scale) + 1]++;
  for (let b = 0; b < n; b++) {
    if (start[b + 1] > BUCKET_MAX) return Float64Array.from(x).sort();
    start[b + 1] += start[b];
  }
  const out = new Float64Array(n);
  const fill = start.slice(0, n);
  for (let i = 0; i < n; i++) {
    out[fill[Math.floor((x[i] - lo) * scale)]++] = x[i];
  }
  // buckets are in order; inside each, at most BUCKET_MAX to order
  for (let i = 1; i < n; i++) {
    const v = out[i];
    let j = i - 1;
    while (j >= 0 && out[j] > v) {
      out[j + 1] = out[j];
      j--;
    }
    out[j + 1] = v;
  }
  return out;
}

/**
 * The error budget of `sigma ± sigmaErr` fitted to `profile` (the points
 * the fit used) of `scan`, measured with a wire of `diameter`; for a fork's
 * wire, its points in beam coordinates and the wire's `scale`.
 *
 * @example
 * ```ts
 * const budget = errorBudget(scan, profile, fit, { iops: "ch1", diameter: 0.03 });
 * if (budget.belowFloor) console.warn(`σ below the floor ${budget.floor}`);
 * ```
 */
export function errorBudget(
  scan: Readonly<ScanRecord>,
  profile: Readonly<Pick<Profile, "x">>,
  fit: { sigma: number; sigmaErr: number },
  options: {
    iops: string;
    diameter?: number;
    /** Beam per stage coordinate (a fork's wire); the readout is scaled. */
    scale?: number;
  },
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
    readout = Math.abs(options.scale ?? 1) * perSample /
      Math.sqrt(Math.max(1, n));
  }
  const xs = sortedPositions(profile.x);
  // the positive gaps between neighbours, in place of the positions
  let m = 0;
  for (let i = 1; i < xs.length; i++) {
    const g = xs[i] - xs[i - 1];
    if (g > 0) xs[m++] = g;
  }
  const h = median(xs.subarray(0, m));
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
