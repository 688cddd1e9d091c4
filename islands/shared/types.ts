/**
 * The JSON shapes that travel from the routes to the islands: the page state
 * serialized into the page, and the fit table payload of `/api/fits`.
 * Non-finite numbers travel as `null` (JSON has no NaN). The fit fields are
 * the registry's (`lib/analysis/fit_fields.ts`). Browser-safe.
 *
 * @module
 */
import {
  fitField,
  type FitFieldSpec,
  type FitNumberKey,
} from "../../lib/analysis/fit_fields.ts";
import type { ForkPiece } from "../../lib/analysis/fork_curve.ts";

/** The fit fields the fit table shows, in its column order. */
export const FIT_COLUMNS: readonly FitFieldSpec[] = [
  "center",
  "sigma",
  "amplitude",
  "offset",
  "chi2Red",
  "fwhm",
].map((k) => fitField(k as FitNumberKey));

/** The fit values a {@link FitRow} carries: the columns and their errors. */
export const FIT_ROW_KEYS: readonly FitNumberKey[] = FIT_COLUMNS.flatMap((
  f,
) => f.err ? [f.key, f.err] : [f.key]);

/** Fit values by registry key (those of {@link FIT_ROW_KEYS} are sent). */
export type FitValues = { [K in FitNumberKey]?: number | null };

/** How a request or a repetition ended (mirrors `ScanStatus`). */
export type Status = "running" | "completed" | "aborted" | "error";

/** One fit table row: one scan's fit of the chosen channel pair. */
export interface FitRow extends FitValues {
  /** 1-based repetition number. */
  scan: number;
  /** `scan_001` … */
  name: string;
  status: Status;
  ok: boolean;
  message: string;
  /** `"file"`: the fit stored in the file; `"refit"`: fitted here because
   * the file's fit used another IOPS channel (or there was none). */
  source: "file" | "refit";
  iopsChannel: string;
  nPoints: number;
  /**
   * A fork: each wire's fitted piece along the stroke (the channel's own
   * one-Gaussian fit does not describe a trace of several peaks).
   */
  fork?: ForkPiece[];
  /** Points left out of the fit (point rejection), when any were. */
  rejected?: number;
  /**
   * The profile model chosen (FIT:MODEL other than GAUSS): its name, and
   * the runner-up's ΔAICc.
   */
  model?: { name: string; deltaAicc: number | null };
  /** The error budget of σ, when the file has it (the fit is the file's). */
  budget?: {
    floor: number | null;
    statistical: number | null;
    wire: number | null;
    readout: number | null;
    sampling: number | null;
    pointsPerSigma: number | null;
    belowFloor: boolean;
  };
}

/** Mean, sample standard deviation and count of one fit quantity. */
export interface Stat {
  mean: number | null;
  std: number | null;
  n: number;
}

/** The fit table of one struck/IOPS channel pair. */
export interface FitsPayload {
  struck: string;
  iops: string;
  rows: FitRow[];
  summary: Record<string, Stat>;
}

/** One repetition as listed in the page. */
export interface ScanInfo {
  index: number;
  name: string;
  status: Status;
  mode: "step" | "fly";
  direction: "forward" | "backward";
  startTime: string;
  endTime: string;
}

/** Everything the islands need to start, serialized into the page. */
export interface PageState {
  /** Base name of the file (never a path). */
  file: string;
  scannerIndex: number;
  status: Status;
  struckChannels: string[];
  iopsChannels: string[];
  /** Units of each struck and IOPS channel, by name. */
  units: Record<string, string>;
  scans: ScanInfo[];
  /** Initially chosen channels. */
  struck: string;
  iops: string;
  /** Fit table of the initial channel pair. */
  fits: FitsPayload;
  /** Bucket counts of the min/max decimation (points = 2 × buckets). */
  buckets: { profile: number; overlay: number; raw: number };
}

/** `null` for NaN/±Infinity so the value survives JSON. */
export function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
