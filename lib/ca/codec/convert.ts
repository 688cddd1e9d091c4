/**
 * Value conversion between DBR base types, as a CA server does when a client
 * asks for a type other than the native one, and as a client does before a
 * put (enum by label, numbers from strings, strings from numbers).
 *
 * @module
 */
import type { DbrBaseType } from "./constants.ts";

/** Anything a caller may hand to {@link convertValue}. */
export type AnyValue =
  | number
  | string
  | boolean
  | ArrayLike<number>
  | readonly string[];

/** Options of {@link convertValue}. */
export interface ConvertOptions {
  /** The value's own type (used for enum labels and float precision). */
  from?: DbrBaseType;
  /** Enum state strings, for enum ↔ string. */
  enumStrings?: readonly string[];
  /** Digits after the decimal point when formatting float/double as strings. */
  precision?: number;
}

/** A value that cannot be converted; the message says what was expected. */
export class ConversionError extends TypeError {
  /** @param message what could not be converted to what */
  constructor(message: string) {
    super(message);
    this.name = "ConversionError";
  }
}

function isNumeric(type: DbrBaseType): boolean {
  return type !== "string";
}

function numberToString(n: number, options: ConvertOptions): string {
  if (options.from === "enum" && options.enumStrings) {
    const label = options.enumStrings[n];
    if (label !== undefined && label !== "") return label;
    return String(n);
  }
  if (
    (options.from === "float" || options.from === "double") &&
    options.precision !== undefined && Number.isFinite(n)
  ) {
    const p = Math.max(0, Math.min(17, Math.trunc(options.precision)));
    return n.toFixed(p);
  }
  return String(n);
}

function stringToNumber(
  s: string,
  to: DbrBaseType,
  options: ConvertOptions,
): number {
  if (to === "enum" && options.enumStrings) {
    const index = options.enumStrings.indexOf(s);
    if (index >= 0) return index;
  }
  const text = s.trim();
  if (/^[+-]?(inf|infinity)$/i.test(text)) {
    return text.startsWith("-") ? -Infinity : Infinity;
  }
  if (/^nan$/i.test(text)) return NaN;
  const n = text === "" ? NaN : Number(text);
  if (Number.isNaN(n)) {
    const labels = to === "enum" && options.enumStrings
      ? `; expected a number or one of ${
        options.enumStrings.map((l) => `'${l}'`).join(", ")
      }`
      : "; expected a number";
    throw new ConversionError(`cannot convert '${s}' to ${to}${labels}`);
  }
  if (to === "enum" && (n < 0 || !Number.isInteger(n) || n > 0xffff)) {
    throw new ConversionError(
      `cannot convert '${s}' to enum; expected a state index from 0 to 65535`,
    );
  }
  return n;
}

/**
 * Converts `value` to the JS kind DBR type `to` encodes from: a number or
 * numeric array for numeric types, a string or string[] for "string".
 * Throws a {@link ConversionError} for text that is not a number or label.
 *
 * @example
 * ```ts
 * convertValue("CLOSED", "enum", { enumStrings: ["OPEN", "CLOSED"] }); // 1
 * convertValue(3.14159, "string", { from: "double", precision: 2 });   // "3.14"
 * ```
 */
export function convertValue(
  value: AnyValue,
  to: DbrBaseType,
  options: ConvertOptions = {},
): number | string | ArrayLike<number> | string[] {
  if (typeof value === "boolean") value = value ? 1 : 0;
  if (to === "string") {
    if (typeof value === "string") return value;
    if (typeof value === "number") return numberToString(value, options);
    const out: string[] = [];
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      out.push(typeof v === "string" ? v : numberToString(v, options));
    }
    return out.length === 1 ? out[0] : out;
  }
  if (!isNumeric(to)) return value as never;
  if (typeof value === "number") return value;
  if (typeof value === "string") return stringToNumber(value, to, options);
  if (value.length > 0 && typeof value[0] === "string") {
    const strings = value as readonly string[];
    const out = new Float64Array(strings.length);
    for (let i = 0; i < strings.length; i++) {
      out[i] = stringToNumber(strings[i], to, options);
    }
    return out.length === 1 ? out[0] : out;
  }
  return value as ArrayLike<number>;
}
