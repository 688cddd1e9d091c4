import { startPlotServer } from "../../plot.ts";
import { syntheticRun } from "./fixture.ts";
const t0 = performance.now();
const run = syntheticRun({ scans: 10, samples: 100000, abortLast: true });
console.log("gen ms", performance.now() - t0);
const s = await startPlotServer(run, {
  file: "fws01_20260101_000000.h5",
  struck: "PDB",
  iops: "ch1",
  scannerIndex: 1,
  port: 8765,
});
console.log(s.url);
