/**
 * Gaussian fit of a beam profile: `f(x) = A·exp(−(x−μ)²/(2σ²)) + c`, with
 * standard errors as scipy's `curve_fit` reports them, and model-free
 * centroid and RMS width. Never throws: a profile without a usable peak
 * gives `ok = false` and a reason.
 *
 * @module
 */
import type { GaussFit } from "../scan/model.ts";
import {
  FWHM_PER_SIGMA,
  type GaussParams,
  initialGuess,
} from "./initial_guess.ts";
import { type DataSums, loadFitData } from "./kernels/mod.ts";
import { levenbergMarquardt, type LmStop } from "./levenberg_marquardt.ts";
import { invertSym4 } from "./sym4.ts";
import { FIT_FLOAT_FIELDS } from "./fit_fields.ts";
import { gaussian } from "./models.ts";

/** Options of {@linkcode fitGaussian}. Defaults are scipy `curve_fit`'s. */
export interface FitOptions {
  /**
   * Weight of each point, `wᵢ = 1/σᵢ²` where `σᵢ` is the point's standard
   * deviation — i.e. curve_fit's `sigma=σ` corresponds to
   * `weights = 1/σ²`. The fit minimizes `Σ wᵢ·rᵢ²`; errors are still scaled
   * by the reduced χ² (curve_fit's default `absolute_sigma=False`).
   * Must be finite and ≥ 0; points of weight 0 do not count.
   */
  weights?: Float64Array;
  /** Where the weights come from, recorded in the result (`weighting`). */
  weighting?: string;
  /** How each point was formed from the samples, recorded in the result. */
  points?: string;
  /** Relative reduction of χ² considered converged (default 1.49012e-8). */
  ftol?: number;
  /** Relative change of the parameters considered converged (default 1.49012e-8). */
  xtol?: number;
  /** Orthogonality of residuals and Jacobian considered converged (default 0). */
  gtol?: number;
  /** Maximum number of model evaluations (default 1000). */
  maxEvaluations?: number;
  /** Polish the converged fit until its next step is shorter than this
   * many standard errors (default 10⁻⁷: curve_fit's minimum to 10⁻⁶). */
  polishTolerance?: number;
  /** Starting parameters instead of {@linkcode initialGuess}. */
  initial?: GaussParams;
}

/** Minimum number of points (with non-zero weight) for a fit of 4 parameters. */
export const MIN_POINTS = 5;

/** Amplitude must exceed this many standard errors to count as a peak (the
 * customary 5σ: with thousands of points noise alone makes 3σ bumps). */
export const MIN_SIGNIFICANCE = 5;

/** curve_fit's (MINPACK's) default ftol and xtol. */
export const DEFAULT_TOL = 1.49012e-8;

/** What each stopping rule means, for a fit's `message`. */
export const STOP_MESSAGES: Readonly<Record<LmStop, string>> = {
  ftol:
    "converged: actual and predicted relative reductions of chi-square are at most ftol",
  xtol: "converged: relative change of the parameters is at most xtol",
  gtol: "converged: residuals are orthogonal to the Jacobian within gtol",
  exact: "converged: the model fits the data exactly",
  maxEvaluations:
    "not converged: the maximum number of evaluations was reached",
  nonFinite: "not converged: the model became non-finite",
  singular:
    "not converged: the normal equations are singular (parameters not determined)",
};

/**
 * A fit result with `ok=false`, the reason, and NaN for every number: what a
 * caller reports when it could not even build the profile to fit.
 */
export function failedFit(
  message: string,
  counts?: { nPoints?: number; iterations?: number; nEvaluations?: number },
  how: Pick<FitOptions, "weights" | "weighting" | "points"> = {},
): GaussFit {
  return {
    ok: false,
    message,
    amplitude: NaN,
    center: NaN,
    sigma: NaN,
    offset: NaN,
    amplitudeErr: NaN,
    centerErr: NaN,
    sigmaErr: NaN,
    offsetErr: NaN,
    chi2Red: NaN,
    residualRms: NaN,
    rSquared: NaN,
    fwhm: NaN,
    rms: NaN,
    centroid: NaN,
    nPoints: counts?.nPoints ?? 0,
    iterations: counts?.iterations ?? 0,
    nEvaluations: counts?.nEvaluations ?? 0,
    ...provenance(how),
  };
}

/** What a result records of how its points were formed and weighted. */
function provenance(
  how: Pick<FitOptions, "weights" | "weighting" | "points">,
): Pick<GaussFit, "weighting" | "points"> {
  return {
    weighting: how.weights
      ? how.weighting ?? "1/sigma^2 (caller's weights)"
      : "none",
    points: how.points ?? "",
  };
}

/** The first problem with the inputs, or "" when they are usable. */
export function checkInputs(
  x: Float64Array,
  y: Float64Array,
  w: Float64Array | undefined,
): string {
  if (!(x instanceof Float64Array) || !(y instanceof Float64Array)) {
    return "x and y must be Float64Array";
  }
  if (x.length !== y.length) {
    return `x and y must have the same length (got ${x.length} and ${y.length})`;
  }
  if (
    w !== undefined && (!(w instanceof Float64Array) || w.length !== x.length)
  ) {
    return `weights must be a Float64Array of length ${x.length}`;
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) {
      return `non-finite input at index ${i} (x=${x[i]}, y=${y[i]})`;
    }
    if (w !== undefined && !(w[i] >= 0 && w[i] < Infinity)) {
      return `weights[${i}] must be finite and >= 0 (got ${w[i]})`;
    }
  }
  return "";
}

/** Points with non-zero weight, compacted (a view of the input when all count). */
export function usable(
  x: Float64Array,
  y: Float64Array,
  w: Float64Array | undefined,
): { x: Float64Array; y: Float64Array; w: Float64Array | undefined } {
  if (w === undefined) return { x, y, w };
  let n = 0;
  let allOne = true;
  for (let i = 0; i < w.length; i++) {
    if (w[i] > 0) n++;
    if (w[i] !== 1) allOne = false;
  }
  if (allOne) return { x, y, w: undefined };
  if (n === w.length) return { x, y, w };
  const cx = new Float64Array(n), cy = new Float64Array(n);
  const cw = new Float64Array(n);
  for (let i = 0, j = 0; i < w.length; i++) {
    if (w[i] > 0) (cx[j] = x[i]), (cy[j] = y[i]), (cw[j++] = w[i]);
  }
  return { x: cx, y: cy, w: cw };
}

/**
 * Fits `A·exp(−(x−μ)²/(2σ²)) + c` to the profile `(x, y)` by
 * Levenberg–Marquardt (analytic Jacobian, MINPACK stopping rules).
 *
 * Standard errors are `√diag((JᵀWJ)⁻¹·χ²_red)` at the solution, exactly
 * what `scipy.optimize.curve_fit` reports by default, with
 * `χ²_red = Σ wᵢ rᵢ² / (n − 4)`. `rSquared` is `1 − Σwr²/Σw(y−ȳ_w)²`.
 * `centroid` and `rms` are the first moment and the RMS width of
 * `y − offset` over the points within ±3·FWHM of the fitted centre (of its
 * positive part when noise leaves the plain moments undefined).
 *
 * `ok` is false — with NaN for every fitted number and a `message` saying
 * why — for invalid or non-finite input, fewer than 5 points, a flat
 * profile or a dip, a fit that did not converge, a singular covariance, an
 * amplitude below 5 standard errors (no significant peak; a 3σ threshold
 * let through 3–6 % of pure-noise profiles of 10³–10⁴ points), or a centre
 * outside the scanned x range. Never throws.
 *
 * @example
 * ```ts
 * const fit = fitGaussian(x, y);
 * if (fit.ok) console.log(`${fit.center} ± ${fit.centerErr} mm`);
 * else console.log(`no fit: ${fit.message}`);
 * ```
 */
export function fitGaussian(
  x: Float64Array,
  y: Float64Array,
  options: FitOptions = {},
): GaussFit {
  try {
    return fit(x, y, options);
  } catch (error) {
    return failedFit(
      `fit failed unexpectedly: ${(error as Error)?.message}`,
      undefined,
      options,
    );
  }
}

function fit(x: Float64Array, y: Float64Array, options: FitOptions): GaussFit {
  const problem = checkInputs(x, y, options.weights);
  if (problem) return failedFit(problem, undefined, options);
  const data = usable(x, y, options.weights);
  const n = data.x.length;
  if (n < MIN_POINTS) {
    return failedFit(
      `too few points: ${n} with non-zero weight, at least ${MIN_POINTS} needed`,
      { nPoints: n },
      options,
    );
  }
  let start: GaussParams;
  if (options.initial) start = options.initial;
  else {
    const guess = initialGuess(data.x, data.y);
    if (!guess.ok) return failedFit(guess.message, { nPoints: n }, options);
    start = guess;
  }
  const p = new Float64Array([
    start.amplitude,
    start.center,
    start.sigma,
    start.offset,
  ]);
  const h = new Float64Array(16);
  const kernel = loadFitData(data);
  const lm = levenbergMarquardt(kernel, p, h, {
    ftol: options.ftol ?? DEFAULT_TOL,
    xtol: options.xtol ?? DEFAULT_TOL,
    gtol: options.gtol ?? 0,
    maxEvaluations: options.maxEvaluations ?? 1000,
    polishTolerance: options.polishTolerance,
  });
  const counts = {
    nPoints: n,
    iterations: lm.iterations,
    nEvaluations: lm.nEvaluations,
  };
  const stopMessage = `${
    STOP_MESSAGES[lm.stop]
  } (${lm.iterations} iterations, ${lm.nEvaluations} evaluations)`;
  if (!["ftol", "xtol", "gtol", "exact"].includes(lm.stop)) {
    return failedFit(stopMessage, counts, options);
  }
  const [amplitude, center, sigmaSigned, offset] = p;
  const sigma = Math.abs(sigmaSigned);
  if (!(amplitude > 0)) {
    return failedFit(
      `no peak: the fitted amplitude ${
        amplitude.toPrecision(4)
      } is not positive (a dip)`,
      counts,
      options,
    );
  }
  const cov = new Float64Array(16);
  if (!invertSym4(h, cov, new Float64Array(24))) {
    return failedFit(
      "the covariance is singular: the parameters are not determined by the data",
      counts,
      options,
    );
  }
  // Errors are scaled by the weighted residual variance (curve_fit's
  // absolute_sigma=False); it is a reduced χ² only when the weights are 1/σᵢ².
  const scale = lm.chi2 / (n - 4);
  const err = [0, 1, 2, 3].map((i) => Math.sqrt(cov[i * 5] * scale));
  if (!(amplitude >= MIN_SIGNIFICANCE * err[0])) {
    return failedFit(
      `no significant peak: amplitude ${amplitude.toPrecision(4)} ± ${
        err[0].toPrecision(2)
      } is below ${MIN_SIGNIFICANCE} standard errors`,
      counts,
      options,
    );
  }
  const fwhm = FWHM_PER_SIGMA * sigma;
  const stats = dataStatistics(kernel.sums(offset, center, 3 * fwhm), center);
  if (center < stats.xmin || center > stats.xmax) {
    return failedFit(
      `no peak in the scanned range: fitted centre ${
        center.toPrecision(6)
      } is outside [${stats.xmin}, ${stats.xmax}]`,
      counts,
      options,
    );
  }
  if (!(stats.rms >= 0) || !Number.isFinite(stats.centroid)) {
    return failedFit(
      "no peak: the background-subtracted signal around the fitted centre is not positive",
      counts,
      options,
    );
  }
  const result: GaussFit = {
    ok: true,
    message: stopMessage,
    amplitude,
    center,
    sigma,
    offset,
    amplitudeErr: err[0],
    centerErr: err[1],
    sigmaErr: err[2],
    offsetErr: err[3],
    chi2Red: options.weights ? scale : NaN,
    // unweighted, the LM's own sum is the residuals' (no second pass)
    residualRms: options.weights
      ? residualRms(data, p)
      : Math.sqrt(lm.chi2 / (n - 4)),
    rSquared: 1 - lm.chi2 / stats.ssTot,
    fwhm,
    rms: stats.rms,
    centroid: stats.centroid,
    ...counts,
    ...provenance(options),
  };
  const bad = FIT_FLOAT_FIELDS.find((f) =>
    !Number.isFinite(result[f.key]) &&
    !(f.key === "chi2Red" && !options.weights)
  )?.key;
  if (bad) {
    return failedFit(`the fit gave a non-finite ${bad}`, counts, options);
  }
  return result;
}

/** `√(Σrᵢ²/(n−4))` of the unweighted residuals at parameters `p`. */
function residualRms(
  data: { x: Float64Array; y: Float64Array },
  p: Float64Array,
): number {
  const [amplitude, center, sigma, offset] = p;
  let ss = 0;
  for (let i = 0; i < data.x.length; i++) {
    const r = data.y[i] -
      gaussian({ amplitude, center, sigma, offset }, data.x[i]);
    ss += r * r;
  }
  return Math.sqrt(ss / (data.x.length - 4));
}

/**
 * From the data's sums (one pass in the kernels, `DataSums`): x range,
 * weighted total sum of squares `Σw(y − ȳ_w)²`, and the first two moments
 * of `y − offset` within the window around `center` (of its positive part
 * when the plain ones are undefined; sums shifted by `offset` and
 * `center`, so large offsets cost no precision).
 */
function dataStatistics(
  s: DataSums,
  center: number,
): {
  xmin: number;
  xmax: number;
  ssTot: number;
  centroid: number;
  rms: number;
} {
  let shift = s.sud / s.su;
  let variance = s.sudd / s.su - shift * shift;
  if (!(s.su > 0 && variance > 0)) {
    // Noise made the plain moments undefined: use the positive part only.
    shift = s.spd / s.sp;
    variance = s.spdd / s.sp - shift * shift;
  }
  return {
    xmin: s.xmin,
    xmax: s.xmax,
    ssTot: s.s2 - s.s1 * s.s1 / s.sw,
    centroid: center + shift,
    rms: Math.sqrt(variance),
  };
}
