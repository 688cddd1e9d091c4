/**
 * The live view on the operator display: a Phoebus `xyplot` of the running
 * repetition's profile (`LIVE:POS` against each `LIVE:<CH>`, points) with
 * its fitted curve (`LIVE:FIT:<CH>` on the same positions, dashed line),
 * legend and axis titles with units, and the repetition (`LIVE:REP`) and its
 * direction (`LIVE:DIR`) above it. Element and property names are those of
 * Phoebus's `XYPlotWidget` (display format 2.0.0).
 *
 * @module
 */
import { type Box, color, label, prop, type Rgb, widget } from "./bob_xml.ts";

/** A PV of the display (as `display.ts`'s `DisplayPv`). */
export interface LivePlotPv {
  logical: string;
  name: string;
  spec: { units?: string };
}

/** Trace colours per Struck channel, in channel order (then repeated). */
const TRACE_COLORS: readonly Rgb[] = [
  [0, 90, 200],
  [200, 60, 0],
  [0, 150, 60],
  [140, 0, 160],
];

/** Height of the plot [px]. */
const PLOT_H = 360;

/** Phoebus trace types and styles (`XYPlotWidget`'s enums, by index). */
const LINE = 1;
const NO_LINE = 0;
const DASH = 1;
const SOLID = 0;
const NO_POINT = 0;
const CIRCLES = 2;

function axisXml(title: string, extra = ""): string {
  return prop("title", title) + prop("autoscale", true) +
    prop("log_scale", false) + prop("show_grid", true) + prop("visible", true) +
    extra;
}

function traceXml(options: {
  name: string;
  x: string;
  y: string;
  rgb: Rgb;
  fit: boolean;
}): string {
  const { name, x, y, rgb, fit } = options;
  return "<trace>" + prop("name", name) + prop("x_pv", x) + prop("y_pv", y) +
    "<err_pv></err_pv>" + prop("axis", 0) +
    prop("trace_type", fit ? LINE : NO_LINE) +
    `<color>${color(rgb)}</color>` + prop("line_width", fit ? 2 : 1) +
    prop("line_style", fit ? DASH : SOLID) +
    prop("point_type", fit ? NO_POINT : CIRCLES) +
    prop("point_size", fit ? 1 : 6) + prop("visible", true) + "</trace>";
}

/**
 * The live section at `at.y`, full width `at.width`: heading, repetition and
 * direction, and the XY plot; `take` hands out (and marks used) a PV of the
 * map, `undefined` for one the map drops. Nothing when LIVE:POS is dropped
 * or no channel has its LIVE:<CH>.
 */
export function livePlot<T extends LivePlotPv>(
  take: (logical: string) => T | undefined,
  options: {
    channels: readonly string[];
    /** Top of the section and the display's width [px]. */
    at: { y: number; width: number };
    textUpdate: (entry: T, box: Box) => string;
  },
): { out: string[]; y: number } {
  const { channels, textUpdate } = options;
  const width = options.at.width;
  let y = options.at.y;
  const out: string[] = [];
  const rep = take("live.rep");
  const dir = take("live.dir");
  const pos = take("live.pos");
  const traces: string[] = [];
  let units = "";
  channels.forEach((ch, i) => {
    const data = take(`live.daq.${ch}`);
    const fit = take(`live.fit.${ch}`);
    if (!pos) return;
    const rgb = TRACE_COLORS[i % TRACE_COLORS.length];
    if (data) {
      units ||= data.spec.units ?? "";
      traces.push(
        traceXml({ name: ch, x: pos.name, y: data.name, rgb, fit: false }),
      );
    }
    if (fit) {
      traces.push(
        traceXml({
          name: `${ch} fit`,
          x: pos.name,
          y: fit.name,
          rgb,
          fit: true,
        }),
      );
    }
  });
  if (!pos && !rep && !dir) return { out, y };
  out.push(label("live", "Live profile", { x: 10, y, w: 200, h: 22 }, {
    bold: true,
  }));
  let x = 220;
  for (
    const [entry, text] of [[rep, "Repetition"], [dir, "Direction"]] as const
  ) {
    if (!entry) continue;
    out.push(label(`${entry.logical}.label`, text, { x, y, w: 90, h: 22 }));
    out.push(textUpdate(entry, { x: x + 95, y, w: 90, h: 22 }));
    x += 200;
  }
  y += 28;
  if (!pos || traces.length === 0) return { out, y };
  const xUnits = pos.spec.units ? ` [${pos.spec.units}]` : "";
  out.push(widget(
    "xyplot",
    "2.0.0",
    "live.plot",
    { x: 10, y, w: width - 20, h: PLOT_H },
    prop("title", "") + prop("show_toolbar", false) +
      prop("show_legend", true) +
      `<x_axis>${axisXml(`Wire position${xUnits}`)}</x_axis>` +
      `<y_axes><y_axis>${
        axisXml(
          `Signal${units ? ` [${units}]` : ""}`,
          prop("on_right", false),
        )
      }</y_axis></y_axes>` +
      `<traces>${traces.join("")}</traces>`,
  ));
  return { out, y: y + PLOT_H + 8 };
}
