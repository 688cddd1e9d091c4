/**
 * `GET /api/profile?scan=N&struck=CH&iops=ch&buckets=B[&xmin=&xmax=]` — one
 * scan's profile as Float32 columns `x, y, r` (r = the residual against the
 * shown fit), sorted by position. Above 2·B points it is min/max-decimated
 * (buckets in acquisition order, so nothing is sorted at full resolution);
 * a zoomed range `[xmin, xmax]` that holds at most 2·B points comes back at
 * full resolution. When the file's fit left points out (its rejection
 * mask), they come as rows of their own with a fourth column `rej` (their
 * signal; NaN in `y` and `r`), and `y` is the profile as the fit saw it.
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
    // points the fit left out (few) are rows of their own, in column `rej`,
    // merged by position into the kept rows (already in position order)
    const rej = p.rejected;
    const out = rej
      ? Array.from(rej.x.keys())
        .filter((j) => rej.x[j] >= xmin && rej.x[j] <= xmax)
        .sort((a, b) => rej.x[a] - rej.x[b])
      : [];
    const rows = keep.length + out.length;
    const body = new Float32Array((rej ? 4 : 3) * rows).fill(NaN);
    let a = 0;
    let b = 0;
    for (let k = 0; k < rows; k++) {
      if (
        b < out.length && (a === keep.length || rej!.x[out[b]] < x[keep[a]])
      ) {
        body[k] = rej!.x[out[b]];
        body[3 * rows + k] = rej!.y[out[b++]];
        continue;
      }
      const i = keep[a++];
      body[k] = x[i];
      body[rows + k] = y[i];
      // a fork: the residual against the wire whose window holds the point
      body[2 * rows + k] = fork
        ? y[i] - forkValue(fork, x[i])
        : fit.ok
        ? y[i] - gaussian(fit, x[i])
        : NaN;
    }
    return columns(body, {
      columns: rej ? ["x", "y", "r", "rej"] : ["x", "y", "r"],
      rows,
      total: total + out.length,
    });
  },
};
