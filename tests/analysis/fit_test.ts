/**
 * fitGaussian without a reference tool: refusals with a reason (no peak,
 * degenerate and invalid input), and properties of a good fit.
 */
import {
  fitGaussian,
  FWHM_PER_SIGMA,
  initialGuess,
} from "../../lib/analysis/mod.ts";
import type { GaussFit } from "../../lib/scan/model.ts";
import { assert, assertAlmostEquals, assertMatch } from "../support/assert.ts";
import { CASES, gauss, makeCase, Rng } from "./fit_cases.ts";

const NUMBERS = [
  "amplitude",
  "center",
  "sigma",
  "offset",
  "amplitudeErr",
  "centerErr",
  "sigmaErr",
  "offsetErr",
  "chi2Red",
  "rSquared",
  "fwhm",
  "rms",
  "centroid",
] as const;

function assertRefused(fit: GaussFit, reason: RegExp): void {
  assert(!fit.ok, `expected ok=false (${reason}), got a fit: ${fit.message}`);
  assertMatch(fit.message, reason);
  for (const key of NUMBERS) {
    assert(Number.isNaN(fit[key]), `${key} must be NaN when ok=false`);
  }
}

function linspace(a: number, b: number, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => a + (b - a) * i / (n - 1));
}

function noise(n: number, seed: number, sd = 1): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => sd * rng.normal());
}

const peak = (x: Float64Array, mu = 0, s = 1, a = 10, c = 1) =>
  x.map((v) => gauss({ amplitude: a, center: mu, sigma: s, offset: c }, v));

Deno.test("fitGaussian refuses degenerate and invalid input with a reason", () => {
  const x = linspace(-5, 5, 50);
  const y = peak(x);
  assertRefused(fitGaussian(x, new Float64Array(50).fill(3)), /no peak/);
  const withNaN = y.slice();
  withNaN[7] = NaN;
  assertRefused(fitGaussian(x, withNaN), /non-finite input at index 7/);
  const xInf = x.slice();
  xInf[3] = Infinity;
  assertRefused(fitGaussian(xInf, y), /non-finite input at index 3/);
  assertRefused(
    fitGaussian(x.subarray(0, 4), y.subarray(0, 4)),
    /too few points: 4/,
  );
  assertRefused(
    fitGaussian(new Float64Array([0, 1]), new Float64Array([1, 2])),
    /too few points: 2/,
  );
  assertRefused(
    fitGaussian(new Float64Array(), new Float64Array()),
    /too few points: 0/,
  );
  assertRefused(fitGaussian(x, y.subarray(0, 49)), /same length/);
  assertRefused(
    fitGaussian(new Float64Array(20).fill(2), y.subarray(0, 20)),
    /all positions are equal/,
  );
  const w = new Float64Array(50).fill(1);
  w[2] = -1;
  assertRefused(
    fitGaussian(x, y, { weights: w }),
    /weights\[2\] must be finite and >= 0/,
  );
  assertRefused(
    fitGaussian(x, y, { weights: new Float64Array(3) }),
    /weights must be a Float64Array of length 50/,
  );
  const sparse = new Float64Array(50);
  sparse.fill(1, 20, 24);
  assertRefused(
    fitGaussian(x, y, { weights: sparse }),
    /too few points: 4 with non-zero weight/,
  );
  // Wrong types from untyped callers: still no exception.
  // deno-lint-ignore no-explicit-any
  const loose = fitGaussian as any;
  assertRefused(
    loose([1, 2, 3, 4, 5, 6], [1, 2, 3, 2, 1, 0]),
    /must be Float64Array/,
  );
  assertRefused(loose(undefined, null), /must be Float64Array/);
});

Deno.test("fitGaussian finds no peak in pure noise, dips and edges", () => {
  for (
    const [n, seed] of [[10, 1], [100, 2], [100, 3], [1000, 4], [1e4, 5], [
      1e5,
      6,
    ]]
  ) {
    const fit = fitGaussian(
      linspace(-5, 5, n),
      noise(n, seed).map((v) => v + 3),
    );
    assertRefused(fit, /no (significant )?peak|not converged|singular/);
  }
  const x = linspace(-5, 5, 200);
  const dip = peak(x, 0.5, 1, -8, 20).map((v, i) => v + 0.1 * noise(200, 9)[i]);
  assertRefused(fitGaussian(x, dip), /dip/);
  // A rising edge whose peak lies beyond the scanned range.
  const edge = peak(x, 9, 2, 10, 0).map((v, i) => v + 0.01 * noise(200, 10)[i]);
  assertRefused(fitGaussian(x, edge), /outside|no (significant )?peak/);
  // A straight line is not a peak either.
  assertRefused(
    fitGaussian(x, x.map((v) => 2 * v + 1)),
    /no (significant )?peak|outside|not converged|singular/,
  );
});

Deno.test("fitGaussian reports a fit that does not converge", () => {
  const d = makeCase(CASES.find((c) => c.name === "n100_snr3")!);
  const fit = fitGaussian(d.x, d.y, { maxEvaluations: 2 });
  assertRefused(fit, /not converged: the maximum number of evaluations/);
  assert(fit.nEvaluations === 2 && fit.nPoints === 100);
});

Deno.test("fitGaussian: a clean peak gives the truth and consistent extras", () => {
  const x = linspace(-3, 7, 401);
  const y = peak(x, 2.25, 0.8, 50, -3);
  const fit = fitGaussian(x, y);
  assert(fit.ok, fit.message);
  assertAlmostEquals(fit.amplitude, 50, 1e-9);
  assertAlmostEquals(fit.center, 2.25, 1e-10);
  assertAlmostEquals(fit.sigma, 0.8, 1e-10);
  assertAlmostEquals(fit.offset, -3, 1e-9);
  assertAlmostEquals(fit.fwhm, FWHM_PER_SIGMA * 0.8, 1e-9);
  assertAlmostEquals(fit.centroid, 2.25, 1e-6);
  assertAlmostEquals(fit.rms, 0.8, 1e-4);
  assertAlmostEquals(fit.rSquared, 1, 1e-12);
  assert(
    fit.nPoints === 401 && fit.iterations > 0 &&
      fit.nEvaluations >= fit.iterations,
  );
  assertMatch(
    fit.message,
    /^converged: .*\(\d+ iterations, \d+ evaluations\)$/,
  );
});

Deno.test("fitGaussian: order, unit weights and zero weights", () => {
  const d = makeCase(CASES.find((c) => c.name === "n100_backward")!);
  const base = fitGaussian(d.x, d.y);
  assert(base.ok, base.message);
  // Shuffled points: same minimum.
  const rng = new Rng(42);
  const idx = Array.from({ length: d.x.length }, (_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const shuffled = fitGaussian(
    Float64Array.from(idx, (i) => d.x[i]),
    Float64Array.from(idx, (i) => d.y[i]),
  );
  assert(shuffled.ok, shuffled.message);
  assertAlmostEquals(shuffled.center, base.center, 1e-9);
  assertAlmostEquals(shuffled.sigmaErr, base.sigmaErr, 1e-9);
  // Unit weights are no weights.
  const unit = fitGaussian(d.x, d.y, {
    weights: new Float64Array(100).fill(1),
  });
  assert(unit.center === base.center && unit.sigmaErr === base.sigmaErr);
  // Scaling every weight by k leaves parameters and errors unchanged (absolute_sigma=False).
  const scaled = fitGaussian(d.x, d.y, {
    weights: new Float64Array(100).fill(25),
  });
  assertAlmostEquals(scaled.center, base.center, 1e-9);
  assertAlmostEquals(scaled.centerErr, base.centerErr, 1e-9);
  assertAlmostEquals(scaled.chi2Red, 25 * base.residualRms ** 2, 1e-9);
  assert(Number.isNaN(base.chi2Red), "no weights: no χ² is claimed");
  assertAlmostEquals(scaled.residualRms, base.residualRms, 1e-9);
  // A zero weight removes the point.
  const w = new Float64Array(100).fill(1);
  w[10] = 0;
  const dropped = fitGaussian(d.x, d.y, { weights: w });
  const removed = fitGaussian(
    d.x.filter((_, i) => i !== 10),
    d.y.filter((_, i) => i !== 10),
  );
  assert(dropped.nPoints === 99);
  assertAlmostEquals(dropped.center, removed.center, 1e-10);
  assertAlmostEquals(dropped.centerErr, removed.centerErr, 1e-10);
});

Deno.test("initialGuess survives off-centre, truncated, negative-background and noisy peaks", () => {
  for (const spec of CASES.filter((c) => c.n <= 1e4)) {
    const d = makeCase(spec);
    const g = initialGuess(d.x, d.y);
    assert(g.ok, `${spec.name}: ${!g.ok && g.message}`);
    const t = spec.truth;
    assert(
      Math.abs(g.center - t.center) < 1.5 * t.sigma,
      `${spec.name}: centre ${g.center} vs ${t.center}`,
    );
    assert(
      g.sigma > t.sigma / 3 && g.sigma < t.sigma * 3,
      `${spec.name}: sigma ${g.sigma} vs ${t.sigma}`,
    );
  }
});

Deno.test("fitGaussian honours an explicit starting point and tolerances", () => {
  const d = makeCase(CASES.find((c) => c.name === "off_centre")!);
  const fit = fitGaussian(d.x, d.y, {
    initial: { amplitude: 1, center: 3, sigma: 1, offset: 0 },
    ftol: 1e-12,
    xtol: 1e-12,
    gtol: 1e-12,
  });
  const auto = fitGaussian(d.x, d.y);
  assert(fit.ok && auto.ok, fit.message);
  assertAlmostEquals(fit.center, auto.center, 1e-9);
});
