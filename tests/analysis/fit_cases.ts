/**
 * Test data for the Gaussian fit: a deterministic PRNG, the table of cases
 * compared with scipy's curve_fit, and random profiles; shared by the tests
 * and `bench/fit_bench.ts`.
 *
 * @module
 */
import type { GaussParams } from "../../lib/analysis/mod.ts";
import { MODEL_FUNCTIONS, type ModelName } from "../../lib/analysis/models.ts";

/** mulberry32 with Box–Muller normals: the same numbers on every machine. */
export class Rng {
  #state: number;
  #spare = NaN;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  uniform(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Standard normal. */
  normal(): number {
    if (!Number.isNaN(this.#spare)) {
      const v = this.#spare;
      this.#spare = NaN;
      return v;
    }
    const u = 1 - this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * this.uniform();
    this.#spare = r * Math.sin(a);
    return r * Math.cos(a);
  }
}

/** How one synthetic profile is made. */
export interface CaseSpec {
  name: string;
  n: number;
  truth: GaussParams;
  /** x from `xStart` to `xEnd`, evenly spaced (may be decreasing). */
  xStart: number;
  xEnd: number;
  /** Noise standard deviation is `amplitude / snr`. */
  snr: number;
  /** x uniformly random in [xStart, xEnd], in no order. */
  randomX?: boolean;
  /** Position noise (standard deviation, x units), as an encoder's in a fly scan. */
  jitter?: number;
  /** Poisson-like noise `sd ∝ √(f(x))` with weights `1/sd²`. */
  weighted?: boolean;
  seed: number;
  /** The amplitude is below 5 standard errors: fitGaussian must refuse it. */
  insignificant?: boolean;
  /**
   * The profile is this model with `params` (registry order) instead of the
   * Gaussian `truth` (whose amplitude still sets the noise).
   */
  model?: ModelName;
  params?: number[];
}

/** One synthetic profile. */
export interface FitCase {
  spec: CaseSpec;
  x: Float64Array;
  y: Float64Array;
  weights?: Float64Array;
}

/** `A·exp(−(x−μ)²/(2σ²)) + c`. */
export function gauss(p: GaussParams, x: number): number {
  const d = x - p.center;
  return p.amplitude * Math.exp(-d * d / (2 * p.sigma * p.sigma)) + p.offset;
}

/** Generates the data of a case (deterministic). */
export function makeCase(spec: CaseSpec): FitCase {
  const rng = new Rng(spec.seed);
  const { n, truth } = spec;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const weights = spec.weighted ? new Float64Array(n) : undefined;
  const base = truth.amplitude / spec.snr;
  for (let i = 0; i < n; i++) {
    const t = spec.randomX ? rng.uniform() : i / (n - 1);
    x[i] = spec.xStart + (spec.xEnd - spec.xStart) * t +
      (spec.jitter ? spec.jitter * rng.normal() : 0);
    const f = spec.model && spec.params
      ? MODEL_FUNCTIONS[spec.model](spec.params, x[i])
      : gauss(truth, x[i]);
    let sd = base;
    if (weights) {
      // Poisson-like: sd grows with the signal; truth.offset > 0 here.
      sd = base * Math.sqrt(Math.abs(f) / truth.amplitude);
      weights[i] = 1 / (sd * sd);
    }
    y[i] = f + sd * rng.normal();
  }
  return { spec, x, y, weights };
}

const P = (
  amplitude: number,
  center: number,
  sigma: number,
  offset: number,
) => ({
  amplitude,
  center,
  sigma,
  offset,
});

/** The table of cases compared with curve_fit. */
export const CASES: CaseSpec[] = [
  {
    name: "n10_snr1000",
    n: 10,
    truth: P(5, 0.3, 1.5, 1),
    xStart: -5,
    xEnd: 5,
    snr: 1000,
    seed: 1,
  },
  {
    name: "n10_snr30",
    n: 10,
    truth: P(5, -0.4, 1.8, 1),
    xStart: -5,
    xEnd: 5,
    snr: 30,
    seed: 2,
  },
  {
    name: "n10_snr3",
    n: 10,
    truth: P(5, 0.2, 2, 1),
    xStart: -5,
    xEnd: 5,
    snr: 3,
    seed: 3,
    insignificant: true,
  },
  {
    name: "n10_snr5",
    n: 10,
    truth: P(5, 0.2, 2, 1),
    xStart: -5,
    xEnd: 5,
    snr: 5,
    seed: 23,
  },
  {
    name: "n100_snr3",
    n: 100,
    truth: P(2, 0.7, 1.2, 0.5),
    xStart: -5,
    xEnd: 5,
    snr: 3,
    seed: 4,
  },
  {
    name: "n100_snr1000",
    n: 100,
    truth: P(2, 0.7, 1.2, 0.5),
    xStart: -5,
    xEnd: 5,
    snr: 1000,
    seed: 5,
  },
  {
    name: "n100_backward",
    n: 100,
    truth: P(3, -1.1, 0.8, 2),
    xStart: 5,
    xEnd: -5,
    snr: 50,
    seed: 6,
  },
  {
    name: "n1e4_snr3",
    n: 1e4,
    truth: P(1, 12.5, 0.9, 0.2),
    xStart: 5,
    xEnd: 20,
    snr: 3,
    seed: 7,
  },
  {
    name: "n1e4_snr10",
    n: 1e4,
    truth: P(1, 12.5, 0.9, 0.2),
    xStart: 5,
    xEnd: 20,
    snr: 10,
    seed: 8,
  },
  {
    name: "n1e4_snr100",
    n: 1e4,
    truth: P(1, 12.5, 0.9, 0.2),
    xStart: 5,
    xEnd: 20,
    snr: 100,
    seed: 9,
  },
  {
    name: "n1e4_snr1000",
    n: 1e4,
    truth: P(1, 12.5, 0.9, 0.2),
    xStart: 5,
    xEnd: 20,
    snr: 1000,
    seed: 10,
  },
  {
    name: "n1e4_narrow",
    n: 1e4,
    truth: P(4, 1.234, 0.05, 1),
    xStart: -5,
    xEnd: 5,
    snr: 20,
    seed: 11,
  },
  {
    name: "n1e6_snr3",
    n: 1e6,
    truth: P(3, 0.7, 1.3, 0.5),
    xStart: -5,
    xEnd: 5,
    snr: 3,
    seed: 12,
  },
  {
    name: "n1e6_snr1000",
    n: 1e6,
    truth: P(3, 0.7, 1.3, 0.5),
    xStart: -5,
    xEnd: 5,
    snr: 1000,
    seed: 13,
  },
  {
    name: "fly_jitter_n1e5",
    n: 1e5,
    truth: P(3, 0.7, 1.3, 0.5),
    xStart: -5,
    xEnd: 5,
    jitter: 1e-3,
    snr: 20,
    seed: 24,
  },
  {
    name: "unordered_n1e4",
    n: 1e4,
    truth: P(3, -1.7, 0.6, 0.5),
    xStart: -5,
    xEnd: 5,
    randomX: true,
    snr: 20,
    seed: 25,
  },
  {
    name: "large_x_offset",
    n: 1000,
    truth: P(2, 10000.4, 0.7, 0.3),
    xStart: 9995,
    xEnd: 10005,
    snr: 50,
    seed: 14,
  },
  {
    name: "large_y_offset",
    n: 1000,
    truth: P(20, -0.3, 1.1, 1e5),
    xStart: -5,
    xEnd: 5,
    snr: 100,
    seed: 15,
  },
  {
    name: "off_centre",
    n: 200,
    truth: P(6, 3.5, 0.6, 1),
    xStart: -5,
    xEnd: 5,
    snr: 40,
    seed: 16,
  },
  {
    name: "truncated",
    n: 200,
    truth: P(6, 4.3, 1, 1),
    xStart: -5,
    xEnd: 5,
    snr: 40,
    seed: 17,
  },
  {
    name: "truncated_left",
    n: 300,
    truth: P(6, -4.6, 1.2, 2),
    xStart: -5,
    xEnd: 5,
    snr: 20,
    seed: 18,
  },
  {
    name: "negative_background",
    n: 500,
    truth: P(8, -1, 1.5, -40),
    xStart: -6,
    xEnd: 6,
    snr: 30,
    seed: 19,
  },
  {
    name: "weighted_n100",
    n: 100,
    truth: P(1000, 0.5, 1, 50),
    xStart: -5,
    xEnd: 5,
    snr: 30,
    weighted: true,
    seed: 20,
  },
  {
    name: "weighted_n1e4",
    n: 1e4,
    truth: P(1000, 0.5, 1, 50),
    xStart: -5,
    xEnd: 5,
    snr: 10,
    weighted: true,
    seed: 21,
  },
  {
    name: "weighted_n1e6",
    n: 1e6,
    truth: P(1000, 0.5, 1, 50),
    xStart: -5,
    xEnd: 5,
    snr: 10,
    weighted: true,
    seed: 22,
  },
];

/**
 * `count` random profiles: 12 to 5000 points, spans from 0.1 to 1000 at
 * offsets up to ±500, σ from 2 % to 32 % of the span, centres anywhere in
 * the middle 95 %, amplitudes from 1e-3 to 1e3 with backgrounds of either
 * sign up to 10× the amplitude, SNR 5 to 1000, 30 % scanned backwards.
 */
export function randomSpecs(count: number, seed: number): CaseSpec[] {
  const rng = new Rng(seed);
  const specs: CaseSpec[] = [];
  for (let i = 0; i < count; i++) {
    const n = [12, 30, 100, 300, 1000, 5000][i % 6];
    const span = 10 ** (rng.uniform() * 4 - 1);
    const x0 = (rng.uniform() - 0.5) * 1e3;
    const sigma = span * (0.02 + rng.uniform() * 0.3);
    const center = x0 + span * (rng.uniform() - 0.5) * 0.95;
    const amplitude = 10 ** (rng.uniform() * 6 - 3);
    const offset = amplitude * (rng.uniform() - 0.5) * 20;
    const snr = 10 ** (0.7 + rng.uniform() * 2.3);
    const backward = rng.uniform() < 0.3;
    specs.push({
      name: `random_${i}`,
      n,
      truth: { amplitude, center, sigma, offset },
      xStart: x0 + (backward ? span : -span) / 2,
      xEnd: x0 + (backward ? -span : span) / 2,
      snr,
      seed: seed * 1000 + i,
    });
  }
  return specs;
}

/**
 * `count` profiles of `model` over x in [−6, 6]: SNR cycling 3, 10, 30,
 * 100, 300, 1000; 200, 1000 or 2000 points; every 4th off-centre (μ ≈ 3.5),
 * every 4th truncated (μ ≈ 5.5, the peak cut by the range's end); every
 * 5th on a negative background (−2 A), else −0.5 A to 1 A; the shape
 * parameter drawn per model (super-Gaussian order 1.2–8, flat-topped and
 * peaked; σR/σL 0.4–2.5; halo 1–20 % of the area at 2–4 σ; q 1.05–2.5;
 * a slope of ±0.1 A per unit x).
 */
export function modelSpecs(
  model: ModelName,
  count: number,
  seed: number,
): CaseSpec[] {
  const rng = new Rng(seed);
  const specs: CaseSpec[] = [];
  for (let i = 0; i < count; i++) {
    const snr = [3, 10, 30, 100, 300, 1000][i % 6];
    const n = [200, 1000, 2000][i % 3];
    const a = 10 ** (rng.uniform() * 4 - 2);
    const sigma = 0.5 + rng.uniform();
    const where = i % 4;
    const center = where === 1
      ? 3.5 + rng.uniform() * 0.5
      : where === 2
      ? 5.5 + rng.uniform() * 0.4
      : (rng.uniform() - 0.5) * 2;
    // every 7th weighted (Poisson-like, on a positive background)
    const weighted = i % 7 === 6;
    const offset = weighted
      ? 0.3 * a
      : i % 5 === 3
      ? -2 * a
      : a * (rng.uniform() * 1.5 - 0.5);
    const u = rng.uniform();
    const params = ((): number[] => {
      switch (model) {
        case "gauss":
          return [a, center, sigma, offset];
        case "gauss_linear":
          return [a, center, sigma, offset, a * (u - 0.5) * 0.2];
        case "super_gauss":
          return [a, center, sigma, [1.2, 1.6, 3, 4, 6, 8][i % 6], offset];
        case "split_gauss":
          return [a, center, sigma, sigma * (0.4 + 2.1 * u), offset];
        case "double_gauss": {
          const fraction = 0.01 + 0.19 * u;
          const ratio = 2 + 2 * rng.uniform();
          // halo area / total = fraction: Aₕσₕ = fraction/(1−fraction)·Aσ
          const ah = a * fraction / (1 - fraction) / ratio;
          return [a, center, sigma, ah, sigma * ratio, offset];
        }
        case "q_gauss":
          return [a, center, sigma, 1.05 + 1.45 * u, offset];
      }
    })();
    specs.push({
      name: `${model}_${i}`,
      n,
      truth: { amplitude: a, center, sigma, offset },
      xStart: -6,
      xEnd: 6,
      snr,
      seed: seed * 1000 + i,
      model,
      params,
      weighted,
    });
  }
  return specs;
}

/**
 * `count` profiles for the automatic choice, the true model cycling through
 * the registry's six: 1000 points over [−6, 6], SNR 30 to 1000 (log-uniform),
 * centre within ±1.5, σ 0.6–1.2, background −A to A; shapes clearly of their
 * kind: a line changing by 10–30 % of A across the scan, order 1.3–1.6 or
 * 3–6, σR/σL 1.6–2.5 either way, a halo of 10–25 % of the area at 2.5–4 σ,
 * q 1.4–2.5.
 */
export function choiceSpecs(count: number, seed: number): CaseSpec[] {
  const rng = new Rng(seed);
  const models: ModelName[] = [
    "gauss",
    "gauss_linear",
    "super_gauss",
    "split_gauss",
    "double_gauss",
    "q_gauss",
  ];
  const specs: CaseSpec[] = [];
  for (let i = 0; i < count; i++) {
    const model = models[i % models.length];
    const a = 10 ** (rng.uniform() * 2 - 1);
    const center = (rng.uniform() - 0.5) * 3;
    const sigma = 0.6 + 0.6 * rng.uniform();
    const offset = a * (rng.uniform() * 2 - 1);
    const snr = 30 * 10 ** (rng.uniform() * Math.log10(1000 / 30));
    const u = rng.uniform();
    const side = rng.uniform() < 0.5 ? -1 : 1;
    const params = ((): number[] => {
      switch (model) {
        case "gauss":
          return [a, center, sigma, offset];
        case "gauss_linear":
          return [a, center, sigma, offset, side * a * (0.1 + 0.2 * u) / 12];
        case "super_gauss":
          return [
            a,
            center,
            sigma,
            side < 0 ? 1.3 + 0.3 * u : 3 + 3 * u,
            offset,
          ];
        case "split_gauss": {
          const r = 1.6 + 0.9 * u;
          return [a, center, sigma, side < 0 ? sigma / r : sigma * r, offset];
        }
        case "double_gauss": {
          const fraction = 0.1 + 0.15 * u;
          const ratio = 2.5 + 1.5 * rng.uniform();
          const ah = a * fraction / (1 - fraction) / ratio;
          return [a, center, sigma, ah, sigma * ratio, offset];
        }
        case "q_gauss":
          return [a, center, sigma, 1.4 + 1.1 * u, offset];
        default:
          throw new Error(`model ${model}: expected one of the registry`);
      }
    })();
    specs.push({
      name: `choice_${i}_${model}`,
      n: 1000,
      truth: { amplitude: a, center, sigma, offset },
      xStart: -6,
      xEnd: 6,
      snr,
      seed: seed * 1000 + i,
      model,
      params,
    });
  }
  return specs;
}
