/**
 * The profile models a request asked for (`FIT:MODEL`), fitted to one
 * channel's profile with the same points and weights as its Gaussian
 * (`fitPoints`): every model and the best by AICc for `auto`, else the one
 * model asked for. The daemon's fit callback calls it; the result is plain
 * data for the events and the file.
 *
 * @module
 */
import type { FitModelChoice } from "./fit_fields.ts";
import { fitAuto } from "./model_choice.ts";
import { MODEL_NAMES } from "./model_fields.ts";
import { fitModel } from "./model_fit.ts";
import { type Profile, semWeights } from "./profile.ts";
import type { ModelChoice } from "../scan/model.ts";

/**
 * The models of `asked` fitted to `profile`; undefined for `gauss` (the
 * Gaussian is fitted anyway).
 *
 * @example
 * ```ts
 * const choice = profileModels(profileOf(scan, "PDB", "ch1"), "auto");
 * console.log(choice?.chosen, choice?.deltaAicc);
 * ```
 */
export function profileModels(
  profile: Profile,
  asked: FitModelChoice,
): ModelChoice | undefined {
  if (asked === "gauss") return undefined;
  const weights = semWeights(profile);
  if (asked === "auto") {
    const auto = fitAuto(profile.x, profile.y, { weights });
    return {
      asked,
      chosen: auto.chosen,
      deltaAicc: auto.deltaAicc,
      fits: MODEL_NAMES.map((m) => auto.fits[m]).filter((f) => f),
    };
  }
  const fit = fitModel(profile.x, profile.y, { model: asked, weights });
  return {
    asked,
    chosen: fit.ok ? asked : null,
    deltaAicc: NaN,
    fits: [fit],
  };
}
