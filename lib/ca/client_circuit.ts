/**
 * One TCP virtual circuit from the client to a CA server (host:port): the
 * handshake (VERSION, HOST_NAME, CLIENT_NAME), batched writes with Nagle off,
 * a read loop feeding the codec's FrameReader, and the ECHO probe that
 * declares a silent server dead after EPICS_CA_CONN_TMO.
 *
 * @module
 */
import {
  CA_MINOR_VERSION,
  CAProtocolError,
  type CAResponse,
  Command,
  dbrSwapRegion,
  decodeResponse,
  encodeRequest,
  EXTENDED_HEADER_SIZE,
  FrameReader,
  HEADER_SIZE,
  type RawMessage,
  swapElements,
  type SwapRegion,
  writeHeader,
} from "./codec/mod.ts";

/** A large DBR array being byte-swapped chunk by chunk as it arrives. */
interface PendingSwap extends SwapRegion {
  payload: Uint8Array;
  /** Bytes of the region swapped so far (from `start`). */
  done: number;
}

/** What a circuit reports to its owner. */
export interface CircuitHandlers {
  /** A message arrived. */
  message(circuit: Circuit, msg: CAResponse): void;
  /** A READ_NOTIFY reply arrived (undecoded: the hot path of a get). */
  readNotify(circuit: Circuit, raw: RawMessage): void;
  /** The circuit is gone (EOF, error, unresponsive or closed); called once. */
  closed(circuit: Circuit, reason: string): void;
}

/** Options of {@link Circuit.connect}. */
export interface CircuitOptions {
  /** Seconds to wait for the TCP connection. */
  connectTimeout: number;
  /** Seconds of silence before an ECHO probe; as long again for its answer. */
  echoTimeout: number;
  /** Largest payload accepted. */
  maxPayload: number;
  hostName: string;
  userName: string;
}

/** A connected circuit. Create with {@link Circuit.connect}. */
export class Circuit {
  /** "host:port". */
  readonly key: string;
  /** Server host (IPv4). */
  readonly host: string;
  /** Server TCP port. */
  readonly port: number;
  /** Minor protocol version the server announced (search reply or VERSION). */
  version: number;
  #conn: Deno.TcpConn;
  #handlers: CircuitHandlers;
  #reader: FrameReader;
  #queue: Uint8Array[] = [];
  #out = new Uint8Array(16 * 1024);
  #outView = new DataView(this.#out.buffer);
  #outLen = 0;
  /** The other send buffer: written out while new messages fill `#out`. */
  #alt = new Uint8Array(16 * 1024);
  #altView = new DataView(this.#alt.buffer);
  #flushing = false;
  #closed = false;
  #lastReceive = performance.now();
  #echoSentAt = 0;
  #echoTimer?: ReturnType<typeof setTimeout>;
  #echoTimeout: number;
  #readLoop: Promise<void>;
  #swap?: PendingSwap;

  private constructor(
    conn: Deno.TcpConn,
    handlers: CircuitHandlers,
    options: CircuitOptions & { host: string; port: number; version: number },
  ) {
    this.#conn = conn;
    this.#handlers = handlers;
    this.host = options.host;
    this.port = options.port;
    this.key = `${options.host}:${options.port}`;
    this.version = options.version;
    this.#reader = new FrameReader({ maxPayload: options.maxPayload });
    this.#echoTimeout = options.echoTimeout * 1000;
    this.send(encodeRequest({
      command: "VERSION",
      priority: 0,
      version: CA_MINOR_VERSION,
    }));
    this.send(encodeRequest({ command: "HOST_NAME", name: options.hostName }));
    this.send(
      encodeRequest({ command: "CLIENT_NAME", name: options.userName }),
    );
    this.#armEcho(this.#echoTimeout);
    this.#readLoop = this.#read();
  }

  /**
   * Opens the TCP connection and sends the handshake. Rejects with an Error
   * naming the address when it cannot connect in time.
   */
  static async connect(
    address: { host: string; port: number; version: number },
    handlers: CircuitHandlers,
    options: CircuitOptions,
  ): Promise<Circuit> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connecting = Deno.connect({
      hostname: address.host,
      port: address.port,
    });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `no TCP connection to ${address.host}:${address.port} within ${options.connectTimeout} s`,
            ),
          ),
        options.connectTimeout * 1000,
      );
    });
    try {
      const conn = await Promise.race([connecting, timeout]);
      conn.setNoDelay(true);
      conn.setKeepAlive(true);
      return new Circuit(conn, handlers, { ...options, ...address });
    } catch (error) {
      connecting.then((c) => c.close(), () => {});
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whether the circuit is closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Queues a frame; frames queued in the same tick go out in one write. */
  send(frame: Uint8Array): void {
    if (this.#closed) return;
    if (frame.length >= 64 * 1024) {
      // big payload: queue it as is rather than copying it
      this.#takeBuffered();
      this.#queue.push(frame);
    } else {
      this.#reserve(frame.length).set(frame, this.#outLen - frame.length);
    }
    this.#schedule();
  }

  /**
   * A reply with a payload of `size` bytes is expected: for a large one the
   * receive buffer is allocated now, while the server prepares it.
   */
  expectPayload(size: number): void {
    if (!this.#closed) this.#reader.offer(size);
  }

  /** Queues a payload-less message written straight into the send buffer. */
  sendHeader(
    command: number,
    dataType: number,
    dataCount: number,
    param1: number,
    param2: number,
  ): void {
    if (this.#closed) return;
    if (dataCount > 0xffff) {
      // a count above 16 bits needs the extended (24-byte) header
      this.#reserve(EXTENDED_HEADER_SIZE);
      writeHeader(this.#outView, this.#outLen - EXTENDED_HEADER_SIZE, {
        command,
        dataType,
        dataCount,
        param1,
        param2,
        payloadSize: 0,
      });
    } else {
      this.#reserve(HEADER_SIZE);
      const view = this.#outView;
      const at = this.#outLen - HEADER_SIZE;
      view.setUint16(at, command);
      view.setUint16(at + 2, 0);
      view.setUint16(at + 4, dataType);
      view.setUint16(at + 6, dataCount);
      view.setUint32(at + 8, param1 >>> 0);
      view.setUint32(at + 12, param2 >>> 0);
    }
    this.#schedule();
  }

  /** Grows the send buffer by `n` bytes (returns it; new bytes at the end). */
  #reserve(n: number): Uint8Array {
    if (this.#outLen + n > this.#out.length) {
      const grown = new Uint8Array(
        Math.max(this.#out.length * 2, this.#outLen + n),
      );
      grown.set(this.#out.subarray(0, this.#outLen));
      this.#out = grown;
      this.#outView = new DataView(grown.buffer);
    }
    this.#outLen += n;
    return this.#out;
  }

  /** Moves the buffered bytes into the write queue. */
  #takeBuffered(): void {
    if (this.#outLen === 0) return;
    this.#queue.push(this.#out.slice(0, this.#outLen));
    this.#outLen = 0;
  }

  #schedule(): void {
    if (!this.#flushing) {
      this.#flushing = true;
      queueMicrotask(() => this.#flush());
    }
  }

  async #flush(): Promise<void> {
    try {
      while (!this.#closed) {
        if (this.#queue.length === 0) {
          // only small messages: write the send buffer itself (no copy)
          // while new ones go into the other buffer
          const len = this.#outLen;
          if (len === 0) break;
          const data = this.#out;
          const view = this.#outView;
          this.#out = this.#alt;
          this.#outView = this.#altView;
          this.#alt = data;
          this.#altView = view;
          this.#outLen = 0;
          let written = 0;
          while (written < len) {
            written += await this.#conn.write(data.subarray(written, len));
          }
          continue;
        }
        this.#takeBuffered();
        const frames = this.#queue;
        this.#queue = [];
        for (const data of frames) {
          let written = 0;
          while (written < data.length) {
            written += await this.#conn.write(data.subarray(written));
          }
        }
      }
    } catch (error) {
      this.#fail(`write failed: ${(error as Error).message}`);
    } finally {
      this.#flushing = false;
    }
  }

  async #read(): Promise<void> {
    let reason = "server closed the connection";
    try {
      while (!this.#closed) {
        const n = await this.#conn.read(this.#reader.writable());
        if (n === null) break;
        this.#lastReceive = performance.now();
        const messages = this.#reader.commit(n);
        if (this.#swap || this.#reader.partial) this.#preSwap(messages);
        for (const raw of messages) {
          if (this.#closed) return;
          if (raw.command === Command.READ_NOTIFY) {
            this.#handlers.readNotify(this, raw);
            continue;
          }
          let msg: CAResponse;
          try {
            msg = decodeResponse(raw);
          } catch (error) {
            if (error instanceof CAProtocolError) continue; // unknown command: skip
            throw error;
          }
          if (msg.command === "VERSION") this.version = msg.version;
          this.#handlers.message(this, msg);
        }
      }
    } catch (error) {
      reason = error instanceof CAProtocolError
        ? `protocol error: ${error.message}`
        : `read failed: ${(error as Error).message}`;
    }
    this.#fail(reason);
  }

  /**
   * Byte-swaps the value array of a large READ_NOTIFY / EVENT_ADD reply
   * while it is being received, so that the work overlaps the wait for the
   * rest and the finished message decodes without a pass over 8 MB.
   */
  #preSwap(completed: RawMessage[]): void {
    const partial = this.#reader.partial;
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

  #armEcho(delay: number): void {
    if (this.#closed) return;
    this.#echoTimer = setTimeout(() => this.#checkEcho(), delay);
  }

  #checkEcho(): void {
    this.#echoTimer = undefined;
    if (this.#closed) return;
    const now = performance.now();
    if (this.#echoSentAt > 0) {
      if (this.#lastReceive >= this.#echoSentAt) {
        this.#echoSentAt = 0; // answered (or other traffic arrived)
      } else if (now - this.#echoSentAt >= this.#echoTimeout) {
        this.#fail(
          `no reply to ECHO within ${
            this.#echoTimeout / 1000
          } s (EPICS_CA_CONN_TMO)`,
        );
        return;
      } else {
        this.#armEcho(this.#echoSentAt + this.#echoTimeout - now);
        return;
      }
    }
    const idle = now - this.#lastReceive;
    if (idle >= this.#echoTimeout) {
      this.#echoSentAt = now;
      this.send(encodeRequest({ command: "ECHO" }));
      this.#armEcho(this.#echoTimeout);
    } else {
      this.#armEcho(this.#echoTimeout - idle);
    }
  }

  #fail(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#echoTimer !== undefined) clearTimeout(this.#echoTimer);
    this.#queue = [];
    this.#outLen = 0;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
    this.#handlers.closed(this, reason);
  }

  /** Closes the circuit and waits for its read loop to end. */
  async close(reason = "closed by the client"): Promise<void> {
    this.#fail(reason);
    await this.#readLoop;
  }
}
