/**
 * The automatic model choice: it picks the true model on simulated
 * profiles of known shape at SNR ≥ 30, and refuses noise alone with a
 * reason instead of crashing.
 */
import { fitAuto } from "../../lib/analysis/model_choice.ts";
import { initialGuess } from "../../lib/analysis/initial_guess.ts";
import { MODEL_NAMES } from "../../lib/analysis/model_fields.ts";
import { fitModel } from "../../lib/analysis/model_fit.ts";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { choiceSpecs, makeCase, Rng } from "./fit_cases.ts";

Deno.test("fitAuto picks the true model in at least 95 % of 200 profiles at SNR ≥ 30", () => {
  const cases = choiceSpecs(200, 7).map(makeCase);
  let right = 0;
  const wrong: string[] = [];
  const perModel: Record<string, [number, number]> = {};
  for (const data of cases) {
    const auto = fitAuto(data.x, data.y);
    const truth = data.spec.model!;
    perModel[truth] ??= [0, 0];
    perModel[truth][1]++;
    assert(auto.ok, `${data.spec.name}: ${auto.message}`);
    assertEquals(auto.ranking.length >= 1, true);
    assertEquals(auto.fit.model, auto.chosen);
    if (auto.chosen === truth) {
      right++;
      perModel[truth][0]++;
    } else {
      wrong.push(
        `${data.spec.name} (SNR ${data.spec.snr.toFixed(0)}): ${auto.message}`,
      );
    }
    // every model was tried and reported
    for (const name of MODEL_NAMES) {
      assertEquals(auto.fits[name].model, name);
    }
    if (auto.runnerUp) {
      const d = auto.fits[auto.runnerUp].aicc - auto.fits[auto.chosen!].aicc;
      assert(Math.abs(d - auto.deltaAicc) < 1e-9, "ΔAICc is the runner-up's");
    }
  }
  console.log(
    `picked right: ${right}/200; per model ${
      Object.entries(perModel).map(([k, [r, n]]) => `${k} ${r}/${n}`).join(", ")
    }\n${wrong.join("\n")}`,
  );
  assert(right >= 190, `${right}/200 right:\n${wrong.join("\n")}`);
});

Deno.test("fitAuto refuses noise alone with a reason, never throws", () => {
  const rng = new Rng(11);
  for (let k = 0; k < 60; k++) {
    const n = [50, 300, 2000][k % 3];
    const x = new Float64Array(n), y = new Float64Array(n);
    const offset = (rng.uniform() - 0.5) * 100;
    for (let i = 0; i < n; i++) {
      x[i] = -5 + 10 * i / (n - 1);
      y[i] = offset + rng.normal();
    }
    const auto = fitAuto(x, y);
    assert(!auto.ok, `noise ${k}: chose ${auto.chosen}: ${auto.message}`);
    assertMatch(auto.message, /no (model fitted|peak)/);
    assertEquals(auto.chosen, null);
  }
  // degenerate inputs: reasons, not exceptions
  const flat = fitAuto(new Float64Array(10), new Float64Array(10));
  assert(!flat.ok && flat.message.length > 0, flat.message);
  const bad = fitAuto(new Float64Array([0, 1, NaN]), new Float64Array(3));
  assertMatch(bad.message, /non-finite/);
  const short = fitAuto(new Float64Array([0, 1]), new Float64Array([1, 2]));
  assert(!short.ok, short.message);
  const mismatch = fitAuto(new Float64Array(5), new Float64Array(4));
  assertMatch(mismatch.message, /same length/);
});

Deno.test("from 50 000 points fitAuto starts from a subsample, and reaches the same minimum", () => {
  for (const spec of choiceSpecs(6, 13)) {
    const data = makeCase({ ...spec, n: 60_000 });
    const auto = fitAuto(data.x, data.y);
    assert(auto.ok, `${spec.name}: ${auto.message}`);
    assertEquals(auto.chosen, spec.model);
    const alone = fitModel(data.x, data.y, { model: spec.model! });
    assert(alone.ok, alone.message);
    for (let k = 0; k < alone.params.length; k++) {
      const d = Math.abs(auto.fit.params[k] - alone.params[k]) /
        alone.errors[k];
      assert(d < 1e-3, `${spec.name} p${k}: ${d} standard errors apart`);
    }
  }
});

Deno.test("fitAuto's chosen fit is a single fit's to 10⁻⁶ standard errors, every other within 10⁻³", () => {
  for (const spec of choiceSpecs(40, 41)) {
    const data = makeCase(spec);
    const auto = fitAuto(data.x, data.y);
    assert(auto.ok, `${spec.name}: ${auto.message}`);
    // the others start from the fitted Gaussian and the guess's widths, as
    // in fitAuto
    const g = fitModel(data.x, data.y, { model: "gauss" });
    const guess = initialGuess(data.x, data.y);
    assert(guess.ok, `${spec.name}: ${guess.ok || guess.message}`);
    const start = {
      ok: true as const,
      amplitude: g.params[0],
      center: g.params[1],
      sigma: g.params[2],
      offset: g.params[3],
      fwhm: guess.fwhm,
      fwqm: guess.fwqm,
    };
    for (const name of auto.ranking) {
      const alone = fitModel(data.x, data.y, {
        model: name,
        guess: name === "gauss" || !g.ok ? undefined : start,
      });
      if (!alone.ok) continue;
      const limit = name === auto.chosen ? 1e-6 : 1e-3;
      for (let k = 0; k < alone.params.length; k++) {
        const d = Math.abs(auto.fits[name].params[k] - alone.params[k]) /
          alone.errors[k];
        assert(
          d < limit,
          `${spec.name} ${name} p${k}: ${d} standard errors apart (limit ${limit})`,
        );
      }
    }
  }
});
