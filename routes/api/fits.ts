/**
 * `GET /api/fits?struck=CH&iops=ch` — the fit table of a channel pair (per
 * scan and the mean ± std summary) as JSON.
 *
 * @module
 */
import { channelParams, json, type RouteContext } from "../_lib/context.ts";

/** The handler. */
export function fitsRoute(ctx: RouteContext): Response {
  const { struck, iops } = channelParams(ctx);
  return json(ctx.data.fits(struck, iops));
}
