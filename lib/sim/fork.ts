/**
 * The physics of a multi-wire fork: a tilted elliptical beam, the width it
 * shows along each wire's plane, and the signal one stroke of the fork
 * produces as each wire (of a finite diameter) crosses it. Pure functions
 * over Float64Array, seeded like `beam.ts`.
 *
 * @module
 */
import type { ChannelBeam, SeededRandom } from "./beam.ts";

/** One wire of a simulated fork. */
export interface SimWire {
  name: string;
  /** Plane the wire measures, degrees from x. */
  angle: number;
  /** Stage position at which the wire crosses the beam axis [mm]. */
  offset: number;
  /** Beam coordinate = scale × (stage − offset). */
  scale: number;
  /** Wire diameter [mm]. */
  diameter: number;
}

/**
 * The beam's ellipse: sizes along its own axes, the first turned by `tilt`
 * from x. Lab-frame σ_x, σ_y and σ_xy follow from {@link beamCovariance}.
 */
export interface BeamEllipse {
  /** σ along the ellipse's first axis [mm]. */
  sigmaA: number;
  /** σ along its second axis [mm]. */
  sigmaB: number;
  /** Angle of the first axis from x [deg]. */
  tilt: number;
  /** Beam centre in x and y [mm]. */
  centerX: number;
  centerY: number;
}

/** Lab-frame second moments of the beam [mm²]. */
export interface BeamCovariance {
  xx: number;
  yy: number;
  xy: number;
}

/** The lab-frame covariance of an ellipse: R·diag(σa², σb²)·Rᵀ. */
export function beamCovariance(e: BeamEllipse): BeamCovariance {
  const c = Math.cos(e.tilt * Math.PI / 180);
  const s = Math.sin(e.tilt * Math.PI / 180);
  const a2 = e.sigmaA * e.sigmaA, b2 = e.sigmaB * e.sigmaB;
  return {
    xx: a2 * c * c + b2 * s * s,
    yy: a2 * s * s + b2 * c * c,
    xy: (a2 - b2) * s * c,
  };
}

/** σ of the beam along the plane at `angle` degrees from x [mm]. */
export function planeSigma(cov: BeamCovariance, angle: number): number {
  const c = Math.cos(angle * Math.PI / 180);
  const s = Math.sin(angle * Math.PI / 180);
  return Math.sqrt(cov.xx * c * c + cov.yy * s * s + 2 * cov.xy * s * c);
}

/** Nodes of the chord average (Gauss–Chebyshev of the second kind). */
const NODES = 12;
const CHORD: { t: number; w: number }[] = (() => {
  const out = [];
  let total = 0;
  for (let k = 1; k <= NODES; k++) {
    const a = (k * Math.PI) / (NODES + 1);
    const w = Math.sin(a) ** 2;
    out.push({ t: Math.cos(a), w });
    total += w;
  }
  return out.map(({ t, w }) => ({ t, w: w / total }));
})();

/**
 * What a round wire of `diameter` centred at beam coordinate `u` sees of a
 * Gaussian profile of `sigma` centred at 0, peak 1: the profile averaged
 * over the wire's chord (weight √(r² − t²)), whose variance is (d/4)².
 */
export function wireResponse(
  u: number,
  sigma: number,
  diameter: number,
): number {
  if (diameter === 0) return Math.exp(-0.5 * (u / sigma) ** 2);
  const r = diameter / 2;
  let sum = 0;
  for (const { t, w } of CHORD) {
    sum += w * Math.exp(-0.5 * ((u - r * t) / sigma) ** 2);
  }
  return sum;
}

/**
 * The detector signal of one stroke: at each stage position every wire
 * adds the beam as it sees it (centre and σ projected on its plane, peak
 * `beam.amplitude` × σ_x/σ_θ: the line density of the same beam), plus
 * the channel's background and noise.
 */
export function forkSignal(
  stage: Float64Array,
  options: {
    wires: readonly SimWire[];
    ellipse: BeamEllipse;
    beam: ChannelBeam;
    beamOn: boolean;
    random: SeededRandom;
  },
): Float64Array {
  const { wires, ellipse, beam, beamOn, random } = options;
  const cov = beamCovariance(ellipse);
  const sx = Math.sqrt(cov.xx);
  const planes = wires.map((w) => {
    const rad = w.angle * Math.PI / 180;
    const sigma = planeSigma(cov, w.angle);
    return {
      w,
      sigma,
      center: ellipse.centerX * Math.cos(rad) + ellipse.centerY * Math.sin(rad),
      peak: beam.amplitude * sx / sigma,
      reach: 8 * sigma + w.diameter,
    };
  });
  const out = new Float64Array(stage.length);
  for (let i = 0; i < stage.length; i++) {
    let v = beam.background;
    if (beamOn) {
      for (const p of planes) {
        const u = p.w.scale * (stage[i] - p.w.offset) - p.center;
        if (Math.abs(u) < p.reach) {
          v += p.peak * wireResponse(u, p.sigma, p.w.diameter);
        }
      }
    }
    out[i] = v + beam.noise * random.normal();
  }
  return out;
}

/** A built-in fork of `letters` (x, y, u at 45°, v at −45°) spread along the stroke. */
export function simFork(
  letters: string,
  options: { spacing?: number; diameter?: number } = {},
): SimWire[] {
  const angles: Record<string, number> = { x: 0, y: 90, u: 45, v: -45 };
  const spacing = options.spacing ?? 15;
  const chars = [...letters.toLowerCase()];
  for (const ch of chars) {
    if (!(ch in angles)) {
      throw new Error(
        `fork '${letters}': unknown wire '${ch}'; expected letters of x, y, u, v`,
      );
    }
  }
  if (new Set(chars).size !== chars.length) {
    throw new Error(
      `fork '${letters}': a wire is repeated; expected each of x, y, u, v at most once`,
    );
  }
  const first = -spacing * (chars.length - 1) / 2;
  return chars.map((ch, k) => ({
    name: ch.toUpperCase(),
    angle: angles[ch],
    offset: first + k * spacing,
    scale: 1,
    diameter: options.diameter ?? 0.03,
  }));
}
