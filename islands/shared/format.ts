/**
 * Number formatting shared by the fit table and the chart legends.
 *
 * @module
 */

/** `v` with `digits` significant digits, or an en dash for null/NaN. */
export function fmt(v: number | null | undefined, digits = 5): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(digits - 1);
  return Number(v.toPrecision(digits)).toString();
}

/** `value ± err`. */
export function pm(
  value: number | null | undefined,
  err: number | null | undefined,
): string {
  return err === null || err === undefined || !Number.isFinite(err)
    ? fmt(value)
    : `${fmt(value)} ± ${fmt(err, 2)}`;
}
