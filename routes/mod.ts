/**
 * The route table of the plot page — one entry per URL, as Fresh's
 * `routes/` folder maps files to URLs — and the request handler that applies
 * the middleware (Host and method checks) before dispatching.
 *
 * @module
 */
import { exportCsvRoute } from "./api/export_csv.ts";
import { fitsRoute } from "./api/fits.ts";
import { overlayRoute } from "./api/overlay.ts";
import { profileRoute } from "./api/profile.ts";
import { rawRoute } from "./api/raw.ts";
import { statusRoute } from "./api/status.ts";
import { indexRoute } from "./index.tsx";
import { guard } from "./_middleware.ts";
import { acceptsGzip, STATIC_ROUTES } from "./static.ts";
import { gzipSync } from "node:zlib";
import {
  type Assets,
  BadRequest,
  type Handler,
  textError,
} from "./_lib/context.ts";
import type { PlotData } from "./_lib/plot_data.ts";

export { type Assets } from "./_lib/context.ts";
export { BUCKETS, PlotData } from "./_lib/plot_data.ts";

/** Every URL the server answers, by path. */
export const ROUTES: Record<string, Handler> = {
  "/": indexRoute,
  "/api/profile": profileRoute,
  "/api/overlay": overlayRoute,
  "/api/raw": rawRoute,
  "/api/fits": fitsRoute,
  "/api/export.csv": exportCsvRoute,
  "/api/status": statusRoute,
  ...STATIC_ROUTES,
};

/** Gzips a text response (HTML, JSON, CSV); other responses pass through. */
async function compressText(res: Response): Promise<Response> {
  const type = res.headers.get("content-type") ?? "";
  if (
    res.headers.has("content-encoding") ||
    !/^(text\/(html|csv|plain)|application\/json)/.test(type)
  ) {
    return res;
  }
  const body = new Uint8Array(
    gzipSync(new Uint8Array(await res.arrayBuffer())),
  );
  const headers = new Headers(res.headers);
  headers.set("content-encoding", "gzip");
  headers.set("vary", "accept-encoding");
  return new Response(body, { status: res.status, headers });
}

/**
 * The server's request handler for one file.
 *
 * @param data the served file
 * @param options `assets` (embedded page assets) and `port()` (the bound
 *   port, for the Host check)
 */
export function createHandler(
  data: PlotData,
  options: { assets: Assets; port: () => number },
): (req: Request) => Promise<Response> {
  return async (req) => {
    const refusal = guard(req, options.port());
    if (refusal) return refusal;
    const url = new URL(req.url);
    const route = ROUTES[url.pathname];
    if (!route) return textError(404, `fws plot: no page at ${url.pathname}`);
    try {
      const res = await route({ req, url, data, assets: options.assets });
      return acceptsGzip(req) ? await compressText(res) : res;
    } catch (error) {
      if (error instanceof BadRequest) return textError(400, error.message);
      console.error(`fws plot: ${url.pathname}: ${error}`);
      return textError(500, `fws plot: ${url.pathname} failed: ${error}`);
    }
  };
}
