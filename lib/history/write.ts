/**
 * Writing one scan file's summary into the catalog: the file's row, one row
 * per repetition, per channel fit, per wire fit and per beam ellipse, all in
 * one transaction (all or nothing).
 *
 * @module
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import type { ScanRun } from "../scan/model.ts";
import { type Column, FIT_COLUMNS, SHAPE_COLUMNS } from "./schema.ts";

/** What identifies a file's version: its path, mtime and size. */
export interface FileStamp {
  path: string;
  name: string;
  mtimeMs: number;
  size: number;
}

/** A number for SQLite: NaN is stored as NULL (SQLite has no NaN). */
export function sqlNumber(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

/** Milliseconds since the epoch of an ISO time, or null. */
export function timeMs(iso: string): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
}

function insert(db: DatabaseSync, table: string, names: string[]) {
  return db.prepare(
    `INSERT INTO ${table} (${names.join(", ")}) VALUES (${
      names.map(() => "?").join(", ")
    })`,
  );
}

const FIT_RESULT_NAMES = [
  "ok",
  "message",
  "weighting",
  "points",
  ...FIT_COLUMNS.map((c) => c.column),
];

/** Prepared statements of one database. */
export class CatalogWriter {
  readonly #db: DatabaseSync;
  readonly #deleteFile: StatementSync;
  readonly #file: StatementSync;
  readonly #scan: StatementSync;
  readonly #fit: StatementSync;
  readonly #wireFit: StatementSync;
  readonly #shape: StatementSync;

  /** @param db an open catalog */
  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#deleteFile = db.prepare("DELETE FROM files WHERE path = ?");
    this.#file = db.prepare(
      `INSERT INTO files (path, name, mtime_ms, size, file_format,
        scanner_index, test_mode, start_time, end_time, start_ms, user,
        comment, status, message, scan_args, source_program, source_version,
        source_host, wires)
       VALUES (${new Array(19).fill("?").join(", ")}) RETURNING id`,
    );
    this.#scan = insert(db, "scans", [
      "file_id",
      "scan_index",
      "name",
      "mode",
      "direction",
      "start_time",
      "end_time",
      "start_ms",
      "status",
    ]);
    this.#fit = insert(db, "fits", [
      "file_id",
      "scan_index",
      "channel",
      "start_ms",
      "iops_channel",
      ...FIT_RESULT_NAMES,
    ]);
    this.#wireFit = insert(db, "wire_fits", [
      "file_id",
      "scan_index",
      "channel",
      "wire",
      "position",
      "start_ms",
      "angle",
      "window_low",
      "window_high",
      "diameter",
      "sigma_beam",
      "sigma_beam_err",
      ...FIT_RESULT_NAMES,
    ]);
    this.#shape = insert(db, "beam_shapes", [
      "file_id",
      "scan_index",
      "channel",
      "start_ms",
      "ok",
      "message",
      "planes",
      "chi2",
      ...SHAPE_COLUMNS.map((c) => c.column),
    ]);
  }

  /** Replaces the rows of `stamp.path` by those of `run`, atomically. */
  write(stamp: FileStamp, run: ScanRun): void {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      this.#deleteFile.run(stamp.path);
      this.#insert(stamp, run);
      this.#db.exec("COMMIT");
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /** Deletes the rows of `path`; returns whether there were any. */
  remove(path: string): boolean {
    return Number(this.#deleteFile.run(path).changes) > 0;
  }

  #insert(stamp: FileStamp, run: ScanRun): void {
    const fileStart = timeMs(run.startTime);
    const row = this.#file.get(
      stamp.path,
      stamp.name,
      stamp.mtimeMs,
      stamp.size,
      run.fileFormat,
      run.scannerIndex,
      run.testMode ? 1 : 0,
      run.startTime,
      run.endTime,
      fileStart,
      run.user,
      run.comment,
      run.status,
      run.message,
      JSON.stringify(run.scanArgs),
      run.source.program,
      run.source.version,
      run.source.host,
      run.wires ? JSON.stringify(run.wires) : null,
    );
    const id = Number(row!.id);
    for (const scan of run.scans) {
      const start = timeMs(scan.startTime) ?? fileStart;
      this.#scan.run(
        id,
        scan.index,
        scan.name,
        scan.mode,
        scan.direction,
        scan.startTime,
        scan.endTime,
        start,
        scan.status,
      );
      for (const [channel, fit] of Object.entries(scan.fits)) {
        this.#fit.run(
          id,
          scan.index,
          channel,
          start,
          fit.iopsChannel,
          ...fitValues(fit as unknown as Record<string, unknown>),
        );
      }
      for (const [channel, wires] of Object.entries(scan.wireFits ?? {})) {
        wires.forEach((w, position) =>
          this.#wireFit.run(
            id,
            scan.index,
            channel,
            w.wire,
            position,
            start,
            sqlNumber(w.angle),
            sqlNumber(w.window[0]),
            sqlNumber(w.window[1]),
            sqlNumber(w.diameter),
            sqlNumber(w.sigmaBeam),
            sqlNumber(w.sigmaBeamErr),
            ...fitValues(w.fit as unknown as Record<string, unknown>),
          )
        );
      }
      for (const [channel, s] of Object.entries(scan.beamShapes ?? {})) {
        this.#shape.run(
          id,
          scan.index,
          channel,
          start,
          s.ok ? 1 : 0,
          s.message,
          s.planes,
          sqlNumber(s.chi2),
          ...numbers(SHAPE_COLUMNS, s as unknown as Record<string, unknown>),
        );
      }
    }
  }
}

function numbers(
  list: readonly Column[],
  source: Record<string, unknown>,
): SQLInputValue[] {
  return list.map((c) => sqlNumber(Number(source[c.key])));
}

function fitValues(fit: Record<string, unknown>): SQLInputValue[] {
  return [
    fit.ok ? 1 : 0,
    String(fit.message),
    String(fit.weighting),
    String(fit.points),
    ...numbers(FIT_COLUMNS, fit),
  ];
}
