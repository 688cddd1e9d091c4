/**
 * 4×4 symmetric positive-definite linear algebra for the Gaussian fit's
 * normal equations: Cholesky on the Jacobi-scaled matrix, so parameters of
 * very different magnitude (amplitude, centre in mm, offset) do not lose
 * precision, and a (near-)singular matrix is reported instead of producing
 * garbage. Row-major `Float64Array(16)`; no allocation.
 *
 * @module
 */

/** Relative pivot below which the matrix is treated as singular. */
const PIVOT_EPS = 1e-14;

/**
 * In-place Cholesky factorization `M = L·Lᵀ` of a symmetric 4×4 matrix whose
 * diagonal is of order 1 (scaled); `L` is written into the lower triangle.
 * Returns false when a pivot is not positive (matrix not positive definite).
 */
export function cholesky4(m: Float64Array): boolean {
  for (let j = 0; j < 4; j++) {
    let d = m[j * 5];
    for (let k = 0; k < j; k++) d -= m[j * 4 + k] * m[j * 4 + k];
    if (!(d > PIVOT_EPS * Math.max(1, Math.abs(m[j * 5])))) return false;
    const ljj = Math.sqrt(d);
    m[j * 5] = ljj;
    for (let i = j + 1; i < 4; i++) {
      let s = m[i * 4 + j];
      for (let k = 0; k < j; k++) s -= m[i * 4 + k] * m[j * 4 + k];
      m[i * 4 + j] = s / ljj;
    }
  }
  return true;
}

/** Solves `L·Lᵀ·z = b` given the factor from {@linkcode cholesky4}; `z` may alias `b`. */
export function choleskySolve4(
  l: Float64Array,
  b: Float64Array,
  z: Float64Array,
): void {
  for (let i = 0; i < 4; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * 4 + k] * z[k];
    z[i] = s / l[i * 5];
  }
  for (let i = 3; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < 4; k++) s -= l[k * 4 + i] * z[k];
    z[i] = s / l[i * 5];
  }
}

/**
 * Inverse of a symmetric positive-definite 4×4 matrix `h` into `out`, via
 * Cholesky of `D⁻¹·h·D⁻¹` with `D = √diag(h)`. Returns false (and leaves
 * `out` unspecified) when `h` is singular or not positive definite.
 * `scratch` is a caller-provided `Float64Array(16 + 8)`.
 */
export function invertSym4(
  h: Float64Array,
  out: Float64Array,
  scratch: Float64Array,
): boolean {
  const m = scratch.subarray(0, 16);
  const d = scratch.subarray(16, 20);
  const col = scratch.subarray(20, 24);
  for (let i = 0; i < 4; i++) {
    const v = h[i * 5];
    if (!(v > 0) || !Number.isFinite(v)) return false;
    d[i] = Math.sqrt(v);
  }
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) m[i * 4 + j] = h[i * 4 + j] / (d[i] * d[j]);
  }
  if (!cholesky4(m)) return false;
  for (let j = 0; j < 4; j++) {
    col.fill(0);
    col[j] = 1;
    choleskySolve4(m, col, col);
    for (let i = 0; i < 4; i++) out[i * 4 + j] = col[i] / (d[i] * d[j]);
  }
  return true;
}
