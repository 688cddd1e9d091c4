/**
 * HDF5 scan files (DESIGN.md "HDF5 scan file"): the abort-safe writer, the
 * tolerant reader, the layout names and the file-name helper.
 *
 * @example
 * ```ts
 * import { readScanFile, ScanFileWriter } from "./lib/hdf5/mod.ts";
 * const w = await ScanFileWriter.create("/data/fws03_20261123_220509.h5", run);
 * await w.writeScan(scan);
 * const path = await w.close({ status: "completed", endTime: new Date().toISOString() });
 * const back = await readScanFile(path);
 * ```
 *
 * @module
 */
export { ScanFileError } from "./errors.ts";
export {
  type CloseOptions,
  type CreateOptions,
  freeScanFilePath,
  ScanFileWriter,
  writeScanFile,
} from "./writer.ts";
export { MAX_SCAN_GROUPS, readScanFile, readScanSummary } from "./reader.ts";
export {
  FILE_FORMAT,
  PARTIAL_SUFFIX,
  profileGroupName,
  scanFileName,
  scanGroupName,
} from "./layout.ts";
