/**
 * `GET /history/api/scans?from=&to=&scanner=&user=&comment=&status=&limit=&offset=`
 * — the scans of the search, newest first, as `{ rows: HistoryRow[] }`
 * (`fws history` only).
 *
 * @module
 */
import {
  historyOf,
  json,
  type RouteContext,
  type RouteHandlers,
} from "../../_lib/context.ts";
import { pageOf, searchOf } from "../../_lib/history_data.ts";

/** The handlers. */
export const handler: RouteHandlers = {
  GET(ctx: RouteContext): Response {
    const history = historyOf(ctx);
    return json({ rows: history.rows(searchOf(ctx.url), pageOf(ctx.url)) });
  },
};
