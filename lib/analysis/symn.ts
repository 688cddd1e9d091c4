/**
 * Small (n ≤ 8) symmetric positive-definite linear algebra for the general
 * fit's normal equations, as `sym4.ts` does for the Gaussian's: Cholesky on
 * the Jacobi-scaled matrix, a (near-)singular matrix reported instead of
 * garbage. Row-major `Float64Array(n·n)`; no allocation.
 *
 * @module
 */

/** Relative pivot below which the matrix is treated as singular. */
const PIVOT_EPS = 1e-14;

/**
 * In-place Cholesky factorization `M = L·Lᵀ` of a symmetric n×n matrix with
 * a diagonal of order 1 (scaled); `L` goes into the lower triangle.
 * Returns false when a pivot is not positive.
 */
export function choleskyN(m: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = m[j * n + j];
    for (let k = 0; k < j; k++) d -= m[j * n + k] * m[j * n + k];
    if (!(d > PIVOT_EPS * Math.max(1, Math.abs(m[j * n + j])))) return false;
    const ljj = Math.sqrt(d);
    m[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = m[i * n + j];
      for (let k = 0; k < j; k++) s -= m[i * n + k] * m[j * n + k];
      m[i * n + j] = s / ljj;
    }
  }
  return true;
}

/** Solves `L·Lᵀ·z = b` with the factor of {@linkcode choleskyN}; `z` may alias `b`. */
export function choleskySolveN(
  l: Float64Array,
  b: Float64Array,
  z: Float64Array,
): void {
  const n = b.length;
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * z[k];
    z[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * z[k];
    z[i] = s / l[i * n + i];
  }
}

/**
 * Inverse of a symmetric positive-definite n×n matrix `h` (n = `√h.length`)
 * into `out`, via Cholesky of `D⁻¹·h·D⁻¹`, `D = √diag(h)`. Returns false
 * when `h` is singular or not positive definite.
 */
export function invertSymN(h: Float64Array, out: Float64Array): boolean {
  const n = Math.round(Math.sqrt(h.length));
  const m = new Float64Array(n * n);
  const d = new Float64Array(n);
  const col = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = h[i * n + i];
    if (!(v > 0) || !Number.isFinite(v)) return false;
    d[i] = Math.sqrt(v);
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) m[i * n + j] = h[i * n + j] / (d[i] * d[j]);
  }
  if (!choleskyN(m, n)) return false;
  for (let j = 0; j < n; j++) {
    col.fill(0);
    col[j] = 1;
    choleskySolveN(m, col, col);
    for (let i = 0; i < n; i++) out[i * n + j] = col[i] / (d[i] * d[j]);
  }
  return true;
}
