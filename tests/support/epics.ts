/**
 * EPICS base as an independent reference for the CA tests and benchmarks:
 * start/kill/stop/continue/restart a real softIoc on loopback with a free
 * port, and run caget/caput/camonitor/cainfo against any CA server with the
 * right environment, parsing their output.
 *
 * The build lives in `epicsCacheDir()` (see `tests/support/build_epics.sh`).
 * Guard tests with `ignore: missingReference("epics")`.
 *
 * @example
 * ```ts
 * await using ioc = await SoftIoc.start();
 * const r = await caget([ioc.pv("AI")], { port: ioc.port });
 * // r.stdout === "FWSTEST:AI                     3.14159\n"
 * ```
 *
 * @module
 */
import dgram from "node:dgram";
import { epicsCacheDir } from "./refs.ts";

/** The EPICS host architecture of the build. */
export const EPICS_ARCH = "linux-x86_64";

/** EPICS_CA_MAX_ARRAY_BYTES used on both sides: room for the 1e6-element DOUBLE waveform in any form. */
export const MAX_ARRAY_BYTES = 20_000_000;

/** Path of the test database (every DBR type, alarms, limits, a 1e6 waveform). */
export const TEST_DB: string = new URL("./ioc/test.db", import.meta.url)
  .pathname;

/** Default record-name prefix of the test database. */
export const TEST_PREFIX = "FWSTEST:";

/** The EPICS command-line tools this module runs. */
export type EpicsTool =
  | "softIoc"
  | "caget"
  | "caput"
  | "camonitor"
  | "cainfo";

/** Absolute path of an EPICS executable in the cached build. */
export function epicsBin(tool: EpicsTool): string {
  return `${epicsCacheDir()}/bin/${EPICS_ARCH}/${tool}`;
}

/** Absolute path of the build's `lib` dir (libca.so, libCom.so). */
export function epicsLibDir(): string {
  return `${epicsCacheDir()}/lib/${EPICS_ARCH}`;
}

/** Absolute path of the build's include dir. */
export function epicsIncludeDir(): string {
  return `${epicsCacheDir()}/include`;
}

/**
 * Compiles `bench/c/ca_bench.c` (a small libca program: gets, puts,
 * monitors, array fill) against the EPICS build once; returns its path.
 * Needs gcc.
 */
export async function buildCaBench(): Promise<string> {
  const src = new URL("../../bench/c/ca_bench.c", import.meta.url).pathname;
  const dir = `${epicsCacheDir()}/../bin`;
  const out = `${dir}/ca_bench`;
  const srcTime = (await Deno.stat(src)).mtime?.getTime() ?? 0;
  const outTime = await Deno.stat(out).then(
    (s) => s.mtime?.getTime() ?? 0,
    () => 0,
  );
  if (outTime > srcTime) return out;
  await Deno.mkdir(dir, { recursive: true });
  const inc = epicsIncludeDir();
  const tmp = `${out}.${Deno.pid}`;
  const r = await new Deno.Command("gcc", {
    args: [
      "-O2",
      src,
      `-I${inc}`,
      `-I${inc}/os/Linux`,
      `-I${inc}/compiler/gcc`,
      `-L${epicsLibDir()}`,
      `-Wl,-rpath,${epicsLibDir()}`,
      "-lca",
      "-lCom",
      "-o",
      tmp,
    ],
  }).output();
  if (!r.success) {
    throw new Error(
      `gcc failed on ${src}:\n${new TextDecoder().decode(r.stderr)}`,
    );
  }
  await Deno.rename(tmp, out); // atomic: parallel callers never see half a file
  return out;
}

/**
 * A port free for both TCP and UDP on 127.0.0.1 right now (CA uses the same
 * number for the server's TCP port and its UDP search port).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const tcp = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (tcp.addr as Deno.NetAddr).port;
    try {
      if (await udpFree(port)) return port;
    } finally {
      tcp.close();
    }
  }
  throw new Error("freePort: no port free for both TCP and UDP on 127.0.0.1");
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket("udp4");
    socket.once("error", () => socket.close(() => resolve(false)));
    socket.bind(port, "127.0.0.1", () => socket.close(() => resolve(true)));
  });
}

/**
 * The environment for a CA client (caget, libca, our client) that must find
 * exactly the server on 127.0.0.1:`port` and nothing else.
 */
export function caClientEnv(port: number): Record<string, string> {
  return {
    EPICS_CA_ADDR_LIST: `127.0.0.1:${port}`,
    EPICS_CA_AUTO_ADDR_LIST: "NO",
    EPICS_CA_SERVER_PORT: String(port),
    EPICS_CA_MAX_ARRAY_BYTES: String(MAX_ARRAY_BYTES),
  };
}

/** A minimal base environment (no inherited EPICS_* variables). */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ["PATH", "HOME", "LANG", "TZ"]) {
    const v = Deno.env.get(key);
    if (v !== undefined) env[key] = v;
  }
  return env;
}

/** Options of {@linkcode SoftIoc.start}. */
export interface SoftIocOptions {
  /** Database file (default: the test database). */
  db?: string;
  /** More database files, loaded after `db` with the same macros. */
  moreDbs?: string[];
  /** Macros for the database (default `{ P: "FWSTEST:" }`). */
  macros?: Record<string, string>;
  /** CA server port for TCP and UDP (default: a free one). */
  port?: number;
  /** Where beacons go (default: 127.0.0.1 on EPICS_CA_REPEATER_PORT). */
  beaconPort?: number;
  /** Extra environment for the IOC. */
  env?: Record<string, string>;
  /** Seconds to wait for "All initialization complete" (default 15). */
  timeout?: number;
}

const READY = "iocRun: All initialization complete";
/** What softIoc prints when it could not bind its CA server port. */
const PORT_TAKEN = "CAS: No TCP server started";
const OUTPUT_LIMIT = 1 << 20;

/** A real softIoc process on 127.0.0.1 serving a database over CA. */
export class SoftIoc {
  /** CA server port (TCP and UDP search). */
  readonly port: number;
  /** Record-name prefix (macro P). */
  readonly prefix: string;
  #options: SoftIocOptions;
  #child?: Deno.ChildProcess;
  #status?: Promise<Deno.CommandStatus>;
  #readers: Promise<void>[] = [];
  #output = "";
  #outputListeners = new Set<() => void>();
  #stopped = false;

  private constructor(port: number, options: SoftIocOptions) {
    this.port = port;
    this.#options = options;
    this.prefix = options.macros?.P ?? TEST_PREFIX;
  }

  /** Starts softIoc and resolves once it has finished iocInit. */
  static async start(options: SoftIocOptions = {}): Promise<SoftIoc> {
    // a free port can be taken before softIoc binds it (another test's
    // client, an ephemeral port): then softIoc cannot serve, and a chosen
    // port is tried again with another
    for (let attempt = 1;; attempt++) {
      const ioc = new SoftIoc(options.port ?? await freePort(), options);
      try {
        await ioc.#spawn();
        return ioc;
      } catch (error) {
        const taken = ioc.#output.includes(PORT_TAKEN);
        if (!taken || options.port !== undefined || attempt === 3) throw error;
      }
    }
  }

  /** The full PV name for a record of the test database, e.g. `pv("AI")`. */
  pv(record: string): string {
    return this.prefix + record;
  }

  /** The CA client environment that finds this IOC. */
  get clientEnv(): Record<string, string> {
    return caClientEnv(this.port);
  }

  /** The process id (undefined when not running). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Whether the process is running (possibly stopped). */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Everything the IOC printed so far (stdout and stderr, capped at 1 MiB). */
  get output(): string {
    return this.#output;
  }

  async #spawn(): Promise<void> {
    const o = this.#options;
    const macros = o.macros ?? { P: TEST_PREFIX };
    const macroText = Object.entries(macros).map(([k, v]) => `${k}=${v}`)
      .join(",");
    const env: Record<string, string> = {
      ...baseEnv(),
      ...caClientEnv(this.port),
      EPICS_CAS_INTF_ADDR_LIST: "127.0.0.1",
      EPICS_CAS_SERVER_PORT: String(this.port),
      EPICS_CAS_BEACON_ADDR_LIST: "127.0.0.1",
      EPICS_CAS_AUTO_BEACON_ADDR_LIST: "NO",
      ...(o.beaconPort ? { EPICS_CAS_BEACON_PORT: String(o.beaconPort) } : {}),
      ...o.env,
    };
    this.#output = "";
    const child = new Deno.Command(epicsBin("softIoc"), {
      args: [
        "-S",
        "-m",
        macroText,
        "-d",
        o.db ?? TEST_DB,
        ...(o.moreDbs ?? []).flatMap((db) => ["-d", db]),
      ],
      env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#stopped = false;
    this.#status = child.status;
    this.#readers = [this.#drain(child.stdout), this.#drain(child.stderr)];
    const timeoutMs = (o.timeout ?? 15) * 1000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onOutput: (() => void) | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `softIoc on port ${this.port}: not ready after ${timeoutMs} ms; output:\n${this.#output}`,
              ),
            ),
          timeoutMs,
        );
        onOutput = () => {
          if (this.#output.includes(READY)) resolve();
          if (this.#output.includes(PORT_TAKEN)) {
            reject(
              new Error(
                `softIoc on port ${this.port}: the port was taken (${PORT_TAKEN}); output:\n${this.#output}`,
              ),
            );
          }
        };
        this.#outputListeners.add(onOutput);
        onOutput();
        child.status.then((s) =>
          reject(
            new Error(
              `softIoc on port ${this.port} exited (code ${s.code}, signal ${s.signal}) before it was ready; output:\n${this.#output}`,
            ),
          )
        );
      });
    } catch (error) {
      await this.kill();
      throw error;
    } finally {
      clearTimeout(timer);
      if (onOutput) this.#outputListeners.delete(onOutput);
    }
  }

  async #drain(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      if (this.#output.length < OUTPUT_LIMIT) {
        this.#output += decoder.decode(chunk, { stream: true });
      }
      for (const listener of this.#outputListeners) listener();
    }
  }

  /**
   * Writes 0, 0.5, 1, … ((n−1)/2) into `WF:BIG` with libca (the waveform is
   * empty after start; softIoc cannot initialise 1e6 elements from a db).
   */
  async fillBig(n = 1_000_000): Promise<void> {
    const bin = await buildCaBench();
    const r = await new Deno.Command(bin, {
      args: ["fill", this.pv("WF:BIG"), String(n)],
      env: { ...baseEnv(), ...caClientEnv(this.port) },
      clearEnv: true,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!r.success) {
      throw new Error(
        `fillBig: ca_bench fill failed: ${
          stripRepeaterNoise(new TextDecoder().decode(r.stderr))
        }`,
      );
    }
  }

  /** SIGKILL and wait until the process is gone (no-op when not running). */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
    await this.#status;
    await Promise.all(this.#readers);
    this.#child = undefined;
    this.#stopped = false;
  }

  /** SIGSTOP: the IOC freezes, its sockets stay open. */
  stop(): void {
    if (!this.#child) throw new Error("softIoc.stop: the IOC is not running");
    this.#child.kill("SIGSTOP");
    this.#stopped = true;
  }

  /** SIGCONT after {@linkcode stop}. */
  cont(): void {
    if (!this.#child) throw new Error("softIoc.cont: the IOC is not running");
    this.#child.kill("SIGCONT");
    this.#stopped = false;
  }

  /** Whether the IOC is SIGSTOPped. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Kills the IOC (if running) and starts it again on the same port. */
  async restart(): Promise<void> {
    await this.kill();
    await this.#spawn();
  }

  /** Kills the IOC and releases everything. */
  async close(): Promise<void> {
    await this.kill();
  }

  /** `await using ioc = await SoftIoc.start()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** What a finished tool run produced. */
export interface ToolResult {
  code: number;
  success: boolean;
  stdout: string;
  /** stderr without libca's "caRepeater couldn't be located" noise. */
  stderr: string;
}

/** Options for running an EPICS client tool. */
export interface ToolOptions {
  /** Server port (the tool searches 127.0.0.1:port only). */
  port: number;
  /** Extra environment. */
  env?: Record<string, string>;
  /** Kill the tool after this many seconds (default 30). */
  timeout?: number;
}

/** Removes libca's complaint that no caRepeater could be started. */
export function stripRepeaterNoise(text: string): string {
  return text.split("\n").filter((l) => !/^\*\*\*\* /.test(l)).join("\n")
    .trim();
}

/** Runs an EPICS CA tool against the server on 127.0.0.1:`port`. */
export async function runTool(
  tool: EpicsTool,
  args: string[],
  options: ToolOptions,
): Promise<ToolResult> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(),
    (options.timeout ?? 30) * 1000,
  );
  try {
    const out = await new Deno.Command(epicsBin(tool), {
      args,
      env: { ...baseEnv(), ...caClientEnv(options.port), ...options.env },
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: controller.signal,
    }).output();
    const decoder = new TextDecoder();
    return {
      code: out.code,
      success: out.success,
      stdout: decoder.decode(out.stdout),
      stderr: stripRepeaterNoise(decoder.decode(out.stderr)),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** `caget args…` */
export function caget(
  args: string[],
  options: ToolOptions,
): Promise<ToolResult> {
  return runTool("caget", args, options);
}

/** `caput args…` */
export function caput(
  args: string[],
  options: ToolOptions,
): Promise<ToolResult> {
  return runTool("caput", args, options);
}

/** `cainfo args…` */
export function cainfo(
  args: string[],
  options: ToolOptions,
): Promise<ToolResult> {
  return runTool("cainfo", args, options);
}

/** One line of `caget` output. */
export interface CagetLine {
  name: string;
  /** Element count printed for arrays (`caget` prints it for count ≠ 1). */
  count?: number;
  /** Whitespace-separated fields after the name (and count). */
  fields: string[];
  /** The raw text after the name. */
  rest: string;
}

/**
 * Parses a `caget` line (`NAME value` or `NAME count v1 v2 …`). Pass
 * `array: true` when the PV is an array so the count is split off.
 */
export function parseCagetLine(
  line: string,
  options: { array?: boolean } = {},
): CagetLine {
  const m = line.match(/^(\S+)\s+(.*)$/);
  if (!m) return { name: line.trim(), fields: [], rest: "" };
  const [, name, rest] = m;
  const fields = rest.trim().split(/\s+/).filter((f) => f.length > 0);
  if (options.array && fields.length > 0 && /^\d+$/.test(fields[0])) {
    return { name, count: Number(fields[0]), fields: fields.slice(1), rest };
  }
  return { name, fields, rest };
}

/** Parses `caget -t` (terse) output of one array PV into numbers. */
export function parseNumbers(fields: string[]): number[] {
  return fields.map((f) => {
    const lower = f.toLowerCase();
    if (lower === "nan" || lower === "-nan") return NaN;
    if (lower === "inf") return Infinity;
    if (lower === "-inf") return -Infinity;
    const n = Number(f);
    if (Number.isNaN(n)) {
      throw new Error(`parseNumbers: '${f}' is not a number`);
    }
    return n;
  });
}

/** What `cainfo` prints for one channel. */
export interface CainfoEntry {
  name: string;
  state: string;
  host?: string;
  access?: string;
  nativeType?: string;
  requestType?: string;
  count?: number;
}

/** Parses `cainfo` output (one or more channels). */
export function parseCainfo(text: string): CainfoEntry[] {
  const entries: CainfoEntry[] = [];
  let current: CainfoEntry | undefined;
  for (const line of text.split("\n")) {
    if (/^\S/.test(line)) {
      current = { name: line.trim(), state: "" };
      entries.push(current);
      continue;
    }
    const m = line.match(/^\s+([^:]+):\s*(.*)$/);
    if (!m || !current) continue;
    const [, key, value] = m;
    switch (key.trim()) {
      case "State":
        current.state = value.trim();
        break;
      case "Host":
        current.host = value.trim();
        break;
      case "Access":
        current.access = value.trim();
        break;
      case "Native data type":
        current.nativeType = value.trim();
        break;
      case "Request type":
        current.requestType = value.trim();
        break;
      case "Element count":
        current.count = Number(value.trim());
        break;
    }
  }
  return entries;
}

/**
 * A running `camonitor`: read its output line by line with a timeout.
 *
 * @example
 * ```ts
 * await using mon = Camonitor.start([ioc.pv("TICK")], { port: ioc.port });
 * const line = await mon.nextLine(5);
 * ```
 */
export class Camonitor {
  #child: Deno.ChildProcess;
  #lines: string[] = [];
  #waiter?: () => void;
  #reader: Promise<void>;
  #errReader: Promise<string>;
  #done = false;

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#reader = this.#read(child.stdout);
    this.#errReader = new Response(child.stderr).text();
  }

  /** Spawns `camonitor args…`. */
  static start(args: string[], options: ToolOptions): Camonitor {
    const child = new Deno.Command(epicsBin("camonitor"), {
      args,
      env: { ...baseEnv(), ...caClientEnv(options.port), ...options.env },
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    return new Camonitor(child);
  }

  async #read(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let partial = "";
    for await (const chunk of stream) {
      partial += decoder.decode(chunk, { stream: true });
      const parts = partial.split("\n");
      partial = parts.pop() ?? "";
      this.#lines.push(...parts);
      this.#waiter?.();
    }
    if (partial) this.#lines.push(partial);
    this.#done = true;
    this.#waiter?.();
  }

  /** The next output line; rejects after `timeout` seconds (default 10). */
  async nextLine(timeout = 10): Promise<string> {
    const deadline = Date.now() + timeout * 1000;
    while (this.#lines.length === 0) {
      if (this.#done) throw new Error("camonitor: exited, no more lines");
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`camonitor: no output line within ${timeout} s`);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
      this.#waiter = undefined;
    }
    return this.#lines.shift()!;
  }

  /** Lines received and not read yet. */
  get pending(): number {
    return this.#lines.length;
  }

  /** Kills camonitor; resolves with its stderr (repeater noise removed). */
  async close(): Promise<string> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await this.#child.status;
    await this.#reader;
    return stripRepeaterNoise(await this.#errReader);
  }

  /** `await using mon = Camonitor.start(…)`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
