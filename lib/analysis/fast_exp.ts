/**
 * `exp(z)` for the Gaussian's exponent (z ≤ 0), two to three times as fast
 * as `Math.exp` in V8 and as accurate (≤ 2 ulp, checked against `Math.exp`
 * in the tests): `z = (2048m + j)·ln2/2048 + r` with |r| ≤ ln2/4096, so
 * `exp(z) = 2^m · 2^(j/2048) · exp(r)`, both powers from tables (16 KB and
 * 9 KB, in L1 cache) and `exp(r)` from a degree-3 polynomial (truncation
 * r⁴/24 < 0.3 ulp). NaN gives NaN, `z < −745` gives 0.
 *
 * @module
 */

/** Rounds to the nearest integer when added and subtracted (2^52 + 2^51). */
const ROUND = 6755399441055744.0;
const STEPS = 2048;
const STEP_BITS = 11;
const INV_STEP = STEPS / Math.LN2;
/** ln2/2048 split as in fdlibm: the high part has trailing zero bits, so k·hi is exact. */
const STEP_HI = 6.93147180369123816490e-01 / STEPS;
const STEP_LO = 1.90821492927058770002e-10 / STEPS;
/** 2^(j/2048), j = 0…2047. */
const FRACTION = Float64Array.from(
  { length: STEPS },
  (_, j) => Math.pow(2, j / STEPS),
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
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6)));
  return p * FRACTION[k & (STEPS - 1)] * POWER[(k >> STEP_BITS) + POWER_BIAS];
}
