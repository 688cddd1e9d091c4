// The evaluations that need no Jacobian in memory (the Gaussian, the
// Gaussian on a line, the split Gaussian): their sums are moments of e and
// r. Part of kernels.c's one translation unit (included there, after the
// constants, vexp and the statics it uses).

// The Gaussian's evaluation from the structure of its Jacobian: with
// d = x − μ and e = exp(−d²/(2σ²)) its columns are e, k₁·e·d, k₂·e·d² and
// 1 (k₁ = A/σ², k₂ = k₁/σ), and with `linear` (background c + b·d) the
// second is k₁·e·d − b and a fifth is d. So JᵀWJ and JᵀWr are the moments
// Σw·e²·dᵏ (k ≤ 4), Σw·e·dᵏ (k ≤ 3), Σw·dᵏ, Σw·r·e·dᵏ (k ≤ 2), Σw·r and
// Σw·r·d, combined with k₁, k₂ and b. No Jacobian is stored or loaded.
// Three loops per block: e, the moments of e, those of r and d (at most 9
// accumulators each).
static inline __attribute__((always_inline)) double gauss_moments(const double *x, const double *y,
                                   const double *w, int n, double *h,
                                   double *g, int weighted, int linear) {
  v a = SPLAT(P[0]), mu = SPLAT(P[1]), c = SPLAT(P[3]);
  v b = SPLAT(linear ? P[4] : 0);
  double k1 = P[0] / (P[2] * P[2]), k2 = k1 / P[2];
  v half = SPLAT(-0.5 / (P[2] * P[2]));
  v e0 = SPLAT(0), e1 = e0, e2 = e0, e3 = e0, e4 = e0; // Σw·e²·dᵏ
  v f0 = e0, f1 = e0, f2 = e0, f3 = e0;                 // Σw·e·dᵏ
  v r0 = e0, r1 = e0, r2 = e0, rs = e0, rd = e0, chi = e0;
  v ws = e0, d1 = e0, d2 = e0;                          // Σw·dᵏ
  for (int start = 0; start < n; start += BLOCK) {
    int m = n - start < BLOCK ? n - start : BLOCK;
    const double *xb = x + start, *yb = y + start, *wb = w + start;
    for (int i = 0; i < m; i += 2) {
      v d = SUB(LOAD(xb + i), mu);
      STORE(F + i, vexp(MUL(MUL(half, d), d)));
    }
    for (int i = 0; i < m; i += 2) {
      v d = SUB(LOAD(xb + i), mu), e = LOAD(F + i);
      v we = weighted ? MUL(LOAD(wb + i), e) : e;
      v t = MUL(we, e);
      e0 = ADD(e0, t);
      t = MUL(t, d);
      e1 = ADD(e1, t);
      t = MUL(t, d);
      e2 = ADD(e2, t);
      t = MUL(t, d);
      e3 = ADD(e3, t);
      e4 = MA(t, d, e4);
      f0 = ADD(f0, we);
      t = MUL(we, d);
      f1 = ADD(f1, t);
      t = MUL(t, d);
      f2 = ADD(f2, t);
      if (linear) f3 = MA(t, d, f3);
    }
    for (int i = 0; i < m; i += 2) {
      v d = SUB(LOAD(xb + i), mu), e = LOAD(F + i);
      v model = MA(a, e, c);
      if (linear) model = MA(b, d, model);
      v r = SUB(LOAD(yb + i), model);
      v wi = weighted ? LOAD(wb + i) : C(5);
      v wr = weighted ? MUL(wi, r) : r;
      if (weighted) ws = ADD(ws, wi);
      chi = MA(wr, r, chi);
      rs = ADD(rs, wr);
      v t = MUL(wr, e);
      r0 = ADD(r0, t);
      t = MUL(t, d);
      r1 = ADD(r1, t);
      r2 = MA(t, d, r2);
      if (linear) {
        rd = MA(wr, d, rd);
        v wd = MUL(wi, d);
        d1 = ADD(d1, wd);
        d2 = MA(wd, d, d2);
      }
    }
  }
  int np = linear ? 5 : 4;
#define H(i, j) h[(i) * np + (j)]
  double s0 = weighted ? hsum(ws) : n, bb = linear ? P[4] : 0;
  double sf0 = hsum(f0), sf1 = hsum(f1), sf2 = hsum(f2), srs = hsum(rs);
  H(0, 0) += hsum(e0);
  H(1, 0) += k1 * hsum(e1) - bb * sf0;
  H(1, 1) += k1 * k1 * hsum(e2) - 2 * k1 * bb * sf1 + bb * bb * s0;
  H(2, 0) += k2 * hsum(e2);
  H(2, 1) += k1 * k2 * hsum(e3) - bb * k2 * sf2;
  H(2, 2) += k2 * k2 * hsum(e4);
  H(3, 0) += sf0;
  H(3, 1) += k1 * sf1 - bb * s0;
  H(3, 2) += k2 * sf2;
  H(3, 3) += s0;
  g[0] += hsum(r0);
  g[1] += k1 * hsum(r1) - bb * srs;
  g[2] += k2 * hsum(r2);
  g[3] += srs;
  if (linear) {
    double sd1 = hsum(d1);
    H(4, 0) += sf1;
    H(4, 1) += k1 * sf2 - bb * sd1;
    H(4, 2) += k2 * hsum(f3);
    H(4, 3) += sd1;
    H(4, 4) += hsum(d2);
    g[4] += hsum(rd);
  }
#undef H
  return hsum(chi);
}
// An evaluation (evaluate_fn) of a moments function with its flags fixed.
#define MOMENTS(name, fn, ...)                                                 \
  static double name(const double *x, const double *y, const double *w,       \
                     int n, double *h, double *g) {                           \
    return fn(x, y, w, n, h, g, __VA_ARGS__);                                  \
  }
MOMENTS(gauss_weighted, gauss_moments, 1, 0)
MOMENTS(gauss_unweighted, gauss_moments, 0, 0)
MOMENTS(gauss_linear_weighted, gauss_moments, 1, 1)
MOMENTS(gauss_linear_unweighted, gauss_moments, 0, 1)

// The split Gaussian's evaluation from the structure of its Jacobian, as
// the Gaussian's: on each side (σL for d < 0, σR for d ≥ 0) its columns are
// e, k₁·e·d, k₂·e·d² (into σL's column on the left, σR's on the right) and
// 1, with k₁ = A/σ², k₂ = k₁/σ of that side; the moments are kept per
// side. Four loops per block: e, the moments of e², of e, of r.
// SIDES adds t to the left sum l where d < 0, else to the right one r.
#define SIDES(l, r, t)                                                         \
  (l = ADD(l, wasm_v128_and(t, left)), r = ADD(r, wasm_v128_andnot(t, left)))
static inline __attribute__((always_inline)) double
split_moments(const double *x, const double *y, const double *w, int n,
              double *h, double *g, int weighted) {
  v a = SPLAT(P[0]), mu = SPLAT(P[1]), c = SPLAT(P[4]);
  v halfl = SPLAT(-0.5 / (P[2] * P[2])), halfr = SPLAT(-0.5 / (P[3] * P[3]));
  double k1l = P[0] / (P[2] * P[2]), k2l = k1l / P[2];
  double k1r = P[0] / (P[3] * P[3]), k2r = k1r / P[3];
  v zero = C(20);
  // Σw·e²·dᵏ (k ≤ 4) and Σw·e·dᵏ (k ≤ 2) left and right, Σw·r·e·dᵏ likewise
  v el0 = zero, el1 = zero, el2 = zero, el3 = zero, el4 = zero;
  v er0 = zero, er1 = zero, er2 = zero, er3 = zero, er4 = zero;
  v fl0 = zero, fl1 = zero, fl2 = zero, fr0 = zero, fr1 = zero, fr2 = zero;
  v rl0 = zero, rl1 = zero, rl2 = zero, rr0 = zero, rr1 = zero, rr2 = zero;
  v rs = zero, ws = zero, chi = zero;
  for (int start = 0; start < n; start += BLOCK) {
    int m = n - start < BLOCK ? n - start : BLOCK;
    const double *xb = x + start, *yb = y + start, *wb = w + start;
    for (int i = 0; i < m; i += 2) {
      v d = SUB(LOAD(xb + i), mu);
      v half = SEL(halfl, halfr, wasm_f64x2_lt(d, zero));
      STORE(F + i, vexp(MUL(MUL(half, d), d)));
    }
    for (int i = 0; i < m; i += 2) {
      v d = SUB(LOAD(xb + i), mu), e = LOAD(F + i);
      v left = wasm_f64x2_lt(d, zero);
      v we = weighted ? MUL(LOAD(wb + i), e) : e;
      v t = MUL(we, e);
      SIDES(el0, er0, t);
      t = MUL(t, d);
      SIDES(el1, er1, t);
      t = MUL(t, d);
      SIDES(el2, er2, t);
      t = MUL(t, d);
      SIDES(el3, er3, t);
      t = MUL(t, d);
      SIDES(el4, er4, t);
    }
    for (int i = 0; i < m; i += 2) {
      v d = SUB(LOAD(xb + i), mu), e = LOAD(F + i);
      v left = wasm_f64x2_lt(d, zero);
      v we = weighted ? MUL(LOAD(wb + i), e) : e;
      SIDES(fl0, fr0, we);
      v t = MUL(we, d);
      SIDES(fl1, fr1, t);
      t = MUL(t, d);
      SIDES(fl2, fr2, t);
    }
    for (int i = 0; i < m; i += 2) {
      v d = SUB(LOAD(xb + i), mu), e = LOAD(F + i);
      v left = wasm_f64x2_lt(d, zero);
      v r = SUB(LOAD(yb + i), MA(a, e, c));
      v wr = r;
      if (weighted) {
        v wi = LOAD(wb + i);
        wr = MUL(wi, r);
        ws = ADD(ws, wi);
      }
      chi = MA(wr, r, chi);
      rs = ADD(rs, wr);
      v t = MUL(wr, e);
      SIDES(rl0, rr0, t);
      t = MUL(t, d);
      SIDES(rl1, rr1, t);
      t = MUL(t, d);
      SIDES(rl2, rr2, t);
    }
  }
#define H(i, j) h[(i) * 5 + (j)]
  H(0, 0) += hsum(el0) + hsum(er0);
  H(1, 0) += k1l * hsum(el1) + k1r * hsum(er1);
  H(1, 1) += k1l * k1l * hsum(el2) + k1r * k1r * hsum(er2);
  H(2, 0) += k2l * hsum(el2);
  H(2, 1) += k1l * k2l * hsum(el3);
  H(2, 2) += k2l * k2l * hsum(el4);
  H(3, 0) += k2r * hsum(er2);
  H(3, 1) += k1r * k2r * hsum(er3);
  H(3, 3) += k2r * k2r * hsum(er4);
  H(4, 0) += hsum(fl0) + hsum(fr0);
  H(4, 1) += k1l * hsum(fl1) + k1r * hsum(fr1);
  H(4, 2) += k2l * hsum(fl2);
  H(4, 3) += k2r * hsum(fr2);
  H(4, 4) += weighted ? hsum(ws) : n;
#undef H
#undef SIDES
  g[0] += hsum(rl0) + hsum(rr0);
  g[1] += k1l * hsum(rl1) + k1r * hsum(rr1);
  g[2] += k2l * hsum(rl2);
  g[3] += k2r * hsum(rr2);
  g[4] += hsum(rs);
  return hsum(chi);
}
MOMENTS(split_gauss_weighted, split_moments, 1)
MOMENTS(split_gauss_unweighted, split_moments, 0)
