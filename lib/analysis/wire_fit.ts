/**
 * Per-wire fits of one stroke: the profile cut into the wires' regions
 * (`wires.ts`), each fitted in beam coordinates, and its σ corrected for
 * the wire's size. A round wire of diameter d sees the beam through its
 * chord profile, whose RMS is d/4, so the measured variance is the beam's
 * plus (d/4)²: σ_beam = √(σ_fit² − (d/4)²), error σ_fit/σ_beam · δσ_fit.
 *
 * @module
 */
import type { WireFit } from "../scan/model.ts";
import { failedFit } from "./gauss_fit.ts";
import { fitPoints, type Profile } from "./profile.ts";
import { forkPieces, forkValue } from "./fork_curve.ts";
import { type WireRegion, wireRegions, type WireSpec } from "./wires.ts";

export type { WireFit };

/**
 * σ of the beam from a fitted σ and a wire diameter, with its error; NaN
 * (and a reason) when the fit is narrower than the wire itself.
 *
 * @example
 * ```ts
 * wireSizeCorrection(0.5, 0.01, 0.1); // { sigma: 0.4984…, err: 0.01003… }
 * ```
 */
export function wireSizeCorrection(
  sigmaFit: number,
  sigmaFitErr: number,
  diameter: number,
): { sigma: number; err: number; problem?: string } {
  if (diameter === 0) return { sigma: sigmaFit, err: sigmaFitErr };
  const w = diameter / 4;
  const v = sigmaFit * sigmaFit - w * w;
  if (!(v > 0)) {
    return {
      sigma: NaN,
      err: NaN,
      problem: `fitted σ ${
        sigmaFit.toPrecision(4)
      } mm is not wider than the wire's own RMS ${
        w.toPrecision(4)
      } mm (diameter ${diameter} mm): beam not resolved`,
    };
  }
  const sigma = Math.sqrt(v);
  return { sigma, err: (sigmaFit / sigma) * sigmaFitErr };
}

/**
 * Fits every wire of a stroke's profile (positions are stage positions):
 * one {@link WireFit} per wire, in table order. A wire whose window holds
 * no usable peak gets `fit.ok = false` and the reason; the others are
 * unaffected.
 *
 * @example
 * ```ts
 * const fits = fitWires(profileOf(scan, "PDB", "ch1"), wires);
 * for (const f of fits) console.log(f.wire, f.sigmaBeam);
 * ```
 */
export function fitWires(
  profile: Profile,
  wires: readonly WireSpec[],
): WireFit[] {
  return fitWireRegions(profile, wires).map((w) => w.fit);
}

/** {@link fitWires}, each fit with the region (points) it was fitted to. */
export function fitWireRegions(
  profile: Profile,
  wires: readonly WireSpec[],
): { fit: WireFit; region: WireRegion }[] {
  return wireRegions(profile, wires).map((region) => ({
    fit: fitRegion(region, profile.points),
    region,
  }));
}

function fitRegion(region: WireRegion, points: string): WireFit {
  const { wire } = region;
  const base = {
    wire: wire.name,
    angle: wire.angle,
    window: region.window,
    diameter: wire.diameter,
  };
  if (region.problem) {
    return {
      ...base,
      fit: failedFit(region.problem, { nPoints: region.x.length }, { points }),
      sigmaBeam: NaN,
      sigmaBeamErr: NaN,
    };
  }
  const fit = fitPoints({ x: region.x, y: region.y, sem: region.sem, points });
  if (!fit.ok) return { ...base, fit, sigmaBeam: NaN, sigmaBeamErr: NaN };
  // a negative scale mirrors the axis: the width is the same
  const corrected = wireSizeCorrection(fit.sigma, fit.sigmaErr, wire.diameter);
  return {
    ...base,
    fit: corrected.problem
      ? { ...fit, message: `${fit.message}; ${corrected.problem}` }
      : fit,
    sigmaBeam: corrected.sigma,
    sigmaBeamErr: corrected.err,
  };
}

/**
 * The fork's fitted curve along the stroke: at each stage position in a
 * wire's fitted window, that wire's Gaussian at its beam coordinate; NaN
 * between the windows and where a wire's fit failed (a plot shows a gap).
 *
 * @example
 * ```ts
 * const y = forkCurve(stage, wires, fitWires(profile, wires));
 * ```
 */
export function forkCurve(
  stage: ArrayLike<number>,
  wires: readonly WireSpec[],
  fits: readonly WireFit[],
): Float64Array {
  const pieces = forkPieces(wires, fits);
  const out = new Float64Array(stage.length);
  for (let i = 0; i < stage.length; i++) out[i] = forkValue(pieces, stage[i]);
  return out;
}

/**
 * The regions the fits of a stroke used: the wires' windows replaced by the
 * fits' own (an automatic split's included), so the points are the fitted
 * ones; a wire without a fit gets no points.
 */
export function fittedRegions(
  profile: Profile,
  wires: readonly WireSpec[],
  fits: readonly WireFit[] | undefined,
): WireRegion[] {
  const used = wires.map((w, k): WireSpec => ({
    ...w,
    window: fits?.[k] ? [fits[k].window[0], fits[k].window[1]] : [NaN, NaN],
  }));
  return wireRegions(profile, used);
}

/**
 * A fit of a repetition cut short (aborted, failed) is not a measurement of
 * the beam: it is kept, marked not ok, with the reason in front.
 */
export function partialFit<F extends { ok: boolean; message: string }>(
  fit: F,
  status: string,
): F {
  return fit.ok && status !== "completed"
    ? {
      ...fit,
      ok: false,
      message: `partial repetition (${status}): ${fit.message}`,
    }
    : fit;
}
