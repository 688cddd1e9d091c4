/**
 * `GET /api/overlay?struck=CH&iops=ch&buckets=B` — the profiles of every
 * scan on one shared position axis for the overlay chart: the full position
 * range is cut into B equal bins, and each bin holds two rows (at ¼ and ¾ of
 * the bin) carrying, per scan, the lowest and the highest signal in that bin
 * (in acquisition order) — a min/max decimation that needs no joining in the
 * browser. Float32 columns `x, s1, s2, …` (one per scan, in file order; NaN
 * where a scan has no point in a bin). `x-scans` lists the scan numbers.
 *
 * @module
 */
import {
  bucketsParam,
  channelParams,
  columns,
  type RouteContext,
  type RouteHandlers,
} from "../_lib/context.ts";
import { BUCKETS, overlayColumns } from "../_lib/plot_data.ts";

/** The handlers. */
export const handler: RouteHandlers = {
  GET(ctx: RouteContext): Response {
    const { struck, iops } = channelParams(ctx);
    const buckets = bucketsParam(ctx, BUCKETS.overlay);
    const profiles = ctx.data.run.scans.map((scan) =>
      ctx.data.profile(scan, struck, iops)
    );
    const { body, rows, total } = overlayColumns(profiles, buckets);
    return columns(body, {
      columns: ["x", ...ctx.data.run.scans.map((s) => s.name)],
      rows,
      total,
      extra: { "x-scans": ctx.data.run.scans.map((s) => s.index).join(",") },
    });
  },
};
