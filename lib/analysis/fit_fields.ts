/**
 * The one registry of fit result fields: for each number a fit yields, its
 * key in {@linkcode GaussFit}, its dataset name in the scan file, the PV
 * suffix it is published under (`FIT:<CH>:<suffix>`), its unit kind and its
 * label. The PV map, the HDF5 writer and reader, `fws inspect`, the hooks,
 * the page's routes and islands are all derived from it. Browser-safe.
 *
 * @module
 */
import type { GaussFit } from "../scan/model.ts";

/** The numeric keys of a {@linkcode GaussFit}. */
export type FitNumberKey = {
  [K in keyof GaussFit]: GaussFit[K] extends number ? K : never;
}[keyof GaussFit];

/** What unit a field is in: the position's (x), the signal's (y), or none. */
export type FitUnit = "x" | "y" | "none";

/** One fit field. */
export interface FitFieldSpec {
  /** Key in {@linkcode GaussFit}. */
  key: FitNumberKey;
  /** Dataset name under `/scan_NNN/fit/<CH>`. */
  hdf5: string;
  /** Unit kind. */
  unit: FitUnit;
  /** Stored as an integer dataset. */
  integer: boolean;
  /** PV suffix under `FIT:<CH>:`, or null when it is not published. */
  pv: string | null;
  /** Short human label (page, inspect, display). */
  label: string;
  /** Key of this field's standard error, where it has one. */
  err: FitNumberKey | null;
}

/**
 * The fields summarised as mean ± std over a request's repetitions
 * (`fws inspect`, the page's fit table), in their summary order.
 */
export const SUMMARY_KEYS = [
  "center",
  "sigma",
  "amplitude",
  "offset",
  "centerErr",
  "sigmaErr",
  "chi2Red",
  "fwhm",
] as const satisfies readonly FitNumberKey[];

/** One of {@linkcode SUMMARY_KEYS}. */
export type SummaryKey = typeof SUMMARY_KEYS[number];

function field(
  key: FitNumberKey,
  hdf5: string,
  o: Partial<Omit<FitFieldSpec, "key" | "hdf5">> = {},
): FitFieldSpec {
  return {
    key,
    hdf5,
    unit: o.unit ?? "none",
    integer: o.integer ?? false,
    pv: o.pv ?? null,
    label: o.label ?? hdf5,
    err: o.err ?? null,
  };
}

/** Every numeric fit field, in the order files, tables and PVs list them. */
export const FIT_FIELDS: readonly FitFieldSpec[] = [
  field("amplitude", "amplitude", {
    unit: "y",
    pv: "AMPLITUDE",
    label: "amplitude",
    err: "amplitudeErr",
  }),
  field("amplitudeErr", "amplitude_err", {
    unit: "y",
    label: "amplitude error",
  }),
  field("center", "center", {
    unit: "x",
    pv: "CENTER",
    label: "centre",
    err: "centerErr",
  }),
  field("centerErr", "center_err", {
    unit: "x",
    pv: "CENTER_ERR",
    label: "centre error",
  }),
  field("sigma", "sigma", {
    unit: "x",
    pv: "SIGMA",
    label: "sigma",
    err: "sigmaErr",
  }),
  field("sigmaErr", "sigma_err", {
    unit: "x",
    pv: "SIGMA_ERR",
    label: "sigma error",
  }),
  field("offset", "offset", {
    unit: "y",
    pv: "OFFSET",
    label: "offset",
    err: "offsetErr",
  }),
  field("offsetErr", "offset_err", { unit: "y", label: "offset error" }),
  field("chi2Red", "chi2_red", {
    pv: "CHI2",
    label: "χ²/ndf",
  }),
  field("residualRms", "residual_rms", {
    unit: "y",
    label: "residual RMS",
  }),
  field("rSquared", "r_squared", { label: "R²" }),
  field("fwhm", "fwhm", { unit: "x", label: "FWHM" }),
  field("rms", "rms", { unit: "x", label: "RMS width" }),
  field("centroid", "centroid", { unit: "x", label: "centroid" }),
  field("nPoints", "n_points", { integer: true, label: "points" }),
  field("iterations", "iterations", { integer: true, label: "iterations" }),
  field("nEvaluations", "n_evaluations", {
    integer: true,
    label: "evaluations",
  }),
];

/** The fields stored as floating-point numbers (all but the counts). */
export const FIT_FLOAT_FIELDS: readonly FitFieldSpec[] = FIT_FIELDS.filter((
  f,
) => !f.integer);

/** The fields stored as integers (point, iteration and evaluation counts). */
export const FIT_INTEGER_FIELDS: readonly FitFieldSpec[] = FIT_FIELDS.filter((
  f,
) => f.integer);

/** The fit field of a key. */
export function fitField(key: FitNumberKey): FitFieldSpec {
  const f = FIT_FIELDS.find((s) => s.key === key);
  if (!f) throw new Error(`fit field '${key}': expected one of the registry`);
  return f;
}

/** PV suffix of the fit's success flag (`FIT:<CH>:OK`, 1 = OK). */
export const FIT_OK_PV = "OK";

/** A value of the beam shape that has a standard error. */
export type BeamShapeKey =
  | "sigmaX"
  | "sigmaY"
  | "sigmaXY"
  | "tilt"
  | "correlation";

/** One beam-shape quantity: its names in the file, on PVs, and its unit. */
export interface BeamShapeField {
  key: BeamShapeKey;
  /** Dataset name (the error is `<hdf5>_err`). */
  hdf5: string;
  /** PV suffix, `BEAM:<pv>` (the error `BEAM:<pv>_ERR`). */
  pv: string;
  unit: "mm" | "mm2" | "deg" | "";
  label: string;
}

/** The beam-shape quantities, in display order: the one list of their names. */
export const BEAM_SHAPE_FIELDS: readonly BeamShapeField[] = [
  { key: "sigmaX", hdf5: "sigma_x", pv: "SIGMA_X", unit: "mm", label: "σx" },
  { key: "sigmaY", hdf5: "sigma_y", pv: "SIGMA_Y", unit: "mm", label: "σy" },
  {
    key: "sigmaXY",
    hdf5: "sigma_xy",
    pv: "SIGMA_XY",
    unit: "mm2",
    label: "σxy",
  },
  { key: "tilt", hdf5: "tilt", pv: "TILT", unit: "deg", label: "tilt" },
  {
    key: "correlation",
    hdf5: "correlation",
    pv: "CORR",
    unit: "",
    label: "correlation",
  },
];

/**
 * What a request may ask to fit besides the Gaussian (the PV `FIT:MODEL`, in
 * this order): `gauss` alone (the default), `auto` (every model, the best by
 * AICc chosen), or one model of the registry (`model_fields.ts`; a test keeps
 * the two lists equal).
 */
export const FIT_MODEL_CHOICES = [
  "gauss",
  "auto",
  "gauss_linear",
  "super_gauss",
  "split_gauss",
  "double_gauss",
  "q_gauss",
] as const;

/** One of {@link FIT_MODEL_CHOICES}. */
export type FitModelChoice = typeof FIT_MODEL_CHOICES[number];

/** Why a point was left out, in code order (code = index + 1; 0 = kept). */
export const REJECTION_REASONS = [
  "nan",
  "saturated",
  "low_beam",
  "outlier",
] as const;

/** One of {@link REJECTION_REASONS}. */
export type RejectionReason = typeof REJECTION_REASONS[number];

/** A reason's code in the mask (0 is a point kept). */
export function rejectionCode(reason: RejectionReason): number {
  return REJECTION_REASONS.indexOf(reason) + 1;
}

/** What a reason means, for the file's attributes and the docs. */
export const REJECTION_MEANINGS: Readonly<Record<RejectionReason, string>> = {
  nan: "position or signal not a number",
  saturated: "signal at the ADC's saturation level",
  low_beam: "beam reading below the fraction of the median (or none)",
  outlier: "residual beyond k × MAD of the fit's residuals",
};
