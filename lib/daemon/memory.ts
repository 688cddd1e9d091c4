/**
 * Keeping the daemon's peak memory low with large fly waveforms (1e6
 * samples and more): the fit and the file writer leave large typed arrays
 * behind, and V8 collects them lazily. {@link releaseMemory} runs a full
 * garbage collection right away when the data were large.
 *
 * @module
 */
import v8 from "node:v8";
import vm from "node:vm";

/** Samples above which a collection is worth its few milliseconds. */
export const LARGE_SAMPLES = 200_000;

let gc: (() => void) | null | undefined;

function collector(): (() => void) | null {
  if (gc !== undefined) return gc;
  try {
    v8.setFlagsFromString("--expose-gc");
    const fn = vm.runInNewContext("gc");
    gc = typeof fn === "function" ? fn as () => void : null;
  } catch {
    gc = null;
  }
  return gc;
}

/** Collects garbage now when `samples` is large; a no-op otherwise. */
export function releaseMemory(samples: number): void {
  if (samples < LARGE_SAMPLES) return;
  collector()?.();
}
