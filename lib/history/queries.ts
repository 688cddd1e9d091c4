/**
 * The catalog's read side: the list of scans (newest first, filtered), the
 * trend of centre and σ of a channel (or one wire of it) over time, and a
 * file's whole summary back in the scan model's types.
 *
 * @module
 */
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import type {
  BeamShape,
  ChannelFit,
  GaussFit,
  ScanRecord,
  ScanRun,
  ScanStatus,
  WireFit,
  WireSpec,
} from "../scan/model.ts";
import { type Column, FIT_COLUMNS, SHAPE_COLUMNS } from "./schema.ts";

/** Filters of {@link listScans}; every one given must hold. */
export interface ScanFilter {
  /** Files started at or after this time. */
  from?: Date;
  /** Files started before this time. */
  to?: Date;
  /** Scanner index. */
  scanner?: number;
  /** User, exactly. */
  user?: string;
  /** Part of the comment, any case. */
  comment?: string;
  /** How the request ended. */
  status?: ScanStatus;
  /** At most this many rows (default 1000). */
  limit?: number;
  /** Rows to skip (paging). */
  offset?: number;
}

/** One scan file as the list shows it. */
export interface ScanSummary {
  path: string;
  /** File name. */
  name: string;
  fileFormat: string;
  scannerIndex: number;
  testMode: boolean;
  startTime: string;
  endTime: string;
  user: string;
  comment: string;
  status: ScanStatus;
  message: string;
  scanArgs: ScanRun["scanArgs"];
  source: ScanRun["source"];
  /** The fork's wires, when the file has several. */
  wires?: WireSpec[];
  /** Repetitions in the file. */
  repetitions: number;
}

/** What {@link trend} selects. */
export interface TrendQuery {
  /** Struck channel, e.g. `PDB`. */
  channel: string;
  /** One wire of a fork: its fits instead of the channel's. */
  wire?: string;
  from?: Date;
  to?: Date;
  scanner?: number;
}

/** One repetition's result on a trend. */
export interface TrendPoint {
  /** Start of the repetition (else of the file), ms since the epoch. */
  timeMs: number;
  /** The file (request) it belongs to: the request boundaries. */
  path: string;
  /** Repetition number. */
  scanIndex: number;
  ok: boolean;
  center: number;
  centerErr: number;
  sigma: number;
  sigmaErr: number;
  /** Wire trends: σ corrected for the wire's size. */
  sigmaBeam?: number;
  sigmaBeamErr?: number;
}

/** A file's summary: what the reader returns, without the waveforms. */
export interface CatalogEntry extends ScanSummary {
  scans: Pick<
    ScanRecord,
    | "name"
    | "index"
    | "mode"
    | "direction"
    | "startTime"
    | "endTime"
    | "status"
    | "fits"
    | "wireFits"
    | "beamShapes"
  >[];
}

type Row = Record<string, unknown>;

/** A REAL column back as a number: NULL was NaN. */
function num(v: unknown): number {
  return v === null || v === undefined ? NaN : Number(v);
}

function rowNumbers(list: readonly Column[], row: Row): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of list) out[c.key] = num(row[c.column]);
  return out;
}

function gaussFit(row: Row): GaussFit {
  return {
    ok: row.ok === 1,
    message: String(row.message),
    ...rowNumbers(FIT_COLUMNS, row),
    weighting: String(row.weighting),
    points: String(row.points),
  } as unknown as GaussFit;
}

function summary(row: Row): ScanSummary {
  const s: ScanSummary = {
    path: String(row.path),
    name: String(row.name),
    fileFormat: String(row.file_format),
    scannerIndex: Number(row.scanner_index),
    testMode: row.test_mode === 1,
    startTime: String(row.start_time),
    endTime: String(row.end_time),
    user: String(row.user),
    comment: String(row.comment),
    status: String(row.status) as ScanStatus,
    message: String(row.message),
    scanArgs: JSON.parse(String(row.scan_args)),
    source: {
      program: String(row.source_program),
      version: String(row.source_version),
      host: String(row.source_host),
    },
    repetitions: Number(row.repetitions ?? 0),
  };
  if (typeof row.wires === "string") s.wires = JSON.parse(row.wires);
  return s;
}

const SUMMARY_SELECT = `SELECT f.*,
  (SELECT count(*) FROM scans s WHERE s.file_id = f.id) AS repetitions
  FROM files f`;

/** The scans matching `filter`, newest first. */
export function listScans(
  db: DatabaseSync,
  filter: ScanFilter = {},
): ScanSummary[] {
  const where: string[] = [];
  const args: SQLInputValue[] = [];
  if (filter.from) where.push("f.start_ms >= ?"), args.push(+filter.from);
  if (filter.to) where.push("f.start_ms < ?"), args.push(+filter.to);
  if (filter.scanner !== undefined) {
    where.push("f.scanner_index = ?"), args.push(filter.scanner);
  }
  if (filter.user !== undefined) {
    where.push("f.user = ?"), args.push(filter.user);
  }
  if (filter.comment) {
    where.push("instr(lower(f.comment), lower(?)) > 0");
    args.push(filter.comment);
  }
  if (filter.status) where.push("f.status = ?"), args.push(filter.status);
  const sql = `${SUMMARY_SELECT} ${
    where.length ? `WHERE ${where.join(" AND ")}` : ""
  } ORDER BY f.start_ms DESC, f.name DESC LIMIT ? OFFSET ?`;
  args.push(filter.limit ?? 1000, filter.offset ?? 0);
  return db.prepare(sql).all(...args).map(summary);
}

/** Centre and σ of one channel (or wire) per repetition, oldest first. */
export function trend(db: DatabaseSync, query: TrendQuery): TrendPoint[] {
  const table = query.wire === undefined ? "fits" : "wire_fits";
  const where = ["t.channel = ?"];
  const args: SQLInputValue[] = [query.channel];
  if (query.wire !== undefined) where.push("t.wire = ?"), args.push(query.wire);
  if (query.from) where.push("t.start_ms >= ?"), args.push(+query.from);
  if (query.to) where.push("t.start_ms < ?"), args.push(+query.to);
  if (query.scanner !== undefined) {
    where.push("f.scanner_index = ?"), args.push(query.scanner);
  }
  const extra = query.wire === undefined
    ? ""
    : ", t.sigma_beam, t.sigma_beam_err";
  const rows = db.prepare(
    `SELECT t.start_ms, f.path, t.scan_index, t.ok, t.center, t.center_err,
       t.sigma, t.sigma_err${extra}
     FROM ${table} t JOIN files f ON f.id = t.file_id
     WHERE ${where.join(" AND ")} AND t.start_ms IS NOT NULL
     ORDER BY t.start_ms, t.scan_index`,
  ).all(...args);
  return rows.map((r) => {
    const p: TrendPoint = {
      timeMs: Number(r.start_ms),
      path: String(r.path),
      scanIndex: Number(r.scan_index),
      ok: r.ok === 1,
      center: num(r.center),
      centerErr: num(r.center_err),
      sigma: num(r.sigma),
      sigmaErr: num(r.sigma_err),
    };
    if (query.wire !== undefined) {
      p.sigmaBeam = num(r.sigma_beam);
      p.sigmaBeamErr = num(r.sigma_beam_err);
    }
    return p;
  });
}

/** The channels with fits, each with the wires fitted on it, sorted. */
export function channelsOf(
  db: DatabaseSync,
): { channel: string; wires: string[] }[] {
  const wires = new Map<string, string[]>();
  for (
    const r of db.prepare("SELECT DISTINCT channel FROM fits ORDER BY channel")
      .all()
  ) wires.set(String(r.channel), []);
  for (
    const r of db.prepare(
      `SELECT channel, wire, min(position) AS p FROM wire_fits
       GROUP BY channel, wire ORDER BY channel, p`,
    ).all()
  ) wires.get(String(r.channel))?.push(String(r.wire));
  return [...wires].map(([channel, w]) => ({ channel, wires: w }));
}

/** The whole summary of the file at `path`, or undefined when not catalogued. */
export function entryOf(
  db: DatabaseSync,
  path: string,
): CatalogEntry | undefined {
  const row = db.prepare(`${SUMMARY_SELECT} WHERE f.path = ?`).get(path);
  if (!row) return undefined;
  const id = row.id as number;
  const byScan = <T>(table: string, order: string, make: (r: Row) => T) => {
    const out = new Map<number, T[]>();
    for (
      const r of db.prepare(
        `SELECT * FROM ${table} WHERE file_id = ? ORDER BY scan_index, ${order}`,
      ).all(id)
    ) {
      const k = Number(r.scan_index);
      out.set(k, [...out.get(k) ?? [], make(r)]);
    }
    return out;
  };
  const fits = byScan("fits", "channel", (r) => r);
  const wires = byScan("wire_fits", "channel, position", (r) => r);
  const shapes = byScan("beam_shapes", "channel", (r) => r);
  const entry: CatalogEntry = { ...summary(row), scans: [] };
  const scans = db.prepare(
    "SELECT * FROM scans WHERE file_id = ? ORDER BY scan_index",
  ).all(id);
  for (const s of scans) {
    const k = Number(s.scan_index);
    const scan: CatalogEntry["scans"][number] = {
      name: String(s.name),
      index: k,
      mode: s.mode as ScanRecord["mode"],
      direction: s.direction as ScanRecord["direction"],
      startTime: String(s.start_time),
      endTime: String(s.end_time),
      status: s.status as ScanStatus,
      fits: {},
    };
    for (const r of fits.get(k) ?? []) {
      scan.fits[String(r.channel)] = {
        ...gaussFit(r),
        iopsChannel: String(r.iops_channel),
      } as ChannelFit;
    }
    if (entry.wires) {
      const wireFits: Record<string, WireFit[]> = {};
      for (const ch of Object.keys(scan.fits)) wireFits[ch] = [];
      for (const r of wires.get(k) ?? []) {
        (wireFits[String(r.channel)] ??= []).push({
          wire: String(r.wire),
          angle: num(r.angle),
          window: [num(r.window_low), num(r.window_high)],
          diameter: num(r.diameter),
          fit: gaussFit(r),
          sigmaBeam: num(r.sigma_beam),
          sigmaBeamErr: num(r.sigma_beam_err),
        });
      }
      scan.wireFits = wireFits;
    }
    const shapeRows = shapes.get(k);
    if (shapeRows) {
      scan.beamShapes = {};
      for (const r of shapeRows) {
        scan.beamShapes[String(r.channel)] = {
          ok: r.ok === 1,
          message: String(r.message),
          ...rowNumbers(SHAPE_COLUMNS, r),
          planes: Number(r.planes ?? 0),
          chi2: num(r.chi2),
        } as unknown as BeamShape;
      }
    }
    entry.scans.push(scan);
  }
  return entry;
}
