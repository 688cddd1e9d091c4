/**
 * The JSON shapes that travel from the routes to the islands: the page state
 * serialized into the page, and the fit table payload of `/api/fits`.
 * Non-finite numbers travel as `null` (JSON has no NaN).
 *
 * @module
 */

/** How a request or a repetition ended (mirrors `ScanStatus`). */
export type Status = "running" | "completed" | "aborted" | "error";

/** One fit table row: one scan's fit of the chosen channel pair. */
export interface FitRow {
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
  center: number | null;
  centerErr: number | null;
  sigma: number | null;
  sigmaErr: number | null;
  amplitude: number | null;
  amplitudeErr: number | null;
  offset: number | null;
  offsetErr: number | null;
  chi2Red: number | null;
  fwhm: number | null;
  nPoints: number;
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
