/**
 * `GET /api/profile?scan=N&struck=CH&iops=ch&buckets=B[&xmin=&xmax=]` — one
 * scan's profile sorted by position, as Float32 columns `x, y, r` (r = the
 * residual against the shown fit), min/max-decimated to at most 2·B rows;
 * a zoomed range that fits comes back at full resolution.
 *
 * @module
 */
import {
  BadRequest,
  bucketsParam,
  channelParams,
  columns,
  numberParam,
  type RouteContext,
  scanParam,
  textError,
} from "../_lib/context.ts";
import {
  lowerBound,
  minMaxIndices,
  packColumns,
  upperBound,
} from "../_lib/decimate.ts";
import { BUCKETS } from "../_lib/plot_data.ts";

/** The handler. */
export function profileRoute(ctx: RouteContext): Response {
  const index = scanParam(ctx);
  const { struck, iops } = channelParams(ctx);
  const scan = ctx.data.scan(index)!;
  const p = ctx.data.profile(scan, struck, iops);
  if (!p) {
    return textError(404, `${scan.name} has no profile for ${struck}/${iops}`);
  }
  const xmin = numberParam(ctx, "xmin");
  const xmax = numberParam(ctx, "xmax");
  if (xmin !== undefined && xmax !== undefined && xmax < xmin) {
    throw new BadRequest(`xmax: expected ≥ xmin (${xmin}), got ${xmax}`);
  }
  const from = xmin === undefined ? 0 : lowerBound(p.sx, xmin);
  const to = xmax === undefined ? p.sx.length : upperBound(p.sx, xmax);
  const keep = minMaxIndices(p.sy, {
    from,
    to,
    buckets: bucketsParam(ctx, BUCKETS.profile),
  });
  return columns(packColumns([p.sx, p.sy, p.sr], keep), {
    columns: ["x", "y", "r"],
    rows: keep.length,
    total: to - from,
  });
}
