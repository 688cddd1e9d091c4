/**
 * Beam-profile analysis: the profile of a scan, its Gaussian fit with
 * standard errors, and statistics over repeated fits.
 *
 * @example
 * ```ts
 * import { fitGaussian, profileOf } from "./lib/analysis/mod.ts";
 * const { x, y } = profileOf(scan, "PDB", "ch1");
 * const fit = fitGaussian(x, y);
 * ```
 *
 * @module
 */
export {
  failedFit,
  fitGaussian,
  type FitOptions,
  MIN_POINTS,
  MIN_SIGNIFICANCE,
} from "./gauss_fit.ts";
export {
  FWHM_PER_SIGMA,
  type GaussParams,
  type InitialGuess,
  initialGuess,
} from "./initial_guess.ts";
export {
  fitProfile,
  type Profile,
  profileOf,
  SEM_WEIGHTING,
  stepPoint,
} from "./profile.ts";
export { minMaxIndices, minMaxOfRows } from "./decimate.ts";
export {
  type FitStatistic,
  summarizeFits,
  SUMMARY_KEYS,
  type SummaryKey,
} from "./statistics.ts";
export type { GaussFit, ScanRecord } from "../scan/model.ts";
