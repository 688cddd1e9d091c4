/**
 * The Worker a custom-callback hook runs in (see `custom_callback.ts`): read
 * of the module and the scan file only, no write, net, run, env, sys or ffi,
 * answers on a private MessagePort, `Worker` taken away, a timeout. It runs
 * inside the hook's own process (`hook_host.ts`) or, when the daemon may not
 * start that process, inside the daemon itself.
 *
 * @module
 */

/** Seconds a hook module may take to load in its Worker. */
export const LOAD_TIMEOUT = 30;

/** Characters of a hook's returned text kept (the rest cut, said so). */
export const MAX_HOOK_RESULT = 4096;

/** An answer of the Worker: `ok`, `message`, and `pre`/`post` for a probe. */
export type HookAnswer = Record<string, unknown>;

/** What the Worker is asked: probe the module, or call one hook. */
export interface HookRequest {
  op: "probe" | "call";
  hook?: "pre" | "post";
  info?: unknown;
}

/**
 * The Worker's own code, run before the hook module is imported. It answers
 * on a MessagePort the host hands it, captured (with the original
 * `postMessage` and `Reflect.apply`) where the hook's code cannot reach
 * or patch: what the hook posts
 * with `self.postMessage` is ignored by the host, so it can neither reset
 * the timeout nor forge an answer. It also takes `Worker` away, so a hook
 * cannot start threads of its own, and makes `postMessage` do nothing, so a
 * hook cannot flood the thread that watches it.
 */
const BOOTSTRAP = `
const post = MessagePort.prototype.postMessage;
const apply = Reflect.apply;
delete globalThis.Worker;
globalThis.postMessage = () => {};
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

/** Where and how long a hook runs. */
export interface SandboxOptions {
  /** `file:` URL of the hook module. */
  url: string;
  /** Paths the Worker may read: the module and, after a scan, the scan file. */
  read: string[];
  /** Seconds the hook may run once its module is loaded. */
  timeout: number;
  /** Called once, when the module has loaded (the hook's timeout starts). */
  onLoaded?: () => void;
}

/**
 * Runs one request in a fresh sandboxed Worker and resolves with its answer,
 * or with `{ ok: false, message }` saying why there is none (thrown, hung,
 * refused). Never rejects.
 */
export function callInWorker(
  request: HookRequest,
  options: SandboxOptions,
): Promise<HookAnswer> {
  const blobUrl = URL.createObjectURL(
    new Blob([BOOTSTRAP], { type: "application/javascript" }),
  );
  let worker: Worker;
  try {
    worker = new Worker(blobUrl, {
      type: "module",
      deno: {
        permissions: {
          read: options.read,
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
    const finish = (answer: HookAnswer) => {
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
    limit(Math.max(LOAD_TIMEOUT, options.timeout), "module not loaded");
    channel.port1.onmessage = (e: MessageEvent) => {
      if (e.data?.loaded === true) {
        if (!loaded) {
          limit(options.timeout, "no answer");
          options.onLoaded?.();
        }
        loaded = true;
        return;
      }
      finish(e.data ?? {});
    };
    // what the hook itself posts (postMessage is a no-op in there) is not
    // the host's protocol: ignored
    worker.onmessage = () => {};
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      finish({ ok: false, message: e.message || "uncaught error" });
    };
    worker.onmessageerror = () =>
      finish({ ok: false, message: "unreadable answer" });
    worker.postMessage({ ...request, url: options.url }, [channel.port2]);
  });
}
