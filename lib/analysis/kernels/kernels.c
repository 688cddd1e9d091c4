// The fit kernels of fws: every profile model with its analytic Jacobian,
// and the sums one Levenberg–Marquardt evaluation needs (Σw·r², JᵀWJ,
// JᵀWr), two points per instruction in WebAssembly SIMD (f64x2) with
// relaxed SIMD's fused multiply-add.
// tools/build_kernels.ts compiles this file (with moments.h, which it
// includes) into kernels_wasm.ts; mod.ts loads it. The formulas are those
// of models.ts (the tests compare them).
//
// Memory: the caller writes x, y and, when weighted or n is odd, w at
// data() (n points, padded to an even count with a point of weight 0), the
// parameters at params().
#include <wasm_simd128.h>

typedef v128_t v;

#define BLOCK 256
#define MAX_PARAMS 6

// Constants are read from memory: V8 rebuilds a v128.const at every use
// inside a loop (four instructions); a splat of a load is hoisted.
double K[] = {
    1.4426950408889634,         // 0: 1/ln2
    6755399441055744.0,         // 1: 2^52 + 2^51: adding it rounds to an integer
    -708.0,                     // 2: exp below this is 0
    6.93147180369123816490e-01, // 3: ln2, high part (k·hi is exact)
    1.90821492927058770002e-10, // 4: ln2, low part
    1.0,                        // 5
    1.0 / 2,                    // 6
    1.0 / 6,                    // 7
    1.0 / 24,                   // 8
    1.0 / 120,                  // 9
    1.0 / 720,                  // 10
    1.0 / 5040,                 // 11
    1.0 / 40320,                // 12
    1.0 / 362880,               // 13
    1.0 / 3628800,              // 14
    1.0 / 39916800,             // 15
    1.0 / 479001600,            // 16: 1/12!
    709.0,                      // 17: exp above this overflows
    1.4142135623730951,         // 18: √2
    4503599627370496.0,         // 19: 2^52
    0.0,                        // 20
    2.0 / 3,                    // 21: log series, 2/(2k+1)
    2.0 / 5,                    // 22
    2.0 / 7,                    // 23
    2.0 / 9,                    // 24
    2.0 / 11,                   // 25
    2.0 / 13,                   // 26
    2.0 / 15,                   // 27
    2.0 / 17,                   // 28
    2.0 / 19,                   // 29
    2.0 / 21,                   // 30
    2.0,                        // 31
    1e-3,                       // 32: |z| of the q-exponential's series
    1.0 / 3,                    // 33
    1.0 / 4,                    // 34
    1.0 / 5,                    // 35
    2.0 / 3,                    // 36
    3.0 / 4,                    // 37
    4.0 / 5,                    // 38
    -1.0,                       // 39
    -0.5,                       // 40
    -1023.0,                    // 41: the exponent's bias
    __builtin_inf(),            // 42
};
// The mantissa's bits.
long long MANTISSA = 0x000fffffffffffffLL;
#define C(i) wasm_v128_load64_splat(&K[i])
#define ADD wasm_f64x2_add
#define SUB wasm_f64x2_sub
#define MUL wasm_f64x2_mul
#define DIV wasm_f64x2_div
// a·b + c, fused where the machine has FMA (relaxed SIMD: both roundings are
// within the kernels' accuracy; 5–20 % faster evaluations than mul, add)
#define MA(a, b, c)                                                            \
  ((v)__builtin_wasm_relaxed_madd_f64x2((__f64x2)(a), (__f64x2)(b),            \
                                        (__f64x2)(c)))
#define SEL(a, b, mask) wasm_v128_bitselect(a, b, mask) // mask ? a : b
#define SPLAT wasm_f64x2_splat
#define LOAD(p) wasm_v128_load(p)
#define STORE(p, a) wasm_v128_store(p, a)

// exp(z): z = k·ln2 + r, |r| ≤ ln2/2, exp(r) by its Taylor polynomial of
// degree 12 (truncation < 2e-16) in Estrin's scheme, 2^k added to the
// exponent bits. NaN stays NaN, z < −708 gives 0, z > 709 gives 2^1023·e.
static inline v vexp(v z) {
  v round = C(1);
  v zc = wasm_f64x2_pmin(wasm_f64x2_pmax(z, C(2)), C(17));
  v kr = MA(zc, C(0), round);
  v kf = SUB(kr, round);
  v r = SUB(SUB(zc, MUL(kf, C(3))), MUL(kf, C(4)));
  v r2 = MUL(r, r), r4 = MUL(r2, r2), r8 = MUL(r4, r4);
  v one = C(5);
  v q0 = MA(r, one, one), q1 = MA(r, C(7), C(6)), q2 = MA(r, C(9), C(8));
  v q3 = MA(r, C(11), C(10)), q4 = MA(r, C(13), C(12));
  v q5 = MA(r, C(15), C(14));
  v s0 = MA(q1, r2, q0), s1 = MA(q3, r2, q2), s2 = MA(q5, r2, q4);
  v t0 = MA(s1, r4, s0), t1 = MA(C(16), r4, s2);
  v p = MA(t1, r8, t0);
  v e = wasm_i64x2_add(p, wasm_i64x2_shl(kr, 52));
  return wasm_v128_andnot(e, wasm_f64x2_lt(z, C(2)));
}

// log(u) for u > 0 (normal numbers; +∞ and NaN give themselves): u = 2^k·m,
// √½ ≤ m < √2, log m = 2·atanh(f), f = (m−1)/(m+1), |f| ≤ 0.172, by its
// series to f²¹.
static inline v vlog(v u) {
  v bits = wasm_u64x2_shr(u, 52);                   // biased exponent
  v m = wasm_v128_or(wasm_v128_and(u, wasm_v128_load64_splat(&MANTISSA)),
                     C(5));                        // mantissa in [1, 2)
  v big = wasm_f64x2_gt(m, C(18));
  m = SEL(MUL(m, C(6)), m, big);
  v kf = SUB(wasm_v128_or(bits, C(19)), C(19));      // exponent as a double
  kf = ADD(ADD(kf, C(41)), wasm_v128_and(big, C(5)));
  v f = DIV(SUB(m, C(5)), ADD(m, C(5)));
  v s = MUL(f, f), s2 = MUL(s, s), s4 = MUL(s2, s2), s8 = MUL(s4, s4);
  v a0 = MA(s, C(21), C(31)), a1 = MA(s, C(23), C(22));
  v a2 = MA(s, C(25), C(24)), a3 = MA(s, C(27), C(26));
  v a4 = MA(s, C(29), C(28));
  v b0 = MA(a1, s2, a0), b1 = MA(a3, s2, a2), b2 = MA(C(30), s2, a4);
  v c0 = MA(b1, s4, b0);
  v series = MA(b2, s8, c0);
  v log = ADD(MUL(kf, C(3)), ADD(MUL(f, series), MUL(kf, C(4))));
  return SEL(log, u, wasm_f64x2_lt(u, C(42))); // +∞ and NaN are their own
}

static inline double hsum(v a) {
  return wasm_f64x2_extract_lane(a, 0) + wasm_f64x2_extract_lane(a, 1);
}

static double F[BLOCK];
static double J[MAX_PARAMS * BLOCK];
static double P[MAX_PARAMS];
static double R[BLOCK]; // the block's residuals
// JᵀWJ (n×n, row-major) and JᵀWr of the last evaluation.
static double OUT[MAX_PARAMS * MAX_PARAMS + MAX_PARAMS];

// The models, each over the block x[0 … m), m even, at the parameters in
// P: F and the Jacobian's column k at J + k·BLOCK (but the background's,
// all ones, see ROWS).

// [A, μ, σ, c], and with `linear` [A, μ, σ, c, b] on the background
// c + b·(x − μ).
static inline void gaussian(const double *x, int m, int linear) {
  v a = SPLAT(P[0]), mu = SPLAT(P[1]), c = SPLAT(P[3]);
  v b = SPLAT(linear ? P[4] : 0);
  double inv = 1 / (P[2] * P[2]);
  v half = SPLAT(-0.5 * inv), ainv = SPLAT(P[0] * inv), invs = SPLAT(1 / P[2]);
  for (int i = 0; i < m; i += 2) {
    v d = SUB(LOAD(x + i), mu);
    v e = vexp(MUL(MUL(half, d), d));
    v jm = MUL(MUL(ainv, e), d);
    STORE(J + i, e);
    STORE(J + BLOCK + i, linear ? SUB(jm, b) : jm);
    STORE(J + 2 * BLOCK + i, MUL(MUL(jm, d), invs));
    if (linear) STORE(J + 4 * BLOCK + i, d);
    STORE(F + i, linear ? ADD(MA(a, e, c), MUL(b, d)) : MA(a, e, c));
  }
}
static void gauss(const double *x, int m) { gaussian(x, m, 0); }
static void gauss_linear(const double *x, int m) { gaussian(x, m, 1); }

// [A, μ, σ, P, c]: A·exp(−(|x−μ|/(√2σ))^P) + c; at x = μ the Jacobian is
// that of the limit (only A and c).
static void super_gauss(const double *x, int m) {
  v a = SPLAT(P[0]), mu = SPLAT(P[1]), order = SPLAT(P[3]), c = SPLAT(P[4]);
  v inv = SPLAT(1 / (K[18] * P[2])), ps = SPLAT(P[3] / P[2]);
  // three loops, each short enough for the CPU to overlap its iterations
  // (one loop is a chain of log, exp and exp, 2× slower): ln u into column
  // 3, t = u^P into F, then the rest
  for (int i = 0; i < m; i += 2) {
    v u = MUL(wasm_f64x2_abs(SUB(LOAD(x + i), mu)), inv);
    v zero = wasm_f64x2_eq(u, C(20));
    STORE(J + 3 * BLOCK + i, vlog(SEL(C(5), u, zero))); // 0 at the centre
  }
  for (int i = 0; i < m; i += 2)
    STORE(F + i, vexp(MUL(order, LOAD(J + 3 * BLOCK + i))));
  for (int i = 0; i < m; i += 2) {
    v d = SUB(LOAD(x + i), mu);
    v zero = wasm_f64x2_eq(d, C(20));
    v lnu = LOAD(J + 3 * BLOCK + i), t = LOAD(F + i);
    v e = SEL(C(5), vexp(SUB(C(20), t)), zero);
    v aet = wasm_v128_andnot(MUL(MUL(a, e), t), zero);
    STORE(J + i, e);
    STORE(J + BLOCK + i, DIV(MUL(aet, order), SEL(C(5), d, zero)));
    STORE(J + 2 * BLOCK + i, MUL(aet, ps));
    STORE(J + 3 * BLOCK + i, SUB(C(20), MUL(aet, lnu)));
    STORE(F + i, MA(a, e, c));
  }
}

// [A, μ, σL, σR, c]: σL for x < μ, σR for x ≥ μ.
static void split_gauss(const double *x, int m) {
  v a = SPLAT(P[0]), mu = SPLAT(P[1]), c = SPLAT(P[4]);
  v invl = SPLAT(1 / (P[2] * P[2])), invr = SPLAT(1 / (P[3] * P[3]));
  v isl = SPLAT(1 / P[2]), isr = SPLAT(1 / P[3]);
  for (int i = 0; i < m; i += 2) {
    v d = SUB(LOAD(x + i), mu);
    v left = wasm_f64x2_lt(d, C(20));
    v inv = SEL(invl, invr, left);
    v e = vexp(MUL(MUL(C(40), MUL(d, d)), inv));
    v jm = MUL(MUL(MUL(a, e), d), inv);
    v js = MUL(MUL(jm, d), SEL(isl, isr, left));
    STORE(J + i, e);
    STORE(J + BLOCK + i, jm);
    STORE(J + 2 * BLOCK + i, wasm_v128_and(js, left));
    STORE(J + 3 * BLOCK + i, wasm_v128_andnot(js, left));
    STORE(F + i, MA(a, e, c));
  }
}

// [A, μ, σ, Aₕ, σₕ, c]: core and halo on one centre.
static void double_gauss(const double *x, int m) {
  v a = SPLAT(P[0]), mu = SPLAT(P[1]), ah = SPLAT(P[3]), c = SPLAT(P[5]);
  double inv = 1 / (P[2] * P[2]), invh = 1 / (P[4] * P[4]);
  v half = SPLAT(-0.5 * inv), halfh = SPLAT(-0.5 * invh);
  v ainv = SPLAT(P[0] * inv), ahinv = SPLAT(P[3] * invh);
  v invs = SPLAT(1 / P[2]), invsh = SPLAT(1 / P[4]);
  for (int i = 0; i < m; i += 2) {
    v d = SUB(LOAD(x + i), mu);
    v d2 = MUL(d, d);
    v e = vexp(MUL(half, d2)), eh = vexp(MUL(halfh, d2));
    v jm = MUL(MUL(ainv, e), d), jmh = MUL(MUL(ahinv, eh), d);
    STORE(J + i, e);
    STORE(J + BLOCK + i, ADD(jm, jmh));
    STORE(J + 2 * BLOCK + i, MUL(MUL(jm, d), invs));
    STORE(J + 3 * BLOCK + i, eh);
    STORE(J + 4 * BLOCK + i, MUL(MUL(jmh, d), invsh));
    STORE(F + i, ADD(MA(a, e, c), MUL(ah, eh)));
  }
}

// [A, μ, σ, q, c]: A·[1 + (q−1)·s]^(−1/(q−1)) + c, s = (x−μ)²/(2σ²); 0
// where the bracket is ≤ 0; the series in z = (q−1)·s where |z| < 10⁻³.
static void q_gauss(const double *x, int m) {
  v a = SPLAT(P[0]), mu = SPLAT(P[1]), c = SPLAT(P[4]);
  double eps = P[3] - 1;
  v veps = SPLAT(eps), inveps = SPLAT(1 / eps);
  v halfinv = SPLAT(0.5 / (P[2] * P[2])), inv2 = SPLAT(1 / (P[2] * P[2]));
  v invs = SPLAT(2 / P[2]);
  v one = C(5);
  // log(1 + z) first, into column 3, in a loop of its own (the CPU then
  // overlaps its iterations; one loop is a chain of log and exp)
  for (int i = 0; i < m; i += 2) {
    v d = SUB(LOAD(x + i), mu);
    v z = MUL(veps, MUL(MUL(halfinv, d), d));
    v w = ADD(one, z);
    v regular = wasm_f64x2_ge(wasm_f64x2_abs(z), C(32));
    regular = wasm_v128_andnot(regular, wasm_f64x2_le(z, C(39)));
    STORE(J + 3 * BLOCK + i, vlog(SEL(w, one, regular)));
  }
  for (int i = 0; i < m; i += 2) {
    v d = SUB(LOAD(x + i), mu);
    v s = MUL(MUL(halfinv, d), d);
    v z = MUL(veps, s);
    v outside = wasm_f64x2_le(z, C(39));
    v series = wasm_f64x2_lt(wasm_f64x2_abs(z), C(32));
    // series: e = exp(−s·(1 − z/2 + z²/3 − z³/4 + z⁴/5)); only near the
    // centre (a branch almost never taken costs less than the polynomials)
    v es = C(20), dqs = C(20);
    if (wasm_v128_any_true(series)) {
      es = MUL(s, SUB(one, MUL(z, SUB(C(6), MUL(z, SUB(C(33),
                                  MUL(z, SUB(C(34), MUL(z, C(35))))))))));
      dqs = MUL(MUL(s, s), SUB(C(6), MUL(z, SUB(C(36), MUL(z, SUB(C(37),
                                  MUL(z, C(38))))))));
    }
    // otherwise log1p(z) = log(1+z) − ((1+z)−1−z)/(1+z)
    v w = ADD(one, z);
    v invw = DIV(one, SEL(one, w, outside));
    v l = SUB(LOAD(J + 3 * BLOCK + i), MUL(SUB(SUB(w, one), z), invw));
    v li = MUL(l, inveps);
    v dqf = MUL(SUB(li, MUL(s, invw)), inveps);
    v e = vexp(SUB(C(20), SEL(es, li, series)));
    v dq = SEL(dqs, dqf, series);
    e = wasm_v128_andnot(e, outside);
    v ae = MUL(a, e);
    v aeb = wasm_v128_andnot(MUL(ae, invw), outside);
    STORE(J + i, e);
    STORE(J + BLOCK + i, MUL(MUL(aeb, d), inv2));
    STORE(J + 2 * BLOCK + i, MUL(MUL(aeb, s), invs));
    STORE(J + 3 * BLOCK + i, wasm_v128_andnot(MUL(ae, dq), outside));
    STORE(F + i, ADD(ae, c));
  }
}

typedef void model_fn(const double *x, int m);
static model_fn *const MODELS[] = {
    gauss, gauss_linear, super_gauss, split_gauss, double_gauss, q_gauss,
};

// Rows FIRST … FIRST + COUNT − 1 of JᵀWJ (columns up to the row's index)
// and of JᵀWr over one block in one pass. Column ONE is the constant
// background's, all ones: it is neither stored nor loaded. The groups keep
// at most 11 accumulators, which V8 holds in registers with the values they
// need (13 were spilled). The first group also forms the residuals R and
// Σw·r². W: weighted (else every weight is 1 and w is not read).
#define ROWS(name, FIRST, COUNT, ONE, W)                                       \
  static inline double name(const double *yb, const double *wb, int m,        \
                            double *h, double *g, int n) {                    \
    enum { LAST = FIRST + COUNT - 1 };                                         \
    v acc[COUNT][LAST + 1], ga[COUNT], chi = SPLAT(0);                         \
    for (int a = 0; a < COUNT; a++) {                                          \
      ga[a] = SPLAT(0);                                                        \
      for (int b = 0; b <= LAST; b++) acc[a][b] = SPLAT(0);                    \
    }                                                                          \
    for (int i = 0; i < m; i += 2) {                                           \
      v wi = W ? LOAD(wb + i) : C(5), r;                                       \
      if (FIRST == 0) {                                                        \
        r = SUB(LOAD(yb + i), LOAD(F + i));                                    \
        STORE(R + i, r);                                                       \
        chi = MA(W ? MUL(wi, r) : r, r, chi);                                  \
      } else {                                                                 \
        r = LOAD(R + i);                                                       \
      }                                                                        \
      for (int a = 0; a < COUNT; a++) {                                        \
        v ja = FIRST + a == ONE ? C(5) : LOAD(J + (FIRST + a) * BLOCK + i);    \
        v wj = FIRST + a == ONE ? wi : W ? MUL(wi, ja) : ja;                   \
        ga[a] = MA(wj, r, ga[a]);                                              \
        for (int b = 0; b <= FIRST + a; b++)                                   \
          acc[a][b] = b == ONE ? ADD(wj, acc[a][b])                            \
                               : MA(wj, LOAD(J + b * BLOCK + i), acc[a][b]);   \
      }                                                                        \
    }                                                                          \
    for (int a = 0; a < COUNT; a++) {                                          \
      for (int b = 0; b <= FIRST + a; b++)                                     \
        h[(FIRST + a) * n + b] += hsum(acc[a][b]);                             \
      g[FIRST + a] += hsum(ga[a]);                                             \
    }                                                                          \
    return hsum(chi);                                                          \
  }

// One evaluation of model FN (NP parameters, column ONE all ones): rows
// 0–2 (9 accumulators with χ²'s), then 3 (5) or 3–4 (11), then 5 (7).
#define EVALUATE(name, FN, NP, ONE, W)                                         \
  ROWS(name##_012, 0, 3, ONE, W)                                               \
  ROWS(name##_3, 3, (NP == 4 ? 1 : 2), ONE, W)                                   \
  ROWS(name##_5, 5, 1, ONE, W)                                                 \
  static double name(const double *x, const double *y, const double *w,       \
                     int n, double *h, double *g) {                           \
    double chi2 = 0;                                                           \
    for (int start = 0; start < n; start += BLOCK) {                           \
      int m = n - start < BLOCK ? n - start : BLOCK;                           \
      const double *yb = y + start, *wb = w + start;                           \
      FN(x + start, m);                                                        \
      chi2 += name##_012(yb, wb, m, h, g, NP);                                 \
      name##_3(yb, wb, m, h, g, NP);                                           \
      if (NP == 6) name##_5(yb, wb, m, h, g, NP);                              \
    }                                                                          \
    return chi2;                                                               \
  }
#define MODEL(FN, NP, ONE)                                                     \
  EVALUATE(FN##_weighted, FN, NP, ONE, 1)                                      \
  EVALUATE(FN##_unweighted, FN, NP, ONE, 0)

MODEL(super_gauss, 5, 4)
MODEL(double_gauss, 6, 5)
MODEL(q_gauss, 5, 4)
// the Gaussian, the Gaussian on a line and the split Gaussian
#include "moments.h"

typedef double evaluate_fn(const double *x, const double *y, const double *w,
                           int n, double *h, double *g);
static evaluate_fn *const WEIGHTED[] = {
    gauss_weighted,        gauss_linear_weighted, super_gauss_weighted,
    split_gauss_weighted,  double_gauss_weighted, q_gauss_weighted,
};
static evaluate_fn *const UNWEIGHTED[] = {
    gauss_unweighted,       gauss_linear_unweighted, super_gauss_unweighted,
    split_gauss_unweighted, double_gauss_unweighted, q_gauss_unweighted,
};
static const int PARAMS[] = {4, 5, 5, 5, 6, 5};

// Σw·r², JᵀWJ and JᵀWr of model `model` at P over the n points at x, y
// (n even) with weights w (padded with weight 0), or none (w = 0: all 1, n
// not padded), into OUT: h (np×np, both triangles), then g.
__attribute__((export_name("evaluate")))
double evaluate(int model, const double *x, const double *y, const double *w,
                int n) {
  int np = PARAMS[model];
  double *h = OUT, *g = OUT + np * np;
  for (int k = 0; k < np * np + np; k++) OUT[k] = 0;
  double chi2 = (w ? WEIGHTED : UNWEIGHTED)[model](x, y, w, n, h, g);
  for (int a = 0; a < np; a++)
    for (int b = 0; b < a; b++) h[b * np + a] = h[a * np + b];
  return chi2;
}

// The Gaussian fit's statistics of the data at x, y, w (as for evaluate),
// u = y − offset, d = x − center: into OUT the x range, Σw, Σw·u, Σw·u²,
// and within |d| ≤ halfWidth the unweighted moments Σu·dᵏ (k ≤ 2) of u and
// of its positive part over the points of non-zero weight (not the padding).
static inline void sums(const double *x, const double *y, const double *w,
                        int n, double offset, double center, double halfWidth,
                        int weighted) {
  v off = SPLAT(offset), cen = SPLAT(center), hw = SPLAT(halfWidth);
  v nhw = SPLAT(-halfWidth), zero = C(20);
  v xmin = C(42), xmax = SPLAT(-K[42]);
  v sw = zero, s1 = zero, s2 = zero, su = zero, sud = zero, sudd = zero;
  v sp = zero, spd = zero, spdd = zero;
  for (int i = 0; i < n; i += 2) {
    v xi = LOAD(x + i), u = SUB(LOAD(y + i), off);
    xmin = wasm_f64x2_pmin(xmin, xi);
    xmax = wasm_f64x2_pmax(xmax, xi);
    v d = SUB(xi, cen);
    v in = wasm_v128_and(wasm_f64x2_ge(d, nhw), wasm_f64x2_le(d, hw));
    v wu = u;
    if (weighted) {
      v wi = LOAD(w + i);
      sw = ADD(sw, wi);
      wu = MUL(wi, u);
      in = wasm_v128_and(in, wasm_f64x2_gt(wi, zero));
    }
    s1 = ADD(s1, wu);
    s2 = MA(wu, u, s2);
    v ui = wasm_v128_and(u, in);
    v pi = wasm_v128_and(ui, wasm_f64x2_gt(u, zero));
    su = ADD(su, ui);
    v t = MUL(ui, d);
    sud = ADD(sud, t);
    sudd = MA(t, d, sudd);
    sp = ADD(sp, pi);
    t = MUL(pi, d);
    spd = ADD(spd, t);
    spdd = MA(t, d, spdd);
  }
  OUT[0] = wasm_f64x2_extract_lane(xmin, 0) < wasm_f64x2_extract_lane(xmin, 1)
               ? wasm_f64x2_extract_lane(xmin, 0)
               : wasm_f64x2_extract_lane(xmin, 1);
  OUT[1] = wasm_f64x2_extract_lane(xmax, 0) > wasm_f64x2_extract_lane(xmax, 1)
               ? wasm_f64x2_extract_lane(xmax, 0)
               : wasm_f64x2_extract_lane(xmax, 1);
  OUT[2] = weighted ? hsum(sw) : n;
  OUT[3] = hsum(s1);
  OUT[4] = hsum(s2);
  OUT[5] = hsum(su);
  OUT[6] = hsum(sud);
  OUT[7] = hsum(sudd);
  OUT[8] = hsum(sp);
  OUT[9] = hsum(spd);
  OUT[10] = hsum(spdd);
}

__attribute__((export_name("statistics")))
void statistics(const double *x, const double *y, const double *w, int n,
                double offset, double center, double halfWidth) {
  if (w) sums(x, y, w, n, offset, center, halfWidth, 1);
  else sums(x, y, w, n, offset, center, halfWidth, 0);
}

// The model's values and Jacobian over x[0 … m), m ≤ BLOCK even, at P
// (what the tests compare with models.ts): F at values(), J at jacobian().
__attribute__((export_name("block")))
void block(int model, const double *x, int m) { MODELS[model](x, m); }

__attribute__((export_name("params"))) double *params(void) { return P; }
__attribute__((export_name("out"))) double *out(void) { return OUT; }
__attribute__((export_name("values"))) double *values(void) { return F; }
__attribute__((export_name("jacobian"))) double *jacobian(void) { return J; }

extern unsigned char __heap_base;
// Where the caller's data may start (after the stack and the statics).
__attribute__((export_name("data"))) void *data(void) { return &__heap_base; }
