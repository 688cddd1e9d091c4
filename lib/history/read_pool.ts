/**
 * Reading many scan files at once for a rebuild: a few Workers
 * (`read_worker.ts`, read permission only) each read files with the
 * scan-file reader while the main thread writes the catalog. Reading is
 * what a rebuild spends its time on (h5wasm runs on one thread).
 *
 * @module
 */
import type { ScanRecord, ScanRun } from "../scan/model.ts";

/** A request to a read Worker. */
export interface ReadRequest {
  id: number;
  path: string;
}

/** A read Worker's answer. */
export type ReadReply = { id: number; run: ScanRun } | {
  id: number;
  error: string;
};

/** The run without its waveforms and readings (what the catalog keeps). */
export function withoutData(run: ScanRun): ScanRun {
  const none = new Float64Array(0);
  return {
    ...run,
    scans: run.scans.map((s): ScanRecord => ({
      ...s,
      positionsPlanned: none,
      positionsReadback: none,
      timestamps: none,
      stepIndex: new Int32Array(0),
      struck: {},
      iops: {},
      idc: {},
      beam: {},
    })),
  };
}

/** A read failed in a Worker; `message` is the reader's. */
export class PoolReadError extends Error {
  /** @param message the reader's message */
  constructor(message: string) {
    super(message);
    this.name = "PoolReadError";
  }
}

/** Workers reading scan files. */
export class ReadPool {
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<
    number,
    {
      resolve: (run: ScanRun) => void;
      reject: (e: Error) => void;
      worker: number;
    }
  >();
  /** Reads queued per Worker, not answered yet. */
  readonly #queued: number[] = [];
  #next = 0;

  /** @param size number of Workers (≥ 1) */
  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(
        new URL("./read_worker.ts", import.meta.url),
        {
          type: "module",
          deno: {
            permissions: {
              read: true,
              env: true,
              sys: true,
              write: false,
              net: false,
              run: false,
              ffi: false,
              import: false,
            },
          },
        } as WorkerOptions,
      );
      worker.onmessage = (e: MessageEvent<ReadReply>) => {
        const p = this.#pending.get(e.data.id);
        this.#pending.delete(e.data.id);
        if (!p) return;
        this.#queued[p.worker]--;
        if ("run" in e.data) p.resolve(e.data.run);
        else p.reject(new PoolReadError(e.data.error));
      };
      this.#workers.push(worker);
      this.#queued.push(0);
    }
  }

  /**
   * Reads the scan file at `path` (absolute) in one of the Workers, the one
   * with the fewest reads queued.
   */
  read(path: string): Promise<ScanRun> {
    const id = this.#next++;
    let w = 0;
    for (let i = 1; i < this.#queued.length; i++) {
      if (this.#queued[i] < this.#queued[w]) w = i;
    }
    this.#queued[w]++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, worker: w });
      this.#workers[w].postMessage({ id, path } satisfies ReadRequest);
    });
  }

  /** Stops the Workers; reads not answered yet are rejected. */
  close(): void {
    for (const w of this.#workers) w.terminate();
    for (const p of this.#pending.values()) {
      p.reject(new PoolReadError("the read pool was closed"));
    }
    this.#pending.clear();
  }
}
