/**
 * Test helper: writes `<path>.partial` with N scans through ScanFileWriter,
 * prints "ready" and waits to be killed (never closes the file).
 *
 * Usage: crash_writer.ts <path> <scans>
 *
 * @module
 */
import { ScanFileWriter } from "../../../lib/hdf5/mod.ts";
import { makeRun } from "../fixtures.ts";

const [path, count] = Deno.args;
const run = makeRun(Number(count));
const writer = await ScanFileWriter.create(path, {
  ...run,
  scans: [],
  status: "running",
  endTime: "",
});
for (const scan of run.scans) await writer.writeScan(scan);
console.log("ready");
setInterval(() => {}, 1000); // keep the file open until killed
