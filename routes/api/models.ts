/**
 * `GET /api/models?scan=N&struck=CH[&buckets=B]` — every profile model the
 * request fitted to one scan's channel (`fit/<CH>/models/` of the file):
 * parameters with errors, AICc, BIC, ΔAICc to the best, FWHM, halo
 * fraction, and each model's curve on the profile's grid (the profile's
 * points min/max decimated into B buckets, as the overlay's). The profile is
 * the one the models were fitted to (the stored fit's IOPS channel).
 *
 * @module
 */
import {
  bucketsParam,
  json,
  NotFound,
  type RouteContext,
  type RouteHandlers,
  scanParam,
  struckParam,
} from "../_lib/context.ts";
import { overlayColumns } from "../_lib/plot_data.ts";
import { modelCurve, type ModelName } from "../../lib/analysis/models.ts";
import { isModelName, modelSpec } from "../../lib/analysis/model_fields.ts";
import { CHOICE_MARGIN } from "../../lib/analysis/model_choice.ts";
import type {
  ModelRow,
  ModelsPayload,
} from "../../islands/shared/model_types.ts";

const finite = (v: number): number | null => Number.isFinite(v) ? v : null;

/** The handlers. */
export const handler: RouteHandlers = {
  GET(ctx: RouteContext): Response {
    const scan = ctx.data.scan(scanParam(ctx))!;
    const struck = struckParam(ctx);
    const choice = scan.modelFits?.[struck];
    const iops = scan.fits[struck]?.iopsChannel;
    const profile = iops ? ctx.data.profile(scan, struck, iops) : undefined;
    if (!choice || !iops || !profile) {
      throw new NotFound(
        `${scan.name} has no model fits of ${struck}: the request fitted the Gaussian only (FIT:MODEL GAUSS)`,
      );
    }
    const { body, rows } = overlayColumns(
      [profile],
      bucketsParam(ctx, 300),
    );
    const x = Array.from(body.subarray(0, rows));
    const y = Array.from(body.subarray(rows, 2 * rows), (v) => finite(v));
    const fitted = choice.fits.filter((f) => f.ok && Number.isFinite(f.aicc));
    const best = Math.min(...fitted.map((f) => f.aicc));
    const models = choice.fits.map((f): ModelRow => {
      const name = f.model as ModelName;
      const spec = isModelName(name) ? modelSpec(name) : undefined;
      const curve = f.ok && spec
        ? Array.from(modelCurve({ model: name, params: f.params }, x), finite)
        : x.map(() => null);
      return {
        name: f.model,
        label: spec?.label ?? f.model,
        formula: spec?.formula ?? "",
        ok: f.ok,
        message: f.message,
        params: (spec?.params ?? []).map((p, k) => ({
          key: p.key,
          label: p.label,
          unit: p.unit,
          value: finite(f.params[k]),
          err: finite(f.errors[k]),
        })),
        aicc: finite(f.aicc),
        bic: finite(f.bic),
        daicc: f.ok ? finite(f.aicc - best) : null,
        fwhm: finite(f.fwhm),
        haloFraction: finite(f.haloFraction),
        haloFractionErr: finite(f.haloFractionErr),
        nPoints: f.nPoints,
        curve,
      };
    });
    const payload: ModelsPayload = {
      scan: scan.index,
      struck,
      iops,
      asked: choice.asked,
      chosen: choice.chosen,
      deltaAicc: finite(choice.deltaAicc),
      margin: CHOICE_MARGIN,
      x,
      y,
      models,
    };
    return json(payload);
  },
};
