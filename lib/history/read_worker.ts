/**
 * A Worker of {@link ReadPool}: reads scan files' summaries (`readScanSummary`:
 * the run without its waveforms, which the catalog does not keep), one at a
 * time. Holds read permission only.
 * Messages: `{ id, path }` → `{ id, run }` or `{ id, error }`.
 *
 * @module
 */
import { readScanSummary } from "../hdf5/mod.ts";
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
      scope.postMessage({ id, run: await readScanSummary(path) });
    } catch (error) {
      scope.postMessage({
        id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  });
};
