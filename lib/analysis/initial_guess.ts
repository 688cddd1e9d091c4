/**
 * Starting point of the Gaussian fit from background-subtracted moments of
 * the data, built to survive off-centre, truncated, negative-background and
 * noisy peaks, and to recognize a profile without a peak (flat, or a dip).
 *
 * @module
 */

/** Parameters of `A·exp(−(x−μ)²/(2σ²)) + c`. */
export interface GaussParams {
  /** A: peak height above the background. */
  amplitude: number;
  /** μ: peak position, in x units. */
  center: number;
  /** σ: standard deviation (> 0), in x units. */
  sigma: number;
  /** c: constant background, in y units. */
  offset: number;
}

/**
 * Widths of the smoothed profile between its crossings either side of the
 * maximum (NaN where a side has none): the shape models start from their
 * ratio.
 */
export interface ProfileWidths {
  /** Full width at half maximum. */
  fwhm: number;
  /** Full width at a quarter of the maximum. */
  fwqm: number;
}

/** Outcome of {@linkcode initialGuess}: parameters, or why there are none. */
export type InitialGuess =
  | ({ ok: true } & GaussParams & ProfileWidths)
  | { ok: false; message: string };

/** FWHM / σ of a Gaussian: 2·√(2 ln 2). */
export const FWHM_PER_SIGMA = 2 * Math.sqrt(2 * Math.LN2);

/** Fraction of the x span at each end used to estimate the background. */
const EDGE_FRACTION = 0.1;

/** Profiles longer than this are checked for order on block means. */
const BLOCK_CHECK_MIN = 2000;
/** Number of blocks of that check. */
const BLOCKS = 200;

/**
 * Range of x and whether index order is x order at the scale the guess
 * works on: strictly monotonic (non-strictly), or — for long profiles such
 * as fly scans whose encoder jitter exceeds the sample spacing — monotonic
 * means over 200 blocks of consecutive points.
 */
function xRange(x: Float64Array): {
  xmin: number;
  xmax: number;
  ordered: boolean;
} {
  const n = x.length;
  let up = false, down = false;
  let xmin = x[0], xmax = x[0];
  for (let i = 1; i < n; i++) {
    const v = x[i];
    if (v > x[i - 1]) up = true;
    else if (v < x[i - 1]) down = true;
    if (v < xmin) xmin = v;
    else if (v > xmax) xmax = v;
  }
  if (!(up && down)) return { xmin, xmax, ordered: true };
  if (n < BLOCK_CHECK_MIN) return { xmin, xmax, ordered: false };
  const size = Math.floor(n / BLOCKS);
  let previous = NaN;
  up = down = false;
  for (let b = 0; b < BLOCKS; b++) {
    let sum = 0;
    for (let i = b * size; i < (b + 1) * size; i++) sum += x[i];
    const mean = sum / size;
    if (mean > previous) up = true;
    else if (mean < previous) down = true;
    previous = mean;
  }
  return { xmin, xmax, ordered: !(up && down) };
}

/** Copies of x and y sorted by x (short profiles that are not ordered). */
function sortByX(
  x: Float64Array,
  y: Float64Array,
): { x: Float64Array; y: Float64Array } {
  const idx = Array.from({ length: x.length }, (_, i) => i);
  idx.sort((a, b) => x[a] - x[b]);
  const sx = new Float64Array(x.length);
  const sy = new Float64Array(x.length);
  for (let i = 0; i < idx.length; i++) {
    sx[i] = x[idx[i]];
    sy[i] = y[idx[i]];
  }
  return { x: sx, y: sy };
}

/** Bins of the x-binned profile used instead of sorting a long unordered one. */
const SORT_BINS = 4096;

/**
 * Mean x and y of the points in each of `bins` equal x intervals (empty
 * ones left out): an ordered profile in O(n) (long profiles not ordered).
 */
function binByX(
  x: Float64Array,
  y: Float64Array,
  xmin: number,
  xmax: number,
  bins: number,
): { x: Float64Array; y: Float64Array } {
  const sx = new Float64Array(bins), sy = new Float64Array(bins);
  const count = new Float64Array(bins);
  const scale = bins / (xmax - xmin);
  for (let i = 0; i < x.length; i++) {
    const k = Math.min(bins - 1, Math.floor((x[i] - xmin) * scale));
    sx[k] += x[i];
    sy[k] += y[i];
    count[k]++;
  }
  let m = 0;
  for (let k = 0; k < bins; k++) {
    if (count[k] > 0) {
      sx[m] = sx[k] / count[k];
      sy[m++] = sy[k] / count[k];
    }
  }
  return { x: sx.subarray(0, m), y: sy.subarray(0, m) };
}

/** Largest profile whose running mean uses the reused buffer. */
const MAX_SCRATCH = 4_000_000;

/** Reused buffer of the running mean (no 8 MB allocation per fit of 1e6 points). */
let scratch = new Float64Array(0);

/** Centred running mean of `y` with half-width `h` (in points). */
function runningMean(y: Float64Array, h: number): Float64Array {
  const n = y.length;
  if (h === 0) return y;
  if (n > MAX_SCRATCH) return runningMeanInto(y, h, new Float64Array(n));
  if (scratch.length < n) scratch = new Float64Array(n);
  return runningMeanInto(y, h, scratch.subarray(0, n));
}

function runningMeanInto(
  y: Float64Array,
  h: number,
  out: Float64Array,
): Float64Array {
  const n = y.length;
  // the window [i − h, i + h] clipped to the data, slid by one add and one
  // subtract; one loop (with the two ifs) rather than grow, slide and
  // shrink loops: V8 reused an on-stack-replacement compilation of the
  // middle one made before the last had run, and bailed out of it at most
  // calls (69 times in one models bench; once now)
  let sum = 0;
  for (let k = 0; k < Math.min(h, n); k++) sum += y[k];
  for (let i = 0; i < n; i++) {
    if (i + h < n) sum += y[i + h];
    if (i > h) sum -= y[i - h - 1];
    const lo = i > h ? i - h : 0;
    const hi = i + h < n ? i + h : n - 1;
    out[i] = sum / (hi - lo + 1);
  }
  return out;
}

/**
 * Initial parameters for the fit. Needs finite inputs of equal length ≥ 5
 * (checked by the caller).
 *
 * 1. background `c₀` = the lower of the mean signals in the first and last
 *    10 % of the x span (a truncated peak raises only one edge);
 * 2. the profile, in x order (index order when x is monotonic, or for more
 *    than 2000 points when its means over 200 blocks are — a fly scan with
 *    encoder jitter; otherwise sorted, or for more than 2000 points
 *    averaged in 4096 x bins), is smoothed by a running mean over
 *    1 % of the points (at least 3 points from 20 points on); its maximum
 *    gives `A₀ = max − c₀`; a
 *    profile whose deepest dip below `c₀` is larger than its highest peak
 *    above it, or which never rises above `c₀`, has no peak;
 * 3. the half-maximum crossings either side of the maximum give the FWHM
 *    and the centre (from 20 points on, a crossing needs two points in a
 *    row below half maximum; one crossing on a truncated peak: twice its distance;
 *    none: the whole span); the smoothing width is deconvolved; the
 *    widths between the crossings at half and at a quarter of the maximum
 *    are returned for the shape models' starts;
 * 4. centre and σ are refined by the background-subtracted first and second
 *    moments within ±3σ₀ (corrected for the truncation of the window) when
 *    they agree with step 3 to within a factor of 3 and the window lies
 *    inside the data (not on a truncated peak).
 *
 * @example
 * ```ts
 * const g = initialGuess(x, y);
 * if (g.ok) console.log(g.center, g.sigma);
 * ```
 */
export function initialGuess(x: Float64Array, y: Float64Array): InitialGuess {
  const range = xRange(x);
  const { xmin, xmax } = range;
  if (!range.ordered) {
    ({ x, y } = x.length < BLOCK_CHECK_MIN
      ? sortByX(x, y)
      : binByX(x, y, xmin, xmax, SORT_BINS));
  }
  const n = x.length;
  const span = xmax - xmin;
  if (!(span > 0)) {
    return { ok: false, message: "all positions are equal: no x range" };
  }
  let loSum = 0, loN = 0, hiSum = 0, hiN = 0;
  const loLimit = xmin + EDGE_FRACTION * span;
  const hiLimit = xmax - EDGE_FRACTION * span;
  // x is ordered: the edges are the runs of points at either end.
  for (let i = 0; i < n && (x[i] <= loLimit || x[i] >= hiLimit); i++) {
    if (x[i] <= loLimit) (loSum += y[i]), loN++;
    else (hiSum += y[i]), hiN++;
  }
  for (let i = n - 1; i >= 0 && (x[i] <= loLimit || x[i] >= hiLimit); i--) {
    if (x[i] <= loLimit) (loSum += y[i]), loN++;
    else (hiSum += y[i]), hiN++;
  }
  const c0 = Math.min(loSum / loN, hiSum / hiN);

  const h = n < 20 ? 0 : Math.max(1, Math.floor(n / 200));
  const s = runningMean(y, h);
  let imax = 0, smax = -Infinity, smin = Infinity;
  for (let i = 0; i < n; i++) {
    if (s[i] > smax) (smax = s[i]), (imax = i);
    if (s[i] < smin) smin = s[i];
  }
  const a0 = smax - c0;
  if (!(a0 > 0)) {
    return {
      ok: false,
      message: "no peak: the profile never rises above its background",
    };
  }
  if (c0 - smin > a0) {
    return {
      ok: false,
      message:
        "no peak: the profile dips below its background deeper than it rises (a dip, not a peak)",
    };
  }

  const [xl, xr, il, ir] = crossings(x, s, [imax, imax], c0 + a0 / 2);
  const [ql, qr] = crossings(x, s, [il, ir], c0 + a0 / 4);
  let center = x[imax];
  let fwhm: number;
  if (Number.isFinite(xl) && Number.isFinite(xr)) {
    fwhm = Math.abs(xr - xl);
    center = (xl + xr) / 2;
  } else if (Number.isFinite(xl)) fwhm = 2 * Math.abs(center - xl);
  else if (Number.isFinite(xr)) fwhm = 2 * Math.abs(xr - center);
  else fwhm = span;
  const spacing = span / (n - 1);
  const box = (2 * h + 1) * spacing;
  let sigma2 = (fwhm / FWHM_PER_SIGMA) ** 2 - (h > 0 ? box * box / 12 : 0);
  if (!(sigma2 > spacing * spacing / 4)) sigma2 = spacing * spacing / 4;
  let sigma = Math.sqrt(sigma2);

  // Step 4: background-subtracted moments in a ±3σ window (shifted by the
  // centre so a large x offset costs no precision).
  const inside = center - 3 * sigma >= xmin && center + 3 * sigma <= xmax;
  if (inside) {
    let su = 0, sud = 0, sudd = 0;
    const w = 3 * sigma;
    for (let i = 0; i < n; i++) {
      const d = x[i] - center;
      if (d >= -w && d <= w) {
        const u = y[i] - c0;
        su += u;
        sud += u * d;
        sudd += u * d * d;
      }
    }
    const shift = sud / su;
    // Variance of a Gaussian truncated at ±3σ is 0.97333σ².
    const sigma1 = Math.sqrt((sudd / su - shift * shift) / 0.97333);
    if (
      su > 0 && Number.isFinite(sigma1) && sigma1 > sigma / 3 &&
      sigma1 < sigma * 3 && Math.abs(shift) < sigma
    ) {
      center += shift;
      sigma = sigma1;
    }
  }
  return {
    ok: true,
    amplitude: a0,
    center,
    sigma,
    offset: c0,
    fwhm: xr - xl,
    fwqm: qr - ql,
  };
}

/**
 * Where the smoothed profile `s` falls to `level` either side of its
 * maximum, interpolated (NaN on a side where it does not), searching
 * outwards from the indices `from` (the maximum's, or a higher level's
 * crossings: a lower level cannot be crossed before them). From 20 points
 * on, a crossing needs two points in a row at or below the level (one is
 * noise). Returns the two positions and the indices where each was found.
 */
function crossings(
  x: Float64Array,
  s: Float64Array,
  from: [number, number],
  level: number,
): [number, number, number, number] {
  const n = x.length;
  const two = n >= 20;
  let xl = NaN, xr = NaN, il = from[0], ir = from[1];
  for (let i = from[0]; i > 0; i--) {
    if (s[i - 1] <= level && (!two || i < 2 || s[i - 2] <= level)) {
      xl = x[i - 1] +
        (level - s[i - 1]) / (s[i] - s[i - 1]) * (x[i] - x[i - 1]);
      il = i;
      break;
    }
  }
  for (let i = from[1]; i < n - 1; i++) {
    if (s[i + 1] <= level && (!two || i + 2 > n - 1 || s[i + 2] <= level)) {
      xr = x[i + 1] +
        (level - s[i + 1]) / (s[i] - s[i + 1]) * (x[i] - x[i + 1]);
      ir = i;
      break;
    }
  }
  return [xl, xr, il, ir];
}
