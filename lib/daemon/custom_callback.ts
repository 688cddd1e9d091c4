/**
 * `--custom-callback PATH`: a facility's own JS/TS module exporting
 * `getPreCallback` and/or `getPostCallback` (as the Python original does).
 * Each returns a function: the pre callback is called with the request
 * before the wire moves, the post callback with the outcome and the path of
 * the scan file once it is closed.
 *
 * The module never runs inside the daemon: every call (and the probe at
 * load) happens in a process of its own, this program started again
 * (`hook_process.ts`, `hook_host.ts`) with a V8 heap limit (`--hook-memory`,
 * default 256 MB) and an empty environment, and in there in a fresh Deno
 * Worker with the least permissions that work — read the module (and, for
 * the post callback, the scan file), nothing else: no write, no net, no run,
 * no env, no sys, no ffi — and a timeout (`hook_sandbox.ts`). A hook that
 * throws, hangs, exhausts its memory or tries something it may not do is
 * stopped and reported; the daemon goes on. When this process may not start
 * itself (`--allow-run` lacks `Deno.execPath()`), the Worker runs in the
 * daemon's own process as before and {@link CustomCallbackHost.uncaged}
 * says why: the daemon logs it as a warning.
 *
 * ```ts
 * // my_hooks.js
 * export function getPostCallback() {
 *   return async (info) => {
 *     const bytes = await Deno.readFile(info.file);   // allowed
 *     return `checked ${info.file}: ${bytes.length} bytes`;
 *   };
 * }
 * ```
 *
 * Worker permissions need Deno's `--unstable-worker-options`: deno.json
 * (`"unstable": ["worker-options"]`) and compile.sh turn it on. Without it
 * Deno itself stops the process at start-up, when the module is first
 * probed, with a message naming the flag (it cannot be caught).
 *
 * @module
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  callInWorker,
  type HookAnswer,
  type HookRequest,
  MAX_HOOK_RESULT,
} from "./hook_sandbox.ts";
import {
  callInProcess,
  DEFAULT_HOOK_MEMORY_MB,
  maySpawn,
  type SelfCommand,
  selfCommand,
} from "./hook_process.ts";

/** What the pre callback receives. */
export interface PreHookInfo {
  scannerIndex: number;
  testMode: boolean;
  /** The validated request (`scan_args` of the file). */
  config: Record<string, string | number | boolean>;
  startTime: string;
}

/** What the post callback receives. */
export interface PostHookInfo extends PreHookInfo {
  status: "completed" | "aborted" | "error";
  message: string;
  endTime: string;
  /** Final path of the scan file ("" when none was written). */
  file: string;
  /** Fits per repetition and channel: center, sigma and their errors. */
  fits: Record<string, Record<string, Record<string, number | boolean>>>;
}

/** Outcome of one hook call. */
export interface HookResult {
  ok: boolean;
  /** What the hook returned (a string), or why it failed. */
  message: string;
  /**
   * What the hook printed (console.log/console.error, in its own process),
   * cut to {@link MAX_HOOK_RESULT} characters; absent when nothing.
   */
  output?: string;
}

export { MAX_HOOK_RESULT } from "./hook_sandbox.ts";

/** A hook's text, cut to {@link MAX_HOOK_RESULT} characters (and said so). */
function bounded(text: unknown): string {
  const s = String(text ?? "");
  return s.length > MAX_HOOK_RESULT
    ? `${s.slice(0, MAX_HOOK_RESULT)}… (cut at ${MAX_HOOK_RESULT} characters)`
    : s;
}

/** Loads and calls the hooks of one custom-callback module. */
export class CustomCallbackHost {
  /** Absolute path of the module. */
  readonly path: string;
  /** Seconds a hook may run before it is stopped. */
  readonly timeout: number;
  /** MB of V8 heap a hook may use (in its own process). */
  readonly memory: number;
  /** Whether the module exports `getPreCallback`. */
  hasPre = false;
  /** Whether the module exports `getPostCallback`. */
  hasPost = false;
  /**
   * Why the hooks run in the daemon's own process (their memory unbounded),
   * or `undefined` when each call has a process of its own.
   */
  uncaged?: string;
  /** Largest resident size of the last call's process, MB (0: in-process). */
  lastPeakMb = 0;
  readonly #url: string;
  #command?: SelfCommand;

  private constructor(path: string, timeout: number, memory: number) {
    this.path = resolve(path);
    this.timeout = timeout;
    this.memory = memory;
    this.#url = pathToFileURL(this.path).href;
    const command = selfCommand(memory);
    if (command && maySpawn(command.program)) {
      this.#command = command;
    } else {
      this.uncaged = uncagedReason(command?.program);
    }
  }

  /**
   * Checks the module in its sandbox: it must load and export at least one
   * of the two hooks. Throws an error naming the file otherwise.
   *
   * @param options.timeout seconds a hook may run (default 10)
   * @param options.memory MB of V8 heap a hook may use (default
   *   {@link DEFAULT_HOOK_MEMORY_MB}; its process at most
   *   `RSS_ALLOWANCE_MB` more resident, see `hook_process.ts`)
   * @param options.inProcess run the hooks in the daemon's own process even
   *   when it may start its own (for comparison; memory unbounded)
   */
  static async load(
    path: string,
    options: { timeout?: number; memory?: number; inProcess?: boolean } = {},
  ): Promise<CustomCallbackHost> {
    const host = new CustomCallbackHost(
      path,
      options.timeout ?? 10,
      options.memory ?? DEFAULT_HOOK_MEMORY_MB,
    );
    if (options.inProcess && host.#command) {
      host.#command = undefined;
      host.uncaged = "asked to run in-process";
    }
    try {
      Deno.statSync(host.path);
    } catch {
      throw new Error(`--custom-callback: no such file ${host.path}`);
    }
    const answer = await host.#call({ op: "probe" }, []);
    if (!answer.ok) {
      throw new Error(
        `--custom-callback ${host.path}: could not load the module (${answer.message})`,
      );
    }
    host.hasPre = answer.pre === true;
    host.hasPost = answer.post === true;
    if (!host.hasPre && !host.hasPost) {
      throw new Error(
        `--custom-callback ${host.path}: expected an export getPreCallback and/or getPostCallback`,
      );
    }
    return host;
  }

  /** Runs the pre callback. Never throws. */
  pre(info: PreHookInfo): Promise<HookResult> {
    if (!this.hasPre) return Promise.resolve({ ok: true, message: "" });
    return this.#hook("pre", info, []);
  }

  /** Runs the post callback, allowed to read `info.file`. Never throws. */
  post(info: PostHookInfo): Promise<HookResult> {
    if (!this.hasPost) return Promise.resolve({ ok: true, message: "" });
    return this.#hook("post", info, info.file ? [info.file] : []);
  }

  async #hook(
    hook: "pre" | "post",
    info: PreHookInfo | PostHookInfo,
    readable: string[],
  ): Promise<HookResult> {
    const answer = await this.#call({ op: "call", hook, info }, readable);
    const result: HookResult = {
      ok: answer.ok === true,
      message: bounded(answer.message),
    };
    if (typeof answer.output === "string" && answer.output.trim() !== "") {
      result.output = bounded(answer.output.trimEnd());
    }
    return result;
  }

  async #call(request: HookRequest, readable: string[]): Promise<HookAnswer> {
    const read = [this.path, ...readable];
    if (!this.#command) {
      this.lastPeakMb = 0;
      return await callInWorker(request, {
        url: this.#url,
        read,
        timeout: this.timeout,
      });
    }
    const answer = await callInProcess(request, {
      command: this.#command,
      url: this.#url,
      read,
      timeout: this.timeout,
      memoryMb: this.memory,
    });
    this.lastPeakMb = Number(answer.peakMb) || 0;
    return answer;
  }
}

/** The start-up warning when hooks cannot have a process of their own. */
function uncagedReason(program: string | undefined): string {
  const what =
    "custom callbacks run inside the daemon: their memory is not bounded and a hook that exhausts it ends the daemon, because";
  if (program === undefined) {
    return `${what} this program was not loaded from a file (main.ts has no file: URL to start again); run it from a file or the compiled binary`;
  }
  const how = Deno.build.standalone
    ? `install the binary at the path compile.sh baked into --allow-run (FWS_INSTALL_PATH, default /usr/local/bin/fws) or rebuild with FWS_INSTALL_PATH=${program}`
    : `under deno run grant --allow-run=${program} (the real path; a symlink such as --allow-run=deno is refused)`;
  return `${what} this process may not start ${program}; ${how}`;
}
