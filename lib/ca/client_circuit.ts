/**
 * The TCP transport of one client circuit (host:port): the socket with Nagle
 * off, the read loop feeding the protocol state
 * ({@link ClientCircuit}, `lib/ca/protocol`), the writes of its outbound
 * queue, the timer of its requests' deadlines, and the ECHO probe that
 * declares a silent server dead after EPICS_CA_CONN_TMO.
 *
 * @module
 */
import {
  CAProtocolViolation,
  ClientCircuit,
  type ClientCircuitOptions,
} from "./protocol/mod.ts";

/** What a circuit reports to its owner. */
export interface CircuitEvents {
  /** A failure nobody waits for (a refused WRITE or EVENT_ADD). */
  warn(message: string, properties: Record<string, unknown>): void;
  /**
   * The circuit is gone (EOF, error, unresponsive or closed); called once,
   * before its channels are detached (and search again).
   */
  closed(circuit: Circuit, reason: string): void;
}

/** Options of {@link Circuit.connect}. */
export interface CircuitOptions
  extends Omit<ClientCircuitOptions, "key" | "version"> {
  /** Seconds to wait for the TCP connection. */
  connectTimeout: number;
  /** Seconds of silence before an ECHO probe; as long again for its answer. */
  echoTimeout: number;
}

/** A connected circuit. Create with {@link Circuit.connect}. */
export class Circuit {
  /** "host:port". */
  readonly key: string;
  /** The protocol state: create channels and send requests through it. */
  readonly protocol: ClientCircuit;
  #conn: Deno.TcpConn;
  #events: CircuitEvents;
  #flushing = false;
  #closed = false;
  #lastReceive = performance.now();
  #echoSentAt = 0;
  #echoTimer?: ReturnType<typeof setTimeout>;
  #echoTimeout: number;
  #opTimer?: ReturnType<typeof setTimeout>;
  #opTimerDue = Infinity;
  #clock = -1;
  #readLoop: Promise<void>;

  private constructor(
    conn: Deno.TcpConn,
    events: CircuitEvents,
    options: CircuitOptions & ClientCircuitOptions,
  ) {
    this.#conn = conn;
    this.#events = events;
    this.key = options.key;
    this.#echoTimeout = options.echoTimeout * 1000;
    this.protocol = new ClientCircuit({
      ready: () => this.#schedule(),
      deadline: (at) => this.#armOpTimer(at),
      now: () => this.#now(),
      warn: (message, properties) => this.#events.warn(message, properties),
    }, options);
    this.#schedule();
    this.#armEcho(this.#echoTimeout);
    this.#readLoop = this.#read();
  }

  /**
   * Opens the TCP connection and sends the handshake. Rejects with an Error
   * naming the address when it cannot connect in time.
   */
  static async connect(
    address: { host: string; port: number; version: number },
    events: CircuitEvents,
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
      return new Circuit(conn, events, {
        ...options,
        key: `${address.host}:${address.port}`,
        version: address.version,
      });
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

  #schedule(): void {
    if (this.#flushing || this.#closed) return;
    this.#flushing = true;
    queueMicrotask(() => this.#flush());
  }

  /** Writes the outbound queue until it is empty (one chunk list per round). */
  async #flush(): Promise<void> {
    const out = this.protocol.out;
    try {
      while (!this.#closed && out.bytes > 0) {
        for (const data of out.take()) {
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
    const protocol = this.protocol;
    try {
      while (!this.#closed) {
        const n = await this.#conn.read(protocol.writable());
        if (n === null) break;
        this.#lastReceive = performance.now();
        protocol.commit(n);
      }
    } catch (error) {
      reason = error instanceof CAProtocolViolation
        ? error.message
        : `read failed: ${(error as Error).message}`;
    }
    this.#fail(reason);
  }

  /**
   * performance.now(), read once per burst of synchronous requests (100
   * pipelined gets need one clock reading, not 100).
   */
  #now(): number {
    if (this.#clock < 0) {
      this.#clock = performance.now();
      queueMicrotask(this.#resetClock);
    }
    return this.#clock;
  }

  #resetClock = (): void => {
    this.#clock = -1;
  };

  /**
   * One timer for all pending requests, due at the earliest deadline
   * (a setTimeout per request would cost more than the request itself).
   */
  #armOpTimer(deadline: number): void {
    if (this.#closed) return;
    if (this.#opTimer !== undefined && this.#opTimerDue <= deadline) return;
    if (this.#opTimer !== undefined) clearTimeout(this.#opTimer);
    this.#opTimerDue = deadline;
    this.#opTimer = setTimeout(
      this.#expireOps,
      Math.max(0, deadline - performance.now()),
    );
  }

  #expireOps = (): void => {
    this.#opTimer = undefined;
    this.#opTimerDue = Infinity;
    const next = this.protocol.expire(performance.now());
    if (next < Infinity) this.#armOpTimer(next);
  };

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
      this.protocol.echo();
      this.#armEcho(this.#echoTimeout);
    } else {
      this.#armEcho(this.#echoTimeout - idle);
    }
  }

  #fail(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#echoTimer !== undefined) clearTimeout(this.#echoTimer);
    if (this.#opTimer !== undefined) clearTimeout(this.#opTimer);
    this.#opTimer = undefined;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
    this.#events.closed(this, reason);
    this.protocol.lose(reason);
  }

  /** Closes the circuit and waits for its read loop to end. */
  async close(reason = "closed by the client"): Promise<void> {
    this.#fail(reason);
    await this.#readLoop;
  }
}
