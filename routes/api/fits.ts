/**
 * `GET /api/fits?struck=CH&iops=ch` — the fit table of a channel pair (per
 * scan and the mean ± std summary) as JSON.
 *
 * @module
 */
import {
  channelParams,
  json,
  type RouteContext,
  type RouteHandlers,
} from "../_lib/context.ts";

/** The handlers. */
export const handler: RouteHandlers = {
  GET(ctx: RouteContext): Response {
    const { struck, iops } = channelParams(ctx);
    return json(ctx.data.fits(struck, iops));
  },
};
