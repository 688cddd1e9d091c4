/**
 * `GET /history/api/trend.csv?…` — the trend of `/history/api/trend` as
 * CSV: one row per repetition, with the file, the errors and the drift.
 *
 * @module
 */
import {
  csv,
  historyOf,
  type RouteContext,
  type RouteHandlers,
} from "../../_lib/context.ts";
import { searchOf, trendParams } from "../../_lib/history_data.ts";

/** The handlers. */
export const handler: RouteHandlers = {
  async GET(ctx: RouteContext): Promise<Response> {
    const { channel, wire } = trendParams(ctx.url);
    const t = await historyOf(ctx).trend(searchOf(ctx.url), channel, wire);
    const sigma = wire ? "sigma_beam" : "sigma";
    return csv(
      [
        "time",
        "file",
        "scan",
        "ok",
        "center",
        "center_err",
        sigma,
        `${sigma}_err`,
        "drift",
        "drift_rel",
      ],
      t.t.map((ms, i) => [
        new Date(ms).toISOString(),
        t.files[t.file[i]].name,
        t.scan[i],
        t.ok[i],
        t.center[i],
        t.centerErr[i],
        t.sigma[i],
        t.sigmaErr[i],
        t.drift?.[i] ?? null,
        t.driftRel?.[i] ?? null,
      ]),
      `fws_history_trend_${channel}${wire ? `_${wire}` : ""}.csv`,
    );
  },
};
