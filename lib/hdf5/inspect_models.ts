/**
 * The profile models of `fws inspect`: per channel and scan, what was asked
 * (FIT:MODEL), the model chosen, the runner-up's ΔAICc and each model's
 * AICc, for `--json` ({@link ModelsReport}) and as a text table. Absent when
 * no request asked for more than the Gaussian. Likewise the points left out
 * of each fit, counted per reason ({@link RejectionReport}).
 *
 * @module
 */
import type { ScanRun } from "../scan/model.ts";
import { REJECTION_REASONS } from "../analysis/fit_fields.ts";

type Num = number | null;

/** One scan's models of one channel. */
export interface ModelsRow {
  scan: string;
  asked: string;
  chosen: string | null;
  deltaAicc: Num;
  /** AICc of each model fitted (null when it failed). */
  aicc: Record<string, Num>;
}

/** Channel → one row per scan. */
export type ModelsReport = Record<string, ModelsRow[]>;

function finite(v: number): Num {
  return Number.isFinite(v) ? v : null;
}

/** The models section of a run, or undefined when it has none. */
export function modelsReport(run: ScanRun): ModelsReport | undefined {
  const out: ModelsReport = {};
  for (const s of run.scans) {
    for (const [ch, c] of Object.entries(s.modelFits ?? {})) {
      (out[ch] ??= []).push({
        scan: s.name,
        asked: c.asked,
        chosen: c.chosen,
        deltaAicc: finite(c.deltaAicc),
        aicc: Object.fromEntries(
          c.fits.map((f) => [f.model, f.ok ? finite(f.aicc) : null]),
        ),
      });
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The models section as text lines (tables drawn with the caller's `table`). */
export function formatModels(
  report: ModelsReport,
  draw: { table: (rows: string[][]) => string[]; num: (v: Num) => string },
): string[] {
  const out: string[] = [];
  for (const [ch, rows] of Object.entries(report)) {
    const models = [...new Set(rows.flatMap((r) => Object.keys(r.aicc)))];
    out.push("", `models ${ch} (AICc; lower is better)`);
    out.push(...draw.table([
      ["scan", "asked", "chosen", "ΔAICc runner-up", ...models],
      ...rows.map((r) => [
        r.scan,
        r.asked,
        r.chosen ?? "none",
        draw.num(r.deltaAicc),
        ...models.map((m) => draw.num(r.aicc[m] ?? null)),
      ]),
    ]));
  }
  return out;
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
