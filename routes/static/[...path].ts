/**
 * `GET /static/style.css`, `/static/islands/bundle.js`,
 * `/static/islands/bundle.css` — the embedded assets, from memory, gzipped
 * once when the browser accepts it. Any other path is a 404: nothing is read
 * from disk.
 *
 * @module
 */
import { gzipSync } from "node:zlib";
import {
  acceptsGzip,
  type Assets,
  type RouteContext,
  type RouteHandlers,
  textError,
} from "../_lib/context.ts";

const gzipped = new WeakMap<Uint8Array, Uint8Array>();

/** `body` gzipped (cached per asset). */
function gzipOf(body: Uint8Array): Uint8Array {
  let gz = gzipped.get(body);
  if (!gz) {
    gz = gzipSync(body);
    gzipped.set(body, gz);
  }
  return gz;
}

/** The assets by path below `/static/`, with their content types. */
const ASSETS: Record<string, [(a: Assets) => Uint8Array, string]> = {
  "style.css": [(a) => a.styleCss, "text/css; charset=utf-8"],
  "islands/bundle.js": [(a) => a.bundleJs, "text/javascript; charset=utf-8"],
  "islands/bundle.css": [(a) => a.bundleCss, "text/css; charset=utf-8"],
};

/** The handlers. */
export const handler: RouteHandlers = {
  GET(ctx: RouteContext): Response {
    const asset = Object.hasOwn(ASSETS, ctx.params.path)
      ? ASSETS[ctx.params.path]
      : undefined;
    if (!asset) {
      return textError(404, `fws plot: no page at ${ctx.url.pathname}`);
    }
    const [body, type] = asset;
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
  },
};
