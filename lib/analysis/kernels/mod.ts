/**
 * The fit kernels: every profile model with its analytic Jacobian, and one
 * Levenberg–Marquardt evaluation (`Σw·r²`, `JᵀWJ`, `JᵀWr`) as a single
 * call into WebAssembly SIMD, two points per instruction (`kernels.c`,
 * compiled by `tools/build_kernels.ts` into `kernels_wasm.ts`, so nothing
 * is read or compiled at run time but the embedded module). 1.3–2.2 times
 * as fast as the same loops in JavaScript; the formulas are those of
 * `models.ts`, which the tests compare them with.
 *
 * The module's memory holds one fit's data at a time: {@linkcode loadFitData}
 * copies it there once per fit (padded to an even count with a point of
 * weight 0), and each evaluation reads it in place; larger fits are copied
 * in chunks at each evaluation.
 *
 * @module
 */
import type { ModelName } from "../models.ts";
import { KERNELS_WASM } from "./kernels_wasm.ts";

/** The data of a fit: positions, signal, weights (undefined: all 1). */
export interface FitData {
  x: Float64Array;
  y: Float64Array;
  w: Float64Array | undefined;
}

/**
 * Sums over a fit's data (the Gaussian fit's statistics), `u = y − offset`,
 * `d = x − center`: the x range, `Σw`, `Σw·u`, `Σw·u²`, and within
 * `|d| ≤ halfWidth` the unweighted moments `Σu·dᵏ` (k ≤ 2) of `u` and of
 * its positive part over the points of non-zero weight.
 */
export interface DataSums {
  xmin: number;
  xmax: number;
  sw: number;
  s1: number;
  s2: number;
  su: number;
  sud: number;
  sudd: number;
  sp: number;
  spd: number;
  spdd: number;
}

/**
 * The sums of {@link DataSums} after the x range, in the order kernels.c's
 * `statistics` writes them (after xmin, xmax); the parts of chunked data add up.
 */
const ADDED_SUMS = [
  "sw",
  "s1",
  "s2",
  "su",
  "sud",
  "sudd",
  "sp",
  "spd",
  "spdd",
] as const satisfies readonly (keyof DataSums)[];

/** A fit's data in the kernels' memory, evaluated at any parameters. */
export interface KernelData {
  /** The number of points. */
  readonly length: number;
  /** The {@link DataSums} of the data. */
  sums(offset: number, center: number, halfWidth: number): DataSums;
  /**
   * Returns `Σw·r²` at `p`, `r = y − f(x; p)`, and writes `JᵀWJ`
   * (row-major n×n) into `h` and `JᵀWr` into `g`, `J = ∂f/∂p`.
   */
  evaluate(
    model: ModelName,
    p: Float64Array,
    h: Float64Array,
    g: Float64Array,
  ): number;
}

/** Points per block of `kernels.c` (the most {@linkcode modelBlock} takes). */
export const BLOCK = 256;

/**
 * Index of each model in kernels.c's `MODELS`, its parameter count, and
 * the column of its constant background (all ones, never stored there).
 */
const MODEL_INDEX: Readonly<Record<ModelName, [number, number, number]>> = {
  gauss: [0, 4, 3],
  gauss_linear: [1, 5, 3],
  super_gauss: [2, 5, 4],
  split_gauss: [3, 5, 4],
  double_gauss: [4, 6, 5],
  q_gauss: [5, 5, 4],
};

interface Exports {
  memory: WebAssembly.Memory;
  evaluate: (
    model: number,
    x: number,
    y: number,
    w: number,
    n: number,
  ) => number;
  block: (model: number, x: number, m: number) => void;
  statistics: (
    x: number,
    y: number,
    w: number,
    n: number,
    offset: number,
    center: number,
    halfWidth: number,
  ) => void;
  params: () => number;
  out: () => number;
  values: () => number;
  jacobian: () => number;
  data: () => number;
}

let kernels: Exports | undefined;
/** Which {@linkcode loadFitData} call the memory holds the data of. */
let loaded = 0;
/**
 * Fits of more points are copied in chunks of this many at every
 * evaluation (0.5 ms per 1e6 points, ~5 % of an evaluation): the module's
 * memory then stays under 400 KB of data, which the L2 cache holds, and a
 * daemon that fitted a fly scan of 1e6 samples does not keep 16–24 MB for
 * the rest of its life (memory never shrinks; its peak RSS rose by that).
 */
const CHUNK = 16384;

function instance(): Exports {
  if (!kernels) {
    const bytes = Uint8Array.from(atob(KERNELS_WASM), (c) => c.charCodeAt(0));
    try {
      kernels = new WebAssembly.Instance(new WebAssembly.Module(bytes), {})
        .exports as unknown as Exports;
    } catch (error) {
      throw new Error(
        `the fit kernels need WebAssembly with SIMD and relaxed SIMD, which this runtime refused: ${
          (error as Error).message
        }`,
      );
    }
  }
  return kernels;
}

/** A view of `length` doubles at byte `at` of the (possibly grown) memory. */
function doubles(k: Exports, at: number, length: number): Float64Array {
  return new Float64Array(k.memory.buffer, at, length);
}

/** Grows the memory to at least `bytes`. */
function reserve(k: Exports, bytes: number): void {
  const have = k.memory.buffer.byteLength;
  if (bytes > have) k.memory.grow(Math.ceil((bytes - have) / 65536));
}

/**
 * Copies x, y and w to the data area, padded to an even count with a point
 * of weight 0; without weights and of even length, no w (`weighted` false:
 * the kernels' unweighted sums).
 */
function copyIn(
  k: Exports,
  data: FitData,
): { at: number; n: number; weighted: boolean } {
  const { x, y, w } = data;
  const n = x.length + (x.length & 1);
  const weighted = w !== undefined || n > x.length;
  const at = k.data();
  reserve(k, at + (weighted ? 24 : 16) * n);
  const mx = doubles(k, at, n), my = doubles(k, at + 8 * n, n);
  mx.set(x);
  my.set(y);
  if (weighted) {
    const mw = doubles(k, at + 16 * n, n);
    if (w) mw.set(w);
    else mw.fill(1);
    if (n > x.length) {
      mx[n - 1] = x[n - 2];
      my[n - 1] = y[n - 2];
      mw[n - 1] = 0;
    }
  }
  return { at, n, weighted };
}

/**
 * Copies a fit's data into the kernels' memory and returns its evaluator.
 * A later call replaces the data; an evaluator whose data was replaced
 * copies its own back first. Above 16 384 points the data is copied in
 * chunks at each evaluation instead, the sums added up here.
 */
export function loadFitData(data: FitData): KernelData {
  const k = instance();
  const id = ++loaded;
  let place = data.x.length <= CHUNK ? copyIn(k, data) : undefined;
  /** One kernel call over data in place: returns χ², adds to h and g. */
  const add = (
    index: number,
    at: { at: number; n: number; weighted: boolean },
    sums: { np: number; h: Float64Array; g: Float64Array },
  ): number => {
    const w = at.weighted ? at.at + 16 * at.n : 0;
    const chi2 = k.evaluate(index, at.at, at.at + 8 * at.n, w, at.n);
    const { np, h, g } = sums;
    const out = doubles(k, k.out(), np * np + np);
    for (let i = 0; i < np * np; i++) h[i] += out[i];
    for (let i = 0; i < np; i++) g[i] += out[np * np + i];
    return chi2;
  };
  /** Copies the data in (at once, or in chunks) and runs `call` on each part. */
  const each = (
    call: (at: { at: number; n: number; weighted: boolean }) => void,
  ): void => {
    if (place) {
      if (loaded !== id) (place = copyIn(k, data)), (loaded = id);
      return call(place);
    }
    loaded = 0; // the chunks overwrite the data area
    const { x, y, w } = data;
    for (let s = 0; s < x.length; s += CHUNK) {
      const e = Math.min(x.length, s + CHUNK);
      call(copyIn(k, {
        x: x.subarray(s, e),
        y: y.subarray(s, e),
        w: w?.subarray(s, e),
      }));
    }
  };
  return {
    length: data.x.length,
    sums(offset, center, halfWidth): DataSums {
      const total = { xmin: Infinity, xmax: -Infinity } as DataSums;
      for (const key of ADDED_SUMS) total[key] = 0;
      each((at) => {
        const w = at.weighted ? at.at + 16 * at.n : 0;
        k.statistics(
          at.at,
          at.at + 8 * at.n,
          w,
          at.n,
          offset,
          center,
          halfWidth,
        );
        const o = doubles(k, k.out(), 2 + ADDED_SUMS.length);
        total.xmin = Math.min(total.xmin, o[0]);
        total.xmax = Math.max(total.xmax, o[1]);
        ADDED_SUMS.forEach((key, i) => total[key] += o[2 + i]);
      });
      return total;
    },
    evaluate(model, p, h, g): number {
      const [index, np] = MODEL_INDEX[model];
      if (p.length !== np) {
        throw new Error(`${model} has ${np} parameters, got ${p.length}`);
      }
      doubles(k, k.params(), np).set(p);
      h.fill(0, 0, np * np);
      g.fill(0, 0, np);
      let chi2 = 0;
      each((at) => chi2 += add(index, at, { np, h, g }));
      return chi2;
    },
  };
}

/**
 * The model's values and Jacobian at `p` over `x` (at most
 * {@linkcode BLOCK} points): `f[i]`, and `∂f/∂pₖ` at `j[k·x.length + i]`
 * (the background's column, all ones, is the one the kernels' sums assume).
 * What the tests compare with `models.ts` and with central differences.
 */
export function modelBlock(
  model: ModelName,
  x: Float64Array,
  p: Float64Array,
): { f: Float64Array; j: Float64Array } {
  if (x.length > BLOCK) {
    throw new Error(`at most ${BLOCK} points, got ${x.length}`);
  }
  const k = instance();
  const [index, np, ones] = MODEL_INDEX[model];
  const m = x.length + (x.length & 1);
  loaded = 0; // the data area is overwritten
  const at = k.data();
  reserve(k, at + 8 * m);
  doubles(k, at, m).set(x);
  if (m > x.length) doubles(k, at, m)[m - 1] = x[x.length - 1];
  doubles(k, k.params(), np).set(p);
  k.block(index, at, m);
  const f = doubles(k, k.values(), x.length).slice();
  const jm = doubles(k, k.jacobian(), np * BLOCK);
  const j = new Float64Array(np * x.length);
  for (let c = 0; c < np; c++) {
    if (c === ones) j.fill(1, c * x.length, (c + 1) * x.length);
    else j.set(jm.subarray(c * BLOCK, c * BLOCK + x.length), c * x.length);
  }
  return { f, j };
}
