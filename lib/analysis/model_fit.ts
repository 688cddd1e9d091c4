/**
 * Fits of every profile model of the registry (`model_fields.ts`) with
 * standard errors as scipy's `curve_fit` reports them (absolute_sigma =
 * False: `√diag((JᵀWJ)⁻¹·χ²/(N − n))`), the information criteria the
 * automatic choice ranks them by, and the double Gaussian's halo fraction
 * with its propagated error. The plain Gaussian is `fitGaussian`, unchanged;
 * the others run the general Levenberg–Marquardt of `lm_general.ts` from
 * starting points derived from the one moments-based `initialGuess`. Never
 * throws: a failed fit has `ok = false` and a reason.
 *
 * @module
 */
import {
  checkInputs,
  DEFAULT_TOL,
  fitGaussian,
  MIN_POINTS,
  MIN_SIGNIFICANCE,
  STOP_MESSAGES,
  usable,
} from "./gauss_fit.ts";
import {
  type GaussParams,
  type InitialGuess,
  initialGuess,
  type ProfileWidths,
} from "./initial_guess.ts";
import { loadFitData } from "./kernels/mod.ts";
import { levenbergMarquardtN } from "./lm_general.ts";
import { modelSpec } from "./model_fields.ts";
import { MODEL_PARAMETER_COUNTS, modelFwhm, type ModelName } from "./models.ts";
import type { ModelFitResult } from "../scan/model.ts";
import { invertSymN } from "./symn.ts";

/** Options of {@linkcode fitModel}; defaults are curve_fit's. */
export interface ModelFitOptions {
  /** The model to fit (a name of the registry). */
  model: ModelName;
  /** Weight `wᵢ = 1/σᵢ²` of each point (curve_fit's `sigma = 1/√w`). */
  weights?: Float64Array;
  /** Relative reduction of χ² considered converged (default 1.49012e-8). */
  ftol?: number;
  /** Relative change of the parameters considered converged (default 1.49012e-8). */
  xtol?: number;
  /** Orthogonality of residuals and Jacobian considered converged (default 0). */
  gtol?: number;
  /** Maximum number of model evaluations (default 200·(n + 1), MINPACK's). */
  maxEvaluations?: number;
  /** Polish the converged fit until its next step is shorter than this
   * many standard errors (default 10⁻⁷: curve_fit's minimum to 10⁻⁶). */
  polishTolerance?: number;
  /** Starting parameter vector instead of {@linkcode modelStart}'s. */
  initial?: readonly number[];
  /** The moments-based guess, when the caller has it already (auto). */
  guess?: InitialGuess;
}

/** One model's fit (the stored shape, with the model's name typed). */
export interface ModelFit extends ModelFitResult {
  model: ModelName;
}

/**
 * Information criteria of a least-squares fit with unknown noise variance:
 * `K = nParams + 1` (the variance counts), `AIC = N·ln(χ²/N) + 2K`,
 * `AICc = AIC + 2K(K+1)/(N − K − 1)`, `BIC = N·ln(χ²/N) + K·ln N`.
 */
export function informationCriteria(
  fit: { chi2: number; nPoints: number; nParams: number },
): { aicc: number; bic: number } {
  const { chi2, nPoints, nParams } = fit;
  const k = nParams + 1;
  const ll = nPoints * Math.log(chi2 / nPoints);
  const aicc = nPoints - k - 1 > 0
    ? ll + 2 * k + 2 * k * (k + 1) / (nPoints - k - 1)
    : Infinity;
  return { aicc, bic: ll + k * Math.log(nPoints) };
}

/**
 * A fit's parameters and errors by the registry's keys: `{ amplitude,
 * amplitudeErr, center, centerErr, … }` (what a PV or a file row names).
 *
 * @example
 * ```ts
 * const v = namedValues(fitModel(x, y, { model: "split_gauss" }));
 * console.log(v.sigmaLeft, v.sigmaLeftErr);
 * ```
 */
export function namedValues(fit: ModelFit): Record<string, number> {
  const out: Record<string, number> = {};
  modelSpec(fit.model).params.forEach((p, k) => {
    out[p.key] = fit.params[k];
    out[`${p.key}Err`] = fit.errors[k];
  });
  return out;
}

/**
 * A model's starting vector from the moments-based Gaussian guess: the
 * same peak with a flat line (`gauss_linear`), σL = σR (`split_gauss`);
 * for `double_gauss` a core of 0.8·A and 0.8·σ under a halo of 0.2·A and
 * 2.5·σ. The super-Gaussian's order and the q-Gaussian's q (with the σ
 * that gives the same FWHM) come from the ratio r of the profile's full
 * widths at a quarter and at half maximum, which each model ties to its
 * shape in closed form: r = 2^(1/P), r² = 2^(q−1) + 1 (√2 for a
 * Gaussian); without both widths, order 2 and q = 1.
 */
export function modelStart(
  name: ModelName,
  g: GaussParams & Partial<ProfileWidths>,
): number[] {
  const { amplitude: a, center: mu, sigma: s, offset: c } = g;
  const r = (g.fwqm ?? NaN) / (g.fwhm ?? NaN);
  const widths = r > 1 && r < Infinity;
  switch (name) {
    case "gauss":
      return [a, mu, s, c];
    case "gauss_linear":
      return [a, mu, s, c, 0];
    case "super_gauss": {
      if (!widths) return [a, mu, s, 2, c];
      const order = Math.min(10, Math.max(1.1, Math.LN2 / Math.log(r)));
      // FWHM = 2√2·σ·(ln 2)^(1/P)
      const sigma = g.fwhm! / (2 * Math.SQRT2 * Math.LN2 ** (1 / order));
      return [a, mu, sigma, order, c];
    }
    case "split_gauss":
      return [a, mu, s, s, c];
    case "double_gauss":
      return [0.8 * a, mu, 0.8 * s, 0.2 * a, 2.5 * s, c];
    case "q_gauss": {
      if (!widths) return [a, mu, s, 1, c];
      const e = Math.min(1.5, Math.max(-0.5, Math.log2(r * r - 1)));
      // FWHM² = 8σ²·(2^(q−1) − 1)/(q−1)
      const half = Math.abs(e) < 1e-9 ? Math.LN2 : (2 ** e - 1) / e;
      return [a, mu, g.fwhm! / Math.sqrt(8 * half), 1 + e, c];
    }
  }
}

/** A failed fit of `name`: NaN numbers, the reason. */
function failed(
  name: ModelName,
  message: string,
  counts: Partial<Pick<ModelFit, "nPoints" | "iterations" | "nEvaluations">> =
    {},
): ModelFit {
  const n = MODEL_PARAMETER_COUNTS[name];
  return {
    model: name,
    ok: false,
    message: `${modelSpec(name).label}: ${message}`,
    params: new Array(n).fill(NaN),
    errors: new Array(n).fill(NaN),
    chi2: NaN,
    nPoints: counts.nPoints ?? 0,
    aicc: NaN,
    bic: NaN,
    fwhm: NaN,
    haloFraction: NaN,
    haloFractionErr: NaN,
    iterations: counts.iterations ?? 0,
    nEvaluations: counts.nEvaluations ?? 0,
  };
}

/** Parameter indices that are widths (their sign is irrelevant). */
const WIDTHS: Readonly<Record<ModelName, readonly number[]>> = {
  gauss: [2],
  gauss_linear: [2],
  super_gauss: [],
  split_gauss: [2, 3],
  double_gauss: [2, 4],
  q_gauss: [2],
};

/**
 * Fits `options.model` to the profile `(x, y)`. `gauss` is
 * {@linkcode fitGaussian} itself; the others are fitted by the general
 * Levenberg–Marquardt (MINPACK's stopping rules, curve_fit's tolerances).
 *
 * `ok` is false, with the reason in `message`, for invalid input, fewer
 * than n + 1 points, no initial guess (flat, a dip), no convergence, a
 * singular covariance, an amplitude that is not positive or below 5
 * standard errors, a width whose error exceeds it (not determined: a
 * truncated side, a halo the noise hides), a centre outside the scanned range, a super-Gaussian
 * order below 1 (a cusp), a q ≥ 3 (not normalisable), or a negative halo. Never throws.
 *
 * @example
 * ```ts
 * const fit = fitModel(x, y, { model: "super_gauss" });
 * if (fit.ok) console.log(`order ${fit.params[3]} ± ${fit.errors[3]}`);
 * ```
 */
export function fitModel(
  x: Float64Array,
  y: Float64Array,
  options: ModelFitOptions,
): ModelFit {
  const name = options.model;
  try {
    return name === "gauss"
      ? fromGaussian(x, y, options)
      : fitGeneral(name, x, y, options);
  } catch (error) {
    return failed(
      name,
      `fit failed unexpectedly: ${(error as Error)?.message}`,
    );
  }
}

function fromGaussian(
  x: Float64Array,
  y: Float64Array,
  options: ModelFitOptions,
): ModelFit {
  const i = options.initial;
  const guess = options.guess;
  if (!i && guess && !guess.ok) {
    return failed("gauss", guess.message, { nPoints: x.length });
  }
  const initial = i
    ? { amplitude: i[0], center: i[1], sigma: i[2], offset: i[3] }
    : guess?.ok
    ? guess
    : undefined;
  const g = fitGaussian(x, y, {
    weights: options.weights,
    ftol: options.ftol,
    xtol: options.xtol,
    gtol: options.gtol,
    maxEvaluations: options.maxEvaluations,
    polishTolerance: options.polishTolerance,
    initial,
  });
  const counts = {
    nPoints: g.nPoints,
    iterations: g.iterations,
    nEvaluations: g.nEvaluations,
  };
  if (!g.ok) return failed("gauss", g.message, counts);
  const dof = g.nPoints - 4;
  const chi2 = options.weights ? g.chi2Red * dof : g.residualRms ** 2 * dof;
  return {
    model: "gauss",
    ok: true,
    message: g.message,
    params: [g.amplitude, g.center, g.sigma, g.offset],
    errors: [g.amplitudeErr, g.centerErr, g.sigmaErr, g.offsetErr],
    chi2,
    ...informationCriteria({ chi2, nPoints: g.nPoints, nParams: 4 }),
    fwhm: g.fwhm,
    haloFraction: NaN,
    haloFractionErr: NaN,
    ...counts,
  };
}

function fitGeneral(
  name: Exclude<ModelName, "gauss">,
  x: Float64Array,
  y: Float64Array,
  options: ModelFitOptions,
): ModelFit {
  const problem = checkInputs(x, y, options.weights);
  if (problem) return failed(name, problem);
  const data = usable(x, y, options.weights);
  const nPoints = data.x.length;
  const np = MODEL_PARAMETER_COUNTS[name];
  const minPoints = Math.max(MIN_POINTS, np + 1);
  if (nPoints < minPoints) {
    return failed(
      name,
      `too few points: ${nPoints} with non-zero weight, at least ${minPoints} needed`,
      { nPoints },
    );
  }
  let start = options.initial;
  if (!start) {
    const g = options.guess ?? initialGuess(data.x, data.y);
    if (!g.ok) return failed(name, g.message, { nPoints });
    start = modelStart(name, g);
  }
  if (start.length !== np) {
    return failed(
      name,
      `initial has ${start.length} parameters, expected ${np}`,
      { nPoints },
    );
  }
  const p = Float64Array.from(start);
  const h = new Float64Array(np * np);
  const range = xRangeOf(data.x);
  const lm = levenbergMarquardtN(name, loadFitData(data), p, h, {
    ftol: options.ftol ?? DEFAULT_TOL,
    xtol: options.xtol ?? DEFAULT_TOL,
    gtol: options.gtol ?? 0,
    maxEvaluations: options.maxEvaluations ?? 200 * (np + 1),
    polishTolerance: options.polishTolerance,
    worthPolishing: (q, hq, chi2) =>
      typeof judged(name, Float64Array.from(q), hq, { chi2, range }) !==
        "string",
  });
  const counts = {
    nPoints,
    iterations: lm.iterations,
    nEvaluations: lm.nEvaluations,
  };
  const stopMessage = `${
    STOP_MESSAGES[lm.stop]
  } (${lm.iterations} iterations, ${lm.nEvaluations} evaluations)`;
  if (!["ftol", "xtol", "gtol", "exact"].includes(lm.stop)) {
    return failed(name, stopMessage, counts);
  }
  const j = judged(name, p, h, { chi2: lm.chi2, range });
  if (typeof j === "string") return failed(name, j, counts);
  const { params, errors, cov } = j;
  const halo = name === "double_gauss"
    ? haloFraction(params, cov)
    : { value: NaN, err: NaN };
  const result: ModelFit = {
    model: name,
    ok: true,
    message: stopMessage,
    params,
    errors,
    chi2: lm.chi2,
    ...informationCriteria({ chi2: lm.chi2, nPoints, nParams: np }),
    fwhm: modelFwhm({ model: name, params }),
    haloFraction: halo.value,
    haloFractionErr: halo.err,
    ...counts,
  };
  if (![...params, ...errors, result.aicc].every(Number.isFinite)) {
    return failed(name, "the fit gave a non-finite parameter or error", counts);
  }
  return result;
}

/**
 * The fit at `p` (with `JᵀWJ` `h`, χ² over `x.length` points) as reported:
 * the scaled covariance, widths made positive, a double Gaussian's core
 * the narrower; or why it is no peak of this model. `p` is changed.
 */
function judged(
  name: Exclude<ModelName, "gauss">,
  p: Float64Array,
  h: Float64Array,
  fit: { chi2: number; range: XRange },
): string | { params: number[]; errors: number[]; cov: Float64Array } {
  const np = p.length;
  const cov = new Float64Array(np * np);
  if (!invertSymN(h, cov)) {
    return "the covariance is singular: the parameters are not determined by the data";
  }
  const scale = fit.chi2 / (fit.range.n - np);
  for (let k = 0; k < cov.length; k++) cov[k] *= scale;
  for (const w of WIDTHS[name]) {
    if (p[w] < 0) {
      p[w] = -p[w];
      for (let k = 0; k < np; k++) {
        cov[w * np + k] = -cov[w * np + k];
        cov[k * np + w] = -cov[k * np + w];
      }
    }
  }
  if (name === "double_gauss" && p[2] > p[4]) swapCoreHalo(p, cov);
  const params = Array.from(p);
  const errors = params.map((_, k) => Math.sqrt(cov[k * np + k]));
  const why = implausible(name, params, errors, fit.range);
  return why || { params, errors, cov };
}

/** Exchanges core and halo (indices 0, 2 with 3, 4) in `p` and `cov`. */
function swapCoreHalo(p: Float64Array, cov: Float64Array): void {
  const n = 6;
  const perm = [3, 1, 4, 0, 2, 5];
  const p2 = perm.map((k) => p[k]);
  const c2 = new Float64Array(36);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) c2[i * n + j] = cov[perm[i] * n + perm[j]];
  }
  p.set(p2);
  cov.set(c2);
}

/** The x range of a fit's points, and their number. */
interface XRange {
  xmin: number;
  xmax: number;
  n: number;
}

/**
 * The x range of `x` (computed once per fit, before the fit), in blocks:
 * as one loop run once per call, V8 entered it through an on-stack-
 * replacement compilation made before the code after it had run, and left
 * it at every call (29 µs at 1e4 points, a quarter of an evaluation).
 */
function xRangeOf(x: Float64Array): XRange {
  const range = { xmin: Infinity, xmax: -Infinity, n: x.length };
  for (let start = 0; start < x.length; start += RANGE_BLOCK) {
    blockRange(x, start, Math.min(x.length, start + RANGE_BLOCK), range);
  }
  return range;
}

/** Points per call of {@linkcode blockRange}. */
const RANGE_BLOCK = 2048;

/** Widens `range` to the points `[start, end)` of `x`. */
function blockRange(
  x: Float64Array,
  start: number,
  end: number,
  range: XRange,
): void {
  let { xmin, xmax } = range;
  for (let i = start; i < end; i++) {
    if (x[i] < xmin) xmin = x[i];
    if (x[i] > xmax) xmax = x[i];
  }
  range.xmin = xmin;
  range.xmax = xmax;
}

/** Why fitted parameters are not a peak of this model, or "". */
function implausible(
  name: ModelName,
  p: number[],
  err: number[],
  range: XRange,
): string {
  if (!(p[0] > 0)) {
    return `no peak: the fitted amplitude ${
      p[0].toPrecision(4)
    } is not positive (a dip)`;
  }
  if (!(p[0] >= MIN_SIGNIFICANCE * err[0])) {
    return `no significant ${
      name === "double_gauss" ? "core" : "peak"
    }: amplitude ${p[0].toPrecision(4)} ± ${
      err[0].toPrecision(2)
    } is below ${MIN_SIGNIFICANCE} standard errors`;
  }
  const { xmin, xmax } = range;
  if (p[1] < xmin || p[1] > xmax) {
    return `no peak in the scanned range: fitted centre ${
      p[1].toPrecision(6)
    } is outside [${xmin}, ${xmax}]`;
  }
  const keys = modelSpec(name).params;
  for (const w of WIDTHS[name]) {
    if (!(err[w] < p[w])) {
      return `${keys[w].label} ${p[w].toPrecision(3)} ± ${
        err[w].toPrecision(2)
      } is not determined by the data (its error exceeds it)`;
    }
  }
  if (name === "super_gauss" && !(p[3] >= 1)) {
    return `the order ${
      p[3].toPrecision(3)
    } is below 1: a cusp at the centre, where the model has no derivative (no standard errors)`;
  }
  if (name === "q_gauss" && !(p[3] < 3)) {
    return `q = ${p[3].toPrecision(4)} is not below 3 (no finite area)`;
  }
  if (name === "double_gauss" && !(p[3] >= 0)) {
    return `the halo amplitude ${
      p[3].toPrecision(4)
    } is negative: not a core plus halo`;
  }
  return "";
}

/**
 * Halo area over total, `h = Aₕσₕ/(Aσ + Aₕσₕ)`, with `√(∇hᵀ·C·∇h)` from
 * the (scaled) covariance `C` of `[A, μ, σ, Aₕ, σₕ, c]`.
 */
function haloFraction(
  p: number[],
  cov: Float64Array,
): { value: number; err: number } {
  const core = p[0] * p[2], halo = p[3] * p[4];
  const t = core + halo;
  const t2 = t * t;
  const grad = [
    -halo * p[2] / t2,
    0,
    -halo * p[0] / t2,
    core * p[4] / t2,
    core * p[3] / t2,
    0,
  ];
  let v = 0;
  for (let i = 0; i < 6; i++) {
    for (let j = 0; j < 6; j++) v += grad[i] * cov[i * 6 + j] * grad[j];
  }
  return { value: halo / t, err: Math.sqrt(v) };
}
