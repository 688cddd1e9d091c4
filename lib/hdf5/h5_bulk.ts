/**
 * Writing large arrays through h5wasm without doubling them in the wasm
 * heap: one H5Dwrite straight from the caller's array, or slabs through one
 * small reusable heap region. `h5.ts`'s H5Group decides which.
 *
 * @module
 */
import { guess_metadata } from "h5wasm/node";
import { h5Module, takeDiagnostics, withStandIn } from "./h5_fs.ts";
import { guarded, H5Error, reason } from "./h5_guard.ts";

/** The numbers a dataset is written from. */
export type WriteArray = Float64Array | Int32Array | Int8Array;

/**
 * Compressed arrays larger than this (and contiguous ones whose direct write
 * did not hold) are written in slabs of this many bytes (4–8 MiB measured
 * fastest; 1 MiB slabs cost ~20 % more, 64 KiB ~5×).
 */
export const SLAB_BYTES = 8 << 20;

/**
 * Contiguous arrays above this size are written by one H5Dwrite straight
 * from the caller's array (see {@link writeDirect}); above HDF5's 64 KiB sieve
 * buffer, so HDF5 hands the caller's buffer to the host write as is.
 */
export const DIRECT_BYTES = 128 << 10;

/** Typed arrays hold little-endian bytes here (HDF5's wasm types are LE). */
export const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** h5wasm's dataset metadata for `data` stored with `shape` and `layout`. */
function datasetMeta(
  data: WriteArray,
  shape: number[],
  layout: { gzip?: number; chunks?: number[] },
): Record<string, unknown> {
  return {
    ...guess_metadata(data),
    shape: shape.map(BigInt),
    maxshape: shape.map(BigInt),
    chunks: layout.chunks ? layout.chunks.map(BigInt) : null,
    compression: layout.gzip === undefined ? 0 : 1,
    compression_opts: layout.gzip === undefined ? [] : [layout.gzip],
    track_order: false,
  };
}

/** Chunks of whole rows up to ~1 MiB (gzip without a chunk shape). */
export function defaultChunks(shape: number[]): number[] {
  const target = 131072; // elements: 1 MiB of float64
  if (shape.length === 0) return [];
  const row = shape.slice(1).reduce((a, b) => a * b, 1);
  const rows = Math.max(1, Math.min(shape[0], Math.floor(target / row)));
  return [Math.max(1, rows), ...shape.slice(1).map((n) => Math.max(1, n))];
}

/**
 * A contiguous, unfiltered array in one H5Dwrite, as h5py writes it, but
 * without copying it into the wasm heap: HDF5 is handed a heap block of
 * the array's size that nothing touches, and every host write it issues
 * from that block takes its bytes from the caller's array instead (without
 * filters or type conversion HDF5 writes a contiguous dataset straight
 * from the caller's buffer). Only when those writes carry the whole array
 * exactly once, as one block of the file, is that trusted; otherwise the
 * dataset is written again through HDF5, slab by slab. False when the heap
 * has no room for the block (the slab path needs far less).
 */
export function writeDirect(
  fileId: bigint,
  path: string,
  { data, shape }: { data: WriteArray; shape: number[] },
): boolean {
  const m = h5Module();
  const ptr = m._malloc(data.byteLength);
  if (!ptr) return false;
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let went: { written: number; base: number };
  try {
    went = withStandIn(
      ptr,
      bytes,
      () =>
        guarded(`write ${path}`, () =>
          m.create_dataset(
            fileId,
            path,
            BigInt(ptr),
            datasetMeta(data, shape, {}) as never,
          )),
    );
  } finally {
    m._free(ptr);
  }
  if (went.written !== bytes.length || Number.isNaN(went.base)) {
    fillInSlabs(fileId, path, { data, shape, chunks: undefined });
  }
  return true;
}

/**
 * Creates the dataset for a large array without its data. h5wasm creates
 * it, then H5Dwrite refuses the NULL buffer: exactly that one diagnostic is
 * expected, anything else is an error.
 */
export function createEmpty(
  fileId: bigint,
  path: string,
  { data, shape, gzip, chunks }: {
    data: WriteArray;
    shape: number[];
    gzip?: number;
    chunks?: number[];
  },
): void {
  takeDiagnostics();
  try {
    h5Module().create_dataset(
      fileId,
      path,
      0n,
      datasetMeta(data, shape, { gzip, chunks }) as never,
    );
  } catch (error) {
    takeDiagnostics();
    throw new H5Error(`write ${path}: ${error}`);
  }
  const text = takeDiagnostics();
  if (text && reason(text) !== "no input buffer") {
    throw new H5Error(`write ${path}: ${reason(text)}`);
  }
}

/**
 * Writes `data` into the existing dataset at `path` in slabs of whole rows
 * (whole chunks when chunked) through one small reusable heap region, so a
 * big waveform neither doubles its memory in the wasm heap (which never
 * shrinks) nor pays for touching that much fresh heap.
 */
export function fillInSlabs(
  fileId: bigint,
  path: string,
  { data, shape, chunks }: {
    data: WriteArray;
    shape: number[];
    chunks: number[] | undefined;
  },
): void {
  const row = shape.slice(1).reduce((a, b) => a * b, 1);
  const rowBytes = row * data.BYTES_PER_ELEMENT;
  let rows = Math.max(1, Math.floor(SLAB_BYTES / rowBytes));
  if (chunks) {
    const c = chunks[0];
    rows = Math.max(c, Math.floor(rows / c) * c); // whole chunks per slab
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const m = h5Module();
  const ptr = m._malloc(Math.min(rows, shape[0]) * rowBytes);
  if (!ptr) throw new H5Error(`write ${path}: out of wasm memory`);
  const rest = shape.slice(1).map(() => 0n);
  const restCount = shape.slice(1).map(BigInt);
  const strides = shape.map(() => 1n);
  try {
    for (let r0 = 0; r0 < shape[0]; r0 += rows) {
      const r1 = Math.min(shape[0], r0 + rows);
      m.HEAPU8.set(bytes.subarray(r0 * rowBytes, r1 * rowBytes), ptr);
      guarded(`write ${path}`, () =>
        m.set_dataset_data(
          fileId,
          path,
          [BigInt(r1 - r0), ...restCount],
          [BigInt(r0), ...rest],
          strides,
          BigInt(ptr),
        ));
    }
  } finally {
    m._free(ptr);
  }
}
