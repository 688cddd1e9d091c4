/**
 * HDF5's on-disk structures the direct reader understands (format spec
 * 3.0, the subset fws's own files use): superblock 2/3, object headers v2
 * with continuation blocks, and the messages of groups, datasets and
 * attributes. Anything else is {@link DirectUnsupported}.
 *
 * @module
 */
import {
  type ByteSource,
  checkSum,
  Cursor,
  DirectUnsupported,
  UNDEFINED,
} from "./bytes.ts";

/** Sizes of offsets and lengths, from the superblock. */
export interface Sizes {
  offsets: number;
  lengths: number;
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** The superblock (version 2 or 3 at offset 0): sizes and the root's header. */
export function superblock(source: ByteSource): { sizes: Sizes; root: number } {
  const head = source.bytes(0, Math.min(source.size, 64));
  if (!SIGNATURE.every((b, i) => head[i] === b)) {
    throw new DirectUnsupported("no signature at 0");
  }
  const version = head[8];
  if (version !== 2 && version !== 3) {
    throw new DirectUnsupported(`superblock version ${version}`);
  }
  const sizes = { offsets: head[9], lengths: head[10] };
  if (![4, 8].includes(sizes.offsets) || ![4, 8].includes(sizes.lengths)) {
    throw new DirectUnsupported("offset or length size");
  }
  const c = new Cursor(head, sizes, 12);
  const base = c.address();
  const extension = c.address();
  c.address(); // end of file: checked by superblockProblem
  const root = c.address();
  checkSum(head, 0, c.pos);
  if (base !== 0 || extension !== UNDEFINED) {
    throw new DirectUnsupported("base address or superblock extension");
  }
  return { sizes, root };
}

/** One header message: its type, creation order (when tracked) and body. */
export interface Message {
  type: number;
  order: number;
  body: Uint8Array;
}

/** Message types read. */
export const MSG = {
  dataspace: 0x01,
  linkInfo: 0x02,
  datatype: 0x03,
  link: 0x06,
  layout: 0x08,
  groupInfo: 0x0a,
  filters: 0x0b,
  attribute: 0x0c,
  continuation: 0x10,
  symbolTable: 0x11,
  attributeInfo: 0x15,
} as const;

/** Messages this reader may skip without changing what is read. */
const SKIPPABLE = new Set([0x00, 0x05, 0x0e, 0x12, 0x16, 0x0d]);
const KNOWN = new Set<number>([...Object.values(MSG), ...SKIPPABLE]);

/** The messages of the object header at `address` (v2, checksummed). */
export function objectHeader(
  source: ByteSource,
  sizes: Sizes,
  address: number,
): Message[] {
  const prefix = source.bytes(address, Math.min(source.size - address, 32));
  const p = new Cursor(prefix, sizes);
  p.signature("OHDR");
  if (p.u8() !== 2) throw new DirectUnsupported("object header version");
  const flags = p.u8();
  if (flags & 0x20) p.skip(16);
  if (flags & 0x10) p.skip(4);
  const chunk = p.uint(1 << (flags & 0x03));
  const whole = source.bytes(address, p.pos + chunk + 4);
  checkSum(whole, 0, p.pos + chunk);
  const out: Message[] = [];
  const seen = new Set<number>([address]);
  const blocks: [Uint8Array, number, number][] = [[
    whole,
    p.pos,
    p.pos + chunk,
  ]];
  while (blocks.length > 0) {
    const [bytes, from, to] = blocks.shift()!;
    const c = new Cursor(bytes, sizes, from);
    const headerSize = flags & 0x04 ? 6 : 4;
    while (c.pos + headerSize <= to) {
      const type = c.u8();
      const size = c.uint(2);
      const mflags = c.u8();
      const order = flags & 0x04 ? c.uint(2) : -1;
      const body = c.take(size);
      if (mflags & 0x02) throw new DirectUnsupported("shared message");
      if (type === MSG.continuation) {
        const b = new Cursor(body, sizes);
        const at = b.address();
        const length = b.length();
        // a crafted chain back to a block already read would never end
        if (seen.has(at)) throw new DirectUnsupported("continuation loop");
        seen.add(at);
        const block = source.bytes(at, length);
        new Cursor(block, sizes).signature("OCHK");
        checkSum(block, 0, length - 4);
        blocks.push([block, 4, length - 4]);
      } else if (!KNOWN.has(type)) {
        throw new DirectUnsupported(`header message type ${type}`);
      } else if (!SKIPPABLE.has(type)) {
        out.push({ type, order, body });
      }
    }
  }
  return out;
}

/** A dataspace: `undefined` shape for a null one. */
export function dataspace(c: Cursor): number[] | undefined {
  const version = c.u8();
  const rank = c.u8();
  const flags = c.u8();
  let kind = rank === 0 ? 0 : 1;
  if (version === 1) c.skip(5);
  else if (version === 2) kind = c.u8();
  else throw new DirectUnsupported(`dataspace version ${version}`);
  if (kind === 2) return undefined;
  if (kind !== 0 && kind !== 1) throw new DirectUnsupported("dataspace type");
  const dims = Array.from({ length: rank }, () => c.length());
  if (flags & 0x01) c.skip(rank * c.sizes.lengths);
  return kind === 0 ? [] : dims;
}

/** A datatype, as far as values are decoded from it. */
export type Datatype =
  | { kind: "int"; size: number; signed: boolean }
  | { kind: "float"; size: number }
  | { kind: "string"; size: number; utf8: boolean; vlen: boolean }
  | { kind: "enum"; size: number; base: Datatype; members: Map<string, number> }
  | { kind: "other"; size: number; hdf5Class: number };

/** A datatype message (recursively, for an enum's base). */
export function datatype(c: Cursor): Datatype {
  const classVersion = c.u8();
  const hdf5Class = classVersion & 0x0f;
  const version = classVersion >> 4;
  const bits = c.u8() | (c.u8() << 8) | (c.u8() << 16);
  const size = c.uint(4);
  switch (hdf5Class) {
    case 0: {
      c.skip(4);
      if (bits & 0x01) throw new DirectUnsupported("big-endian integers");
      if (![1, 2, 4, 8].includes(size)) throw new DirectUnsupported("int size");
      return { kind: "int", size, signed: (bits & 0x08) !== 0 };
    }
    case 1: {
      c.skip(12);
      if (bits & 0x41) throw new DirectUnsupported("big-endian floats");
      if (size !== 4 && size !== 8) throw new DirectUnsupported("float size");
      return { kind: "float", size };
    }
    case 3:
      return {
        kind: "string",
        size,
        utf8: (bits >> 4 & 0x0f) === 1,
        vlen: false,
      };
    case 8: {
      const base = datatype(c);
      const n = bits & 0xffff;
      const names: string[] = [];
      for (let i = 0; i < n; i++) {
        const start = c.pos;
        while (c.bytes[c.pos] !== 0) c.skip(1);
        names.push(new TextDecoder().decode(c.bytes.subarray(start, c.pos)));
        c.skip(1);
        if (version < 3) c.skip((8 - ((c.pos - start) % 8)) % 8);
      }
      const members = new Map<string, number>();
      for (const name of names) {
        const raw = c.take(base.size);
        members.set(name, base.kind === "int" ? intAt(raw, 0, base) : NaN);
      }
      return { kind: "enum", size, base, members };
    }
    case 9: {
      const base = datatype(c);
      if ((bits & 0x0f) !== 1) return { kind: "other", size, hdf5Class };
      return {
        kind: "string",
        size,
        utf8: ((bits >> 8) & 0x0f) === 1,
        vlen: base.size > 0,
      };
    }
    default:
      return { kind: "other", size, hdf5Class };
  }
}

/** An integer of type `t` at `bytes[at]`. */
export function intAt(
  bytes: Uint8Array,
  at: number,
  t: { size: number; signed: boolean },
): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset + at, t.size);
  switch (t.size) {
    case 1:
      return t.signed ? dv.getInt8(0) : dv.getUint8(0);
    case 2:
      return t.signed ? dv.getInt16(0, true) : dv.getUint16(0, true);
    case 4:
      return t.signed ? dv.getInt32(0, true) : dv.getUint32(0, true);
    default:
      return Number(
        t.signed ? dv.getBigInt64(0, true) : dv.getBigUint64(0, true),
      );
  }
}

/** Where a dataset's bytes are. */
export type Layout =
  | { kind: "compact"; data: Uint8Array }
  | { kind: "contiguous"; address: number; size: number }
  | { kind: "chunked" };

/** A data layout message (version 3 or 4). */
export function layout(c: Cursor): Layout {
  const version = c.u8();
  if (version !== 3 && version !== 4) {
    throw new DirectUnsupported(`layout version ${version}`);
  }
  const kind = c.u8();
  if (kind === 0) return { kind: "compact", data: c.take(c.uint(2)) };
  if (kind === 1) {
    return { kind: "contiguous", address: c.address(), size: c.length() };
  }
  if (kind === 2) return { kind: "chunked" };
  throw new DirectUnsupported(`layout class ${kind}`);
}

/** A link: a hard link's object header address, or another kind. */
export interface Link {
  name: string;
  address: number;
}

/** A link message (hard links only). */
export function link(c: Cursor): Link {
  if (c.u8() !== 1) throw new DirectUnsupported("link version");
  const flags = c.u8();
  const type = flags & 0x08 ? c.u8() : 0;
  if (flags & 0x04) c.skip(8);
  if (flags & 0x10) c.skip(1);
  const length = c.uint(1 << (flags & 0x03));
  const name = new TextDecoder().decode(c.take(length));
  if (type !== 0) throw new DirectUnsupported(`link type ${type}`);
  return { name, address: c.address() };
}

/** Where a group's or an object's dense storage is (link or attribute info). */
export interface DenseInfo {
  heap: number;
  names: number;
}

/** A link info (`attributes` false) or attribute info message. */
export function denseInfo(c: Cursor, attributes: boolean): DenseInfo {
  if (c.u8() !== 0) throw new DirectUnsupported("info message version");
  const flags = c.u8();
  if (flags & 0x01) c.skip(attributes ? 2 : 8);
  const heap = c.address();
  const names = c.address();
  return { heap, names };
}

/** An attribute message's name, type, shape and raw value. */
export interface Attribute {
  name: string;
  type: Datatype;
  shape: number[] | undefined;
  data: Uint8Array;
}

/** An attribute message (versions 1–3, nothing shared). */
export function attribute(c: Cursor): Attribute {
  const version = c.u8();
  const flags = c.u8();
  const nameSize = c.uint(2);
  const typeSize = c.uint(2);
  const spaceSize = c.uint(2);
  if (version === 3) c.skip(1);
  else if (version !== 1 && version !== 2) {
    throw new DirectUnsupported(`attribute version ${version}`);
  }
  if (version > 1 && flags & 0x03) {
    throw new DirectUnsupported("shared attribute type");
  }
  const pad = (n: number) => version === 1 ? Math.ceil(n / 8) * 8 : n;
  const nameBytes = c.take(pad(nameSize));
  const name = new TextDecoder().decode(
    nameBytes.subarray(0, Math.max(0, nameSize - 1)),
  );
  const type = datatype(new Cursor(c.take(pad(typeSize)), c.sizes));
  const shape = dataspace(new Cursor(c.take(pad(spaceSize)), c.sizes));
  const count = (shape ?? [0]).reduce((a, b) => a * b, 1);
  return {
    name,
    type,
    shape,
    data: c.take(count * elementSize(type, c.sizes)),
  };
}

/** Bytes one element takes in a dataset or attribute. */
export function elementSize(t: Datatype, sizes: Sizes): number {
  return t.kind === "string" && t.vlen ? 4 + sizes.offsets + 4 : t.size;
}
