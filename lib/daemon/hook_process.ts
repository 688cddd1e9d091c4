/**
 * The cage of a custom-callback call: its own process, the daemon's own
 * executable (`Deno.execPath()`) run as `fws __hook-host` (`hook_host.ts`),
 * or under `deno run` as `deno run … main.ts __hook-host` with read of the
 * module and the scan file only. The daemon starts no other program.
 *
 * The process gets an empty environment (so no secret of the daemon's
 * reaches a hook) but for `DENO_V8_FLAGS=--max-old-space-size=<MB>`,
 * `NO_COLOR=1` and, under `deno run`, `DENO_DIR`. The daemon bounds it
 * from outside:
 *
 * - time: the module's load limit, then the hook's timeout (the Worker inside
 *   says so itself; one second later the process is killed regardless);
 * - memory (bounded from inside the process, by code of the daemon's): V8's
 *   heap limit (a heap hog ends with V8's out-of-memory, which
 *   ends only this process), and the resident size, at most the heap limit
 *   plus {@link RSS_ALLOWANCE_MB} (buffers outside the heap, e.g. a 4 GiB
 *   `Uint8Array`, count there): the hook process's main thread, which runs
 *   no hook code, reads it every `RSS_POLL_MS` (50) ms and ends the process
 *   beyond it (Deno refuses the daemon `/proc/<pid>/status` of another process
 *   without `--allow-all`);
 * - output: the answer is one line that starts with a secret sent on stdin
 *   (what the hook prints cannot pass for it), at most
 *   {@link MAX_ANSWER_BYTES}; anything printed beyond {@link MAX_OUTPUT_BYTES}
 *   ends the call.
 *
 * Killing the process ends whatever the hook started inside it.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import {
  type HookAnswer,
  LOAD_TIMEOUT,
  MAX_HOOK_RESULT,
} from "./hook_sandbox.ts";
import {
  encodeRequest,
  HOOK_HOST_COMMAND,
  type HookHostRequest,
} from "./hook_host.ts";

/** Default of `--hook-memory`: MB of V8 heap a hook may use. */
export const DEFAULT_HOOK_MEMORY_MB = 256;

/** MB the hook's process may hold beyond its heap limit (the runtime itself). */
export const RSS_ALLOWANCE_MB = 128;

/** Longest answer line read (a cut result, JSON-escaped, and the secret). */
export const MAX_ANSWER_BYTES = 8 * MAX_HOOK_RESULT + 4096;

/** Bytes the hook process may print (stdout and stderr) before it is ended. */
export const MAX_OUTPUT_BYTES = 1 << 20;

/** Seconds after a limit the Worker enforces before the process is killed. */
const KILL_GRACE = 1;

/** How to start the hook process: the program and what it needs. */
export interface SelfCommand {
  /** Always `Deno.execPath()`. */
  program: string;
  /** Arguments, given the paths the hook may read. */
  args(read: string[]): string[];
  /** The whole environment of the hook process. */
  env: Record<string, string>;
}

function envOf(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/**
 * The command that starts this program again as a hook process, with a heap
 * limit of `memoryMb`; `undefined` when there is none (run from a non-file
 * URL under `deno run`).
 */
export function selfCommand(memoryMb: number): SelfCommand | undefined {
  const program = Deno.execPath();
  const env: Record<string, string> = {
    DENO_V8_FLAGS: `--max-old-space-size=${memoryMb}`,
    NO_COLOR: "1", // plain text in the reasons read from its stderr
  };
  if (Deno.build.standalone) {
    return { program, args: () => [HOOK_HOST_COMMAND], env };
  }
  const main = new URL("../../main.ts", import.meta.url);
  if (main.protocol !== "file:") return undefined;
  const home = envOf("HOME");
  const cache = envOf("DENO_DIR") ??
    (envOf("XDG_CACHE_HOME") ?? (home ? `${home}/.cache` : undefined));
  if (cache) {
    env.DENO_DIR = envOf("DENO_DIR") ?? `${cache}/deno`;
  }
  return {
    program,
    args: (read) => [
      "run",
      "--no-config",
      "--no-lock",
      "--no-prompt",
      "--quiet",
      "--unstable-worker-options",
      `--allow-read=${readList(read)}`,
      fileURLToPath(main),
      HOOK_HOST_COMMAND,
    ],
    env,
  };
}

/** deno's `--allow-read` list: split at commas, with no escape for one. */
function readList(paths: readonly string[]): string {
  const odd = paths.find((p) => p.includes(","));
  if (odd) {
    throw new Error(
      `deno run cannot grant read of a path with a comma (${odd}); the compiled fws can`,
    );
  }
  return paths.join(",");
}

/** Whether this process may start `program` (granted, not asked for). */
export function maySpawn(program: string): boolean {
  try {
    return Deno.permissions.querySync({ name: "run", command: program })
      .state === "granted";
  } catch {
    return false;
  }
}

/** One hook call in a process of its own. */
export interface ProcessCallOptions {
  command: SelfCommand;
  /** `file:` URL of the module. */
  url: string;
  /** Paths the hook may read. */
  read: string[];
  /** Seconds the hook may run once loaded. */
  timeout: number;
  /** The heap limit the process was started with (MB). */
  memoryMb: number;
}

/**
 * Runs one request in a fresh hook process and resolves with the answer, or
 * with `{ ok: false, message }` naming why there is none: ran out of memory,
 * used too much memory, hung, printed too much, ended without answering.
 * Never rejects. An answer of the process carries `peakMb`, the largest
 * resident size it saw; `output` is the start of what the hook printed.
 */
export async function callInProcess(
  request: { op: "probe" | "call"; hook?: "pre" | "post"; info?: unknown },
  options: ProcessCallOptions,
): Promise<HookAnswer> {
  const secret = crypto.randomUUID();
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(options.command.program, {
      args: options.command.args(options.read),
      clearEnv: true,
      env: options.command.env,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    return {
      ok: false,
      message:
        `could not start the hook's process ${options.command.program}: ${
          (error as Error).message
        }`,
    };
  }
  const rssLimit = options.memoryMb + RSS_ALLOWANCE_MB;
  let answer: HookAnswer | undefined;
  let printed = 0;
  let stderrTail = "";
  // the start of what the hook printed on stdout and on stderr
  const printedText = { out: "", err: "" };
  const keep = (stream: "out" | "err", text: string) => {
    if (printedText[stream].length <= MAX_HOOK_RESULT) {
      printedText[stream] += text;
    }
  };
  const killed = (message: string) => {
    answer ??= { ok: false, message };
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  };
  const timer: { id?: ReturnType<typeof setTimeout> } = {};
  const limit = (seconds: number, what: string) => {
    clearTimeout(timer.id);
    timer.id = setTimeout(
      () => killed(`stopped: ${what} within ${seconds} s (hung)`),
      (seconds + KILL_GRACE) * 1000,
    );
  };
  limit(Math.max(LOAD_TIMEOUT, options.timeout), "module not loaded");
  const line: HookHostRequest = {
    ...request,
    secret,
    url: options.url,
    read: options.read,
    timeout: options.timeout,
    rssLimitMb: rssLimit,
  };
  const writing = (async () => {
    const writer = child.stdin.getWriter();
    try {
      await writer.write(new TextEncoder().encode(encodeRequest(line)));
      await writer.close();
    } catch { /* the process ended first: its status says why */ }
  })();

  const onLine = (text: string) => {
    if (!text.startsWith(secret + " ")) {
      if (text !== "") keep("out", text + "\n"); // the hook's own output
      return;
    }
    let parsed: HookAnswer;
    try {
      parsed = JSON.parse(text.slice(secret.length + 1));
    } catch {
      return killed("unreadable answer");
    }
    if (parsed?.loaded === true) {
      limit(options.timeout, "no answer");
      return;
    }
    answer ??= parsed;
    killed("answered"); // nothing more to wait for
  };
  const count = (n: number) => {
    printed += n;
    if (printed > MAX_OUTPUT_BYTES) {
      killed(`stopped: printed more than ${MAX_OUTPUT_BYTES >> 20} MiB`);
    }
  };
  const readStdout = (async () => {
    const decoder = new TextDecoder();
    let pending = "";
    let skipping = false; // inside a line too long to be an answer
    for await (const chunk of child.stdout) {
      count(chunk.length);
      pending += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        if (!skipping) onLine(pending.slice(0, nl));
        skipping = false;
        pending = pending.slice(nl + 1);
      }
      if (pending.length > MAX_ANSWER_BYTES) {
        if (!skipping) keep("out", pending);
        skipping = true;
        pending = "";
      }
    }
  })();
  const readStderr = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) {
      count(chunk.length);
      const text = decoder.decode(chunk, { stream: true });
      stderrTail = (stderrTail + text).slice(-8192);
      keep("err", text);
    }
  })();

  const status = await child.status;
  clearTimeout(timer.id);
  await Promise.all([writing, readStdout, readStderr]);
  if (!answer) {
    // V8's own last words (`# Fatal JavaScript out of memory: Reached heap limit`)
    if (/Fatal (JavaScript|process) out of memory/.test(stderrTail)) {
      printedText.err =
        printedText.err.split(/\n*<--- Last few GCs|\n*#\s*\n# Fatal/)[0];
      answer = {
        ok: false,
        message:
          `stopped: ran out of memory (heap limit ${options.memoryMb} MB)`,
      };
    } else {
      const last = stderrTail.trim().split("\n").at(-1)?.slice(0, 200) ?? "";
      answer = {
        ok: false,
        message: `the hook's process ended without an answer (${
          status.signal ? `signal ${status.signal}` : `exit code ${status.code}`
        })${last ? `: ${last}` : ""}`,
      };
    }
  }
  const output = printedText.out + printedText.err;
  return output ? { ...answer, output } : answer;
}
