/**
 * `GET /api/raw?scan=N&group=struck|iops&channel=CH&buckets=B[&from=&to=]` —
 * one raw waveform of one scan, flattened row-major, as Float32 columns
 * `i, v` (sample index, value), min/max-decimated to at most 2·B rows; a
 * zoomed index range that fits comes back at full resolution.
 *
 * @module
 */
import {
  BadRequest,
  bucketsParam,
  columns,
  numberParam,
  type RouteContext,
  type RouteHandlers,
  scanParam,
  textError,
} from "../_lib/context.ts";
import { minMaxIndices } from "../../lib/analysis/decimate.ts";
import { BUCKETS } from "../_lib/plot_data.ts";

/** The handlers. */
export const handler: RouteHandlers = {
  GET(ctx: RouteContext): Response {
    const scan = ctx.data.scan(scanParam(ctx))!;
    const group = ctx.url.searchParams.get("group");
    if (group !== "struck" && group !== "iops") {
      throw new BadRequest(`group: expected struck or iops, got '${group}'`);
    }
    const channel = ctx.url.searchParams.get("channel") ?? "";
    const w = scan[group][channel];
    if (!w) {
      return textError(
        404,
        `${scan.name} has no ${group} channel '${channel}'; it has ${
          Object.keys(scan[group]).join(", ") || "none"
        }`,
      );
    }
    const n = w.data.length;
    const from = Math.max(0, Math.floor(numberParam(ctx, "from") ?? 0));
    const to = Math.min(n, Math.ceil((numberParam(ctx, "to") ?? n - 1) + 1));
    const keep = minMaxIndices(w.data, {
      from,
      to,
      buckets: bucketsParam(ctx, BUCKETS.raw),
    });
    const rows = keep.length;
    const body = new Float32Array(2 * rows);
    for (let r = 0; r < rows; r++) {
      body[r] = keep[r];
      body[rows + r] = w.data[keep[r]];
    }
    return columns(body, {
      columns: ["i", "v"],
      rows: keep.length,
      total: Math.max(0, to - from),
      extra: { "x-shape": w.shape.join("x"), "x-units": w.units },
    });
  },
};
