import { linspace, ScanPlanner } from "../../lib/scan/planner.ts";
import type { ScanConfig } from "../../lib/scan/config.ts";
import { assertEquals } from "../support/assert.ts";

const base: ScanConfig = {
  mode: "step",
  startPos: -1,
  endPos: 1,
  nSteps: 5,
  speed: 0,
  nScans: 3,
  settle: 0,
  bidir: false,
  user: "",
  comment: "",
  struckChannels: ["PDB"],
  iopsChannels: ["ch1"],
  fitModel: "gauss",
};

Deno.test("planner: step plan with repetitions, same direction", () => {
  const plan = new ScanPlanner().plan(base);
  assertEquals(plan.repetitions.length, 3);
  assertEquals(plan.totalUnits, 15);
  assertEquals(Array.from(plan.repetitions[1].positions), [
    -1,
    -0.5,
    0,
    0.5,
    1,
  ]);
  assertEquals(plan.repetitions.map((r) => r.name), [
    "scan_001",
    "scan_002",
    "scan_003",
  ]);
  assertEquals(plan.repetitions.map((r) => r.direction), [
    "forward",
    "forward",
    "forward",
  ]);
});

Deno.test("planner: BIDIR alternates direction", () => {
  const plan = new ScanPlanner().plan({ ...base, bidir: true });
  assertEquals(plan.repetitions.map((r) => r.direction), [
    "forward",
    "backward",
    "forward",
  ]);
  assertEquals(Array.from(plan.repetitions[1].positions), [
    1,
    0.5,
    0,
    -0.5,
    -1,
  ]);
  assertEquals([plan.repetitions[1].start, plan.repetitions[1].end], [1, -1]);
});

Deno.test("planner: fly plan is the trajectory", () => {
  const plan = new ScanPlanner().plan({
    ...base,
    mode: "fly",
    speed: 2,
    nScans: 2,
    bidir: true,
  });
  assertEquals(plan.totalUnits, 2);
  assertEquals(plan.speed, 2);
  assertEquals(Array.from(plan.repetitions[0].positions), [-1, 1]);
  assertEquals(Array.from(plan.repetitions[1].positions), [1, -1]);
});

Deno.test("planner: linspace hits both ends exactly", () => {
  const x = linspace(0.1, 0.7, 7);
  assertEquals(x[0], 0.1);
  assertEquals(x[6], 0.7);
  assertEquals(x.length, 7);
});
