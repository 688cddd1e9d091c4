/**
 * Byte-swapping a large DBR array while it is being received, so that the
 * work overlaps the wait for the rest and the finished message decodes
 * without a pass over 8 MB (the receiving side of either role).
 *
 * @module
 */
import {
  Command,
  dbrSwapRegion,
  type FrameReader,
  type RawMessage,
  swapElements,
  type SwapRegion,
} from "../codec/mod.ts";

/** A large DBR array being byte-swapped chunk by chunk as it arrives. */
interface PendingSwap extends SwapRegion {
  payload: Uint8Array;
  /** Bytes of the region swapped so far (from `start`). */
  done: number;
}

/**
 * Swaps the value arrays of READ_NOTIFY / EVENT_ADD replies ahead, as their
 * bytes arrive; marks the finished message `nativeOrder`.
 *
 * @example
 * ```ts
 * const ahead = new SwapAhead();
 * const done = reader.commit(n);
 * if (ahead.active || reader.partial) ahead.update(reader, done);
 * ```
 */
export class SwapAhead {
  #swap?: PendingSwap;

  /** Whether a swap is under way. */
  get active(): boolean {
    return this.#swap !== undefined;
  }

  /** After a receive: swap what arrived; mark a message finished by it. */
  update(reader: FrameReader, completed: RawMessage[]): void {
    const partial = reader.partial;
    if (partial && this.#swap?.payload !== partial.payload) {
      this.#swap = undefined;
      const { command, payload } = partial;
      if (command === Command.READ_NOTIFY || command === Command.EVENT_ADD) {
        const region = dbrSwapRegion(
          partial.dataType,
          partial.dataCount,
          payload.length,
        );
        if (region && (payload.byteOffset + region.start) % region.size === 0) {
          this.#swap = { ...region, payload, done: region.start };
        }
      }
    }
    const swap = this.#swap;
    if (!swap) return;
    if (partial?.payload === swap.payload) {
      const filled = Math.min(partial.filled, swap.end);
      const upTo = filled - ((filled - swap.start) % swap.size);
      if (upTo > swap.done) {
        swapElements(swap.payload, swap.done, upTo, swap.size);
        swap.done = upTo;
      }
      return;
    }
    this.#swap = undefined;
    for (const raw of completed) {
      if (raw.payload !== swap.payload) continue;
      if (swap.end > swap.done) {
        swapElements(swap.payload, swap.done, swap.end, swap.size);
      }
      raw.nativeOrder = true;
    }
  }
}
