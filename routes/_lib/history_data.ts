/**
 * What the routes of `fws history` read: the data directory's catalog
 * (opened read-only), the scanner's reference, and the scan files
 * themselves for the file view and the overlays (read on demand, a few
 * kept in memory).
 *
 * @module
 */
import { basename, join } from "node:path";
import type {
  ScanCatalog,
  ScanFilter,
  ScanSummary,
} from "../../lib/history/mod.ts";
import {
  driftOf,
  readReference,
  type ReferenceValues,
  referenceValues,
} from "../../lib/history/reference.ts";
import type { ScanRun, ScanStatus } from "../../lib/scan/model.ts";
import { DRIFT_ALARM } from "../../lib/pvmap/mod.ts";
import {
  DEFAULT_TREND_DAYS,
  type HistoryRow,
  type HistorySearch,
  searchFrom,
  type TrendPayload,
} from "../../islands/shared/history_types.ts";
import { BadRequest, NotFound } from "./http_errors.ts";
import { PlotData } from "./plot_data.ts";

/** Scan files kept in memory for the file view and overlays. */
const FILES_KEPT = 8;

const STATUSES: readonly ScanStatus[] = [
  "running",
  "completed",
  "aborted",
  "error",
];

/** A number or null (JSON has no NaN). */
function finite(v: number | undefined): number | null {
  return v !== undefined && Number.isFinite(v) ? v : null;
}

/** A list row of a catalog summary. */
export function historyRow(s: ScanSummary): HistoryRow {
  const a = s.scanArgs ?? {};
  const mode = typeof a.mode === "string" ? a.mode : "";
  const range = [a.start_pos, a.end_pos].every((v) => typeof v === "number")
    ? ` ${a.start_pos}→${a.end_pos}`
    : "";
  return {
    name: s.name,
    scanner: s.scannerIndex,
    start: s.startTime,
    end: s.endTime,
    user: s.user,
    comment: s.comment,
    status: s.status,
    message: s.message,
    repetitions: s.repetitions,
    mode: mode + range,
    wires: s.wires?.length ?? 0,
    testMode: s.testMode,
  };
}

function time(name: string, text: string): Date | undefined {
  if (text === "") return undefined;
  const t = Date.parse(text);
  if (!Number.isFinite(t)) {
    throw new BadRequest(
      `${name}: expected a date and time (2027-01-15T08:00), got '${text}'`,
    );
  }
  return new Date(t);
}

/** The search of a request's query string (absent fields empty). */
export function searchOf(url: URL): HistorySearch {
  return searchFrom((k) => url.searchParams.get(k));
}

/** Rows per page of the list. */
export const PAGE_ROWS = 200;

/** The `limit` (1–5000, default {@link PAGE_ROWS}) and `offset` of a request. */
export function pageOf(url: URL): { limit: number; offset: number } {
  const int = (name: string, fallback: number, max: number) => {
    const text = url.searchParams.get(name);
    if (text === null || text === "") return fallback;
    const v = Number(text);
    if (!/^\d+$/.test(text) || v > max) {
      throw new BadRequest(
        `${name}: expected a whole number 0–${max}, got '${text}'`,
      );
    }
    return v;
  };
  return {
    limit: Math.max(1, int("limit", PAGE_ROWS, 5000)),
    offset: int("offset", 0, Number.MAX_SAFE_INTEGER),
  };
}

/** The `channel` (required) and `wire` (optional) of a trend request. */
export function trendParams(url: URL): { channel: string; wire: string } {
  const channel = url.searchParams.get("channel") ?? "";
  if (channel === "") {
    throw new BadRequest(
      "channel: expected a Struck channel name, got nothing",
    );
  }
  return { channel, wire: url.searchParams.get("wire") ?? "" };
}

/** The catalog filter of a search; a malformed field is a {@link BadRequest}. */
export function filterOf(search: HistorySearch): ScanFilter {
  const f: ScanFilter = {
    from: time("from", search.from),
    to: time("to", search.to),
  };
  if (search.scanner !== "") {
    const n = Number(search.scanner);
    if (!/^\d{1,2}$/.test(search.scanner) || n < 1) {
      throw new BadRequest(
        `scanner: expected a scanner index 1–99, got '${search.scanner}'`,
      );
    }
    f.scanner = n;
  }
  if (search.user !== "") f.user = search.user;
  if (search.comment !== "") f.comment = search.comment;
  if (search.status !== "") {
    if (!STATUSES.includes(search.status as ScanStatus)) {
      throw new BadRequest(
        `status: expected one of ${
          STATUSES.join(", ")
        }, got '${search.status}'`,
      );
    }
    f.status = search.status as ScanStatus;
  }
  return f;
}

/** The catalog and files of one data directory, as the history pages read them. */
export class HistoryData {
  /** The data directory (absolute). */
  readonly dir: string;
  readonly catalog: ScanCatalog;
  readonly #read: (path: string) => Promise<ScanRun>;
  readonly #files = new Map<string, Promise<PlotData>>();
  #reference?: {
    file: string;
    values: Promise<Record<string, ReferenceValues>>;
  };

  /**
   * @param dir the data directory (absolute)
   * @param catalog its catalog, opened read-only
   * @param read the scan-file reader (`readScanFile`)
   */
  constructor(
    dir: string,
    catalog: ScanCatalog,
    read: (path: string) => Promise<ScanRun>,
  ) {
    this.dir = dir;
    this.catalog = catalog;
    this.#read = read;
  }

  /** The list rows of a search, newest first. */
  rows(
    search: HistorySearch,
    page: { limit: number; offset?: number },
  ): HistoryRow[] {
    return this.catalog.list({ ...filterOf(search), ...page }).map(historyRow);
  }

  /** The catalogued file `name`, as the file view serves it. */
  file(name: string): Promise<PlotData> {
    const hit = this.#files.get(name);
    if (hit) {
      // most recently used last
      this.#files.delete(name);
      this.#files.set(name, hit);
      return hit;
    }
    const path = join(this.dir, name);
    if (basename(name) !== name || !this.catalog.entry(path)) {
      throw new NotFound(
        `no scan file '${name}' in the catalog of ${this.dir}; expected a name from the list`,
      );
    }
    const loading = this.#read(path).then((run) =>
      PlotData.firstPair(run, { file: name, scannerIndex: run.scannerIndex })
    );
    loading.catch(() => this.#files.delete(name));
    this.#files.set(name, loading);
    while (this.#files.size > FILES_KEPT) {
      this.#files.delete(this.#files.keys().next().value!);
    }
    return loading;
  }

  /** The newest file of scanner `n`, or undefined. */
  latest(n: number): string | undefined {
    return this.catalog.list({ scanner: n, limit: 1 })[0]?.name;
  }

  /** The reference mark's file name and its values, or why there is none. */
  async reference(): Promise<
    | { file: string; marked: string; values: Record<string, ReferenceValues> }
    | { note: string }
  > {
    const { mark, problem } = await readReference(this.dir);
    if (!mark) return { note: problem ?? "no reference marked" };
    if (this.#reference?.file !== mark.file) {
      this.#reference = {
        file: mark.file,
        values: referenceValues(mark.file),
      };
    }
    try {
      const values = await this.#reference.values;
      return { file: basename(mark.file), marked: mark.marked, values };
    } catch (error) {
      this.#reference = undefined;
      return {
        note: `the reference ${basename(mark.file)} cannot be read (${
          (error as Error).message.split("\n")[0]
        })`,
      };
    }
  }

  /** The trend of a channel (or wire) over a search's time range and scanner. */
  async trend(
    search: HistorySearch,
    channel: string,
    wire: string,
  ): Promise<TrendPayload> {
    const f = filterOf(search);
    // no range given: the newest days of data, not years of it
    const latest = !f.from && !f.to;
    if (latest) {
      const newest = this.catalog.list({ scanner: f.scanner, limit: 1 })[0];
      const t = newest ? Date.parse(newest.startTime) : NaN;
      if (Number.isFinite(t)) {
        f.from = new Date(t - DEFAULT_TREND_DAYS * 86_400_000);
      }
    }
    const points = this.catalog.trend({
      channel,
      wire: wire === "" ? undefined : wire,
      from: f.from,
      to: f.to,
      scanner: f.scanner,
    });
    const fileIndex = new Map<string, number>();
    const files: TrendPayload["files"] = [];
    const out: TrendPayload = {
      channel,
      wire,
      t: [],
      file: [],
      scan: [],
      ok: [],
      center: [],
      centerErr: [],
      sigma: [],
      sigmaErr: [],
      range: {
        from: f.from ? +f.from : null,
        to: f.to ? +f.to : null,
        latest,
      },
      files,
      alarm: { high: DRIFT_ALARM.high, hihi: DRIFT_ALARM.hihi },
    };
    for (const p of points) {
      let k = fileIndex.get(p.path);
      if (k === undefined) {
        k = files.length;
        fileIndex.set(p.path, k);
        files.push({ name: basename(p.path), t: p.timeMs });
      }
      const sigma = wire === "" ? p.sigma : p.sigmaBeam ?? p.sigma;
      const sigmaErr = wire === "" ? p.sigmaErr : p.sigmaBeamErr ?? p.sigmaErr;
      out.t.push(p.timeMs);
      out.file.push(k);
      out.scan.push(p.scanIndex);
      out.ok.push(p.ok);
      out.center.push(p.ok ? finite(p.center) : null);
      out.centerErr.push(p.ok ? finite(p.centerErr) : null);
      out.sigma.push(p.ok ? finite(sigma) : null);
      out.sigmaErr.push(p.ok ? finite(sigmaErr) : null);
    }
    if (wire !== "") {
      out.referenceNote =
        "drift is computed for the channel's own fit, not per wire";
      return out;
    }
    const ref = await this.reference();
    if ("note" in ref) {
      out.referenceNote = ref.note;
      return out;
    }
    const v = ref.values[channel];
    if (!v) {
      out.referenceNote = `the reference ${ref.file} has no fit of ${channel}`;
      return out;
    }
    out.reference = {
      file: ref.file,
      marked: ref.marked,
      center: finite(v.center),
      centerErr: finite(v.centerErr),
      sigma: finite(v.sigma),
      sigmaErr: finite(v.sigmaErr),
      n: v.n,
    };
    out.drift = [];
    out.driftRel = [];
    points.forEach((p) => {
      const d = p.ok ? driftOf(p, v) : undefined;
      out.drift!.push(finite(d?.z));
      out.driftRel!.push(finite(d?.relative));
    });
    return out;
  }
}
