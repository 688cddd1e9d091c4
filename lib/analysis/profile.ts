/**
 * The one definition of "the profile" of a scan: signal of one struck channel
 * versus position from one IOPS channel. Used by the fit callback, the HDF5
 * writer's NXdata groups, `fws inspect` and the plot page.
 *
 * @module
 */
import type { GaussFit, ScanRecord, Waveform } from "../scan/model.ts";
import { fitGaussian } from "./gauss_fit.ts";

/** Signal versus position, non-finite pairs removed. */
export interface Profile {
  /** Position [mm] (IOPS channel, or motor readback). */
  x: Float64Array;
  /** Signal (struck channel units). */
  y: Float64Array;
  /**
   * Standard error of each `y` (step mode with several struck samples per
   * step: their sample standard deviation / √n); absent otherwise.
   */
  sem?: Float64Array;
  /** How a point was formed from the acquired samples. */
  points: string;
}

/** Number of rows and samples per row of a waveform (1-D → one sample per row). */
export function rowsOf(w: Waveform): { rows: number; cols: number } {
  if (w.shape.length >= 2) {
    const rows = w.shape[0];
    return { rows, cols: rows > 0 ? Math.floor(w.data.length / rows) : 0 };
  }
  return { rows: w.data.length, cols: 1 };
}

/** Mean of row `i` of a row-major waveform. */
function rowMean(w: Waveform, cols: number, i: number): number {
  return meanOf(w.data, i * cols, cols);
}

/** Mean of `count` samples of `data` from `start` (NaN when none). */
function meanOf(data: ArrayLike<number>, start: number, count: number): number {
  if (count === 0) return NaN;
  let s = 0;
  for (let k = start; k < start + count; k++) s += data[k];
  return s / count;
}

/**
 * One step's point of the profile, as {@linkcode profileOf} forms it from
 * the step's row: `y` the mean of the struck samples, `x` the mean of the
 * IOPS samples, or `readback` when the IOPS channel is absent. Either may be
 * non-finite (`profileOf` drops such a pair).
 *
 * @example
 * ```ts
 * const { x, y } = stepPoint(struck, { iops, readback: 1.25 });
 * ```
 */
export function stepPoint(
  struck: ArrayLike<number>,
  position: { iops?: ArrayLike<number>; readback: number },
): { x: number; y: number } {
  const { iops, readback } = position;
  return {
    x: iops ? meanOf(iops, 0, iops.length) : readback,
    y: meanOf(struck, 0, struck.length),
  };
}

/** Standard error of the mean of row `i` (NaN below two samples). */
function rowSem(w: Waveform, cols: number, i: number, mean: number): number {
  if (cols < 2) return NaN;
  let ss = 0;
  const start = i * cols;
  for (let k = start; k < start + cols; k++) {
    ss += (w.data[k] - mean) * (w.data[k] - mean);
  }
  return Math.sqrt(ss / (cols - 1) / cols);
}

/** Keeps only the points where x, y (and sem, when given) are finite. */
function finitePoints(
  x: Float64Array,
  y: Float64Array,
  points: string,
  sem?: Float64Array,
): Profile {
  const keep = (i: number) =>
    Number.isFinite(x[i]) && Number.isFinite(y[i]) &&
    (!sem || Number.isFinite(sem[i]));
  let n = 0;
  for (let i = 0; i < x.length; i++) if (keep(i)) n++;
  if (n === x.length) return sem ? { x, y, sem, points } : { x, y, points };
  const fx = new Float64Array(n);
  const fy = new Float64Array(n);
  const fs = sem ? new Float64Array(n) : undefined;
  let j = 0;
  for (let i = 0; i < x.length; i++) {
    if (!keep(i)) continue;
    fx[j] = x[i];
    if (fs) fs[j] = sem![i];
    fy[j++] = y[i];
  }
  return fs ? { x: fx, y: fy, sem: fs, points } : { x: fx, y: fy, points };
}

/**
 * The profile of one struck channel against one IOPS channel.
 *
 * - step mode: `y[i]` is the mean of struck row `i`; `x[i]` is the mean of
 *   IOPS row `i`, or `positionsReadback[i]` when that IOPS channel is absent;
 * - fly mode: `x` is the IOPS samples and `y` the struck samples, truncated
 *   to the shorter of the two.
 *
 * Pairs where either value is not finite are dropped.
 *
 * @throws {Error} when the struck channel is absent, or (fly mode) the IOPS
 *   channel is absent; the message names the channel and the ones present.
 *
 * @example
 * ```ts
 * const { x, y } = profileOf(scan, "PDB", "ch1");
 * const fit = fitGaussian(x, y);
 * ```
 */
export function profileOf(
  scan: ScanRecord,
  struck: string,
  iops: string,
): Profile {
  const raw = rawProfileOf(scan, struck, iops);
  return finitePoints(raw.x, raw.y, raw.points, raw.sem);
}

/**
 * Every point of the profile as {@linkcode profileOf} forms it, the
 * non-finite ones kept: one per step (step mode) or per sample (fly), in
 * acquisition order. Point rejection (`rejection.ts`) masks these.
 *
 * @throws {Error} as {@linkcode profileOf} does, naming the channel
 */
export function rawProfileOf(
  scan: ScanRecord,
  struck: string,
  iops: string,
): Profile {
  const s = scan.struck[struck];
  if (!s) {
    throw new Error(
      `struck channel '${struck}' is not in ${scan.name}; expected one of: ${
        Object.keys(scan.struck).join(", ") || "(none)"
      }`,
    );
  }
  const p = scan.iops[iops];
  if (scan.mode === "fly") {
    if (!p) {
      throw new Error(
        `IOPS channel '${iops}' is not in fly scan ${scan.name}; expected one of: ${
          Object.keys(scan.iops).join(", ") || "(none)"
        }`,
      );
    }
    const n = Math.min(p.data.length, s.data.length);
    return {
      x: p.data.subarray(0, n),
      y: s.data.subarray(0, n),
      points:
        "one struck sample per point, against the IOPS sample taken with it",
    };
  }
  const sr = rowsOf(s);
  let n = sr.rows;
  let x: Float64Array;
  if (p) {
    const pr = rowsOf(p);
    n = Math.min(n, pr.rows);
    x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = rowMean(p, pr.cols, i);
  } else {
    n = Math.min(n, scan.positionsReadback.length);
    x = scan.positionsReadback.slice(0, n);
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = rowMean(s, sr.cols, i);
  const points = sr.cols === 1
    ? "one struck sample per step"
    : `mean of the step's ${sr.cols} struck samples`;
  if (sr.cols < 2) return { x, y, points };
  const sem = new Float64Array(n);
  for (let i = 0; i < n; i++) sem[i] = rowSem(s, sr.cols, i, y[i]);
  return { x, y, sem, points };
}

/** How {@linkcode fitProfile} weights points that carry a standard error. */
export const SEM_WEIGHTING =
  "1/sem^2, sem = std/sqrt(n) of the step's struck samples";

/**
 * The profile of a channel pair and its Gaussian fit: the one way the
 * daemon and the page fit a scan. Points with a standard error (several
 * struck samples per step) are weighted by `1/sem²`, which makes `chi2Red`
 * a reduced χ²; where any point's spread is 0 or unknown the fit is
 * unweighted and `chi2Red` is NaN (`residualRms` is always given).
 *
 * @throws {Error} as {@linkcode profileOf} does, naming the channel
 */
export function fitProfile(
  scan: ScanRecord,
  struck: string,
  iops: string,
): { profile: Profile; fit: GaussFit } {
  const profile = profileOf(scan, struck, iops);
  return { profile, fit: fitPoints(profile) };
}

/**
 * The Gaussian fit of a profile's points, weighted by `1/sem²` where every
 * point has a positive standard error, else unweighted (see
 * {@linkcode fitProfile}).
 */
export function fitPoints(profile: Profile): GaussFit {
  const weights = semWeights(profile);
  return fitGaussian(profile.x, profile.y, {
    weights,
    weighting: weights ? SEM_WEIGHTING : undefined,
    points: profile.points,
  });
}

/**
 * The weights of a profile's points, `1/sem²`, when every point has a
 * positive standard error; else none (the fit is unweighted).
 */
export function semWeights(profile: Profile): Float64Array | undefined {
  const sem = profile.sem;
  const weighted = sem !== undefined && sem.every((s) => s > 0);
  return weighted ? sem.map((s) => 1 / (s * s)) : undefined;
}
