/**
 * The PV map file (`--pv-map PATH`, see DESIGN.md "The map file"): its shape
 * and the parser that checks it, rejecting a malformed file with the
 * offending key. Which logical names exist is the resolver's check.
 *
 * @example
 * ```ts
 * import { parsePvMap } from "./map_file.ts";
 * const map = parsePvMap('{"prefix": "FWS{NN}:", "pvs": {"idc.current": null}}');
 * console.log(map.pvs); // { "idc.current": null }
 * ```
 *
 * @module
 */

import { checkWires, type WireSpec } from "./wires.ts";
import type { RejectionOptions } from "../scan/model.ts";
import {
  FIT_MODEL_CHOICES,
  type FitModelChoice,
} from "../analysis/fit_fields.ts";

/** A PV map file as read from JSON (see DESIGN.md "The map file"). */
export interface PvMapFile {
  /** Prefix template, default `FWS{NN}:`. */
  prefix?: string;
  /** The Struck and IOPS channels the scanner has. */
  channels?: { struck?: string[]; iops?: string[] };
  /** Logical name → PV name template, or null when there is no such PV. */
  pvs?: Record<string, string | null>;
  /** The wires of the fork (checked, defaults filled); absent: one wire. */
  wires?: WireSpec[];
  /**
   * Profile models fitted besides the Gaussian, per Struck channel (`auto`
   * or a model's name); FIT:MODEL other than GAUSS overrides them all.
   */
  models?: Record<string, FitModelChoice>;
  /**
   * Point rejection before the fits (every channel): `normalise` (to each
   * step's beam reading), `saturation` (the ADC's maximum, signal units),
   * `beam_fraction` (0–1 of the median beam), `outlier_k` (× MAD).
   */
  rejection?: RejectionOptions;
}

/**
 * Parses and checks the JSON text of a map file; a malformed file is rejected
 * with the offending key.
 *
 * @param text the file's contents
 * @param source the file's path, for error messages
 */
export function parsePvMap(text: string, source = "pv map"): PvMapFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new Error(
      `${source}: expected a JSON object with prefix, channels, pvs, wires, models, rejection`,
    );
  }
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (
      !["prefix", "channels", "pvs", "wires", "models", "rejection"].includes(
        key,
      )
    ) {
      throw new Error(
        `${source}: unknown key '${key}'; expected prefix, channels, pvs, wires, models or rejection`,
      );
    }
  }
  if (obj.prefix !== undefined && typeof obj.prefix !== "string") {
    throw new Error(`${source}: 'prefix' must be a string`);
  }
  const channels = obj.channels as Record<string, unknown> | undefined;
  if (channels !== undefined) {
    if (typeof channels !== "object" || channels === null) {
      throw new Error(
        `${source}: 'channels' must be an object with struck, iops`,
      );
    }
    for (const [key, list] of Object.entries(channels)) {
      if (key !== "struck" && key !== "iops") {
        throw new Error(
          `${source}: unknown key 'channels.${key}'; expected struck or iops`,
        );
      }
      if (
        !Array.isArray(list) || list.length === 0 ||
        !list.every((c) => typeof c === "string" && /^[A-Za-z0-9_]+$/.test(c))
      ) {
        throw new Error(
          `${source}: 'channels.${key}' must be a non-empty list of channel names (letters, digits, _)`,
        );
      }
    }
  }
  const pvs = obj.pvs as Record<string, unknown> | undefined;
  if (pvs !== undefined) {
    if (typeof pvs !== "object" || pvs === null || Array.isArray(pvs)) {
      throw new Error(
        `${source}: 'pvs' must be an object of logical name → PV name`,
      );
    }
    for (const [key, value] of Object.entries(pvs)) {
      if (value !== null && (typeof value !== "string" || value === "")) {
        throw new Error(
          `${source}: 'pvs.${key}' must be a PV name string or null`,
        );
      }
    }
  }
  const out = obj as PvMapFile;
  if (obj.wires !== undefined) out.wires = checkWires(obj.wires, source);
  if (obj.models !== undefined) out.models = checkModels(obj.models, source);
  if (obj.rejection !== undefined) {
    out.rejection = checkRejection(obj.rejection, source);
  }
  return out;
}

/**
 * The `rejection` of a map file (snake case keys) as options; a wrong
 * key or value is an error naming `rejection.<key>` and what it expects.
 */
export function checkRejection(
  raw: unknown,
  source: string,
): RejectionOptions {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new Error(
      `${source}: 'rejection' must be an object with normalise, saturation, beam_fraction, outlier_k`,
    );
  }
  const out: RejectionOptions = {};
  const number = (
    key: string,
    v: unknown,
    ok: (n: number) => boolean,
    what: string,
  ) => {
    if (typeof v !== "number" || !Number.isFinite(v) || !ok(v)) {
      throw new Error(
        `${source}: 'rejection.${key}' is ${
          JSON.stringify(v)
        }; expected ${what}`,
      );
    }
    return v;
  };
  for (const [key, v] of Object.entries(raw)) {
    if (key === "normalise") {
      if (typeof v !== "boolean") {
        throw new Error(
          `${source}: 'rejection.normalise' is ${
            JSON.stringify(v)
          }; expected true or false`,
        );
      }
      out.normalise = v;
    } else if (key === "saturation") {
      out.saturation = number(
        key,
        v,
        () => true,
        "the ADC's maximum, a number",
      );
    } else if (key === "beam_fraction") {
      out.beamFraction = number(
        key,
        v,
        (n) => n > 0 && n < 1,
        "a fraction between 0 and 1",
      );
    } else if (key === "outlier_k") {
      out.outlierK = number(key, v, (n) => n > 0, "a number above 0 (× MAD)");
    } else {
      throw new Error(
        `${source}: unknown key 'rejection.${key}'; expected normalise, saturation, beam_fraction or outlier_k`,
      );
    }
  }
  return out;
}

/** The `models` of a map file: channel → a choice of FIT_MODEL_CHOICES. */
function checkModels(
  raw: unknown,
  source: string,
): Record<string, FitModelChoice> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new Error(
      `${source}: 'models' must be an object of Struck channel → model`,
    );
  }
  const out: Record<string, FitModelChoice> = {};
  for (const [ch, m] of Object.entries(raw)) {
    const choice = typeof m === "string" ? m.toLowerCase() : m;
    if (!(FIT_MODEL_CHOICES as readonly unknown[]).includes(choice)) {
      throw new Error(
        `${source}: 'models.${ch}' is ${JSON.stringify(m)}; expected one of ${
          FIT_MODEL_CHOICES.join(", ")
        }`,
      );
    }
    out[ch] = choice as FitModelChoice;
  }
  return out;
}

/** Reads and parses a map file; errors name the file and the offending key. */
export async function loadPvMap(path: string): Promise<PvMapFile> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new Error(
      `--pv-map ${path}: cannot read (${(error as Error).message})`,
    );
  }
  return parsePvMap(text, path);
}
