/**
 * The beam's transverse shape from the widths it shows to wires at several
 * angles: with planes at angle θ (degrees from x) measuring σ_θ,
 *
 *   σ_θ² = σ_x² cos²θ + σ_y² sin²θ + 2 σ_xy sinθ cosθ,
 *
 * three planes give σ_x², σ_y² and σ_xy exactly and more give them by least
 * squares, each plane weighted by the inverse variance of its σ_θ²
 * ((2 σ_θ δσ_θ)²). From them: the tilt φ = ½ atan2(2σ_xy, σ_x² − σ_y²) of
 * the ellipse's major axis and the correlation σ_xy / (σ_x σ_y). Errors are
 * propagated linearly through the full covariance of (σ_x², σ_y², σ_xy).
 * Also the stroke check of bidirectional requests. Browser-safe.
 *
 * @module
 */
import type { BeamShape } from "../scan/model.ts";

export type { BeamShape };
export {
  BEAM_SHAPE_FIELDS,
  type BeamShapeField,
  type BeamShapeKey,
} from "./fit_fields.ts";

/** The width one wire plane measured. */
export interface PlaneWidth {
  /** Plane angle, degrees from x. */
  angle: number;
  /** σ of the beam along that plane [mm] (wire-size corrected). */
  sigma: number;
  /** Its standard error [mm]. */
  sigmaErr: number;
}

const DEG = Math.PI / 180;

function failed(message: string, planes: number): BeamShape {
  return {
    ok: false,
    message,
    sigmaX: NaN,
    sigmaXErr: NaN,
    sigmaY: NaN,
    sigmaYErr: NaN,
    sigmaXY: NaN,
    sigmaXYErr: NaN,
    tilt: NaN,
    tiltErr: NaN,
    correlation: NaN,
    correlationErr: NaN,
    planes,
    chi2: NaN,
  };
}

/**
 * The beam ellipse from three or more planes. Planes whose σ or error is
 * not finite are left out; fewer than three distinct angles (mod 180°)
 * leave σ_xy undetermined and give `ok = false` with the reason.
 *
 * @example
 * ```ts
 * const shape = beamShape([
 *   { angle: 0, sigma: 1.2, sigmaErr: 0.01 },
 *   { angle: 90, sigma: 0.7, sigmaErr: 0.01 },
 *   { angle: 45, sigma: 1.1, sigmaErr: 0.01 },
 * ]);
 * console.log(shape.tilt, "±", shape.tiltErr, "deg");
 * ```
 */
export function beamShape(planes: readonly PlaneWidth[]): BeamShape {
  const used = planes.filter((p) =>
    Number.isFinite(p.angle) && p.sigma > 0 && p.sigmaErr > 0 &&
    Number.isFinite(p.sigma) && Number.isFinite(p.sigmaErr)
  );
  const n = used.length;
  const distinct = new Set(
    used.map((p) => (((Math.round(p.angle * 1e6) / 1e6) % 180) + 180) % 180),
  );
  if (distinct.size < 3) {
    return failed(
      `beam shape needs wires at 3 or more distinct angles with a fitted σ; have ${distinct.size} (${
        used.map((p) => `${p.angle}°`).join(", ") || "none"
      })`,
      n,
    );
  }
  // normal equations of Σ wᵢ (rᵢ·p − tᵢ)², p = (σx², σy², σxy)
  const N = new Float64Array(9);
  const b = new Float64Array(3);
  for (const p of used) {
    const c = Math.cos(p.angle * DEG), s = Math.sin(p.angle * DEG);
    const r = [c * c, s * s, 2 * s * c];
    const t = p.sigma * p.sigma;
    const w = 1 / (2 * p.sigma * p.sigmaErr) ** 2;
    for (let i = 0; i < 3; i++) {
      b[i] += w * r[i] * t;
      for (let j = 0; j < 3; j++) N[3 * i + j] += w * r[i] * r[j];
    }
  }
  const cov = invert3(N);
  if (!cov) {
    return failed(
      "beam shape: the planes' angles do not determine σ_xy (singular)",
      n,
    );
  }
  const q = [0, 1, 2].map((i) =>
    cov[3 * i] * b[0] + cov[3 * i + 1] * b[1] + cov[3 * i + 2] * b[2]
  );
  let chi2 = 0;
  for (const p of used) {
    const c = Math.cos(p.angle * DEG), s = Math.sin(p.angle * DEG);
    const model = q[0] * c * c + q[1] * s * s + 2 * q[2] * s * c;
    chi2 += ((model - p.sigma * p.sigma) / (2 * p.sigma * p.sigmaErr)) ** 2;
  }
  const [a, bb, cxy] = q;
  if (!(a > 0) || !(bb > 0)) {
    return {
      ...failed(
        `beam shape: the planes' widths are inconsistent (σ_x² = ${
          a.toPrecision(4)
        }, σ_y² = ${bb.toPrecision(4)} mm²; expected both > 0)`,
        n,
      ),
      chi2,
    };
  }
  const varOf = (g: number[]): number => {
    let v = 0;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) v += g[i] * cov[3 * i + j] * g[j];
    }
    return Math.sqrt(Math.max(0, v));
  };
  const sx = Math.sqrt(a), sy = Math.sqrt(bb);
  const u = 2 * cxy, v = a - bb, uv = u * u + v * v;
  const tilt = 0.5 * Math.atan2(u, v) / DEG;
  // ∂φ/∂(a, b, c) of φ = ½ atan2(2c, a − b), in degrees
  const gTilt = uv > 0
    ? [-0.5 * u / uv, 0.5 * u / uv, v / uv].map((g) => g / DEG)
    : [NaN, NaN, NaN];
  const rho = cxy / (sx * sy);
  const gRho = [-rho / (2 * a), -rho / (2 * bb), 1 / (sx * sy)];
  const physical = Math.abs(rho) <= 1;
  return {
    ok: physical,
    message: physical
      ? (uv === 0 ? "round beam: the tilt is undetermined" : "")
      : `beam shape: |correlation| = ${
        Math.abs(rho).toPrecision(4)
      } > 1 (the planes' widths are inconsistent)`,
    sigmaX: sx,
    sigmaXErr: varOf([1 / (2 * sx), 0, 0]),
    sigmaY: sy,
    sigmaYErr: varOf([0, 1 / (2 * sy), 0]),
    sigmaXY: cxy,
    sigmaXYErr: varOf([0, 0, 1]),
    tilt,
    tiltErr: varOf(gTilt),
    correlation: rho,
    correlationErr: varOf(gRho),
    planes: n,
    chi2,
  };
}

/** Inverse of a symmetric 3×3 matrix (row-major), or undefined if singular. */
function invert3(m: Float64Array): Float64Array | undefined {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  const scale = Math.max(...m.map(Math.abs));
  if (!(Math.abs(det) > 1e-12 * scale ** 3)) return undefined;
  return Float64Array.of(
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det,
  );
}

/** One quantity of one wire per stroke direction. */
export interface StrokeWire {
  wire: string;
  /** Fitted centres [mm] and their errors, forward strokes. */
  forward: {
    center: number;
    centerErr: number;
    sigma: number;
    sigmaErr: number;
  }[];
  /** The same, backward strokes. */
  backward: {
    center: number;
    centerErr: number;
    sigma: number;
    sigmaErr: number;
  }[];
}

/** Forward/backward comparison of one wire. */
export interface StrokeDifference {
  wire: string;
  /** Backward minus forward mean centre [mm]. */
  centerShift: number;
  centerShiftErr: number;
  /** Backward minus forward mean σ [mm]. */
  sigmaShift: number;
  sigmaShiftErr: number;
  /**
   * The position-readout lag the centre shift implies at `speed`: a lag τ
   * reads the centre vτ low forward and vτ high backward, so τ = shift / (2v)
   * [s]; NaN without a speed (step mode).
   */
  impliedLag: number;
  /** The shift is significant (> 3 standard errors): likely readout lag. */
  flagged: boolean;
  /** One line for the operator. */
  message: string;
}

/**
 * Compares the forward and the backward strokes of a bidirectional request
 * per wire: the mean centre and σ of each direction (failed fits left out),
 * their difference with its error (the spread of the repetitions when
 * there are several, else the fit errors), and the readout lag a
 * significant centre shift implies at the stroke `speed` [mm/s].
 */
export function strokeCheck(
  wires: readonly StrokeWire[],
  speed = NaN,
): StrokeDifference[] {
  return wires.map(({ wire, forward, backward }) => {
    const c = diff(
      forward.map((f) => [f.center, f.centerErr]),
      backward.map((f) => [f.center, f.centerErr]),
    );
    const s = diff(
      forward.map((f) => [f.sigma, f.sigmaErr]),
      backward.map((f) => [f.sigma, f.sigmaErr]),
    );
    const flagged = Number.isFinite(c.value) && c.err > 0 &&
      Math.abs(c.value) > 3 * c.err;
    const impliedLag = speed > 0 ? c.value / (2 * speed) : NaN;
    const message = !Number.isFinite(c.value)
      ? `wire ${wire}: no forward/backward pair of fits to compare`
      : flagged
      ? `wire ${wire}: backward centre ${fmt(c.value)} ± ${
        fmt(c.err)
      } mm from forward (${
        (Math.abs(c.value) / c.err).toFixed(1)
      }σ): likely position-readout lag${
        Number.isFinite(impliedLag)
          ? ` of ${(impliedLag * 1e3).toPrecision(3)} ms at ${speed} mm/s`
          : ""
      }`
      : `wire ${wire}: strokes agree (centre shift ${fmt(c.value)} ± ${
        fmt(c.err)
      } mm)`;
    return {
      wire,
      centerShift: c.value,
      centerShiftErr: c.err,
      sigmaShift: s.value,
      sigmaShiftErr: s.err,
      impliedLag,
      flagged,
      message,
    };
  });
}

/** One request's centre shift of a wire at its stroke speed. */
export interface ShiftAtSpeed {
  /** Fly speed [mm/s]. */
  speed: number;
  /** Backward minus forward mean centre [mm], and its error. */
  shift: number;
  shiftErr: number;
}

/** The readout lag the centre shifts of several requests imply. */
export interface LagOverSpeeds {
  /** Position-readout lag τ [s], and its error (NaN when undetermined). */
  lag: number;
  lagErr: number;
  /** Shift left at speed 0 [mm] (a static offset: backlash, hysteresis). */
  offset: number;
  offsetErr: number;
  /** Distinct speeds the lag comes from. */
  speeds: number;
  /**
   * The shift grows with speed (≥ 2 speeds, slope beyond 3 standard
   * errors): a likely position-readout lag rather than a static offset.
   */
  growsWithSpeed: boolean;
  /** One line for the operator. */
  message: string;
}

/**
 * The readout lag from the centre shifts of requests at different speeds.
 * A lag τ shifts the backward centre by 2vτ from the forward one, a static
 * offset (backlash) by the same amount at every speed; the weighted
 * straight line shift = offset + 2τ·v separates the two. With one speed
 * the whole shift is taken as lag (τ = shift / 2v) and nothing is flagged,
 * since a static offset would look the same.
 */
export function lagOverSpeeds(points: readonly ShiftAtSpeed[]): LagOverSpeeds {
  const ok = points.filter((p) =>
    p.speed > 0 && Number.isFinite(p.shift) && p.shiftErr > 0
  );
  const distinct = new Set(ok.map((p) => p.speed)).size;
  const none = {
    lag: NaN,
    lagErr: NaN,
    offset: NaN,
    offsetErr: NaN,
    speeds: distinct,
    growsWithSpeed: false,
  };
  if (distinct === 0) {
    return { ...none, message: "no fly request with both directions yet" };
  }
  if (distinct === 1) {
    const m = mean(ok.map((p) => [p.shift, p.shiftErr]));
    const v = ok[0].speed;
    return {
      ...none,
      lag: m.mean / (2 * v),
      lagErr: m.err / (2 * v),
      message: `one speed (${v} mm/s): a lag and a static offset look alike; ` +
        "repeat at another speed to tell them apart",
    };
  }
  // weighted least squares of shift = a + b·v
  let sw = 0, sv = 0, svv = 0, sy = 0, svy = 0;
  for (const p of ok) {
    const w = 1 / p.shiftErr ** 2;
    sw += w;
    sv += w * p.speed;
    svv += w * p.speed ** 2;
    sy += w * p.shift;
    svy += w * p.speed * p.shift;
  }
  const det = sw * svv - sv * sv;
  const b = (sw * svy - sv * sy) / det;
  const a = (svv * sy - sv * svy) / det;
  const bErr = Math.sqrt(sw / det), aErr = Math.sqrt(svv / det);
  const growsWithSpeed = Math.abs(b) > 3 * bErr;
  const lag = b / 2, lagErr = bErr / 2;
  const ms = (x: number) => (x * 1e3).toPrecision(3);
  return {
    lag,
    lagErr,
    offset: a,
    offsetErr: aErr,
    speeds: distinct,
    growsWithSpeed,
    message: growsWithSpeed
      ? `centre shift grows with speed over ${distinct} speeds: likely ` +
        `position-readout lag of ${ms(lag)} ± ${ms(lagErr)} ms ` +
        `(static offset ${fmt(a)} ± ${fmt(aErr)} mm)`
      : `centre shift does not grow with speed over ${distinct} speeds ` +
        `(lag ${ms(lag)} ± ${ms(lagErr)} ms)`,
  };
}

function fmt(x: number): string {
  return x.toPrecision(3);
}

/** Mean of each side and the error of their difference. */
function diff(
  a: number[][],
  b: number[][],
): { value: number; err: number } {
  const ok = (xs: number[][]) =>
    xs.filter(([v, e]) => Number.isFinite(v) && Number.isFinite(e));
  const fa = ok(a), fb = ok(b);
  if (fa.length === 0 || fb.length === 0) return { value: NaN, err: NaN };
  const ma = mean(fa), mb = mean(fb);
  return { value: mb.mean - ma.mean, err: Math.hypot(ma.err, mb.err) };
}

/** Mean with its standard error: the spread when n ≥ 2, else the fit error. */
function mean(xs: number[][]): { mean: number; err: number } {
  const n = xs.length;
  const m = xs.reduce((s, [v]) => s + v, 0) / n;
  if (n === 1) return { mean: m, err: xs[0][1] };
  const ss = xs.reduce((s, [v]) => s + (v - m) ** 2, 0);
  const spread = Math.sqrt(ss / (n - 1) / n);
  const fitErr = Math.sqrt(xs.reduce((s, [, e]) => s + e * e, 0)) / n;
  return { mean: m, err: Math.max(spread, fitErr) };
}
