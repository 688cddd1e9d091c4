/**
 * A small, safe face over h5wasm (HDF5 compiled to WebAssembly, node build
 * with direct host-file access, NODERAWFS). Every trap found in h5wasm 0.10.3
 * is closed here, so no caller can fall into one:
 *
 * - dtypes are never given as strings (`"<f8"` silently means float32 there,
 *   `"<i8"` int32): writers take a typed array and the HDF5 type follows it;
 * - HDF5's diagnostic stack, which the library prints to stderr and often does
 *   not turn into an exception (`create_group` with a missing parent), is
 *   captured; any diagnostic during a call becomes an {@link H5Error} with the
 *   innermost reason of the first failure;
 * - datasets whose filters the wasm build cannot decode (LZF, Blosc, …) are
 *   refused before reading instead of returning garbage;
 * - attributes are replaced, not duplicated, when written twice.
 *
 * The wasm binary is inlined in h5wasm's JavaScript, so `deno compile` embeds
 * it with the module graph; reading needs no write permission. The patched
 * file system is `h5_fs.ts`, the error capture `h5_guard.ts`, datasets
 * `h5_dataset.ts`, the check before opening `superblock.ts`.
 *
 * @module
 */
import h5wasm, { guess_metadata } from "h5wasm/node";
import { resolve } from "node:path";
import {
  type AttrValue,
  H5Dataset,
  type NumericData,
  readAttr,
} from "./h5_dataset.ts";
import { h5Module, loadH5, takeDiagnostics, withStandIn } from "./h5_fs.ts";
import { guarded, H5Error, reason } from "./h5_guard.ts";

export { type AttrValue, H5Dataset, H5Error, type NumericData };

type Entity = ReturnType<InstanceType<typeof h5wasm.Group>["get"]>;

/**
 * Compressed arrays larger than this (and contiguous ones whose direct write
 * did not hold) are written in slabs of this many bytes (4–8 MiB measured
 * fastest; 1 MiB slabs cost ~20 % more, 64 KiB ~5×).
 */
const SLAB_BYTES = 8 << 20;

/**
 * Contiguous arrays above this size are written by one H5Dwrite straight
 * from the caller's array (see #writeDirect); above HDF5's 64 KiB sieve
 * buffer, so HDF5 hands the caller's buffer to the host write as is.
 */
const DIRECT_BYTES = 128 << 10;

/** Typed arrays hold little-endian bytes here (HDF5's wasm types are LE). */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** h5wasm's dataset metadata for `data` stored with `shape` and `layout`. */
function datasetMeta(
  data: Float64Array | Int32Array | Int8Array,
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

/** Options of {@link H5Group.writeFloat64}. */
export interface WriteOptions {
  /** Dataset shape; default `[data.length]`. */
  shape?: number[];
  /** gzip level 1–9: stored chunked and compressed. */
  gzip?: number;
  /** Chunk shape (with gzip); default: whole rows up to ~1 MiB. */
  chunks?: number[];
}

function defaultChunks(shape: number[]): number[] {
  const target = 131072; // elements: 1 MiB of float64
  if (shape.length === 0) return [];
  const row = shape.slice(1).reduce((a, b) => a * b, 1);
  const rows = Math.max(1, Math.min(shape[0], Math.floor(target / row)));
  return [Math.max(1, rows), ...shape.slice(1).map((n) => Math.max(1, n))];
}

/** A group of an open file (the root is `file.root`). */
export class H5Group {
  readonly #group: InstanceType<typeof h5wasm.Group>;
  #attrs?: Record<string, unknown>;
  /** The members as listed once by {@link memberGroup} (read-only use). */
  #listed?: string[];
  /** Absolute path inside the file, e.g. `/scan_001/struck`. */
  readonly path: string;

  /** @internal */
  constructor(group: InstanceType<typeof h5wasm.Group>) {
    this.#group = group;
    this.path = group.path === "" ? "/" : group.path;
  }

  #child(name: string): string {
    if (!name || name.includes("/")) {
      throw new H5Error(
        `invalid HDF5 name '${name}' in ${this.path}; expected a non-empty name without '/'`,
      );
    }
    return this.path === "/" ? `/${name}` : `${this.path}/${name}`;
  }

  /** Names of the members, sorted. */
  keys(): string[] {
    if (this.#listed) return [...this.#listed];
    return this.#list();
  }

  #list(): string[] {
    return guarded(`list ${this.path}`, () => this.#group.keys()).sort();
  }

  /** The member `name`, or undefined (one lookup by name). */
  #get(name: string): Entity | undefined {
    // h5wasm's get is null when absent: listing the members for each name
    // made a file of 100 000 groups take minutes
    const e: Entity | null = guarded(
      `open ${this.#child(name)}`,
      () => this.#group.get(name),
    );
    return e ?? undefined;
  }

  /** What `name` is: `group`, `dataset`, `other`, or undefined when absent. */
  kind(name: string): "group" | "dataset" | "other" | undefined {
    const e = this.#get(name);
    if (e === undefined) return undefined;
    if (e instanceof h5wasm.Group) return "group";
    if (e instanceof h5wasm.Dataset) return "dataset";
    return "other";
  }

  /**
   * The subgroup `name`, or undefined, for a `name` listed by {@link keys},
   * of a file open for reading: listed straight away (its {@link keys} then
   * cost nothing), one HDF5 call fewer than {@link group} and then
   * {@link keys} when it is a group; anything else is looked up as
   * {@link group} does.
   */
  memberGroup(name: string): H5Group | undefined {
    const path = this.#child(name);
    const g = new H5Group(new h5wasm.Group(this.#group.file_id, path));
    try {
      g.#listed = g.#list();
    } catch {
      return this.group(name);
    }
    return g;
  }

  /** The existing subgroup `name`, or undefined. */
  group(name: string): H5Group | undefined {
    const e = this.#get(name);
    return e instanceof h5wasm.Group ? new H5Group(e) : undefined;
  }

  /** Creates the subgroup `name` (the parent is this group, so it exists). */
  createGroup(name: string): H5Group {
    const path = this.#child(name);
    const g = guarded(
      `create group ${path}`,
      () => this.#group.create_group(name, true),
    );
    if (!(g instanceof h5wasm.Group)) {
      throw new H5Error(`create group ${path}: not created`);
    }
    return new H5Group(g);
  }

  /** The attribute table, read once (h5wasm reads every attribute's metadata). */
  #attrTable(): Record<string, unknown> {
    return this.#attrs ??= guarded(
      `list attributes of ${this.path}`,
      () => this.#group.attrs,
    );
  }

  /** Names of the attributes. */
  attrNames(): string[] {
    return Object.keys(this.#attrTable());
  }

  /** An attribute's value (strings, numbers, arrays), or undefined. */
  attr(name: string): AttrValue | undefined {
    const attrs = this.#attrTable();
    if (!(name in attrs)) return undefined;
    return guarded(
      `read attribute ${name} of ${this.path}`,
      () =>
        readAttr({
          attrs: attrs as never,
          get_attribute: (n: string, j: true) =>
            this.#group.get_attribute(n, j),
        }, name),
    );
  }

  #setAttr(
    name: string,
    data: string | string[] | Float64Array | Int32Array | Int8Array,
    shape?: number[],
  ): void {
    guarded(`write attribute ${name} of ${this.path}`, () => {
      if (this.attrNames().includes(name)) this.#group.delete_attribute(name);
      this.#attrs = undefined;
      this.#group.create_attribute(name, data, shape ?? null);
    });
  }

  /** Sets a UTF-8 string attribute. */
  setString(name: string, value: string): void {
    this.#setAttr(name, value);
  }

  /** Sets a float64 scalar attribute. */
  setFloat(name: string, value: number): void {
    this.#setAttr(name, Float64Array.of(value), []);
  }

  /** Sets an int32 scalar attribute. */
  setInt(name: string, value: number): void {
    this.#setAttr(name, Int32Array.of(value), []);
  }

  /** Sets a boolean attribute (int8 0/1, as NeXus NX_BOOLEAN). */
  setBool(name: string, value: boolean): void {
    this.#setAttr(name, Int8Array.of(value ? 1 : 0), []);
  }

  /** Sets a 1-D array of UTF-8 strings attribute. */
  setStrings(name: string, values: string[]): void {
    this.#setAttr(name, values, [values.length]);
  }

  /** Writes a float64 dataset; returns a handle for its attributes. */
  writeFloat64(
    name: string,
    data: Float64Array,
    options: WriteOptions = {},
  ): H5Dataset {
    return this.#write(name, data, options);
  }

  /** Writes an int32 dataset. */
  writeInt32(
    name: string,
    data: Int32Array,
    options: WriteOptions = {},
  ): H5Dataset {
    return this.#write(name, data, options);
  }

  /** Writes a scalar float64 dataset. */
  writeScalar(name: string, value: number): H5Dataset {
    return this.#write(name, Float64Array.of(value), { shape: [] });
  }

  /** Writes a scalar int32 dataset. */
  writeScalarInt(name: string, value: number): H5Dataset {
    return this.#write(name, Int32Array.of(value), { shape: [] });
  }

  /** Writes a scalar int8 dataset holding 0/1. */
  writeScalarBool(name: string, value: boolean): H5Dataset {
    return this.#write(name, Int8Array.of(value ? 1 : 0), { shape: [] });
  }

  /** Writes a scalar UTF-8 string dataset. */
  writeString(name: string, value: string): H5Dataset {
    const path = this.#child(name);
    const d = guarded(
      `write ${path}`,
      () => this.#group.create_dataset({ name, data: value }),
    );
    return new H5Dataset(d, path);
  }

  #write(
    name: string,
    data: Float64Array | Int32Array | Int8Array,
    options: WriteOptions,
  ): H5Dataset {
    const path = this.#child(name);
    const shape = options.shape ?? [data.length];
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== data.length) {
      throw new H5Error(
        `write ${path}: shape [${shape}] holds ${count} values but ${data.length} were given`,
      );
    }
    const gzip = options.gzip && count > 0 ? options.gzip : undefined;
    if (gzip !== undefined && !(gzip >= 1 && gzip <= 9)) {
      throw new H5Error(`write ${path}: gzip level ${gzip}; expected 1 to 9`);
    }
    const chunks = gzip === undefined
      ? undefined
      : options.chunks ?? defaultChunks(shape);
    if (
      gzip === undefined && LITTLE_ENDIAN && shape.length > 0 &&
      data.byteLength > DIRECT_BYTES
    ) {
      const d = this.#writeDirect(path, data, shape);
      if (d) return d;
    }
    if (data.byteLength > SLAB_BYTES && shape.length > 0) {
      const d = this.#createEmpty(path, data, shape, { gzip, chunks });
      this.#fillInSlabs(path, data, shape, chunks);
      return d;
    }
    const d = guarded(`write ${path}`, () =>
      this.#group.create_dataset({
        name,
        data,
        shape,
        ...(gzip === undefined ? {} : {
          chunks,
          compression: "gzip" as const,
          compression_opts: gzip,
        }),
      }));
    return new H5Dataset(d, path);
  }

  /**
   * A contiguous, unfiltered array in one H5Dwrite, as h5py writes it, but
   * without copying it into the wasm heap: HDF5 is handed a heap block of
   * the array's size that nothing touches, and every host write it issues
   * from that block takes its bytes from the caller's array instead (without
   * filters or type conversion HDF5 writes a contiguous dataset straight
   * from the caller's buffer). Only when those writes carry the whole array
   * exactly once, as one block of the file, is that trusted; otherwise the
   * dataset is written again through HDF5, slab by slab. Undefined when the
   * heap has no room for the block (the slab path needs far less).
   */
  #writeDirect(
    path: string,
    data: Float64Array | Int32Array | Int8Array,
    shape: number[],
  ): H5Dataset | undefined {
    const m = h5Module();
    const ptr = m._malloc(data.byteLength);
    if (!ptr) return undefined;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let went: { written: number; base: number };
    try {
      went = withStandIn(
        ptr,
        bytes,
        () =>
          guarded(`write ${path}`, () =>
            m.create_dataset(
              this.#group.file_id,
              path,
              BigInt(ptr),
              datasetMeta(data, shape, {}) as never,
            )),
      );
    } finally {
      m._free(ptr);
    }
    if (went.written !== bytes.length || Number.isNaN(went.base)) {
      this.#fillInSlabs(path, data, shape, undefined);
    }
    return this.#opened(path);
  }

  /**
   * Creates the dataset for a large array without its data. h5wasm creates
   * it, then H5Dwrite refuses the NULL buffer: exactly that one diagnostic is
   * expected, anything else is an error.
   */
  #createEmpty(
    path: string,
    data: Float64Array | Int32Array | Int8Array,
    shape: number[],
    layout: { gzip?: number; chunks?: number[] },
  ): H5Dataset {
    takeDiagnostics();
    try {
      h5Module().create_dataset(
        this.#group.file_id,
        path,
        0n,
        datasetMeta(data, shape, layout) as never,
      );
    } catch (error) {
      takeDiagnostics();
      throw new H5Error(`write ${path}: ${error}`);
    }
    const text = takeDiagnostics();
    if (text && reason(text) !== "no input buffer") {
      throw new H5Error(`write ${path}: ${reason(text)}`);
    }
    return this.#opened(path);
  }

  /** The dataset at `path` just written, checked to be one. */
  #opened(path: string): H5Dataset {
    const name = path.slice(path.lastIndexOf("/") + 1);
    const dataset = guarded(`open ${path}`, () => this.#group.get(name));
    if (!(dataset instanceof h5wasm.Dataset)) {
      throw new H5Error(`write ${path}: dataset not created`);
    }
    return new H5Dataset(dataset, path);
  }

  /**
   * Writes `data` into the existing dataset at `path` in slabs of whole rows
   * (whole chunks when chunked) through one small reusable heap region, so a
   * big waveform neither doubles its memory in the wasm heap (which never
   * shrinks) nor pays for touching that much fresh heap.
   */
  #fillInSlabs(
    path: string,
    data: Float64Array | Int32Array | Int8Array,
    shape: number[],
    chunks: number[] | undefined,
  ): void {
    const fileId = this.#group.file_id;
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

  /**
   * The dataset `name`, or undefined, for a `name` listed by {@link keys}:
   * opened as a dataset straight away, one HDF5 call fewer than
   * {@link dataset} when it is one (the common case); anything else is
   * looked up as {@link dataset} does.
   */
  memberDataset(name: string): H5Dataset | undefined {
    const path = this.#child(name);
    const d = new h5wasm.Dataset(this.#group.file_id, path);
    try {
      guarded(`open ${path}`, () => d.metadata);
    } catch {
      return this.dataset(name);
    }
    return new H5Dataset(d, path);
  }

  /** The existing dataset `name`, or undefined. */
  dataset(name: string): H5Dataset | undefined {
    const e = this.#get(name);
    return e instanceof h5wasm.Dataset
      ? new H5Dataset(e, this.#child(name))
      : undefined;
  }
}

/** Access mode: read-only, or create a new file (refusing an existing one). */
export type H5Mode = "r" | "create" | "overwrite";

/** An open HDF5 file; `root` is its `/` group. */
export class H5File {
  readonly #file: InstanceType<typeof h5wasm.File>;
  /** Absolute host path. */
  readonly path: string;
  /** The `/` group. */
  readonly root: H5Group;
  #open = true;

  private constructor(file: InstanceType<typeof h5wasm.File>, path: string) {
    this.#file = file;
    this.path = path;
    this.root = new H5Group(file);
  }

  /**
   * Opens `path`: `"r"` read-only (works without write permission),
   * `"create"` a new file (fails if it exists), `"overwrite"` truncates.
   */
  static async open(path: string, mode: H5Mode): Promise<H5File> {
    await loadH5();
    return H5File.openLoaded(path, mode);
  }

  /** {@link open} once the HDF5 module is loaded (`loadH5` awaited). */
  static openLoaded(path: string, mode: H5Mode): H5File {
    const abs = resolve(path);
    const h5mode = mode === "r" ? "r" : mode === "create" ? "x" : "w";
    const file = guarded(
      `open ${abs}`,
      () => new h5wasm.File(abs, h5mode, { track_order: true }),
    );
    return new H5File(file, abs);
  }

  /** Writes every buffered change to disk; the file is then readable as is. */
  flush(): void {
    guarded(`flush ${this.path}`, () => this.#file.flush());
  }

  /** Closes the file (idempotent). */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    guarded(`close ${this.path}`, () => this.#file.close());
  }
}
