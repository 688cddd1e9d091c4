/**
 * Development helper (not a test): serves a synthetic file of 10 scans ×
 * 2 struck channels × 1e5 samples (the speed scenario of the browser test)
 * on http://127.0.0.1:8765/ until Ctrl-C, for working on the islands:
 *
 *     deno task bundle && deno run -P=test tests/plot/dev_server.ts
 *
 * @module
 */
import { startPlotServer } from "../../plot.ts";
import { syntheticRun } from "./fixture.ts";

if (import.meta.main) {
  const run = syntheticRun({ scans: 10, samples: 100_000, abortLast: true });
  const server = await startPlotServer(run, {
    file: "fws01_20260101_000000.h5",
    struck: "PDB",
    iops: "ch1",
    scannerIndex: 1,
    port: Number(Deno.args[0] ?? 8765),
  });
  console.log(`serving a synthetic file at ${server.url} (Ctrl-C to stop)`);
  await new Promise<void>((resolve) =>
    Deno.addSignalListener("SIGINT", resolve)
  );
  await server.close();
}
