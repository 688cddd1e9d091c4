/**
 * The automatic model choice: every model of the registry fitted to one
 * profile, ranked by AICc (BIC reported beside it), the Gaussian kept unless
 * another model is strongly better, and a refusal (`ok = false` with the
 * reason) when no model beats a flat background. Never throws.
 *
 * @module
 */
import { checkInputs, usable } from "./gauss_fit.ts";
import type { FitData } from "./kernels/mod.ts";
import { type InitialGuess, initialGuess } from "./initial_guess.ts";
import { MODEL_NAMES, type ModelName } from "./model_fields.ts";
import {
  fitModel,
  informationCriteria,
  type ModelFit,
  type ModelFitOptions,
} from "./model_fit.ts";

/**
 * ΔAICc by which a model must beat the Gaussian (and any model a flat
 * background) to be chosen: 10, "essentially no support" for the worse one
 * on Burnham and Anderson's scale. Every other model contains the Gaussian
 * (b = 0, P = 2, σL = σR, Aₕ = 0, q = 1), and with 5 models of one extra
 * parameter plain AICc would prefer one of them on ~40 % of Gaussian
 * profiles by noise alone (P(χ²₁ > 2) = 16 % each).
 */
export const CHOICE_MARGIN = 10;

/**
 * Standard errors to which every model is polished before the choice; the
 * chosen one is then polished to 10⁻⁷, as a single fit is. The models that
 * do not describe the profile converge slowly (linearly), and their polish
 * to 10⁻⁷ took a third of all evaluations; at 10⁻⁴ they stay within
 * 4·10⁻⁴ standard errors of their single fit (10⁻³ let one slide 8 along
 * a flat valley), with 13 % fewer evaluations in all.
 */
const CHOICE_POLISH = 1e-4;

/** Profiles of at least this many points are fitted first on a subsample. */
const SUBSAMPLE_FROM = 50_000;
/** Points of that subsample (about; every k-th point). */
const SUBSAMPLE = 10_000;

/** Every k-th point, k = ⌊N / SUBSAMPLE⌋. */
function subsample(data: FitData): FitData {
  const k = Math.floor(data.x.length / SUBSAMPLE);
  const m = Math.floor(data.x.length / k);
  const x = new Float64Array(m), y = new Float64Array(m);
  const w = data.w && new Float64Array(m);
  for (let i = 0; i < m; i++) {
    x[i] = data.x[i * k];
    y[i] = data.y[i * k];
    if (w) w[i] = data.w![i * k];
  }
  return { x, y, w };
}

/** Options of {@linkcode fitAuto}: those of every fit. */
export type AutoOptions = Omit<
  ModelFitOptions,
  "model" | "initial" | "guess" | "polishTolerance"
>;

/** Outcome of {@linkcode fitAuto}. */
export interface AutoFit {
  /** A model was chosen. */
  ok: boolean;
  /** Which model and why, or why none. */
  message: string;
  /** The chosen model, or null. */
  chosen: ModelName | null;
  /** Its fit (the Gaussian's, failed or not, when none was chosen). */
  fit: ModelFit;
  /** Every model's fit, by name. */
  fits: Record<ModelName, ModelFit>;
  /** The models that fitted (ok), best AICc first. */
  ranking: ModelName[];
  /** The best other model that fitted, or null. */
  runnerUp: ModelName | null;
  /** Its AICc minus the chosen one's (negative when the Gaussian was kept
   * within {@linkcode CHOICE_MARGIN}); NaN without a runner-up. */
  deltaAicc: number;
  /** AICc of a flat background (the constant alone). */
  flatAicc: number;
}

/**
 * Fits every model — the Gaussian from the moments-based initial guess,
 * the others from `modelStart` of the fitted Gaussian (each of them
 * contains it; of the guess when the Gaussian failed); from 50 000 points
 * on, each is fitted first on every k-th point (about 10 000) and the full
 * fit starts from there (the same minimum in a third of the evaluations);
 * each polished to 10⁻⁴ standard errors, the chosen one then to 10⁻⁷ —
 * and chooses:
 * 1. among the fits with `ok`, the lowest AICc;
 * 2. but the Gaussian when that best one does not beat the Gaussian's AICc
 *    by more than {@linkcode CHOICE_MARGIN};
 * 3. none (`ok = false`) when no fit is ok, or the chosen one does not beat
 *    a flat background's AICc by more than the margin (noise alone).
 *
 * @example
 * ```ts
 * const auto = fitAuto(x, y);
 * if (auto.ok) console.log(auto.chosen, "ΔAICc to", auto.runnerUp, auto.deltaAicc);
 * else console.log(auto.message);
 * ```
 */
export function fitAuto(
  x: Float64Array,
  y: Float64Array,
  options: AutoOptions = {},
): AutoFit {
  const problem = checkInputs(x, y, options.weights);
  const data = problem
    ? { x, y, w: options.weights }
    : usable(x, y, options.weights);
  const guess = problem || data.x.length < 2
    ? undefined
    : initialGuess(data.x, data.y);
  const fits = {} as Record<ModelName, ModelFit>;
  const sub = data.x.length >= SUBSAMPLE_FROM ? subsample(data) : undefined;
  /** Fits `name` from `guess`, first on the subsample when there is one. */
  const fitOne = (
    name: ModelName,
    guess: InitialGuess | undefined,
  ): ModelFit => {
    const rough = sub && fitModel(sub.x, sub.y, {
      model: name,
      ...options,
      weights: sub.w,
      guess,
      polishTolerance: CHOICE_POLISH,
    });
    return fitModel(data.x, data.y, {
      model: name,
      ...options,
      weights: data.w,
      guess,
      initial: rough?.ok ? rough.params : undefined,
      polishTolerance: CHOICE_POLISH,
    });
  };
  fits.gauss = fitOne("gauss", guess);
  // the others start from the fitted Gaussian (each contains it) and the
  // guess's widths, else from the same moments-based guess
  const g = fits.gauss;
  const start: InitialGuess | undefined = g.ok
    ? {
      ok: true,
      amplitude: g.params[0],
      center: g.params[1],
      sigma: g.params[2],
      offset: g.params[3],
      fwhm: guess?.ok ? guess.fwhm : NaN,
      fwqm: guess?.ok ? guess.fwqm : NaN,
    }
    : guess;
  for (const name of MODEL_NAMES) {
    if (name !== "gauss") fits[name] = fitOne(name, start);
  }
  const flatAicc = problem ? NaN : flatCriterion(data);
  const ranking = MODEL_NAMES.filter((n) => fits[n].ok).sort((a, b) =>
    fits[a].aicc - fits[b].aicc
  );
  const none = (message: string): AutoFit => ({
    ok: false,
    message,
    chosen: null,
    fit: fits.gauss,
    fits,
    ranking,
    runnerUp: null,
    deltaAicc: NaN,
    flatAicc,
  });
  if (ranking.length === 0) {
    return none(`no model fitted: ${fits.gauss.message}`);
  }
  const best = ranking[0];
  const chosen = fits.gauss.ok &&
      !(fits[best].aicc < fits.gauss.aicc - CHOICE_MARGIN)
    ? "gauss"
    : best;
  fits[chosen] = polishedFit(fits[chosen], data, options);
  const fit = fits[chosen];
  if (!(fit.aicc < flatAicc - CHOICE_MARGIN)) {
    return none(
      `no peak: the best model (${chosen}, AICc ${
        fit.aicc.toFixed(1)
      }) does not beat a flat background (AICc ${
        flatAicc.toFixed(1)
      }) by more than ${CHOICE_MARGIN}`,
    );
  }
  const runnerUp = ranking.find((n) => n !== chosen) ?? null;
  const deltaAicc = runnerUp ? fits[runnerUp].aicc - fit.aicc : NaN;
  const why = chosen === best
    ? "lowest AICc"
    : `the Gaussian kept: ${best} is better by only ${
      (fits.gauss.aicc - fits[best].aicc).toFixed(1)
    } ≤ ${CHOICE_MARGIN}`;
  return {
    ok: true,
    message: `${chosen} (${why}; runner-up ${runnerUp ?? "none"}${
      runnerUp ? `, ΔAICc ${deltaAicc.toFixed(1)}` : ""
    })`,
    chosen,
    fit,
    fits,
    ranking,
    runnerUp,
    deltaAicc,
    flatAicc,
  };
}

/**
 * `loose` polished to 10⁻⁷ standard errors, as a single fit: fitted again
 * from its parameters (the evaluations of both counted), or `loose` itself
 * when that fails.
 */
function polishedFit(
  loose: ModelFit,
  data: FitData,
  options: AutoOptions,
): ModelFit {
  const fit = fitModel(data.x, data.y, {
    model: loose.model,
    ...options,
    weights: data.w,
    initial: loose.params,
  });
  if (!fit.ok) return loose;
  return {
    ...fit,
    iterations: loose.iterations + fit.iterations,
    nEvaluations: loose.nEvaluations + fit.nEvaluations,
  };
}

/**
 * AICc of the constant alone: `Σw(y − ȳ_w)²` with one parameter, in one
 * pass of sums shifted by the first value (for precision on large
 * offsets).
 */
function flatCriterion(data: FitData): number {
  const { y, w } = data;
  const y0 = y[0];
  let sw = 0, s1 = 0, s2 = 0;
  for (let i = 0; i < y.length; i++) {
    const wi = w === undefined ? 1 : w[i];
    const d = y[i] - y0;
    sw += wi;
    s1 += wi * d;
    s2 += wi * d * d;
  }
  const ss = s2 - s1 * s1 / sw;
  return informationCriteria({ chi2: ss, nPoints: y.length, nParams: 1 })
    .aicc;
}
