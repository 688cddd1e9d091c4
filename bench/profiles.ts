/**
 * The profile of each model the model benches fit: `models_bench.ts`
 * against scipy and lmfit, `fit_ab.ts` between revisions.
 *
 * @module
 */
import type { ModelName } from "../lib/analysis/models.ts";
import { type FitCase, makeCase } from "../tests/analysis/fit_cases.ts";

/** Each model's parameters (SNR 30 over ±8; the registry's order). */
const PARAMS: Record<ModelName, number[]> = {
  gauss: [3, 0.7, 1.3, 0.5],
  gauss_linear: [3, 0.7, 1.3, 0.5, 0.05],
  super_gauss: [3, 0.7, 1.3, 4, 0.5],
  split_gauss: [3, 0.7, 0.9, 1.6, 0.5],
  double_gauss: [3, 0.7, 1.0, 0.4, 3, 0.5],
  q_gauss: [3, 0.7, 1.0, 1.6, 0.5],
};

/** The bench profile of `model` with `n` points (the same for a given n). */
export function modelProfile(model: ModelName, n: number): FitCase {
  return makeCase({
    name: `bench_${model}_${n}`,
    n,
    truth: { amplitude: 3, center: 0.7, sigma: 1.3, offset: 0.5 },
    xStart: -8,
    xEnd: 8,
    snr: 30,
    seed: 2000 + n,
    model,
    params: PARAMS[model],
  });
}
