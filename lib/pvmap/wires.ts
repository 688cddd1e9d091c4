/**
 * The wire table of a scanner's fork (the map file's `wires`): its checks,
 * the defaults of each entry, and the built-in table — one wire over the
 * whole stroke with the identity projection and no size correction, so a
 * single-wire scanner is analysed (and named) as before.
 *
 * @example
 * ```ts
 * import { checkWires } from "./wires.ts";
 * const wires = checkWires([{ name: "X", window: [-10, 10] }]);
 * console.log(wires[0].scale); // 1
 * ```
 *
 * @module
 */
import type { WireSpec } from "../scan/model.ts";

export type { WireSpec };

/** A wire as written in the map file: everything but `name` optional. */
export interface WireInput {
  name: string;
  angle?: number;
  window?: readonly [number, number] | "auto" | "all";
  scale?: number;
  offset?: number;
  diameter?: number;
}

/** The built-in wire name of a single-wire scanner. */
export const SINGLE_WIRE = "X";

/** The built-in table: one wire, the whole stroke, identity, no correction. */
export const DEFAULT_WIRES: readonly WireSpec[] = Object.freeze([
  Object.freeze({
    name: SINGLE_WIRE,
    angle: 0,
    window: "all" as const,
    scale: 1,
    offset: 0,
    diameter: 0,
  }),
]);

const KEYS = ["name", "angle", "window", "scale", "offset", "diameter"];

/**
 * Checks a wire table (as parsed from JSON) and fills the defaults. Throws
 * one message naming the offending key (`wires[1].window`, …) and what is
 * expected: a non-list, an unknown key, a bad number, a repeated name, an
 * empty or reversed window, or windows that overlap.
 *
 * @param raw the `wires` value of the map file
 * @param source where it came from, for messages (e.g. the file path)
 */
export function checkWires(raw: unknown, source = "wires"): WireSpec[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new Error(
      `${source}: 'wires' must be a non-empty list of wires ({name, angle, window, scale, offset, diameter})`,
    );
  }
  const out: WireSpec[] = raw.map((w, i) =>
    checkWire(w, `${source}: wires[${i}]`)
  );
  const names = new Set<string>();
  for (const [i, w] of out.entries()) {
    if (names.has(w.name)) {
      throw new Error(
        `${source}: wires[${i}].name '${w.name}' is repeated; expected one entry per wire`,
      );
    }
    names.add(w.name);
  }
  const whole = out.findIndex((w) => w.window === "all");
  if (whole >= 0 && out.length > 1) {
    throw new Error(
      `${source}: wires[${whole}].window 'all' is for a single wire; with ${out.length} wires give each a [low, high] window or "auto"`,
    );
  }
  const auto = out.filter((w) => w.window === "auto").length;
  if (auto > 0 && auto < out.length) {
    throw new Error(
      `${source}: wires mix "auto" and given windows; expected all "auto" or all [low, high]`,
    );
  }
  const given = out
    .map((w, i) => ({ window: w.window, i }))
    .filter((g): g is { window: readonly [number, number]; i: number } =>
      Array.isArray(g.window)
    )
    .sort((a, b) => a.window[0] - b.window[0]);
  for (let k = 1; k < given.length; k++) {
    const prev = given[k - 1], cur = given[k];
    if (cur.window[0] < prev.window[1]) {
      throw new Error(
        `${source}: wires[${cur.i}].window [${cur.window}] overlaps wires[${prev.i}].window [${prev.window}]; expected disjoint stage windows`,
      );
    }
  }
  return out;
}

function checkWire(raw: unknown, at: string): WireSpec {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new Error(`${at}: expected an object {name, angle, window, …}`);
  }
  const w = raw as Record<string, unknown>;
  for (const key of Object.keys(w)) {
    if (!KEYS.includes(key)) {
      throw new Error(
        `${at}.${key}: unknown key; expected one of ${KEYS.join(", ")}`,
      );
    }
  }
  if (typeof w.name !== "string" || !/^[A-Za-z0-9_]{1,16}$/.test(w.name)) {
    throw new Error(
      `${at}.name: expected a wire name of 1–16 letters, digits or _, got ${
        JSON.stringify(w.name)
      }`,
    );
  }
  const number = (
    key: string,
    fallback: number,
    ok: (v: number) => boolean,
    what: string,
  ): number => {
    const v = w[key] ?? fallback;
    if (typeof v !== "number" || !Number.isFinite(v) || !ok(v)) {
      throw new Error(
        `${at}.${key}: expected ${what}, got ${JSON.stringify(w[key])}`,
      );
    }
    return v;
  };
  const angle = number(
    "angle",
    0,
    (v) => v > -360 && v < 360,
    "an angle in degrees (−360 … 360)",
  );
  const scale = number(
    "scale",
    1,
    (v) => v !== 0,
    "a non-zero number (beam = scale × (stage − offset))",
  );
  const offset = number("offset", 0, () => true, "a stage position in mm");
  const diameter = number(
    "diameter",
    0,
    (v) => v >= 0 && v < 10,
    "a wire diameter in mm (0 … 10)",
  );
  const window = checkWindow(w.window ?? "all", `${at}.window`);
  return { name: w.name, angle, window, scale, offset, diameter };
}

function checkWindow(v: unknown, at: string): WireSpec["window"] {
  if (v === "auto" || v === "all") return v;
  if (
    Array.isArray(v) && v.length === 2 &&
    v.every((x) => typeof x === "number" && Number.isFinite(x))
  ) {
    if (!(v[0] < v[1])) {
      throw new Error(
        `${at}: [${v}] is empty or reversed; expected [low, high] with low < high`,
      );
    }
    return [v[0], v[1]];
  }
  throw new Error(
    `${at}: expected [low, high] stage positions in mm, "auto" or "all", got ${
      JSON.stringify(v)
    }`,
  );
}
