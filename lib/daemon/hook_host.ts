/**
 * `fws __hook-host` (hidden, not in `--help`): the process one custom-callback
 * call runs in, started by the daemon (`hook_process.ts`) as its own
 * executable with a V8 heap limit, an empty environment and, under
 * `deno run`, read of the module and the scan file only.
 *
 * It reads one request from stdin (to its end, so the hook finds stdin
 * closed), revokes every permission but read, runs the request in the same
 * sandboxed Worker as ever (`hook_sandbox.ts`), and prints the answer as one
 * line that starts with the secret the daemon sent on stdin: what the hook
 * itself prints (console.log in a Worker goes to this process's stdout)
 * cannot pass for an answer.
 *
 * @module
 */
import { dropPermissions } from "../permissions.ts";
import { callInWorker, type HookRequest } from "./hook_sandbox.ts";

/** The hidden subcommand that runs {@link hookHostMain}. */
export const HOOK_HOST_COMMAND = "__hook-host";

/** The one line the daemon writes on the hook process's stdin. */
export interface HookHostRequest extends HookRequest {
  /** Starts every line the daemon is to read; unknown to the hook. */
  secret: string;
  /** `file:` URL of the hook module. */
  url: string;
  /** Paths the hook's Worker may read. */
  read: string[];
  /** Seconds the hook may run once its module is loaded. */
  timeout: number;
  /** MB this process may hold resident before it ends the call. */
  rssLimitMb: number;
}

/** How often the hook process reads its resident size (ms). */
export const RSS_POLL_MS = 50;

/** Key of the stand-in for NaN and ±Infinity, which JSON has not. */
const NON_FINITE = "$fwsNumber";

/**
 * The request as one JSON line, NaN and ±Infinity kept (a fit that failed
 * has NaN fields): the hook gets what a Worker message would have given it.
 */
export function encodeRequest(request: HookHostRequest): string {
  return JSON.stringify(
    request,
    (_key, value) =>
      typeof value === "number" && !Number.isFinite(value)
        ? { [NON_FINITE]: String(value) }
        : value,
  );
}

/** The inverse of {@link encodeRequest}. */
export function decodeRequest(text: string): HookHostRequest {
  return JSON.parse(
    text,
    (_key, value) =>
      value !== null && typeof value === "object" && !Array.isArray(value) &&
        Object.keys(value).length === 1 && typeof value[NON_FINITE] === "string"
        ? Number(value[NON_FINITE])
        : value,
  );
}

function writeAll(text: string): void {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  while (at < bytes.length) at += Deno.stdout.writeSync(bytes.subarray(at));
}

/**
 * Entry of the hook process: one request in, one answer line out. Returns
 * the exit code (0 answered, 2 no readable request).
 */
export async function hookHostMain(): Promise<number> {
  let request: HookHostRequest;
  try {
    request = decodeRequest(await new Response(Deno.stdin.readable).text());
    if (typeof request.secret !== "string" || request.secret.length < 16) {
      throw new Error("no secret");
    }
  } catch (error) {
    console.error(
      `${HOOK_HOST_COMMAND}: expected one JSON request on stdin (${
        (error as Error).message
      })`,
    );
    return 2;
  }
  await dropPermissions(["write", "net", "env", "sys", "run", "ffi"]);
  const { secret, url, read, timeout, rssLimitMb, ...call } = request;
  let peak = 0;
  // this thread runs no hook code: it watches the hook's memory from here
  const watch = setInterval(() => {
    const mb = Deno.memoryUsage().rss / 2 ** 20;
    peak = Math.max(peak, mb);
    if (mb > rssLimitMb) {
      writeAll(`\n${secret} ${
        JSON.stringify({
          ok: false,
          message: `stopped: used more than ${rssLimitMb} MB of memory`,
          peakMb: Math.round(peak),
        })
      }\n`);
      Deno.exit(3);
    }
  }, RSS_POLL_MS);
  const answer = await callInWorker(call, {
    url,
    read,
    timeout,
    onLoaded: () => writeAll(`\n${secret} {"loaded":true}\n`),
  });
  clearInterval(watch);
  peak = Math.max(peak, Deno.memoryUsage().rss / 2 ** 20);
  writeAll(
    `\n${secret} ${JSON.stringify({ ...answer, peakMb: Math.round(peak) })}\n`,
  );
  return 0;
}
