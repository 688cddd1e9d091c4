/**
 * The CA server under a low open-file limit (a child process under
 * `prlimit --nofile=128`): a flood of 500 idle circuits is refused or
 * delayed with one log line, the server stays up, and once the flood is
 * gone our client and EPICS's caget are served again.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { missingReference } from "../support/refs.ts";
import { caget } from "../support/epics.ts";
import { encodeRequest } from "../../lib/ca/codec/mod.ts";
import { CAClient } from "../../lib/ca/client.ts";
import { CAServer } from "../../lib/ca/server.ts";
import {
  circuitLimit,
  FD_RESERVE,
  freeDescriptors,
  LogLimiter,
  PROBE_MAX,
} from "../../lib/ca/server_limits.ts";
import { withTimeout } from "./server_support.ts";

const FLOOD = 500;
const FD_LIMIT = 128;
/** The child server's resident memory bound during a flood [MB]. */
const RSS_BOUND = 200;

function hasPrlimit(): boolean {
  try {
    return new Deno.Command("prlimit", { args: ["--version"] }).outputSync()
      .success;
  } catch {
    return false;
  }
}

const ignore = !hasPrlimit();

/** The child server: its ports, its log so far, a wait for a log line. */
interface Child {
  tcpPort: number;
  udpPort: number;
  maxCircuits: number;
  log(): string;
  waitFor(pattern: RegExp, seconds?: number): Promise<void>;
  /** Resolves with the exit status; settles only when the child exits. */
  status: Promise<Deno.CommandStatus>;
  /** The child's resident memory now [MB]. */
  rssMb(): Promise<number>;
  stop(): Promise<Deno.CommandStatus>;
}

async function startChild(env: Record<string, string> = {}): Promise<Child> {
  const root = new URL("../../", import.meta.url).pathname;
  const process = new Deno.Command("prlimit", {
    args: [
      `--nofile=${FD_LIMIT}:${FD_LIMIT}`,
      Deno.execPath(),
      "run",
      "--no-prompt",
      "--allow-read",
      "--allow-net",
      "--allow-env",
      "--allow-sys",
      "tests/ca/server_child.ts",
    ],
    cwd: root,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let log = "";
  let wake = (): void => {};
  const stderrDone = (async () => {
    for await (
      const text of process.stderr.pipeThrough(new TextDecoderStream())
    ) {
      log += text;
      wake();
    }
  })();
  const lines = process.stdout.pipeThrough(new TextDecoderStream());
  const reader = lines.getReader();
  let out = "";
  while (!out.includes("\n")) {
    const r = await reader.read();
    if (r.done) throw new Error(`the child server did not start:\n${log}`);
    out += r.value;
  }
  reader.releaseLock();
  void lines.pipeTo(new WritableStream());
  const ports = JSON.parse(out.split("\n")[0]);
  const status = process.status.then(async (s) => {
    await stderrDone;
    return s;
  });
  return {
    ...ports,
    log: () => log,
    async rssMb() {
      const out = await new Deno.Command("ps", {
        args: ["-o", "rss=", "-p", String(process.pid)],
        stdout: "piped",
      }).output();
      return Number(new TextDecoder().decode(out.stdout).trim()) / 1024;
    },
    async waitFor(pattern, seconds = 10) {
      const seen = (async () => {
        while (!pattern.test(log)) {
          await new Promise<void>((r) => wake = r);
        }
      })();
      await withTimeout(seen, seconds, `log line ${pattern}\n${log}`);
    },
    status,
    async stop() {
      try {
        process.kill("SIGTERM");
      } catch {
        // already gone
      }
      return await status;
    },
  };
}

/** One idle CA circuit: connected, VERSION/HOST_NAME/CLIENT_NAME sent. */
async function idleCircuit(port: number): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const hello = [
    encodeRequest({ command: "VERSION", priority: 0, version: 13 }),
    encodeRequest({ command: "HOST_NAME", name: "flood" }),
    encodeRequest({ command: "CLIENT_NAME", name: "flood" }),
  ];
  try {
    for (const m of hello) await conn.write(m);
  } catch {
    // refused already: its read says so
  }
  return conn;
}

/** "served" when the server's VERSION arrives, "refused" when it closes. */
async function answer(conn: Deno.TcpConn): Promise<"served" | "refused"> {
  try {
    const n = await conn.read(new Uint8Array(64));
    return n === null ? "refused" : "served";
  } catch {
    return "refused"; // reset
  }
}

function count(text: string, pattern: RegExp): number {
  return text.match(new RegExp(pattern, "g"))?.length ?? 0;
}

async function servedAgain(child: Child): Promise<void> {
  const client = new CAClient({
    addrList: [`127.0.0.1:${child.udpPort}`],
    autoAddrList: false,
    timeout: 10,
  });
  try {
    const v = await client.get("L:VAL");
    assert(typeof v.value === "number" && v.value > 0, `got ${v.value}`);
  } finally {
    await client.close();
  }
  if (!missingReference("epics")) {
    const r = await caget(["-w", "5", "L:VAL"], { port: child.udpPort });
    assertEquals(r.stderr, "");
    assert(/^L:VAL\s+\d+/.test(r.stdout), r.stdout);
  }
}

Deno.test({
  name:
    "server: 500 idle circuits under a 128-file limit are refused beyond the limit, then service resumes",
  ignore,
  async fn() {
    const child = await startChild();
    const flood: Deno.TcpConn[] = [];
    try {
      assert(child.maxCircuits > 10 && child.maxCircuits < FD_LIMIT);
      for (let i = 0; i < FLOOD; i++) {
        flood.push(await idleCircuit(child.tcpPort));
      }
      const answers = await withTimeout(
        Promise.all(flood.map(answer)),
        20,
        "an answer to every circuit of the flood",
      );
      const served = answers.filter((a) => a === "served").length;
      assertEquals(
        served,
        child.maxCircuits,
        "the most circuits allowed are served",
      );
      assertEquals(
        FLOOD - served,
        answers.filter((a) => a === "refused").length,
      );
      // while the flood lasts, a fresh circuit is refused at once, not hung
      const fresh = await idleCircuit(child.tcpPort);
      assertEquals(await answer(fresh), "refused");
      fresh.close();
      await child.waitFor(/refusing circuits/);
      assertEquals(count(child.log(), /refusing circuits/), 1, child.log());
      // the flood costs the server little: idle circuits hold 4 KiB each
      const rss = await child.rssMb();
      assert(rss < RSS_BOUND, `the server holds ${rss.toFixed(0)} MB`);
      for (const c of flood.splice(0)) c.close();
      await child.waitFor(/accepting circuits again/);
      await servedAgain(child);
    } finally {
      for (const c of flood) c.close();
      const status = await child.stop();
      assert(!/panicked/.test(child.log()), child.log());
      assertEquals(status.code, 0, child.log());
    }
  },
});

Deno.test({
  name:
    "server: failed accepts (EMFILE) are retried and logged once; the server serves again when files are free",
  ignore,
  async fn() {
    // no circuit limit below the open-file limit: accept itself fails
    const child = await startChild({ FWS_TEST_MAX_CIRCUITS: "100000" });
    const flood: Deno.TcpConn[] = [];
    try {
      for (let i = 0; i < FLOOD; i++) {
        flood.push(await idleCircuit(child.tcpPort));
      }
      await child.waitFor(/accepting a TCP circuit failed/);
      const rss = await child.rssMb();
      assert(rss < RSS_BOUND, `the server holds ${rss.toFixed(0)} MB`);
      for (const c of flood.splice(0)) c.close();
      await servedAgain(child);
      const lines = count(child.log(), /accepting a TCP circuit failed/);
      assert(lines >= 1 && lines <= 2, child.log()); // one per 10 s at most
    } finally {
      for (const c of flood) c.close();
      const status = await child.stop();
      assert(!/panicked/.test(child.log()), child.log());
      assertEquals(status.code, 0, child.log());
    }
  },
});

Deno.test("server limits: the log limiter writes a key once per interval and counts the rest", () => {
  const lines: string[] = [];
  const limiter = new LogLimiter((m) => lines.push(m), 3600);
  for (let i = 0; i < 400; i++) limiter.log("refused", `refused ${i}`);
  limiter.log("accept", "accept failed");
  assertEquals(lines, ["refused 0", "accept failed"]);
  assertEquals(limiter.suppressed("refused"), 399);
  assert(limiter.seen("refused"));
  limiter.reset("refused");
  assert(!limiter.seen("refused"));
  limiter.log("refused", "refused again");
  assertEquals(lines.at(-1), "refused again");
  const zero = new LogLimiter((m) => lines.push(m), 0);
  zero.log("k", "a");
  zero.log("k", "b");
  assertEquals(lines.slice(-2), ["a", "b"]);
});

Deno.test("server limits: the circuit limit leaves descriptors free", () => {
  const { max, source } = circuitLimit();
  const free = freeDescriptors();
  if (free === undefined) return assertEquals(source, "default");
  if (free >= PROBE_MAX) return assertEquals(max, PROBE_MAX, source);
  assert(max >= 1 && max <= Math.max(1, free - FD_RESERVE) + 8, source);
});

Deno.test("server: one host's circuits are capped, and a circuit that never sends its VERSION is closed", async () => {
  const server = new CAServer({
    serverPort: 0,
    udpPort: 0,
    intfAddrList: ["127.0.0.1"],
    beaconAddrList: [],
    maxCircuitsPerHost: 3,
    handshakeTimeout: 0.3,
  });
  server.addPV("H:VAL", { type: "long", value: 5 });
  const { tcpPort, udpPort } = await server.start();
  const conns: Deno.TcpConn[] = [];
  try {
    for (let i = 0; i < 5; i++) conns.push(await idleCircuit(tcpPort));
    const answers = await withTimeout(
      Promise.all(conns.map(answer)),
      5,
      "an answer to each circuit",
    );
    assertEquals(answers.filter((a) => a === "served").length, 3);
    assertEquals(server.clientCount, 3);
    // a silent connection (no VERSION) is closed after the handshake timeout
    for (const c of conns.splice(0)) c.close();
    await withTimeout(
      (async () => {
        while (server.clientCount > 0) {
          await new Promise((r) => setTimeout(r, 10));
        }
      })(),
      5,
      "the closed circuits to go",
    );
    const silent = await Deno.connect({ hostname: "127.0.0.1", port: tcpPort });
    conns.push(silent);
    const t0 = performance.now();
    const n = await withTimeout(silent.read(new Uint8Array(64)), 5, "a reply");
    assert(n !== null && n > 0, "the server's VERSION comes first");
    const closed = await withTimeout(
      (async () => {
        const buf = new Uint8Array(64);
        for (;;) {
          const m = await silent.read(buf).catch(() => null);
          if (m === null) return performance.now() - t0;
        }
      })(),
      5,
      "the silent circuit to be closed",
    );
    assert(closed >= 250 && closed < 3000, `closed after ${closed} ms`);
    // a well-behaved client is served as before
    const client = new CAClient({
      addrList: [`127.0.0.1:${udpPort}`],
      autoAddrList: false,
      timeout: 3,
    });
    try {
      assertEquals((await client.get("H:VAL")).value, 5);
    } finally {
      await client.close();
    }
  } finally {
    for (const c of conns) {
      try {
        c.close();
      } catch {
        // closed by the server
      }
    }
    await server.close();
  }
});
