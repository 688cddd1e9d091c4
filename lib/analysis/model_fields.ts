/**
 * The one registry of the profile models: for each model its name, label,
 * and its parameters in vector order with their keys, unit kinds and
 * labels. The model functions (`models.ts`), the fits (`model_fit.ts`), the
 * automatic choice and, later, the PVs, the file and the page are derived
 * from it. The Gaussian on a constant keeps its own fields, PV names and
 * HDF5 names in `fit_fields.ts`; its parameter keys here are the same.
 * Browser-safe.
 *
 * @module
 */
import type { FitUnit } from "./fit_fields.ts";
import { MODEL_PARAMETER_COUNTS, type ModelName } from "./models.ts";

export type { ModelName };

/** One fitted parameter of a model. */
export interface ModelParameter {
  /** Key (camelCase; its standard error is `<key>Err`). */
  key: string;
  /** Unit kind: the position's (x), the signal's (y), or none. */
  unit: FitUnit;
  /** Short human label. */
  label: string;
}

/** One model of the registry. */
export interface ModelSpec {
  name: ModelName;
  /** Short human label (page, inspect). */
  label: string;
  /** The formula, as the docs state it. */
  formula: string;
  /** Parameters, in the order of the parameter vector. */
  params: readonly ModelParameter[];
}

const A: ModelParameter = { key: "amplitude", unit: "y", label: "amplitude" };
const MU: ModelParameter = { key: "center", unit: "x", label: "centre" };
const SIGMA: ModelParameter = { key: "sigma", unit: "x", label: "sigma" };
const C: ModelParameter = { key: "offset", unit: "y", label: "offset" };

/** Every model, in the order the automatic choice lists them. */
export const MODELS: readonly ModelSpec[] = [
  {
    name: "gauss",
    label: "Gaussian",
    formula: "A·exp(−(x−μ)²/(2σ²)) + c",
    params: [A, MU, SIGMA, C],
  },
  {
    name: "gauss_linear",
    label: "Gaussian on a line",
    formula: "A·exp(−(x−μ)²/(2σ²)) + c + b·(x−μ)",
    params: [A, MU, SIGMA, C, {
      key: "slope",
      unit: "none",
      label: "slope (y per x)",
    }],
  },
  {
    name: "super_gauss",
    label: "super-Gaussian",
    formula: "A·exp(−(|x−μ|/(√2·σ))^P) + c",
    params: [A, MU, SIGMA, { key: "order", unit: "none", label: "order P" }, C],
  },
  {
    name: "split_gauss",
    label: "split Gaussian",
    formula: "A·exp(−(x−μ)²/(2σL²)) for x < μ, σR for x ≥ μ; + c",
    params: [
      A,
      MU,
      { key: "sigmaLeft", unit: "x", label: "sigma left" },
      { key: "sigmaRight", unit: "x", label: "sigma right" },
      C,
    ],
  },
  {
    name: "double_gauss",
    label: "core + halo",
    formula: "A·exp(−(x−μ)²/(2σ²)) + Aₕ·exp(−(x−μ)²/(2σₕ²)) + c, σ ≤ σₕ",
    params: [
      A,
      MU,
      SIGMA,
      { key: "haloAmplitude", unit: "y", label: "halo amplitude" },
      { key: "haloSigma", unit: "x", label: "halo sigma" },
      C,
    ],
  },
  {
    name: "q_gauss",
    label: "q-Gaussian",
    formula: "A·[1 + (q−1)·(x−μ)²/(2σ²)]^(−1/(q−1)) + c",
    params: [A, MU, SIGMA, { key: "q", unit: "none", label: "q" }, C],
  },
];

/** Every model name, in registry order. */
export const MODEL_NAMES: readonly ModelName[] = MODELS.map((m) => m.name);

/** The registry entry of a model. */
export function modelSpec(name: ModelName): ModelSpec {
  const m = MODELS.find((s) => s.name === name);
  if (!m) {
    throw new Error(
      `model '${name}': expected one of ${MODEL_NAMES.join(", ")}`,
    );
  }
  return m;
}

/** Whether a string names a model of the registry. */
export function isModelName(name: string): name is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(name);
}

for (const m of MODELS) {
  if (m.params.length !== MODEL_PARAMETER_COUNTS[m.name]) {
    throw new Error(
      `model '${m.name}': expected ${
        MODEL_PARAMETER_COUNTS[m.name]
      } parameters in the registry`,
    );
  }
}
