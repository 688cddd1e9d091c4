/**
 * The Phoebus (CS-Studio Display Builder) operator display of one scanner,
 * generated from the PV map so it can never name a PV the daemon does not use,
 * and laid out for an operator at 3 a.m.: short human labels (the spec
 * data's, the fit registry's), the state in colour (DONE green, PAUSED
 * yellow, ABORTED and ERROR red), OK LEDs that are red when off, a "daemon
 * stalled" warning driven by the IOC's heartbeat watchdog
 * (`SCAN:HEARTBEAT_AGE`, MAJOR after 5 s), message and file wide enough for a
 * path, the wire motor (set point, readback, limits), the beam current, a
 * progress bar fixed to 0–100 % and the live profile plot (`live_plot.ts`).
 *
 * PV names are concrete (resolved by `FWSScanInterface` for one index, test
 * mode and map file), because a map file may rename any PV freely; a `$(P)`
 * macro could not express that. Generate one display per scanner:
 *
 * ```sh
 * fws ops display --index 1 --output ops/fws01.bob
 * fws ops display --index 7 --map site.json --output fws07.bob
 * ```
 *
 * Widget types and property names are Phoebus's own (the model classes of
 * `app/display/model/.../widgets/` and `CommonWidgetProperties`).
 *
 * @module
 */
import type { FWSScanInterface, LogicalName, PvSpec } from "../pvmap/mod.ts";
import {
  AMBER,
  type Box,
  color,
  font,
  GREEN,
  GREY,
  label,
  prop,
  RED,
  type Rgb,
  rule,
  textWidth,
  widget,
  YELLOW,
} from "./bob_xml.ts";
import { livePlot } from "./live_plot.ts";

/** One PV on the display: logical name, PV name, spec. */
export interface DisplayPv {
  /** Logical name. */
  logical: LogicalName;
  /** Resolved PV name. */
  name: string;
  /** Its spec entry. */
  spec: PvSpec;
}

/** Hardware PVs an operator needs besides the daemon's own. */
export const HARDWARE_OPERATOR_PVS: readonly LogicalName[] = [
  "motor.val",
  "motor.rbv",
  "motor.dmov",
  "motor.hlm",
  "motor.llm",
  "beam.current",
];

/**
 * The PVs an operator needs, in display order: every input (`scan.*` the
 * daemon reads), every output (state, message, progress, heartbeat, file, fit
 * results), the IOC's watchdog and the wire motor and beam current. PVs a map
 * file sets to `null` are left out.
 */
export function operatorPvs(iface: FWSScanInterface): DisplayPv[] {
  return iface.entries().filter((e) =>
    e.spec.direction === "input" || e.spec.direction === "output" ||
    e.spec.direction === "ioc" || HARDWARE_OPERATOR_PVS.includes(e.logical)
  );
}

function pvProps(entry: DisplayPv): string {
  return prop("pv_name", entry.name) +
    prop("tooltip", `${entry.name}: ${entry.spec.description}`);
}

/**
 * The label an operator reads: the spec's, else the logical name's tail in
 * words (`centerMean` → "Center mean").
 */
export function displayLabel(spec: PvSpec): string {
  const text = spec.label ??
    spec.logical.split(".").at(-1)!.replace(
      /([a-z0-9])([A-Z])/g,
      (_, a: string, b: string) => `${a} ${b.toLowerCase()}`,
    );
  return /^[a-z]/.test(text) ? text[0].toUpperCase() + text.slice(1) : text;
}

function led(entry: DisplayPv, box: Box, off: Rgb): string {
  return widget(
    "led",
    "2.0.0",
    entry.logical,
    box,
    pvProps(entry) + `<off_color>${color(off)}</off_color>` +
      `<on_color>${color(GREEN)}</on_color>`,
  );
}

function textUpdate(entry: DisplayPv, box: Box, extra = ""): string {
  // char waveforms (message, file) are shown as text: format 6 = STRING
  const format = entry.spec.record === "waveform" ? prop("format", 6) : "";
  return widget(
    "textupdate",
    "2.0.0",
    entry.logical,
    box,
    pvProps(entry) + format + prop("show_units", true) + extra,
  );
}

/** The widget for one PV, chosen by its role and record type. */
function pvWidget(entry: DisplayPv, box: Box): string {
  const { spec } = entry;
  if (spec.direction === "input") {
    if (spec.record === "bo" || spec.record === "mbbo") {
      return widget("combo", "2.0.0", spec.logical, box, pvProps(entry));
    }
    return widget(
      "textentry",
      "3.0.0",
      spec.logical,
      box,
      pvProps(entry) + prop("show_units", true),
    );
  }
  if (spec.record === "bo" || spec.record === "bi") {
    return led(entry, { ...box, w: box.h }, RED);
  }
  return textUpdate(entry, box);
}

/** STATE in colour: DONE green, PAUSED yellow, ABORTED and ERROR red. */
function stateWidget(entry: DisplayPv, box: Box): string {
  const states = entry.spec.enumStrings ?? [];
  const cases: [string, string][] = [];
  const add = (state: string, c: Rgb) => {
    const i = states.indexOf(state);
    if (i >= 0) cases.push([`pv0==${i}`, color(c)]);
  };
  add("DONE", GREEN);
  add("PAUSED", YELLOW);
  add("ABORTED", RED);
  add("ERROR", RED);
  return textUpdate(
    entry,
    box,
    font(16, true) + prop("horizontal_alignment", 1) +
      prop("transparent", false) +
      `<background_color>${color(GREY)}</background_color>` +
      rule("state colour", "background_color", entry.name, cases),
  );
}

/** Progress fixed to 0–100 %, whatever limits the PV reports. */
function progressWidget(entry: DisplayPv, box: Box): string {
  return widget(
    "progressbar",
    "2.0.0",
    entry.logical,
    box,
    pvProps(entry) + prop("limits_from_pv", false) + prop("minimum", "0.0") +
      prop("maximum", "100.0"),
  );
}

function button(
  entry: DisplayPv,
  text: string,
  box: Box,
  background?: Rgb,
): string {
  return widget(
    "action_button",
    "3.0.0",
    entry.spec.logical,
    box,
    pvProps(entry) + prop("text", text) + font(14, true) +
      (background
        ? `<background_color>${color(background)}</background_color>`
        : "") +
      `<actions><action type="write_pv">${
        prop("pv_name", entry.name)
      }<value>1</value>${prop("description", text)}</action></actions>`,
  );
}

const ROW = 28;
const H = 22;
const WIDTH = 900;
const LEFT = { label: 10, labelW: 170, value: 190, valueW: 240 };
const RIGHT = { label: 460, labelW: 170, value: 640, valueW: 250 };

/** A label that must fit its box: throws when the estimate says it does not. */
function fitted(
  name: string,
  text: string,
  box: Box,
  options: { bold?: boolean; size?: number; body?: string } = {},
): string {
  const need = textWidth(text, options);
  if (need > box.w) {
    throw new Error(
      `ops display: label '${text}' needs about ${need} px; its box is ${box.w} px (expected a shorter label in the spec data)`,
    );
  }
  return label(name, text, box, options);
}

/** A PV's label in a column and its widget beside it. */
function labelled(
  entry: DisplayPv,
  at: { column: { label: number; labelW: number; value: number }; y: number },
  size: { w: number; h: number },
  make: (e: DisplayPv, box: Box) => string = pvWidget,
): string[] {
  const { column, y } = at;
  return [
    fitted(`${entry.logical}.label`, displayLabel(entry.spec), {
      x: column.label,
      y,
      w: column.labelW,
      h: H,
    }),
    make(entry, { x: column.value, y, ...size }),
  ];
}

/** Summary statistics published beside a fit result (`<field>Mean`, `…Std`). */
const FIT_STATS = [["Mean", "Mean"], ["Std", "Std"]] as const;

/**
 * The fit table: per Struck channel a block of columns — the last scan's
 * value and, where the map has them, the mean and std over the request — and
 * one row per fitted parameter, labelled from the spec data.
 */
function fitTable(
  channels: readonly string[],
  pvs: readonly DisplayPv[],
  take: (logical: string) => DisplayPv | undefined,
  top: number,
): { out: string[]; y: number } {
  const all: string[] = [];
  const rowLabel = new Map<string, string>();
  for (const ch of channels) {
    for (const e of pvs) {
      if (!e.logical.startsWith(`fit.${ch}.`)) continue;
      const field = e.logical.slice(`fit.${ch}.`.length);
      if (!all.includes(field)) all.push(field);
      if (!rowLabel.has(field)) rowLabel.set(field, displayLabel(e.spec));
    }
  }
  const isStat = (f: string) =>
    FIT_STATS.some(([tail]) =>
      f.endsWith(tail) && all.includes(f.slice(0, -tail.length))
    );
  const rows = all.filter((f) => !isStat(f));
  const columns: (readonly [string, string])[] = [
    ["", "Last"],
    ...FIT_STATS.filter(([tail]) =>
      all.some((f) => f.endsWith(tail) && isStat(f))
    ),
  ];
  const gap = 6;
  const colW = Math.min(
    columns.length > 1 ? 104 : 150,
    Math.floor((WIDTH - 190) / Math.max(1, channels.length * columns.length)) -
      gap,
  );
  const blockW = columns.length * (colW + gap) + 10;
  const x = (ch: number, col: number) => 180 + ch * blockW + col * (colW + gap);
  const out: string[] = [];
  let y = top;
  const title = columns.length > 1
    ? "Fit: last scan, and mean and std over the request"
    : "Fit of the last scan";
  out.push(fitted("fit", title, { x: 10, y, w: 600, h: H }, { bold: true }));
  y += ROW;
  channels.forEach((ch, i) => {
    out.push(fitted(`fit.${ch}.header`, ch, {
      x: x(i, 0),
      y,
      w: blockW - 10,
      h: H,
    }, { bold: true }));
  });
  y += ROW;
  if (columns.length > 1) {
    channels.forEach((ch, i) => {
      columns.forEach(([, name], c) => {
        out.push(fitted(`fit.${ch}.${name}.header`, name, {
          x: x(i, c),
          y: y - 6,
          w: colW,
          h: H,
        }));
      });
    });
    y += ROW - 6;
  }
  for (const field of rows) {
    out.push(fitted(`fit.${field}.label`, rowLabel.get(field)!, {
      x: 10,
      y,
      w: 160,
      h: H,
    }));
    channels.forEach((ch, i) => {
      columns.forEach(([tail], c) => {
        const e = take(`fit.${ch}.${field}${tail}`);
        if (e) out.push(pvWidget(e, { x: x(i, c), y, w: colW, h: H }));
      });
    });
    y += ROW;
  }
  return { out, y };
}

/**
 * The `.bob` XML of the operator display for one scanner.
 *
 * @example
 * ```ts
 * import { FWSScanInterface } from "../pvmap/mod.ts";
 * const xml = bobDisplay(new FWSScanInterface(1));
 * ```
 */
export function bobDisplay(iface: FWSScanInterface): string {
  const pvs = operatorPvs(iface);
  const byLogical = new Map(pvs.map((e) => [e.logical as string, e]));
  const used = new Set<string>();
  const take = (logical: string): DisplayPv | undefined => {
    const e = byLogical.get(logical);
    if (e) used.add(logical);
    return e;
  };
  const out: string[] = [];
  const nn = String(iface.scannerIndex).padStart(2, "0");
  const title = `Wire scanner ${nn}${iface.testMode ? " (TEST)" : ""}`;
  out.push(fitted("title", title, { x: 10, y: 10, w: 440, h: 30 }, {
    bold: true,
    size: 20,
  }));
  out.push(label("prefix", iface.prefix, { x: 460, y: 14, w: 430, h: H }));
  // commands
  let y = 50;
  const start = take("scan.start");
  const abort = take("scan.abort");
  if (start) {
    out.push(button(start, "Start scan", { x: 10, y, w: 160, h: 40 }, GREEN));
  }
  if (abort) {
    out.push(button(abort, "Abort", { x: 190, y, w: 160, h: 40 }, RED));
  }
  y += 52;
  // left column: the request
  let ly = y;
  out.push(
    fitted("request", "Scan request", { x: 10, y: ly, w: 420, h: H }, {
      bold: true,
    }),
  );
  ly += ROW;
  for (const e of pvs.filter((e) => e.spec.direction === "input")) {
    if (used.has(e.logical)) continue;
    used.add(e.logical);
    out.push(
      ...labelled(e, { column: LEFT, y: ly }, { w: LEFT.valueW, h: H }),
    );
    ly += ROW;
  }
  // right column: status, wire, beam
  let ry = y;
  const row = (
    entry: DisplayPv | undefined,
    make: (e: DisplayPv, box: Box) => string = pvWidget,
    h = H,
  ) => {
    if (!entry) return;
    used.add(entry.logical);
    out.push(
      ...labelled(
        entry,
        { column: RIGHT, y: ry },
        { w: RIGHT.valueW, h },
        make,
      ),
    );
    ry += h + ROW - H;
  };
  out.push(
    fitted("status", "Status", { x: 460, y: ry, w: 430, h: H }, {
      bold: true,
    }),
  );
  ry += ROW;
  row(take("scan.state"), stateWidget, 30);
  row(take("scan.progress"), progressWidget);
  const beat = take("scan.heartbeat");
  row(beat);
  const age = take("scan.heartbeatAge");
  if (age) {
    const stalled = "pvSev0>=2";
    row(age, (e, box) =>
      textUpdate(
        e,
        { ...box, w: 80 },
        prop("transparent", false) + rule(
          "stalled colour",
          "background_color",
          e.name,
          [[stalled, color(RED)]],
        ),
      ));
    out.push(fitted(
      "scan.heartbeatAge.stalled",
      "DAEMON STALLED",
      { x: RIGHT.value + 90, y: ry - ROW, w: 160, h: H },
      {
        bold: true,
        body: `<foreground_color>${color(RED)}</foreground_color>` +
          prop("visible", false) +
          rule("stalled", "visible", age.name, [[stalled, "true"]]),
      },
    ));
  }
  // any other status the map has (new outputs land here, labelled)
  for (
    const e of pvs.filter((e) =>
      (e.spec.direction === "output" || e.spec.direction === "ioc") &&
      !e.logical.startsWith("fit.") && !e.logical.startsWith("live.") &&
      e.spec.record !== "waveform"
    )
  ) {
    if (!used.has(e.logical)) row(e);
  }
  ry += 6;
  out.push(
    fitted("wire", "Wire motor and beam", { x: 460, y: ry, w: 430, h: H }, {
      bold: true,
    }),
  );
  ry += ROW;
  row(take("motor.val"));
  row(take("motor.rbv"));
  row(take("motor.dmov"), (e, box) => led(e, { ...box, w: box.h }, AMBER));
  row(take("motor.hlm"));
  row(take("motor.llm"));
  row(take("beam.current"));
  // full width: message, file and any other text the map has
  y = Math.max(ly, ry) + 8;
  const texts = [
    ...["scan.msg", "scan.file"].flatMap((l) => byLogical.get(l) ?? []),
    ...pvs.filter((e) =>
      e.spec.record === "waveform" && e.spec.direction !== "data" &&
      !e.logical.startsWith("live.") &&
      !["scan.msg", "scan.file"].includes(e.logical)
    ),
  ];
  for (const e of texts) {
    used.add(e.logical);
    const h = e.logical === "scan.msg" ? 2 * H : H;
    out.push(
      ...labelled(e, { column: LEFT, y }, { w: WIDTH - 10 - LEFT.value, h }),
    );
    y += h + ROW - H;
  }
  const live = livePlot(take, {
    channels: iface.struckChannels,
    at: { y: y + 8, width: WIDTH },
    textUpdate,
  });
  out.push(...live.out);
  y = live.y;
  // fit table: a block per Struck channel, one row per fitted parameter
  const table = fitTable(iface.struckChannels, pvs, take, y + 8);
  out.push(...table.out);
  y = table.y;
  const missing = pvs.filter((e) => !used.has(e.logical)).map((e) => e.logical);
  if (missing.length > 0) {
    throw new Error(`ops display: no place for ${missing.join(", ")}`);
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    "<!-- Generated by fws ops display (lib/ops/display.ts) from lib/pvmap/. Do not edit: regenerate. -->",
    '<display version="2.0.0">',
    prop("name", `fws${nn}`),
    `<width>${WIDTH}</width><height>${y + 10}</height>`,
    ...out,
    "</display>",
    "",
  ].join("\n");
}
