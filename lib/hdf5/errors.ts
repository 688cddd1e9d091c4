/**
 * The one error of the scan-file reader and writer.
 *
 * @module
 */

/**
 * A scan file could not be read or written: missing, truncated, not HDF5, a
 * foreign layout, an undecodable filter, or a failed write. The message names
 * the file and says what is wrong, in one line.
 */
export class ScanFileError extends Error {
  /** The file concerned. */
  readonly path: string;

  /**
   * @param path the file concerned
   * @param problem what is wrong with it (and what was expected)
   */
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = "ScanFileError";
    this.path = path;
  }
}
