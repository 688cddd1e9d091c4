/**
 * Levenberg–Marquardt for any model of the fit kernels (`kernels/mod.ts`,
 * analytic Jacobians): the algorithm of `levenberg_marquardt.ts`
 * (MINPACK's column scaling and stopping rules, Nielsen's λ update, the
 * Gauss–Newton polish) on n×n normal equations. Each evaluation is one
 * kernel call building `Σw·r²`, `JᵀWJ` and `JᵀWr`; no n×N Jacobian is
 * kept.
 *
 * @module
 */
import type { KernelData } from "./kernels/mod.ts";
import type { ModelName } from "./models.ts";
import { choleskyN, choleskySolveN } from "./symn.ts";
import {
  type LmOptions,
  type LmResult,
  type LmStop,
  nextDamping,
  polishStep,
  stopAfterStep,
} from "./levenberg_marquardt.ts";

export type { LmOptions, LmResult, LmStop };

/** Maximum number of evaluations of the polish after convergence. */
const MAX_POLISH = 1000;
/** A polish step that fails to lower χ² when the Gauss–Newton step's
 * predicted relative reduction of χ² is below this has met χ²'s rounding. */
const ROUNDING = 1e-14;
/** Consecutive failed polish steps that end it. */
const MAX_FAILURES = 8;

/**
 * Minimizes `Σ w·(y − f(x; p))²` over the fit's data in the kernels'
 * memory (`loadFitData`) from `p` (updated in place); on return
 * `h` holds `JᵀWJ` at the returned `p` (or 10⁻⁶ standard errors from it).
 * The rules are those of
 * `levenbergMarquardt` in `levenberg_marquardt.ts`: steps solve
 * `(JᵀWJ + λ·D²)·δ = JᵀWr` with `D` the running maximum of the column
 * norms; a step is accepted when the actual reduction is ≥ 10⁻⁴ of the
 * predicted one; stops on ftol, xtol, gtol, or the evaluation budget; a
 * converged solution is polished by damped steps while the Gauss–Newton
 * step is longer than 10⁻⁷ standard errors (at most 1000 evaluations), the
 * last one, once shorter than 10⁻⁶, without evaluation ({@linkcode polishStep}).
 */
export function levenbergMarquardtN(
  model: ModelName,
  kernel: KernelData,
  p: Float64Array,
  h: Float64Array,
  options: LmOptions & {
    /** Whether the converged `p` (with `JᵀWJ` `h`) is worth polishing. */
    worthPolishing?: (
      p: Float64Array,
      h: Float64Array,
      chi2: number,
    ) => boolean;
  },
): LmResult {
  const { ftol, xtol, gtol, maxEvaluations } = options;
  const n = p.length;
  const accumulate = (
    q: Float64Array,
    hq: Float64Array,
    gq: Float64Array,
  ): number => kernel.evaluate(model, q, hq, gq);
  let hc: Float64Array = h, gc: Float64Array = new Float64Array(n);
  let ht: Float64Array = new Float64Array(n * n);
  let gt: Float64Array = new Float64Array(n);
  const pt = new Float64Array(n), delta = new Float64Array(n);
  const dscale = new Float64Array(n), b = new Float64Array(n);
  const m = new Float64Array(n * n);
  const swap = (): void => {
    [hc, ht] = [ht, hc];
    [gc, gt] = [gt, gc];
  };
  /** Writes the scaled system `D⁻¹(H + λD²)D⁻¹`, `D⁻¹g` into `m`, `b`. */
  const scaled = (lambda: number): void => {
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < n; k++) {
        m[i * n + k] = hc[i * n + k] / (dscale[i] * dscale[k]);
      }
      m[i * n + i] += lambda;
      b[i] = gc[i] / dscale[i];
    }
  };
  const dof = Math.max(1, kernel.length - n);
  let lambda = 1e-3;
  let nu = 2;
  /**
   * After convergence: damped steps while the Gauss–Newton step is longer
   * than 10⁻⁷ standard errors (the Gauss–Newton step itself, unevaluated,
   * once shorter than 10⁻⁶: polishStep), each kept only if χ² decreases (λ shrinking
   * on success, growing on failure); a failure when the Gauss–Newton step
   * predicts a relative reduction of χ² below 10⁻¹⁴ (χ²'s rounding), or the
   * 8th failure in a row, ends it (at most MAX_POLISH evaluations). Where these models'
   * valleys are curved (a faint halo, a truncated side) a plain
   * Gauss–Newton step overshoots, and the stopping rules alone leave the
   * parameters up to 10⁻³ of a standard error short.
   */
  const polish = (): void => {
    lambda = Math.min(lambda, 1e-3);
    let failures = 0;
    for (let k = 0; k < MAX_POLISH && nEvaluations < maxEvaluations; k++) {
      scaled(0);
      if (!choleskyN(m, n)) return;
      choleskySolveN(m, b, delta);
      let size = 0;
      for (let i = 0; i < n; i++) size += delta[i] * b[i];
      const next = polishStep(size, chi2, {
        dof,
        tolerance: options.polishTolerance,
      });
      if (next === "done") return;
      if (next === "trust") {
        for (let i = 0; i < n; i++) p[i] += delta[i] / dscale[i];
        chi2 = Math.max(0, chi2 - size);
        iterations++;
        return;
      }
      scaled(lambda);
      if (!choleskyN(m, n)) return;
      choleskySolveN(m, b, delta);
      for (let i = 0; i < n; i++) pt[i] = p[i] + delta[i] / dscale[i];
      const chi2t = accumulate(pt, ht, gt);
      nEvaluations++;
      if (chi2t < chi2) {
        p.set(pt);
        swap();
        chi2 = chi2t;
        iterations++;
        lambda /= 10;
        failures = 0;
      } else {
        if (size / chi2 < ROUNDING || ++failures >= MAX_FAILURES) return;
        lambda = Math.max(lambda, 1e-6) * 10;
      }
    }
  };
  const done = (stop: LmStop): LmResult => {
    const converged = stop === "ftol" || stop === "xtol" || stop === "gtol";
    // a solution the caller will refuse (a halo not there) is not worth
    // polishing: in its flat valley that took up to MAX_POLISH evaluations
    if (
      converged && nEvaluations < maxEvaluations &&
      (options.worthPolishing?.(p, hc, chi2) ?? true)
    ) polish();
    if (hc !== h) h.set(hc);
    return { stop, chi2, iterations, nEvaluations };
  };

  let chi2 = accumulate(p, hc, gc);
  let nEvaluations = 1;
  let iterations = 0;
  if (!Number.isFinite(chi2)) return done("nonFinite");
  for (let k = 0; k < n; k++) dscale[k] = Math.sqrt(hc[k * n + k]) || 1;
  for (;;) {
    if (chi2 === 0) return done("exact");
    let gnorm = 0;
    for (let k = 0; k < n; k++) {
      const hkk = hc[k * n + k];
      if (hkk > 0) {
        gnorm = Math.max(gnorm, Math.abs(gc[k]) / Math.sqrt(hkk * chi2));
      }
    }
    if (gnorm <= gtol) return done("gtol");
    for (;;) {
      scaled(lambda);
      if (!choleskyN(m, n)) {
        lambda *= nu;
        nu *= 2;
        if (lambda > 1e30) return done("singular");
        continue;
      }
      choleskySolveN(m, b, delta);
      let pnorm = 0, xnorm = 0, pred = 0;
      for (let i = 0; i < n; i++) {
        delta[i] /= dscale[i];
        pt[i] = p[i] + delta[i];
        pnorm += (dscale[i] * delta[i]) ** 2;
        xnorm += (dscale[i] * p[i]) ** 2;
      }
      for (let i = 0; i < n; i++) {
        let hd = 0;
        for (let k = 0; k < n; k++) hd += hc[i * n + k] * delta[k];
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
        for (let k = 0; k < n; k++) {
          dscale[k] = Math.max(dscale[k], Math.sqrt(hc[k * n + k]));
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
