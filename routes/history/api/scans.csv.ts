/**
 * `GET /history/api/scans.csv?…` — the list of the search (the parameters
 * of `/history/api/scans`, up to 100,000 rows), newest first, as CSV.
 *
 * @module
 */
import {
  csv,
  historyOf,
  type RouteContext,
  type RouteHandlers,
} from "../../_lib/context.ts";
import { searchOf } from "../../_lib/history_data.ts";

/** The handlers. */
export const handler: RouteHandlers = {
  GET(ctx: RouteContext): Response {
    const rows = historyOf(ctx).rows(searchOf(ctx.url), { limit: 100_000 });
    return csv(
      [
        "start",
        "end",
        "scanner",
        "file",
        "status",
        "message",
        "repetitions",
        "mode",
        "wires",
        "test_mode",
        "user",
        "comment",
      ],
      rows.map((r) => [
        r.start,
        r.end,
        r.scanner,
        r.name,
        r.status,
        r.message,
        r.repetitions,
        r.mode,
        r.wires,
        r.testMode,
        r.user,
        r.comment,
      ]),
      "fws_history_list.csv",
    );
  },
};
