/**
 * `fws inspect <file.h5> [--json]`: a scan file's metadata, scans, channels
 * and fit table (per scan, plus mean ± std over the scans) for each channel.
 *
 * The `--json` output is stable for scripts ({@link InspectReport}); numbers
 * that are not finite (a failed fit, a missing reading) are `null`.
 *
 * ```json
 * { "file": "/abs/fws03_20261123_220509.h5", "fileFormat": "fws-scan/1",
 *   "scannerIndex": 3, "testMode": false, "user": "", "comment": "",
 *   "startTime": "…", "endTime": "…", "status": "completed", "message": "",
 *   "source": { "program": "fws", "version": "0.1.0", "host": "ioc1" },
 *   "scanArgs": { "mode": "step", … },
 *   "scans": [{ "name": "scan_001", "index": 1, "mode": "step",
 *     "direction": "forward", "status": "completed", "startTime": "…",
 *     "endTime": "…", "points": 21,
 *     "struck": { "PDB": { "shape": [21, 8], "units": "V" } },
 *     "iops": { "ch1": { "shape": [21, 8], "units": "mm" } },
 *     "idc": { "current": { "length": 21, "units": "mA" } }, "beam": {} }],
 *   "channels": ["PDB", "PDT"],
 *   "fits": { "PDB": {
 *     "scans": [{ "scan": "scan_001", "ok": true, "message": "…",
 *       "iopsChannel": "ch1", "amplitude": 3.0, "amplitudeErr": 0.004, …,
 *       "nPoints": 21, "iterations": 4, "nEvaluations": 5 }],
 *     "summary": { "center": { "mean": 1.5, "std": 0.001, "n": 3 }, … } } } }
 * ```
 *
 * @module
 */
import { resolve } from "node:path";
import { parseCommand } from "../cli.ts";
import { summarizeFits } from "../analysis/mod.ts";
import { FIT_FIELDS } from "../analysis/fit_fields.ts";
import type { ChannelFit, ScanRun } from "../scan/model.ts";
import { readScanFile } from "./reader.ts";
import { ScanFileError } from "./errors.ts";
import { type ForkReport, forkReport, formatFork } from "./inspect_fork.ts";
import {
  formatModels,
  type ModelsReport,
  modelsReport,
} from "./inspect_models.ts";
import {
  type BudgetReport,
  budgetReport,
  formatBudget,
  formatRejection,
  type RejectionReport,
  rejectionReport,
} from "./inspect_quality.ts";

const USAGE = `Usage: fws inspect <file.h5> [--json]

Prints a scan file's metadata, its scans and channels, and the fit table of
each channel (per scan, and mean ± std over the scans with a converged fit).

Options:
  --json    machine-readable output (stable shape; non-finite numbers are null)
  --help    show this help

Exit codes: 0 ok, 1 the file cannot be read as an fws scan file, 2 bad usage.`;

/** Shape and units of a waveform in the report. */
export interface WaveformInfo {
  shape: number[];
  units: string;
}

/** Length and units of a reading in the report. */
export interface ReadingInfo {
  length: number;
  units: string;
}

/** One scan in the report. */
export interface ScanInfo {
  name: string;
  index: number;
  mode: string;
  direction: string;
  status: string;
  startTime: string;
  endTime: string;
  /** Number of steps (step mode) or samples (fly mode). */
  points: number;
  struck: Record<string, WaveformInfo>;
  iops: Record<string, WaveformInfo>;
  idc: Record<string, ReadingInfo>;
  beam: Record<string, ReadingInfo>;
}

/** One row of a channel's fit table. */
export type FitRow =
  & { scan: string }
  & {
    [K in keyof ChannelFit]: ChannelFit[K] extends number ? number | null
      : ChannelFit[K];
  };

/** A summary statistic (non-finite → null). */
export interface SummaryInfo {
  mean: number | null;
  std: number | null;
  n: number;
}

/** The `--json` document. */
export interface InspectReport {
  file: string;
  fileFormat: string;
  scannerIndex: number;
  testMode: boolean;
  user: string;
  comment: string;
  startTime: string;
  endTime: string;
  status: string;
  message: string;
  source: { program: string; version: string; host: string };
  scanArgs: Record<string, string | number | boolean>;
  scans: ScanInfo[];
  channels: string[];
  /** A fork of several wires: its table, per-wire fits, beam ellipse. */
  fork?: ForkReport;
  /** The profile models fitted besides the Gaussian (FIT:MODEL). */
  models?: ModelsReport;
  /** The points left out of the fits, per channel (point rejection). */
  rejection?: RejectionReport;
  /** The error budget of each fit's σ, per channel. */
  budget?: BudgetReport;
  fits: Record<
    string,
    {
      /** Units of the x axis (center, sigma, …) and of the signal. */
      units: { x: string; y: string };
      scans: FitRow[];
      summary: Record<string, SummaryInfo>;
    }
  >;
}

/** Key order of a fit row in the JSON (stable for scripts). */
const FIT_ROW_KEYS: (keyof ChannelFit)[] = [
  "ok",
  "message",
  "iopsChannel",
  "weighting",
  "points",
  ...FIT_FIELDS.map((f) => f.key),
];

function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** Builds the report of a run read from `file`. */
export function inspectReport(file: string, run: ScanRun): InspectReport {
  const channels: string[] = [];
  for (const s of run.scans) {
    for (const ch of [...Object.keys(s.struck), ...Object.keys(s.fits)]) {
      if (!channels.includes(ch)) channels.push(ch);
    }
  }
  const fits: InspectReport["fits"] = {};
  for (const ch of channels) {
    const list = run.scans.filter((s) => s.fits[ch]).map((s) => ({
      scan: s.name,
      fit: s.fits[ch],
    }));
    if (list.length === 0) continue;
    const rows = list.map(({ scan, fit }) => {
      const row: Record<string, unknown> = { scan };
      for (const k of FIT_ROW_KEYS) {
        const v = fit[k];
        row[k] = typeof v === "number" ? finite(v) : v;
      }
      return row as FitRow;
    });
    const summary: Record<string, SummaryInfo> = {};
    for (
      const [k, v] of Object.entries(summarizeFits(list.map((l) => l.fit)))
    ) {
      summary[k] = { mean: finite(v.mean), std: finite(v.std), n: v.n };
    }
    const scan = run.scans.find((s) => s.fits[ch])!;
    const units = {
      x: scan.iops[scan.fits[ch].iopsChannel]?.units ?? "mm",
      y: scan.struck[ch]?.units ?? "",
    };
    fits[ch] = { units, scans: rows, summary };
  }
  const fork = forkReport(run);
  const models = modelsReport(run);
  const rejection = rejectionReport(run);
  const budget = budgetReport(run);
  const shapes = (ws: ScanRun["scans"][number]["struck"]) =>
    Object.fromEntries(
      Object.entries(ws).map((
        [k, w],
      ) => [k, { shape: [...w.shape], units: w.units }]),
    );
  const lengths = (rs: ScanRun["scans"][number]["idc"]) =>
    Object.fromEntries(
      Object.entries(rs).map((
        [k, r],
      ) => [k, { length: r.values.length, units: r.units }]),
    );
  return {
    file,
    fileFormat: run.fileFormat,
    scannerIndex: run.scannerIndex,
    testMode: run.testMode,
    user: run.user,
    comment: run.comment,
    startTime: run.startTime,
    endTime: run.endTime,
    status: run.status,
    message: run.message,
    source: { ...run.source },
    scanArgs: { ...run.scanArgs },
    scans: run.scans.map((s) => {
      const first = Object.values(s.struck)[0];
      const points = s.mode === "step"
        ? Math.max(s.stepIndex.length, first?.shape[0] ?? 0)
        : first?.data.length ?? 0;
      return {
        name: s.name,
        index: s.index,
        mode: s.mode,
        direction: s.direction,
        status: s.status,
        startTime: s.startTime,
        endTime: s.endTime,
        points,
        struck: shapes(s.struck),
        iops: shapes(s.iops),
        idc: lengths(s.idc),
        beam: lengths(s.beam),
      };
    }),
    channels,
    ...(fork ? { fork } : {}),
    ...(models ? { models } : {}),
    ...(rejection ? { rejection } : {}),
    ...(budget ? { budget } : {}),
    fits,
  };
}

/** A number for a table: 5 significant digits, `—` when absent. */
function num(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-4)) {
    return v.toExponential(4);
  }
  return String(Number(v.toPrecision(5)));
}

/** `value ± error`, the error to 2 significant digits and the value alike. */
function pm(
  v: number | null | undefined,
  e: number | null | undefined,
): string {
  if (
    v === null || v === undefined || e === null || e === undefined ||
    !Number.isFinite(v) || !Number.isFinite(e) || e <= 0
  ) {
    return v === null || v === undefined || !Number.isFinite(v)
      ? "—"
      : `${num(v)} ± ${num(e)}`;
  }
  const decimals = Math.min(12, Math.max(0, 1 - Math.floor(Math.log10(e))));
  return `${v.toFixed(decimals)} ± ${e.toFixed(decimals)}`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) =>
    Math.max(...rows.map((r) => [...(r[c] ?? "")].length))
  );
  return rows.map((r) =>
    "  " +
    r.map((cell, c) =>
      cell.padEnd(widths[c] + (cell.length - [...cell].length))
    )
      .join("  ").trimEnd()
  );
}

function units(ws: Record<string, WaveformInfo | ReadingInfo>): string {
  const parts = Object.entries(ws).map(([k, w]) => {
    const size = "shape" in w ? w.shape.join("×") : String(w.length);
    return `${k} [${w.units || "-"}] ${size}`;
  });
  return parts.length ? parts.join(", ") : "(none)";
}

/** The human-readable report. */
export function formatReport(r: InspectReport): string {
  const out: string[] = [];
  const kv = (k: string, v: string) => out.push(`${k.padEnd(11)} ${v}`);
  kv("file", r.file);
  kv("format", r.fileFormat || "(no file_format attribute)");
  kv(
    "scanner",
    `${String(r.scannerIndex).padStart(2, "0")}${
      r.testMode ? " (test mode)" : ""
    }`,
  );
  kv("status", r.status + (r.message ? ` — ${r.message}` : ""));
  kv("time", `${r.startTime || "?"} → ${r.endTime || "?"}`);
  kv("user", r.user || "-");
  if (r.comment) kv("comment", r.comment);
  kv(
    "source",
    `${r.source.program} ${r.source.version}${
      r.source.host ? ` on ${r.source.host}` : ""
    }`,
  );
  const args = Object.entries(r.scanArgs).map(([k, v]) => `${k}=${v}`);
  kv("scan args", args.length ? args.join(" ") : "(none)");
  kv("scans", String(r.scans.length));
  if (r.scans.length) {
    out.push(...table(r.scans.map((s) => [
      s.name,
      s.mode,
      s.direction,
      s.status,
      `${s.points} ${s.mode === "step" ? "steps" : "samples"}`,
      s.startTime,
    ])));
    const s = r.scans[0];
    kv("struck", units(s.struck));
    kv("iops", units(s.iops));
    kv("idc", units(s.idc));
    kv("beam", units(s.beam));
  }
  for (const [ch, f] of Object.entries(r.fits)) {
    const iops = [...new Set(f.scans.map((s) => s.iopsChannel))].join(", ");
    out.push("", `fit ${ch} (x from ${iops || "?"})`);
    const u = (x: string) => x ? ` [${x}]` : "";
    const rows = [[
      "scan",
      "ok",
      `center${u(f.units.x)}`,
      `sigma${u(f.units.x)}`,
      `amplitude${u(f.units.y)}`,
      `offset${u(f.units.y)}`,
      `fwhm${u(f.units.x)}`,
      "chi2_red",
      "r²",
      "n",
    ]];
    for (const s of f.scans) {
      rows.push([
        s.scan,
        s.ok ? "yes" : "NO",
        pm(s.center, s.centerErr),
        pm(s.sigma, s.sigmaErr),
        pm(s.amplitude, s.amplitudeErr),
        pm(s.offset, s.offsetErr),
        num(s.fwhm),
        num(s.chi2Red),
        num(s.rSquared),
        String(s.nPoints ?? "—"),
      ]);
    }
    const m = f.summary;
    rows.push([
      "mean ± std",
      `${m.center?.n ?? 0}/${f.scans.length}`,
      pm(m.center?.mean, m.center?.std),
      pm(m.sigma?.mean, m.sigma?.std),
      pm(m.amplitude?.mean, m.amplitude?.std),
      pm(m.offset?.mean, m.offset?.std),
      num(m.fwhm?.mean),
      num(m.chi2Red?.mean),
      "",
      "",
    ]);
    out.push(...table(rows));
    for (const s of f.scans) {
      if (!s.ok) out.push(`  ${s.scan}: ${s.message}`);
    }
  }
  if (r.fork) out.push(...formatFork(r.fork, { table, pm, num }));
  if (r.models) out.push(...formatModels(r.models, { table, num }));
  if (r.rejection) out.push(...formatRejection(r.rejection, { table }));
  if (r.budget) out.push(...formatBudget(r.budget, { table, num }));
  return out.join("\n");
}

/**
 * Entry point of `fws inspect` (main.ts has already applied the `inspect`
 * permission profile): 0 on success, 1 when the file cannot be read (one line
 * on stderr naming the file and the problem); bad usage throws a UsageError.
 */
export async function inspectMain(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    command: "fws inspect",
    options: {
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    positionals: ["file.h5"],
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  let run: ScanRun;
  try {
    run = await readScanFile(positionals[0]);
  } catch (error) {
    const message = error instanceof ScanFileError || error instanceof Error
      ? error.message
      : String(error);
    console.error(`fws inspect: ${message.split("\n")[0]}`);
    return 1;
  }
  const report = inspectReport(resolve(positionals[0]), run);
  console.log(
    values.json ? JSON.stringify(report, null, 2) : formatReport(report),
  );
  return 0;
}
