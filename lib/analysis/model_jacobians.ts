/**
 * The models other than the plain Gaussian at one point with their
 * analytic Jacobians: {@linkcode PointModel}s (column k of a block's
 * Jacobian at `k·BLOCK`), and the {@linkcode BlockModel}s `lm_general.ts`
 * fits with — each its own loop over a block, so that every call of a point
 * model is monomorphic and inlined (one loop shared by the five models was
 * 2–4 times slower). The
 * values agree with the functions of `models.ts` (the tests check both);
 * these use {@linkcode gaussExp} where the exponent is ≤ 0.
 *
 * @module
 */
import { gaussExp } from "./fast_exp.ts";
import { BLOCK, type BlockModel, type PointModel } from "./lm_general.ts";
import type { ModelName } from "./models.ts";

/** `[A, μ, σ, c, b]`: `A·exp(−(x−μ)²/(2σ²)) + c + b·(x−μ)`. */
function gaussLinearPoint(
  x: number,
  p: Float64Array,
  j: Float64Array,
  i: number,
): number {
  const a = p[0], d = x - p[1], s = p[2];
  const inv = 1 / (s * s);
  const e = gaussExp(-0.5 * d * d * inv);
  const jm = a * e * d * inv;
  j[i] = e;
  j[BLOCK + i] = jm - p[4];
  j[2 * BLOCK + i] = jm * d / s;
  j[3 * BLOCK + i] = 1;
  j[4 * BLOCK + i] = d;
  return a * e + p[3] + p[4] * d;
}

/** `[A, μ, σ, P, c]`: `A·exp(−(|x−μ|/(√2σ))^P) + c`. */
function superGaussPoint(
  x: number,
  p: Float64Array,
  j: Float64Array,
  i: number,
): number {
  const a = p[0], d = x - p[1], s = p[2], order = p[3];
  const u = Math.abs(d) / (Math.SQRT2 * s);
  if (u === 0) {
    j[i] = 1,
      j[BLOCK + i] = 0,
      j[2 * BLOCK + i] = 0,
      j[3 * BLOCK + i] = 0,
      j[4 * BLOCK + i] = 1;
    return a + p[4];
  }
  const lnu = Math.log(u);
  const z = order * lnu;
  // gaussExp is exact to 2 ulp up to z ≈ 13
  const t = z <= 13 ? gaussExp(z) : Math.exp(z);
  const e = gaussExp(-t);
  const aet = a * e * t;
  j[i] = e;
  j[BLOCK + i] = aet * order / d;
  j[2 * BLOCK + i] = aet * order / s;
  j[3 * BLOCK + i] = -aet * lnu;
  j[4 * BLOCK + i] = 1;
  return a * e + p[4];
}

/** `[A, μ, σL, σR, c]`: σL for x < μ, σR for x ≥ μ. */
function splitGaussPoint(
  x: number,
  p: Float64Array,
  j: Float64Array,
  i: number,
): number {
  const a = p[0], d = x - p[1];
  const left = d < 0;
  const s = left ? p[2] : p[3];
  const inv = 1 / (s * s);
  const e = gaussExp(-0.5 * d * d * inv);
  const jm = a * e * d * inv;
  const js = jm * d / s;
  j[i] = e;
  j[BLOCK + i] = jm;
  j[2 * BLOCK + i] = left ? js : 0;
  j[3 * BLOCK + i] = left ? 0 : js;
  j[4 * BLOCK + i] = 1;
  return a * e + p[4];
}

/** `[A, μ, σ, Aₕ, σₕ, c]`: core and halo on one centre. */
function doubleGaussPoint(
  x: number,
  p: Float64Array,
  j: Float64Array,
  i: number,
): number {
  const a = p[0], d = x - p[1], s = p[2], ah = p[3], sh = p[4];
  const inv = 1 / (s * s), invh = 1 / (sh * sh);
  const d2 = d * d;
  const e = gaussExp(-0.5 * d2 * inv), eh = gaussExp(-0.5 * d2 * invh);
  const jm = a * e * d * inv, jmh = ah * eh * d * invh;
  j[i] = e;
  j[BLOCK + i] = jm + jmh;
  j[2 * BLOCK + i] = jm * d / s;
  j[3 * BLOCK + i] = eh;
  j[4 * BLOCK + i] = jmh * d / sh;
  j[5 * BLOCK + i] = 1;
  return a * e + ah * eh + p[5];
}

/** |q − 1|·s below which the q-exponential is evaluated as its series. */
const Q_SERIES = 1e-3;

/** `[A, μ, σ, q, c]`: `A·[1 + (q−1)·(x−μ)²/(2σ²)]^(−1/(q−1)) + c`. */
function qGaussPoint(
  x: number,
  p: Float64Array,
  j: Float64Array,
  i: number,
): number {
  const a = p[0], d = x - p[1], sg = p[2], eps = p[3] - 1;
  const s = 0.5 * d * d / (sg * sg);
  const z = eps * s;
  if (z <= -1) {
    j[i] = 0,
      j[BLOCK + i] = 0,
      j[2 * BLOCK + i] = 0,
      j[3 * BLOCK + i] = 0,
      j[4 * BLOCK + i] = 1;
    return p[4];
  }
  let e: number, dq: number;
  if (Math.abs(z) < Q_SERIES) {
    e = gaussExp(-s * (1 - z * (0.5 - z * (1 / 3 - z * (0.25 - z / 5)))));
    dq = s * s * (0.5 - z * (2 / 3 - z * (0.75 - z * 0.8)));
  } else {
    // log(1 + z) loses ≤ 1e-14 of its value from |z| ≥ 0.01 on, and is
    // twice as fast as log1p
    const l = Math.abs(z) < 0.01 ? Math.log1p(z) : Math.log(1 + z);
    e = gaussExp(-l / eps); // −ln(1+z)/(q−1) ≤ 0 for either sign of q − 1
    dq = (l / eps - s / (1 + z)) / eps;
  }
  const ae = a * e, base = 1 + z;
  j[i] = e;
  j[BLOCK + i] = ae * d / (sg * sg * base);
  j[2 * BLOCK + i] = ae * 2 * s / (sg * base);
  j[3 * BLOCK + i] = ae * dq;
  j[4 * BLOCK + i] = 1;
  return ae + p[4];
}

/** The point model of every model fitted by the general Levenberg–Marquardt. */
export const POINT_MODELS: Readonly<
  Record<Exclude<ModelName, "gauss">, PointModel>
> = {
  gauss_linear: gaussLinearPoint,
  super_gauss: superGaussPoint,
  split_gauss: splitGaussPoint,
  double_gauss: doubleGaussPoint,
  q_gauss: qGaussPoint,
};

/** The block model of every model fitted by the general Levenberg–Marquardt. */
export const BLOCK_MODELS: Readonly<
  Record<Exclude<ModelName, "gauss">, BlockModel>
> = {
  gauss_linear(x, start, m, p, f, j) {
    for (let i = 0; i < m; i++) f[i] = gaussLinearPoint(x[start + i], p, j, i);
  },
  super_gauss(x, start, m, p, f, j) {
    for (let i = 0; i < m; i++) f[i] = superGaussPoint(x[start + i], p, j, i);
  },
  split_gauss(x, start, m, p, f, j) {
    for (let i = 0; i < m; i++) f[i] = splitGaussPoint(x[start + i], p, j, i);
  },
  double_gauss(x, start, m, p, f, j) {
    for (let i = 0; i < m; i++) f[i] = doubleGaussPoint(x[start + i], p, j, i);
  },
  q_gauss(x, start, m, p, f, j) {
    for (let i = 0; i < m; i++) f[i] = qGaussPoint(x[start + i], p, j, i);
  },
};
