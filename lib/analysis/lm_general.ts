/**
 * Levenberg–Marquardt for a model of n ≤ 8 parameters given point by point
 * with its analytic Jacobian: the algorithm of `levenberg_marquardt.ts`
 * (MINPACK's column scaling and stopping rules, Nielsen's λ update, the
 * Gauss–Newton polish) for any {@linkcode PointModel}. Each evaluation is one
 * pass over the data building `Σw·r²`, `JᵀWJ` and `JᵀWr`; no n×N Jacobian
 * is kept.
 *
 * @module
 */
import { choleskyN, choleskySolveN } from "./symn.ts";
import type { LmOptions, LmResult, LmStop } from "./levenberg_marquardt.ts";

export type { LmOptions, LmResult, LmStop };

/**
 * A model at one point: returns `f(x; p)` and writes `∂f/∂pₖ` into `j`
 * (length n).
 */
export type PointModel = (
  x: number,
  p: Float64Array,
  j: Float64Array,
) => number;

/** Maximum number of Gauss–Newton polish steps after convergence. */
const MAX_POLISH = 1000;
/** Polish until the next step is shorter than this many standard errors. */
const POLISH_TOL = 1e-7;

/**
 * One pass at `p`: returns `Σ w·r²`, `r = y − f(x)`, and writes `JᵀWJ`
 * (row-major n×n) into `h`, `JᵀWr` into `g`. `w` undefined: all weights 1.
 */
export function accumulateN(
  model: PointModel,
  data: { x: Float64Array; y: Float64Array; w: Float64Array | undefined },
  p: Float64Array,
  h: Float64Array,
  g: Float64Array,
): number {
  const { x, y, w } = data;
  const n = p.length;
  const j = new Float64Array(n);
  h.fill(0);
  g.fill(0);
  let chi2 = 0;
  for (let i = 0; i < x.length; i++) {
    const r = y[i] - model(x[i], p, j);
    const wi = w === undefined ? 1 : w[i];
    const wr = wi * r;
    chi2 += wr * r;
    for (let a = 0; a < n; a++) {
      const wja = wi * j[a];
      g[a] += wja * r;
      const row = a * n;
      for (let b = 0; b <= a; b++) h[row + b] += wja * j[b];
    }
  }
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < a; b++) h[b * n + a] = h[a * n + b];
  }
  return chi2;
}

/**
 * Minimizes `Σ w·(y − f(x; p))²` from `p` (updated in place); on return
 * `h` holds `JᵀWJ` at the returned `p`. The rules are those of
 * `levenbergMarquardt` in `levenberg_marquardt.ts`: steps solve
 * `(JᵀWJ + λ·D²)·δ = JᵀWr` with `D` the running maximum of the column
 * norms; a step is accepted when the actual reduction is ≥ 10⁻⁴ of the
 * predicted one; stops on ftol, xtol, gtol, or the evaluation budget; a
 * converged solution is polished by damped steps while the Gauss–Newton
 * step is longer than 10⁻⁷ standard errors (at most 1000 evaluations).
 */
export function levenbergMarquardtN(
  model: PointModel,
  data: { x: Float64Array; y: Float64Array; w: Float64Array | undefined },
  p: Float64Array,
  h: Float64Array,
  options: LmOptions,
): LmResult {
  const { ftol, xtol, gtol, maxEvaluations } = options;
  const n = p.length;
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
  const dof = Math.max(1, data.x.length - n);
  let lambda = 1e-3;
  let nu = 2;
  /**
   * After convergence: damped steps while the Gauss–Newton step is longer
   * than 10⁻⁷ standard errors, each kept only if χ² decreases (λ shrinking
   * on success, growing on failure: where χ² can no longer decrease above
   * its rounding, λ grows past 10¹⁰ within some 20 evaluations and the
   * polish ends), at most MAX_POLISH evaluations. Where these models'
   * valleys are curved (a faint halo, a truncated side) a plain
   * Gauss–Newton step overshoots, and the stopping rules alone leave the
   * parameters up to 10⁻³ of a standard error short.
   */
  const polish = (): void => {
    lambda = Math.min(lambda, 1e-3);
    for (let k = 0; k < MAX_POLISH && nEvaluations < maxEvaluations; k++) {
      scaled(0);
      if (!choleskyN(m, n)) return;
      choleskySolveN(m, b, delta);
      let size = 0;
      for (let i = 0; i < n; i++) size += delta[i] * b[i];
      if (!(size * dof / chi2 > POLISH_TOL * POLISH_TOL)) return;
      scaled(lambda);
      if (!choleskyN(m, n)) return;
      choleskySolveN(m, b, delta);
      for (let i = 0; i < n; i++) pt[i] = p[i] + delta[i] / dscale[i];
      const chi2t = accumulateN(model, data, pt, ht, gt);
      nEvaluations++;
      if (chi2t < chi2) {
        p.set(pt);
        swap();
        chi2 = chi2t;
        iterations++;
        lambda /= 10;
      } else {
        lambda = Math.max(lambda, 1e-6) * 10;
        if (lambda > 1e10) return;
      }
    }
  };
  const done = (stop: LmStop): LmResult => {
    const converged = stop === "ftol" || stop === "xtol" || stop === "gtol";
    if (converged && nEvaluations < maxEvaluations) polish();
    if (hc !== h) h.set(hc);
    return { stop, chi2, iterations, nEvaluations };
  };

  let chi2 = accumulateN(model, data, p, hc, gc);
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
      const chi2t = accumulateN(model, data, pt, ht, gt);
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
        lambda *= Math.max(1 / 3, 1 - (2 * ratio - 1) ** 3);
        nu = 2;
      } else {
        lambda *= nu;
        nu *= 2;
      }
      if (Math.abs(actred) <= ftol && prered <= ftol && 0.5 * ratio <= 1) {
        return done("ftol");
      }
      if (pnorm <= xtol * xnorm) return done("xtol");
      if (nEvaluations >= maxEvaluations) return done("maxEvaluations");
      if (!Number.isFinite(lambda) || lambda > 1e30) return done("singular");
      if (accepted) break;
    }
  }
}
