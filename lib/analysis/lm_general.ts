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
import {
  type LmOptions,
  type LmResult,
  type LmStop,
  nextDamping,
  polishStep,
  stopAfterStep,
} from "./levenberg_marquardt.ts";

export type { LmOptions, LmResult, LmStop };

/**
 * A model over the block `x[start … start + m)`: writes `f` into `f[i]` and
 * the Jacobian into `j[k·BLOCK + i]`, `i < m ≤ BLOCK`.
 */
export type BlockModel = (
  x: Float64Array,
  start: number,
  m: number,
  p: Float64Array,
  f: Float64Array,
  j: Float64Array,
) => void;

/** Points per block (the Jacobian kept is n × BLOCK, never n × N). */
export const BLOCK = 512;

/** Maximum number of evaluations of the polish after convergence. */
const MAX_POLISH = 1000;
/** A polish step that fails to lower χ² when the Gauss–Newton step's
 * predicted relative reduction of χ² is below this has met χ²'s rounding. */
const ROUNDING = 1e-14;
/** Consecutive failed polish steps that end it. */
const MAX_FAILURES = 8;

/** The data of a fit: positions, signal, weights (undefined: all 1). */
export interface FitData {
  x: Float64Array;
  y: Float64Array;
  w: Float64Array | undefined;
}

/** Reused block buffers: model values and the Jacobian's columns. */
const F_BLOCK = new Float64Array(BLOCK);
let jBlock = new Float64Array(6 * BLOCK);

/**
 * One pass at `p`: returns `Σ w·r²`, `r = y − f(x)`, and writes `JᵀWJ`
 * (row-major n×n) into `h`, `JᵀWr` into `g`. The model fills a block of
 * BLOCK points at a time; five and six parameters (every model here) are
 * summed in unrolled scalar accumulators, others by loops.
 */
export function accumulateN(
  model: BlockModel,
  data: FitData,
  p: Float64Array,
  h: Float64Array,
  g: Float64Array,
): number {
  const n = p.length;
  if (jBlock.length < n * BLOCK) jBlock = new Float64Array(n * BLOCK);
  h.fill(0);
  g.fill(0);
  const { x } = data;
  let chi2 = 0;
  for (let start = 0; start < x.length; start += BLOCK) {
    const m = Math.min(BLOCK, x.length - start);
    model(x, start, m, p, F_BLOCK, jBlock);
    chi2 += n === 5
      ? sums5(data, start, m, h, g)
      : n === 6
      ? sums6(data, start, m, h, g)
      : sumsAny(data, start, m, n, h, g);
  }
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < a; b++) h[b * n + a] = h[a * n + b];
  }
  return chi2;
}

/** Any n: adds one block to the lower triangle of `h` and to `g`. */
function sumsAny(
  data: FitData,
  start: number,
  m: number,
  n: number,
  h: Float64Array,
  g: Float64Array,
): number {
  const { y, w } = data;
  const f = F_BLOCK, j = jBlock;
  let chi2 = 0;
  for (let i = 0; i < m; i++) {
    const wi = w === undefined ? 1 : w[start + i];
    const r = y[start + i] - f[i];
    chi2 += wi * r * r;
    for (let a = 0; a < n; a++) {
      const wja = wi * j[a * BLOCK + i];
      g[a] += wja * r;
      for (let b = 0; b <= a; b++) h[a * n + b] += wja * j[b * BLOCK + i];
    }
  }
  return chi2;
}

/** n = 5: one block in 15 + 5 scalar sums. */
function sums5(
  data: FitData,
  start: number,
  m: number,
  h: Float64Array,
  g: Float64Array,
): number {
  const { y, w } = data;
  const f = F_BLOCK, j = jBlock;
  let h00 = 0, h10 = 0, h11 = 0, h20 = 0, h21 = 0, h22 = 0, h30 = 0;
  let h31 = 0, h32 = 0, h33 = 0, h40 = 0, h41 = 0, h42 = 0, h43 = 0;
  let h44 = 0, g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, chi2 = 0;
  for (let i = 0; i < m; i++) {
    const wi = w === undefined ? 1 : w[start + i];
    const r = y[start + i] - f[i];
    const j0 = j[i], j1 = j[BLOCK + i], j2 = j[2 * BLOCK + i];
    const j3 = j[3 * BLOCK + i], j4 = j[4 * BLOCK + i];
    const a0 = wi * j0, a1 = wi * j1, a2 = wi * j2, a3 = wi * j3;
    const a4 = wi * j4;
    chi2 += wi * r * r;
    g0 += a0 * r, g1 += a1 * r, g2 += a2 * r, g3 += a3 * r, g4 += a4 * r;
    h00 += a0 * j0;
    h10 += a1 * j0, h11 += a1 * j1;
    h20 += a2 * j0, h21 += a2 * j1, h22 += a2 * j2;
    h30 += a3 * j0, h31 += a3 * j1, h32 += a3 * j2, h33 += a3 * j3;
    h40 += a4 * j0, h41 += a4 * j1, h42 += a4 * j2, h43 += a4 * j3;
    h44 += a4 * j4;
  }
  h[0] += h00;
  h[5] += h10, h[6] += h11;
  h[10] += h20, h[11] += h21, h[12] += h22;
  h[15] += h30, h[16] += h31, h[17] += h32, h[18] += h33;
  h[20] += h40, h[21] += h41, h[22] += h42, h[23] += h43, h[24] += h44;
  g[0] += g0, g[1] += g1, g[2] += g2, g[3] += g3, g[4] += g4;
  return chi2;
}

/** n = 6: one block in 21 + 6 scalar sums. */
function sums6(
  data: FitData,
  start: number,
  m: number,
  h: Float64Array,
  g: Float64Array,
): number {
  const { y, w } = data;
  const f = F_BLOCK, j = jBlock;
  let h00 = 0, h10 = 0, h11 = 0, h20 = 0, h21 = 0, h22 = 0, h30 = 0;
  let h31 = 0, h32 = 0, h33 = 0, h40 = 0, h41 = 0, h42 = 0, h43 = 0;
  let h44 = 0, h50 = 0, h51 = 0, h52 = 0, h53 = 0, h54 = 0, h55 = 0;
  let g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, chi2 = 0;
  for (let i = 0; i < m; i++) {
    const wi = w === undefined ? 1 : w[start + i];
    const r = y[start + i] - f[i];
    const j0 = j[i], j1 = j[BLOCK + i], j2 = j[2 * BLOCK + i];
    const j3 = j[3 * BLOCK + i], j4 = j[4 * BLOCK + i];
    const j5 = j[5 * BLOCK + i];
    const a0 = wi * j0, a1 = wi * j1, a2 = wi * j2, a3 = wi * j3;
    const a4 = wi * j4, a5 = wi * j5;
    chi2 += wi * r * r;
    g0 += a0 * r, g1 += a1 * r, g2 += a2 * r, g3 += a3 * r, g4 += a4 * r;
    g5 += a5 * r;
    h00 += a0 * j0;
    h10 += a1 * j0, h11 += a1 * j1;
    h20 += a2 * j0, h21 += a2 * j1, h22 += a2 * j2;
    h30 += a3 * j0, h31 += a3 * j1, h32 += a3 * j2, h33 += a3 * j3;
    h40 += a4 * j0, h41 += a4 * j1, h42 += a4 * j2, h43 += a4 * j3;
    h44 += a4 * j4;
    h50 += a5 * j0, h51 += a5 * j1, h52 += a5 * j2, h53 += a5 * j3;
    h54 += a5 * j4, h55 += a5 * j5;
  }
  h[0] += h00;
  h[6] += h10, h[7] += h11;
  h[12] += h20, h[13] += h21, h[14] += h22;
  h[18] += h30, h[19] += h31, h[20] += h32, h[21] += h33;
  h[24] += h40, h[25] += h41, h[26] += h42, h[27] += h43, h[28] += h44;
  h[30] += h50, h[31] += h51, h[32] += h52, h[33] += h53, h[34] += h54;
  h[35] += h55;
  g[0] += g0, g[1] += g1, g[2] += g2, g[3] += g3, g[4] += g4, g[5] += g5;
  return chi2;
}

/**
 * Minimizes `Σ w·(y − f(x; p))²` from `p` (updated in place); on return
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
  model: BlockModel,
  data: FitData,
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
      const next = polishStep(size, chi2, dof);
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
      const chi2t = accumulateN(model, data, pt, ht, gt);
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
