/**
 * `HDF5WriterCallback`: one scan file per request. The file is created when
 * the request starts, each finished repetition is written with its fits as
 * soon as they are computed (so an abort or a dead IOC leaves everything
 * acquired so far), and the file is closed with the request's outcome —
 * `completed`, or `aborted` with the reason when the request did not
 * complete — and announced as a `fileClosed` event.
 *
 * @module
 */
import type {
  CallbackContext,
  ScanCallback,
  ScanEvent,
} from "../../scan/events.ts";
import type { ScanRecord, ScanRun, ScanStatus } from "../../scan/model.ts";
import { log } from "../../log.ts";
import { releaseMemory } from "../memory.ts";
import { freeScanFilePath } from "../../hdf5/mod.ts";

/** The writer the callback drives (`ScanFileWriter` from lib/hdf5). */
export interface ScanFileSink {
  writeScan(scan: ScanRecord): Promise<void>;
  close(
    options: { status: ScanStatus; endTime: string; message?: string },
  ): Promise<string>;
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
  readonly #log = log("daemon", "hdf5");
  #writer?: ScanFileSink;

  /**
   * @param dataDir directory of the scan files
   * @param options `open` creates a writer
   */
  constructor(dataDir: string, options: { open: ScanFileOpener }) {
    this.#dataDir = dataDir;
    this.#open = options.open;
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
        await Deno.mkdir(this.#dataDir, { recursive: true });
        const start = new Date(event.run.startTime);
        const path = freeScanFilePath(
          this.#dataDir,
          event.run.scannerIndex,
          start,
        );
        this.#writer = await this.#open(path, event.run);
        this.#log.info("writing {path}", { path });
        break;
      }
      case "fitsComputed":
        if (!this.#writer) return;
        await this.#writer.writeScan({ ...event.record, fits: event.fits });
        releaseMemory(
          Object.values(event.record.struck)[0]?.data.length ?? 0,
        );
        break;
      case "requestFinished": {
        const writer = this.#writer;
        this.#writer = undefined;
        let path = "";
        try {
          if (!writer) return;
          const status: ScanStatus = event.status === "completed"
            ? "completed"
            : "aborted";
          path = await writer.close({
            status,
            endTime: event.endTime,
            message: event.status === "completed" ? "" : event.message,
          });
          this.#log.info("closed {path} ({status})", { path, status });
        } finally {
          context.emit({ type: "fileClosed", path });
        }
        break;
      }
    }
  }
}
