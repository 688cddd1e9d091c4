import {
  fitGaussian,
  fitProfile,
  profileOf,
  SEM_WEIGHTING,
} from "../../lib/analysis/mod.ts";
import type { ScanRecord, Waveform } from "../../lib/scan/model.ts";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertThrows,
} from "../support/assert.ts";
import { Rng } from "./fit_cases.ts";

function wf(rows: number[][] | number[], units = "V"): Waveform {
  if (Array.isArray(rows[0])) {
    const r = rows as number[][];
    return {
      data: Float64Array.from(r.flat()),
      shape: [r.length, r[0].length],
      units,
    };
  }
  return {
    data: Float64Array.from(rows as number[]),
    shape: [rows.length],
    units,
  };
}

function scan(partial: Partial<ScanRecord>): ScanRecord {
  return {
    name: "scan_001",
    index: 1,
    mode: "step",
    direction: "forward",
    startTime: "2026-11-23T23:00:00Z",
    endTime: "",
    status: "completed",
    positionsPlanned: new Float64Array(),
    positionsReadback: new Float64Array(),
    timestamps: new Float64Array(),
    stepIndex: new Int32Array(),
    struck: {},
    iops: {},
    idc: {},
    beam: {},
    fits: {},
    ...partial,
  };
}

Deno.test("profileOf: step mode averages each row of struck and IOPS", () => {
  const s = scan({
    struck: { PDB: wf([[1, 3], [4, 6], [10, 20]]) },
    iops: { ch1: wf([[0.9, 1.1], [2, 2], [2.5, 3.5]], "mm") },
    positionsReadback: Float64Array.from([7, 8, 9]),
  });
  const p = profileOf(s, "PDB", "ch1");
  assertEquals(p.x, Float64Array.from([1, 2, 3]));
  assertEquals(p.y, Float64Array.from([2, 5, 15]));
});

Deno.test("profileOf: step mode falls back to the motor readback without that IOPS channel", () => {
  const s = scan({
    struck: { PDB: wf([[1, 3], [4, 6], [10, 20], [0, 0]]) },
    iops: { ch1: wf([[0, 0]]) },
    positionsReadback: Float64Array.from([7, 8, 9]),
  });
  const p = profileOf(s, "PDB", "ch2");
  assertEquals(p.x, Float64Array.from([7, 8, 9])); // truncated to the shorter
  assertEquals(p.y, Float64Array.from([2, 5, 15]));
});

Deno.test("profileOf: step mode with one sample per step (1-D struck)", () => {
  const s = scan({
    struck: { PDT: wf([5, 6, 7]) },
    positionsReadback: Float64Array.from([1, 2, 3]),
  });
  const p = profileOf(s, "PDT", "ch1");
  assertEquals(p.y, Float64Array.from([5, 6, 7]));
});

Deno.test("profileOf: fly mode pairs samples, truncated to the shorter", () => {
  const s = scan({
    mode: "fly",
    struck: { PDB: wf([1, 2, 3, 4, 5]) },
    iops: { ch1: wf([0.1, 0.2, 0.3], "mm") },
  });
  const p = profileOf(s, "PDB", "ch1");
  assertEquals(p.x, Float64Array.from([0.1, 0.2, 0.3]));
  assertEquals(p.y, Float64Array.from([1, 2, 3]));
});

Deno.test("profileOf drops non-finite pairs", () => {
  const fly = scan({
    mode: "fly",
    struck: { PDB: wf([1, NaN, 3, 4]) },
    iops: { ch1: wf([0.1, 0.2, Infinity, 0.4]) },
  });
  const p = profileOf(fly, "PDB", "ch1");
  assertEquals(p.x, Float64Array.from([0.1, 0.4]));
  assertEquals(p.y, Float64Array.from([1, 4]));
  const step = scan({
    struck: { PDB: wf([[1, NaN], [4, 6], [1, 1]]) },
    positionsReadback: Float64Array.from([1, 2, NaN]),
  });
  const q = profileOf(step, "PDB", "ch1");
  assertEquals(q.x, Float64Array.from([2]));
  assertEquals(q.y, Float64Array.from([5]));
});

Deno.test("profileOf names a missing channel and the ones present", () => {
  const s = scan({
    struck: { PDB: wf([1]) },
    mode: "fly",
    iops: { ch1: wf([1]) },
  });
  assertThrows(
    () => profileOf(s, "PDX", "ch1"),
    /struck channel 'PDX' is not in scan_001; expected one of: PDB/,
  );
  assertThrows(
    () => profileOf(s, "PDB", "ch3"),
    /IOPS channel 'ch3' is not in fly scan scan_001; expected one of: ch1/,
  );
});

Deno.test("profileOf: a step's standard error is its samples' std / √n", () => {
  const p = profileOf(
    scan({
      struck: { PDB: wf([[1, 3], [4, 6], [10, 20]]) },
      positionsReadback: Float64Array.from([1, 2, 3]),
    }),
    "PDB",
    "ch1",
  );
  // std of [1, 3] is √2, of [10, 20] √50; n = 2
  assertAlmostEquals(p.sem![0], 1, 1e-12);
  assertAlmostEquals(p.sem![2], 5, 1e-12);
  assertEquals(p.points, "mean of the step's 2 struck samples");
  assertEquals(
    profileOf(
      scan({
        struck: { PDB: wf([1, 2, 3]) },
        positionsReadback: Float64Array.from([1, 2, 3]),
      }),
      "PDB",
      "x",
    ).sem,
    undefined,
  );
});

/** A step scan of a Gaussian with `n` noisy samples per step of noise `sd`. */
function noisyStepScan(n: number, sd: (y: number) => number): ScanRecord {
  const rng = new Rng(7);
  const positions = Array.from({ length: 41 }, (_, i) => -4 + i * 0.2);
  const rows = positions.map((x) => {
    const y = 2 * Math.exp(-x * x / (2 * 0.8 * 0.8)) + 0.1;
    return Array.from({ length: n }, () => y + sd(y) * rng.normal());
  });
  return scan({
    struck: { PDB: wf(rows) },
    positionsReadback: Float64Array.from(positions),
  });
}

Deno.test("fitProfile: step points weighted by 1/sem² give a reduced χ² near 1", () => {
  // noise that grows with the signal: the weights matter
  const s = noisyStepScan(16, (y) => 0.02 + 0.05 * y);
  const { profile, fit } = fitProfile(s, "PDB", "x");
  assert(fit.ok, fit.message);
  assertEquals(fit.weighting, SEM_WEIGHTING);
  assertEquals(fit.points, profile.points);
  assert(fit.chi2Red > 0.4 && fit.chi2Red < 2.5, `χ²/ndf ${fit.chi2Red}`);
  // exactly the weighted fit of the profile
  const same = fitGaussian(profile.x, profile.y, {
    weights: profile.sem!.map((e) => 1 / (e * e)),
  });
  assertEquals(fit.center, same.center);
  assertEquals(fit.chi2Red, same.chi2Red);
  assertAlmostEquals(fit.center, 0, 0.05);
  assertAlmostEquals(fit.sigma, 0.8, 0.05);
});

Deno.test("fitProfile: points without an uncertainty claim no χ²", () => {
  // one sample per step; and steps whose samples do not spread at all
  for (const s of [noisyStepScan(1, () => 0.01), noisyStepScan(4, () => 0)]) {
    const { fit } = fitProfile(s, "PDB", "x");
    assert(fit.ok, fit.message);
    assertEquals(fit.weighting, "none");
    assert(Number.isNaN(fit.chi2Red), `chi2Red ${fit.chi2Red}`);
    assert(fit.residualRms >= 0, `residual RMS ${fit.residualRms}`);
  }
});
