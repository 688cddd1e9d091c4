/**
 * `GET /api/export.csv?scan=N&struck=CH&iops=ch` — the shown profile of one
 * scan at full resolution, in acquisition order (exactly `profileOf`), with
 * the fit model and the residual, as CSV with a header row.
 *
 * @module
 */
import {
  profileParams,
  type RouteContext,
  type RouteHandlers,
} from "../_lib/context.ts";
import { gaussian } from "../../lib/analysis/models.ts";

/** The handlers. */
export const handler: RouteHandlers = {
  GET(ctx: RouteContext): Response {
    const { scan, struck, iops, profile: p } = profileParams(ctx);
    const lines = [`position_${iops},signal_${struck},fit,residual`];
    for (let i = 0; i < p.x.length; i++) {
      const f = p.fit.ok ? gaussian(p.fit, p.x[i]) : NaN;
      lines.push(`${p.x[i]},${p.y[i]},${f},${p.y[i] - f}`);
    }
    const safe = (t: string) => t.replace(/[^A-Za-z0-9._-]/g, "_");
    const base = safe(ctx.data.file.replace(/\.h5$/i, ""));
    return new Response(lines.join("\n") + "\n", {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${base}_${scan.name}_${
          safe(struck)
        }_${safe(iops)}.csv"`,
        "cache-control": "no-store",
      },
    });
  },
};
