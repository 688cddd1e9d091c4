/**
 * A channel's point rejection in the scan file, `fit/<CH>/rejection`
 * (NXcollection): `mask` (int32, one code per point of the raw profile:
 * 0 kept, then 1 + the reason's index; the `codes` attribute spells them
 * out), `n_<reason>` counts, `normalised`, and the settings applied as
 * attributes (`saturation`, `beam_fraction`, `outlier_k`, `normalise`).
 * The raw data are never changed.
 *
 * @module
 */
import {
  REJECTION_MEANINGS,
  REJECTION_REASONS,
} from "../analysis/fit_fields.ts";
import type { PointRejection, RejectionOptions } from "../scan/model.ts";
import type { H5Group } from "./h5.ts";
import { bool, collection, number } from "./fit_io.ts";
import { NX } from "./layout.ts";

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
  channelFit: H5Group,
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
