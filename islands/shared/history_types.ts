/**
 * The JSON shapes of `fws history`: a row of the scan list, the list's
 * search, the trend of one channel (or wire), and the page state. Columns
 * travel as arrays; non-finite numbers as `null`. Browser-safe.
 *
 * @module
 */
import type { Status } from "./types.ts";

/** One scan file of the list. */
export interface HistoryRow {
  /** File name, the key of the file view (`/history/file/<name>/`). */
  name: string;
  scanner: number;
  /** Request start and end, ISO 8601. */
  start: string;
  end: string;
  user: string;
  comment: string;
  status: Status;
  message: string;
  repetitions: number;
  /** `step` or `fly`, and the range, from the request. */
  mode: string;
  /** Wires of the fork (0: a single wire). */
  wires: number;
  testMode: boolean;
}

/** The list's search; every field given must hold. */
export interface HistorySearch {
  /** Start of the time range (`YYYY-MM-DDTHH:MM`, local time, or ISO). */
  from: string;
  to: string;
  /** Scanner index, or "" for all. */
  scanner: string;
  user: string;
  comment: string;
  /** A request status, or "" for all. */
  status: string;
}

/** The reference scan the trend is compared with. */
export interface TrendReference {
  /** File name of the reference. */
  file: string;
  marked: string;
  center: number | null;
  centerErr: number | null;
  sigma: number | null;
  sigmaErr: number | null;
  /** Successful fits averaged. */
  n: number;
}

/** `GET /history/api/trend`: one point per repetition, oldest first. */
export interface TrendPayload {
  channel: string;
  /** The wire of a fork, or "" for the channel's own fit. */
  wire: string;
  /** Repetition start, ms since the epoch. */
  t: number[];
  /** Index into {@link files} of each point's file. */
  file: number[];
  /** Repetition number in its file. */
  scan: number[];
  ok: boolean[];
  center: (number | null)[];
  centerErr: (number | null)[];
  sigma: (number | null)[];
  sigmaErr: (number | null)[];
  /**
   * The time range shown, ms since the epoch (`to` null: up to the newest).
   * `latest`: the search gave no range, so the trend shows the newest
   * {@link DEFAULT_TREND_DAYS} days of data.
   */
  range: { from: number | null; to: number | null; latest: boolean };
  /** The files (requests) in time order: a boundary at each one's start. */
  files: { name: string; t: number }[];
  /** The scanner's reference, when one is marked and has this channel. */
  reference?: TrendReference;
  /** Drift from the reference in combined standard errors (FIT:<CH>:DRIFT). */
  drift?: (number | null)[];
  /** (σ − σ_ref) / σ_ref. */
  driftRel?: (number | null)[];
  /** FIT:<CH>:DRIFT's HIGH and HIHI limits. */
  alarm: { high: number; hihi: number };
  /** Why no reference is shown, when none is. */
  referenceNote?: string;
}

/** Days of data the trend shows when the search gives no time range. */
export const DEFAULT_TREND_DAYS = 30;

/** What the history page starts with (serialized into the page). */
export interface HistoryState {
  /** The data directory, for the reference command shown. */
  dir: string;
  search: HistorySearch;
  /** The first page of the list, newest first. */
  rows: HistoryRow[];
  /** Rows per page. */
  limit: number;
  /** Channels with fits, each with its fork's wires. */
  channels: { channel: string; wires: string[] }[];
  scanners: number[];
  /** The reference's file name, or "" when none is marked. */
  reference: string;
}

/** An empty search (everything). */
export const NO_SEARCH: HistorySearch = {
  from: "",
  to: "",
  scanner: "",
  user: "",
  comment: "",
  status: "",
};

/** A search of the fields `get` reads (trimmed; absent ones empty). */
export function searchFrom(
  get: (field: keyof HistorySearch) => string | null | undefined,
): HistorySearch {
  const out = { ...NO_SEARCH };
  for (const k of Object.keys(out) as (keyof HistorySearch)[]) {
    out[k] = get(k)?.trim() ?? "";
  }
  return out;
}

/** The query string of a search (empty fields left out). */
export function searchQuery(
  search: HistorySearch,
  extra: Record<string, string | number> = {},
): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...search, ...extra })) {
    if (v !== "") q.set(k, String(v));
  }
  return q.toString();
}
