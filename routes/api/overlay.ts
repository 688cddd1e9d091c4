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
import { BUCKETS } from "../_lib/plot_data.ts";

/** The handlers. */
export const handler: RouteHandlers = {
  GET(ctx: RouteContext): Response {
    const { struck, iops } = channelParams(ctx);
    const buckets = bucketsParam(ctx, BUCKETS.overlay);
    const profiles = ctx.data.run.scans.map((scan) =>
      ctx.data.profile(scan, struck, iops)
    );
    let lo = Infinity;
    let hi = -Infinity;
    let total = 0;
    for (const p of profiles) {
      if (!p) continue;
      for (let i = 0; i < p.x.length; i++) {
        if (p.x[i] < lo) lo = p.x[i];
        if (p.x[i] > hi) hi = p.x[i];
      }
      total += p.x.length;
    }
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
    if (!(hi > lo)) hi = lo + 1;
    const rows = 2 * buckets;
    const w = (hi - lo) / buckets;
    const body = new Float32Array(rows * (profiles.length + 1)).fill(NaN);
    for (let b = 0; b < buckets; b++) {
      body[2 * b] = lo + w * (b + 0.25);
      body[2 * b + 1] = lo + w * (b + 0.75);
    }
    profiles.forEach((p, k) => {
      if (!p) return;
      const base = (k + 1) * rows;
      const minAt = new Int32Array(buckets).fill(-1);
      const maxAt = new Int32Array(buckets).fill(-1);
      for (let i = 0; i < p.x.length; i++) {
        const b = Math.min(buckets - 1, Math.floor((p.x[i] - lo) / w));
        if (minAt[b] < 0 || p.y[i] < p.y[minAt[b]]) minAt[b] = i;
        if (maxAt[b] < 0 || p.y[i] > p.y[maxAt[b]]) maxAt[b] = i;
      }
      for (let b = 0; b < buckets; b++) {
        if (minAt[b] < 0) continue;
        const [first, second] = minAt[b] <= maxAt[b]
          ? [minAt[b], maxAt[b]]
          : [maxAt[b], minAt[b]];
        body[base + 2 * b] = p.y[first];
        body[base + 2 * b + 1] = p.y[second];
      }
    });
    return columns(body, {
      columns: ["x", ...ctx.data.run.scans.map((s) => s.name)],
      rows,
      total,
      extra: { "x-scans": ctx.data.run.scans.map((s) => s.index).join(",") },
    });
  },
};
