/**
 * `GET /` — the page, rendered on the server: the file header, then each
 * island with its props (serialised into the page for hydration), and the
 * bundled islands. Under `fws plot --live` it is the live page
 * (`_components/live_page.tsx`), which shows the same file page below the
 * live view once the request's file is loaded.
 *
 * @module
 */
import type { JSX } from "preact";
import type { PageState } from "../islands/mod.ts";
import { FileBody, PAGE_HEADERS, PageHead } from "./_components/file_page.tsx";
import { LivePage } from "./_components/live_page.tsx";
import { page, type RouteContext, type RouteHandlers } from "./_lib/context.ts";

/** The handlers: the page state of the initial channel pair. */
export const handler: RouteHandlers = {
  GET(ctx: RouteContext) {
    // fws history: the list, unless this is a file view (its data is a file)
    if (ctx.history && ctx.url.pathname === "/") {
      return new Response(null, {
        status: 302,
        headers: { location: "/history", "cache-control": "no-store" },
      });
    }
    const { data } = ctx;
    const state = data.run.scans.length > 0
      ? data.pageState(data.initialStruck, data.initialIops)
      : null;
    return page(state, { headers: PAGE_HEADERS });
  },
};

/** The page: the file header, then the islands, each with its props. */
export function Page(
  props: { data: PageState | null; ctx: RouteContext },
): JSX.Element {
  if (props.ctx.live) return <LivePage state={props.data} ctx={props.ctx} />;
  const state = props.data!;
  return (
    <html lang="en">
      <PageHead title={`fws plot — ${props.ctx.data.file}`} state={state} />
      <body>
        <FileBody state={state} ctx={props.ctx} />
        <footer>
          served by {props.ctx.history ? "fws history" : "fws plot"}{" "}
          on loopback; read-only (no write permission)
          {props.ctx.history && (
            <>
              {" · "}
              <a href="/history">all scans</a>
            </>
          )}
        </footer>
        <script type="module" src="/static/islands/bundle.js" />
      </body>
    </html>
  );
}
