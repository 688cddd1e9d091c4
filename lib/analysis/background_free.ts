/**
 * Statistics of a profile that a background cannot bias: the fitted
 * background is subtracted first, and the moments are taken within a
 * stated cut. Plus an FWHM that is defined on every profile with a peak.
 * Never throws.
 *
 * @module
 */
import { checkInputs } from "./gauss_fit.ts";
import { initialGuess } from "./initial_guess.ts";
import type { ModelFit } from "./model_fit.ts";
import { MODEL_FUNCTIONS, modelBackground } from "./models.ts";

/** Half-width of the default cut, in σ of the fit. */
export const DEFAULT_SIGMA_CUT = 3;
/** Default threshold, in standard deviations of the edges' noise. */
export const DEFAULT_NOISE_CUT = 3;
/** Fraction of the x span at each end where the noise is estimated. */
const EDGE_FRACTION = 0.1;

/**
 * Which points the moments use: within `μ − n·σL … μ + n·σR` of the fit
 * (σL = σR = σ but for the split Gaussian's two and the double Gaussian's
 * halo σₕ; default n = 3), or those whose background-subtracted signal
 * exceeds `k` standard deviations of the noise in the first and last 10 %
 * of the x span (default k = 3).
 */
export type StatisticsCut =
  | { kind: "sigma"; n?: number }
  | { kind: "threshold"; k?: number };

/** Options of {@linkcode backgroundFreeStatistics}. */
export interface StatisticsOptions {
  /** The fit whose background is subtracted; without an ok one, the
   * moments-based initial guess's constant background and σ are used. */
  fit?: ModelFit;
  /** The cut (default `{ kind: "sigma", n: 3 }`). */
  cut?: StatisticsCut;
}

/** Background-free statistics of one profile. */
export interface ProfileStatistics {
  ok: boolean;
  /** What was done, or why the moments are undefined. */
  message: string;
  /** The cut, in words (`±3σ of the fit`, `above 3 × noise 0.012`). */
  cut: string;
  /** Points inside the cut. */
  nUsed: number;
  /** First moment of the background-subtracted signal in the cut. */
  centroid: number;
  /** Its RMS width (√ of the second central moment). */
  rms: number;
  /** Third standardised central moment. */
  skewness: number;
  /** Fourth standardised central moment minus 3 (0 for a Gaussian with
   * no cut; the ±3σ cut itself gives −0.171, and an RMS of 0.9866σ). */
  kurtosis: number;
  /** Noise of the edges (threshold cut), NaN otherwise. */
  noise: number;
  /** FWHM: the fitted model's, else the data's. */
  fwhm: number;
  /** Interpolated half-maximum crossings of the fitted model (NaN without an ok fit). */
  fwhmModel: number;
  /** The data's outermost crossings of the same half maximum, linearly
   * interpolated (the scan's end where the peak is cut by it). */
  fwhmData: number;
}

/** Everything NaN and the reason. */
function undefinedStatistics(message: string): ProfileStatistics {
  return {
    ok: false,
    message,
    cut: "",
    nUsed: 0,
    centroid: NaN,
    rms: NaN,
    skewness: NaN,
    kurtosis: NaN,
    noise: NaN,
    fwhm: NaN,
    fwhmModel: NaN,
    fwhmData: NaN,
  };
}

/** The peak's centre, height, widths left/right and background function. */
interface Peak {
  center: number;
  height: number;
  left: number;
  right: number;
  background: (x: number) => number;
}

function peakOf(
  x: Float64Array,
  y: Float64Array,
  fit: ModelFit | undefined,
): Peak | string {
  if (fit?.ok) {
    const { model, params: p } = fit;
    const background = (v: number): number => modelBackground(fit, v);
    const height = MODEL_FUNCTIONS[model](p, p[1]) - background(p[1]);
    const left = model === "double_gauss" ? p[4] : p[2];
    const right = model === "split_gauss" ? p[3] : left;
    return { center: p[1], height, left, right, background };
  }
  const g = initialGuess(x, y);
  if (!g.ok) return g.message;
  return {
    center: g.center,
    height: g.amplitude,
    left: g.sigma,
    right: g.sigma,
    background: () => g.offset,
  };
}

/**
 * Centroid, RMS width, skewness and (excess) kurtosis of `y − background`
 * within the cut, and the FWHM. The background is the fit's (its constant,
 * or its line for `gauss_linear`); the sums are shifted by the fitted
 * centre. `ok` is false (NaN moments, FWHM still given when a peak is) when
 * the signal in the cut is not positive or has no spread.
 *
 * @example
 * ```ts
 * const auto = fitAuto(x, y);
 * const s = backgroundFreeStatistics(x, y, { fit: auto.fit });
 * console.log(s.centroid, s.rms, s.fwhm, s.cut);
 * ```
 */
export function backgroundFreeStatistics(
  x: Float64Array,
  y: Float64Array,
  options: StatisticsOptions = {},
): ProfileStatistics {
  try {
    return statistics(x, y, options);
  } catch (error) {
    return undefinedStatistics(
      `statistics failed unexpectedly: ${(error as Error)?.message}`,
    );
  }
}

function statistics(
  x: Float64Array,
  y: Float64Array,
  options: StatisticsOptions,
): ProfileStatistics {
  const problem = checkInputs(x, y, undefined);
  if (problem) return undefinedStatistics(problem);
  if (x.length < 3) {
    return undefinedStatistics(
      `too few points: ${x.length}, at least 3 needed`,
    );
  }
  const peak = peakOf(x, y, options.fit);
  if (typeof peak === "string") return undefinedStatistics(peak);
  const n = x.length;
  const u = new Float64Array(n);
  let xmin = Infinity, xmax = -Infinity;
  for (let i = 0; i < n; i++) {
    u[i] = y[i] - peak.background(x[i]);
    if (x[i] < xmin) xmin = x[i];
    if (x[i] > xmax) xmax = x[i];
  }
  const cut = options.cut ?? { kind: "sigma" };
  let inside: (i: number) => boolean;
  let words: string;
  let noise = NaN;
  if (cut.kind === "sigma") {
    const k = cut.n ?? DEFAULT_SIGMA_CUT;
    const lo = peak.center - k * peak.left, hi = peak.center + k * peak.right;
    inside = (i) => x[i] >= lo && x[i] <= hi;
    words = `±${k}σ of the fit ([${lo.toPrecision(6)}, ${hi.toPrecision(6)}])`;
  } else {
    const k = cut.k ?? DEFAULT_NOISE_CUT;
    noise = edgeNoise(x, u, xmin, xmax);
    const level = k * noise;
    inside = (i) => u[i] > level;
    words = `above ${k} × the edges' noise ${noise.toPrecision(3)}`;
  }
  const fwhmModel = options.fit?.ok ? options.fit.fwhm : NaN;
  const fwhmData = dataFwhm(x, u, peak.height / 2);
  const fwhm = Number.isFinite(fwhmModel) ? fwhmModel : fwhmData;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, used = 0;
  for (let i = 0; i < n; i++) {
    if (!inside(i)) continue;
    const d = x[i] - peak.center, w = u[i], d2 = d * d;
    s0 += w;
    s1 += w * d;
    s2 += w * d2;
    s3 += w * d2 * d;
    s4 += w * d2 * d2;
    used++;
  }
  const r1 = s1 / s0, r2 = s2 / s0, r3 = s3 / s0, r4 = s4 / s0;
  const variance = r2 - r1 * r1;
  const base = {
    cut: words,
    nUsed: used,
    noise,
    fwhm,
    fwhmModel,
    fwhmData,
  };
  if (!(s0 > 0) || !(variance > 0)) {
    return {
      ...undefinedStatistics(
        `no moments: the background-subtracted signal in the cut (${used} points) is not positive or has no spread`,
      ),
      ...base,
    };
  }
  const m3 = r3 - 3 * r1 * r2 + 2 * r1 ** 3;
  const m4 = r4 - 4 * r1 * r3 + 6 * r1 * r1 * r2 - 3 * r1 ** 4;
  return {
    ok: true,
    message: `moments of ${used} points ${words}`,
    ...base,
    centroid: peak.center + r1,
    rms: Math.sqrt(variance),
    skewness: m3 / variance ** 1.5,
    kurtosis: m4 / (variance * variance) - 3,
  };
}

/** Standard deviation of `u` over the first and last 10 % of the x span. */
function edgeNoise(
  x: Float64Array,
  u: Float64Array,
  xmin: number,
  xmax: number,
): number {
  const lo = xmin + EDGE_FRACTION * (xmax - xmin);
  const hi = xmax - EDGE_FRACTION * (xmax - xmin);
  let n = 0, s1 = 0, s2 = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] <= lo || x[i] >= hi) {
      n++;
      s1 += u[i];
      s2 += u[i] * u[i];
    }
  }
  const mean = s1 / n;
  return Math.sqrt(Math.max(0, s2 / n - mean * mean) * n / Math.max(1, n - 1));
}

/**
 * Distance between the outermost crossings of `half` by `u` in x order,
 * each interpolated linearly with its outer neighbour (the scan's end when
 * the signal is above `half` there). NaN when no point reaches `half`.
 */
function dataFwhm(x: Float64Array, u: Float64Array, half: number): number {
  if (!(half > 0)) return NaN;
  const order = sortedIndex(x);
  const n = order.length;
  let first = -1, last = -1;
  for (let k = 0; k < n; k++) {
    if (u[order[k]] >= half) {
      if (first < 0) first = k;
      last = k;
    }
  }
  if (first < 0) return NaN;
  const at = (inner: number, outer: number): number => {
    const i = order[inner], o = order[outer];
    return x[o] + (half - u[o]) / (u[i] - u[o]) * (x[i] - x[o]);
  };
  const left = first > 0 ? at(first, first - 1) : x[order[0]];
  const right = last < n - 1 ? at(last, last + 1) : x[order[n - 1]];
  return right - left;
}

/** Indices of x in increasing order (no copy when x is already monotonic). */
function sortedIndex(x: Float64Array): Uint32Array {
  const n = x.length;
  const idx = new Uint32Array(n);
  let up = true, down = true;
  for (let i = 1; i < n; i++) {
    if (x[i] < x[i - 1]) up = false;
    if (x[i] > x[i - 1]) down = false;
  }
  for (let i = 0; i < n; i++) idx[i] = down && !up ? n - 1 - i : i;
  if (up || down) return idx;
  return idx.sort((a, b) => x[a] - x[b]);
}
