/**
 * What the scan-file reader asks of an HDF5 file open for reading: groups
 * and datasets by name, attributes, numbers and strings. h5wasm's
 * {@link H5Group} provides it, and so does the direct reader of
 * `direct/mod.ts` for the files fws writes.
 *
 * @module
 */
import type { AttrValue, NumericData } from "./h5_dataset.ts";

/** A dataset open for reading. */
export interface DatasetReader {
  /** Absolute path inside the file. */
  readonly path: string;
  /** Shape (`[]` for a scalar). */
  readonly shape: number[];
  /** Stored type name, e.g. `float64`, `int64`, `string`. */
  readonly type: string;
  /** Whether the dataset is stored in chunks. */
  readonly chunked: boolean;
  /** Checks the dataset holds numbers fws can decode; its shape and type. */
  checkNumeric(): { shape: number[]; type: string };
  /** Reads a numeric dataset as float64. */
  readNumeric(): NumericData;
  /** Reads a scalar (or one-element) value: number or string. */
  readScalar(): number | string;
  /** An attribute's value, or undefined. */
  attr(name: string): AttrValue | undefined;
}

/** A group open for reading. */
export interface GroupReader {
  /** Absolute path inside the file. */
  readonly path: string;
  /** Names of the members, sorted. */
  keys(): string[];
  /** The subgroup `name` (listed by {@link keys}), or undefined. */
  memberGroup(name: string): GroupReader | undefined;
  /** The subgroup `name`, or undefined. */
  group(name: string): GroupReader | undefined;
  /** The dataset `name` (listed by {@link keys}), or undefined. */
  memberDataset(name: string): DatasetReader | undefined;
  /** The dataset `name`, or undefined. */
  dataset(name: string): DatasetReader | undefined;
  /** Names of the attributes. */
  attrNames(): string[];
  /** An attribute's value, or undefined. */
  attr(name: string): AttrValue | undefined;
}
