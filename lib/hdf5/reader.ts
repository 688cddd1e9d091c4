/**
 * The scan-file reader: returns the typed {@link ScanRun} of a file in the
 * fws layout, whether fws or another tool (h5py) wrote it — any chunking,
 * int/float widths, missing optional groups. Anything else gives one
 * {@link ScanFileError} naming the file and what is wrong. Needs read
 * permission only.
 *
 * @module
 */
import { resolve } from "node:path";
import type { ScanRun } from "../scan/model.ts";
import { ScanFileError } from "./errors.ts";
import { H5Error, H5File } from "./h5.ts";
import type { DatasetReader, GroupReader } from "./h5_read.ts";
import { superblockProblem } from "./superblock.ts";
import { DirectFile, DirectUnsupported } from "./direct/mod.ts";
import { h5Loaded, loadH5 } from "./h5_fs.ts";
import { bool, number, text } from "./fit_io.ts";
import { readWires } from "./fork_io.ts";
import { ARG_PREFIX, ROOT, SCAN_GROUP_PATTERN } from "./layout.ts";

import { type Depth, readRecord, status } from "./record_read.ts";
/** {@link Depth}, or a summary by the direct reader (`auto`: where it can). */
type ReadMode = Depth | "direct" | "auto";

function scanArgs(root: GroupReader): ScanRun["scanArgs"] {
  const json = root.attr(ROOT.scanArgs);
  if (json !== undefined) {
    try {
      const parsed = JSON.parse(text(json));
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
        return parsed;
      }
    } catch {
      // fall back to the per-argument attributes
    }
  }
  const args: ScanRun["scanArgs"] = {};
  for (const name of root.attrNames()) {
    if (!name.startsWith(ARG_PREFIX)) continue;
    const v = root.attr(name);
    args[name.slice(ARG_PREFIX.length)] =
      typeof v === "number" || typeof v === "boolean" ? v : text(v);
  }
  return args;
}

/**
 * Scan groups read from one file: ten times the most repetitions a request
 * can ask for (SCAN:NSCANS ≤ 100). A file with more (not one fws writes)
 * is read up to this many, in repetition order, and its message says how
 * many more it holds, so an absurd file opens in well under a second
 * instead of holding the reader for minutes.
 */
export const MAX_SCAN_GROUPS = 1000;

/** The file's message, with the scan groups left unread said after it. */
function omittedNote(message: string, omitted: number): string {
  if (omitted === 0) return message;
  const note = `this file holds ${
    (omitted + MAX_SCAN_GROUPS).toLocaleString("en")
  } scan groups, more than any request writes: the first ${
    MAX_SCAN_GROUPS.toLocaleString("en")
  } were read, ${omitted.toLocaleString("en")} more were not`;
  return message ? `${message}; ${note}` : note;
}

function readRun(path: string, root: GroupReader, depth: Depth): ScanRun {
  const format = root.attr(ROOT.fileFormat);
  const entries = new Map<string, GroupReader>();
  const listed = new Set(root.keys());
  const scanNames = [...listed].filter((k) => SCAN_GROUP_PATTERN.test(k))
    .sort((a, b) =>
      Number(SCAN_GROUP_PATTERN.exec(a)![1]) -
      Number(SCAN_GROUP_PATTERN.exec(b)![1])
    );
  const omitted = Math.max(0, scanNames.length - MAX_SCAN_GROUPS);
  for (const k of scanNames.slice(0, MAX_SCAN_GROUPS)) {
    const g = root.memberGroup(k);
    if (g) entries.set(k, g);
  }
  const names = [...entries.keys()];
  if (format === undefined && names.length === 0) {
    throw new ScanFileError(
      path,
      "is an HDF5 file but not an fws scan file (no file_format attribute, no scan_NNN groups); expected the fws-scan/1 layout",
    );
  }
  const fileFormat = text(format);
  if (format !== undefined && !/^fws-scan\/1(\.|$)/.test(fileFormat)) {
    throw new ScanFileError(
      path,
      `has file_format '${fileFormat}'; expected fws-scan/1`,
    );
  }
  const runStatus = status(root.attr(ROOT.status), "completed");
  const wires = readWires(root, listed);
  return {
    fileFormat,
    scannerIndex: number(root.attr(ROOT.scannerIndex), 0),
    testMode: bool(root.attr(ROOT.testMode)),
    user: text(root.attr(ROOT.user)),
    comment: text(root.attr(ROOT.comment)),
    startTime: text(root.attr(ROOT.startTime)),
    endTime: text(root.attr(ROOT.endTime)),
    source: {
      program: text(root.attr(ROOT.sourceProgram) ?? root.attr(ROOT.creator)),
      version: text(
        root.attr(ROOT.sourceVersion) ?? root.attr(ROOT.creatorVersion),
      ),
      host: text(root.attr(ROOT.sourceHost)),
    },
    scanArgs: scanArgs(root),
    status: runStatus,
    message: omittedNote(text(root.attr(ROOT.message)), omitted),
    ...(wires ? { wires } : {}),
    scans: names.map((n) =>
      readRecord(entries.get(n)!, n, runStatus, wires, depth)
    ),
  };
}

/**
 * Reads a scan file into a {@link ScanRun}.
 *
 * @throws {ScanFileError} for a missing, empty, truncated, non-HDF5 or
 *   foreign-layout file, or data fws cannot decode (e.g. LZF compression)
 *
 * @example
 * ```ts
 * const run = await readScanFile("fws03_20261123_220509.h5");
 * console.log(run.scans.length, run.scans[0].fits.PDB?.sigma);
 * ```
 */
export function readScanFile(path: string): Promise<ScanRun> {
  return read(path, "full");
}

/**
 * Reads what the scan catalog keeps of a scan file: the {@link ScanRun}
 * without its waveforms, motion vectors and readings (empty, as
 * `withoutData` in lib/history/read_pool.ts leaves them), equal to
 * `withoutData(await readScanFile(path))` and failing for the same files
 * with the same reasons — those datasets are checked to be numbers fws can
 * decode, only not read.
 *
 * `reader`: `auto` (default) reads the files fws writes with the direct
 * reader (lib/hdf5/direct, ~20× faster than h5wasm on a small file) and
 * any other, or any it fails on, with h5wasm; `h5wasm` or `direct` only
 * with that one (`direct` fails for a file it does not read).
 *
 * @throws {ScanFileError} as {@link readScanFile}
 */
export function readScanSummary(
  path: string,
  options: { reader?: "auto" | "direct" | "h5wasm" } = {},
): Promise<ScanRun> {
  const reader = options.reader ?? "auto";
  return read(path, reader === "h5wasm" ? "summary" : reader);
}

/**
 * The summary of a file fws wrote, read without h5wasm but for chunked
 * datasets; throws {@link DirectUnsupported} for a file the direct reader
 * does not read, and whatever reading it failed with.
 */
async function readDirect(abs: string): Promise<ScanRun> {
  // h5wasm is loaded only once a chunked dataset needs it
  try {
    return readDirectNow(abs);
  } catch (error) {
    if (!(error instanceof NeedsH5)) throw error;
  }
  await loadH5();
  return readDirectNow(abs);
}

/** A chunked dataset needs h5wasm, which is not loaded yet. */
class NeedsH5 extends Error {}

function readDirectNow(abs: string): ScanRun {
  let h5: H5File | undefined;
  const delegate = (path: string): DatasetReader => {
    if (!h5Loaded()) throw new NeedsH5();
    h5 ??= H5File.openLoaded(abs, "r");
    const names = path.split("/").filter(Boolean);
    let g: GroupReader | undefined = h5.root;
    for (const n of names.slice(0, -1)) g = g?.group(n);
    const d = g?.dataset(names.at(-1)!);
    if (!d) throw new DirectUnsupported(`${path} not found by h5wasm`);
    return d;
  };
  const file = new DirectFile(abs, delegate);
  try {
    return readRun(abs, file.root, "summary");
  } finally {
    file.close();
    (h5 as H5File | undefined)?.close();
  }
}

async function read(path: string, mode: ReadMode): Promise<ScanRun> {
  const abs = resolve(path);
  const problem = superblockProblem(abs);
  if (problem) throw new ScanFileError(abs, problem);
  if (mode === "direct") {
    try {
      return await readDirect(abs);
    } catch (error) {
      throw new ScanFileError(
        abs,
        `not read by the direct reader: ${(error as Error).message}`,
      );
    }
  }
  if (mode === "auto") {
    try {
      return await readDirect(abs);
    } catch {
      // h5wasm reads it, and says what is wrong
    }
  }
  let file: H5File;
  try {
    file = await H5File.open(abs, "r");
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new ScanFileError(
      abs,
      `is not a readable HDF5 file: ${why.replace(`open ${abs}: `, "")}`,
    );
  }
  try {
    return readRun(abs, file.root, mode === "full" ? "full" : "summary");
  } catch (error) {
    if (error instanceof ScanFileError) throw error;
    if (error instanceof H5Error) throw new ScanFileError(abs, error.message);
    throw new ScanFileError(
      abs,
      `unreadable: ${error instanceof Error ? error.message : error}`,
    );
  } finally {
    try {
      file.close();
    } catch {
      // closing a read-only file cannot lose data
    }
  }
}
