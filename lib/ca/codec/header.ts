/**
 * CA message headers (16-byte standard, 24-byte extended) and the streaming
 * frame splitter: bytes in → whole messages out, like caproto's
 * `VirtualCircuit.recv`. No sockets here.
 *
 * @module
 */

/** A malformed or oversized CA message. Never a crash: callers catch this. */
export class CAProtocolError extends Error {
  /** @param message what was wrong, and what was expected */
  constructor(message: string) {
    super(message);
    this.name = "CAProtocolError";
  }
}

/** The header fields of a message (sizes are taken from the payload). */
export interface HeaderFields {
  /** Command id (see `Command`). */
  command: number;
  /** m_dataType. */
  dataType: number;
  /** m_count (32-bit when the extended header is used). */
  dataCount: number;
  /** m_cid / first parameter. */
  param1: number;
  /** m_available / second parameter. */
  param2: number;
}

/** A framed message: header fields plus its payload, which it owns. */
export interface RawMessage extends HeaderFields {
  /** Payload size from the header (= payload.length). */
  payloadSize: number;
  /**
   * The payload bytes (padding included); never reused by the reader. Small
   * payloads completed by the same chunk share one buffer (disjoint views);
   * a large one has a buffer of its own.
   */
  payload: Uint8Array;
  /**
   * Set by a receiver that already swapped the payload's DBR value array to
   * host byte order (see `dbrSwapRegion`); decode with `nativeOrder`.
   */
  nativeOrder?: boolean;
}

/** A large message still being received by a {@link FrameReader}. */
export interface PartialMessage extends HeaderFields {
  /** The message's own payload buffer (becomes `RawMessage.payload`). */
  readonly payload: Uint8Array;
  /** Bytes of `payload` received so far. */
  readonly filled: number;
}

/** Size of the standard header. */
export const HEADER_SIZE = 16;
/** Size of the extended header (standard + 32-bit payload size and count). */
export const EXTENDED_HEADER_SIZE = 24;

/** Rounds a byte count up to a multiple of 8, as CA payloads must be. */
export function align8(n: number): number {
  return (n + 7) & ~7;
}

/**
 * Writes a header for `payloadSize` bytes of payload into `target` at
 * `offset`; uses the extended form when the payload is ≥ 0xFFFF bytes or the
 * count exceeds 0xFFFF. Returns the header length (16 or 24).
 */
export function writeHeader(
  target: DataView,
  offset: number,
  fields: HeaderFields & { payloadSize: number },
): number {
  const extended = fields.payloadSize >= 0xffff || fields.dataCount > 0xffff;
  target.setUint16(offset, fields.command);
  target.setUint16(offset + 2, extended ? 0xffff : fields.payloadSize);
  target.setUint16(offset + 4, fields.dataType);
  target.setUint16(offset + 6, extended ? 0 : fields.dataCount);
  target.setUint32(offset + 8, fields.param1 >>> 0);
  target.setUint32(offset + 12, fields.param2 >>> 0);
  if (!extended) return HEADER_SIZE;
  target.setUint32(offset + 16, fields.payloadSize);
  target.setUint32(offset + 20, fields.dataCount);
  return EXTENDED_HEADER_SIZE;
}

/** The header length `writeHeader` will use for these sizes. */
export function headerSize(payloadSize: number, dataCount: number): number {
  return payloadSize >= 0xffff || dataCount > 0xffff
    ? EXTENDED_HEADER_SIZE
    : HEADER_SIZE;
}

/**
 * Encodes one message: header plus `payload` padded with zeros to a multiple
 * of 8 bytes.
 *
 * @example
 * ```ts
 * const echo = encodeRaw({ command: 23, dataType: 0, dataCount: 0, param1: 0, param2: 0 });
 * ```
 */
export function encodeRaw(
  fields: HeaderFields,
  payload?: Uint8Array,
): Uint8Array {
  const size = align8(payload?.length ?? 0);
  const hsize = headerSize(size, fields.dataCount);
  const out = new Uint8Array(hsize + size);
  writeHeader(new DataView(out.buffer), 0, { ...fields, payloadSize: size });
  if (payload) out.set(payload, hsize);
  return out;
}

/** Options of {@link FrameReader} and {@link splitDatagram}. */
export interface FrameOptions {
  /** Largest payload accepted, in bytes; a bigger header is a protocol error. Default 256 MiB. */
  maxPayload?: number;
}

const DEFAULT_MAX_PAYLOAD = 256 * 1024 * 1024;
/** Payloads at least this big are received straight into their own buffer. */
const BIG_PAYLOAD = 64 * 1024;

interface PendingBig extends HeaderFields {
  payload: Uint8Array;
  filled: number;
}

/**
 * Streaming frame splitter for a TCP circuit. Feed it the received chunks;
 * it returns every complete message and reports how many more bytes the next
 * one needs. Large payloads are accumulated straight into their own buffer
 * (one copy). A header announcing more than `maxPayload` throws a
 * {@link CAProtocolError}, after which the reader refuses further input.
 *
 * @example
 * ```ts
 * const reader = new FrameReader({ maxPayload: 16 << 20 });
 * socket.on("data", (chunk) => { for (const m of reader.push(chunk)) handle(m); });
 * ```
 */
export class FrameReader {
  #buf = new Uint8Array(64 * 1024);
  #len = 0;
  #big: PendingBig | undefined;
  #offered: Uint8Array | undefined;
  /** The one message (command, param2) the offered buffer is for, if any. */
  #offeredFor: { command: number; param2: number } | undefined;
  #max: number;
  #failed: CAProtocolError | undefined;

  /** @param options `maxPayload` bound */
  constructor(options: FrameOptions = {}) {
    this.#max = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  }

  /** Bytes still needed to complete the next message (≥ 1). */
  get needed(): number {
    if (this.#big) return this.#big.payload.length - this.#big.filled;
    if (this.#len < HEADER_SIZE) return HEADER_SIZE - this.#len;
    const view = new DataView(this.#buf.buffer, 0, this.#len);
    const ps = view.getUint16(2);
    if (ps === 0xffff && view.getUint16(6) === 0) {
      if (this.#len < EXTENDED_HEADER_SIZE) {
        return EXTENDED_HEADER_SIZE - this.#len;
      }
      return EXTENDED_HEADER_SIZE + view.getUint32(16) - this.#len;
    }
    return HEADER_SIZE + ps - this.#len;
  }

  /** Bytes held in the reader (partial message), for memory accounting. */
  get buffered(): number {
    return this.#len + (this.#big?.filled ?? 0);
  }

  /**
   * The large message being received straight into its own buffer, if any
   * (its bytes `[0, filled)` are final and may be transformed in place).
   */
  get partial(): PartialMessage | undefined {
    return this.#big;
  }

  /**
   * Allocates now the buffer of a large payload of exactly `size` bytes that
   * is expected soon (a reply to a request just sent), so that the allocation
   * overlaps the wait instead of delaying the receive. The next large
   * message of that size takes it; a later offer of another size replaces it.
   */
  offer(size: number): void {
    if (size < BIG_PAYLOAD || size > this.#max) return;
    if (this.#offered?.length !== size || this.#offeredFor) {
      this.#offered = allocatePayload(size);
      this.#offeredFor = undefined;
    }
  }

  /**
   * Offers the caller's `payload` as the buffer of the one large message
   * with this `command` and `param2` (a reply to a request just sent), if
   * its payload has exactly `payload.length` bytes: it is then received
   * straight into that memory. Other messages never use it.
   */
  offerFor(
    message: { command: number; param2: number },
    payload: Uint8Array,
  ): void {
    if (payload.length < BIG_PAYLOAD || payload.length > this.#max) return;
    this.#offered = payload;
    this.#offeredFor = { command: message.command, param2: message.param2 };
  }

  /** Drops the buffer of {@link offerFor} unless its message is arriving. */
  withdraw(payload: Uint8Array): void {
    if (this.#offered !== payload) return;
    this.#offered = undefined;
    this.#offeredFor = undefined;
  }

  /** Feeds received bytes; returns the messages they complete, in order. */
  push(chunk: Uint8Array): RawMessage[] {
    if (this.#failed) throw this.#failed;
    const out: RawMessage[] = [];
    let off = 0;
    const big = this.#big;
    if (big) {
      const n = Math.min(chunk.length, big.payload.length - big.filled);
      big.payload.set(chunk.subarray(0, n), big.filled);
      big.filled += n;
      off = n;
      if (big.filled < big.payload.length) return out;
      this.#big = undefined;
      out.push(finish(big));
    }
    if (off < chunk.length) this.#append(chunk.subarray(off));
    this.#parseOrFail(out);
    return out;
  }

  /**
   * Zero-copy receive, step 1: the region the next received bytes should be
   * written into (for `conn.read(reader.writable())`). While a large payload
   * is being received this is that payload's own buffer, so it is never
   * copied. Follow with {@link FrameReader.commit}.
   */
  writable(): Uint8Array {
    if (this.#failed) throw this.#failed;
    if (this.#big) return this.#big.payload.subarray(this.#big.filled);
    const free = this.#buf.length - this.#len;
    if (free < 16 * 1024) {
      const grown = new Uint8Array(this.#buf.length * 2);
      grown.set(this.#buf.subarray(0, this.#len));
      this.#buf = grown;
    }
    return this.#buf.subarray(this.#len);
  }

  /** Zero-copy receive, step 2: `n` bytes were written into `writable()`. */
  commit(n: number): RawMessage[] {
    if (this.#failed) throw this.#failed;
    const out: RawMessage[] = [];
    const big = this.#big;
    if (big) {
      big.filled += n;
      if (big.filled >= big.payload.length) {
        this.#big = undefined;
        out.push(finish(big));
      }
      return out;
    }
    this.#len += n;
    this.#parseOrFail(out);
    return out;
  }

  /** Parses what is buffered; a bad frame poisons the reader for good. */
  #parseOrFail(out: RawMessage[]): void {
    try {
      this.#parse(out);
    } catch (error) {
      this.#failed = error as CAProtocolError;
      this.#len = 0;
      throw error;
    }
  }

  #append(bytes: Uint8Array): void {
    const need = this.#len + bytes.length;
    if (need > this.#buf.length) {
      const grown = new Uint8Array(Math.max(need, this.#buf.length * 2));
      grown.set(this.#buf.subarray(0, this.#len));
      this.#buf = grown;
    }
    this.#buf.set(bytes, this.#len);
    this.#len = need;
  }

  #parse(out: RawMessage[]): void {
    const buf = this.#buf;
    const view = new DataView(buf.buffer, buf.byteOffset, this.#len);
    const first = out.length;
    const starts: number[] = [];
    let p = 0;
    while (this.#len - p >= HEADER_SIZE) {
      const avail = this.#len - p;
      let payloadSize = view.getUint16(p + 2);
      let dataCount = view.getUint16(p + 6);
      let hsize = HEADER_SIZE;
      if (payloadSize === 0xffff && dataCount === 0) {
        if (avail < EXTENDED_HEADER_SIZE) break;
        payloadSize = view.getUint32(p + 16);
        dataCount = view.getUint32(p + 20);
        hsize = EXTENDED_HEADER_SIZE;
      }
      if (payloadSize > this.#max) {
        throw new CAProtocolError(
          `CA message (command ${
            view.getUint16(p)
          }) announces a ${payloadSize}-byte payload; expected at most ${this.#max} bytes`,
        );
      }
      const complete = avail >= hsize + payloadSize;
      if (!complete && payloadSize < BIG_PAYLOAD) break;
      const msg: RawMessage = {
        command: view.getUint16(p),
        payloadSize,
        dataType: view.getUint16(p + 4),
        dataCount,
        param1: view.getUint32(p + 8),
        param2: view.getUint32(p + 12),
        payload: EMPTY,
      };
      if (complete) {
        out.push(msg);
        starts.push(p + hsize);
        p += hsize + payloadSize;
        continue;
      }
      let payload = this.#offered;
      const only = this.#offeredFor;
      if (
        payload?.length === payloadSize &&
        (!only || (only.command === msg.command && only.param2 === msg.param2))
      ) {
        this.#offered = undefined;
        this.#offeredFor = undefined;
      } else payload = allocatePayload(payloadSize);
      payload.set(buf.subarray(p + hsize, this.#len));
      this.#big = { ...msg, payload, filled: avail - hsize };
      p = this.#len;
      break;
    }
    if (starts.length > 0) {
      // one allocation for all payloads completed by this chunk
      const end = starts.at(-1)! + out.at(-1)!.payloadSize;
      const slab = buf.slice(starts[0], end);
      for (let i = 0; i < starts.length; i++) {
        const m = out[first + i];
        const at = starts[i] - starts[0];
        m.payload = slab.subarray(at, at + m.payloadSize);
      }
    }
    if (p > 0) {
      buf.copyWithin(0, p, this.#len);
      this.#len -= p;
    }
    if (this.#len === 0 && buf.length > 1024 * 1024) {
      this.#buf = new Uint8Array(64 * 1024); // give back a grown buffer
    }
  }
}

const EMPTY = new Uint8Array(0);

let allocatorPrimed = false;

/**
 * Allocates the buffer of a large payload. The first time, it also allocates
 * and at once frees a block just under 32 MiB: glibc's malloc then raises its
 * dynamic mmap and trim thresholds (as after any such free), so the payload
 * buffers of consecutive large gets are carved from heap memory it keeps and
 * reuses once the garbage collector frees them, instead of fresh pages, which
 * cost ~12 µs per 4 KiB page to fault in on some VMs (~30 ms per 8 MB).
 * Touches no pages; harmless with other allocators.
 */
function allocatePayload(size: number): Uint8Array {
  if (!allocatorPrimed) {
    allocatorPrimed = true;
    try {
      new ArrayBuffer((32 << 20) - (64 << 10)).transfer(0);
    } catch {
      // no 32 MiB of address space to spare: only a missed optimisation
    }
  }
  return new Uint8Array(size);
}

function finish(big: PendingBig): RawMessage {
  return {
    command: big.command,
    dataType: big.dataType,
    dataCount: big.dataCount,
    param1: big.param1,
    param2: big.param2,
    payloadSize: big.payload.length,
    payload: big.payload,
  };
}

/**
 * Splits one UDP datagram into its messages. A truncated or oversized
 * message throws a {@link CAProtocolError}.
 */
export function splitDatagram(
  datagram: Uint8Array,
  options: FrameOptions = {},
): RawMessage[] {
  const max = options.maxPayload ?? 0xffff + 16;
  const view = new DataView(
    datagram.buffer,
    datagram.byteOffset,
    datagram.byteLength,
  );
  const out: RawMessage[] = [];
  let p = 0;
  while (p < datagram.length) {
    if (datagram.length - p < HEADER_SIZE) {
      throw new CAProtocolError(
        `CA datagram has ${
          datagram.length - p
        } trailing bytes; expected a 16-byte header`,
      );
    }
    let payloadSize = view.getUint16(p + 2);
    let dataCount = view.getUint16(p + 6);
    let hsize = HEADER_SIZE;
    if (payloadSize === 0xffff && dataCount === 0) {
      if (datagram.length - p < EXTENDED_HEADER_SIZE) {
        throw new CAProtocolError(
          "CA datagram has a truncated extended header",
        );
      }
      payloadSize = view.getUint32(p + 16);
      dataCount = view.getUint32(p + 20);
      hsize = EXTENDED_HEADER_SIZE;
    }
    if (payloadSize > max || p + hsize + payloadSize > datagram.length) {
      throw new CAProtocolError(
        `CA datagram message announces a ${payloadSize}-byte payload but only ${
          datagram.length - p - hsize
        } bytes follow`,
      );
    }
    out.push({
      command: view.getUint16(p),
      dataType: view.getUint16(p + 4),
      dataCount,
      param1: view.getUint32(p + 8),
      param2: view.getUint32(p + 12),
      payloadSize,
      payload: datagram.slice(p + hsize, p + hsize + payloadSize),
    });
    p += hsize + payloadSize;
  }
  return out;
}
