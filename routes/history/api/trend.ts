/**
 * `GET /history/api/trend?channel=CH[&wire=W]&from=&to=&scanner=` — centre
 * and σ of every repetition of the search's time range and scanner, with
 * the request boundaries and the drift from the scanner's reference, as a
 * `TrendPayload` (`fws history` only).
 *
 * @module
 */
import {
  historyOf,
  json,
  type RouteContext,
  type RouteHandlers,
} from "../../_lib/context.ts";
import { searchOf, trendParams } from "../../_lib/history_data.ts";

/** The handlers. */
export const handler: RouteHandlers = {
  async GET(ctx: RouteContext): Promise<Response> {
    const { channel, wire } = trendParams(ctx.url);
    return json(
      await historyOf(ctx).trend(searchOf(ctx.url), channel, wire),
    );
  },
};
