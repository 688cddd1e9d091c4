/**
 * Levenberg–Marquardt for the one model `A·exp(−(x−μ)²/(2σ²)) + c` on
 * Float64Array: analytic Jacobian, 4×4 normal equations solved by a scaled
 * Cholesky factorization, and MINPACK's stopping rules (ftol, xtol, gtol,
 * maximum number of function evaluations).
 *
 * Each evaluation is one call of the fit kernels (`kernels/mod.ts`:
 * residuals, `JᵀWJ` and `JᵀWr` in one pass of WebAssembly SIMD over the
 * data, copied there once per fit).
 *
 * @module
 */
import type { KernelData } from "./kernels/mod.ts";
import { cholesky4, choleskySolve4 } from "./sym4.ts";

/** Stopping tolerances, as in MINPACK `lmder` / scipy `leastsq`. */
export interface LmOptions {
  /** Relative reduction of the sum of squares considered converged. */
  ftol: number;
  /** Relative change of the (scaled) parameters considered converged. */
  xtol: number;
  /** Cosine between residuals and any Jacobian column considered orthogonal. */
  gtol: number;
  /** Maximum number of model evaluations. */
  maxEvaluations: number;
  /**
   * The polish after convergence stops once the next Gauss–Newton step is
   * shorter than this many standard errors (default 10⁻⁷).
   */
  polishTolerance?: number;
}

/** Maximum number of Gauss–Newton polish steps after convergence. */
const MAX_POLISH = 20;
/** Polish until the next step is shorter than this many standard errors
 * (the parameters are then ~1e-7 standard errors from the minimum). */
const POLISH_TOL = 1e-7;
/**
 * A polish step shorter than this many standard errors is taken without
 * evaluating the model there, and ends the polish: the quadratic model is
 * exact to far below that length (the next step measured 10⁻²–10⁻³ of it
 * on every model), so the evaluation would only confirm it. χ² becomes
 * the predicted one, and `JᵀWJ` stays that of the last evaluation (10⁻⁶
 * standard errors away: the covariance changes by far less than 10⁻⁶).
 */
const TRUSTED_STEP = 1e-6;

/**
 * What a polish does with its next Gauss–Newton step, whose predicted
 * reduction of χ² is `size` (δᵀ·JᵀWJ·δ) with `dof` degrees of freedom:
 * `"done"` below `tolerance` standard errors (default 10⁻⁷), `"trust"`
 * (take it unevaluated, χ² lowered by `size`, and stop) below 10⁻⁶, else
 * `"evaluate"`. Both Levenberg–Marquardt solvers polish by this rule.
 */
export function polishStep(
  size: number,
  chi2: number,
  options: { dof: number; tolerance?: number },
): "done" | "trust" | "evaluate" {
  const tolerance = options.tolerance ?? POLISH_TOL;
  // the squared length in standard errors
  const length2 = size * options.dof / chi2;
  if (!(length2 > tolerance * tolerance)) return "done";
  return length2 < TRUSTED_STEP * TRUSTED_STEP ? "trust" : "evaluate";
}

/** Which rule stopped the iteration. */
export type LmStop =
  | "ftol"
  | "xtol"
  | "gtol"
  | "exact"
  | "maxEvaluations"
  | "nonFinite"
  | "singular";

/** Result of {@linkcode levenbergMarquardt}. */
export interface LmResult {
  stop: LmStop;
  /** Weighted sum of squared residuals at `p`. */
  chi2: number;
  /** Accepted steps. */
  iterations: number;
  /** Model evaluations (each with its Jacobian). */
  nEvaluations: number;
}

/**
 * Minimizes `Σ w·(y − f(x; p))²` over the fit's data in the kernels'
 * memory (`loadFitData`), starting from `p` (updated in place).
 * On return `h` holds `JᵀWJ` at the returned `p` (or at most 10⁻⁶
 * standard errors from it: {@linkcode polishStep}).
 *
 * Steps solve `(JᵀWJ + λ·D²)·δ = JᵀWr` with `D` the running maximum of the
 * Jacobian column norms (MINPACK's scaling); `λ` follows Nielsen's gain-ratio
 * update; a step is accepted when the actual reduction is at least 10⁻⁴ of
 * the predicted one. Stops, as MINPACK does, when
 * - ftol: actual and predicted relative reductions are both ≤ ftol;
 * - xtol: the scaled step is ≤ xtol × the scaled parameter norm;
 * - gtol: max |cos(residual, Jacobian column)| ≤ gtol;
 * - maxEvaluations: the budget is spent (not converged).
 *
 * After convergence, Gauss–Newton steps (λ = 0) polish the solution while
 * the next step is longer than 10⁻⁷ standard errors and χ² does not
 * increase (at most 20): the stopping rules bound the change of χ², which
 * on a slowly (linearly) converging, noisy profile leaves the parameters up
 * to ~10⁻⁵ of a standard error from the minimum — scipy's curve_fit has the
 * same limit. A step shorter than 10⁻⁶ standard errors is taken without an
 * evaluation ({@linkcode polishStep}); usually the polish costs none.
 */
export function levenbergMarquardt(
  data: KernelData,
  p: Float64Array,
  h: Float64Array,
  options: LmOptions,
): LmResult {
  const { ftol, xtol, gtol, maxEvaluations } = options;
  const accumulate = (
    q: Float64Array,
    hq: Float64Array,
    gq: Float64Array,
  ): number => data.evaluate("gauss", q, hq, gq);
  const g = new Float64Array(4);
  let ht: Float64Array = new Float64Array(16);
  let gt: Float64Array = new Float64Array(4);
  const hs = h;
  let hc: Float64Array = h;
  const pt = new Float64Array(4);
  const delta = new Float64Array(4);
  const dscale = new Float64Array(4);
  const m = new Float64Array(16);
  const b = new Float64Array(4);
  let gc: Float64Array = g;
  /** The trial point's JᵀWJ and JᵀWr become the current ones. */
  const swap = (): void => {
    const h2 = hc, g2 = gc;
    hc = ht;
    gc = gt;
    ht = h2;
    gt = g2;
  };
  const dof = Math.max(1, data.length - 4);
  const polish = (): void => {
    for (let k = 0; k < MAX_POLISH && nEvaluations < maxEvaluations; k++) {
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 4; j++) {
          m[i * 4 + j] = hc[i * 4 + j] / (dscale[i] * dscale[j]);
        }
        b[i] = gc[i] / dscale[i];
      }
      if (!cholesky4(m)) return;
      choleskySolve4(m, b, delta);
      let size = 0;
      for (let i = 0; i < 4; i++) size += delta[i] * b[i];
      const next = polishStep(size, chi2, {
        dof,
        tolerance: options.polishTolerance,
      });
      if (next === "done") return;
      for (let i = 0; i < 4; i++) pt[i] = p[i] + delta[i] / dscale[i];
      if (next === "trust") {
        p.set(pt);
        chi2 = Math.max(0, chi2 - size);
        iterations++;
        return;
      }
      const chi2t = accumulate(pt, ht, gt);
      nEvaluations++;
      if (!(chi2t <= chi2)) return;
      p.set(pt);
      swap();
      chi2 = chi2t;
      iterations++;
    }
  };
  const done = (stop: LmStop): LmResult => {
    const converged = stop === "ftol" || stop === "xtol" || stop === "gtol";
    if (converged && nEvaluations < maxEvaluations) polish();
    if (hc !== hs) hs.set(hc);
    return { stop, chi2, iterations, nEvaluations };
  };

  let chi2 = accumulate(p, hc, gc);
  let nEvaluations = 1;
  let iterations = 0;
  if (!Number.isFinite(chi2)) return done("nonFinite");
  for (let j = 0; j < 4; j++) dscale[j] = Math.sqrt(hc[j * 5]) || 1;
  let lambda = 1e-3;
  let nu = 2;
  for (;;) {
    if (chi2 === 0) return done("exact");
    let gnorm = 0;
    for (let j = 0; j < 4; j++) {
      const hjj = hc[j * 5];
      if (hjj > 0) {
        gnorm = Math.max(gnorm, Math.abs(gc[j]) / Math.sqrt(hjj * chi2));
      }
    }
    if (gnorm <= gtol) return done("gtol");
    for (;;) {
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 4; j++) {
          m[i * 4 + j] = hc[i * 4 + j] / (dscale[i] * dscale[j]);
        }
        m[i * 5] += lambda;
        b[i] = gc[i] / dscale[i];
      }
      if (!cholesky4(m)) {
        lambda *= nu;
        nu *= 2;
        if (lambda > 1e30) return done("singular");
        continue;
      }
      choleskySolve4(m, b, delta);
      let pnorm = 0, xnorm = 0, pred = 0;
      for (let i = 0; i < 4; i++) {
        delta[i] /= dscale[i];
        pt[i] = p[i] + delta[i];
        pnorm += (dscale[i] * delta[i]) ** 2;
        xnorm += (dscale[i] * p[i]) ** 2;
      }
      for (let i = 0; i < 4; i++) {
        let hd = 0;
        for (let j = 0; j < 4; j++) hd += hc[i * 4 + j] * delta[j];
        pred += delta[i] * (2 * gc[i] - hd);
      }
      pnorm = Math.sqrt(pnorm);
      xnorm = Math.sqrt(xnorm);
      const chi2t = accumulate(pt, ht, gt);
      nEvaluations++;
      const actred = Number.isFinite(chi2t) ? 1 - chi2t / chi2 : -1;
      const prered = pred / chi2;
      const ratio = prered > 0 ? actred / prered : 0;
      const accepted = ratio >= 1e-4;
      if (accepted) {
        p.set(pt);
        swap();
        chi2 = chi2t;
        iterations++;
        for (let j = 0; j < 4; j++) {
          dscale[j] = Math.max(dscale[j], Math.sqrt(hc[j * 5]));
        }
      }
      ({ lambda, nu } = nextDamping(accepted, ratio, { lambda, nu }));
      const stop = stopAfterStep({
        actred,
        prered,
        ratio,
        pnorm,
        xnorm,
        lambda,
        ftol,
        xtol,
        nEvaluations,
        maxEvaluations,
      });
      if (stop) return done(stop);
      if (accepted) break;
    }
  }
}

/** The damping after a trial step (MINPACK's rule on the gain ratio). */
export function nextDamping(
  accepted: boolean,
  ratio: number,
  damping: { lambda: number; nu: number },
): { lambda: number; nu: number } {
  return accepted
    ? {
      lambda: damping.lambda * Math.max(1 / 3, 1 - (2 * ratio - 1) ** 3),
      nu: 2,
    }
    : { lambda: damping.lambda * damping.nu, nu: damping.nu * 2 };
}

/** The convergence and failure tests after a trial step, in MINPACK's order. */
export function stopAfterStep(step: {
  actred: number;
  prered: number;
  ratio: number;
  pnorm: number;
  xnorm: number;
  lambda: number;
  ftol: number;
  xtol: number;
  nEvaluations: number;
  maxEvaluations: number;
}): LmStop | undefined {
  const s = step;
  if (
    Math.abs(s.actred) <= s.ftol && s.prered <= s.ftol && 0.5 * s.ratio <= 1
  ) {
    return "ftol";
  }
  if (s.pnorm <= s.xtol * s.xnorm) return "xtol";
  if (s.nEvaluations >= s.maxEvaluations) return "maxEvaluations";
  if (!Number.isFinite(s.lambda) || s.lambda > 1e30) return "singular";
  return undefined;
}
