/**
 * HDF5's heaps and indexes behind dense groups and vlen strings: the
 * fractal heap (managed objects), the version 2 B-tree's records, and
 * global heap collections.
 *
 * @module
 */
import {
  type ByteSource,
  checkSum,
  Cursor,
  DirectUnsupported,
  encodedSize,
  lookup3,
  UNDEFINED,
} from "./bytes.ts";
import type { Sizes } from "./format.ts";

/** A fractal heap's header: enough to find its managed objects. */
interface FractalHeap {
  idLength: number;
  width: number;
  startSize: number;
  maxDirect: number;
  heapBits: number;
  root: number;
  rootRows: number;
  checksummed: boolean;
  maxManaged: number;
}

function heapHeader(source: ByteSource, sizes: Sizes, at: number): FractalHeap {
  const bytes = source.bytes(at, Math.min(source.size - at, 256));
  const c = new Cursor(bytes, sizes);
  c.signature("FRHP");
  if (c.u8() !== 0) throw new DirectUnsupported("fractal heap version");
  const idLength = c.uint(2);
  const filters = c.uint(2);
  const flags = c.u8();
  const maxManaged = c.uint(4);
  c.length(); // next huge id
  c.address(); // huge objects' B-tree
  c.length(); // free space
  c.address(); // free-space manager
  c.skip(8 * sizes.lengths);
  const width = c.uint(2);
  const startSize = c.length();
  const maxDirect = c.length();
  const heapBits = c.uint(2);
  c.skip(2); // starting rows of the root
  const root = c.address();
  const rootRows = c.uint(2);
  if (filters !== 0) throw new DirectUnsupported("filtered fractal heap");
  checkSum(bytes, 0, c.pos);
  return {
    idLength,
    width,
    startSize,
    maxDirect,
    heapBits,
    root,
    rootRows,
    checksummed: (flags & 0x02) !== 0,
    maxManaged,
  };
}

/** A direct block, checked: its bytes, heap offset and header size. */
interface DirectBlock {
  bytes: Uint8Array;
  start: number;
  header: number;
}

/** The fractal heap at `at`, reading objects by heap id. */
export class Heap {
  readonly #source: ByteSource;
  readonly #sizes: Sizes;
  readonly #h: FractalHeap;
  readonly #blocks = new Map<number, DirectBlock>();
  readonly #tables = new Map<number, number[]>();

  /**
   * @param source the file
   * @param sizes its offset and length sizes
   * @param at the heap header's address
   */
  constructor(source: ByteSource, sizes: Sizes, at: number) {
    this.#source = source;
    this.#sizes = sizes;
    this.#h = heapHeader(source, sizes, at);
  }

  /** The object a (managed) heap id names. */
  object(id: Uint8Array): Uint8Array {
    const h = this.#h;
    if (id[0] >> 4 !== 0) {
      throw new DirectUnsupported("huge or tiny heap object");
    }
    const c = new Cursor(id, this.#sizes, 1);
    const offset = c.uint(Math.ceil(h.heapBits / 8));
    const length = c.uint(encodedSize(Math.min(h.maxDirect, h.maxManaged)));
    if (h.root === UNDEFINED) throw new DirectUnsupported("empty heap");
    if (h.rootRows === 0) {
      return this.#direct(h.root, h.startSize, offset, length);
    }
    return this.#indirect(h.root, h.rootRows, 0, offset, length);
  }

  #blockOffsetBytes(): number {
    return Math.ceil(this.#h.heapBits / 8);
  }

  #direct(
    at: number,
    size: number,
    offset: number,
    length: number,
  ): Uint8Array {
    let block = this.#blocks.get(at);
    if (!block) {
      block = this.#directBlock(at, size);
      this.#blocks.set(at, block);
    }
    const from = offset - block.start;
    if (from < block.header || from + length > size) {
      throw new DirectUnsupported("heap object outside its block");
    }
    return block.bytes.subarray(from, from + length);
  }

  #directBlock(at: number, size: number): DirectBlock {
    const bytes = this.#source.bytes(at, size);
    const c = new Cursor(bytes, this.#sizes);
    c.signature("FHDB");
    c.skip(1 + this.#sizes.offsets);
    const start = c.uint(this.#blockOffsetBytes());
    if (this.#h.checksummed) {
      // summed over the whole block with the checksum field as zero
      const stored = new Cursor(bytes, this.#sizes, c.pos).uint(4);
      const copy = bytes.slice();
      copy.fill(0, c.pos, c.pos + 4);
      if (lookup3(copy) !== stored) {
        throw new DirectUnsupported("checksum mismatch");
      }
    }
    return { bytes, start, header: c.pos };
  }

  #rowSize(row: number): number {
    return row < 2 ? this.#h.startSize : this.#h.startSize * 2 ** (row - 1);
  }

  #indirect(
    at: number,
    rows: number,
    blockStart: number,
    offset: number,
    length: number,
  ): Uint8Array {
    const h = this.#h;
    let children = this.#tables.get(at);
    if (!children) {
      children = this.#indirectBlock(at, rows, blockStart);
      this.#tables.set(at, children);
    }
    const maxDirectRows = Math.log2(h.maxDirect) - Math.log2(h.startSize) + 2;
    let rowStart = blockStart;
    for (let row = 0, k = 0; row < rows; row++) {
      const blockSize = this.#rowSize(row);
      for (let col = 0; col < h.width; col++, k++) {
        const childStart = rowStart + col * blockSize;
        if (offset < childStart || offset >= childStart + blockSize) continue;
        const child = children[k];
        if (child === UNDEFINED) {
          throw new DirectUnsupported("unallocated block");
        }
        if (row < maxDirectRows) {
          return this.#direct(child, blockSize, offset, length);
        }
        const childRows = Math.log2(blockSize) -
          Math.log2(h.startSize * h.width) + 1;
        return this.#indirect(child, childRows, childStart, offset, length);
      }
      rowStart += blockSize * h.width;
    }
    throw new DirectUnsupported("heap offset beyond the heap");
  }

  /** The child addresses of an indirect block, row by row. */
  #indirectBlock(at: number, rows: number, blockStart: number): number[] {
    const entries = rows * this.#h.width;
    const size = 5 + this.#sizes.offsets + this.#blockOffsetBytes() +
      entries * this.#sizes.offsets;
    const bytes = this.#source.bytes(at, size + 4);
    const c = new Cursor(bytes, this.#sizes);
    c.signature("FHIB");
    c.skip(1 + this.#sizes.offsets);
    if (c.uint(this.#blockOffsetBytes()) !== blockStart) {
      throw new DirectUnsupported("indirect block offset");
    }
    checkSum(bytes, 0, size);
    return Array.from({ length: entries }, () => c.address());
  }
}

/** Every record of the version 2 B-tree at `at` (raw bytes, tree order). */
export function btreeRecords(
  source: ByteSource,
  sizes: Sizes,
  at: number,
): Uint8Array[] {
  const head = source.bytes(at, Math.min(source.size - at, 64));
  const c = new Cursor(head, sizes);
  c.signature("BTHD");
  if (c.u8() !== 0) throw new DirectUnsupported("B-tree version");
  c.u8(); // type
  const nodeSize = c.uint(4);
  const recordSize = c.uint(2);
  const depth = c.uint(2);
  c.skip(2);
  const root = c.address();
  const rootCount = c.uint(2);
  c.length();
  checkSum(head, 0, c.pos);
  // fws's groups need depth ≤ 2; a crafted depth would recurse that deep
  if (depth > 8) throw new DirectUnsupported(`B-tree depth ${depth}`);
  // records per node at each depth, as H5B2__hdr_init computes them
  const maxRecords = [Math.floor((nodeSize - 10) / recordSize)];
  const cumulative = [maxRecords[0]];
  const countSize = encodedSize(maxRecords[0]);
  const pointerSize = (d: number) =>
    sizes.offsets + countSize + (d > 1 ? encodedSize(cumulative[d - 1]) : 0);
  for (let d = 1; d <= depth; d++) {
    const p = pointerSize(d);
    maxRecords.push(Math.floor((nodeSize - 10 - p) / (recordSize + p)));
    cumulative.push((maxRecords[d] + 1) * cumulative[d - 1] + maxRecords[d]);
  }
  const out: Uint8Array[] = [];
  const node = (address: number, count: number, d: number) => {
    if (address === UNDEFINED || count === 0) return;
    const bytes = source.bytes(address, nodeSize);
    const n = new Cursor(bytes, sizes);
    n.signature(d === 0 ? "BTLF" : "BTIN");
    n.skip(2);
    const records = Array.from({ length: count }, () => n.take(recordSize));
    const children: [number, number][] = [];
    if (d > 0) {
      for (let i = 0; i <= count; i++) {
        const child = n.address();
        const k = n.uint(countSize);
        if (d > 1) n.uint(encodedSize(cumulative[d - 1]));
        children.push([child, k]);
      }
    }
    checkSum(bytes, 0, n.pos);
    for (let i = 0; i < count; i++) {
      if (d > 0) node(children[i][0], children[i][1], d - 1);
      out.push(records[i]);
    }
    if (d > 0) node(children[count][0], children[count][1], d - 1);
  };
  node(root, rootCount, depth);
  return out;
}

/** Global heap collections, read once each. */
export class GlobalHeap {
  readonly #source: ByteSource;
  readonly #sizes: Sizes;
  readonly #collections = new Map<number, Map<number, Uint8Array>>();

  /**
   * @param source the file
   * @param sizes its offset and length sizes
   */
  constructor(source: ByteSource, sizes: Sizes) {
    this.#source = source;
    this.#sizes = sizes;
  }

  /** Object `index` of the collection at `at`. */
  object(at: number, index: number): Uint8Array {
    let objects = this.#collections.get(at);
    if (!objects) {
      const head = new Cursor(
        this.#source.bytes(at, 8 + this.#sizes.lengths),
        this.#sizes,
      );
      head.signature("GCOL");
      if (head.u8() !== 1) throw new DirectUnsupported("global heap version");
      head.skip(3);
      const size = head.length();
      const c = new Cursor(this.#source.bytes(at, size), this.#sizes, head.pos);
      objects = new Map();
      while (c.pos + 8 + this.#sizes.lengths <= size) {
        const i = c.uint(2);
        if (i === 0) break;
        c.skip(6);
        const n = c.length();
        objects.set(i, c.take(n));
        c.skip((8 - (n % 8)) % 8);
      }
      this.#collections.set(at, objects);
    }
    const o = objects.get(index);
    if (!o) throw new DirectUnsupported("global heap object missing");
    return o;
  }
}
