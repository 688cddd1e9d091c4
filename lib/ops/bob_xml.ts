/**
 * The XML primitives of a Phoebus `.bob` display: escaping, boxes, colours,
 * properties, widgets, rules, fonts and labels, with Phoebus's element and
 * property names. `display.ts` builds the operator display from them.
 *
 * @module
 */

/** Default font size of Phoebus's "Default" font (Liberation Sans). */
export const FONT_SIZE = 14;

/**
 * A generous estimate of the width of `text` in pixels (Liberation Sans:
 * about 0.55 of the size per average character, bold 0.62; capitals and
 * digits count wider).
 */
export function textWidth(
  text: string,
  options: { size?: number; bold?: boolean } = {},
): number {
  const size = options.size ?? FONT_SIZE;
  let em = 0;
  for (const ch of text) {
    em += /[A-Z0-9MW%]/.test(ch) ? 0.68 : /[il.,:;' ]/.test(ch) ? 0.3 : 0.56;
  }
  return Math.ceil(em * size * (options.bold ? 1.1 : 1) + 6);
}

/** `text` escaped for XML text and attribute values. */
export function esc(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

/** A widget's position and size in pixels. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** An RGB colour with an optional Phoebus colour name. */
export type Rgb = [number, number, number, string?];

/** Phoebus's OK green. */
export const GREEN: Rgb = [0, 200, 0, "OK"];
/** Warning yellow (PAUSED). */
export const YELLOW: Rgb = [255, 230, 0];
/** Phoebus's MAJOR red. */
export const RED: Rgb = [255, 0, 0, "MAJOR"];
/** Amber (in between states). */
export const AMBER: Rgb = [255, 160, 0];
/** Neutral grey. */
export const GREY: Rgb = [200, 200, 200];

/** A `<color>` element. */
export function color(c: Rgb): string {
  const name = c[3] === undefined ? "" : ` name="${c[3]}"`;
  return `<color${name} red="${c[0]}" green="${c[1]}" blue="${c[2]}"></color>`;
}

/** A property element `<name>value</name>`, escaped. */
export function prop(name: string, value: string | number | boolean): string {
  return `<${name}>${
    typeof value === "string" ? esc(value) : String(value)
  }</${name}>`;
}

/** A `<widget>` of Phoebus type `type` at `box`. */
export function widget(
  type: string,
  version: string,
  name: string,
  box: Box,
  body: string,
): string {
  return `<widget type="${type}" version="${version}">${prop("name", name)}` +
    `<x>${box.x}</x><y>${box.y}</y><width>${box.w}</width><height>${box.h}</height>` +
    `${body}</widget>`;
}

/** A rule setting `propId` to the value of the first expression that holds. */
export function rule(
  name: string,
  propId: string,
  pvName: string,
  cases: [string, string][],
): string {
  const exps = cases.map(([exp, value]) =>
    `<exp bool_exp="${esc(exp)}"><value>${value}</value></exp>`
  ).join("");
  return `<rules><rule name="${
    esc(name)
  }" prop_id="${propId}" out_exp="false">${exps}${
    prop("pv_name", pvName)
  }</rule></rules>`;
}

/** A `<font>` element (Liberation Sans, Phoebus's default). */
export function font(size: number, bold: boolean): string {
  return `<font><font family="Liberation Sans" style="${
    bold ? "BOLD" : "REGULAR"
  }" size="${size.toFixed(1)}"></font></font>`;
}

/** A label widget: `text` in `box` (bold for headings). */
export function label(
  name: string,
  text: string,
  box: Box,
  options: { bold?: boolean; size?: number; body?: string } = {},
): string {
  const size = options.size ?? FONT_SIZE;
  const bold = options.bold ?? false;
  const style = bold || size !== FONT_SIZE ? font(size, bold) : "";
  return widget(
    "label",
    "2.0.0",
    name,
    box,
    prop("text", text) + style + (options.body ?? ""),
  );
}
