/**
 * The profile models fws fits, as plain functions of their parameters. This
 * module is browser-safe (no imports): the HDF5 writer, the page's routes and
 * its islands all evaluate a fitted curve through it, so the model is written
 * down once.
 *
 * @module
 */

/** Parameters of the Gaussian `A·exp(−(x−μ)²/(2σ²)) + c`. */
export interface GaussianParams {
  /** Peak height above the offset, `A`. */
  amplitude: number;
  /** Centre, `μ`. */
  center: number;
  /** Standard deviation, `σ`. */
  sigma: number;
  /** Constant background, `c`. */
  offset: number;
}

/**
 * The Gaussian at one position.
 *
 * @example
 * ```ts
 * gaussian({ amplitude: 2, center: 0, sigma: 1, offset: 0.5 }, 0); // 2.5
 * ```
 */
export function gaussian(p: GaussianParams, x: number): number {
  const d = (x - p.center) / p.sigma;
  return p.amplitude * Math.exp(-0.5 * d * d) + p.offset;
}

/**
 * The Gaussian at every position of `x`, into a new array of the same kind
 * (`Float64Array` unless `out` is given).
 */
export function gaussianCurve<T extends Float32Array | Float64Array>(
  p: GaussianParams,
  x: ArrayLike<number>,
  out?: T,
): T | Float64Array {
  const y = out ?? new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = gaussian(p, x[i]);
  return y;
}

/**
 * The name of every profile model fws fits (the registry of their parameters
 * is `MODELS` in `model_fields.ts`).
 */
export type ModelName =
  | "gauss"
  | "gauss_linear"
  | "super_gauss"
  | "split_gauss"
  | "double_gauss"
  | "q_gauss";

/** `2^(1/2)`, the √2 of the super-Gaussian's exponent. */
const SQRT2 = Math.SQRT2;

/**
 * The Gaussian on a linear background, `p = [A, μ, σ, c, b]`:
 * `A·exp(−(x−μ)²/(2σ²)) + c + b·(x−μ)` (`c` is the background under the
 * centre).
 */
export function gaussLinear(p: ArrayLike<number>, x: number): number {
  const d = x - p[1];
  const u = d / p[2];
  return p[0] * Math.exp(-0.5 * u * u) + p[3] + p[4] * d;
}

/**
 * The super-Gaussian, `p = [A, μ, σ, P, c]`:
 * `A·exp(−(|x−μ|/(√2·σ))^P) + c`. `P = 2` is the Gaussian of standard
 * deviation σ; `P > 2` is flat-topped, `P < 2` peaked.
 */
export function superGauss(p: ArrayLike<number>, x: number): number {
  const u = Math.abs(x - p[1]) / (SQRT2 * p[2]);
  return p[0] * Math.exp(-Math.pow(u, p[3])) + p[4];
}

/**
 * The asymmetric (split) Gaussian, `p = [A, μ, σL, σR, c]`: σL left of the
 * centre (x < μ), σR right of it.
 */
export function splitGauss(p: ArrayLike<number>, x: number): number {
  const d = x - p[1];
  const u = d / (d < 0 ? p[2] : p[3]);
  return p[0] * Math.exp(-0.5 * u * u) + p[4];
}

/**
 * Core plus halo on one shared centre, `p = [A, μ, σ, Aₕ, σₕ, c]`:
 * `A·exp(−(x−μ)²/(2σ²)) + Aₕ·exp(−(x−μ)²/(2σₕ²)) + c` (the fit orders
 * them so that σ ≤ σₕ: the halo is the wider one).
 */
export function doubleGauss(p: ArrayLike<number>, x: number): number {
  const d = x - p[1];
  const u = d / p[2], v = d / p[4];
  return p[0] * Math.exp(-0.5 * u * u) + p[3] * Math.exp(-0.5 * v * v) + p[5];
}

/** |q − 1| below which the q-exponential is evaluated as its series. */
const Q_SERIES = 1e-3;

/**
 * `e_q(−s) = [1 + (q−1)·s]^(−1/(q−1))`, 0 where the bracket is ≤ 0 (q < 1),
 * `exp(−s)` at q = 1 (the q-Gaussian's shape with `s = (x−μ)²/(2σ²)`).
 */
export function qExp(q: number, s: number): number {
  const e = q - 1;
  const z = e * s;
  if (z <= -1) return 0;
  if (Math.abs(z) < Q_SERIES) {
    // −ln(1+z)/e = −s·(1 − z/2 + z²/3 − z³/4 + z⁴/5)
    return Math.exp(-s * (1 - z * (0.5 - z * (1 / 3 - z * (0.25 - z / 5)))));
  }
  return Math.exp(-Math.log1p(z) / e);
}

/**
 * The q-Gaussian, `p = [A, μ, σ, q, c]`:
 * `A·[1 + (q−1)·(x−μ)²/(2σ²)]^(−1/(q−1)) + c`; q → 1 is the Gaussian of
 * standard deviation σ, 1 < q < 3 has power-law tails, q < 1 a compact
 * support.
 */
export function qGauss(p: ArrayLike<number>, x: number): number {
  const u = (x - p[1]) / p[2];
  return p[0] * qExp(p[3], 0.5 * u * u) + p[4];
}

/** A model as a function of its parameter vector and x. */
export type ModelFunction = (p: ArrayLike<number>, x: number) => number;

/** Every model's function, by name (parameters in the registry's order). */
export const MODEL_FUNCTIONS: Readonly<Record<ModelName, ModelFunction>> = {
  gauss: (p, x) =>
    gaussian(
      { amplitude: p[0], center: p[1], sigma: p[2], offset: p[3] },
      x,
    ),
  gauss_linear: gaussLinear,
  super_gauss: superGauss,
  split_gauss: splitGauss,
  double_gauss: doubleGauss,
  q_gauss: qGauss,
};

/** A model and its parameters (a `ModelFit` is one). */
export interface ModelCurve {
  model: ModelName;
  /** Parameters in the registry's order. */
  params: ArrayLike<number>;
}

/**
 * A model's background at x (the constant, or for `gauss_linear` the
 * line): what the background-free statistics subtract.
 *
 * @example
 * ```ts
 * modelBackground({ model: "gauss_linear", params: [2, 0, 1, 0.5, 0.1] }, 1); // 0.6
 * ```
 */
export function modelBackground(curve: ModelCurve, x: number): number {
  const { model, params: p } = curve;
  if (model === "gauss_linear") return p[3] + p[4] * (x - p[1]);
  return p[MODEL_PARAMETER_COUNTS[model] - 1];
}

/** Number of parameters of each model. */
export const MODEL_PARAMETER_COUNTS: Readonly<Record<ModelName, number>> = {
  gauss: 4,
  gauss_linear: 5,
  super_gauss: 5,
  split_gauss: 5,
  double_gauss: 6,
  q_gauss: 5,
};

/**
 * A model's curve at every position of `x`, into a new `Float64Array`
 * (or `options.out`): what the page draws for each model.
 *
 * @example
 * ```ts
 * modelCurve({ model: "split_gauss", params: [2, 0, 1, 2, 0.1] }, [-1, 0, 1]);
 * ```
 */
export function modelCurve(
  curve: ModelCurve,
  x: ArrayLike<number>,
  options: { out?: Float64Array } = {},
): Float64Array {
  const f = MODEL_FUNCTIONS[curve.model];
  const out = options.out ?? new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(curve.params, x[i]);
  return out;
}

/**
 * The full width at half maximum of a model's peak above its background:
 * the two crossings of half the height at the centre `μ = p[1]` (every
 * model here peaks there), found by bracketing outwards from σ = `p[2]`
 * and bisection to double precision. NaN when the peak height is not
 * positive or a side never falls to half.
 */
export function modelFwhm(curve: ModelCurve): number {
  const f = MODEL_FUNCTIONS[curve.model];
  const p = curve.params;
  const mu = p[1];
  const peak = (x: number): number => f(p, x) - modelBackground(curve, x);
  const half = peak(mu) / 2;
  if (!(half > 0)) return NaN;
  const crossing = (side: number): number => {
    let inner = 0, outer = Math.abs(p[2]) || 1;
    for (let k = 0; k < 200 && peak(mu + side * outer) >= half; k++) {
      inner = outer;
      outer *= 2;
    }
    if (!(peak(mu + side * outer) < half)) return NaN;
    for (let k = 0; k < 200; k++) {
      const mid = 0.5 * (inner + outer);
      if (mid === inner || mid === outer) break;
      if (peak(mu + side * mid) >= half) inner = mid;
      else outer = mid;
    }
    return 0.5 * (inner + outer);
  };
  return crossing(1) + crossing(-1);
}
