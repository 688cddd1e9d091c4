/**
 * Bytes of a file read by position (pages of 64 KiB, cached) and a
 * little-endian cursor over them, for the direct HDF5 reader.
 *
 * @module
 */

/** The direct reader met something it does not read; h5wasm reads the file. */
export class DirectUnsupported extends Error {
  /** @param message what was met */
  constructor(message: string) {
    super(message);
    this.name = "DirectUnsupported";
  }
}

/** The address HDF5 writes for "none" (all bits set). */
export const UNDEFINED = -1;

const PAGE = 1 << 16;

/** A file's bytes by position, read a page at a time. */
export class ByteSource {
  readonly #file: Deno.FsFile;
  readonly #pages = new Map<number, Uint8Array>();
  /** Length of the file in bytes. */
  readonly size: number;

  /** @param path the file to read */
  constructor(path: string) {
    this.#file = Deno.openSync(path, { read: true });
    this.size = this.#file.statSync().size;
  }

  #page(n: number): Uint8Array {
    let page = this.#pages.get(n);
    if (!page) {
      const at = n * PAGE;
      const length = Math.min(PAGE, this.size - at);
      page = new Uint8Array(Math.max(0, length));
      this.#file.seekSync(at, Deno.SeekMode.Start);
      for (let got = 0; got < page.length;) {
        const k = this.#file.readSync(page.subarray(got));
        if (!k) throw new DirectUnsupported(`short read at ${at + got}`);
        got += k;
      }
      this.#pages.set(n, page);
    }
    return page;
  }

  /** `length` bytes at `offset` (a view when they lie in one page). */
  bytes(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new DirectUnsupported(
        `bytes ${offset}+${length} outside the file (${this.size} bytes)`,
      );
    }
    const first = Math.floor(offset / PAGE);
    const last = Math.floor((offset + length - 1) / PAGE);
    if (length === 0 || first === last) {
      const from = offset - first * PAGE;
      return this.#page(first).subarray(from, from + length);
    }
    const out = new Uint8Array(length);
    for (let n = first, put = 0; n <= last; n++) {
      const page = this.#page(n);
      const from = n === first ? offset - first * PAGE : 0;
      const to = Math.min(page.length, from + length - put);
      out.set(page.subarray(from, to), put);
      put += to - from;
    }
    return out;
  }

  /** Closes the file. */
  close(): void {
    this.#file.close();
  }
}

/** A little-endian reader over bytes, with HDF5's offset and length sizes. */
export class Cursor {
  readonly bytes: Uint8Array;
  pos: number;
  readonly #offsets: number;
  readonly #lengths: number;

  /**
   * @param bytes what to read
   * @param sizes HDF5's size of offsets and of lengths (bytes)
   */
  constructor(
    bytes: Uint8Array,
    sizes: { offsets: number; lengths: number },
    pos = 0,
  ) {
    this.bytes = bytes;
    this.pos = pos;
    this.#offsets = sizes.offsets;
    this.#lengths = sizes.lengths;
  }

  /** The sizes this cursor reads offsets and lengths with. */
  get sizes(): { offsets: number; lengths: number } {
    return { offsets: this.#offsets, lengths: this.#lengths };
  }

  #need(n: number): void {
    if (this.pos + n > this.bytes.length) {
      throw new DirectUnsupported(
        `structure ends early (${n} bytes at ${this.pos} of ${this.bytes.length})`,
      );
    }
  }

  /** An unsigned integer of `n` bytes (≤ 8, below 2^53). */
  uint(n: number): number {
    this.#need(n);
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + this.bytes[this.pos + i];
    this.pos += n;
    if (v > Number.MAX_SAFE_INTEGER) {
      throw new DirectUnsupported(`a number beyond 2^53`);
    }
    return v;
  }

  /** One byte. */
  u8(): number {
    this.#need(1);
    return this.bytes[this.pos++];
  }

  /** An address ({@link UNDEFINED} when all bits are set). */
  address(): number {
    this.#need(this.#offsets);
    const all = this.bytes.subarray(this.pos, this.pos + this.#offsets)
      .every((b) => b === 0xff);
    if (all) {
      this.pos += this.#offsets;
      return UNDEFINED;
    }
    return this.uint(this.#offsets);
  }

  /** A length field. */
  length(): number {
    return this.uint(this.#lengths);
  }

  /** `n` bytes (a view). */
  take(n: number): Uint8Array {
    this.#need(n);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Skips `n` bytes. */
  skip(n: number): void {
    this.#need(n);
    this.pos += n;
  }

  /** Checks a 4-byte ASCII signature. */
  signature(expected: string): void {
    const got = String.fromCharCode(...this.take(4));
    if (got !== expected) {
      throw new DirectUnsupported(`expected ${expected}, found '${got}'`);
    }
  }
}

/** Bytes needed to encode `n` (HDF5's H5VM_limit_enc_size). */
export function encodedSize(n: number): number {
  return Math.floor(Math.floor(Math.log2(Math.max(1, n))) / 8) + 1;
}

function rot(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Jenkins' lookup3 hash of `bytes` (HDF5's metadata checksum). */
export function lookup3(bytes: Uint8Array, initval = 0): number {
  let length = bytes.length;
  let a = (0xdeadbeef + length + initval) | 0;
  let b = a;
  let c = a;
  let k = 0;
  const word = (i: number) =>
    bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) |
    (bytes[i + 3] << 24);
  while (length > 12) {
    a = (a + word(k)) | 0;
    b = (b + word(k + 4)) | 0;
    c = (c + word(k + 8)) | 0;
    a = (a - c) | 0, a ^= rot(c, 4), c = (c + b) | 0;
    b = (b - a) | 0, b ^= rot(a, 6), a = (a + c) | 0;
    c = (c - b) | 0, c ^= rot(b, 8), b = (b + a) | 0;
    a = (a - c) | 0, a ^= rot(c, 16), c = (c + b) | 0;
    b = (b - a) | 0, b ^= rot(a, 19), a = (a + c) | 0;
    c = (c - b) | 0, c ^= rot(b, 4), b = (b + a) | 0;
    length -= 12;
    k += 12;
  }
  if (length === 0) return c >>> 0;
  const tail = [0, 0, 0];
  for (let i = 0; i < length; i++) {
    tail[i >> 2] += bytes[k + i] << (8 * (i & 3));
  }
  a = (a + tail[0]) | 0;
  b = (b + tail[1]) | 0;
  c = (c + tail[2]) | 0;
  c ^= b, c = (c - rot(b, 14)) | 0;
  a ^= c, a = (a - rot(c, 11)) | 0;
  b ^= a, b = (b - rot(a, 25)) | 0;
  c ^= b, c = (c - rot(b, 16)) | 0;
  a ^= c, a = (a - rot(c, 4)) | 0;
  b ^= a, b = (b - rot(a, 14)) | 0;
  c ^= b, c = (c - rot(b, 24)) | 0;
  return c >>> 0;
}

/** Checks the lookup3 checksum stored after `bytes[from, to)`. */
export function checkSum(bytes: Uint8Array, from: number, to: number): void {
  const stored = (bytes[to] | (bytes[to + 1] << 8) | (bytes[to + 2] << 16) |
    (bytes[to + 3] << 24)) >>> 0;
  if (to + 4 > bytes.length || lookup3(bytes.subarray(from, to)) !== stored) {
    throw new DirectUnsupported(`checksum mismatch`);
  }
}
