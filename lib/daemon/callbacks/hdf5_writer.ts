/**
 * `HDF5WriterCallback`: one scan file per request. The file is created when
 * the request starts, each finished repetition is written at once (so an
 * abort or a dead IOC leaves everything acquired so far), and the file is
 * closed with the request's outcome — `completed`, or `aborted` with the
 * reason when the request did not complete.
 *
 * @module
 */
import type { ScanCallback, ScanEvent } from "../../scan/events.ts";
import type { ScanRecord, ScanRun, ScanStatus } from "../../scan/model.ts";
import type { StatusPublisher } from "../status.ts";
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
  readonly #status: StatusPublisher;
  readonly #log = log("daemon", "hdf5");
  #writer?: ScanFileSink;
  #path = "";
  /** Final path of the last file closed (empty when none). */
  lastFile = "";

  /**
   * @param dataDir directory of the scan files
   * @param options `open` creates a writer; `status` shows WRITING
   */
  constructor(
    dataDir: string,
    options: { open: ScanFileOpener; status: StatusPublisher },
  ) {
    this.#dataDir = dataDir;
    this.#open = options.open;
    this.#status = options.status;
  }

  /** Creates, appends to and closes the file as the request goes. */
  async handle(event: ScanEvent): Promise<void> {
    switch (event.type) {
      case "requestStarted": {
        this.lastFile = "";
        this.#writer = undefined;
        await Deno.mkdir(this.#dataDir, { recursive: true });
        const start = new Date(event.run.startTime);
        const path = freeScanFilePath(
          this.#dataDir,
          event.run.scannerIndex,
          start,
        );
        this.#path = path;
        this.#writer = await this.#open(path, event.run);
        this.#log.info("writing {path}", { path });
        break;
      }
      case "scanFinished":
        if (!this.#writer) return;
        this.#status.set({ state: "WRITING" });
        await this.#writer.writeScan(event.record);
        releaseMemory(
          Object.values(event.record.struck)[0]?.data.length ?? 0,
        );
        break;
      case "requestFinished": {
        if (!this.#writer) return;
        const writer = this.#writer;
        this.#writer = undefined;
        this.#status.set({ state: "WRITING" });
        const status: ScanStatus = event.status === "completed"
          ? "completed"
          : "aborted";
        this.lastFile = await writer.close({
          status,
          endTime: event.endTime,
          message: event.status === "completed" ? "" : event.message,
        });
        this.#log.info("closed {path} ({status})", {
          path: this.lastFile,
          status,
        });
        break;
      }
    }
  }

  /** The path being written (empty before the first request). */
  get currentPath(): string {
    return this.#path;
  }
}
