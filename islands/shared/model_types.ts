/**
 * The JSON of `/api/models`: every profile model fitted to one scan's
 * channel, with its curve on the chart's grid. Non-finite numbers travel as
 * `null`. Browser-safe.
 *
 * @module
 */

/** One fitted parameter, with its unit kind and standard error. */
export interface ModelParam {
  key: string;
  label: string;
  /** `x` (position), `y` (signal) or `none`. */
  unit: string;
  value: number | null;
  err: number | null;
}

/** One model's fit. */
export interface ModelRow {
  name: string;
  label: string;
  formula: string;
  ok: boolean;
  message: string;
  params: ModelParam[];
  aicc: number | null;
  bic: number | null;
  /** AICc minus the lowest AICc of the fitted models (0 for the best). */
  daicc: number | null;
  fwhm: number | null;
  haloFraction: number | null;
  haloFractionErr: number | null;
  nPoints: number;
  /** The model on {@link ModelsPayload.x} (null where not ok). */
  curve: (number | null)[];
}

/** `GET /api/models?scan=N&struck=CH`. */
export interface ModelsPayload {
  scan: number;
  struck: string;
  /** The IOPS channel the models were fitted against. */
  iops: string;
  /** The request's setting: `auto` or one model. */
  asked: string;
  chosen: string | null;
  /**
   * The runner-up's AICc minus the chosen one's (null without one);
   * negative when the Gaussian was kept over a model not better by more
   * than {@link margin}.
   */
  deltaAicc: number | null;
  /** How much lower another model's AICc must be to replace the Gaussian. */
  margin: number;
  /** The chart's grid: the profile's range in min/max buckets. */
  x: number[];
  /** The profile's points on that grid (bucket min and max). */
  y: (number | null)[];
  models: ModelRow[];
}
