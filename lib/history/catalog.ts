/**
 * `ScanCatalog`: the scans of a data directory in an SQLite file
 * (`fws_catalog.sqlite`, node:sqlite, WAL journal). The files are the truth,
 * the catalog a cache of their summaries: {@link ScanCatalog.addFile} reads
 * a file's summary (`readScanSummary`: the run without its waveforms) and
 * replaces its rows in one transaction, {@link ScanCatalog.rebuild} makes
 * the catalog match a directory, and a catalog that cannot be trusted is
 * replaced on open.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { basename, join, resolve } from "node:path";
import { PARTIAL_SUFFIX, readScanSummary } from "../hdf5/mod.ts";
import type { ScanRun } from "../scan/model.ts";
import { openDatabase, openReadOnly } from "./open.ts";
import { CATALOG_FILE } from "./schema.ts";
import { CatalogWriter, type FileStamp } from "./write.ts";
import { ReadPool } from "./read_pool.ts";
import {
  type CatalogEntry,
  channelsOf,
  entryOf,
  listScans,
  type ScanFilter,
  type ScanSummary,
  trend,
  type TrendPoint,
  type TrendQuery,
} from "./queries.ts";

/** What {@link ScanCatalog.addFile} did. */
export type AddOutcome = "added" | "updated" | "unchanged";

/** Options of {@link ScanCatalog.addFile}. */
export interface AddOptions {
  /** Read the file even when its mtime and size are those catalogued. */
  force?: boolean;
  /**
   * What the file's writer just wrote into it (the daemon's `fileClosed`):
   * catalogued as is instead of reading the file back. Only for a file
   * written by this process's writer, whose round trip the tests check.
   */
  written?: ScanRun;
}

/** Options of {@link ScanCatalog.open}. */
export interface OpenOptions {
  /** The catalog file; default `<dataDir>/fws_catalog.sqlite`. */
  file?: string;
  /**
   * Check the file (quick_check, application id, schema) before trusting
   * it; default true. Only for a file this process checked before.
   */
  verify?: boolean;
  /**
   * Open for reading only (`fws history`): SQLite refuses every write; a
   * missing or unsound catalog throws instead of being replaced.
   */
  readOnly?: boolean;
}

/** Options of {@link ScanCatalog.rebuild}. */
export interface RebuildOptions {
  /** Read every file again, even those catalogued up to date. */
  force?: boolean;
  /**
   * Workers reading files beside this thread (0: this thread only);
   * default one per CPU but one, at most 3, when there are 64 files or more.
   */
  workers?: number;
}

/** What {@link ScanCatalog.rebuild} did. */
export interface RebuildSummary {
  /** Files read and (re)written into the catalog. */
  indexed: number;
  /** Files whose rows were already up to date. */
  unchanged: number;
  /** Files that could not be read, with the reason. */
  skipped: { path: string; reason: string }[];
  /** Rows of files no longer in the directory, removed. */
  removed: number;
}

/** The catalog of one data directory. */
export class ScanCatalog {
  /** The catalog file. */
  readonly path: string;
  /**
   * One line when the file found on open could not be trusted (not SQLite,
   * truncated, failed quick_check, another schema) and was replaced by an
   * empty catalog: call {@link rebuild} to fill it. Undefined otherwise.
   */
  readonly problem?: string;
  readonly #db: DatabaseSync;
  readonly #writer: CatalogWriter;
  #stampOf?: StatementSync;

  private constructor(path: string, db: DatabaseSync, problem?: string) {
    this.path = path;
    this.#db = db;
    this.#writer = new CatalogWriter(db);
    this.problem = problem;
  }

  /**
   * Opens (or creates) the catalog of `dataDir`, `<dataDir>/fws_catalog.sqlite`.
   *
   * @example
   * ```ts
   * const catalog = ScanCatalog.open("/var/lib/fws/fws-01");
   * if (catalog.problem) console.warn(catalog.problem);
   * await catalog.rebuild("/var/lib/fws/fws-01");
   * console.log(catalog.list({ scanner: 1, limit: 10 }));
   * catalog.close();
   * ```
   */
  static open(dataDir: string, options: OpenOptions = {}): ScanCatalog {
    const path = resolve(options.file ?? join(dataDir, CATALOG_FILE));
    if (options.readOnly) return new ScanCatalog(path, openReadOnly(path));
    const { db, problem } = openDatabase(path, options.verify ?? true);
    return new ScanCatalog(path, db, problem);
  }

  /**
   * Reads the scan file at `path` and replaces its rows, atomically; a file
   * whose mtime and size are those catalogued is not read again.
   *
   * @throws {ScanFileError} when the file cannot be read as a scan file
   */
  addFile(path: string, options: AddOptions = {}): Promise<AddOutcome> {
    return this.#add(path, options, readScanSummary);
  }

  async #add(
    path: string,
    options: AddOptions,
    read: (path: string) => Promise<ScanRun>,
  ): Promise<AddOutcome> {
    const abs = resolve(path);
    const info = await Deno.stat(abs);
    const stamp: FileStamp = {
      path: abs,
      name: basename(abs),
      mtimeMs: info.mtime?.getTime() ?? 0,
      size: info.size,
    };
    const known = (this.#stampOf ??= this.#db.prepare(
      "SELECT mtime_ms, size FROM files WHERE path = ?",
    )).get(abs);
    if (
      known && !options.force && known.mtime_ms === stamp.mtimeMs &&
      known.size === stamp.size
    ) return "unchanged";
    const run = options.written ?? await read(abs);
    this.#writer.write(stamp, run);
    return known ? "updated" : "added";
  }

  /**
   * Makes the catalog match the scan files (`*.h5`) of `dir`: reads new and
   * changed files, keeps up-to-date rows, removes rows of files gone. Many
   * files are read on the main thread and in `workers` Workers beside it
   * (default: one per CPU but one, at most 3, from 64 files on).
   */
  async rebuild(
    dir: string,
    options: RebuildOptions = {},
  ): Promise<RebuildSummary> {
    const root = resolve(dir);
    const out: RebuildSummary = {
      indexed: 0,
      unchanged: 0,
      skipped: [],
      removed: 0,
    };
    const present = new Set<string>();
    const names: string[] = [];
    for await (const e of Deno.readDir(root)) {
      if (e.name.endsWith(".h5") && !e.name.endsWith(PARTIAL_SUFFIX)) {
        names.push(e.name);
      }
    }
    names.sort();
    // the main thread reads too (the direct reader makes a small file
    // cost ~2 ms, so a Worker pays off only beside it, for many files)
    const workers = options.workers ??
      (names.length >= 64 ? Math.min(3, navigator.hardwareConcurrency - 1) : 0);
    const pool = workers > 0 ? new ReadPool(workers) : undefined;
    const one = async (
      path: string,
      read: (p: string) => Promise<ScanRun>,
    ) => {
      try {
        const outcome = await this.#add(path, options, read);
        if (outcome === "unchanged") out.unchanged++;
        else out.indexed++;
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        out.skipped.push({ path, reason: why.replace(`${path}: `, "") });
        this.#writer.remove(path);
      }
    };
    try {
      // a sliding window: each Worker always has a file queued behind the
      // one it reads, whichever finishes first
      const paths = names.map((n) => join(root, n));
      for (const p of paths) present.add(p);
      let next = 0;
      const lane = async (read: (p: string) => Promise<ScanRun>) => {
        while (next < paths.length) await one(paths[next++], read);
      };
      const inWorker = (p: string) => pool!.read(p);
      await Promise.all([
        lane(readScanSummary),
        ...Array.from({ length: 2 * workers }, () => lane(inWorker)),
      ]);
    } finally {
      pool?.close();
    }
    out.skipped.sort((a, b) => a.path < b.path ? -1 : 1);
    const catalogued = this.#db.prepare(
      "SELECT path FROM files WHERE path LIKE ? ESCAPE '\\'",
    ).all(`${root.replace(/[\\%_]/g, "\\$&")}/%`);
    for (const r of catalogued) {
      const path = String(r.path);
      if (path.slice(root.length + 1).includes("/")) continue;
      if (!present.has(path) && this.#writer.remove(path)) out.removed++;
    }
    return out;
  }

  /** Forgets the file at `path`; returns whether it was catalogued. */
  remove(path: string): boolean {
    return this.#writer.remove(resolve(path));
  }

  /** The scans matching `filter`, newest first. */
  list(filter: ScanFilter = {}): ScanSummary[] {
    return listScans(this.#db, filter);
  }

  /** Centre and σ per repetition of a channel (or one wire), oldest first. */
  trend(query: TrendQuery): TrendPoint[] {
    return trend(this.#db, query);
  }

  /** The catalogued summary of one file, or undefined. */
  entry(path: string): CatalogEntry | undefined {
    return entryOf(this.#db, resolve(path));
  }

  /** The channels with fits, each with its fork's wires (none: no fork). */
  channels(): { channel: string; wires: string[] }[] {
    return channelsOf(this.#db);
  }

  /** The scanner indexes catalogued, ascending. */
  scanners(): number[] {
    return this.#db.prepare(
      "SELECT DISTINCT scanner_index AS s FROM files ORDER BY s",
    ).all().map((r) => Number(r.s));
  }

  /** Number of files catalogued. */
  count(): number {
    return Number(
      this.#db.prepare("SELECT count(*) AS n FROM files").get()!.n,
    );
  }

  /** Closes the database. */
  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
