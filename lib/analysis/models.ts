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
