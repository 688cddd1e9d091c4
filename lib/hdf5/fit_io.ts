/**
 * The fit part of the scan file, both ways: a channel's fit
 * (`/scan_NNN/fit/<CH>`), and for a fork of several wires the wire table
 * (`/wires/<WIRE>`), each wire's fit (`/scan_NNN/fit/<CH>/<WIRE>`), its
 * NXdata profile (`/scan_NNN/profile_<CH>_wire_<WIRE>`) and the beam ellipse
 * (`/scan_NNN/beam_shape/<CH>`). A single-wire file has none of the wire
 * groups, so it keeps the layout older readers know. When a request asked
 * for other profile models (FIT:MODEL), `fit/<CH>/models/<model>/` holds
 * each one's fit.
 *
 * @module
 */
import {
  FIT_FLOAT_FIELDS,
  FIT_INTEGER_FIELDS,
} from "../analysis/fit_fields.ts";
import { BEAM_SHAPE_FIELDS } from "../analysis/beam_shape.ts";
import {
  MODEL_NAMES,
  type ModelName,
  modelSpec,
} from "../analysis/model_fields.ts";
import { gaussianCurve } from "../analysis/models.ts";
import { profileOf } from "../analysis/profile.ts";
import { fittedRegions } from "../analysis/wire_fit.ts";
import type {
  BeamShape,
  ChannelFit,
  GaussFit,
  ModelChoice,
  ModelFitResult,
  ScanRecord,
  WireFit,
  WireSpec,
  WireStroke,
} from "../scan/model.ts";
import type { AttrValue, H5Group } from "./h5.ts";
import type { GroupReader } from "./h5_read.ts";
import {
  ATTR,
  BEAM_SHAPE,
  FIT,
  FIT_MODEL,
  GROUP,
  NX,
  PROFILE,
  STROKE,
  UNITS,
  WIRE,
  wireProfileGroupName,
} from "./layout.ts";

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
function value(
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
    fit[key] = number(value(g, hdf5, members));
  }
  for (const { key, hdf5 } of FIT_INTEGER_FIELDS) {
    fit[key] = number(value(g, hdf5, members), 0);
  }
  return {
    ...fit,
    ok: bool(value(g, FIT.converged, members)),
    message: text(value(g, FIT.message, members)),
    iopsChannel: text(value(g, FIT.iopsChannel, members)),
    weighting: text(value(g, FIT.weighting, members)),
    points: text(value(g, FIT.points, members)),
  } as ChannelFit;
}

/** Writes the wire table at the root (`/wires`), in table order. */
export function writeWires(root: H5Group, wires: readonly WireSpec[]): void {
  const g = collection(root, GROUP.wires, NX.collection);
  g.setStrings(WIRE.order, wires.map((w) => w.name));
  for (const w of wires) {
    const one = collection(g, w.name, NX.parameters);
    one.writeScalar(WIRE.angle, w.angle).setString(ATTR.units, "deg");
    one.writeString(
      WIRE.window,
      Array.isArray(w.window) ? "given" : w.window as string,
    );
    const [lo, hi] = Array.isArray(w.window) ? w.window : [NaN, NaN];
    one.writeScalar(WIRE.windowLow, lo).setString(ATTR.units, UNITS.position);
    one.writeScalar(WIRE.windowHigh, hi).setString(ATTR.units, UNITS.position);
    one.writeScalar(WIRE.scale, w.scale);
    one.writeScalar(WIRE.offset, w.offset).setString(
      ATTR.units,
      UNITS.position,
    );
    one.writeScalar(WIRE.diameter, w.diameter).setString(
      ATTR.units,
      UNITS.position,
    );
  }
}

/**
 * The wire table of a file, or undefined for a single-wire file; `members`,
 * the names `root.keys()` lists, spares the lookup of an absent table.
 */
export function readWires(
  root: GroupReader,
  members?: ReadonlySet<string>,
): WireSpec[] | undefined {
  if (members && !members.has(GROUP.wires)) return undefined;
  const g = root.group(GROUP.wires);
  if (!g) return undefined;
  const order = g.attr(WIRE.order);
  const names = Array.isArray(order) ? order.map(String) : g.keys();
  return names.flatMap((name): WireSpec[] => {
    const w = g.group(name);
    if (!w) return [];
    const kind = text(value(w, WIRE.window), "all");
    const window: WireSpec["window"] = kind === "given"
      ? [number(value(w, WIRE.windowLow)), number(value(w, WIRE.windowHigh))]
      : kind === "auto"
      ? "auto"
      : "all";
    return [{
      name,
      angle: number(value(w, WIRE.angle), 0),
      window,
      scale: number(value(w, WIRE.scale), 1),
      offset: number(value(w, WIRE.offset), 0),
      diameter: number(value(w, WIRE.diameter), 0),
    }];
  });
}

/** Writes each wire's fit under its channel's fit group. */
export function writeWireFits(
  channelFit: H5Group,
  wireFits: readonly WireFit[],
  context: { iopsChannel: string; y: string },
): void {
  for (const w of wireFits) {
    const g = writeFit(
      channelFit,
      w.wire,
      { ...w.fit, iopsChannel: context.iopsChannel },
      { x: UNITS.position, y: context.y },
    );
    g.writeScalar(WIRE.angle, w.angle).setString(ATTR.units, "deg");
    g.writeScalar(WIRE.windowLow, w.window[0]).setString(
      ATTR.units,
      UNITS.position,
    );
    g.writeScalar(WIRE.windowHigh, w.window[1]).setString(
      ATTR.units,
      UNITS.position,
    );
    g.writeScalar(WIRE.diameter, w.diameter).setString(
      ATTR.units,
      UNITS.position,
    );
    g.writeScalar(WIRE.sigmaBeam, w.sigmaBeam).setString(
      ATTR.units,
      UNITS.position,
    );
    g.writeScalar(WIRE.sigmaBeamErr, w.sigmaBeamErr).setString(
      ATTR.units,
      UNITS.position,
    );
    if (w.stroke) writeStroke(g, w.stroke);
  }
}

const STROKE_MM_FIELDS = [
  "centerShift",
  "centerShiftErr",
  "sigmaShift",
  "sigmaShiftErr",
] as const;

function writeStroke(wire: H5Group, stroke: WireStroke): void {
  const g = collection(wire, STROKE.group, NX.collection);
  for (const key of STROKE_MM_FIELDS) {
    g.writeScalar(STROKE[key], stroke[key]).setString(
      ATTR.units,
      UNITS.position,
    );
  }
  g.writeScalar(STROKE.lag, stroke.lag).setString(ATTR.units, "s");
  g.writeScalar(STROKE.lagErr, stroke.lagErr).setString(ATTR.units, "s");
  g.writeScalarInt(STROKE.speeds, stroke.speeds);
  g.writeScalarBool(STROKE.growsWithSpeed, stroke.growsWithSpeed);
  g.writeString(STROKE.message, stroke.message);
}

function readStroke(wire: GroupReader): WireStroke | undefined {
  const g = wire.group(STROKE.group);
  if (!g) return undefined;
  const lengths = Object.fromEntries(
    STROKE_MM_FIELDS.map((key) => [key, number(value(g, STROKE[key]))]),
  ) as Record<typeof STROKE_MM_FIELDS[number], number>;
  return {
    ...lengths,
    lag: number(value(g, STROKE.lag)),
    lagErr: number(value(g, STROKE.lagErr)),
    speeds: number(value(g, STROKE.speeds), 0),
    growsWithSpeed: bool(value(g, STROKE.growsWithSpeed)),
    message: text(value(g, STROKE.message)),
  };
}

/** The wire fits under a channel's fit group, in `order`. */
export function readWireFits(
  channelFit: GroupReader,
  order: readonly string[],
): WireFit[] {
  return order.flatMap((name): WireFit[] => {
    const g = channelFit.group(name);
    if (!g) return [];
    const { iopsChannel: _, ...fit } = readFit(g);
    const stroke = readStroke(g);
    return [{
      wire: name,
      angle: number(value(g, WIRE.angle)),
      window: [
        number(value(g, WIRE.windowLow)),
        number(value(g, WIRE.windowHigh)),
      ],
      diameter: number(value(g, WIRE.diameter), 0),
      fit: fit as GaussFit,
      sigmaBeam: number(value(g, WIRE.sigmaBeam)),
      sigmaBeamErr: number(value(g, WIRE.sigmaBeamErr)),
      ...stroke ? { stroke } : {},
    }];
  });
}

/** Writes the beam ellipse of each channel (`/scan_NNN/beam_shape/<CH>`). */
export function writeBeamShapes(
  entry: H5Group,
  shapes: Readonly<Record<string, BeamShape>>,
): void {
  const group = collection(entry, GROUP.beamShape, NX.collection);
  for (const [ch, s] of Object.entries(shapes)) {
    const g = collection(group, ch, NX.parameters);
    for (const f of BEAM_SHAPE_FIELDS) {
      const unit = f.unit === "mm2" ? "mm^2" : f.unit;
      const v = g.writeScalar(f.hdf5, s[f.key]);
      const e = g.writeScalar(`${f.hdf5}_err`, s[`${f.key}Err`]);
      if (unit) {
        v.setString(ATTR.units, unit);
        e.setString(ATTR.units, unit);
      }
    }
    g.writeScalarBool(BEAM_SHAPE.ok, s.ok);
    g.writeString(BEAM_SHAPE.message, s.message);
    g.writeScalarInt(BEAM_SHAPE.planes, s.planes);
    g.writeScalar(BEAM_SHAPE.chi2, s.chi2);
  }
}

/** The beam ellipses of a repetition, or undefined when it has none. */
export function readBeamShapes(
  entry: GroupReader,
): Record<string, BeamShape> | undefined {
  const group = entry.group(GROUP.beamShape);
  if (!group) return undefined;
  const out: Record<string, BeamShape> = {};
  for (const ch of group.keys()) {
    const g = group.group(ch);
    if (!g) continue;
    const s = {} as Record<string, unknown>;
    for (const f of BEAM_SHAPE_FIELDS) {
      s[f.key] = number(value(g, f.hdf5));
      s[`${f.key}Err`] = number(value(g, `${f.hdf5}_err`));
    }
    out[ch] = {
      ...s,
      ok: bool(value(g, BEAM_SHAPE.ok)),
      message: text(value(g, BEAM_SHAPE.message)),
      planes: number(value(g, BEAM_SHAPE.planes), 0),
      chi2: number(value(g, BEAM_SHAPE.chi2)),
    } as BeamShape;
  }
  return out;
}

/**
 * Writes the NXdata profile of each wire of one channel: signal against the
 * beam coordinate of the wire's window, with its fit.
 */
export function writeWireProfiles(
  entry: H5Group,
  scan: ScanRecord,
  channel: string,
  wires: readonly WireSpec[],
): void {
  const fits = scan.wireFits?.[channel];
  const iops = scan.fits[channel]?.iopsChannel ||
    Object.keys(scan.iops)[0] || "";
  let regions;
  try {
    regions = fittedRegions(profileOf(scan, channel, iops), wires, fits);
  } catch {
    return;
  }
  const yUnits = scan.struck[channel].units;
  regions.forEach((r, k) => {
    if (r.x.length === 0) return;
    const g = collection(
      entry,
      wireProfileGroupName(channel, r.wire.name),
      NX.data,
    );
    g.setString(ATTR.signal, channel);
    g.setStrings(ATTR.axes, [PROFILE.axis]);
    g.writeFloat64(channel, r.y).setString(ATTR.units, yUnits);
    const x = g.writeFloat64(PROFILE.axis, r.x);
    x.setString(ATTR.units, UNITS.position);
    x.setString(
      ATTR.longName,
      `beam coordinate of wire ${r.wire.name} (${r.wire.angle}°)`,
    );
    const fit = fits?.[k]?.fit;
    if (fit?.ok) {
      g.setStrings(ATTR.auxiliarySignals, [PROFILE.fit]);
      const f = g.writeFloat64(PROFILE.fit, gaussianCurve(fit, r.x));
      f.setString(ATTR.units, yUnits);
      f.setString(
        ATTR.longName,
        `Gaussian fit of ${channel}, wire ${r.wire.name}`,
      );
    }
  });
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
      ok: bool(value(g, FIT.converged)),
      message: text(value(g, FIT.message)),
      params: spec.params.map((p) => number(value(g, snake(p.key)))),
      errors: spec.params.map((p) => number(value(g, `${snake(p.key)}_err`))),
      nPoints: number(value(g, "n_points"), 0),
      iterations: number(value(g, "iterations"), 0),
      nEvaluations: number(value(g, "n_evaluations"), 0),
    } as Record<string, unknown>;
    for (const [key, n] of MODEL_SCALARS) fit[key] = number(value(g, n));
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
