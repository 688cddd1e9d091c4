/**
 * Generates the Phoebus (CS-Studio Display Builder) operator display of one
 * scanner from the PV map, so it can never name a PV the daemon does not use:
 * start/abort, the scan inputs, state, message, progress, heartbeat, wire
 * position, last file and the fit results of every Struck channel.
 *
 * PV names are concrete (resolved by `FWSScanInterface` for one index, test
 * mode and map file), because a map file may rename any PV freely; a `$(P)`
 * macro could not express that. Generate one display per scanner:
 *
 * ```sh
 * deno run -R tools/gen_bob.ts --index 1 --output ops/fws01.bob
 * deno run -R tools/gen_bob.ts --index 7 --pv-map site.json --output fws07.bob
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  FIT_PV_FIELDS,
  FIT_SUMMARY_PV_FIELDS,
  FWSScanInterface,
  parsePvMap,
  type PvSpec,
} from "../lib/pvmap/mod.ts";

/** Logical names shown besides inputs and outputs: the wire position. */
const EXTRA_OPERATOR_PVS = ["motor.rbv", "motor.dmov"];

/**
 * The PVs an operator needs, in display order: every input (`scan.*` the
 * daemon reads), every output (state, message, progress, heartbeat, file, fit
 * results) and the wire position readback. PVs a map file sets to `null` are
 * left out.
 */
export function operatorPvs(
  iface: FWSScanInterface,
): { logical: string; name: string; spec: PvSpec }[] {
  return iface.entries().filter((e) =>
    e.spec.direction === "input" || e.spec.direction === "output" ||
    EXTRA_OPERATOR_PVS.includes(e.logical)
  );
}

function esc(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

function geometry(b: Box): string {
  return `<x>${b.x}</x><y>${b.y}</y><width>${b.w}</width><height>${b.h}</height>`;
}

function widget(
  type: string,
  version: string,
  name: string,
  box: Box,
  body: string,
): string {
  return `<widget type="${type}" version="${version}"><name>${
    esc(name)
  }</name>${geometry(box)}${body}</widget>`;
}

function label(name: string, text: string, box: Box, bold = false): string {
  const font = bold
    ? `<font><font family="Liberation Sans" style="BOLD" size="14.0"></font></font>`
    : "";
  return widget(
    "label",
    "2.0.0",
    name,
    box,
    `<text>${esc(text)}</text>${font}`,
  );
}

function pv(name: string): string {
  return `<pv_name>${esc(name)}</pv_name>`;
}

function tooltip(spec: PvSpec): string {
  return `<tooltip>${esc(`${spec.logical}: ${spec.description}`)}</tooltip>`;
}

/** A read-back or an input widget for one PV, chosen by its record type. */
function pvWidget(entry: { name: string; spec: PvSpec }, box: Box): string {
  const { name, spec } = entry;
  const id = spec.logical;
  if (spec.direction === "input") {
    if (spec.record === "bo" || spec.record === "mbbo") {
      return widget("combo", "2.0.0", id, box, pv(name) + tooltip(spec));
    }
    return widget(
      "textentry",
      "3.0.0",
      id,
      box,
      pv(name) + tooltip(spec) + "<show_units>true</show_units>",
    );
  }
  if (spec.record === "bo" || spec.record === "bi") {
    return widget("led", "2.0.0", id, box, pv(name) + tooltip(spec));
  }
  if (id === "scan.progress") {
    return widget("progressbar", "2.0.0", id, box, pv(name) + tooltip(spec));
  }
  // char waveforms (message, file) are shown as text: format 6 = STRING
  const format = spec.record === "waveform" ? "<format>6</format>" : "";
  return widget(
    "textupdate",
    "2.0.0",
    id,
    box,
    pv(name) + tooltip(spec) + format + "<show_units>true</show_units>",
  );
}

function button(
  entry: { name: string; spec: PvSpec },
  text: string,
  box: Box,
): string {
  return widget(
    "action_button",
    "3.0.0",
    entry.spec.logical,
    box,
    pv(entry.name) + tooltip(entry.spec) + `<text>${esc(text)}</text>` +
      `<actions><action type="write_pv"><pv_name>${
        esc(entry.name)
      }</pv_name><value>1</value><description>${
        esc(text)
      }</description></action></actions>`,
  );
}

const ROW = 26;

/**
 * The `.bob` XML of the operator display for one scanner.
 *
 * @example
 * ```ts
 * const xml = bobDisplay(new FWSScanInterface(1));
 * ```
 */
export function bobDisplay(iface: FWSScanInterface): string {
  const pvs = operatorPvs(iface);
  const byLogical = new Map(pvs.map((e) => [e.logical, e]));
  const used = new Set<string>();
  const take = (logical: string) => {
    used.add(logical);
    return byLogical.get(logical);
  };
  const out: string[] = [];
  const nn = String(iface.scannerIndex).padStart(2, "0");
  out.push(
    label(
      "title",
      `Fast wire scanner ${nn}${
        iface.testMode ? " (test mode)" : ""
      } — ${iface.prefix}`,
      { x: 10, y: 10, w: 780, h: 30 },
      true,
    ),
  );
  // left column: commands and inputs
  let y = 50;
  const start = take("scan.start");
  const abort = take("scan.abort");
  if (start) out.push(button(start, "Start scan", { x: 10, y, w: 140, h: 36 }));
  if (abort) out.push(button(abort, "Abort", { x: 160, y, w: 140, h: 36 }));
  y += 46;
  out.push(label("inputs", "Scan request", { x: 10, y, w: 380, h: 22 }, true));
  y += ROW;
  for (const e of pvs.filter((e) => e.spec.direction === "input")) {
    if (used.has(e.logical)) continue;
    used.add(e.logical);
    out.push(
      label(`${e.logical}.label`, e.spec.description, {
        x: 10,
        y,
        w: 220,
        h: 22,
      }),
    );
    out.push(pvWidget(e, { x: 240, y, w: 150, h: 22 }));
    y += ROW;
  }
  // right column: status
  let ry = 50;
  out.push(label("status", "Status", { x: 420, y: ry, w: 380, h: 22 }, true));
  ry += ROW;
  const status = pvs.filter((e) =>
    e.spec.direction !== "input" && !e.logical.startsWith("fit.")
  );
  for (const e of status) {
    used.add(e.logical);
    const wide = e.spec.record === "waveform";
    out.push(label(`${e.logical}.label`, e.spec.description, {
      x: 420,
      y: ry,
      w: wide ? 380 : 220,
      h: 22,
    }));
    if (wide) ry += 22;
    out.push(pvWidget(e, {
      x: wide ? 420 : 650,
      y: ry,
      w: wide ? 380 : 150,
      h: 22,
    }));
    ry += ROW;
  }
  // fit table: one column per Struck channel
  y = Math.max(y, ry) + 10;
  out.push(
    label("fit", "Fit of the last scan", { x: 10, y, w: 400, h: 22 }, true),
  );
  y += ROW;
  const fields = [...FIT_PV_FIELDS, ...FIT_SUMMARY_PV_FIELDS].map((f) =>
    f.field
  );
  iface.struckChannels.forEach((ch, i) => {
    out.push(
      label(
        `fit.${ch}.header`,
        ch,
        { x: 160 + i * 160, y, w: 150, h: 22 },
        true,
      ),
    );
  });
  y += ROW;
  for (const field of fields) {
    out.push(label(`fit.${field}.label`, field, { x: 10, y, w: 140, h: 22 }));
    iface.struckChannels.forEach((ch, i) => {
      const e = take(`fit.${ch}.${field}`);
      if (e) out.push(pvWidget(e, { x: 160 + i * 160, y, w: 150, h: 22 }));
    });
    y += ROW;
  }
  const missing = pvs.filter((e) => !used.has(e.logical)).map((e) => e.logical);
  if (missing.length > 0) {
    throw new Error(`gen_bob: no place for ${missing.join(", ")}`);
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    "<!-- Generated by tools/gen_bob.ts from lib/pvmap/. Do not edit: regenerate. -->",
    '<display version="2.0.0">',
    `<name>${esc(`fws${nn}`)}</name>`,
    `<width>820</width><height>${y + 10}</height>`,
    ...out,
    "</display>",
    "",
  ].join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      index: { type: "string", default: "1" },
      "test-mode": { type: "boolean", default: false },
      "pv-map": { type: "string" },
      output: { type: "string" },
    },
  });
  const index = Number(values.index);
  if (!Number.isInteger(index) || index < 1 || index > 99) {
    console.error(`gen_bob: --index must be 1–99; got '${values.index}'`);
    Deno.exit(2);
  }
  const mapPath = values["pv-map"];
  const map = mapPath
    ? parsePvMap(await Deno.readTextFile(mapPath), mapPath)
    : undefined;
  const xml = bobDisplay(
    new FWSScanInterface(index, { testMode: values["test-mode"], map }),
  );
  if (values.output) await Deno.writeTextFile(values.output, xml);
  else await Deno.stdout.write(new TextEncoder().encode(xml));
}
