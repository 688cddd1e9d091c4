/**
 * `--custom-callback PATH`: a facility's own JS/TS module exporting
 * `getPreCallback` and/or `getPostCallback` (as the Python original does).
 * Each returns a function: the pre callback is called with the request
 * before the wire moves, the post callback with the outcome and the path of
 * the scan file once it is closed.
 *
 * The module never runs inside the daemon: every call happens in a fresh
 * Deno Worker with the least permissions that work — read the module (and,
 * for the post callback, the scan file), nothing else: no write, no net, no
 * run, no env, no sys, no ffi — and a timeout. A hook that throws, hangs or
 * tries something it may not do is stopped and reported; the daemon goes on.
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
}

/** Seconds a hook module may take to load in its Worker. */
const LOAD_TIMEOUT = 30;

/** Characters of a hook's returned text kept (the rest cut, said so). */
export const MAX_HOOK_RESULT = 4096;

/**
 * The Worker's own code, run before the hook module is imported. It answers
 * on a MessagePort the host hands it, captured (with the original
 * `postMessage` and `Reflect.apply`) where the hook's code cannot reach
 * or patch: what the hook posts
 * with `self.postMessage` is ignored by the host, so it can neither reset
 * the timeout nor forge an answer. It also takes `Worker` away, so a hook
 * cannot start threads of its own.
 */
const BOOTSTRAP = `
const post = MessagePort.prototype.postMessage;
const apply = Reflect.apply;
delete globalThis.Worker;
self.onmessage = async (event) => {
  self.onmessage = null;
  const { op, url, hook, info } = event.data;
  const port = event.ports[0];
  const send = (answer) => apply(post, port, [answer]);
  try {
    const mod = await import(url);
    send({ loaded: true });
    if (op === "probe") {
      send({ ok: true, pre: typeof mod.getPreCallback === "function",
        post: typeof mod.getPostCallback === "function" });
      return;
    }
    const getter = hook === "pre" ? mod.getPreCallback : mod.getPostCallback;
    if (typeof getter !== "function") { send({ ok: true, message: "" }); return; }
    const fn = await getter();
    if (typeof fn !== "function") {
      send({ ok: false, message: "get" + (hook === "pre" ? "Pre" : "Post") +
        "Callback() did not return a function" });
      return;
    }
    const result = await fn(info);
    send({ ok: true, message: typeof result === "string" ? result.slice(0, ${MAX_HOOK_RESULT} + 1) : "" });
  } catch (error) {
    send({ ok: false, message: String((error && error.name ? error.name + ": " : "") +
      String(error && error.message !== undefined ? error.message : error)).slice(0, ${MAX_HOOK_RESULT} + 1) });
  }
};
`;

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
  /** Whether the module exports `getPreCallback`. */
  hasPre = false;
  /** Whether the module exports `getPostCallback`. */
  hasPost = false;
  readonly #url: string;

  private constructor(path: string, timeout: number) {
    this.path = resolve(path);
    this.timeout = timeout;
    this.#url = pathToFileURL(this.path).href;
  }

  /**
   * Checks the module in a sandboxed Worker: it must load and export at
   * least one of the two hooks. Throws an error naming the file otherwise.
   */
  static async load(
    path: string,
    options: { timeout?: number } = {},
  ): Promise<CustomCallbackHost> {
    const host = new CustomCallbackHost(path, options.timeout ?? 10);
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
    return { ok: answer.ok === true, message: bounded(answer.message) };
  }

  #call(
    message: Record<string, unknown>,
    readable: string[],
  ): Promise<Record<string, unknown>> {
    const blobUrl = URL.createObjectURL(
      new Blob([BOOTSTRAP], { type: "application/javascript" }),
    );
    let worker: Worker;
    try {
      worker = new Worker(blobUrl, {
        type: "module",
        deno: {
          permissions: {
            read: [this.path, ...readable],
            write: false,
            net: false,
            env: false,
            run: false,
            sys: false,
            ffi: false,
            import: false,
          },
        },
      } as WorkerOptions);
    } catch (error) {
      URL.revokeObjectURL(blobUrl);
      const text = (error as Error).message;
      return Promise.resolve({
        ok: false,
        message: /unstable/i.test(text)
          ? 'sandboxed Workers need Deno\'s --unstable-worker-options (deno.json "unstable": ["worker-options"])'
          : text,
      });
    }
    return new Promise((resolveAnswer) => {
      const held: { timer?: ReturnType<typeof setTimeout> } = {};
      const channel = new MessageChannel();
      let done = false;
      const finish = (answer: Record<string, unknown>) => {
        if (done) return;
        done = true;
        clearTimeout(held.timer);
        worker.terminate();
        channel.port1.close();
        URL.revokeObjectURL(blobUrl);
        resolveAnswer(answer);
      };
      const limit = (seconds: number, what: string) => {
        clearTimeout(held.timer);
        held.timer = setTimeout(
          () =>
            finish({
              ok: false,
              message: `stopped: ${what} within ${seconds} s (hung)`,
            }),
          seconds * 1000,
        );
      };
      // loading the module has its own, generous limit; the hook's own
      // timeout starts once the module is loaded (said once, on the port)
      let loaded = false;
      limit(Math.max(LOAD_TIMEOUT, this.timeout), "module not loaded");
      channel.port1.onmessage = (e: MessageEvent) => {
        if (e.data?.loaded === true) {
          if (!loaded) limit(this.timeout, "no answer");
          loaded = true;
          return;
        }
        finish(e.data ?? {});
      };
      // what the hook itself posts is not the host's protocol: ignored
      worker.onmessage = () => {};
      worker.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        finish({ ok: false, message: e.message || "uncaught error" });
      };
      worker.onmessageerror = () =>
        finish({ ok: false, message: "unreadable answer" });
      worker.postMessage({ ...message, url: this.#url }, [channel.port2]);
    });
  }
}
