/**
 * `GET /history?from=&to=&scanner=&user=&comment=&status=` — the history
 * page of `fws history`: the list of scans of the search first (rendered
 * here, so it is drawn before any script runs), then the trend of a channel
 * and the overlay of picked scans, each an island sharing one history
 * selection.
 *
 * @module
 */
import type { JSX } from "preact";
import {
  createHistorySelection,
  type HistoryState,
} from "../../islands/mod.ts";
import { PAGE_HEADERS, PageHead } from "../_components/file_page.tsx";
import {
  historyOf,
  page,
  type RouteContext,
  type RouteHandlers,
} from "../_lib/context.ts";
import { PAGE_ROWS, searchOf } from "../_lib/history_data.ts";
import { Island } from "../_lib/render.tsx";
import { basename } from "node:path";

/** The handlers: the page state of the search in the URL. */
export const handler: RouteHandlers = {
  async GET(ctx: RouteContext) {
    const history = historyOf(ctx);
    const search = searchOf(ctx.url);
    const ref = await history.reference();
    const state: HistoryState = {
      dir: history.dir,
      search,
      rows: history.rows(search, { limit: PAGE_ROWS }),
      limit: PAGE_ROWS,
      channels: history.catalog.channels(),
      scanners: history.catalog.scanners(),
      reference: "file" in ref ? basename(ref.file) : "",
    };
    return page(state, { headers: PAGE_HEADERS });
  },
};

/** The page: the list, the trend, the overlay. */
export function Page(
  props: { data: HistoryState; ctx: RouteContext },
): JSX.Element {
  const state = props.data;
  const hs = createHistorySelection(state);
  return (
    <html lang="en">
      <PageHead
        title={`fws history — ${basename(state.dir)}`}
        inlineCss={props.ctx.assets}
      />
      <body>
        <header>
          <h1>
            Scan history <span class="muted">{state.dir}</span>
          </h1>
          <p class="note">
            {state.scanners.length === 0
              ? "The catalog holds no scans yet."
              : `Scanner${state.scanners.length > 1 ? "s" : ""} ${
                state.scanners.join(", ")
              }. `}
            {state.scanners.map((n) => (
              <a key={n} class="button" href={`/history/latest/${n}`}>
                latest of scanner {n}
              </a>
            ))}
          </p>
        </header>
        <main>
          <section id="history-list">
            <h2>Scans, newest first</h2>
            <Island
              name="HistoryList"
              props={{
                hs,
                rows: state.rows,
                limit: state.limit,
                scanners: state.scanners,
                dir: state.dir,
                reference: state.reference,
              }}
            />
          </section>
          <section id="history-trend">
            <h2>Centre and sigma over time</h2>
            <Island
              name="HistoryTrend"
              props={{ hs, channels: state.channels }}
            />
          </section>
          <section id="history-overlay">
            <h2>Profiles across scans</h2>
            <Island name="HistoryOverlay" props={{ hs }} />
          </section>
        </main>
        <footer>
          served by fws history on loopback; read-only (the catalog is opened
          read-only, the server has no write permission)
        </footer>
        <script type="module" src="/static/islands/bundle.js" />
      </body>
    </html>
  );
}
