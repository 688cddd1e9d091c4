/**
 * Beam-profile analysis: the profile of a scan, its Gaussian fit with
 * standard errors, the other profile models and the automatic choice
 * between them, background-free statistics, and statistics over repeated
 * fits.
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
  type ProfileWidths,
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
export {
  doubleGauss,
  gaussLinear,
  MODEL_FUNCTIONS,
  modelBackground,
  type ModelCurve,
  modelCurve,
  modelFwhm,
  type ModelName,
  qGauss,
  splitGauss,
  superGauss,
} from "./models.ts";
export {
  isModelName,
  MODEL_NAMES,
  type ModelParameter,
  MODELS,
  type ModelSpec,
  modelSpec,
} from "./model_fields.ts";
export {
  fitModel,
  type ModelFit,
  type ModelFitOptions,
  modelStart,
  namedValues,
} from "./model_fit.ts";
export {
  type AutoFit,
  type AutoOptions,
  CHOICE_MARGIN,
  fitAuto,
} from "./model_choice.ts";
export {
  backgroundFreeStatistics,
  DEFAULT_NOISE_CUT,
  DEFAULT_SIGMA_CUT,
  type ProfileStatistics,
  type StatisticsCut,
  type StatisticsOptions,
} from "./background_free.ts";
export type { GaussFit, ScanRecord } from "../scan/model.ts";
