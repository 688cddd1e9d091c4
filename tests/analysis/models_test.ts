/**
 * The model functions of models.ts, the fit kernels' models with their
 * analytic Jacobians, the registry, and the double Gaussian's halo fraction.
 */
import { MODEL_NAMES, MODELS } from "../../lib/analysis/model_fields.ts";
import { loadFitData, modelBlock } from "../../lib/analysis/kernels/mod.ts";
import { initialGuess } from "../../lib/analysis/initial_guess.ts";
import {
  fitModel,
  modelStart,
  namedValues,
} from "../../lib/analysis/model_fit.ts";
import {
  MODEL_FUNCTIONS,
  MODEL_PARAMETER_COUNTS,
  modelCurve,
  type ModelName,
  qExp,
} from "../../lib/analysis/models.ts";
import { assert, assertEquals } from "../support/assert.ts";
import { makeCase, modelSpecs } from "./fit_cases.ts";

const SAMPLE: Record<ModelName, number[][]> = {
  gauss: [[2, 0.3, 1.1, 0.5], [1, -1, 0.4, -2]],
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

Deno.test("the kernels' models equal models.ts and their Jacobians equal central differences", () => {
  // odd length: the kernels pad to an even count
  const xs = Float64Array.from([
    -3.1,
    -0.9,
    -0.2,
    0.05,
    0.31,
    1.7,
    4.4,
    -1,
    0.3,
  ]);
  for (
    const [name, list] of Object.entries(SAMPLE) as [ModelName, number[][]][]
  ) {
    const f = MODEL_FUNCTIONS[name];
    for (const params of list) {
      const p = Float64Array.from(params);
      const { f: v, j } = modelBlock(name, xs, p);
      for (let i = 0; i < xs.length; i++) {
        const x = xs[i];
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
          const jk = j[k * xs.length + i];
          assert(
            Math.abs(fd - jk) <= 1e-6 * (1 + Math.abs(jk)),
            `${name} ∂/∂p${k} at x=${x}: analytic ${jk} vs ${fd}`,
          );
        }
      }
    }
  }
});

Deno.test("a kernel evaluation is Σw·r², JᵀWJ and JᵀWr of models.ts over every point, padding and blocks included", () => {
  // across blocks of 256; 1001 points are padded to an even count, 1000
  // without weights take the unweighted sums, 50 001 are copied in chunks
  for (const n of [1001, 1000, 50_001]) {
    const x = Float64Array.from({ length: n }, (_, i) => -6 + 12 * i / (n - 1));
    const y = x.map((v) =>
      1.7 * Math.exp(-0.5 * (v / 1.2) ** 2) + 0.2 + 0.1 * Math.sin(9 * v)
    );
    const w = x.map((_, i) => i % 7 === 0 ? 0 : 1 + (i % 3));
    for (const weights of [undefined, w]) {
      const data = loadFitData({ x, y, w: weights });
      for (
        const [name, list] of Object.entries(SAMPLE) as [
          ModelName,
          number[][],
        ][]
      ) {
        const params = list[0];
        const np = params.length;
        const h = new Float64Array(np * np), g = new Float64Array(np);
        const chi2 = data.evaluate(name, Float64Array.from(params), h, g);
        const { f: fv, j } = {
          f: new Float64Array(n),
          j: new Float64Array(np * n),
        };
        for (let s = 0; s < n; s += 200) {
          const part = modelBlock(
            name,
            x.subarray(s, Math.min(n, s + 200)),
            Float64Array.from(params),
          );
          const m = part.f.length;
          fv.set(part.f, s);
          for (let k = 0; k < np; k++) {
            j.set(part.j.subarray(k * m, (k + 1) * m), k * n + s);
          }
        }
        let c = 0;
        const hr = new Float64Array(np * np), gr = new Float64Array(np);
        for (let i = 0; i < n; i++) {
          const wi = weights ? weights[i] : 1;
          const r = y[i] - fv[i];
          c += wi * r * r;
          for (let a = 0; a < np; a++) {
            gr[a] += wi * j[a * n + i] * r;
            for (let b = 0; b < np; b++) {
              hr[a * np + b] += wi * j[a * n + i] * j[b * n + i];
            }
          }
        }
        assert(Math.abs(chi2 - c) <= 1e-12 * c, `${name}: χ² ${chi2} vs ${c}`);
        for (let a = 0; a < np; a++) {
          const scale = Math.sqrt(hr[a * np + a]);
          assert(
            Math.abs(g[a] - gr[a]) <= 1e-12 * scale * Math.sqrt(c),
            `${name}: g${a} ${g[a]} vs ${gr[a]}`,
          );
          for (let b = 0; b < np; b++) {
            assert(
              Math.abs(h[a * np + b] - hr[a * np + b]) <=
                1e-12 * scale * Math.sqrt(hr[b * np + b]),
              `${name}: h${a}${b} ${h[a * np + b]} vs ${hr[a * np + b]}`,
            );
          }
        }
      }
    }
  }
});

Deno.test("the kernels' data sums are the x range, Σw·u, Σw·u² and the windowed moments of every point, padding and chunks included", () => {
  for (const n of [1001, 1000, 50_001]) {
    const x = Float64Array.from({ length: n }, (_, i) => -6 + 12 * i / (n - 1));
    const y = x.map((v) =>
      1.7 * Math.exp(-0.5 * (v / 1.2) ** 2) - 0.3 + 0.4 * Math.sin(9 * v)
    );
    const w = x.map((_, i) => i % 7 === 0 ? 0 : 1 + (i % 3));
    for (const weights of [undefined, w]) {
      const [offset, center, half] = [0.1, 0.4, 2.5];
      const s = loadFitData({ x, y, w: weights }).sums(offset, center, half);
      const r = {
        sw: 0,
        s1: 0,
        s2: 0,
        su: 0,
        sud: 0,
        sudd: 0,
        sp: 0,
        spd: 0,
        spdd: 0,
      };
      for (let i = 0; i < n; i++) {
        const wi = weights ? weights[i] : 1;
        const u = y[i] - offset, d = x[i] - center;
        r.sw += wi;
        r.s1 += wi * u;
        r.s2 += wi * u * u;
        if (wi === 0 || Math.abs(d) > half) continue;
        r.su += u, r.sud += u * d, r.sudd += u * d * d;
        if (u > 0) r.sp += u, r.spd += u * d, r.spdd += u * d * d;
      }
      assertEquals([s.xmin, s.xmax], [-6, 6]);
      for (const [key, value] of Object.entries(r)) {
        const got = s[key as keyof typeof r];
        assert(
          Math.abs(got - value) <= 1e-12 * (Math.abs(value) + r.sw),
          `n ${n} ${
            weights ? "weighted" : "unweighted"
          } ${key}: ${got} vs ${value}`,
        );
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

Deno.test("the super- and q-Gaussian start from the order and q their quarter/half width ratio gives, and from 2 and 1 without it", () => {
  for (
    const [model, truth] of [
      ["super_gauss", 1.5],
      ["super_gauss", 4],
      ["super_gauss", 8],
      ["q_gauss", 1.3],
      ["q_gauss", 2],
      ["q_gauss", 0.8],
    ] as const
  ) {
    const params = [3, 0.4, 1.1, truth, 0.5];
    const data = makeCase({
      name: `${model}_${truth}`,
      n: 4000,
      truth: { amplitude: 3, center: 0.4, sigma: 1.1, offset: 0.5 },
      xStart: -10,
      xEnd: 10,
      snr: 300,
      seed: 5,
      model,
      params,
    });
    const g = initialGuess(data.x, data.y);
    assert(g.ok && g.fwqm > g.fwhm, `${model} ${truth}: widths of the guess`);
    const start = modelStart(model, g);
    const shape = start[3];
    assert(
      Math.abs(shape - truth) < 0.08 * truth,
      `${model} ${truth}: started at ${shape}`,
    );
    // the σ that gives the same FWHM (within the smoothing's widening)
    assert(Math.abs(start[2] / 1.1 - 1) < 0.05, `${model} σ ${start[2]}`);
    const without = modelStart(model, { ...g, fwqm: NaN });
    assertEquals(without[3], model === "super_gauss" ? 2 : 1);
    assertEquals(without[2], g.sigma);
  }
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

Deno.test("the kernels give a non-finite χ² where the model is not finite, never a silent number", () => {
  const x = Float64Array.from({ length: 64 }, (_, i) => -3 + i / 10);
  const y = x.map((v) => Math.exp(-0.5 * v * v));
  const data = loadFitData({ x, y, w: undefined });
  for (
    const [name, list] of Object.entries(SAMPLE) as [ModelName, number[][]][]
  ) {
    const np = list[0].length;
    for (const k of [0, 1, 2]) {
      const p = Float64Array.from(list[0]);
      p[k] = NaN;
      const h = new Float64Array(np * np), g = new Float64Array(np);
      const chi2 = data.evaluate(name, p, h, g);
      assert(Number.isNaN(chi2), `${name} with p${k} = NaN: χ² ${chi2}`);
    }
  }
});
