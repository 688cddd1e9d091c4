/**
 * Shared fixtures of the server tests: a CAServer with one PV of every type,
 * and a raw CA client over a real TCP socket (for protocol-level checks).
 *
 * @module
 */
import net from "node:net";
import {
  type CAResponse,
  decodeResponse,
  encodeRequest,
  FrameReader,
} from "../../lib/ca/codec/mod.ts";
import { CAServer, type ServerPV } from "../../lib/ca/server.ts";

/** A started server with the fixture PVs. */
export interface Fixture {
  server: CAServer;
  tcpPort: number;
  udpPort: number;
  /** Resolvers of the pending slow onWrite calls (for put-callback tests). */
  slowWrites: number[];
  [Symbol.asyncDispose](): Promise<void>;
}

/** Milliseconds the `T:SLOW` write handler takes. */
export const SLOW_WRITE_MS = 400;

/** Number of elements of the big waveform. */
export const BIG = 1_000_000;

/** Starts a server on 127.0.0.1 with free ports and one PV of every kind. */
export async function startFixture(
  prefix = "T:",
  options: { beaconPort?: number } = {},
): Promise<Fixture> {
  const server = new CAServer({
    serverPort: 0,
    udpPort: 0,
    intfAddrList: ["127.0.0.1"],
    beaconPort: options.beaconPort ?? 1,
    beaconAddrList: ["127.0.0.1"],
    maxArrayBytes: 20_000_000,
  });
  const slowWrites: number[] = [];
  const p = (n: string): string => prefix + n;
  server.addPV(p("DOUBLE"), {
    type: "double",
    value: 3.25,
    units: "mm",
    precision: 3,
    limits: {
      upperDisp: 100,
      lowerDisp: -100,
      upperAlarm: 90,
      upperWarning: 50,
      lowerWarning: -50,
      lowerAlarm: -90,
      upperCtrl: 80,
      lowerCtrl: -80,
    },
  });
  server.addPV(p("FLOAT"), { type: "float", value: -1.5, units: "V" });
  server.addPV(p("LONG"), { type: "long", value: -123456 });
  server.addPV(p("SHORT"), { type: "short", value: 321 });
  server.addPV(p("CHAR1"), { type: "char", value: 65 });
  server.addPV(p("ENUM"), {
    type: "enum",
    enumStrings: ["IDLE", "MOVING", "DONE"],
    value: "MOVING",
  });
  server.addPV(p("STRING"), { type: "string", value: "hello world" });
  server.addPV(p("NAN"), { type: "double", value: NaN });
  server.addPV(p("INF"), { type: "double", value: -Infinity });
  server.addPV(p("ALARM"), {
    type: "double",
    value: 95,
    status: 3, // HIHI
    severity: 2, // MAJOR
  });
  server.addPV(p("WF:DOUBLE"), {
    type: "double",
    count: 10,
    value: [0.5, 1.5, -2.5, 1e300, -1e-300, 6, 7, 8, 9, 10],
  });
  server.addPV(p("WF:FLOAT"), {
    type: "float",
    count: 5,
    value: [0.5, -1.25, 3.5, 1e10, -2.75],
  });
  server.addPV(p("WF:LONG"), {
    type: "long",
    count: 6,
    value: [-2147483648, -1, 0, 1, 123456789, 2147483647],
  });
  server.addPV(p("WF:SHORT"), {
    type: "short",
    count: 4,
    value: [-32768, -1, 1, 32767],
  });
  server.addPV(p("WF:ENUM"), {
    type: "enum",
    count: 3,
    value: [0, 1, 2],
    enumStrings: ["A", "B", "C"],
  });
  server.addPV(p("WF:CHAR"), {
    type: "char",
    count: 256,
    value: "Scan finished: 3 repetitions",
  });
  server.addPV(p("WF:STRING"), {
    type: "string",
    count: 4,
    value: ["alpha", "beta", "gamma delta", ""],
  });
  server.addPV(p("WF:BIG"), {
    type: "double",
    count: BIG,
    value: Float64Array.from({ length: BIG }, (_, i) => i * 0.5),
  });
  server.addPV(p("RO"), { type: "long", value: 7, readOnly: true });
  server.addPV(p("SLOW"), {
    type: "double",
    onWrite: async (v) => {
      await new Promise((r) => setTimeout(r, SLOW_WRITE_MS));
      slowWrites.push(v as number);
    },
  });
  server.addPV(p("FAIL"), {
    type: "double",
    value: 1,
    onWrite: (v) => {
      if ((v as number) > 10) throw new Error("value above 10 refused");
    },
  });
  const { tcpPort, udpPort } = await server.start();
  return {
    server,
    tcpPort,
    udpPort,
    slowWrites,
    [Symbol.asyncDispose]: () => server.close(),
  };
}

/** The fixture PV (throws when absent). */
export function fixturePV(f: Fixture, name: string): ServerPV {
  const pv = f.server.pv(name);
  if (!pv) throw new Error(`fixture has no PV ${name}`);
  return pv;
}

/** A raw CA client over TCP: send typed requests, await typed responses. */
export class RawClient {
  readonly socket: net.Socket;
  #reader = new FrameReader();
  #queue: CAResponse[] = [];
  #waiter?: () => void;
  #closed: Promise<void>;
  #isClosed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Uint8Array) => {
      for (const raw of this.#reader.push(chunk)) {
        this.#queue.push(decodeResponse(raw));
      }
      this.#waiter?.();
    });
    this.#closed = new Promise((resolve) => {
      socket.on("close", () => {
        this.#isClosed = true;
        this.#waiter?.();
        resolve();
      });
    });
    socket.on("error", () => {});
  }

  /** Connects and sends VERSION, HOST_NAME, CLIENT_NAME. */
  static async connect(port: number): Promise<RawClient> {
    const socket = net.connect({ host: "127.0.0.1", port });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const c = new RawClient(socket);
    c.send(
      encodeRequest({ command: "VERSION", priority: 0, version: 13 }),
      encodeRequest({ command: "HOST_NAME", name: "test" }),
      encodeRequest({ command: "CLIENT_NAME", name: "tester" }),
    );
    return c;
  }

  /** Writes raw bytes. */
  send(...chunks: Uint8Array[]): void {
    for (const c of chunks) this.socket.write(c);
  }

  /** Whether the server closed the connection. */
  get closed(): boolean {
    return this.#isClosed;
  }

  /** Resolves when the socket is closed. */
  whenClosed(timeout = 5): Promise<void> {
    return withTimeout(this.#closed, timeout, "socket close");
  }

  /** The next response matching `pred` (others before it are dropped). */
  async next(
    pred: (r: CAResponse) => boolean = () => true,
    timeout = 5,
  ): Promise<CAResponse> {
    const deadline = Date.now() + timeout * 1000;
    for (;;) {
      const i = this.#queue.findIndex(pred);
      if (i >= 0) return this.#queue.splice(0, i + 1)[i];
      if (this.#isClosed) throw new Error("RawClient: connection closed");
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`RawClient: no matching response in ${timeout} s`);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
      this.#waiter = undefined;
    }
  }

  /** Responses received and not consumed. */
  get pending(): CAResponse[] {
    return this.#queue;
  }

  /** Creates a channel; resolves with its sid and native type/count. */
  async createChannel(
    name: string,
    cid: number,
  ): Promise<{ sid: number; dataType: number; count: number; access: number }> {
    this.send(
      encodeRequest({ command: "CREATE_CHAN", name, cid, version: 13 }),
    );
    const ar = await this.next((r) =>
      r.command === "ACCESS_RIGHTS" && r.cid === cid
    );
    const cc = await this.next((r) =>
      (r.command === "CREATE_CHAN" || r.command === "CREATE_CH_FAIL") &&
      r.cid === cid
    );
    if (cc.command !== "CREATE_CHAN") throw new Error(`create ${name} failed`);
    return {
      sid: cc.sid,
      dataType: cc.dataType,
      count: cc.count,
      access: (ar as { access: number }).access,
    };
  }

  /** Destroys the socket and waits until it is closed. */
  async close(): Promise<void> {
    this.socket.destroy();
    await this.#closed;
  }
}

/** Rejects after `seconds` with a message naming `what`. */
export async function withTimeout<T>(
  promise: Promise<T>,
  seconds: number,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${what}: timed out after ${seconds} s`)),
          seconds * 1000,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `cond` every 10 ms until true or `seconds` pass (then throws). */
export async function until(
  cond: () => boolean,
  seconds: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!cond()) {
    if (Date.now() > deadline) {
      throw new Error(`${what}: not true within ${seconds} s`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}
