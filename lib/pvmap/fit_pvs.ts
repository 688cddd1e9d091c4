/**
 * The fit PVs of the map, derived from the fit-field registry
 * (`lib/analysis/fit_fields.ts`): the last repetition's published fields,
 * the request's mean and standard deviation of each fitted parameter, the
 * old map-file names still accepted, and the values a fit puts on them.
 *
 * @module
 */
import {
  FIT_FIELDS,
  FIT_OK_PV,
  type FitNumberKey,
} from "../analysis/fit_fields.ts";

/** A fit result published per Struck channel: a fit key, or the OK flag. */
export type FitPvField = FitNumberKey | "ok";

/** One published fit field: its logical suffix and its PV suffix. */
export interface FitPvFieldSpec {
  /** Logical suffix, `fit.<CH>.<field>` (the key in the fit registry). */
  field: FitPvField;
  /** PV suffix, `FIT:<CH>:<suffix>`. */
  suffix: string;
  /** Unit kind of the registry entry (`x` is the wire position, mm). */
  unit: "x" | "y" | "none";
  /** Short human label (the registry's). */
  label?: string;
}

/**
 * The fit fields published on PVs, in registry order, then the OK flag:
 * every registry entry with a PV suffix.
 */
export const FIT_PV_FIELDS: readonly FitPvFieldSpec[] = [
  ...FIT_FIELDS.flatMap((f) =>
    f.pv === null
      ? []
      : [{ field: f.key, suffix: f.pv, unit: f.unit, label: f.label }]
  ),
  { field: "ok", suffix: FIT_OK_PV, unit: "none", label: "fit OK" },
];

/** A request summary of a fitted parameter: `centerMean`, `sigmaStd`, … */
export type FitSummaryPvField = `${FitNumberKey}${"Mean" | "Std"}`;

/** One published request summary: its logical suffix, PV suffix and stat. */
export interface FitSummaryPvFieldSpec {
  /** Logical suffix, `fit.<CH>.<field>`. */
  field: FitSummaryPvField;
  /** PV suffix, `FIT:<CH>:<suffix>` (`CENTER_MEAN`, `SIGMA_STD`, …). */
  suffix: string;
  /** The parameter summarised. */
  key: FitNumberKey;
  stat: "mean" | "std";
  unit: "x" | "y" | "none";
}

/**
 * The mean and the standard deviation over the request's successful
 * repetitions of each fitted parameter (the registry's fields that have a
 * standard error and a PV), published beside the last repetition's values.
 */
export const FIT_SUMMARY_PV_FIELDS: readonly FitSummaryPvFieldSpec[] =
  FIT_FIELDS.flatMap((f) =>
    f.pv === null || f.err === null ? [] : (["mean", "std"] as const).map((
      stat,
    ) => ({
      field: `${f.key}${stat === "mean" ? "Mean" : "Std"}` as const,
      suffix: `${f.pv}_${stat.toUpperCase()}`,
      key: f.key,
      stat,
      unit: f.unit,
    }))
  );

/**
 * Old logical fit suffixes still accepted in a map file, old → new (a
 * warning names both).
 */
export const FIT_FIELD_ALIASES: Readonly<Record<string, FitPvField>> = {
  chi2: "chi2Red",
};

/**
 * The value of every published fit field of one fit, in
 * {@link FIT_PV_FIELDS} order (`ok` as 1 or 0).
 *
 * @example
 * ```ts
 * import { failedFit } from "../analysis/mod.ts";
 * for (const [field, value] of fitPvValues(failedFit("no data"))) {
 *   console.log(field, value);
 * }
 * ```
 */
export function fitPvValues(
  fit: Readonly<Record<FitNumberKey, number>> & { readonly ok: boolean },
): [FitPvField, number][] {
  return FIT_PV_FIELDS.map(({ field }) => [
    field,
    field === "ok" ? (fit.ok ? 1 : 0) : fit[field],
  ]);
}
