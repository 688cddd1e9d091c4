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
 * file system is `h5_fs.ts`, the error capture `h5_guard.ts`, large writes
 * `h5_bulk.ts`, datasets
 * `h5_dataset.ts`, the check before opening `superblock.ts`.
 *
 * @module
 */
import h5wasm from "h5wasm/node";
import { resolve } from "node:path";
import {
  type AttrValue,
  H5Dataset,
  type NumericData,
  readAttr,
} from "./h5_dataset.ts";
import { loadH5 } from "./h5_fs.ts";
import { guarded, H5Error } from "./h5_guard.ts";
import {
  createEmpty,
  defaultChunks,
  DIRECT_BYTES,
  fillInSlabs,
  LITTLE_ENDIAN,
  SLAB_BYTES,
  writeDirect,
} from "./h5_bulk.ts";

export { type AttrValue, H5Dataset, H5Error, type NumericData };

type Entity = ReturnType<InstanceType<typeof h5wasm.Group>["get"]>;

/** Options of {@link H5Group.writeFloat64}. */
export interface WriteOptions {
  /** Dataset shape; default `[data.length]`. */
  shape?: number[];
  /** gzip level 1–9: stored chunked and compressed. */
  gzip?: number;
  /** Chunk shape (with gzip); default: whole rows up to ~1 MiB. */
  chunks?: number[];
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
    const fileId = this.#group.file_id;
    if (
      gzip === undefined && LITTLE_ENDIAN && shape.length > 0 &&
      data.byteLength > DIRECT_BYTES &&
      writeDirect(fileId, path, { data, shape })
    ) return this.#opened(path);
    if (data.byteLength > SLAB_BYTES && shape.length > 0) {
      createEmpty(fileId, path, { data, shape, gzip, chunks });
      fillInSlabs(fileId, path, { data, shape, chunks });
      return this.#opened(path);
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
