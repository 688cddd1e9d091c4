/**
 * Helpers of the catalog tests: temp dirs of scan files and the field-by-field
 * comparison of a catalogued entry with what the reader returns.
 *
 * @module
 */
import { readScanFile, writeScanFile } from "../../lib/hdf5/mod.ts";
import type { CatalogEntry } from "../../lib/history/mod.ts";
import type { ScanRun } from "../../lib/scan/model.ts";
import { assert, assertEquals } from "../support/assert.ts";
import { makeRun } from "../hdf5/fixtures.ts";

/** A fresh temporary directory. */
export function tempDir(): string {
  return Deno.makeTempDirSync({ prefix: "fws_history_" });
}

/**
 * Writes `count` small scan files into `dir`, one hour apart from
 * `start`, users alternating; returns their paths.
 */
export async function writeFiles(
  dir: string,
  count: number,
  options: { start?: number; scans?: number } = {},
): Promise<string[]> {
  const start = options.start ?? Date.parse("2027-01-15T10:00:00Z");
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const run = makeRun(options.scans ?? 1, { steps: 11, samples: 4 });
    const t = start + i * 3_600_000;
    run.startTime = new Date(t).toISOString();
    run.endTime = new Date(t + 60_000).toISOString();
    run.user = i % 2 === 0 ? "alice" : "bob";
    run.comment = `shift ${i}`;
    run.scans.forEach((s, k) => {
      s.startTime = new Date(t + k * 10_000).toISOString();
    });
    const name = `fws03_${String(i).padStart(4, "0")}.h5`;
    paths.push(await writeScanFile(`${dir}/${name}`, run));
  }
  return paths;
}

/** The wire fits without their σ floors (which the catalog does not keep). */
function withoutBudgets(
  wireFits: NonNullable<ScanRun["scans"][number]["wireFits"]>,
): typeof wireFits {
  return Object.fromEntries(
    Object.entries(wireFits).map((
      [ch, list],
    ) => [ch, list.map(({ budget: _, ...w }) => w)]),
  );
}

/** Every catalogued field equals the reader's (waveforms aside). */
export function assertMatchesRun(
  entry: CatalogEntry | undefined,
  run: ScanRun,
  path: string,
): void {
  assert(entry, `${path} is not in the catalog`);
  assertEquals(entry.path, path);
  assertEquals(entry.name, path.split("/").at(-1));
  assertEquals({
    fileFormat: entry.fileFormat,
    scannerIndex: entry.scannerIndex,
    testMode: entry.testMode,
    user: entry.user,
    comment: entry.comment,
    startTime: entry.startTime,
    endTime: entry.endTime,
    source: entry.source,
    scanArgs: entry.scanArgs,
    status: entry.status,
    message: entry.message,
    wires: entry.wires,
  }, {
    fileFormat: run.fileFormat,
    scannerIndex: run.scannerIndex,
    testMode: run.testMode,
    user: run.user,
    comment: run.comment,
    startTime: run.startTime,
    endTime: run.endTime,
    source: run.source,
    scanArgs: run.scanArgs,
    status: run.status,
    message: run.message,
    wires: run.wires,
  });
  assertEquals(entry.repetitions, run.scans.length);
  assertEquals(
    entry.scans,
    run.scans.map((s) => ({
      name: s.name,
      index: s.index,
      mode: s.mode,
      direction: s.direction,
      startTime: s.startTime,
      endTime: s.endTime,
      status: s.status,
      fits: s.fits,
      // the σ floors stay in the file, as the channels' budgets do
      ...(s.wireFits ? { wireFits: withoutBudgets(s.wireFits) } : {}),
      ...(s.beamShapes ? { beamShapes: s.beamShapes } : {}),
    })),
  );
}

/** Reads `path` and checks the catalog's entry of it. */
export async function assertCatalogued(
  entry: CatalogEntry | undefined,
  path: string,
): Promise<void> {
  assertMatchesRun(entry, await readScanFile(path), path);
}

/** Removes a catalog file with its -wal and -shm, whichever exist. */
export function removeCatalog(path: string): void {
  for (const s of ["", "-wal", "-shm"]) {
    try {
      Deno.removeSync(path + s);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
}
