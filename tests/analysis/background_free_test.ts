/**
 * Background-free statistics: a centroid a background of ±50 % of the peak
 * cannot bias (bluesky#1877), moments of known shapes, and an FWHM defined
 * on every profile with a peak, however noisy (bluesky#888).
 */
import {
  backgroundFreeStatistics,
  type StatisticsCut,
} from "../../lib/analysis/background_free.ts";
import { fitAuto } from "../../lib/analysis/model_choice.ts";
import { fitModel } from "../../lib/analysis/model_fit.ts";
import type { ModelName } from "../../lib/analysis/models.ts";
import { initialGuess } from "../../lib/analysis/initial_guess.ts";
import { assert, assertAlmostEquals } from "../support/assert.ts";
import { makeCase, modelSpecs, Rng } from "./fit_cases.ts";

/** A Gaussian (A = 1, σ = 1) at `mu` on `c + b·x`, SNR 100, 1000 points. */
function profile(mu: number, c: number, b: number, seed: number) {
  const rng = new Rng(seed);
  const n = 1000;
  const x = new Float64Array(n), y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = -6 + 12 * i / (n - 1);
    const d = x[i] - mu;
    y[i] = Math.exp(-0.5 * d * d) + c + b * x[i] + 0.01 * rng.normal();
  }
  return { x, y };
}

Deno.test("the background-subtracted centroid stays within 1 % of σ under a background of ±50 % of the peak", () => {
  const rng = new Rng(5);
  let naiveWorst = 0;
  let worst = 0;
  for (let k = 0; k < 24; k++) {
    const mu = (rng.uniform() - 0.5) * 4;
    // constant ±0.5, or a line from ∓0.5 to ±0.5 across the scan
    const [c, b] = [[0.5, 0], [-0.5, 0], [0, 0.5 / 6], [0, -0.5 / 6]][k % 4];
    const { x, y } = profile(mu, c, b, 100 + k);
    const auto = fitAuto(x, y);
    assert(auto.ok, auto.message);
    for (
      const cut of [
        { kind: "sigma" },
        { kind: "threshold" },
      ] as StatisticsCut[]
    ) {
      const s = backgroundFreeStatistics(x, y, { fit: auto.fit, cut });
      assert(s.ok, s.message);
      const err = Math.abs(s.centroid - mu);
      worst = Math.max(worst, err);
      assert(
        err <= 0.01,
        `k=${k} (${auto.chosen}, ${s.cut}): centroid ${s.centroid} vs ${mu}`,
      );
    }
    // what a plain centre of mass gives: biased by far more than 1 %
    let s0 = 0, s1 = 0;
    for (let i = 0; i < x.length; i++) (s0 += y[i]), (s1 += y[i] * x[i]);
    naiveWorst = Math.max(naiveWorst, Math.abs(s1 / s0 - mu));
  }
  console.log(
    `worst centroid error ${worst.toFixed(4)} σ; plain centre of mass ${
      naiveWorst.toFixed(2)
    } σ`,
  );
  assert(
    naiveWorst > 0.1,
    "the test's backgrounds would bias a plain centroid",
  );
});

Deno.test("moments of known shapes: a Gaussian within ±3σ, a skewed split Gaussian", () => {
  const { x, y } = profile(0.3, 0.2, 0, 9);
  const fit = fitModel(x, y, { model: "gauss" });
  const s = backgroundFreeStatistics(x, y, { fit });
  assert(s.ok, s.message);
  assertAlmostEquals(s.rms, 0.9866, 0.01);
  assertAlmostEquals(s.skewness, 0, 0.03);
  assertAlmostEquals(s.kurtosis, -0.171, 0.05);
  assertAlmostEquals(s.fwhm, 2 * Math.sqrt(2 * Math.LN2), 0.01);
  assertAlmostEquals(s.fwhmData, s.fwhm, 0.1);
  const split = makeCase({
    ...modelSpecs("split_gauss", 1, 1)[0],
    model: "split_gauss",
    params: [1, 0, 0.6, 1.5, 0.1],
    snr: 300,
    n: 2000,
  });
  const f = fitModel(split.x, split.y, { model: "split_gauss" });
  assert(f.ok, f.message);
  const t = backgroundFreeStatistics(split.x, split.y, { fit: f });
  assert(t.ok && t.skewness > 0.3, `skewness ${t.skewness}`);
  // the split Gaussian's FWHM is 1.1774·(σL + σR)
  assertAlmostEquals(t.fwhm, Math.sqrt(2 * Math.LN2) * 2.1, 0.02);
});

Deno.test("the model FWHM has its closed form for every symmetric model", () => {
  const h = Math.sqrt(2 * Math.LN2);
  const cases: [ModelName, number[], number][] = [
    ["gauss_linear", [2, 0.5, 1.2, 0.3, 0.05], 2 * h * 1.2],
    [
      "super_gauss",
      [2, 0.5, 1.2, 4, 0.3],
      2 * Math.SQRT2 * 1.2 * Math.LN2 ** (1 / 4),
    ],
    [
      "q_gauss",
      [2, 0.5, 1.2, 1.8, 0.3],
      2 * 1.2 * Math.sqrt(2 * (2 ** 0.8 - 1) / 0.8),
    ],
  ];
  for (const [model, params, fwhm] of cases) {
    const data = makeCase({
      ...modelSpecs(model, 1, 2)[0],
      model,
      params,
      snr: 1000,
      n: 2000,
    });
    const f = fitModel(data.x, data.y, { model });
    assert(f.ok, f.message);
    assertAlmostEquals(f.fwhm, fwhm, 0.01 * fwhm);
  }
});

Deno.test("the FWHM is defined on every profile with a peak, at SNR 3 to 1000, truncated or not", () => {
  let fromData = 0;
  for (const model of ["gauss", "super_gauss", "double_gauss"] as const) {
    for (const data of modelSpecs(model, 36, 40).map(makeCase)) {
      if (!initialGuess(data.x, data.y).ok) continue;
      const auto = fitAuto(data.x, data.y);
      const s = backgroundFreeStatistics(data.x, data.y, { fit: auto.fit });
      assert(
        Number.isFinite(s.fwhm) && s.fwhm > 0 &&
          Number.isFinite(s.fwhmData) && s.fwhmData > 0,
        `${data.spec.name}: FWHM ${s.fwhm} / data ${s.fwhmData}: ${s.message}`,
      );
      if (!auto.ok) fromData++;
    }
  }
  // a profile the fits refuse still has the data's FWHM
  const rng = new Rng(3);
  const x = new Float64Array(50), y = new Float64Array(50);
  for (let i = 0; i < 50; i++) {
    x[i] = i;
    y[i] = 0.8 * Math.exp(-0.5 * ((i - 25) / 4) ** 2) + rng.normal() * 0.5;
  }
  const auto = fitAuto(x, y);
  const s = backgroundFreeStatistics(x, y, { fit: auto.fit });
  assert(Number.isFinite(s.fwhm) && s.fwhm > 0, `noisy FWHM ${s.fwhm}`);
  console.log(`${fromData} profiles had only the data's FWHM`);
});

Deno.test("no peak: reasons, not exceptions", () => {
  const s = backgroundFreeStatistics(
    new Float64Array(10),
    new Float64Array(10),
  );
  assert(!s.ok && /no x range|no peak/.test(s.message), s.message);
  const t = backgroundFreeStatistics(
    new Float64Array([0, 1, 2]),
    new Float64Array([0, NaN, 0]),
  );
  assert(!t.ok && /non-finite/.test(t.message), t.message);
});
