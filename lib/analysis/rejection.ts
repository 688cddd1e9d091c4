/**
 * Point rejection that says why: which points of a profile the fit leaves
 * out, each with a reason code, and the profile of the points kept. Nothing
 * is deleted from the raw data: the mask is over every point as
 * `rawProfileOf` forms it (one per step, or per sample in fly mode).
 *
 * In order: a point that is not a number (NaN position or signal) is
 * `nan`; with `saturation`, a step whose struck samples reach it (a fly
 * sample at it) is `saturated`; with `beamFraction`, a step whose beam
 * reading is below that fraction of the request's median is `low_beam`;
 * with `normalise`, each kept step's signal (and its error) is scaled by
 * median beam / the step's beam (a step without a positive reading is
 * `low_beam`); with `outlierK`, a Gaussian is fitted to the points kept and
 * those whose residual (over its error, when points carry one) lies beyond
 * k × MAD (1.4826 × the median absolute deviation) from the residuals'
 * median are `outlier`; a second pass refits without them and judges every
 * point again (two passes at most).
 *
 * @module
 */
import type {
  PointRejection,
  RejectionOptions,
  ScanRecord,
} from "../scan/model.ts";
import { gaussian } from "./models.ts";
import { median } from "./statistics.ts";
import {
  REJECTION_REASONS,
  rejectionCode,
  type RejectionReason,
} from "./fit_fields.ts";

export {
  REJECTION_MEANINGS,
  REJECTION_REASONS,
  rejectionCode,
  type RejectionReason,
} from "./fit_fields.ts";
import {
  fitPoints,
  type Profile,
  rawProfileOf,
  rowsOf,
  semWeights,
} from "./profile.ts";

export type { RejectionOptions };

/** Which points were left out, and why. */
export interface Rejection extends PointRejection {
  counts: Record<RejectionReason, number>;
}

/** Whether any check beyond the NaN points is asked for. */
export function rejectionAsked(options: RejectionOptions | undefined): boolean {
  return !!options &&
    (options.normalise === true || options.saturation !== undefined ||
      options.beamFraction !== undefined || options.outlierK !== undefined);
}

/** The points of `raw` whose mask is 0, with `y` (and `sem`) scaled. */
function keptProfile(
  raw: Profile,
  mask: Uint8Array,
  scale: Float64Array | undefined,
): Profile {
  let n = 0;
  for (const m of mask) if (m === 0) n++;
  // nothing left out or scaled: the raw profile itself (as profileOf)
  if (n === mask.length && !scale) return raw;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const sem = raw.sem ? new Float64Array(n) : undefined;
  let j = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] !== 0) continue;
    const f = scale ? scale[i] : 1;
    x[j] = raw.x[i];
    y[j] = raw.y[i] * f;
    if (sem) sem[j] = raw.sem![i] * f;
    j++;
  }
  const rejected = mask.length - n;
  const points = raw.points +
    (scale ? "; normalised to the step's beam reading" : "") +
    (rejected ? `; ${rejected} of ${mask.length} points rejected` : "");
  return sem ? { x, y, sem, points } : { x, y, points };
}

/**
 * The outliers among the points `mask` keeps: those whose residual from
 * the Gaussian fitted to the points kept and not in `excluded` lies beyond
 * k × MAD of the residuals' median.
 */
function outliers(
  raw: Profile,
  mask: Uint8Array,
  scale: Float64Array | undefined,
  k: number,
  excluded: Set<number>,
): Set<number> {
  const fitMask = mask.map((m, i) => m !== 0 || excluded.has(i) ? 1 : 0);
  const fit = fitPoints(keptProfile(raw, fitMask, scale));
  const out = new Set<number>();
  if (!fit.ok) return out;
  const all = keptProfile(raw, mask, scale);
  const weights = semWeights(all);
  const r = new Float64Array(all.x.length);
  for (let i = 0; i < r.length; i++) {
    const res = all.y[i] - gaussian(fit, all.x[i]);
    r[i] = weights ? res * Math.sqrt(weights[i]) : res;
  }
  const mid = median(r);
  const mad = 1.4826 * median(r.map((v) => Math.abs(v - mid)));
  if (!(mad > 0)) return out;
  let j = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] !== 0) continue;
    if (Math.abs(r[j++] - mid) > k * mad) out.add(i);
  }
  return out;
}

/**
 * The profile as the fit saw it under a stored rejection (the file's mask,
 * and the normalisation to the beam when it was applied), and the points
 * left out (those with a finite position and signal, scaled likewise): what
 * the page draws, the latter greyed.
 *
 * @throws {Error} when the mask does not cover the profile's points
 */
export function applyRejection(
  scan: Readonly<ScanRecord>,
  struck: string,
  iops: string,
  rejection: Readonly<PointRejection>,
): { profile: Profile; rejected: { x: Float64Array; y: Float64Array } } {
  const raw = rawProfileOf(scan, struck, iops);
  const n = raw.x.length;
  if (rejection.mask.length !== n) {
    throw new Error(
      `the rejection mask of ${struck} in ${scan.name} has ${rejection.mask.length} points; expected one per point of the profile (${n})`,
    );
  }
  const scale = rejection.normalised ? beamScale(scan, n)?.scale : undefined;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    if (rejection.mask[i] === 0) continue;
    const y = raw.y[i] * (scale && Number.isFinite(scale[i]) ? scale[i] : 1);
    if (Number.isFinite(raw.x[i]) && Number.isFinite(y)) {
      xs.push(raw.x[i]);
      ys.push(y);
    }
  }
  return {
    profile: keptProfile(raw, rejection.mask, scale),
    rejected: { x: Float64Array.from(xs), y: Float64Array.from(ys) },
  };
}

/**
 * Step mode with a beam reading per step: median beam / each step's beam
 * (NaN where the reading is not positive), and the median; else undefined.
 */
function beamScale(
  scan: Readonly<ScanRecord>,
  n: number,
): { scale: Float64Array; median: number } | undefined {
  const beam = scan.mode === "step" ? scan.beam.current?.values : undefined;
  if (!beam || beam.length < n) return undefined;
  const mid = median(beam.subarray(0, n));
  if (!(mid > 0)) return undefined;
  const scale = new Float64Array(n);
  for (let i = 0; i < n; i++) scale[i] = beam[i] > 0 ? mid / beam[i] : NaN;
  return { scale, median: mid };
}

/**
 * The profile of `struck` against `iops` with the points `options` reject
 * left out, and the rejection (mask and counts).
 *
 * @throws {Error} as `profileOf` does, naming the channel
 *
 * @example
 * ```ts
 * const { profile, rejection } = rejectPoints(scan, "PDB", "ch1", {
 *   saturation: 4.0,
 *   outlierK: 5,
 * });
 * console.log(rejection.counts.outlier, fitPoints(profile).sigma);
 * ```
 */
export function rejectPoints(
  scan: Readonly<ScanRecord>,
  struck: string,
  iops: string,
  options: RejectionOptions,
): { profile: Profile; rejection: Rejection } {
  const raw = rawProfileOf(scan, struck, iops);
  const n = raw.x.length;
  const mask = new Uint8Array(n);
  const mark = (i: number, reason: RejectionReason) => {
    if (mask[i] === 0) mask[i] = rejectionCode(reason);
  };
  for (let i = 0; i < n; i++) {
    if (
      !Number.isFinite(raw.x[i]) || !Number.isFinite(raw.y[i]) ||
      (raw.sem && !Number.isFinite(raw.sem[i]))
    ) mark(i, "nan");
  }
  if (options.saturation !== undefined) {
    const w = scan.struck[struck];
    const { cols } = scan.mode === "fly" ? { cols: 1 } : rowsOf(w);
    for (let i = 0; i < n; i++) {
      for (let c = i * cols; c < (i + 1) * cols; c++) {
        if (w.data[c] >= options.saturation) {
          mark(i, "saturated");
          break;
        }
      }
    }
  }
  const beam = beamScale(scan, n);
  if (options.beamFraction !== undefined && beam) {
    // scale = median / beam: below the fraction is a scale above 1/fraction
    for (let i = 0; i < n; i++) {
      if (!(beam.scale[i] <= 1 / options.beamFraction)) mark(i, "low_beam");
    }
  }
  const normalised = options.normalise === true && beam !== undefined;
  const scale = normalised ? beam.scale : undefined;
  if (scale) {
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(scale[i])) mark(i, "low_beam");
    }
  }
  if (options.outlierK !== undefined && options.outlierK > 0) {
    // the second pass judges every point again against the fit without
    // the first pass's outliers, so a spike's neighbours (pulled off by
    // the spike in the first fit) are kept
    let found = outliers(raw, mask, scale, options.outlierK, new Set());
    if (found.size > 0) {
      found = outliers(raw, mask, scale, options.outlierK, found);
    }
    for (const i of found) mark(i, "outlier");
  }
  const counts = Object.fromEntries(
    REJECTION_REASONS.map((r) => [r, 0]),
  ) as Record<RejectionReason, number>;
  for (const m of mask) if (m > 0) counts[REJECTION_REASONS[m - 1]]++;
  return {
    profile: keptProfile(raw, mask, scale),
    rejection: { mask, counts, normalised, options: { ...options } },
  };
}
