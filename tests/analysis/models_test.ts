/**
 * The model functions of models.ts, the block models with their analytic
 * Jacobians, the registry, and the double Gaussian's halo fraction.
 */
import { MODEL_NAMES, MODELS } from "../../lib/analysis/model_fields.ts";
import { BLOCK } from "../../lib/analysis/lm_general.ts";
import { BLOCK_MODELS } from "../../lib/analysis/model_jacobians.ts";
import { fitModel, namedValues } from "../../lib/analysis/model_fit.ts";
import {
  MODEL_FUNCTIONS,
  MODEL_PARAMETER_COUNTS,
  modelCurve,
  qExp,
} from "../../lib/analysis/models.ts";
import { assert, assertEquals } from "../support/assert.ts";
import { makeCase, modelSpecs } from "./fit_cases.ts";

const SAMPLE: Record<string, number[][]> = {
  gauss_linear: [[2, 0.3, 1.1, 0.5, 0.07], [1, -1, 0.4, -2, -0.3]],
  super_gauss: [[2, 0.3, 1.1, 4, 0.5], [1, -1, 0.4, 1.4, -2]],
  split_gauss: [[2, 0.3, 0.7, 1.6, 0.5], [1, -1, 1.4, 0.5, -2]],
  double_gauss: [[2, 0.3, 0.7, 0.2, 2.5, 0.5], [1, -1, 1.4, 0.5, 3, -2]],
  q_gauss: [[2, 0.3, 1.1, 1.7, 0.5], [1, -1, 0.8, 0.7, -2], [
    1,
    0,
    1,
    1 + 1e-6,
    0,
  ]],
};

Deno.test("block models equal models.ts and their Jacobians equal central differences", () => {
  const xs = Float64Array.from([-3.1, -0.9, -0.2, 0.05, 0.31, 1.7, 4.4, -1]);
  for (const [name, list] of Object.entries(SAMPLE)) {
    const model = BLOCK_MODELS[name as keyof typeof BLOCK_MODELS];
    const f = MODEL_FUNCTIONS[name as keyof typeof MODEL_FUNCTIONS];
    for (const params of list) {
      const p = Float64Array.from(params);
      const j = new Float64Array(p.length * BLOCK);
      const v = new Float64Array(BLOCK);
      // the block from index 1 on: x[1 + i] at row i
      model(xs, 1, xs.length - 1, p, v, j);
      for (let i = 0; i < xs.length - 1; i++) {
        const x = xs[1 + i];
        assert(
          Math.abs(v[i] - f(params, x)) <= 1e-14 * (1 + Math.abs(v[i])),
          `${name} at ${x}: ${v[i]} vs ${f(params, x)}`,
        );
        for (let k = 0; k < p.length; k++) {
          const h = 1e-6 * Math.max(1, Math.abs(p[k]));
          const up = [...params], down = [...params];
          up[k] += h;
          down[k] -= h;
          const fd = (f(up, x) - f(down, x)) / (2 * h);
          const jk = j[k * BLOCK + i];
          assert(
            Math.abs(fd - jk) <= 1e-6 * (1 + Math.abs(jk)),
            `${name} ∂/∂p${k} at x=${x}: analytic ${jk} vs ${fd}`,
          );
        }
      }
    }
  }
});

Deno.test("q → 1 is the Gaussian; q < 1 has a compact support", () => {
  for (const s of [0, 0.3, 2, 10]) {
    assert(Math.abs(qExp(1, s) - Math.exp(-s)) < 1e-15);
    assert(Math.abs(qExp(1 + 1e-9, s) / Math.exp(-s) - 1) < 1e-7);
  }
  assertEquals(qExp(0.5, 2.5), 0);
  const g = MODEL_FUNCTIONS.gauss([2, 0.1, 0.9, 0.3], 1.3);
  const q = MODEL_FUNCTIONS.q_gauss([2, 0.1, 0.9, 1, 0.3], 1.3);
  const sg = MODEL_FUNCTIONS.super_gauss([2, 0.1, 0.9, 2, 0.3], 1.3);
  assert(
    Math.abs(g - q) < 1e-15 && Math.abs(g - sg) < 1e-15,
    `${g} ${q} ${sg}`,
  );
});

Deno.test("the registry names every model once with its parameter count", () => {
  assertEquals(new Set(MODEL_NAMES).size, 6);
  for (const m of MODELS) {
    assertEquals(m.params.length, MODEL_PARAMETER_COUNTS[m.name]);
    assertEquals(new Set(m.params.map((p) => p.key)).size, m.params.length);
  }
  // the Gaussian keeps fit_fields.ts's keys
  assertEquals(
    MODELS[0].params.map((p) => p.key),
    ["amplitude", "center", "sigma", "offset"],
  );
  const y = modelCurve({
    model: "double_gauss",
    params: [1, 0, 1, 0.5, 3, 0.1],
  }, [0, 1]);
  assert(Math.abs(y[0] - 1.6) < 1e-15, `${y[0]}`);
});

Deno.test("the halo fraction is recovered within its propagated error", () => {
  let pulls = 0, n = 0;
  for (const spec of modelSpecs("double_gauss", 36, 77)) {
    if (spec.snr < 100) continue;
    const data = makeCase(spec);
    const f = fitModel(data.x, data.y, { model: "double_gauss" });
    if (!f.ok) continue;
    const named = namedValues(f);
    assertEquals(named.haloSigma, f.params[4]);
    assertEquals(named.haloSigmaErr, f.errors[4]);
    const [a, , s, ah, sh] = spec.params!;
    const truth = ah * sh / (a * s + ah * sh);
    assert(f.haloFractionErr > 0, `${spec.name}: ${f.haloFractionErr}`);
    const pull = (f.haloFraction - truth) / f.haloFractionErr;
    assert(Math.abs(pull) < 5, `${spec.name}: pull ${pull}`);
    pulls += pull * pull;
    n++;
  }
  assert(n >= 10, `only ${n} fits`);
  // the errors are the right size: RMS pull of order 1
  const rms = Math.sqrt(pulls / n);
  assert(rms > 0.3 && rms < 2, `RMS pull ${rms} over ${n}`);
});

Deno.test("fitModel reports reasons, never throws", () => {
  for (const name of MODEL_NAMES) {
    const flat = fitModel(
      new Float64Array(20).map((_, i) => i),
      new Float64Array(20),
      { model: name },
    );
    assert(!flat.ok && flat.message.length > 0, `${name}: ${flat.message}`);
    const few = fitModel(
      new Float64Array([0, 1, 2]),
      new Float64Array([0, 1, 0]),
      { model: name },
    );
    assert(!few.ok && /too few points/.test(few.message), few.message);
    const bad = fitModel(new Float64Array(8), new Float64Array(7), {
      model: name,
    });
    assert(!bad.ok && /same length/.test(bad.message), bad.message);
  }
  const wrong = fitModel(
    new Float64Array(20).map((_, i) => i),
    new Float64Array(20).map((_, i) => Math.exp(-((i - 10) ** 2) / 8)),
    { model: "q_gauss", initial: [1, 2] },
  );
  assert(!wrong.ok && /expected 5/.test(wrong.message), wrong.message);
});

Deno.test("a double Gaussian on a plain Gaussian beam fails for want of a halo without polishing its flat valley", () => {
  const d = makeCase({
    name: "plain_gauss_1e4",
    n: 10_000,
    truth: { amplitude: 3, center: 0.7, sigma: 1.3, offset: 0.5 },
    xStart: -8,
    xEnd: 8,
    snr: 30,
    seed: 2010,
    model: "gauss",
    params: [3, 0.7, 1.3, 0.5],
  });
  const fit = fitModel(d.x, d.y, { model: "double_gauss" });
  assertEquals(fit.ok, false);
  assert(/no significant core/.test(fit.message), fit.message);
  // the polish after convergence ran to its 1000-evaluation budget here
  assert(fit.nEvaluations < 300, `${fit.nEvaluations} evaluations`);
  const gauss = fitModel(d.x, d.y, { model: "gauss" });
  assert(gauss.ok && Math.abs(gauss.params[2] - 1.3) < 0.05, gauss.message);
});
