/**
 * `ScanConfig`: the typed, validated form of one scan request, built from the
 * raw values of the input PVs (`SCAN:MODE`, `SCAN:START_POS`, …) and the
 * motor's limits. Every rejected input names its PV and the allowed range,
 * and nothing moves before the whole request has been accepted.
 *
 * Inputs typed by a user are accepted as documented: numbers may arrive as
 * strings (`"2.5"`, `" 10 "`, `"2.5 mm"` in the field's own unit), enums by
 * index (`0`, `1`) or by label (`"FLY"`, `"fly"`, `"Yes"`).
 *
 * @module
 */
import type { ScanMode } from "./model.ts";
import {
  FIT_MODEL_CHOICES,
  type FitModelChoice,
} from "../analysis/fit_fields.ts";
import { textOf } from "./ca_port.ts";

/** Most positions a step scan may have. */
export const MAX_STEPS = 10000;
/** Most repetitions one request may ask for. */
export const MAX_SCANS = 100;
/** Longest settle time after a move, seconds. */
export const MAX_SETTLE = 3600;

/** A validated scan request. */
export interface ScanConfig {
  mode: ScanMode;
  /** First wire position [mm]. */
  startPos: number;
  /** Last wire position [mm]. */
  endPos: number;
  /** Positions per repetition (step mode). */
  nSteps: number;
  /** Wire speed [mm/s] (fly mode; 0 when unused). */
  speed: number;
  /** Repetitions. */
  nScans: number;
  /** Settle time after each move [s]. */
  settle: number;
  /** Alternate the direction between repetitions. */
  bidir: boolean;
  user: string;
  comment: string;
  /** Struck channels recorded and fitted. */
  struckChannels: string[];
  /** IOPS channels recorded. */
  iopsChannels: string[];
  /** What is fitted besides the Gaussian (`gauss`: nothing more). */
  fitModel: FitModelChoice;
}

/** The raw value of one input PV, with its name for the messages. */
export interface RawInput {
  /** PV name, used in error messages. */
  pv: string;
  /** Value as read (number, enum index, string typed by a user). */
  value: unknown;
  /** Labels of an enum PV, when known. */
  enumStrings?: string[];
}

/** Raw inputs by field; a missing field is a PV the facility does not have. */
export interface RawScanInputs {
  mode?: RawInput;
  startPos?: RawInput;
  endPos?: RawInput;
  nSteps?: RawInput;
  speed?: RawInput;
  nScans?: RawInput;
  settle?: RawInput;
  bidir?: RawInput;
  user?: RawInput;
  comment?: RawInput;
  /** FIT:MODEL: the profile model(s) fitted besides the Gaussian. */
  fitModel?: RawInput;
  /** Requested struck channels (programmatic requests); default all. */
  struck?: RawInput;
  /** Requested IOPS channels (programmatic requests); default all. */
  iops?: RawInput;
}

/** Motor limits read from the motor record (absent when not mapped). */
export interface MotorLimits {
  /** High soft limit [mm] and its PV. */
  hlm?: { value: number; pv: string };
  /** Low soft limit [mm] and its PV. */
  llm?: { value: number; pv: string };
  /** Maximum speed [mm/s] and its PV. */
  vmax?: { value: number; pv: string };
}

/** Options of {@link validateScanConfig}. */
export interface ValidateOptions {
  /** Motor soft limits and maximum speed. */
  limits?: MotorLimits;
  /** Struck channels the scanner has. */
  struckChannels: string[];
  /** IOPS channels the scanner has. */
  iopsChannels: string[];
}

/** A rejected request: `pv` is the first offending PV, `problems` all of them. */
export class ScanConfigError extends Error {
  /** The first offending PV. */
  readonly pv: string;
  /** One message per offending input. */
  readonly problems: string[];
  /** @param problems `[pv, message]` pairs */
  constructor(problems: [string, string][]) {
    super(problems.map(([pv, m]) => `${pv}: ${m}`).join("; "));
    this.name = "ScanConfigError";
    this.pv = problems[0]?.[0] ?? "";
    this.problems = problems.map(([pv, m]) => `${pv}: ${m}`);
  }
}

class Problems {
  list: [string, string][] = [];
  add(pv: string, message: string): void {
    this.list.push([pv, message]);
  }
}

function show(value: unknown): string {
  if (typeof value === "string") return `'${value}'`;
  if (ArrayLike(value)) return `[${Array.from(value).slice(0, 4).join(", ")}]`;
  return String(value);
}

function ArrayLike(value: unknown): value is ArrayLike<unknown> {
  return typeof value === "object" && value !== null && "length" in value;
}

/** First element of an array value (a scalar PV read as an array). */
function scalarOf(value: unknown): unknown {
  if (ArrayLike(value) && typeof value !== "string") {
    return value.length > 0 ? value[0] : undefined;
  }
  return value;
}

/**
 * Parses a numeric input; strings typed by a user are trimmed and may carry
 * the field's unit. Returns `undefined` (and records a problem) when it is
 * not a finite number.
 */
function numberOf(
  input: RawInput,
  expected: string,
  problems: Problems,
  unit?: string,
): number | undefined {
  const raw = scalarOf(input.value);
  let n: number;
  if (typeof raw === "number") n = raw;
  else if (typeof raw === "bigint") n = Number(raw);
  else if (typeof raw === "string") {
    let text = raw.trim();
    if (unit && text.toLowerCase().endsWith(unit.toLowerCase())) {
      text = text.slice(0, -unit.length).trim();
    }
    n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)
      ? Number(text)
      : NaN;
  } else n = NaN;
  if (!Number.isFinite(n)) {
    problems.add(input.pv, `expected ${expected}, got ${show(raw)}`);
    return undefined;
  }
  return n;
}

function inRange(
  input: RawInput,
  options: { min: number; max: number; integer?: boolean; unit?: string },
  problems: Problems,
): number | undefined {
  const unit = options.unit ? ` ${options.unit}` : "";
  const what = `${options.integer ? "a whole number" : "a number"} from ${
    fmt(options.min)
  } to ${fmt(options.max)}${unit}`;
  const n = numberOf(input, what, problems, options.unit);
  if (n === undefined) return undefined;
  if (
    (options.integer && !Number.isInteger(n)) || n < options.min ||
    n > options.max
  ) {
    problems.add(input.pv, `expected ${what}, got ${fmt(n)}`);
    return undefined;
  }
  return n;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(8)));
}

/** Resolves an enum input by index or label (case-insensitive). */
function enumOf(
  input: RawInput,
  labels: string[][],
  problems: Problems,
): number | undefined {
  const raw = scalarOf(input.value);
  const names = labels.map((l) => l[0]).join(", ");
  if (typeof raw === "number" && Number.isInteger(raw)) {
    if (raw >= 0 && raw < labels.length) return raw;
  } else if (typeof raw === "string") {
    const text = raw.trim().toLowerCase();
    if (/^\d+$/.test(text) && Number(text) < labels.length) {
      return Number(text);
    }
    const own = input.enumStrings?.findIndex((s) => s.toLowerCase() === text);
    if (own !== undefined && own >= 0 && own < labels.length) return own;
    const i = labels.findIndex((alts) =>
      alts.some((a) => a.toLowerCase() === text)
    );
    if (i >= 0) return i;
  }
  problems.add(
    input.pv,
    `expected one of ${names} (or 0–${labels.length - 1}), got ${show(raw)}`,
  );
  return undefined;
}

function stringOf(input: RawInput | undefined): string {
  if (!input) return "";
  const raw = input.value;
  if (typeof raw === "string" || raw instanceof Uint8Array) {
    return textOf(raw).trim();
  }
  if (Array.isArray(raw)) return raw.join(" ").trim();
  return raw === undefined || raw === null ? "" : String(raw);
}

function channelsOf(
  input: RawInput | undefined,
  known: string[],
  problems: Problems,
): string[] {
  if (!input) return [...known];
  const raw = input.value;
  const list = Array.isArray(raw)
    ? raw.map(String)
    : String(raw ?? "").split(/[\s,]+/).filter((s) => s !== "");
  if (list.length === 0) return [...known];
  const unknown = list.filter((c) => !known.includes(c));
  if (unknown.length > 0) {
    problems.add(
      input.pv,
      `unknown channel ${
        unknown.map((c) => `'${c}'`).join(", ")
      }; expected some of ${known.join(", ")}`,
    );
  }
  return list.filter((c) => known.includes(c));
}

/**
 * Validates raw inputs into a {@link ScanConfig}, or throws a
 * {@link ScanConfigError} naming every offending PV and its allowed range.
 *
 * @example
 * ```ts
 * const config = validateScanConfig({
 *   startPos: { pv: "FWS01:SCAN:START_POS", value: -2 },
 *   endPos: { pv: "FWS01:SCAN:END_POS", value: "2" },
 *   nSteps: { pv: "FWS01:SCAN:NSTEPS", value: 21 },
 * }, { struckChannels: ["PDB"], iopsChannels: ["ch1"] });
 * ```
 */
export function validateScanConfig(
  inputs: RawScanInputs,
  options: ValidateOptions,
): ScanConfig {
  const problems = new Problems();
  const limits = options.limits ?? {};
  const mode: ScanMode = inputs.mode
    ? (enumOf(inputs.mode, [["STEP"], ["FLY"]], problems) === 1
      ? "fly"
      : "step")
    : "step";

  let low = -1e9, high = 1e9;
  const hlm = limits.hlm?.value, llm = limits.llm?.value;
  const limited = hlm !== undefined && llm !== undefined &&
    Number.isFinite(hlm) && Number.isFinite(llm) && !(hlm === 0 && llm === 0);
  if (limited) {
    low = Math.min(llm!, hlm!);
    high = Math.max(llm!, hlm!);
  }
  const limitNote = limited
    ? ` (motor soft limits ${limits.llm!.pv} … ${limits.hlm!.pv})`
    : "";
  const position = (input: RawInput | undefined, name: string) => {
    if (!input) {
      problems.add(name, "required but not mapped");
      return undefined;
    }
    const n = inRange(input, { min: low, max: high, unit: "mm" }, problems);
    if (n === undefined && limited) {
      problems.list[problems.list.length - 1][1] += limitNote;
    }
    return n;
  };
  const startPos = position(inputs.startPos, "scan.startPos");
  const endPos = position(inputs.endPos, "scan.endPos");
  if (
    startPos !== undefined && endPos !== undefined && startPos === endPos
  ) {
    problems.add(
      inputs.endPos!.pv,
      `expected an end position different from the start position (${
        fmt(startPos)
      } mm)`,
    );
  }

  let nSteps = 0;
  if (mode === "step") {
    if (!inputs.nSteps) problems.add("scan.nSteps", "required in step mode");
    else {
      nSteps = inRange(inputs.nSteps, {
        min: 2,
        max: MAX_STEPS,
        integer: true,
      }, problems) ?? 0;
    }
  }

  let speed = 0;
  if (mode === "fly") {
    const vmax = limits.vmax?.value;
    const max = vmax !== undefined && Number.isFinite(vmax) && vmax > 0
      ? vmax
      : 1e6;
    if (!inputs.speed) problems.add("scan.speed", "required in fly mode");
    else {
      const n = numberOf(
        inputs.speed,
        `a speed above 0 and at most ${fmt(max)} mm/s`,
        problems,
        "mm/s",
      );
      if (n !== undefined && (n <= 0 || n > max)) {
        problems.add(
          inputs.speed.pv,
          `expected a speed above 0 and at most ${fmt(max)} mm/s${
            limits.vmax && max === vmax ? ` (${limits.vmax.pv})` : ""
          }, got ${fmt(n)}`,
        );
      } else if (n !== undefined) speed = n;
    }
  }

  const nScans = inputs.nScans
    ? inRange(
      inputs.nScans,
      { min: 1, max: MAX_SCANS, integer: true },
      problems,
    )
    : 1;
  const settle = inputs.settle
    ? inRange(inputs.settle, { min: 0, max: MAX_SETTLE, unit: "s" }, problems)
    : 0;
  const bidir = inputs.bidir
    ? enumOf(
      inputs.bidir,
      [["No", "false", "off"], ["Yes", "true", "on"]],
      problems,
    ) ===
      1
    : false;
  const struckChannels = channelsOf(
    inputs.struck,
    options.struckChannels,
    problems,
  );
  const iopsChannels = channelsOf(inputs.iops, options.iopsChannels, problems);
  const model = inputs.fitModel
    ? enumOf(
      inputs.fitModel,
      FIT_MODEL_CHOICES.map((c) => [c.toUpperCase()]),
      problems,
    )
    : 0;

  if (problems.list.length > 0) throw new ScanConfigError(problems.list);
  return {
    mode,
    startPos: startPos!,
    endPos: endPos!,
    nSteps,
    speed,
    nScans: nScans!,
    settle: settle!,
    bidir,
    user: stringOf(inputs.user),
    comment: stringOf(inputs.comment),
    struckChannels,
    iopsChannels,
    fitModel: FIT_MODEL_CHOICES[model ?? 0],
  };
}

/** The `scan_args` that are counts (stored as integers in the file). */
export const INTEGER_SCAN_ARGS: readonly string[] = ["n_steps", "n_scans"];

/**
 * The config as flat JSON values, for the file's `scan_args` attribute.
 */
export function scanArgsOf(
  config: ScanConfig,
): Record<string, string | number | boolean> {
  return {
    mode: config.mode,
    start_pos: config.startPos,
    end_pos: config.endPos,
    n_steps: config.nSteps,
    speed: config.speed,
    n_scans: config.nScans,
    settle: config.settle,
    bidir: config.bidir,
    user: config.user,
    comment: config.comment,
    struck_channels: config.struckChannels.join(","),
    iops_channels: config.iopsChannels.join(","),
    // only when asked for, so a Gaussian-only request's file is as before
    ...(config.fitModel !== "gauss" ? { fit_model: config.fitModel } : {}),
  };
}
