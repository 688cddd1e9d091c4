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
      `${source}: expected a JSON object with prefix, channels, pvs, wires, models`,
    );
  }
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!["prefix", "channels", "pvs", "wires", "models"].includes(key)) {
      throw new Error(
        `${source}: unknown key '${key}'; expected prefix, channels, pvs, wires or models`,
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
