/**
 * `exp(z)` for the Gaussian's exponent (z ≤ 0), about twice as fast as
 * `Math.exp` in V8 and as accurate (≤ 2 ulp, checked against `Math.exp` in
 * the tests): `z = (64m + j)·ln2/64 + r` with |r| ≤ ln2/128, so
 * `exp(z) = 2^m · 2^(j/64) · exp(r)`, both powers from tables and `exp(r)`
 * from a degree-6 polynomial. NaN gives NaN, `z < −745` gives 0.
 *
 * @module
 */

/** Rounds to the nearest integer when added and subtracted (2^52 + 2^51). */
const ROUND = 6755399441055744.0;
const INV_STEP = 64 / Math.LN2;
/** ln2/64 split as in fdlibm: the high part has trailing zero bits, so k·hi is exact. */
const STEP_HI = 6.93147180369123816490e-01 / 64;
const STEP_LO = 1.90821492927058770002e-10 / 64;
/** 2^(j/64), j = 0…63. */
const FRACTION = Float64Array.from(
  { length: 64 },
  (_, j) => Math.pow(2, j / 64),
);
/** 2^m for m = −1080…+19. */
const POWER_BIAS = 1080;
const POWER = Float64Array.from(
  { length: 1100 },
  (_, i) => Math.pow(2, i - POWER_BIAS),
);

/** `exp(z)` for `z ≤ 0` (also correct up to z ≈ 13); see the module doc. */
export function gaussExp(z: number): number {
  if (z < -745) return 0;
  const kf = (z * INV_STEP + ROUND) - ROUND;
  const r = (z - kf * STEP_HI) - kf * STEP_LO;
  const k = kf | 0;
  const p = 1 +
    r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r / 720)))));
  return p * FRACTION[k & 63] * POWER[(k >> 6) + POWER_BIAS];
}
