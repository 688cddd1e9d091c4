import { profileOf } from "../../lib/analysis/mod.ts";
import type { ScanRecord, Waveform } from "../../lib/scan/model.ts";
import { assertEquals, assertThrows } from "../support/assert.ts";

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
