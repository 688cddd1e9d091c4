/**
 * The profile models of `fws inspect`: per channel and scan, what was asked
 * (FIT:MODEL), the model chosen, the runner-up's ΔAICc and each model's
 * AICc, for `--json` ({@link ModelsReport}) and as a text table. Absent when
 * no request asked for more than the Gaussian.
 *
 * @module
 */
import type { ScanRun } from "../scan/model.ts";

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
