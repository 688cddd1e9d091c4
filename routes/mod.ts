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
import type { HistoryData } from "./_lib/history_data.ts";
import { renderPage } from "./_lib/render.tsx";
import { matchRoute, type Route, routesOf } from "./_lib/router.ts";

export { type Assets, type LiveSource } from "./_lib/context.ts";
export { BUCKETS, emptyRun, PlotData } from "./_lib/plot_data.ts";
export { HistoryData } from "./_lib/history_data.ts";

/**
 * Under `fws history`, `/history/file/<name>/…` is the file view of one
 * catalogued file: the file server's routes, with that file as the data.
 */
const FILE_VIEW = /^\/history\/file\/([^/]+)(\/.*)?$/;

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
 * followed scanner and the file its last request wrote, or (with
 * `history`) for the catalog of a data directory and each of its files.
 *
 * @param data the served file, or a function returning the file to serve now
 * @param options `assets` (embedded page assets), `port()` (the bound
 *   port, for the Host check), `live` (the followed scanner) and
 *   `history` (the catalog)
 */
export function createHandler(
  data: PlotData | (() => PlotData),
  options: {
    assets: Assets;
    port: () => number;
    live?: LiveSource;
    history?: HistoryData;
  },
): (req: Request) => Promise<Response> {
  const server = options.history ? "fws history" : "fws plot";
  return async (req) => {
    const url = new URL(req.url);
    const ctx: RouteContext = {
      req,
      url,
      params: {},
      data: typeof data === "function" ? data() : data,
      live: options.live,
      history: options.history,
      assets: options.assets,
      port: options.port(),
    };
    const next = async (): Promise<Response> => {
      let path = url.pathname;
      try {
        const view = options.history && FILE_VIEW.exec(path);
        if (view) {
          // the page's relative URLs (api/…) need the trailing slash
          if (view[2] === undefined) {
            return new Response(null, {
              status: 308,
              headers: { location: `${path}/${url.search}` },
            });
          }
          ctx.data = await options.history!.file(decodeURIComponent(view[1]));
          path = view[2];
        }
      } catch (error) {
        if (error instanceof NotFound) return textError(404, error.message);
        return textError(
          500,
          `${server}: cannot show ${url.pathname}: ${error}; \`fws index\` brings the catalog up to date with the files`,
        );
      }
      const match = matchRoute(ROUTES, path);
      if (!match) {
        return textError(404, `${server}: no page at ${url.pathname}`);
      }
      ctx.params = match.params;
      try {
        const res = await respond(match.route, ctx);
        return acceptsGzip(req) ? await compressText(res) : res;
      } catch (error) {
        if (error instanceof BadRequest) return textError(400, error.message);
        if (error instanceof NotFound) return textError(404, error.message);
        console.error(`${server}: ${url.pathname}: ${error}`);
        return textError(500, `${server}: ${url.pathname} failed: ${error}`);
      }
    };
    return await manifest.middleware.handler({ ...ctx, next });
  };
}
