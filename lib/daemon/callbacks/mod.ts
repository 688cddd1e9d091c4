/**
 * The consumers of the runner's event stream, in the order they see each
 * event: {@link ScanStatusCallback} → {@link GaussFitCallback} →
 * {@link HDF5WriterCallback} → {@link CustomHookCallback}, run by a
 * {@link CallbackPipeline} that contains every failure. The fit emits
 * `fitsComputed` (the writer and the hooks consume it), the writer emits
 * `fileClosed` (the status and the hooks consume it). {@link LiveCallback}
 * runs second, after the status, and writes the LIVE PVs without waiting.
 *
 * @module
 */
export { type CallbackFailure, CallbackPipeline } from "./pipeline.ts";
export {
  type RequestEnd,
  type RequestFinal,
  ScanStatusCallback,
} from "./status.ts";
export { GaussFitCallback, type StrokeShifts } from "./gauss_fit.ts";
export {
  HDF5WriterCallback,
  type ScanFileOpener,
  type ScanFileSink,
} from "./hdf5_writer.ts";
export { CustomHookCallback } from "./custom.ts";
export { LiveCallback } from "./live.ts";
export { CatalogCallback } from "./catalog.ts";
export { DriftCallback } from "./drift.ts";
