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
  const s = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) s[n++] = values[i];
  }
  if (n === 0) return NaN;
  // selection, not a sort: O(n) on a profile of 1e6 points
  const k = n >> 1;
  const upper = select(s, n, k);
  if (n % 2) return upper;
  let lower = -Infinity;
  for (let i = 0; i < k; i++) if (s[i] > lower) lower = s[i];
  return (lower + upper) / 2;
}

/**
 * The k-th smallest of `a[0..n)` (Hoare's quickselect, in place): after it,
 * `a[0..k)` holds values ≤ the result.
 */
function select(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i++] = a[j];
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k];
}
