/**
 * Statistics over repeated fits: the "mean ± std over scans" of the fit
 * table in `fws inspect` and the plot page.
 *
 * @module
 */
import type { GaussFit } from "../scan/model.ts";
import { SUMMARY_KEYS, type SummaryKey } from "./fit_fields.ts";

export { SUMMARY_KEYS, type SummaryKey };

/** Mean, sample standard deviation and count of one fit quantity. */
export interface FitStatistic {
  /** Mean over the successful fits (NaN when there are none). */
  mean: number;
  /** Sample standard deviation (n−1 in the denominator); NaN when n < 2. */
  std: number;
  /** Number of successful fits that contributed. */
  n: number;
}

/**
 * Mean and sample standard deviation of each fit quantity over the fits
 * with `ok = true` (failed fits are skipped, not counted).
 *
 * @example
 * ```ts
 * const s = summarizeFits(run.scans.map((scan) => scan.fits["PDB"]));
 * console.log(`sigma = ${s.sigma.mean} ± ${s.sigma.std} (n=${s.sigma.n})`);
 * ```
 */
export function summarizeFits(
  fits: GaussFit[],
): Record<SummaryKey, FitStatistic> {
  const good = fits.filter((f) => f && f.ok);
  const out = {} as Record<SummaryKey, FitStatistic>;
  for (const key of SUMMARY_KEYS) {
    const values = good.map((f) => f[key]);
    const n = values.length;
    const mean = n > 0 ? values.reduce((a, b) => a + b, 0) / n : NaN;
    let ss = 0;
    for (const v of values) ss += (v - mean) * (v - mean);
    out[key] = { mean, std: n >= 2 ? Math.sqrt(ss / (n - 1)) : NaN, n };
  }
  return out;
}

/** Median of the finite values (NaN when none). */
export function median(values: ArrayLike<number>): number {
  const s: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) s.push(values[i]);
  }
  if (s.length === 0) return NaN;
  s.sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2;
}
