/**
 * The one outbound queue of a CA circuit, for both roles: every header is
 * written through the codec's `writeHeader`, messages of one tick are
 * batched into one buffer, and large payloads are queued as they are
 * (never copied).
 *
 * @module
 */
import { align8, type HeaderFields, writeHeader } from "../codec/mod.ts";

/** Payloads at least this big are queued as their own chunk, not copied. */
export const BIG_CHUNK = 64 * 1024;
const INITIAL = 16 * 1024;
const ZEROS = new Uint8Array(8);

/** Options of {@link OutboundQueue}. */
export interface OutboundOptions {
  /**
   * Reuse two buffers in turn: the caller promises that every chunk of one
   * `take()` has been written out before the next `take()` (a sequential
   * writer). Without it, taken chunks are handed over for good (a writer
   * that keeps them, like a `node:net` socket).
   */
  recycle?: boolean;
  /**
   * Whether the writer is done with every chunk taken so far (written out,
   * its memory free to reuse). When it is and nothing is queued, the next
   * message starts at the buffer's beginning again, so a writer that keeps
   * up never needs a new buffer (without it, a fresh one every 12 KiB).
   */
  consumed?: () => boolean;
  /**
   * Called once in the microtask after messages were queued (outside
   * {@link OutboundQueue.batch}): messages of one tick go out in one write.
   */
  ready?: () => void;
}

/**
 * Bytes waiting to go out on one circuit, in order.
 *
 * @example
 * ```ts
 * const out = new OutboundQueue();
 * out.message({ command: 23, dataType: 0, dataCount: 0, param1: 0, param2: 0 });
 * const chunks = out.take(); // write them in order
 * ```
 */
export class OutboundQueue {
  #buf: Uint8Array<ArrayBuffer> = new Uint8Array(INITIAL);
  #view = new DataView(this.#buf.buffer);
  #alt?: Uint8Array<ArrayBuffer>;
  #start = 0;
  #end = 0;
  #chunks: Uint8Array[] = [];
  #chunkBytes = 0;
  #recycle: boolean;
  #consumed?: () => boolean;
  #ready?: () => void;
  #scheduled = false;
  #held = 0;

  /** @param options `recycle` for a sequential writer, `consumed` for one
   * that tells when it is done, `ready` to flush */
  constructor(options: OutboundOptions = {}) {
    this.#recycle = options.recycle ?? false;
    this.#consumed = options.consumed;
    this.#ready = options.ready;
    if (this.#recycle) this.#alt = new Uint8Array(INITIAL);
  }

  /**
   * Runs `fn` with `ready` held back, then calls `ready` once if anything
   * was queued (the replies to one received chunk in one write).
   */
  batch(fn: () => void): void {
    this.#held++;
    try {
      fn();
    } finally {
      if (--this.#held === 0 && this.bytes > 0) this.#ready?.();
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#held > 0 || !this.#ready) return;
    this.#scheduled = true;
    queueMicrotask(this.#fire);
  }

  #fire = (): void => {
    this.#scheduled = false;
    if (this.#held === 0 && this.bytes > 0) this.#ready?.();
  };

  /** Bytes queued and not yet taken. */
  get bytes(): number {
    return this.#chunkBytes + this.#end - this.#start;
  }

  /**
   * Queues one message: its header (16 or 24 bytes, by the codec) and its
   * payload zero-padded to a multiple of 8 bytes.
   */
  message(fields: HeaderFields, payload?: Uint8Array): void {
    const length = payload?.length ?? 0;
    const payloadSize = align8(length);
    const at = this.#reserve(24);
    const n = writeHeader(this.#view, at, { ...fields, payloadSize });
    this.#end = at + n;
    this.#schedule();
    if (length === 0) return;
    if (length >= BIG_CHUNK) {
      this.#cut();
      this.#chunks.push(payload!);
      this.#chunkBytes += length;
    } else {
      // reserve first: it may grow (replace) the buffer `set` writes into
      const at = this.#reserve(length);
      this.#buf.set(payload!, at);
    }
    if (payloadSize > length) {
      const at = this.#reserve(payloadSize - length);
      this.#buf.set(ZEROS.subarray(0, payloadSize - length), at);
    }
  }

  /** Queues a payload-less message (the hot path of a get: no object). */
  header(
    command: number,
    dataType: number,
    dataCount: number,
    param1: number,
    param2: number,
  ): void {
    const at = this.#reserve(24);
    const view = this.#view;
    this.#schedule();
    if (dataCount > 0xffff) {
      this.#end = at + writeHeader(view, at, {
        command,
        dataType,
        dataCount,
        param1,
        param2,
        payloadSize: 0,
      });
      return;
    }
    view.setUint16(at, command);
    view.setUint16(at + 2, 0);
    view.setUint16(at + 4, dataType);
    view.setUint16(at + 6, dataCount);
    view.setUint32(at + 8, param1 >>> 0);
    view.setUint32(at + 12, param2 >>> 0);
    this.#end = at + 16;
  }

  /** Queues an already encoded message (from `encodeRequest`/`encodeResponse`). */
  frame(bytes: Uint8Array): void {
    this.#schedule();
    if (bytes.length >= BIG_CHUNK) {
      this.#cut();
      this.#chunks.push(bytes);
      this.#chunkBytes += bytes.length;
    } else {
      const at = this.#reserve(bytes.length);
      this.#buf.set(bytes, at);
    }
  }

  /** Everything queued, as chunks to write in order; the queue is empty after. */
  take(): Uint8Array[] {
    this.#cut();
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#chunkBytes = 0;
    if (this.#recycle) {
      const used = this.#buf;
      this.#buf = this.#alt!;
      this.#view = new DataView(this.#buf.buffer);
      this.#alt = used;
      this.#start = this.#end = 0;
    } else if (this.#buf.length - this.#end < INITIAL / 4) {
      this.#buf = new Uint8Array(INITIAL);
      this.#view = new DataView(this.#buf.buffer);
      this.#start = this.#end = 0;
    }
    return chunks;
  }

  /** Drops everything queued. */
  clear(): void {
    this.#chunks = [];
    this.#chunkBytes = 0;
    this.#start = this.#end = 0;
  }

  /** Ends the current run of small messages as a chunk. */
  #cut(): void {
    if (this.#end === this.#start) return;
    this.#chunks.push(this.#buf.subarray(this.#start, this.#end));
    this.#chunkBytes += this.#end - this.#start;
    this.#start = this.#end;
  }

  /** Makes room for `n` bytes at the end; returns their offset (not yet counted). */
  #reserve(n: number): number {
    if (
      this.#end === this.#start && this.#end > 0 &&
      this.#chunks.length === 0 && this.#consumed?.()
    ) this.#start = this.#end = 0;
    if (this.#end + n > this.#buf.length) {
      // the run so far moves to a bigger buffer; taken chunks keep the old one
      const run = this.#buf.subarray(this.#start, this.#end);
      const grown = new Uint8Array(
        Math.max(this.#buf.length * 2, run.length + n),
      );
      grown.set(run);
      this.#buf = grown;
      this.#view = new DataView(grown.buffer);
      this.#end = run.length;
      this.#start = 0;
    }
    const at = this.#end;
    this.#end += n;
    return at;
  }
}
