/**
 * A fork's fitted curve along the stroke, browser-safe: at a stage position
 * inside a wire's fitted window, that wire's Gaussian at its beam
 * coordinate; NaN between the windows and where a wire's fit failed. The
 * daemon's live view, the page's profile chart and its residuals use it.
 *
 * @module
 */
import { gaussian, type GaussianParams } from "./models.ts";

/** One wire's part of the curve: its window, projection and fit. */
export interface ForkPiece extends GaussianParams {
  /** Stage window the fit used [mm]. */
  low: number;
  high: number;
  /** Beam coordinate = scale × (stage − offset). */
  scale: number;
  stageOffset: number;
}

/** The curve at stage position `x` (NaN outside every piece). */
export function forkValue(pieces: readonly ForkPiece[], x: number): number {
  for (const p of pieces) {
    if (x >= p.low && x <= p.high) {
      return gaussian(p, p.scale * (x - p.stageOffset));
    }
  }
  return NaN;
}

/** The pieces of a fork's fits that succeeded (plain data: JSON-safe). */
export function forkPieces(
  wires: readonly { scale: number; offset: number }[],
  fits: readonly {
    window: readonly [number, number];
    fit: GaussianParams & { ok: boolean };
  }[],
): ForkPiece[] {
  return fits.flatMap((f, k) =>
    f.fit.ok && wires[k]
      ? [{
        low: f.window[0],
        high: f.window[1],
        scale: wires[k].scale,
        stageOffset: wires[k].offset,
        amplitude: f.fit.amplitude,
        center: f.fit.center,
        sigma: f.fit.sigma,
        offset: f.fit.offset,
      }]
      : []
  );
}
