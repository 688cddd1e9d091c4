/**
 * Runs before every route: only GET/HEAD, and only requests addressed to the
 * loopback name this server was reached at (`127.0.0.1:<port>` or
 * `localhost:<port>`), which defeats DNS rebinding.
 *
 * @module
 */
import type { MiddlewareModule } from "./_lib/context.ts";
import { textError } from "./_lib/context.ts";

/**
 * A refusal response, or `undefined` when the request may proceed.
 *
 * @example
 * ```ts
 * const refusal = guard(req, 8123); // 403 for Host: evil.example:8123
 * ```
 */
export function guard(req: Request, port: number): Response | undefined {
  const host = req.headers.get("host") ?? "";
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
    return textError(
      403,
      `fws plot: refused Host '${host}'; expected 127.0.0.1:${port} or localhost:${port}`,
    );
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    return textError(
      405,
      `fws plot: method ${req.method} not allowed; expected GET`,
    );
  }
  return undefined;
}

/** The middleware: refuses what {@link guard} refuses, else runs the route. */
export const handler: MiddlewareModule["handler"] = (ctx) =>
  guard(ctx.req, ctx.port) ?? ctx.next();
