/**
 * `GET /history/api/overlay?struck=CH&pick=NAME[#k]&pick=…&buckets=B` — the
 * profiles of the picked scans (every repetition of a file `NAME`, or
 * repetition k of it) on one shared position axis, min/max decimated as the
 * file page's overlay: Float32 columns `x, p1, p2, …`; `x-labels` is the
 * JSON list of the profiles' labels (`NAME #k`). Each profile is the one of
 * the channel's stored fit (its IOPS channel). `fws history` only.
 *
 * @module
 */
import {
  BadRequest,
  bucketsParam,
  columns,
  historyOf,
  type RouteContext,
  type RouteHandlers,
} from "../../_lib/context.ts";
import { BUCKETS, overlayColumns } from "../../_lib/plot_data.ts";

/** Profiles one overlay may hold. */
const MAX_PROFILES = 64;

/** The handlers. */
export const handler: RouteHandlers = {
  async GET(ctx: RouteContext): Promise<Response> {
    const history = historyOf(ctx);
    const struck = ctx.url.searchParams.get("struck") ?? "";
    if (struck === "") {
      throw new BadRequest("struck: expected a channel name, got nothing");
    }
    const buckets = bucketsParam(ctx, BUCKETS.overlay);
    const labels: string[] = [];
    const profiles = [];
    for (const pick of ctx.url.searchParams.getAll("pick")) {
      const m = /^(.+?)(?:#(\d+))?$/.exec(pick)!;
      const data = await history.file(m[1]);
      const scans = m[2] === undefined
        ? data.run.scans
        : data.run.scans.filter((s) => s.index === Number(m[2]));
      if (scans.length === 0) {
        throw new BadRequest(
          `pick: ${m[1]} has no repetition ${m[2]}; expected one of ${
            data.run.scans.map((s) => s.index).join(", ")
          }`,
        );
      }
      for (const scan of scans) {
        const iops = scan.fits[struck]?.iopsChannel ?? data.iopsChannels[0] ??
          "ch1";
        labels.push(`${data.file} #${scan.index}`);
        profiles.push(data.profile(scan, struck, iops));
      }
      if (profiles.length > MAX_PROFILES) {
        throw new BadRequest(
          `pick: at most ${MAX_PROFILES} profiles in one overlay, got more`,
        );
      }
    }
    const { body, rows, total } = overlayColumns(profiles, buckets);
    return columns(body, {
      columns: ["x", ...labels.map((_, k) => `p${k + 1}`)],
      rows,
      total,
      extra: { "x-labels": JSON.stringify(labels) },
    });
  },
};
