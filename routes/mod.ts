/**
 * The plot server's request handler: the router derived from the files of
 * `routes/` (through `routes/_manifest.gen.ts`, see `routes/_lib/router.ts`),
 * behind `routes/_middleware.ts` (Host and method checks). A handler returns
 * a response, or page data that the route's `Page` renders.
 *
 * @module
 */
import { gzipSync } from "node:zlib";
import { manifest } from "./_manifest.gen.ts";
import {
  acceptsGzip,
  type Assets,
  BadRequest,
  type LiveSource,
  NotFound,
  type RouteContext,
  textError,
} from "./_lib/context.ts";
import type { PlotData } from "./_lib/plot_data.ts";
import { renderPage } from "./_lib/render.tsx";
import { matchRoute, type Route, routesOf } from "./_lib/router.ts";

export { type Assets, type LiveSource } from "./_lib/context.ts";
export { BUCKETS, PlotData } from "./_lib/plot_data.ts";

/** Every route, most specific first. */
export const ROUTES: Route[] = routesOf(manifest.routes);

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

/** The route's response: its GET handler's, or its page rendered. */
async function respond(route: Route, ctx: RouteContext): Promise<Response> {
  const out = await route.module.handler.GET(ctx);
  if (out instanceof Response) return out;
  if (!route.module.Page) {
    throw new Error(
      `routes/${route.file}: the handler returned page data; expected the module to export a Page`,
    );
  }
  return renderPage(route.module.Page, out, ctx);
}

/**
 * The server's request handler for one file, or (with `live`) for a
 * followed scanner and the file its last request wrote.
 *
 * @param data the served file, or a function returning the file to serve now
 * @param options `assets` (embedded page assets), `port()` (the bound
 *   port, for the Host check) and `live` (the followed scanner)
 */
export function createHandler(
  data: PlotData | (() => PlotData),
  options: { assets: Assets; port: () => number; live?: LiveSource },
): (req: Request) => Promise<Response> {
  return async (req) => {
    const url = new URL(req.url);
    const ctx: RouteContext = {
      req,
      url,
      params: {},
      data: typeof data === "function" ? data() : data,
      live: options.live,
      assets: options.assets,
      port: options.port(),
    };
    const next = async (): Promise<Response> => {
      const match = matchRoute(ROUTES, url.pathname);
      if (!match) {
        return textError(404, `fws plot: no page at ${url.pathname}`);
      }
      ctx.params = match.params;
      try {
        const res = await respond(match.route, ctx);
        return acceptsGzip(req) ? await compressText(res) : res;
      } catch (error) {
        if (error instanceof BadRequest) return textError(400, error.message);
        if (error instanceof NotFound) return textError(404, error.message);
        console.error(`fws plot: ${url.pathname}: ${error}`);
        return textError(500, `fws plot: ${url.pathname} failed: ${error}`);
      }
    };
    return await manifest.middleware.handler({ ...ctx, next });
  };
}
