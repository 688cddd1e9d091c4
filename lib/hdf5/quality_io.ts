/**
 * How far a channel's fit can be trusted, in the scan file: its point
 * rejection and its σ's error budget, beside the fit in `fit/<CH>`.
 *
 * The rejection, `fit/<CH>/rejection`
 * (NXcollection): `mask` (int32, one code per point of the raw profile:
 * 0 kept, then 1 + the reason's index; the `codes` attribute spells them
 * out), `n_<reason>` counts, `normalised`, and the settings applied as
 * attributes (`saturation`, `beam_fraction`, `outlier_k`, `normalise`).
 * The raw data are never changed.
 *
 * The error budget, `fit/<CH>/error_budget` (NXparameters): `statistical`,
 * `wire`, `readout`, `sampling` and their quadrature sum `floor` (each with
 * the position's units), `points_per_sigma`, `below_floor`.
 *
 * @module
 */
import {
  REJECTION_MEANINGS,
  REJECTION_REASONS,
} from "../analysis/fit_fields.ts";
import type {
  ErrorBudget,
  PointRejection,
  RejectionOptions,
} from "../scan/model.ts";
import type { H5Group } from "./h5.ts";
import type { GroupReader } from "./h5_read.ts";
import { bool, collection, number } from "./fit_io.ts";
import { ATTR, NX } from "./layout.ts";

/** The subgroup of `fit/<CH>` holding the rejection. */
export const REJECTION_GROUP = "rejection";

/** The settings' attribute names. */
const OPTION_ATTRS: readonly [keyof RejectionOptions, string][] = [
  ["saturation", "saturation"],
  ["beamFraction", "beam_fraction"],
  ["outlierK", "outlier_k"],
];

/** The `codes` attribute: what each code of the mask means. */
export function rejectionCodes(): string {
  return [
    "0 kept",
    ...REJECTION_REASONS.map((r, i) =>
      `${i + 1} ${r} (${REJECTION_MEANINGS[r]})`
    ),
  ].join("; ");
}

/** Writes the rejection of a channel under its fit group. */
export function writeRejection(
  channelFit: H5Group,
  rejection: Readonly<PointRejection>,
): void {
  const g = collection(channelFit, REJECTION_GROUP, NX.collection);
  g.writeInt32("mask", Int32Array.from(rejection.mask), {
    gzip: rejection.mask.length >= 4096 ? 4 : undefined,
  }).setString("codes", rejectionCodes());
  for (const r of REJECTION_REASONS) {
    g.writeScalarInt(`n_${r}`, rejection.counts[r] ?? 0);
  }
  g.writeScalarBool("normalised", rejection.normalised);
  for (const [key, attr] of OPTION_ATTRS) {
    const v = rejection.options[key];
    if (typeof v === "number") g.setFloat(attr, v);
  }
  if (rejection.options.normalise) g.setBool("normalise", true);
}

/** The rejection of a channel, or undefined when its fit has none. */
export function readRejection(
  channelFit: GroupReader,
): PointRejection | undefined {
  const g = channelFit.group(REJECTION_GROUP);
  const mask = g?.dataset("mask");
  if (!g || !mask) return undefined;
  const scalar = (name: string) => g.dataset(name)?.readScalar();
  const counts: Record<string, number> = {};
  for (const r of REJECTION_REASONS) counts[r] = number(scalar(`n_${r}`), 0);
  const options: RejectionOptions = {};
  for (const [key, attr] of OPTION_ATTRS) {
    const v = number(g.attr(attr));
    if (Number.isFinite(v)) (options as Record<string, number>)[key] = v;
  }
  if (bool(g.attr("normalise"))) options.normalise = true;
  return {
    mask: Uint8Array.from(mask.readNumeric().data as ArrayLike<number>),
    counts,
    normalised: bool(scalar("normalised")),
    options,
  };
}

/** The subgroup of `fit/<CH>` holding the error budget of σ. */
export const BUDGET_GROUP = "error_budget";

/** The budget's widths: key and dataset name. */
const BUDGET_WIDTHS: readonly [keyof ErrorBudget, string][] = [
  ["statistical", "statistical"],
  ["wire", "wire"],
  ["readout", "readout"],
  ["sampling", "sampling"],
  ["floor", "floor"],
];

/** Writes the error budget of a channel's σ under its fit group. */
export function writeErrorBudget(
  channelFit: H5Group,
  budget: Readonly<ErrorBudget>,
  units: string,
): void {
  const g = collection(channelFit, BUDGET_GROUP, NX.parameters);
  for (const [key, name] of BUDGET_WIDTHS) {
    g.writeScalar(name, budget[key] as number).setString(ATTR.units, units);
  }
  g.writeScalar("points_per_sigma", budget.pointsPerSigma);
  g.writeScalarBool("below_floor", budget.belowFloor);
}

/** The error budget of a channel's σ, or undefined when the file has none. */
export function readErrorBudget(
  channelFit: GroupReader,
): ErrorBudget | undefined {
  const g = channelFit.group(BUDGET_GROUP);
  if (!g) return undefined;
  const scalar = (name: string) => number(g.dataset(name)?.readScalar());
  const out = {} as Record<string, number | boolean>;
  for (const [key, name] of BUDGET_WIDTHS) out[key] = scalar(name);
  out.pointsPerSigma = scalar("points_per_sigma");
  out.belowFloor = bool(g.dataset("below_floor")?.readScalar());
  return out as unknown as ErrorBudget;
}
