/**
 * `GET /api/profile?scan=N&struck=CH&iops=ch&buckets=B[&xmin=&xmax=]` — one
 * scan's profile as Float32 columns `x, y, r` (r = the residual against the
 * shown fit), sorted by position. Above 2·B points it is min/max-decimated
 * (buckets in acquisition order, so nothing is sorted at full resolution);
 * a zoomed range `[xmin, xmax]` that holds at most 2·B points comes back at
 * full resolution.
 *
 * @module
 */
import {
  BadRequest,
  bucketsParam,
  columns,
  numberParam,
  profileParams,
  type RouteContext,
  type RouteHandlers,
} from "../_lib/context.ts";
import { minMaxIndices, minMaxOfRows } from "../../lib/analysis/decimate.ts";
import { gaussian } from "../../lib/analysis/models.ts";
import { forkValue } from "../../lib/analysis/fork_curve.ts";
import { BUCKETS } from "../_lib/plot_data.ts";

/** The handlers. */
export const handler: RouteHandlers = {
  GET(ctx: RouteContext): Response {
    const { profile: p } = profileParams(ctx);
    const xmin = numberParam(ctx, "xmin") ?? -Infinity;
    const xmax = numberParam(ctx, "xmax") ?? Infinity;
    if (xmax < xmin) {
      throw new BadRequest(`xmax: expected ≥ xmin (${xmin}), got ${xmax}`);
    }
    const { x, y, fit, fork } = p;
    const buckets = bucketsParam(ctx, BUCKETS.profile);
    let keep: Uint32Array;
    let total = x.length;
    if (xmin === -Infinity && xmax === Infinity) {
      keep = minMaxIndices(y, { from: 0, to: x.length, buckets });
    } else {
      const rows = new Uint32Array(x.length);
      let n = 0;
      for (let i = 0; i < x.length; i++) {
        if (x[i] >= xmin && x[i] <= xmax) rows[n++] = i;
      }
      total = n;
      keep = minMaxOfRows(y, rows.subarray(0, n), buckets);
    }
    keep.sort((a, b) => x[a] - x[b] || a - b);
    const rows = keep.length;
    const body = new Float32Array(3 * rows);
    for (let k = 0; k < rows; k++) {
      const i = keep[k];
      body[k] = x[i];
      body[rows + k] = y[i];
      // a fork: the residual against the wire whose window holds the point
      body[2 * rows + k] = fork
        ? y[i] - forkValue(fork, x[i])
        : fit.ok
        ? y[i] - gaussian(fit, x[i])
        : NaN;
    }
    return columns(body, { columns: ["x", "y", "r"], rows, total });
  },
};
