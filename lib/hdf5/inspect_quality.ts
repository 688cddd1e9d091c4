/**
 * How far each fit of `fws inspect` can be trusted: the points left out of
 * it, counted per reason ({@link RejectionReport}), and its σ's error
 * budget with the floor ({@link BudgetReport}); for `--json` and as text
 * tables. Each absent when the file has none.
 *
 * @module
 */
import type { ScanRun } from "../scan/model.ts";
import { REJECTION_REASONS } from "../analysis/fit_fields.ts";

type Num = number | null;

function finite(v: number): Num {
  return Number.isFinite(v) ? v : null;
}

/** One scan's rejection counts of one channel. */
export interface RejectionRow {
  scan: string;
  /** Points of the raw profile. */
  points: number;
  /** Points left out, per reason. */
  counts: Record<string, number>;
  normalised: boolean;
}

/** Channel → one row per scan; with the settings applied. */
export type RejectionReport = Record<
  string,
  { options: Record<string, number | boolean>; scans: RejectionRow[] }
>;

/** The rejection section of a run, or undefined when no point was left out. */
export function rejectionReport(run: ScanRun): RejectionReport | undefined {
  const out: RejectionReport = {};
  for (const s of run.scans) {
    for (const [ch, r] of Object.entries(s.rejections ?? {})) {
      const entry = out[ch] ??= { options: { ...r.options }, scans: [] };
      entry.scans.push({
        scan: s.name,
        points: r.mask.length,
        counts: { ...r.counts },
        normalised: r.normalised,
      });
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The rejection section as text lines. */
export function formatRejection(
  report: RejectionReport,
  draw: { table: (rows: string[][]) => string[] },
): string[] {
  const out: string[] = [];
  for (const [ch, { options, scans }] of Object.entries(report)) {
    const set = Object.entries(options).map(([k, v]) => `${k} ${v}`).join(
      ", ",
    );
    out.push("", `points left out of the fit ${ch} (${set || "NaN only"})`);
    out.push(...draw.table([
      ["scan", "points", ...REJECTION_REASONS, "normalised"],
      ...scans.map((r) => [
        r.scan,
        String(r.points),
        ...REJECTION_REASONS.map((k) => String(r.counts[k] ?? 0)),
        r.normalised ? "yes" : "no",
      ]),
    ]));
  }
  return out;
}

/** One scan's error budget of one channel's σ. */
export interface BudgetRow {
  scan: string;
  sigma: Num;
  floor: Num;
  statistical: Num;
  wire: Num;
  readout: Num;
  sampling: Num;
  pointsPerSigma: Num;
  belowFloor: boolean;
}

/** Channel → one row per scan. */
export type BudgetReport = Record<string, BudgetRow[]>;

/** The error budgets of a run, or undefined when it has none. */
export function budgetReport(run: ScanRun): BudgetReport | undefined {
  const out: BudgetReport = {};
  for (const s of run.scans) {
    for (const [ch, b] of Object.entries(s.errorBudgets ?? {})) {
      (out[ch] ??= []).push({
        scan: s.name,
        sigma: finite(s.fits[ch]?.sigma ?? NaN),
        floor: finite(b.floor),
        statistical: finite(b.statistical),
        wire: finite(b.wire),
        readout: finite(b.readout),
        sampling: finite(b.sampling),
        pointsPerSigma: finite(b.pointsPerSigma),
        belowFloor: b.belowFloor,
      });
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The error budgets as text lines. */
export function formatBudget(
  report: BudgetReport,
  draw: { table: (rows: string[][]) => string[]; num: (v: Num) => string },
): string[] {
  const out: string[] = [];
  for (const [ch, rows] of Object.entries(report)) {
    out.push(
      "",
      `error budget of σ ${ch} (a σ below the floor is not to be trusted)`,
    );
    out.push(...draw.table([
      [
        "scan",
        "σ",
        "floor",
        "statistical",
        "wire",
        "readout",
        "sampling",
        "points/σ",
        "",
      ],
      ...rows.map((r) => [
        r.scan,
        draw.num(r.sigma),
        draw.num(r.floor),
        draw.num(r.statistical),
        draw.num(r.wire),
        draw.num(r.readout),
        draw.num(r.sampling),
        draw.num(r.pointsPerSigma),
        r.belowFloor ? "BELOW FLOOR" : "",
      ]),
    ]));
  }
  return out;
}
