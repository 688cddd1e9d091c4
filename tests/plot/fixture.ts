/**
 * Synthetic scan runs for the plot tests: Gaussian beam profiles with noise
 * on two struck channels and two IOPS channels, fitted with the project's
 * own `fitGaussian` and stored as the daemon stores them (fit on ch1).
 *
 * @module
 */
import { fitGaussian, profileOf } from "../../lib/analysis/mod.ts";
import type {
  ScanRecord,
  ScanRun,
  ScanStatus,
  Waveform,
} from "../../lib/scan/model.ts";
import { FILE_FORMAT, scanGroupName } from "../../lib/scan/model.ts";

/** Options of {@link syntheticRun}. */
export interface SyntheticOptions {
  /** Repetitions (default 3). */
  scans?: number;
  /** "fly" (one trajectory of `samples`) or "step" (`steps` × `samples`). */
  mode?: "fly" | "step";
  /** Samples per channel (fly) or per step (step). Default 2000. */
  samples?: number;
  /** Steps in step mode (default 41). */
  steps?: number;
  /** Mark the last scan and the run as aborted (its data cut short). */
  abortLast?: boolean;
  seed?: number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 0x100000000);
  };
}

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

/** A run whose profiles are Gaussians (PDB: σ≈1.2 mm, PDT: σ≈2.0 mm). */
export function syntheticRun(options: SyntheticOptions = {}): ScanRun {
  const r = rng(options.seed ?? 42);
  const nScans = options.scans ?? 3;
  const mode = options.mode ?? "fly";
  const samples = options.samples ?? 2000;
  const steps = options.steps ?? 41;
  const scans: ScanRecord[] = [];
  for (let k = 1; k <= nScans; k++) {
    const aborted = options.abortLast === true && k === nScans;
    const backward = k % 2 === 0;
    const center = 0.3 + 0.05 * gauss(r);
    const rows = mode === "step"
      ? (aborted ? Math.floor(steps / 2) : steps)
      : 1;
    const cols = mode === "step"
      ? samples
      : (aborted ? Math.floor(samples / 2) : samples);
    const n = rows * cols;
    const pos = (i: number) => {
      const t = mode === "step"
        ? Math.floor(i / cols) / (steps - 1)
        : i / (samples - 1);
      const u = backward ? 1 - t : t;
      return -10 + 20 * u;
    };
    const mk = (f: (i: number) => number, units: string): Waveform => {
      const data = new Float64Array(n);
      for (let i = 0; i < n; i++) data[i] = f(i);
      return {
        data,
        shape: mode === "step" ? [rows, cols] : [cols],
        units,
        samplePeriod: 1e-6,
      };
    };
    const ch1 = mk((i) => pos(i) + 0.005 * gauss(r), "mm");
    const ch2 = mk((i) => 0.998 * pos(i) + 0.02 + 0.005 * gauss(r), "mm");
    const beam = (x: number, sigma: number, amp: number) =>
      amp * Math.exp(-0.5 * ((x - center) / sigma) ** 2) + 0.05;
    const pdb = mk((i) => beam(ch1.data[i], 1.2, 2.0) + 0.02 * gauss(r), "V");
    const pdt = mk((i) => beam(ch1.data[i], 2.0, 0.8) + 0.02 * gauss(r), "V");
    const planned = new Float64Array(mode === "step" ? steps : 2);
    for (let i = 0; i < planned.length; i++) {
      const t = i / (planned.length - 1);
      planned[i] = -10 + 20 * (backward ? 1 - t : t);
    }
    const readback = new Float64Array(rows);
    const timestamps = new Float64Array(rows);
    const stepIndex = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      readback[i] = mode === "step"
        ? planned[i] + 0.001 * gauss(r)
        : planned[0];
      timestamps[i] = 1.7e9 + k * 100 + i;
      stepIndex[i] = i;
    }
    const status: ScanStatus = aborted ? "aborted" : "completed";
    const scan: ScanRecord = {
      name: scanGroupName(k),
      index: k,
      mode,
      direction: backward ? "backward" : "forward",
      startTime: new Date(1.7e12 + k * 100000).toISOString(),
      endTime: new Date(1.7e12 + k * 100000 + 60000).toISOString(),
      status,
      positionsPlanned: planned,
      positionsReadback: readback,
      timestamps,
      stepIndex,
      struck: { PDB: pdb, PDT: pdt },
      iops: { ch1, ch2 },
      idc: {
        current: { values: new Float64Array(rows).fill(1.5), units: "mA" },
      },
      beam: {
        current: { values: new Float64Array(rows).fill(20), units: "mA" },
        energy: { values: new Float64Array(rows).fill(150), units: "MeV" },
      },
      fits: {},
    };
    for (const ch of ["PDB", "PDT"]) {
      const p = profileOf(scan, ch, "ch1");
      scan.fits[ch] = { ...fitGaussian(p.x, p.y), iopsChannel: "ch1" };
    }
    scans.push(scan);
  }
  const aborted = options.abortLast === true;
  return {
    fileFormat: FILE_FORMAT,
    scannerIndex: 1,
    testMode: true,
    user: "tester",
    comment: "synthetic",
    startTime: new Date(1.7e12).toISOString(),
    endTime: new Date(1.7e12 + nScans * 100000).toISOString(),
    source: { program: "fws", version: "test", host: "localhost" },
    scanArgs: {
      mode,
      start_pos: -10,
      end_pos: 10,
      nsteps: steps,
      nscans: nScans,
    },
    status: aborted ? "aborted" : "completed",
    message: aborted ? "aborted by the operator" : "",
    scans,
  };
}
