/**
 * The client circuit's table of requests waiting for replies, by ioid: what
 * each one expects, its deadline, and how it ends (resolved by its reply,
 * rejected on timeout, loss or release).
 *
 * @module
 */
import { CAError } from "../errors.ts";
import type { CAValue, GetBuffer } from "../client_types.ts";
import type { ChannelState } from "./client_state.ts";

/** What every waiting request has. */
interface Waiting {
  channel: ChannelState;
  reject(error: Error): void;
  /** `now()` time (ms) after which it fails with ECA_TIMEOUT. */
  deadline: number;
  /** Seconds, for the message. */
  timeout: number;
}

/** A READ_NOTIFY waiting for its value. */
export interface PendingRead extends Waiting {
  read: true;
  resolve(value: CAValue): void;
  /** The element count asked for (0: the server's current count). */
  count: number;
  /** The caller's buffer to fill, if any. */
  into: GetBuffer | undefined;
}

/** A WRITE_NOTIFY waiting for its completion. */
export interface PendingWrite extends Waiting {
  read: false;
  /** Resolves with the ECA status of the completion. */
  resolve(status: number): void;
}

/** A request waiting for its reply. */
export type Pending = PendingRead | PendingWrite;

/**
 * Requests by ioid.
 *
 * @example
 * ```ts
 * const table = new RequestTable();
 * table.add(7, op);
 * table.take(7); // op, and it is gone
 * ```
 */
export class RequestTable {
  #ops = new Map<number, Pending>();

  /** Requests waiting. */
  get size(): number {
    return this.#ops.size;
  }

  /** Adds the request `ioid`. */
  add(ioid: number, op: Pending): void {
    this.#ops.set(ioid, op);
  }

  /** The request `ioid`, if it is waiting. */
  get(ioid: number): Pending | undefined {
    return this.#ops.get(ioid);
  }

  /** Removes and returns the request `ioid` (undefined if unknown). */
  take(ioid: number): Pending | undefined {
    const op = this.#ops.get(ioid);
    if (op) this.#ops.delete(ioid);
    return op;
  }

  /** Fails every request of `channel` with `error`. */
  rejectChannel(channel: ChannelState, error: Error): void {
    for (const [id, op] of this.#ops) {
      if (op.channel !== channel) continue;
      this.#ops.delete(id);
      op.reject(error);
    }
  }

  /**
   * Fails the requests due by `now` with ECA_TIMEOUT (naming `server`);
   * returns the next deadline (Infinity when none is left).
   */
  expire(now: number, server: string): number {
    let next = Infinity;
    for (const [id, op] of this.#ops) {
      if (op.deadline <= now + 1) {
        this.#ops.delete(id);
        op.reject(
          new CAError(
            op.channel.name,
            "ECA_TIMEOUT",
            `no reply from ${server} within ${op.timeout} s`,
          ),
        );
      } else next = Math.min(next, op.deadline);
    }
    return next;
  }
}
