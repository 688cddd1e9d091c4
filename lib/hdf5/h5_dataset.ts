/**
 * A dataset of an open file, and reading attributes and numbers out of
 * h5wasm's values.
 *
 * @module
 */
import type h5wasm from "h5wasm/node";
import { guarded, H5Error } from "./h5_guard.ts";

/** HDF5 filters the wasm build decodes: deflate, shuffle, fletcher32. */
const DECODABLE_FILTERS = new Set([1, 2, 3]);

/** A value of an attribute as read: numbers, strings, or arrays of them. */
export type AttrValue = string | number | boolean | number[] | string[];

/** A numeric dataset read as float64, with its shape and stored type. */
export interface NumericData {
  data: Float64Array;
  shape: number[];
  /** Stored type, e.g. `float64`, `float32`, `int64`. */
  type: string;
}

function storedType(meta: { type: number; size: number; signed: boolean }) {
  if (meta.type === 1) return `float${meta.size * 8}`;
  if (meta.type === 0) return `${meta.signed ? "" : "u"}int${meta.size * 8}`;
  if (meta.type === 8) return "enum";
  if (meta.type === 3) return "string";
  return `class ${meta.type}`;
}

type Attrs = Record<
  string,
  {
    metadata: { type: number; enum_type?: { members: Record<string, number> } };
  }
>;

/** Reads attribute `name`; numpy/h5py booleans (enum FALSE/TRUE) → boolean. */
export function readAttr(
  owner: { attrs: Attrs; get_attribute(n: string, j: true): unknown },
  name: string,
): AttrValue | undefined {
  const attrs = owner.attrs;
  if (!(name in attrs)) return undefined;
  const value = owner.get_attribute(name, true) as AttrValue;
  // only a number can be an enum's; the metadata costs one more HDF5 call
  if (typeof value !== "number") return value;
  const { metadata } = attrs[name];
  const members = metadata.enum_type?.members;
  if (
    metadata.type === 8 && members && "TRUE" in members && "FALSE" in members
  ) {
    return value === members.TRUE;
  }
  return value;
}

function toFloat64(value: unknown): Float64Array | undefined {
  if (value instanceof Float64Array) return value;
  if (value instanceof BigInt64Array || value instanceof BigUint64Array) {
    return Float64Array.from(value, (v) => Number(v));
  }
  if (ArrayBuffer.isView(value)) {
    return Float64Array.from(value as unknown as ArrayLike<number>);
  }
  if (typeof value === "number") return Float64Array.of(value);
  if (typeof value === "bigint") return Float64Array.of(Number(value));
  if (typeof value === "boolean") return Float64Array.of(value ? 1 : 0);
  return undefined;
}

/** A dataset of an open file. */
export class H5Dataset {
  readonly #dataset: InstanceType<typeof h5wasm.Dataset>;
  /** Absolute path inside the file. */
  readonly path: string;

  /** @internal */
  constructor(dataset: InstanceType<typeof h5wasm.Dataset>, path: string) {
    this.#dataset = dataset;
    this.path = path;
  }

  /** Shape (`[]` for a scalar). */
  get shape(): number[] {
    return guarded(`shape of ${this.path}`, () => this.#dataset.shape ?? []);
  }

  /** Stored type name, e.g. `float64`, `int64`, `string`. */
  get type(): string {
    return guarded(
      `type of ${this.path}`,
      () => storedType(this.#dataset.metadata),
    );
  }

  /** The filters of the dataset (id and name). */
  filters(): { id: number; name: string }[] {
    return guarded(`filters of ${this.path}`, () => this.#dataset.filters);
  }

  /** Whether the dataset is stored in chunks (h5wasm's metadata says). */
  get chunked(): boolean {
    return guarded(
      `layout of ${this.path}`,
      () => Array.isArray(this.#dataset.metadata.chunks),
    );
  }

  #checkDecodable(): void {
    for (const f of this.filters()) {
      if (!DECODABLE_FILTERS.has(f.id)) {
        throw new H5Error(
          `${this.path} is compressed with the '${
            f.name || "unknown"
          }' filter (id ${f.id}), which fws cannot decode; ` +
            `expected gzip or none (convert with: h5repack -f GZIP=4 in.h5 out.h5)`,
        );
      }
    }
  }

  /**
   * Checks that the dataset holds numbers fws can decode (what
   * {@link readNumeric} checks before reading); returns its shape and type.
   */
  checkNumeric(): { shape: number[]; type: string } {
    const type = this.type;
    if (!/^u?int|^float|^enum/.test(type)) {
      throw new H5Error(`${this.path} holds ${type} data; expected numbers`);
    }
    // HDF5 filters need chunked storage: an unchunked dataset (every scalar)
    // has none, so the HDF5 call listing them is spared
    const shape = this.shape;
    if (this.chunked) this.#checkDecodable();
    return { shape, type };
  }

  /** Reads a numeric dataset (any int/float/bool type) as float64. */
  readNumeric(): NumericData {
    const { shape, type } = this.checkNumeric();
    const raw = guarded(`read ${this.path}`, () => this.#dataset.value);
    const data = toFloat64(raw);
    if (!data) {
      throw new H5Error(`${this.path}: could not read ${type} data as numbers`);
    }
    return { data, shape, type };
  }

  /** Reads a scalar (or one-element) value: number or string. */
  readScalar(): number | string {
    const type = this.type;
    if (type !== "string") {
      const { data } = this.readNumeric();
      if (data.length !== 1) {
        throw new H5Error(
          `${this.path} holds ${data.length} values; expected a single value`,
        );
      }
      return data[0];
    }
    const v = guarded(`read ${this.path}`, () => this.#dataset.json_value);
    return Array.isArray(v) ? String(v[0] ?? "") : String(v ?? "");
  }

  /** An attribute's value, or undefined. */
  attr(name: string): AttrValue | undefined {
    return guarded(
      `read attribute ${name} of ${this.path}`,
      () => readAttr(this.#dataset as never, name),
    );
  }

  /** Sets a UTF-8 string attribute. */
  setString(name: string, value: string): void {
    guarded(`write attribute ${name} of ${this.path}`, () => {
      if (name in this.#dataset.attrs) this.#dataset.delete_attribute(name);
      this.#dataset.create_attribute(name, value);
    });
  }

  /** Sets a float64 scalar attribute. */
  setFloat(name: string, value: number): void {
    guarded(`write attribute ${name} of ${this.path}`, () => {
      if (name in this.#dataset.attrs) this.#dataset.delete_attribute(name);
      this.#dataset.create_attribute(name, Float64Array.of(value), []);
    });
  }
}
