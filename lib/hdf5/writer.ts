/**
 * The scan-file writer: one HDF5 file per request, written incrementally to
 * `<name>.partial`, flushed after every repetition (so a crash leaves a
 * readable file with everything so far, `status=running`), and renamed to its
 * final name by {@link ScanFileWriter.close}.
 *
 * @module
 */
import { join, resolve } from "node:path";
import type { ScanRecord, ScanRun, ScanStatus } from "../scan/model.ts";
import { ScanFileError } from "./errors.ts";
import { H5File } from "./h5.ts";
import {
  PARTIAL_SUFFIX,
  ROOT,
  SCAN,
  scanFileName,
  scanGroupName,
} from "./layout.ts";

import {
  type TitleInfo,
  writeRecord,
  writeRootHeader,
} from "./record_write.ts";
/** Options of {@link ScanFileWriter.create}. */
export interface CreateOptions {
  /** Replace an existing file (and `.partial`); default: refuse. */
  overwrite?: boolean;
}

/** How {@link ScanFileWriter.close} ends the file. */
export interface CloseOptions {
  status: ScanStatus;
  /** ISO 8601. */
  endTime: string;
  /** Why the request ended as it did (empty when completed). */
  message?: string;
}

/** Whether anything is at `path`, a dangling symlink included. */
function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Runs `fn`, turning HDF5 failures into a ScanFileError naming `path`. */
function wrap<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ScanFileError) throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new ScanFileError(path, `write failed: ${why}`);
  }
}

/**
 * A path in `dir` for a new scan file of scanner `index` started at `start`:
 * `fwsNN_YYYYMMDD_HHMMSS.h5`, or `…_2.h5`, `…_3.h5` when that name (or its
 * `.partial`) is already taken.
 *
 * @example
 * ```ts
 * const path = freeScanFilePath("/var/lib/fws/fws-01", 1, new Date());
 * ```
 */
export function freeScanFilePath(
  dir: string,
  index: number,
  start: Date,
): string {
  const name = scanFileName(index, start);
  let path = join(dir, name);
  for (let i = 2; exists(path) || exists(path + PARTIAL_SUFFIX); i++) {
    path = numbered(join(dir, name), i);
  }
  return path;
}

/**
 * Writes one scan request incrementally and abort-safely.
 *
 * @example
 * ```ts
 * const w = await ScanFileWriter.create("/data/fws03_20261123_220509.h5", run);
 * for (const scan of scans) await w.writeScan(scan);
 * const path = await w.close({ status: "completed", endTime: new Date().toISOString() });
 * ```
 */
export class ScanFileWriter {
  /** Final path (what {@link close} returns). */
  readonly path: string;
  /** Path while writing: `<path>.partial`. */
  readonly partialPath: string;
  readonly #file: H5File;
  readonly #run: TitleInfo;
  /**
   * Set by {@link close} when the final name was taken (created meanwhile):
   * the name intended; the file went to the next free one.
   */
  renamedFrom?: string;
  readonly #overwrite: boolean;
  #closed = false;
  #hasDefault = false;

  private constructor(
    path: string,
    file: H5File,
    run: TitleInfo,
    overwrite: boolean,
  ) {
    this.path = path;
    this.partialPath = file.path;
    this.#file = file;
    this.#overwrite = overwrite;
    this.#run = {
      scannerIndex: run.scannerIndex,
      comment: run.comment,
      wires: run.wires,
    };
  }

  /**
   * Creates `<path>.partial` with the root attributes of `run` (status
   * `running`), writes any scans `run` already holds, and flushes.
   *
   * @throws {ScanFileError} when the file exists (unless `overwrite`) or
   *   cannot be created
   */
  static async create(
    path: string,
    run: ScanRun,
    options: CreateOptions = {},
  ): Promise<ScanFileWriter> {
    const abs = resolve(path);
    const partial = abs + PARTIAL_SUFFIX;
    if (!options.overwrite) {
      for (const p of [abs, partial]) {
        if (exists(p)) {
          throw new ScanFileError(
            p,
            "already exists; refusing to overwrite a scan file",
          );
        }
      }
    }
    let file: H5File;
    try {
      file = await H5File.open(
        partial,
        options.overwrite ? "overwrite" : "create",
      );
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new ScanFileError(partial, `cannot create: ${why}`);
    }
    const writer = new ScanFileWriter(
      abs,
      file,
      run,
      options.overwrite ?? false,
    );
    try {
      wrap(partial, () => writeRootHeader(file.root, run));
      for (const scan of run.scans) await writer.writeScan(scan);
      wrap(partial, () => file.flush());
    } catch (error) {
      file.close();
      throw error;
    }
    return writer;
  }

  /**
   * Writes one repetition (data, fits, profile NXdata groups) and flushes,
   * so the `.partial` file on disk is complete up to this scan.
   */
  writeScan(scan: ScanRecord): Promise<void> {
    if (this.#closed) {
      return Promise.reject(
        new ScanFileError(this.path, "writeScan after close"),
      );
    }
    try {
      wrap(this.partialPath, () => {
        let name: string;
        try {
          name = writeRecord(this.#file.root, this.#run, scan);
        } catch (error) {
          this.#markFailed(scan);
          throw error;
        }
        if (!this.#hasDefault) {
          this.#file.root.setString(ROOT.default, name);
          this.#hasDefault = true;
        }
        this.#file.flush();
      });
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.resolve();
  }

  /** Best effort: a repetition whose write failed half-way says `error`. */
  #markFailed(scan: ScanRecord): void {
    try {
      const entry = this.#file.root.group(
        scan.name || scanGroupName(scan.index),
      );
      entry?.setString(SCAN.status, "error");
      this.#file.flush();
    } catch {
      // the original failure is what the caller needs to see
    }
  }

  /**
   * Sets the final status, end time and message, closes the file and renames
   * `<path>.partial` to `<path>`; returns the final path.
   */
  async close(options: CloseOptions): Promise<string> {
    if (this.#closed) {
      throw new ScanFileError(this.path, "closed twice");
    }
    this.#closed = true;
    try {
      wrap(this.partialPath, () => {
        const root = this.#file.root;
        root.setString(ROOT.status, options.status);
        root.setString(ROOT.endTime, options.endTime);
        root.setString(ROOT.message, options.message ?? "");
      });
    } finally {
      wrap(this.partialPath, () => this.#file.close());
    }
    return await this.#publish();
  }

  /**
   * Gives the closed `.partial` its final name without ever replacing what
   * is there: a hard link fails on any existing name (a file created there
   * meanwhile, a planted symlink), and then the next free `_N` name is
   * taken. Returns the name used ({@link renamedFrom} says when it moved).
   */
  async #publish(): Promise<string> {
    if (this.#overwrite) {
      // asked for: the file replaces what is at its name
      await this.#move(() => Deno.rename(this.partialPath, this.path));
      return this.path;
    }
    for (let n = 1; n < 1000; n++) {
      const target = n === 1 ? this.path : numbered(this.path, n);
      try {
        await Deno.link(this.partialPath, target);
      } catch (error) {
        if (error instanceof Deno.errors.AlreadyExists) continue;
        throw this.#renameError(target, error);
      }
      await this.#move(() => Deno.remove(this.partialPath));
      if (target !== this.path) this.renamedFrom = this.path;
      return target;
    }
    throw new ScanFileError(
      this.partialPath,
      `cannot rename: ${this.path} and its _2 … _999 names are all taken`,
    );
  }

  async #move(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      throw this.#renameError(this.path, error);
    }
  }

  #renameError(target: string, error: unknown): ScanFileError {
    const why = error instanceof Error ? error.message : String(error);
    return new ScanFileError(
      this.partialPath,
      `cannot rename to ${target}: ${why}`,
    );
  }
}

/** `…/fws01_x.h5` → `…/fws01_x_N.h5`. */
function numbered(path: string, n: number): string {
  return path.replace(/(\.h5)?$/, `_${n}$1`);
}

/**
 * Writes a whole run at once: create, every scan, close with `run.status`,
 * `run.endTime` and `run.message`; returns the final path.
 */
export async function writeScanFile(
  path: string,
  run: ScanRun,
  options: CreateOptions = {},
): Promise<string> {
  const writer = await ScanFileWriter.create(path, run, options);
  return await writer.close({
    status: run.status,
    endTime: run.endTime,
    message: run.message,
  });
}
