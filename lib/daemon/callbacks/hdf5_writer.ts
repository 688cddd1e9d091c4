/**
 * `HDF5WriterCallback`: one scan file per request. The file is created when
 * the request starts, each finished repetition is written with its fits as
 * soon as they are computed (so an abort or a dead IOC leaves everything
 * acquired so far), and the file is closed with the request's outcome —
 * `completed`, or `aborted` with the reason when the request did not
 * complete — and announced as a `fileClosed` event.
 *
 * A write that fails (the data directory full, read-only, gone) is never
 * only a log line: the broken file is replaced by a valid one holding every
 * repetition written before the fault, marked `error` (or, when the data
 * directory cannot take even that, the whole request goes to the spill
 * directory), and a `fileFailed` event tells the bridge to stop the
 * request, with the cause, what was not saved and where the rest is.
 *
 * @module
 */
import type {
  CallbackContext,
  ScanCallback,
  ScanEvent,
} from "../../scan/events.ts";
import type {
  ErrorBudget,
  ModelChoice,
  PointRejection,
  ScanRecord,
  ScanRun,
  ScanStatus,
  WireFit,
  WireSpec,
} from "../../scan/model.ts";
import { dirname } from "node:path";
import { log } from "../../log.ts";
import { releaseMemory } from "../memory.ts";
import { freeScanFilePath } from "../../hdf5/mod.ts";
import { isoNow } from "../../scan/runner.ts";
import { storageCause, storageProblem } from "../storage.ts";

/** The writer the callback drives (`ScanFileWriter` from lib/hdf5). */
export interface ScanFileSink {
  /** The file while it is written (`<path>.partial`). */
  readonly partialPath: string;
  writeScan(scan: ScanRecord): Promise<void>;
  close(
    options: { status: ScanStatus; endTime: string; message?: string },
  ): Promise<string>;
  /** Set by `close` when the final name was taken: the name intended. */
  readonly renamedFrom?: string;
}

/** Opens a writer (`ScanFileWriter.create`). */
export type ScanFileOpener = (
  path: string,
  run: ScanRun,
) => Promise<ScanFileSink>;

/** Writes each request to an HDF5 file under the data directory. */
export class HDF5WriterCallback implements ScanCallback {
  readonly name = "hdf5-writer";
  readonly #dataDir: string;
  readonly #open: ScanFileOpener;
  readonly #spillDir?: string;
  readonly #wires?: readonly WireSpec[];
  readonly #log = log("daemon", "hdf5");
  #writer?: ScanFileSink;
  #run?: Readonly<ScanRun>;
  readonly #maxHeldBytes: number;
  /** The repetitions written so far (kept until the request's file is safe). */
  #written: ScanRecord[] = [];
  /** Bytes of waveforms in {@link #written}. */
  #heldBytes = 0;
  /** Written repetitions no longer held in memory (beyond the limit). */
  #released: string[] = [];
  /** After a fault: where the request's data are, or "" when nowhere. */
  #saved?: string;

  /**
   * @param dataDir directory of the scan files
   * @param options `open` creates a writer; `spillDir` takes the data the
   *   data directory cannot; `maxHeldBytes` bounds the written repetitions
   *   held in memory to rebuild the file after a fault (default 512 MiB);
   *   `wires`: the fork's wire table, written into each file when it has
   *   several wires
   */
  constructor(
    dataDir: string,
    options: {
      open: ScanFileOpener;
      spillDir?: string;
      maxHeldBytes?: number;
      wires?: readonly WireSpec[];
    },
  ) {
    this.#dataDir = dataDir;
    this.#open = options.open;
    this.#spillDir = options.spillDir;
    this.#wires = options.wires && options.wires.length > 1
      ? options.wires
      : undefined;
    this.#maxHeldBytes = options.maxHeldBytes ?? MAX_HELD_BYTES;
  }

  /**
   * Creates the file on `requestStarted`, writes each repetition with its
   * fits on `fitsComputed`, and closes the file on `requestFinished`,
   * emitting `fileClosed` (also when no file could be written).
   */
  async handle(event: ScanEvent, context: CallbackContext): Promise<void> {
    switch (event.type) {
      case "requestStarted": {
        this.#writer = undefined;
        this.#run = this.#wires
          ? { ...event.run, wires: [...this.#wires] }
          : event.run;
        this.#written = [];
        this.#heldBytes = 0;
        this.#released = [];
        this.#saved = undefined;
        try {
          await Deno.mkdir(this.#dataDir, { recursive: true });
          const path = this.#pathIn(this.#dataDir);
          this.#writer = await this.#open(path, this.#run);
          this.#log.info("writing {path}", { path });
        } catch (error) {
          const cause = storageProblem(this.#dataDir) ?? storageCause(error);
          this.#saved = "";
          this.#fail(context, `${cause}: ${this.#dataDir} (no file created)`);
        }
        break;
      }
      case "fitsComputed": {
        const record: ScanRecord = {
          ...event.record,
          fits: event.fits,
          ...(event.wires
            ? { wireFits: event.wires as Record<string, WireFit[]> }
            : {}),
          ...(event.shapes ? { beamShapes: event.shapes } : {}),
          ...(event.models
            ? { modelFits: event.models as Record<string, ModelChoice> }
            : {}),
          ...(event.rejections
            ? {
              rejections: event.rejections as Record<string, PointRejection>,
            }
            : {}),
          ...(event.budgets
            ? { errorBudgets: event.budgets as Record<string, ErrorBudget> }
            : {}),
        };
        if (this.#saved !== undefined || !this.#writer) return;
        try {
          await this.#writer.writeScan(record);
          // a file unlinked with its directory still takes writes: look
          Deno.statSync(this.#writer.partialPath);
          // and an open file still takes writes in a directory turned
          // read-only (a read-only bind mount, a permission change), where
          // the file could not be finalised: stop now, not at the end
          const problem = storageProblem(dirname(this.#writer.partialPath), 0);
          if (problem) throw new Error(problem);
          this.#hold(record);
        } catch (error) {
          await this.#recover(record, error, context);
          return;
        }
        releaseMemory(
          Object.values(event.record.struck)[0]?.data.length ?? 0,
        );
        break;
      }
      case "requestFinished": {
        const writer = this.#writer;
        this.#writer = undefined;
        let path = this.#saved ?? "";
        let note: string | undefined;
        let written: ScanRun | undefined;
        try {
          if (!writer) return;
          const status: ScanStatus = event.status === "completed"
            ? "completed"
            : "aborted";
          const end = {
            status,
            endTime: event.endTime,
            message: event.status === "completed" ? "" : event.message,
          };
          try {
            path = await writer.close(end);
            if (this.#released.length === 0 && this.#run) {
              written = { ...this.#run, ...end, scans: this.#written };
            }
            this.#log.info("closed {path} ({status})", { path, status });
            if (writer.renamedFrom) {
              note =
                `${writer.renamedFrom} appeared during the request and was left alone`;
              this.#log.warn("{note}; the request's file is {path}", {
                note,
                path,
              });
            }
          } catch (error) {
            // e.g. the directory was removed: the rename cannot happen
            this.#writer = writer;
            await this.#recover(undefined, error, context);
            path = this.#saved ?? "";
          }
        } finally {
          this.#written = [];
          context.emit({
            type: "fileClosed",
            path,
            ...(note ? { note } : {}),
            ...(written && path ? { written } : {}),
          });
        }
        break;
      }
    }
  }

  /**
   * Keeps a written repetition to rebuild the file from after a fault; past
   * the limit the oldest are let go (they are in the file on disk).
   */
  #hold(record: ScanRecord): void {
    this.#written.push(record);
    this.#heldBytes += waveformBytes(record);
    while (this.#heldBytes > this.#maxHeldBytes && this.#written.length > 1) {
      const old = this.#written.shift()!;
      this.#heldBytes -= waveformBytes(old);
      this.#released.push(old.name);
    }
  }

  #pathIn(dir: string): string {
    const run = this.#run!;
    return freeScanFilePath(dir, run.scannerIndex, new Date(run.startTime));
  }

  #fail(context: CallbackContext, message: string): void {
    this.#log.error("{message}", { message });
    context.emit({ type: "fileFailed", message });
  }

  /**
   * A repetition could not be written: the broken file gives way to a valid
   * one with the repetitions written before (status `error`); when the data
   * directory cannot take even that, the whole request goes to the spill
   * directory. The request is then stopped with a message saying why.
   */
  async #recover(
    lost: ScanRecord | undefined,
    error: unknown,
    context: CallbackContext,
  ): Promise<void> {
    const broken = this.#writer!;
    this.#writer = undefined;
    const cause = storageProblem(this.#dataDir) ?? storageCause(error);
    const why = `${cause}: ${this.#dataDir}`;
    await broken.close({ status: "error", endTime: isoNow(), message: why })
      .catch(() => {}); // the broken file cannot be finalised: replaced below
    // repetitions no longer in memory live only in the broken file: keep it
    const released = this.#released;
    let kept = "";
    if (released.length === 0) {
      await Deno.remove(broken.partialPath).catch(() => {});
    } else {
      kept = broken.partialPath.replace(/\.partial$/, ".damaged");
      await Deno.rename(broken.partialPath, kept).catch(() => kept = "");
      this.#log.error(
        "{scans} are only in the damaged file {file} (beyond the memory held)",
        { scans: released.join(", "), file: kept || broken.partialPath },
      );
    }
    const written = this.#written;
    const onlyDamaged = released.length > 0
      ? `${nameRange(released)} only in the damaged ${
        kept || broken.partialPath
      }; `
      : "";
    const notSaved = lost ? `${lost.name} not saved; ` : "";
    const rewritten = await this.#writeAll(this.#dataDir, written, why, {
      create: false,
    });
    if (rewritten) {
      this.#saved = rewritten;
      return this.#fail(
        context,
        `${why} (${notSaved}${onlyDamaged}${
          scanRange(written)
        } in ${rewritten})`,
      );
    }
    const all = lost ? [...written, lost] : written;
    if (this.#spillDir) {
      const spilled = await this.#writeAll(this.#spillDir, all, why, {
        create: true,
      });
      if (spilled) {
        this.#saved = spilled;
        return this.#fail(
          context,
          `${why} (${onlyDamaged}${
            scanRange(all)
          } saved to the spill directory: ${spilled})`,
        );
      }
    }
    this.#saved = "";
    this.#fail(
      context,
      `${why} (${onlyDamaged}${
        scanRange(all)
      } NOT SAVED: no directory takes them)`,
    );
  }

  /**
   * One valid file of `scans` in `dir`, status `error`; its path or "". A
   * data directory that is gone is not made again (it may be an unmounted
   * disk); the spill directory is.
   */
  async #writeAll(
    dir: string,
    scans: ScanRecord[],
    message: string,
    options: { create: boolean },
  ): Promise<string> {
    let writer: ScanFileSink | undefined;
    try {
      if (options.create) await Deno.mkdir(dir, { recursive: true });
      writer = await this.#open(this.#pathIn(dir), this.#run!);
      for (const scan of scans) await writer.writeScan(scan);
      return await writer.close({
        status: "error",
        endTime: isoNow(),
        message,
      });
    } catch (error) {
      this.#log.error("could not write the request to {dir}: {error}", {
        dir,
        error: storageCause(error),
      });
      if (writer) {
        await writer.close({ status: "error", endTime: isoNow(), message })
          .catch(() => {});
        await Deno.remove(writer.partialPath).catch(() => {});
      }
      return "";
    }
  }
}

/** Written repetitions held in memory at most, by default (bytes). */
export const MAX_HELD_BYTES = 512 * 1024 * 1024;

/** Bytes of a record's waveforms. */
function waveformBytes(record: ScanRecord): number {
  let n = 0;
  for (const w of Object.values(record.struck)) n += w.data.byteLength;
  for (const w of Object.values(record.iops)) n += w.data.byteLength;
  return n;
}

/** `scan_001–scan_004`, `scan_001`, or `no scan`. */
function scanRange(scans: readonly ScanRecord[]): string {
  return nameRange(scans.map((s) => s.name));
}

function nameRange(names: readonly string[]): string {
  if (names.length === 0) return "no scan";
  if (names.length === 1) return names[0];
  return `${names[0]}–${names.at(-1)}`;
}
