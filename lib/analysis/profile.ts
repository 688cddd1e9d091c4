/**
 * The one definition of "the profile" of a scan: signal of one struck channel
 * versus position from one IOPS channel. Used by the fit callback, the HDF5
 * writer's NXdata groups, `fws inspect` and the plot page.
 *
 * @module
 */
import type { ScanRecord, Waveform } from "../scan/model.ts";

/** Signal versus position, non-finite pairs removed. */
export interface Profile {
  /** Position [mm] (IOPS channel, or motor readback). */
  x: Float64Array;
  /** Signal (struck channel units). */
  y: Float64Array;
}

/** Number of rows and samples per row of a waveform (1-D → one sample per row). */
function rowsOf(w: Waveform): { rows: number; cols: number } {
  if (w.shape.length >= 2) {
    const rows = w.shape[0];
    return { rows, cols: rows > 0 ? Math.floor(w.data.length / rows) : 0 };
  }
  return { rows: w.data.length, cols: 1 };
}

/** Mean of row `i` of a row-major waveform. */
function rowMean(w: Waveform, cols: number, i: number): number {
  if (cols === 0) return NaN;
  let s = 0;
  const start = i * cols;
  for (let k = start; k < start + cols; k++) s += w.data[k];
  return s / cols;
}

/** Keeps only the pairs where both values are finite. */
function finitePairs(x: Float64Array, y: Float64Array): Profile {
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isFinite(x[i]) && Number.isFinite(y[i])) n++;
  }
  if (n === x.length) return { x, y };
  const fx = new Float64Array(n);
  const fy = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isFinite(x[i]) && Number.isFinite(y[i])) {
      fx[j] = x[i];
      fy[j++] = y[i];
    }
  }
  return { x: fx, y: fy };
}

/**
 * The profile of one struck channel against one IOPS channel.
 *
 * - step mode: `y[i]` is the mean of struck row `i`; `x[i]` is the mean of
 *   IOPS row `i`, or `positionsReadback[i]` when that IOPS channel is absent;
 * - fly mode: `x` is the IOPS samples and `y` the struck samples, truncated
 *   to the shorter of the two.
 *
 * Pairs where either value is not finite are dropped.
 *
 * @throws {Error} when the struck channel is absent, or (fly mode) the IOPS
 *   channel is absent; the message names the channel and the ones present.
 *
 * @example
 * ```ts
 * const { x, y } = profileOf(scan, "PDB", "ch1");
 * const fit = fitGaussian(x, y);
 * ```
 */
export function profileOf(
  scan: ScanRecord,
  struck: string,
  iops: string,
): Profile {
  const s = scan.struck[struck];
  if (!s) {
    throw new Error(
      `struck channel '${struck}' is not in ${scan.name}; expected one of: ${
        Object.keys(scan.struck).join(", ") || "(none)"
      }`,
    );
  }
  const p = scan.iops[iops];
  if (scan.mode === "fly") {
    if (!p) {
      throw new Error(
        `IOPS channel '${iops}' is not in fly scan ${scan.name}; expected one of: ${
          Object.keys(scan.iops).join(", ") || "(none)"
        }`,
      );
    }
    const n = Math.min(p.data.length, s.data.length);
    return finitePairs(p.data.subarray(0, n), s.data.subarray(0, n));
  }
  const sr = rowsOf(s);
  let n = sr.rows;
  let x: Float64Array;
  if (p) {
    const pr = rowsOf(p);
    n = Math.min(n, pr.rows);
    x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = rowMean(p, pr.cols, i);
  } else {
    n = Math.min(n, scan.positionsReadback.length);
    x = scan.positionsReadback.slice(0, n);
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = rowMean(s, sr.cols, i);
  return finitePairs(x, y);
}
