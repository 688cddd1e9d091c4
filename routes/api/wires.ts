/**
 * `GET /api/wires?scan=N&struck=CH` — a fork's wires in one scan and
 * channel: each wire's profile against its beam coordinate (min/max
 * decimated to 1000 points), its fitted curve and results, and the beam
 * ellipse, as JSON. 404 for a file of one wire.
 *
 * @module
 */
import {
  json,
  NotFound,
  type RouteContext,
  type RouteHandlers,
  scanParam,
} from "../_lib/context.ts";
import { minMaxIndices } from "../../lib/analysis/decimate.ts";
import { gaussian } from "../../lib/analysis/models.ts";
import { profileOf } from "../../lib/analysis/profile.ts";
import { fittedRegions } from "../../lib/analysis/wire_fit.ts";
import type {
  WirePanel,
  WiresPayload,
} from "../../islands/shared/fork_types.ts";

const POINTS = 1000;

function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** The handlers. */
export const handler: RouteHandlers = {
  GET(ctx: RouteContext): Response {
    const wires = ctx.data.run.wires;
    if (!wires || wires.length < 2) {
      throw new NotFound("this file's scanner has one wire");
    }
    const scan = ctx.data.scan(scanParam(ctx))!;
    const struck = ctx.url.searchParams.get("struck") ?? "";
    const fits = scan.wireFits?.[struck];
    if (!fits || !scan.struck[struck]) {
      throw new NotFound(
        `no wire fits of channel '${struck}' in ${scan.name}; expected one of ${
          Object.keys(scan.wireFits ?? {}).join(", ") || "(none)"
        }`,
      );
    }
    const iops = scan.fits[struck]?.iopsChannel || Object.keys(scan.iops)[0];
    const regions = fittedRegions(profileOf(scan, struck, iops), wires, fits);
    const panels: WirePanel[] = regions.map((r, k) => {
      const f = fits[k];
      const keep = minMaxIndices(r.y, {
        from: 0,
        to: r.x.length,
        buckets: POINTS / 2,
      });
      keep.sort((a, b) => r.x[a] - r.x[b] || a - b);
      const x = Array.from(keep, (i) => r.x[i]);
      return {
        wire: f.wire,
        angle: f.angle,
        diameter: f.diameter,
        ok: f.fit.ok,
        message: f.fit.message,
        center: finite(f.fit.center),
        centerErr: finite(f.fit.centerErr),
        sigma: finite(f.fit.sigma),
        sigmaBeam: finite(f.sigmaBeam),
        sigmaBeamErr: finite(f.sigmaBeamErr),
        sigmaFloor: finite(f.budget?.floor ?? NaN),
        belowFloor: f.budget?.belowFloor ?? false,
        x,
        y: Array.from(keep, (i) => r.y[i]),
        fit: x.map((v) => f.fit.ok ? gaussian(f.fit, v) : null),
      };
    });
    const s = scan.beamShapes?.[struck];
    const body: WiresPayload = {
      scan: scan.index,
      struck,
      wires: panels,
      shape: s
        ? {
          ok: s.ok,
          message: s.message,
          sigmaX: finite(s.sigmaX),
          sigmaXErr: finite(s.sigmaXErr),
          sigmaY: finite(s.sigmaY),
          sigmaYErr: finite(s.sigmaYErr),
          sigmaXY: finite(s.sigmaXY),
          sigmaXYErr: finite(s.sigmaXYErr),
          tilt: finite(s.tilt),
          tiltErr: finite(s.tiltErr),
          correlation: finite(s.correlation),
          correlationErr: finite(s.correlationErr),
        }
        : null,
    };
    return json(body);
  },
};
