/**
 * Scan runs for the HDF5 tests: deterministic, realistic (Gaussian profiles
 * with noise, two struck and two IOPS channels, context readings, fits).
 *
 * @module
 */
import { fitGaussian, fitProfile, profileOf } from "../../lib/analysis/mod.ts";
import { fitWireRegions } from "../../lib/analysis/wire_fit.ts";
import { errorBudget } from "../../lib/analysis/error_budget.ts";
import { beamShape } from "../../lib/analysis/beam_shape.ts";
import { checkWires } from "../../lib/pvmap/wires.ts";
import { forkSignal, simFork } from "../../lib/sim/fork.ts";
import { SeededRandom } from "../../lib/sim/beam.ts";
import {
  FILE_FORMAT,
  scanGroupName,
  type ScanRecord,
  type ScanRun,
} from "../../lib/scan/model.ts";

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options of {@link makeScan}. */
export interface ScanOptions {
  steps?: number;
  samples?: number;
  seed?: number;
  mode?: "step" | "fly";
  fit?: boolean;
}

/** One repetition with a Gaussian beam at 1.5 mm, sigma 0.8 mm. */
export function makeScan(index: number, options: ScanOptions = {}): ScanRecord {
  const steps = options.steps ?? 21;
  const samples = options.samples ?? 8;
  const mode = options.mode ?? "step";
  const random = rng(options.seed ?? index);
  const rows = mode === "step" ? steps : 1;
  const cols = mode === "step" ? samples : steps * samples;
  const planned = new Float64Array(steps).map((_, i) =>
    -5 + (10 * i) / (steps - 1)
  );
  const readback = planned.map((p) => p + (random() - 0.5) * 0.01);
  const t0 = 1_800_000_000 + index * 60;
  const pos = (r: number, c: number) =>
    mode === "step"
      ? readback[r] + (random() - 0.5) * 0.002
      : -5 + (10 * c) / (cols - 1);
  const ch1 = new Float64Array(rows * cols);
  const ch2 = new Float64Array(rows * cols);
  const pdb = new Float64Array(rows * cols);
  const pdt = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x = pos(r, c);
      const k = r * cols + c;
      ch1[k] = x;
      ch2[k] = x + 0.01;
      const g = Math.exp(-((x - 1.5) ** 2) / (2 * 0.8 ** 2));
      pdb[k] = 0.2 + 3 * g + (random() - 0.5) * 0.05;
      pdt[k] = 0.1 + 1.5 * g + (random() - 0.5) * 0.05;
    }
  }
  const shape = mode === "step" ? [rows, cols] : [cols];
  const scan: ScanRecord = {
    name: scanGroupName(index),
    index,
    mode,
    direction: index % 2 === 1 ? "forward" : "backward",
    startTime: new Date(t0 * 1000).toISOString(),
    endTime: new Date((t0 + 30) * 1000).toISOString(),
    status: "completed",
    positionsPlanned: mode === "step" ? planned : Float64Array.of(-5, 5),
    positionsReadback: mode === "step" ? readback : Float64Array.of(-5, 5),
    timestamps: new Float64Array(mode === "step" ? steps : 1).map((_, i) =>
      t0 + i * 0.5
    ),
    stepIndex: new Int32Array(mode === "step" ? steps : 1).map((_, i) => i),
    struck: {
      PDB: { data: pdb, shape, units: "V", samplePeriod: 1e-6 },
      PDT: { data: pdt, shape: [...shape], units: "V" },
    },
    iops: {
      ch1: { data: ch1, shape: [...shape], units: "mm", samplePeriod: 1e-5 },
      ch2: { data: ch2, shape: [...shape], units: "mm" },
    },
    idc: {
      current: {
        values: new Float64Array(mode === "step" ? steps : 1).fill(1.25),
        units: "mA",
      },
    },
    beam: {
      current: {
        values: new Float64Array(mode === "step" ? steps : 1).fill(2.5),
        units: "mA",
      },
      energy: {
        values: new Float64Array(mode === "step" ? steps : 1).fill(NaN),
        units: "MeV",
      },
    },
    fits: {},
  };
  if (options.fit ?? true) {
    for (const ch of ["PDB", "PDT"]) {
      const { x, y } = profileOf(scan, ch, "ch1");
      scan.fits[ch] = { ...fitGaussian(x, y), iopsChannel: "ch1" };
    }
  }
  return scan;
}

/** A run of `scans` repetitions. */
export function makeRun(scans = 3, options: ScanOptions = {}): ScanRun {
  return {
    fileFormat: FILE_FORMAT,
    scannerIndex: 3,
    testMode: true,
    user: "operator",
    comment: "unit test — µ, ü",
    startTime: "2027-01-15T10:00:00.000Z",
    endTime: "2027-01-15T10:05:00.000Z",
    source: { program: "fws", version: "0.1.0", host: "testhost" },
    scanArgs: {
      mode: options.mode ?? "step",
      start_pos: -5,
      end_pos: 4.5,
      n_steps: options.steps ?? 21,
      speed: 2.5,
      n_scans: scans,
      bidir: true,
    },
    status: "completed",
    message: "",
    scans: Array.from({ length: scans }, (_, i) => makeScan(i + 1, options)),
  };
}

/** A fresh temporary directory (removed by the caller). */
export function tempDir(): string {
  return Deno.makeTempDirSync({ prefix: "fws_hdf5_" });
}

/** A one-repetition fly run whose stroke crosses an x-u-y fork. */
export function makeForkRun(): ScanRun {
  const fork = simFork("xuy", { diameter: 0.05 });
  const wires = checkWires(fork.map((w) => ({
    name: w.name,
    angle: w.angle,
    offset: w.offset,
    diameter: w.diameter,
    window: [w.offset - 7, w.offset + 7],
  })));
  const run = makeRun(1, { mode: "fly", steps: 500, samples: 8 });
  const scan = run.scans[0];
  const n = scan.struck.PDB.data.length;
  const stage = Float64Array.from(
    { length: n },
    (_, i) => -30 + 60 * i / (n - 1),
  );
  const signal = (seed: number, amplitude: number) =>
    forkSignal(stage, {
      wires: fork,
      ellipse: {
        sigmaA: 1.2,
        sigmaB: 0.7,
        tilt: 20,
        centerX: 0.3,
        centerY: -0.2,
      },
      beam: { center: 0, sigma: 1, amplitude, background: 0.05, noise: 0.01 },
      beamOn: true,
      random: new SeededRandom(seed),
    });
  scan.iops.ch1 = { ...scan.iops.ch1, data: stage };
  // the second readout of the same stage, ±1 µm apart
  scan.iops.ch2 = {
    ...scan.iops.ch1,
    data: stage.map((v, i) => v + (i % 2 ? 1e-3 : -1e-3)),
  };
  scan.struck.PDB = { ...scan.struck.PDB, data: signal(1, 1) };
  scan.struck.PDT = { ...scan.struck.PDT, data: signal(2, 0.6) };
  scan.wireFits = {};
  scan.beamShapes = {};
  for (const ch of ["PDB", "PDT"]) {
    scan.fits[ch] = { ...fitProfile(scan, ch, "ch1").fit, iopsChannel: "ch1" };
    const profile = profileOf(scan, ch, "ch1");
    // each wire's σ floor with its own size, as the daemon records it
    const perWire = fitWireRegions(profile, wires).map((
      { fit: w, region },
      k,
    ) => ({
      ...w,
      budget: errorBudget(scan, region, w.fit, {
        iops: "ch1",
        diameter: w.diameter,
        scale: wires[k].scale,
      }),
    }));
    scan.wireFits[ch] = perWire;
    scan.beamShapes[ch] = beamShape(perWire.map((w) => ({
      angle: w.angle,
      sigma: w.sigmaBeam,
      sigmaErr: w.sigmaBeamErr,
    })));
  }
  run.wires = wires;
  return run;
}
