/**
 * Test helper: reads a scan file and prints a one-line JSON summary, or the
 * error message; run with read-only permissions to prove the reader needs no
 * write access.
 *
 * Usage: read_summary.ts <file.h5>
 *
 * @module
 */
import { readScanFile } from "../../../lib/hdf5/mod.ts";

try {
  const run = await readScanFile(Deno.args[0]);
  console.log(JSON.stringify({
    status: run.status,
    scans: run.scans.length,
    sigma: run.scans[0]?.fits.PDB?.sigma ?? null,
  }));
} catch (error) {
  console.log(JSON.stringify({
    error: error instanceof Error
      ? `${error.name}: ${error.message}`
      : String(error),
  }));
}
