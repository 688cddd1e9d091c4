/**
 * `GET /static/style.css`, `/static/islands/bundle.js`,
 * `/static/islands/bundle.css` — the embedded assets, from memory, gzipped
 * once when the browser accepts it.
 *
 * @module
 */
import { gzipSync } from "node:zlib";
import type { Assets, Handler } from "./_lib/context.ts";

const gzipped = new WeakMap<Uint8Array, Uint8Array>();

/** Whether the request accepts a gzip-encoded body. */
export function acceptsGzip(req: Request): boolean {
  return /\bgzip\b/.test(req.headers.get("accept-encoding") ?? "");
}

/** `body` gzipped (cached per asset). */
function gzipOf(body: Uint8Array): Uint8Array {
  let gz = gzipped.get(body);
  if (!gz) {
    gz = gzipSync(body);
    gzipped.set(body, gz);
  }
  return gz;
}

function asset(body: (a: Assets) => Uint8Array, type: string): Handler {
  return (ctx) => {
    const raw = body(ctx.assets);
    const gzip = acceptsGzip(ctx.req);
    return new Response((gzip ? gzipOf(raw) : raw) as Uint8Array<ArrayBuffer>, {
      headers: {
        "content-type": type,
        "cache-control": "no-cache",
        vary: "accept-encoding",
        ...(gzip ? { "content-encoding": "gzip" } : {}),
      },
    });
  };
}

/** The asset routes by path. */
export const STATIC_ROUTES: Record<string, Handler> = {
  "/static/style.css": asset((a) => a.styleCss, "text/css; charset=utf-8"),
  "/static/islands/bundle.js": asset(
    (a) => a.bundleJs,
    "text/javascript; charset=utf-8",
  ),
  "/static/islands/bundle.css": asset(
    (a) => a.bundleCss,
    "text/css; charset=utf-8",
  ),
};
