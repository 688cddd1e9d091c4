/**
 * The fork part of `fws inspect`: the wire table, each wire's fit per scan
 * and channel, and the beam ellipse, for `--json` ({@link ForkReport}) and
 * as text tables. Absent for a single-wire file.
 *
 * @module
 */
import { BEAM_SHAPE_FIELDS } from "../analysis/fit_fields.ts";
import type { ScanRun, WireStroke } from "../scan/model.ts";

/** A number of the report (non-finite → null). */
type Num = number | null;

/** One wire's fit in one scan. */
export interface WireFitRow {
  scan: string;
  ok: boolean;
  message: string;
  center: Num;
  centerErr: Num;
  /** σ of the fit (not corrected for the wire's size). */
  sigma: Num;
  sigmaErr: Num;
  /** σ corrected for the wire's size. */
  sigmaBeam: Num;
  sigmaBeamErr: Num;
  amplitude: Num;
  nPoints: number;
  window: [Num, Num];
  /** The σ floor of the fit with this wire's size (null: none recorded). */
  sigmaFloor: Num;
  /** The fit's σ is below that floor. */
  belowFloor: boolean;
}

/** The beam ellipse of one scan. */
export type BeamShapeRow =
  & { scan: string; ok: boolean; message: string; planes: number; chi2: Num }
  & Record<string, Num | string | boolean | number>;

/** The fork section of the `--json` document. */
export interface ForkReport {
  wires: {
    name: string;
    angle: number;
    window: [Num, Num] | string;
    scale: number;
    offset: number;
    diameter: number;
  }[];
  /** Channel → wire → one row per scan. */
  fits: Record<string, Record<string, WireFitRow[]>>;
  /** Channel → one row per scan. */
  shapes: Record<string, BeamShapeRow[]>;
  /**
   * Channel → wire → the stroke check as of the last repetition that has
   * one (bidirectional requests; lag in s).
   */
  strokes: Record<string, Record<string, StrokeRow>>;
}

/** The stroke check of one wire (backward minus forward), for JSON. */
export type StrokeRow =
  & { scan: string }
  & {
    [K in keyof WireStroke]: WireStroke[K] extends number ? Num : WireStroke[K];
  };

function finite(v: number): Num {
  return Number.isFinite(v) ? v : null;
}

/** The fork section of a run, or undefined for a single-wire file. */
export function forkReport(run: ScanRun): ForkReport | undefined {
  if (!run.wires) return undefined;
  const fits: ForkReport["fits"] = {};
  const shapes: ForkReport["shapes"] = {};
  const strokes: ForkReport["strokes"] = {};
  for (const s of run.scans) {
    for (const [ch, list] of Object.entries(s.wireFits ?? {})) {
      const byWire = fits[ch] ??= {};
      for (const w of list) {
        (byWire[w.wire] ??= []).push({
          scan: s.name,
          ok: w.fit.ok,
          message: w.fit.message,
          center: finite(w.fit.center),
          centerErr: finite(w.fit.centerErr),
          sigma: finite(w.fit.sigma),
          sigmaErr: finite(w.fit.sigmaErr),
          sigmaBeam: finite(w.sigmaBeam),
          sigmaBeamErr: finite(w.sigmaBeamErr),
          amplitude: finite(w.fit.amplitude),
          nPoints: w.fit.nPoints,
          window: [finite(w.window[0]), finite(w.window[1])],
          sigmaFloor: finite(w.budget?.floor ?? NaN),
          belowFloor: w.budget?.belowFloor ?? false,
        });
        if (w.stroke) {
          (strokes[ch] ??= {})[w.wire] = {
            scan: s.name,
            ...Object.fromEntries(
              Object.entries(w.stroke).map(([key, v]) => [
                key,
                typeof v === "number" ? finite(v) : v,
              ]),
            ) as Omit<StrokeRow, "scan">,
          };
        }
      }
    }
    for (const [ch, shape] of Object.entries(s.beamShapes ?? {})) {
      const row: BeamShapeRow = {
        scan: s.name,
        ok: shape.ok,
        message: shape.message,
        planes: shape.planes,
        chi2: finite(shape.chi2),
      };
      for (const f of BEAM_SHAPE_FIELDS) {
        row[f.key] = finite(shape[f.key]);
        row[`${f.key}Err`] = finite(shape[`${f.key}Err`]);
      }
      (shapes[ch] ??= []).push(row);
    }
  }
  return {
    wires: run.wires.map((w) => ({
      name: w.name,
      angle: w.angle,
      window: Array.isArray(w.window)
        ? [finite(w.window[0]), finite(w.window[1])]
        : w.window as string,
      scale: w.scale,
      offset: w.offset,
      diameter: w.diameter,
    })),
    fits,
    shapes,
    strokes,
  };
}

/**
 * The fork section as text lines, tables drawn with `table` and numbers
 * with `pm` (value ± error) and `num` of the caller.
 */
export function formatFork(
  f: ForkReport,
  draw: {
    table: (rows: string[][]) => string[];
    pm: (v: Num | undefined, e: Num | undefined) => string;
    num: (v: Num | undefined) => string;
  },
): string[] {
  const out: string[] = [""];
  out.push(
    `wires       ${
      f.wires.map((w) =>
        `${w.name} ${w.angle}° ${
          Array.isArray(w.window)
            ? `[${w.window.map((v) => draw.num(v)).join(", ")}] mm`
            : w.window
        }, d ${w.diameter} mm`
      ).join("; ")
    }`,
  );
  for (const [ch, byWire] of Object.entries(f.fits)) {
    out.push("", `wire fits ${ch} (beam coordinates)`);
    const rows = [[
      "scan",
      "wire",
      "ok",
      "center [mm]",
      "sigma fit [mm]",
      "sigma beam [mm]",
      "sigma floor [mm]",
      "n",
    ]];
    const problems: string[] = [];
    for (const [wire, list] of Object.entries(byWire)) {
      for (const r of list) {
        rows.push([
          r.scan,
          wire,
          r.ok ? "yes" : "NO",
          draw.pm(r.center, r.centerErr),
          draw.pm(r.sigma, r.sigmaErr),
          draw.pm(r.sigmaBeam, r.sigmaBeamErr),
          r.sigmaFloor === null
            ? "-"
            : `${draw.num(r.sigmaFloor)}${r.belowFloor ? " BELOW FLOOR" : ""}`,
          String(r.nPoints),
        ]);
        if (!r.ok) problems.push(`  ${r.scan} ${wire}: ${r.message}`);
      }
    }
    out.push(...draw.table(rows), ...problems);
  }
  for (const [ch, list] of Object.entries(f.shapes)) {
    out.push("", `beam shape ${ch}`);
    const rows = [[
      "scan",
      ...BEAM_SHAPE_FIELDS.map((s) =>
        `${s.label}${s.unit ? ` [${s.unit === "mm2" ? "mm²" : s.unit}]` : ""}`
      ),
    ]];
    for (const r of list) {
      rows.push([
        r.scan,
        ...BEAM_SHAPE_FIELDS.map((s) =>
          draw.pm(r[s.key] as Num, r[`${s.key}Err`] as Num)
        ),
      ]);
    }
    out.push(...draw.table(rows));
    for (const r of list) {
      if (r.message) out.push(`  ${r.scan}: ${r.message}`);
    }
  }
  for (const [ch, byWire] of Object.entries(f.strokes)) {
    out.push("", `stroke check ${ch} (backward − forward)`);
    const ms = (v: Num) => v === null ? null : v * 1e3;
    const rows = [[
      "wire",
      "center shift [mm]",
      "sigma shift [mm]",
      "readout lag [ms]",
      "speeds",
    ]];
    const lines: string[] = [];
    for (const [wire, r] of Object.entries(byWire)) {
      rows.push([
        wire,
        draw.pm(r.centerShift, r.centerShiftErr),
        draw.pm(r.sigmaShift, r.sigmaShiftErr),
        draw.pm(ms(r.lag), ms(r.lagErr)),
        String(r.speeds),
      ]);
      lines.push(`  ${r.growsWithSpeed ? "LAG " : ""}${r.message}`);
    }
    out.push(...draw.table(rows), ...lines);
  }
  return out;
}
