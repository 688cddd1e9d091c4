/**
 * A fork of several wires in the scan file, both ways: the wire table
 * (`/wires/<WIRE>`), each wire's fit (`/scan_NNN/fit/<CH>/<WIRE>`) and
 * stroke, its NXdata profile (`/scan_NNN/profile_<CH>_wire_<WIRE>`) and the
 * beam ellipse (`/scan_NNN/beam_shape/<CH>`). A single-wire file has none of
 * these groups, so it keeps the layout older readers know.
 *
 * @module
 */
import { BEAM_SHAPE_FIELDS } from "../analysis/beam_shape.ts";
import { gaussianCurve } from "../analysis/models.ts";
import { profileOf } from "../analysis/profile.ts";
import { fittedRegions } from "../analysis/wire_fit.ts";
import type {
  BeamShape,
  GaussFit,
  ScanRecord,
  WireFit,
  WireSpec,
  WireStroke,
} from "../scan/model.ts";
import type { H5Group } from "./h5.ts";
import type { GroupReader } from "./h5_read.ts";
import {
  bool,
  collection,
  number,
  readFit,
  storedValue,
  text,
  writeFit,
} from "./fit_io.ts";
import { readErrorBudget, writeErrorBudget } from "./quality_io.ts";
import {
  ATTR,
  BEAM_SHAPE,
  GROUP,
  NX,
  PROFILE,
  STROKE,
  UNITS,
  WIRE,
  wireProfileGroupName,
} from "./layout.ts";

/** Writes a scalar in the position's units (mm). */
function writeLength(g: H5Group, name: string, value: number): void {
  g.writeScalar(name, value).setString(ATTR.units, UNITS.position);
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
    writeLength(one, WIRE.windowLow, lo);
    writeLength(one, WIRE.windowHigh, hi);
    one.writeScalar(WIRE.scale, w.scale);
    writeLength(one, WIRE.offset, w.offset);
    writeLength(one, WIRE.diameter, w.diameter);
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
    const kind = text(storedValue(w, WIRE.window), "all");
    const window: WireSpec["window"] = kind === "given"
      ? [
        number(storedValue(w, WIRE.windowLow)),
        number(storedValue(w, WIRE.windowHigh)),
      ]
      : kind === "auto"
      ? "auto"
      : "all";
    return [{
      name,
      angle: number(storedValue(w, WIRE.angle), 0),
      window,
      scale: number(storedValue(w, WIRE.scale), 1),
      offset: number(storedValue(w, WIRE.offset), 0),
      diameter: number(storedValue(w, WIRE.diameter), 0),
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
    writeLength(g, WIRE.windowLow, w.window[0]);
    writeLength(g, WIRE.windowHigh, w.window[1]);
    writeLength(g, WIRE.diameter, w.diameter);
    writeLength(g, WIRE.sigmaBeam, w.sigmaBeam);
    writeLength(g, WIRE.sigmaBeamErr, w.sigmaBeamErr);
    if (w.stroke) writeStroke(g, w.stroke);
    if (w.budget) writeErrorBudget(g, w.budget, UNITS.position);
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
    writeLength(g, STROKE[key], stroke[key]);
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
    STROKE_MM_FIELDS.map((key) => [key, number(storedValue(g, STROKE[key]))]),
  ) as Record<typeof STROKE_MM_FIELDS[number], number>;
  return {
    ...lengths,
    lag: number(storedValue(g, STROKE.lag)),
    lagErr: number(storedValue(g, STROKE.lagErr)),
    speeds: number(storedValue(g, STROKE.speeds), 0),
    growsWithSpeed: bool(storedValue(g, STROKE.growsWithSpeed)),
    message: text(storedValue(g, STROKE.message)),
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
    const budget = readErrorBudget(g);
    return [{
      wire: name,
      angle: number(storedValue(g, WIRE.angle)),
      window: [
        number(storedValue(g, WIRE.windowLow)),
        number(storedValue(g, WIRE.windowHigh)),
      ],
      diameter: number(storedValue(g, WIRE.diameter), 0),
      fit: fit as GaussFit,
      sigmaBeam: number(storedValue(g, WIRE.sigmaBeam)),
      sigmaBeamErr: number(storedValue(g, WIRE.sigmaBeamErr)),
      ...stroke ? { stroke } : {},
      ...budget ? { budget } : {},
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
      s[f.key] = number(storedValue(g, f.hdf5));
      s[`${f.key}Err`] = number(storedValue(g, `${f.hdf5}_err`));
    }
    out[ch] = {
      ...s,
      ok: bool(storedValue(g, BEAM_SHAPE.ok)),
      message: text(storedValue(g, BEAM_SHAPE.message)),
      planes: number(storedValue(g, BEAM_SHAPE.planes), 0),
      chi2: number(storedValue(g, BEAM_SHAPE.chi2)),
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
