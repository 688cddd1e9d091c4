/**
 * A Worker of {@link ReadPool}: reads scan files with the scan-file reader,
 * one at a time, and answers with their summaries (the run without its
 * waveforms, which the catalog does not keep). Holds read permission only.
 * Messages: `{ id, path }` → `{ id, run }` or `{ id, error }`.
 *
 * @module
 */
import { readScanFile } from "../hdf5/mod.ts";
import { withoutData } from "./read_pool.ts";
import type { ReadReply, ReadRequest } from "./read_pool.ts";

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<ReadRequest>) => void) | null;
  postMessage(reply: ReadReply): void;
};

let queue: Promise<void> = Promise.resolve();

scope.onmessage = (e) => {
  const { id, path } = e.data;
  // one file at a time: the HDF5 module is one state per thread
  queue = queue.then(async () => {
    try {
      scope.postMessage({ id, run: withoutData(await readScanFile(path)) });
    } catch (error) {
      scope.postMessage({
        id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  });
};
