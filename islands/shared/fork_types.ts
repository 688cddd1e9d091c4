/**
 * The JSON of `/api/wires`: a fork's per-wire profiles and fits of one scan
 * and channel, and its beam ellipse. Non-finite numbers travel as `null`.
 * Browser-safe.
 *
 * @module
 */

/** One wire of a scan and channel. */
export interface WirePanel {
  wire: string;
  /** Plane angle, degrees from x. */
  angle: number;
  /** Wire diameter [mm]. */
  diameter: number;
  ok: boolean;
  message: string;
  center: number | null;
  centerErr: number | null;
  /** σ of the fit, and corrected for the wire's size [mm]. */
  sigma: number | null;
  sigmaBeam: number | null;
  sigmaBeamErr: number | null;
  /** The σ floor with this wire's size [mm] (null: none), σ below it. */
  sigmaFloor: number | null;
  belowFloor: boolean;
  /** Beam coordinate [mm], signal and fitted curve, decimated. */
  x: number[];
  y: number[];
  fit: (number | null)[];
}

/** The beam ellipse of a scan and channel. */
export interface EllipsePayload {
  ok: boolean;
  message: string;
  sigmaX: number | null;
  sigmaXErr: number | null;
  sigmaY: number | null;
  sigmaYErr: number | null;
  sigmaXY: number | null;
  sigmaXYErr: number | null;
  tilt: number | null;
  tiltErr: number | null;
  correlation: number | null;
  correlationErr: number | null;
}

/** `/api/wires?scan=N&struck=CH`. */
export interface WiresPayload {
  scan: number;
  struck: string;
  wires: WirePanel[];
  /** Absent with fewer than three wires. */
  shape: EllipsePayload | null;
}

/**
 * The 1σ ellipse of a covariance as `n` points: `(x, y)` on the boundary of
 * {v : vᵀ Σ⁻¹ v = 1}, centred at 0 — through the Cholesky factor of Σ, so a
 * round beam is a circle and a tilted one is turned.
 */
export function ellipsePoints(
  sxx: number,
  syy: number,
  sxy: number,
  n = 120,
): { x: number[]; y: number[] } {
  const a = Math.sqrt(sxx);
  const b = sxy / a;
  const c = Math.sqrt(Math.max(0, syy - b * b));
  const x: number[] = [];
  const y: number[] = [];
  for (let k = 0; k <= n; k++) {
    const t = (2 * Math.PI * k) / n;
    x.push(a * Math.cos(t));
    y.push(b * Math.cos(t) + c * Math.sin(t));
  }
  return { x, y };
}
