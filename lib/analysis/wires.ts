/**
 * The cutting of one stroke's profile into the regions of a fork's wires,
 * in beam coordinates. A fork with several wires (x, y, u at 45°) crosses
 * the beam once per wire in one stroke, so one Struck trace holds one peak
 * per wire. The wire table itself (its checks, the single-wire default) is
 * the map file's: `lib/pvmap/wires.ts`. Browser-safe: no imports beyond
 * types.
 *
 * @example
 * ```ts
 * import { wireRegions } from "./wires.ts";
 * import { checkWires } from "../pvmap/wires.ts";
 * const wires = checkWires([
 *   { name: "X", angle: 0, window: [-10, 10] },
 *   { name: "Y", angle: 90, window: [20, 40], offset: 30 },
 * ]);
 * const regions = wireRegions({ x, y }, wires);
 * ```
 *
 * @module
 */

import type { WireSpec } from "../scan/model.ts";

export type { WireSpec };

/** The beam coordinate of a stage position for one wire. */
export function toBeam(wire: WireSpec, stage: number): number {
  return wire.scale * (stage - wire.offset);
}

/** One wire's part of a stroke's profile. */
export interface WireRegion {
  wire: WireSpec;
  /** Stage window used `[low, high]` (the split's, for `auto`). */
  window: [number, number];
  /** Beam coordinate [mm] of each point in the window. */
  x: Float64Array;
  /** Signal of each point. */
  y: Float64Array;
  /** Standard error of each `y`, when the profile has one. */
  sem?: Float64Array;
  /** Why the region is empty, when it is. */
  problem?: string;
}

/** Points of a profile: stage position, signal, optional standard errors. */
export interface StrokeProfile {
  x: Float64Array;
  y: Float64Array;
  sem?: Float64Array;
}

/**
 * Cuts a stroke's profile into the regions of the wires and converts each
 * to beam coordinates. Points outside every window are dropped. With
 * `"auto"` windows the stroke is split by {@link autoWindows}.
 */
export function wireRegions(
  profile: StrokeProfile,
  wires: readonly WireSpec[],
): WireRegion[] {
  const sorted = ascending(profile.x);
  if (wires[0]?.window === "auto") {
    const windows = autoWindows(profile, wires.length);
    const found = windows.filter((w) => !Number.isNaN(w[0])).length;
    return wires.map((wire, k) => {
      if (Number.isNaN(windows[k][0])) {
        return {
          ...cut(profile, wire, windows[k], false, sorted),
          problem:
            `no peak left for wire ${wire.name}: the automatic split found ${found} peak(s) for ${wires.length} wires`,
        };
      }
      return cut(profile, wire, windows[k], false, sorted);
    });
  }
  return wires.map((wire) =>
    cut(
      profile,
      wire,
      wire.window === "all"
        ? [-Infinity, Infinity]
        : [...wire.window as readonly [number, number]],
      true,
      sorted,
    )
  );
}

/** Whether the stage positions never decrease (a stroke's usual order). */
function ascending(x: Float64Array): boolean {
  for (let i = 1; i < x.length; i++) if (!(x[i] >= x[i - 1])) return false;
  return true;
}

/** First index of ascending `x` with `x[i] > v` (or `>= v` when `orEqual`). */
function bound(x: Float64Array, v: number, orEqual: boolean): number {
  let lo = 0, hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x[mid] > v || (orEqual && x[mid] === v)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The points in `window` (closed, or half-open `[lo, hi)` for a split). */
function cut(
  p: StrokeProfile,
  wire: WireSpec,
  window: [number, number],
  closed: boolean,
  sorted: boolean,
): WireRegion {
  const [lo, hi] = window;
  const px = p.x, py = p.y, ps = p.sem;
  let x: Float64Array, y: Float64Array, sem: Float64Array | undefined;
  if (sorted) {
    // a stroke in stage order: one slice, the signal not even copied
    const a = Number.isNaN(lo) ? 0 : bound(px, lo, true);
    const b = Number.isNaN(lo) ? 0 : bound(px, hi, !closed);
    const n = Math.max(0, b - a);
    x = new Float64Array(n);
    for (let k = 0; k < n; k++) x[k] = toBeam(wire, px[a + k]);
    y = py.subarray(a, a + n);
    sem = ps?.subarray(a, a + n);
  } else {
    let n = 0;
    for (let i = 0; i < px.length; i++) {
      const v = px[i];
      if (v >= lo && (v < hi || (closed && v === hi))) n++;
    }
    x = new Float64Array(n);
    y = new Float64Array(n);
    sem = ps ? new Float64Array(n) : undefined;
    for (let i = 0, j = 0; i < px.length; i++) {
      const v = px[i];
      if (!(v >= lo && (v < hi || (closed && v === hi)))) continue;
      x[j] = toBeam(wire, v);
      y[j] = py[i];
      if (sem) sem[j] = ps![i];
      j++;
    }
  }
  const n = x.length;
  const region: WireRegion = { wire, window, x, y };
  if (sem) region.sem = sem;
  if (n === 0) {
    region.problem = `no points of the stroke in wire ${wire.name}'s window [${
      window.map((v) => +v.toPrecision(6)).join(", ")
    }] mm`;
  }
  return region;
}

/**
 * The stage windows of `n` wires found in a stroke (the `"auto"` rule):
 * the signal, in stage order, is smoothed by a running mean over 1 % of the
 * points (at least 3); a peak is a local maximum of the smoothed signal
 * that stands above its median (the background) by more than 5 times the
 * smoothed noise and by more than a tenth of the tallest peak; the `n`
 * highest peaks at least 5 % of the stroke apart are kept; the stroke is cut
 * at the lowest smoothed point between two neighbouring peaks. Wires are assigned to the peaks in
 * table order along increasing stage position. With fewer than `n` peaks
 * found, the missing wires get empty windows (and a problem).
 */
export function autoWindows(
  profile: StrokeProfile,
  n: number,
): [number, number][] {
  const { xs, ys } = inStageOrder(profile);
  const m = xs.length;
  if (n <= 1 || m === 0) {
    return Array.from({ length: n }, () => [-Infinity, Infinity]);
  }
  const width = Math.max(3, Math.round(m / 100));
  const smooth = runningMean(ys, width);
  const background = median(smooth);
  // the noise of one point from the median absolute residual, then of a mean
  const residual = new Float64Array(m);
  for (let k = 0; k < m; k++) residual[k] = Math.abs(ys[k] - smooth[k]);
  const noise = 1.4826 * median(residual) / Math.sqrt(width);
  // local maxima above 5 noise; then those above a tenth of the tallest
  const maxima: number[] = [];
  let tallest = 0;
  for (let i = 1; i < m - 1; i++) {
    const v = smooth[i];
    if (v >= smooth[i - 1] && v > smooth[i + 1] && v - background > 5 * noise) {
      maxima.push(i);
      if (v - background > tallest) tallest = v - background;
    }
  }
  const candidates = maxima
    .filter((i) => smooth[i] - background > 0.1 * tallest)
    .sort((a, b) => smooth[b] - smooth[a]);
  const minGap = 0.05 * (xs[m - 1] - xs[0]);
  const peaks: number[] = [];
  for (const i of candidates) {
    if (peaks.every((p) => Math.abs(xs[p] - xs[i]) >= minGap)) peaks.push(i);
    if (peaks.length === n) break;
  }
  peaks.sort((a, b) => a - b);
  const cuts: number[] = [];
  for (let k = 1; k < peaks.length; k++) {
    let low = peaks[k - 1];
    for (let i = peaks[k - 1]; i <= peaks[k]; i++) {
      if (smooth[i] < smooth[low]) low = i;
    }
    cuts.push(xs[low]);
  }
  const bounds = [-Infinity, ...cuts, Infinity];
  const out: [number, number][] = [];
  for (let k = 0; k < n; k++) {
    out.push(k < peaks.length ? [bounds[k], bounds[k + 1]] : [NaN, NaN]);
  }
  return out;
}

/**
 * The finite points in increasing stage order: the arrays themselves when
 * they already are (a forward stroke), else sorted copies.
 */
function inStageOrder(
  p: StrokeProfile,
): { xs: Float64Array; ys: Float64Array } {
  let finite = true;
  for (let i = 0; i < p.x.length && finite; i++) {
    finite = Number.isFinite(p.x[i]) && Number.isFinite(p.y[i]);
  }
  if (finite && ascending(p.x)) return { xs: p.x, ys: p.y };
  const order: number[] = [];
  for (let i = 0; i < p.x.length; i++) {
    if (Number.isFinite(p.x[i]) && Number.isFinite(p.y[i])) order.push(i);
  }
  order.sort((a, b) => p.x[a] - p.x[b]);
  const xs = new Float64Array(order.length);
  const ys = new Float64Array(order.length);
  order.forEach((i, k) => {
    xs[k] = p.x[i];
    ys[k] = p.y[i];
  });
  return { xs, ys };
}

/** Median of at most 10 001 evenly spaced values (the whole array when shorter). */
function median(xs: ArrayLike<number>): number {
  const step = Math.max(1, Math.floor(xs.length / 10001));
  const s: number[] = [];
  for (let i = 0; i < xs.length; i += step) s.push(xs[i]);
  s.sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2;
}

function runningMean(y: ArrayLike<number>, width: number): Float64Array {
  const out = new Float64Array(y.length);
  const half = Math.floor(width / 2);
  let sum = 0, lo = 0, hi = -1;
  for (let i = 0; i < y.length; i++) {
    const a = Math.max(0, i - half), b = Math.min(y.length - 1, i + half);
    while (hi < b) sum += y[++hi];
    while (lo < a) sum -= y[lo++];
    out[i] = sum / (hi - lo + 1);
  }
  return out;
}
