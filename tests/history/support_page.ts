/**
 * The data directory the history page tests serve: six small files of
 * scanner 3 an hour apart (users alternating, two repetitions each), an
 * aborted request of scanner 5 whose comment a spreadsheet would run as a
 * formula, and a fork file; catalogued, with the first file marked as the
 * reference.
 *
 * @module
 */
import { writeScanFile } from "../../lib/hdf5/mod.ts";
import { markReference, ScanCatalog } from "../../lib/history/mod.ts";
import { makeForkRun, makeRun } from "../hdf5/fixtures.ts";
import { writeFiles } from "./support.ts";

/** What {@link historyDir} wrote. */
export interface HistoryDir {
  dir: string;
  /** The six scanner-3 files, oldest first. */
  files: string[];
  /** The aborted scanner-5 file. */
  aborted: string;
  /** The fork file (scanner 3, newest of all). */
  fork: string;
}

/** Writes and catalogues the directory (see the module doc). */
export async function historyDir(): Promise<HistoryDir> {
  const dir = await Deno.makeTempDir({ prefix: "fws_history_page_" });
  const files = await writeFiles(dir, 6, { scans: 2 });
  const aborted = makeRun(1, { steps: 11, samples: 4 });
  aborted.scannerIndex = 5;
  aborted.status = "aborted";
  aborted.message = "IOC stopped answering";
  aborted.user = "carol";
  aborted.comment = '=HYPERLINK("x"), beam lost';
  aborted.startTime = "2027-01-15T12:30:00.000Z";
  aborted.scans[0].startTime = aborted.startTime;
  const abortedPath = await writeScanFile(`${dir}/fws05_aborted.h5`, aborted);
  const fork = makeForkRun();
  fork.startTime = "2027-01-16T09:00:00.000Z";
  fork.scans[0].startTime = fork.startTime;
  const forkPath = await writeScanFile(`${dir}/fws03_fork.h5`, fork);
  const catalog = ScanCatalog.open(dir);
  try {
    await catalog.rebuild(dir, { workers: 0 });
  } finally {
    catalog.close();
  }
  await markReference(dir, files[0]);
  return { dir, files, aborted: abortedPath, fork: forkPath };
}
