import { summarizeFits, SUMMARY_KEYS } from "../../lib/analysis/mod.ts";
import { median } from "../../lib/analysis/statistics.ts";
import type { GaussFit } from "../../lib/scan/model.ts";
import { assert, assertAlmostEquals, assertEquals } from "../support/assert.ts";

function fit(ok: boolean, center: number, sigma: number): GaussFit {
  const v = ok ? 1 : NaN;
  return {
    ok,
    message: ok ? "converged" : "no peak",
    amplitude: 10 * v,
    center: ok ? center : NaN,
    sigma: ok ? sigma : NaN,
    offset: 0.5 * v,
    amplitudeErr: 0.1 * v,
    centerErr: 0.01 * v,
    sigmaErr: 0.02 * v,
    offsetErr: 0.03 * v,
    chi2Red: 1.1 * v,
    residualRms: 0.05 * v,
    rSquared: 0.99 * v,
    fwhm: ok ? 2.3548 * sigma : NaN,
    rms: ok ? sigma : NaN,
    centroid: ok ? center : NaN,
    nPoints: 100,
    iterations: 5,
    nEvaluations: 6,
    weighting: "none",
    points: "one struck sample per step",
  };
}

Deno.test("summarizeFits: mean and sample std over the successful fits", () => {
  const s = summarizeFits([
    fit(true, 1, 2),
    fit(false, 0, 0),
    fit(true, 2, 4),
    fit(true, 3, 6),
  ]);
  assertEquals(Object.keys(s).sort(), [...SUMMARY_KEYS].sort());
  assertEquals(s.center, { mean: 2, std: 1, n: 3 });
  assertEquals(s.sigma.mean, 4);
  assertAlmostEquals(s.sigma.std, 2, 1e-12);
  assertAlmostEquals(s.fwhm.mean, 2.3548 * 4, 1e-12);
  assertEquals(s.amplitude, { mean: 10, std: 0, n: 3 });
  assertAlmostEquals(s.chi2Red.mean, 1.1, 1e-12);
  assertAlmostEquals(s.centerErr.mean, 0.01, 1e-15);
  assertAlmostEquals(s.sigmaErr.mean, 0.02, 1e-15);
  assertAlmostEquals(s.offset.mean, 0.5, 1e-15);
});

Deno.test("summarizeFits: std is NaN below two fits, mean NaN for none", () => {
  const one = summarizeFits([fit(true, 5, 1), fit(false, 0, 0)]);
  assertEquals(one.center.mean, 5);
  assert(Number.isNaN(one.center.std));
  assertEquals(one.center.n, 1);
  const none = summarizeFits([fit(false, 0, 0)]);
  assert(Number.isNaN(none.sigma.mean) && Number.isNaN(none.sigma.std));
  assertEquals(none.sigma.n, 0);
  assertEquals(summarizeFits([]).center.n, 0);
});

Deno.test("median: the middle of the finite values, by selection as by sorting", () => {
  let seed = 3;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let t = 0; t < 500; t++) {
    const n = Math.floor(random() * 30);
    const v = Array.from(
      { length: n },
      () => random() < 0.1 ? NaN : Math.round(random() * 10) / 3,
    );
    const s = v.filter(Number.isFinite).sort((a, b) => a - b);
    const k = s.length >> 1;
    const want = s.length === 0
      ? NaN
      : s.length % 2
      ? s[k]
      : (s[k - 1] + s[k]) / 2;
    const got = median(v);
    assert(
      got === want || (Number.isNaN(got) && Number.isNaN(want)),
      `${v}: ${got} vs ${want}`,
    );
  }
});
