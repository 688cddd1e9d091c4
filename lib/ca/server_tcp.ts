/**
 * The CA server's TCP transport on `Deno.listen`/`Deno.TcpConn`: an accept
 * loop that survives a failed accept (EMFILE: too many open files) by
 * retrying with back-off, and one connection per circuit with an ordered
 * write queue, the reading paused while the client does not read its replies.
 *
 * @module
 */
import type { CircuitTransport } from "./protocol/mod.ts";

/** Reading from a client stops while this much is unsent to it. */
export const READ_PAUSE_BYTES = 4 * 1024 * 1024;
const READ_SIZE = 64 * 1024;
const FIRST_READ_SIZE = 4 * 1024;
const FIRST_RETRY_MS = 5;
const LAST_RETRY_MS = 1000;

/** What an {@link acceptLoop} reports. */
export interface AcceptHandlers {
  /** A connection arrived. */
  accepted(conn: Deno.TcpConn): void;
  /** An accept failed; the next is tried after `retryMs`. */
  failed(error: Error, retryMs: number): void;
}

/**
 * Accepts connections until the listener is closed; a failed accept is
 * reported and retried after 5 ms, doubling up to 1 s while it keeps failing.
 *
 * @example
 * ```ts
 * const done = acceptLoop(Deno.listen({ port: 0 }), { accepted, failed });
 * listener.close(); await done;
 * ```
 */
export async function acceptLoop(
  listener: Deno.TcpListener,
  handlers: AcceptHandlers,
): Promise<void> {
  let retry = FIRST_RETRY_MS;
  for (;;) {
    let conn: Deno.TcpConn;
    try {
      conn = await listener.accept();
    } catch (error) {
      if (closedListener(error)) return;
      handlers.failed(error as Error, retry);
      const stop = await Promise.race([
        new Promise<boolean>((r) => setTimeout(() => r(false), retry)),
        closing(listener),
      ]);
      if (stop) return;
      retry = Math.min(retry * 2, LAST_RETRY_MS);
      continue;
    }
    retry = FIRST_RETRY_MS;
    try {
      handlers.accepted(conn);
    } catch (error) {
      // one connection's trouble (e.g. reset at once) never ends the loop
      handlers.failed(error as Error, 0);
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  }
}

const closers = new WeakMap<Deno.TcpListener, Promise<boolean>>();
const closeResolvers = new WeakMap<Deno.TcpListener, () => void>();

function closing(listener: Deno.TcpListener): Promise<boolean> {
  let p = closers.get(listener);
  if (!p) {
    p = new Promise((r) => closeResolvers.set(listener, () => r(true)));
    closers.set(listener, p);
  }
  return p;
}

/** Closes a listener of {@link acceptLoop} (also ends a back-off wait). */
export function closeListener(listener: Deno.TcpListener): void {
  try {
    listener.close();
  } catch {
    // already closed
  }
  closing(listener);
  closeResolvers.get(listener)?.();
}

function closedListener(error: unknown): boolean {
  return error instanceof Deno.errors.BadResource ||
    error instanceof Deno.errors.Interrupted;
}

/** What a {@link ConnTransport} tells its owner. */
export interface ConnEvents {
  /** Bytes from the client, valid during the call only (the read buffer:
   * the receiver copies what it keeps, as the frame reader does). */
  data(chunk: Uint8Array): void;
  /** Everything queued was written. */
  drained(): void;
  /** The connection is gone; `reason` for the log. */
  closed(reason: string): void;
}

/**
 * One circuit's connection: {@link CircuitTransport} for the circuit, a read
 * loop that feeds it. Writes go out in order, each batch as one write.
 */
export class ConnTransport implements CircuitTransport {
  readonly peer: string;
  #conn: Deno.TcpConn;
  #events: ConnEvents;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #writing = false;
  #closed = false;
  #resumeRead?: () => void;
  /** Resolves when the read loop has ended. */
  readonly done: Promise<void>;

  /** @param conn an accepted connection @param events its owner */
  constructor(conn: Deno.TcpConn, events: ConnEvents) {
    this.#conn = conn;
    this.#events = events;
    const a = conn.remoteAddr;
    this.peer = `${a.hostname}:${a.port}`;
    try {
      conn.setNoDelay(true);
    } catch {
      // already reset by the peer: the read loop will tell
    }
    this.done = this.#readLoop();
  }

  /** Bytes queued and not yet written. */
  get backlog(): number {
    return this.#queued;
  }

  /** Queues chunks to write in order. */
  send(chunks: Uint8Array[]): void {
    if (this.#closed) return;
    for (const c of chunks) {
      if (c.length === 0) continue;
      this.#queue.push(c);
      this.#queued += c.length;
    }
    if (!this.#writing && this.#queued > 0) void this.#writeLoop();
  }

  /** Closes the connection (the read loop then ends). */
  end(): void {
    this.#shut("closed by the server");
  }

  #shut(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#queued = 0;
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
    this.#resumeRead?.();
    this.#events.closed(reason);
  }

  async #writeLoop(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const batch = this.#take();
        let off = 0;
        while (off < batch.length && !this.#closed) {
          off += await this.#conn.write(batch.subarray(off));
        }
        if (this.#closed) return;
        this.#queued -= batch.length;
      }
    } catch (error) {
      this.#shut(`write failed: ${(error as Error).message}`);
    } finally {
      this.#writing = false;
    }
    if (this.#closed) return;
    this.#resumeRead?.();
    this.#events.drained();
  }

  /** The queued chunks as one buffer (small ones joined; a big one alone). */
  #take(): Uint8Array {
    const q = this.#queue;
    if (q.length === 1 || q[0].length >= READ_SIZE) return q.shift()!;
    let n = 0;
    let k = 0;
    while (k < q.length && q[k].length < READ_SIZE) n += q[k++].length;
    if (k === 1) return q.shift()!;
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of q.splice(0, k)) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }

  async #readLoop(): Promise<void> {
    // small until the client sends more: an idle circuit costs little
    let buf = new Uint8Array(FIRST_READ_SIZE);
    let reason = "client disconnected";
    try {
      while (!this.#closed) {
        if (this.#queued > READ_PAUSE_BYTES) {
          // TCP flow control: no more requests while the replies pile up
          await new Promise<void>((r) => this.#resumeRead = r);
          this.#resumeRead = undefined;
          continue;
        }
        const n = await this.#conn.read(buf);
        if (n === null) break;
        this.#events.data(buf.subarray(0, n));
        if (n === buf.length && buf.length < READ_SIZE) {
          buf = new Uint8Array(buf.length * 4);
        }
      }
    } catch (error) {
      if (!this.#closed) reason = `socket error: ${(error as Error).message}`;
    }
    this.#shut(reason);
  }
}
