/**
 * The models other than the plain Gaussian with their analytic Jacobians,
 * as the {@linkcode BlockModel}s `lm_general.ts` fits with: each its own
 * loop over a block of points (column k of the block's Jacobian at
 * `k·BLOCK`), its constants computed once per block, so that nothing is
 * shared between models in the inner loop (one loop calling the five
 * models' point functions was 2–4 times slower). The values agree with the
 * functions of `models.ts` (the tests check both, and the Jacobians against
 * central differences); {@linkcode gaussExp} is used where the exponent is
 * ≤ 0.
 *
 * @module
 */
import { gaussExp } from "./fast_exp.ts";
import { BLOCK, type BlockModel } from "./lm_general.ts";
import type { ModelName } from "./models.ts";

const B2 = 2 * BLOCK, B3 = 3 * BLOCK, B4 = 4 * BLOCK, B5 = 5 * BLOCK;

/** `[A, μ, σ, c, b]`: `A·exp(−(x−μ)²/(2σ²)) + c + b·(x−μ)`. */
const gaussLinear: BlockModel = (x, start, m, p, f, j) => {
  const a = p[0], mu = p[1], s = p[2], c = p[3], b = p[4];
  const inv = 1 / (s * s), half = -0.5 * inv, invS = 1 / s;
  for (let i = 0; i < m; i++) {
    const d = x[start + i] - mu;
    const e = gaussExp(half * d * d);
    const jm = a * e * d * inv;
    j[i] = e;
    j[BLOCK + i] = jm - b;
    j[B2 + i] = jm * d * invS;
    j[B3 + i] = 1;
    j[B4 + i] = d;
    f[i] = a * e + c + b * d;
  }
};

/** `[A, μ, σ, P, c]`: `A·exp(−(|x−μ|/(√2σ))^P) + c`. */
const superGauss: BlockModel = (x, start, m, p, f, j) => {
  const a = p[0], mu = p[1], s = p[2], order = p[3], c = p[4];
  const inv = 1 / (Math.SQRT2 * s), ps = order / s;
  for (let i = 0; i < m; i++) {
    const d = x[start + i] - mu;
    const u = Math.abs(d) * inv;
    if (u === 0) {
      j[i] = 1, j[BLOCK + i] = 0, j[B2 + i] = 0, j[B3 + i] = 0, j[B4 + i] = 1;
      f[i] = a + c;
      continue;
    }
    const lnu = Math.log(u);
    const z = order * lnu;
    // gaussExp is exact to 2 ulp up to z ≈ 13
    const t = z <= 13 ? gaussExp(z) : Math.exp(z);
    const e = gaussExp(-t);
    const aet = a * e * t;
    j[i] = e;
    j[BLOCK + i] = aet * order / d;
    j[B2 + i] = aet * ps;
    j[B3 + i] = -aet * lnu;
    j[B4 + i] = 1;
    f[i] = a * e + c;
  }
};

/** `[A, μ, σL, σR, c]`: σL for x < μ, σR for x ≥ μ. */
const splitGauss: BlockModel = (x, start, m, p, f, j) => {
  const a = p[0], mu = p[1], sl = p[2], sr = p[3], c = p[4];
  const invL = 1 / (sl * sl), invR = 1 / (sr * sr);
  for (let i = 0; i < m; i++) {
    const d = x[start + i] - mu;
    const left = d < 0;
    const inv = left ? invL : invR;
    const e = gaussExp(-0.5 * d * d * inv);
    const jm = a * e * d * inv;
    const js = jm * d / (left ? sl : sr);
    j[i] = e;
    j[BLOCK + i] = jm;
    j[B2 + i] = left ? js : 0;
    j[B3 + i] = left ? 0 : js;
    j[B4 + i] = 1;
    f[i] = a * e + c;
  }
};

/** `[A, μ, σ, Aₕ, σₕ, c]`: core and halo on one centre. */
const doubleGauss: BlockModel = (x, start, m, p, f, j) => {
  const a = p[0], mu = p[1], s = p[2], ah = p[3], sh = p[4], c = p[5];
  const inv = 1 / (s * s), invh = 1 / (sh * sh);
  const invS = 1 / s, invSh = 1 / sh;
  for (let i = 0; i < m; i++) {
    const d = x[start + i] - mu;
    const d2 = d * d;
    const e = gaussExp(-0.5 * d2 * inv), eh = gaussExp(-0.5 * d2 * invh);
    const jm = a * e * d * inv, jmh = ah * eh * d * invh;
    j[i] = e;
    j[BLOCK + i] = jm + jmh;
    j[B2 + i] = jm * d * invS;
    j[B3 + i] = eh;
    j[B4 + i] = jmh * d * invSh;
    j[B5 + i] = 1;
    f[i] = a * e + ah * eh + c;
  }
};

/** |q − 1|·s below which the q-exponential is evaluated as its series. */
const Q_SERIES = 1e-3;

/** `[A, μ, σ, q, c]`: `A·[1 + (q−1)·(x−μ)²/(2σ²)]^(−1/(q−1)) + c`. */
const qGauss: BlockModel = (x, start, m, p, f, j) => {
  const a = p[0], mu = p[1], sg = p[2], eps = p[3] - 1, c = p[4];
  const halfInv = 0.5 / (sg * sg), inv2 = 1 / (sg * sg), invS = 2 / sg;
  const invEps = 1 / eps;
  for (let i = 0; i < m; i++) {
    const d = x[start + i] - mu;
    const s = halfInv * d * d;
    const z = eps * s;
    if (z <= -1) {
      j[i] = 0, j[BLOCK + i] = 0, j[B2 + i] = 0, j[B3 + i] = 0, j[B4 + i] = 1;
      f[i] = c;
      continue;
    }
    let e: number, dq: number;
    if (Math.abs(z) < Q_SERIES) {
      e = gaussExp(-s * (1 - z * (0.5 - z * (1 / 3 - z * (0.25 - z / 5)))));
      dq = s * s * (0.5 - z * (2 / 3 - z * (0.75 - z * 0.8)));
    } else {
      // log(1 + z) loses ≤ 1e-14 of its value from |z| ≥ 0.01 on, and is
      // twice as fast as log1p
      const l = Math.abs(z) < 0.01 ? Math.log1p(z) : Math.log(1 + z);
      // −ln(1+z)/(q−1) ≤ 0 for either sign of q − 1
      e = gaussExp(-l * invEps);
      dq = (l * invEps - s / (1 + z)) * invEps;
    }
    const ae = a * e, aeb = ae / (1 + z);
    j[i] = e;
    j[BLOCK + i] = aeb * d * inv2;
    j[B2 + i] = aeb * s * invS;
    j[B3 + i] = ae * dq;
    j[B4 + i] = 1;
    f[i] = ae + c;
  }
};

/** The block model of every model fitted by the general Levenberg–Marquardt. */
export const BLOCK_MODELS: Readonly<
  Record<Exclude<ModelName, "gauss">, BlockModel>
> = {
  gauss_linear: gaussLinear,
  super_gauss: superGauss,
  split_gauss: splitGauss,
  double_gauss: doubleGauss,
  q_gauss: qGauss,
};
