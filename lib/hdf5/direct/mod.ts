/**
 * A direct reader of the HDF5 files fws writes (superblock 2, v2 object
 * headers, compact and contiguous datasets): what the scan catalog reads of
 * a file, without h5wasm's cost per call (~80 µs; a small file took 13 ms).
 * It reads no more than it is sure of: anything else, and any checksum
 * that does not match, is {@link DirectUnsupported}, and the caller reads
 * the file with h5wasm instead. Chunked datasets are handed to h5wasm.
 *
 * @module
 */
import type { AttrValue, NumericData } from "../h5_dataset.ts";
import type { DatasetReader, GroupReader } from "../h5_read.ts";
import { ByteSource, Cursor, DirectUnsupported, UNDEFINED } from "./bytes.ts";
import {
  type Attribute,
  attribute,
  dataspace,
  type Datatype,
  datatype,
  denseInfo,
  elementSize,
  intAt,
  type Layout,
  layout,
  link,
  type Message,
  MSG,
  objectHeader,
  type Sizes,
  superblock,
} from "./format.ts";
import { btreeRecords, GlobalHeap, Heap } from "./heaps.ts";

export { DirectUnsupported };

/** What a file's objects share: its bytes, sizes and heaps. */
interface Context {
  source: ByteSource;
  sizes: Sizes;
  global: GlobalHeap;
  /** The same dataset read by h5wasm (chunked storage). */
  delegate: (path: string) => DatasetReader;
}

function child(path: string, name: string): string {
  return path === "/" ? `/${name}` : `${path}/${name}`;
}

/** Bytes as Latin-1 (h5wasm's reading of an ASCII vlen string). */
function latin1(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += String.fromCharCode(b);
  return out;
}

function upToNul(bytes: Uint8Array): Uint8Array {
  const end = bytes.indexOf(0);
  return end < 0 ? bytes : bytes.subarray(0, end);
}

/** A fixed string as h5wasm decodes it: up to the first NUL. */
function text(bytes: Uint8Array, utf8: boolean): string {
  return new TextDecoder(utf8 ? "utf-8" : "ascii").decode(upToNul(bytes));
}

/** Values of `type` in `data`, as h5wasm's json values are. */
function jsonValues(
  ctx: Context,
  type: Datatype,
  data: Uint8Array,
  count: number,
): (number | string | boolean)[] {
  const size = elementSize(type, ctx.sizes);
  const out: (number | string | boolean)[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * size;
    if (type.kind === "int") out.push(intAt(data, at, type));
    else if (type.kind === "float") {
      const dv = new DataView(data.buffer, data.byteOffset + at, type.size);
      out.push(
        type.size === 8 ? dv.getFloat64(0, true) : dv.getFloat32(0, true),
      );
    } else if (type.kind === "enum" && type.base.kind === "int") {
      out.push(intAt(data, at, type.base));
    } else if (type.kind === "string" && !type.vlen) {
      out.push(text(data.subarray(at, at + size), type.utf8));
    } else if (type.kind === "string") {
      const c = new Cursor(data, ctx.sizes, at);
      const length = c.uint(4);
      const heap = c.address();
      const index = c.uint(4);
      if (length === 0) {
        out.push("");
        continue;
      }
      if (heap === UNDEFINED) {
        throw new DirectUnsupported("vlen string without heap");
      }
      // h5wasm reads a vlen string up to its first NUL, ASCII as Latin-1
      const bytes = ctx.global.object(heap, index).subarray(0, length);
      out.push(type.utf8 ? text(bytes, true) : latin1(upToNul(bytes)));
    } else throw new DirectUnsupported(`values of ${type.kind} type`);
  }
  return out;
}

function isBoolEnum(type: Datatype): boolean {
  if (type.kind !== "enum" || type.members.size !== 2) return false;
  return type.members.get("FALSE") === 0 && type.members.get("TRUE") === 1;
}

/** An attribute's value as {@link readAttr} of h5_dataset.ts gives it. */
function attrValue(ctx: Context, a: Attribute): AttrValue {
  if (!a.shape) throw new DirectUnsupported("attribute with a null dataspace");
  const count = a.shape.reduce((x, y) => x * y, 1);
  let values = jsonValues(ctx, a.type, a.data, count);
  if (isBoolEnum(a.type)) values = values.map((v) => !!v);
  const v = a.shape.length === 0 ? values[0] : values;
  if (typeof v === "number" && a.type.kind === "enum") {
    const { members } = a.type;
    if (members.has("TRUE") && members.has("FALSE")) {
      return v === members.get("TRUE");
    }
  }
  return v as AttrValue;
}

/** An object's header, and its attributes read on demand. */
class DirectObject {
  readonly path: string;
  protected readonly ctx: Context;
  protected readonly messages: Message[];
  #attrs?: Map<string, Attribute>;
  #ordered = true;

  constructor(ctx: Context, path: string, messages: Message[]) {
    this.ctx = ctx;
    this.path = path;
    this.messages = messages;
  }

  protected first(type: number): Cursor | undefined {
    const m = this.messages.find((x) => x.type === type);
    return m && new Cursor(m.body, this.ctx.sizes);
  }

  #attributes(): Map<string, Attribute> {
    if (this.#attrs) return this.#attrs;
    const found: { a: Attribute; order: number }[] = [];
    for (const m of this.messages) {
      if (m.type === MSG.attribute) {
        found.push({
          a: attribute(new Cursor(m.body, this.ctx.sizes)),
          order: m.order,
        });
      }
    }
    const info = this.first(MSG.attributeInfo);
    const dense = info && denseInfo(info, true);
    if (dense && dense.heap !== UNDEFINED) {
      const heap = new Heap(this.ctx.source, this.ctx.sizes, dense.heap);
      for (
        const r of btreeRecords(this.ctx.source, this.ctx.sizes, dense.names)
      ) {
        const body = heap.object(r.subarray(0, 8));
        const order = new Cursor(r, this.ctx.sizes, 9).uint(4);
        found.push({ a: attribute(new Cursor(body, this.ctx.sizes)), order });
      }
    }
    this.#ordered = found.length < 2 || found.every((f) => f.order >= 0);
    found.sort((x, y) => x.order - y.order);
    return this.#attrs = new Map(found.map((f) => [f.a.name, f.a]));
  }

  /** Names of the attributes, in creation order (as h5wasm lists them). */
  attrNames(): string[] {
    const names = [...this.#attributes().keys()];
    if (!this.#ordered) {
      throw new DirectUnsupported("attributes without creation order");
    }
    return names;
  }

  /** An attribute's value, or undefined. */
  attr(name: string): AttrValue | undefined {
    const a = this.#attributes().get(name);
    return a && attrValue(this.ctx, a);
  }
}

function storedType(t: Datatype): string {
  switch (t.kind) {
    case "float":
      return `float${t.size * 8}`;
    case "int":
      return `${t.signed ? "" : "u"}int${t.size * 8}`;
    case "enum":
      return "enum";
    case "string":
      return "string";
    default:
      return `class ${t.hdf5Class}`;
  }
}

/** A dataset of a file read directly (chunked ones go to h5wasm). */
class DirectDataset extends DirectObject implements DatasetReader {
  readonly shape: number[];
  readonly #type: Datatype;
  readonly #layout: Layout;

  constructor(ctx: Context, path: string, messages: Message[]) {
    super(ctx, path, messages);
    const space = this.first(MSG.dataspace);
    const type = this.first(MSG.datatype);
    const where = this.first(MSG.layout);
    if (!space || !type || !where) {
      throw new DirectUnsupported("dataset messages");
    }
    const shape = dataspace(space);
    if (!shape) throw new DirectUnsupported("null dataspace");
    this.shape = shape;
    this.#type = datatype(type);
    this.#layout = layout(where);
  }

  get type(): string {
    return storedType(this.#type);
  }

  get chunked(): boolean {
    return this.#layout.kind === "chunked";
  }

  #bytes(): Uint8Array {
    const l = this.#layout;
    const count = this.shape.reduce((a, b) => a * b, 1);
    const size = count * elementSize(this.#type, this.ctx.sizes);
    if (l.kind === "compact" && l.data.length === size) return l.data;
    if (l.kind === "contiguous" && l.address !== UNDEFINED && l.size === size) {
      return this.ctx.source.bytes(l.address, size);
    }
    throw new DirectUnsupported(`${l.kind} data of unexpected size`);
  }

  checkNumeric(): { shape: number[]; type: string } {
    if (this.chunked) return this.ctx.delegate(this.path).checkNumeric();
    const type = this.type;
    if (!/^u?int|^float|^enum/.test(type)) throw new DirectUnsupported(type);
    return { shape: this.shape, type };
  }

  readNumeric(): NumericData {
    if (this.chunked) return this.ctx.delegate(this.path).readNumeric();
    const { shape, type } = this.checkNumeric();
    const t = this.#type.kind === "enum" ? this.#type.base : this.#type;
    const bytes = this.#bytes();
    const n = shape.reduce((a, b) => a * b, 1);
    let data: Float64Array;
    if (t.kind === "float" && t.size === 8) {
      data = new Float64Array(bytes.slice().buffer);
    } else {data = Float64Array.from(
        jsonValues(this.ctx, t, bytes, n) as number[],
      );}
    return { data, shape, type };
  }

  readScalar(): number | string {
    if (this.chunked) return this.ctx.delegate(this.path).readScalar();
    if (this.type !== "string") {
      const { data } = this.readNumeric();
      if (data.length !== 1) throw new DirectUnsupported("not a single value");
      return data[0];
    }
    const n = this.shape.reduce((a, b) => a * b, 1);
    const v = jsonValues(this.ctx, this.#type, this.#bytes(), n);
    return String(v[0] ?? "");
  }
}

/** A group of a file read directly. */
class DirectGroup extends DirectObject implements GroupReader {
  #links?: Map<string, number>;
  #sorted?: string[];

  #members(): Map<string, number> {
    if (this.#links) return this.#links;
    if (this.first(MSG.symbolTable)) {
      throw new DirectUnsupported("old-style group");
    }
    const links = new Map<string, number>();
    for (const m of this.messages) {
      if (m.type !== MSG.link) continue;
      const l = link(new Cursor(m.body, this.ctx.sizes));
      links.set(l.name, l.address);
    }
    const info = this.first(MSG.linkInfo);
    const dense = info && denseInfo(info, false);
    if (dense && dense.heap !== UNDEFINED) {
      const heap = new Heap(this.ctx.source, this.ctx.sizes, dense.heap);
      for (
        const r of btreeRecords(this.ctx.source, this.ctx.sizes, dense.names)
      ) {
        const l = link(new Cursor(heap.object(r.subarray(4)), this.ctx.sizes));
        links.set(l.name, l.address);
      }
    }
    return this.#links = links;
  }

  #open(name: string): DirectGroup | DirectDataset | undefined {
    const at = this.#members().get(name);
    if (at === undefined) return undefined;
    const path = child(this.path, name);
    const messages = objectHeader(this.ctx.source, this.ctx.sizes, at);
    if (messages.some((m) => m.type === MSG.layout)) {
      return new DirectDataset(this.ctx, path, messages);
    }
    const group = messages.some((m) =>
      m.type === MSG.linkInfo || m.type === MSG.groupInfo || m.type === MSG.link
    );
    if (!group) {
      throw new DirectUnsupported(`${path} is neither group nor dataset`);
    }
    return new DirectGroup(this.ctx, path, messages);
  }

  keys(): string[] {
    this.#sorted ??= [...this.#members().keys()].sort();
    return [...this.#sorted];
  }

  group(name: string): DirectGroup | undefined {
    const o = this.#open(name);
    return o instanceof DirectGroup ? o : undefined;
  }

  memberGroup(name: string): DirectGroup | undefined {
    return this.group(name);
  }

  dataset(name: string): DirectDataset | undefined {
    const o = this.#open(name);
    return o instanceof DirectDataset ? o : undefined;
  }

  memberDataset(name: string): DirectDataset | undefined {
    return this.dataset(name);
  }
}

/** A file open for direct reading; `root` is its `/` group. */
export class DirectFile {
  readonly #source: ByteSource;
  /** The `/` group. */
  readonly root: GroupReader;

  /**
   * Opens `path` (absolute) for reading; chunked datasets are read through
   * `delegate` (the same dataset, open in h5wasm).
   *
   * @throws {DirectUnsupported} for a file this reader does not read
   */
  constructor(path: string, delegate: (path: string) => DatasetReader) {
    this.#source = new ByteSource(path);
    try {
      const { sizes, root } = superblock(this.#source);
      const ctx: Context = {
        source: this.#source,
        sizes,
        global: new GlobalHeap(this.#source, sizes),
        delegate,
      };
      this.root = new DirectGroup(
        ctx,
        "/",
        objectHeader(this.#source, sizes, root),
      );
    } catch (error) {
      this.#source.close();
      throw error;
    }
  }

  /** Closes the file. */
  close(): void {
    this.#source.close();
  }
}
