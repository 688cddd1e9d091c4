/**
 * `GET /history/latest/N` — a redirect to the file view of scanner N's
 * newest scan (what `fws history --latest N` opens), asked of the catalog
 * at each request, so a bookmark always shows the newest.
 *
 * @module
 */
import {
  historyOf,
  NotFound,
  type RouteContext,
  type RouteHandlers,
} from "../../_lib/context.ts";

/** The handlers. */
export const handler: RouteHandlers = {
  GET(ctx: RouteContext): Response {
    const history = historyOf(ctx);
    const n = Number(ctx.params.scanner);
    const name = /^\d{1,2}$/.test(ctx.params.scanner) && n >= 1
      ? history.latest(n)
      : undefined;
    if (!name) {
      throw new NotFound(
        `no scan of scanner ${ctx.params.scanner} in the catalog of ${history.dir}; it has scanner${
          history.catalog.scanners().length === 1 ? "" : "s"
        } ${history.catalog.scanners().join(", ") || "(none)"}`,
      );
    }
    return new Response(null, {
      status: 302,
      headers: {
        location: `/history/file/${encodeURIComponent(name)}/`,
        "cache-control": "no-store",
      },
    });
  },
};
