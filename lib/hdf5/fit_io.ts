/**
 * The fit part of the scan file, both ways: a channel's fit
 * (`/scan_NNN/fit/<CH>`) and, when a request asked for other profile models
 * (FIT:MODEL), each one's fit under `fit/<CH>/models/<model>/`. A fork's
 * wires are `fork_io.ts`'s.
 *
 * @module
 */
import {
  FIT_FLOAT_FIELDS,
  FIT_INTEGER_FIELDS,
} from "../analysis/fit_fields.ts";
import {
  MODEL_NAMES,
  type ModelName,
  modelSpec,
} from "../analysis/model_fields.ts";
import type { ChannelFit, ModelChoice, ModelFitResult } from "../scan/model.ts";
import type { AttrValue, H5Group } from "./h5.ts";
import type { GroupReader } from "./h5_read.ts";
import { ATTR, FIT, FIT_MODEL, NX } from "./layout.ts";

/** The subgroup of `fit/<CH>` holding every model fitted. */
const MODELS_GROUP = "models";

/** An attribute or dataset value as text. */
export function text(value: AttrValue | undefined, fallback = ""): string {
  if (value === undefined) return fallback;
  if (Array.isArray(value)) return value.length ? String(value[0]) : fallback;
  return String(value);
}

/** An attribute or dataset value as a number (`fallback` when it is none). */
export function number(value: AttrValue | undefined, fallback = NaN): number {
  const v = Array.isArray(value) ? value[0] : value;
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) {
    return Number(v);
  }
  return fallback;
}

/** An attribute or dataset value as a boolean. */
export function bool(value: AttrValue | undefined): boolean {
  const v = Array.isArray(value) ? value[0] : value;
  if (typeof v === "string") return /^(true|yes|1)$/i.test(v.trim());
  return Boolean(v);
}

/** A new group of NeXus class `nxClass`. */
export function collection(
  parent: H5Group,
  name: string,
  nxClass: string,
): H5Group {
  const g = parent.createGroup(name);
  g.setString(ATTR.nxClass, nxClass);
  return g;
}

/**
 * A value stored as a dataset (fws) or an attribute (other writers);
 * `members`, the names `g.keys()` lists, spares the HDF5 lookups of names
 * that are no member and of members that are datasets.
 */
export function storedValue(
  g: GroupReader,
  name: string,
  members?: ReadonlySet<string>,
): AttrValue | undefined {
  const d = !members
    ? g.dataset(name)
    : members.has(name)
    ? g.memberDataset(name)
    : undefined;
  if (d) return d.readScalar() as AttrValue;
  return g.attr(name);
}

/** Writes one fit as an NXparameters group `name`; returns the group. */
export function writeFit(
  parent: H5Group,
  name: string,
  fit: ChannelFit,
  units: { x: string; y: string },
): H5Group {
  const g = collection(parent, name, NX.parameters);
  for (const { key, hdf5, unit } of FIT_FLOAT_FIELDS) {
    const d = g.writeScalar(hdf5, fit[key]);
    if (unit !== "none") d.setString(ATTR.units, units[unit]);
  }
  for (const { key, hdf5 } of FIT_INTEGER_FIELDS) {
    g.writeScalarInt(hdf5, fit[key]);
  }
  g.writeScalarBool(FIT.converged, fit.ok);
  g.writeString(FIT.message, fit.message);
  g.writeString(FIT.iopsChannel, fit.iopsChannel);
  g.writeString(FIT.weighting, fit.weighting);
  g.writeString(FIT.points, fit.points);
  g.setString(FIT.model, FIT_MODEL);
  return g;
}

/**
 * Reads one fit group (fws's datasets, or another writer's attributes);
 * `members` as {@link value}'s (default: listed here, one HDF5 call).
 */
export function readFit(
  g: GroupReader,
  members: ReadonlySet<string> = new Set(g.keys()),
): ChannelFit {
  const fit = {} as Record<string, unknown>;
  for (const { key, hdf5 } of FIT_FLOAT_FIELDS) {
    fit[key] = number(storedValue(g, hdf5, members));
  }
  for (const { key, hdf5 } of FIT_INTEGER_FIELDS) {
    fit[key] = number(storedValue(g, hdf5, members), 0);
  }
  return {
    ...fit,
    ok: bool(storedValue(g, FIT.converged, members)),
    message: text(storedValue(g, FIT.message, members)),
    iopsChannel: text(storedValue(g, FIT.iopsChannel, members)),
    weighting: text(storedValue(g, FIT.weighting, members)),
    points: text(storedValue(g, FIT.points, members)),
  } as ChannelFit;
}

/** `sigmaLeft` → `sigma_left`: a model parameter's dataset name. */
function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** The scalar datasets of a model fit, beside its parameters. */
const MODEL_SCALARS = [
  ["chi2", "chi2"],
  ["aicc", "aicc"],
  ["bic", "bic"],
  ["fwhm", "fwhm"],
  ["haloFraction", "halo_fraction"],
  ["haloFractionErr", "halo_fraction_err"],
] as const;

/**
 * Writes the models fitted to a channel (`fit/<CH>/models/<model>/`: each
 * parameter and its `_err` by the registry's keys, χ², AICc, BIC, FWHM,
 * halo fraction, counts, converged and message; the group's attributes say
 * what was asked, what was chosen and the runner-up's ΔAICc).
 */
export function writeModelFits(
  channelFit: H5Group,
  choice: ModelChoice,
  units: { x: string; y: string },
): void {
  const group = collection(channelFit, MODELS_GROUP, NX.collection);
  group.setString("asked", choice.asked);
  group.setString("chosen", choice.chosen ?? "");
  group.setFloat("delta_aicc", choice.deltaAicc);
  for (const fit of choice.fits) {
    const g = collection(group, fit.model, NX.parameters);
    const spec = modelSpec(fit.model as ModelName);
    spec.params.forEach((p, i) => {
      const unit = p.unit === "none" ? "" : units[p.unit];
      const v = g.writeScalar(snake(p.key), fit.params[i]);
      const e = g.writeScalar(`${snake(p.key)}_err`, fit.errors[i]);
      if (unit) {
        v.setString(ATTR.units, unit);
        e.setString(ATTR.units, unit);
      }
    });
    for (const [key, name] of MODEL_SCALARS) g.writeScalar(name, fit[key]);
    g.writeScalarInt("n_points", fit.nPoints);
    g.writeScalarInt("iterations", fit.iterations);
    g.writeScalarInt("n_evaluations", fit.nEvaluations);
    g.writeScalarBool(FIT.converged, fit.ok);
    g.writeString(FIT.message, fit.message);
    g.setString(FIT.model, spec.formula);
  }
}

/**
 * The models fitted to a channel, or undefined when there are none;
 * `members`, the names `channelFit.keys()` lists, spares the lookup of an
 * absent `models` group.
 */
export function readModelFits(
  channelFit: GroupReader,
  members?: ReadonlySet<string>,
): ModelChoice | undefined {
  if (members && !members.has(MODELS_GROUP)) return undefined;
  const group = channelFit.group(MODELS_GROUP);
  if (!group) return undefined;
  const fits = MODEL_NAMES.flatMap((name): ModelFitResult[] => {
    const g = group.group(name);
    if (!g) return [];
    const spec = modelSpec(name);
    const fit = {
      model: name,
      ok: bool(storedValue(g, FIT.converged)),
      message: text(storedValue(g, FIT.message)),
      params: spec.params.map((p) => number(storedValue(g, snake(p.key)))),
      errors: spec.params.map((p) =>
        number(storedValue(g, `${snake(p.key)}_err`))
      ),
      nPoints: number(storedValue(g, "n_points"), 0),
      iterations: number(storedValue(g, "iterations"), 0),
      nEvaluations: number(storedValue(g, "n_evaluations"), 0),
    } as Record<string, unknown>;
    for (const [key, n] of MODEL_SCALARS) fit[key] = number(storedValue(g, n));
    return [fit as unknown as ModelFitResult];
  });
  const chosen = text(group.attr("chosen"));
  return {
    asked: text(group.attr("asked")),
    chosen: chosen || null,
    deltaAicc: number(group.attr("delta_aicc")),
    fits,
  };
}
