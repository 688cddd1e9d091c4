/**
 * A Preact wrapper around one uPlot chart: created once per `optionsKey`,
 * fed with `setData` when `data` changes (no re-creation, so a channel switch
 * only redraws), resized with its box, with drag-to-zoom reported to the
 * owner (who refetches the range at full resolution) and double-click to
 * zoom out. Renders an empty, sized box on the server.
 *
 * @module
 */
import uPlot from "uplot";
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import type { JSX } from "preact";

const FONT = "12px sans-serif";

/** Properties of {@link UPlotChart}. */
export interface UPlotChartProps {
  /** `data-chart` name (tests and CSS find the chart by it). */
  name: string;
  /** Chart height in CSS pixels. */
  height: number;
  /** Builds the options for a given width; called when `optionsKey` changes. */
  options: (width: number) => Omit<uPlot.Options, "width" | "height">;
  /** A key that changes when the options (e.g. series count) must change. */
  optionsKey: string;
  /** The data to show (null: keep what is shown). */
  data: uPlot.AlignedData | null;
  /** Called after each draw with the chart. */
  onDraw?: (u: uPlot) => void;
  /** Drag-zoom to [min, max] of x, or null on double-click (zoom out). */
  onZoom?: (range: [number, number] | null) => void;
  /** Gets the chart object once created (for PNG export and scale sync). */
  onChart?: (u: uPlot | null) => void;
}

/** The chart box. */
export function UPlotChart(props: UPlotChartProps): JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const shownData = useRef<uPlot.AlignedData | null>(null);
  /** The `optionsKey` the chart was made with. */
  const chartKey = useRef("");
  const latest = useRef(props);
  latest.current = props;

  const hasData = props.data !== null;
  useEffect(() => {
    // Created on the first data, so nothing is drawn twice.
    if (!hasData) return;
    const el = box.current!;
    let draws = 0;
    const width = Math.max(200, el.clientWidth);
    const base = props.options(width);
    const u = new uPlot(
      {
        ...base,
        // A plain font: uPlot's default stack makes the browser probe many
        // missing fonts on the first draw.
        axes: (base.axes ?? [{}, {}]).map((a, k) => ({
          font: FONT,
          labelFont: `bold ${FONT}`,
          // denser ticks on the value axes of the small charts
          ...(k > 0 ? { space: props.height < 250 ? 18 : 30 } : {}),
          ...a,
        })),
        width,
        height: props.height,
        cursor: {
          ...base.cursor,
          drag: { x: true, y: false, setScale: false },
        },
        hooks: {
          ...base.hooks,
          draw: [
            ...(base.hooks?.draw ?? []),
            (u) => {
              el.dataset.draws = String(++draws);
              el.dataset.points = String(u.data[0]?.length ?? 0);
              el.dataset.ymax = String(u.scales.y?.max ?? "");
              latest.current.onDraw?.(u);
            },
          ],
          setSelect: [
            ...(base.hooks?.setSelect ?? []),
            (u) => {
              if (u.select.width < 2) return;
              const min = u.posToVal(u.select.left, "x");
              const max = u.posToVal(u.select.left + u.select.width, "x");
              u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
              latest.current.onZoom?.([min, max]);
            },
          ],
        },
      },
      latest.current.data!,
      el,
    );
    chart.current = u;
    chartKey.current = props.optionsKey;
    shownData.current = latest.current.data;
    const zoomOut = () => latest.current.onZoom?.(null);
    u.over.addEventListener("dblclick", zoomOut);
    // Resized in the next frame: resizing inside the observer's callback
    // (a scrollbar appearing resizes every chart) is a "ResizeObserver
    // loop" error.
    let frame = 0;
    const resize = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        const w = Math.max(200, el.clientWidth);
        if (Math.abs(w - u.width) > 1) {
          u.setSize({ width: w, height: props.height });
        }
      });
    });
    resize.observe(el);
    latest.current.onChart?.(u);
    return () => {
      cancelAnimationFrame(frame);
      resize.disconnect();
      u.over.removeEventListener("dblclick", zoomOut);
      latest.current.onChart?.(null);
      u.destroy();
      chart.current = null;
    };
  }, [props.optionsKey, hasData]);

  // New data is handed to uPlot before the browser paints (no extra frame).
  useLayoutEffect(() => {
    // A new key means new series: the chart is made again with the data,
    // and the old one must not be handed data it has no series for.
    if (
      props.data && chart.current && props.data !== shownData.current &&
      chartKey.current === props.optionsKey
    ) {
      shownData.current = props.data;
      chart.current.setData(props.data);
    }
  }, [props.data]);

  return (
    <div
      class="chart"
      data-chart={props.name}
      ref={box}
      style={{ minHeight: `${props.height + 40}px` }}
    />
  );
}

/** Saves the chart as a PNG (white background, title on top). */
function exportPng(u: uPlot, fileName: string, title: string): void {
  const src = u.ctx.canvas;
  const pad = 30;
  const out = document.createElement("canvas");
  out.width = src.width;
  out.height = src.height + pad;
  const ctx = out.getContext("2d")!;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = "#222";
  ctx.font = `${Math.round(14 * devicePixelRatio)}px sans-serif`;
  ctx.fillText(title, 10, pad * 0.7);
  ctx.drawImage(src, 0, pad);
  out.toBlob((blob) => blob && download(fileName, blob), "image/png");
}

/** Saves `blob` as a download named `name`. */
export function download(name: string, blob: Blob): void {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** Properties of {@link PngButton}. */
export interface PngButtonProps {
  /** Element id (tests find the button by it). */
  id: string;
  /** The chart to save, when it exists. */
  chart: () => uPlot | null | undefined;
  /** The scan file's name; the PNG is named `<file without .h5>_<suffix>.png`. */
  file: string;
  suffix: string;
  /** Caption drawn above the chart. */
  title: string;
}

/** A "Save PNG" button that exports a chart with a caption. */
export function PngButton(props: PngButtonProps): JSX.Element {
  return (
    <button
      type="button"
      id={props.id}
      onClick={() => {
        const u = props.chart();
        if (!u) return;
        const base = props.file.replace(/\.h5$/, "");
        exportPng(u, `${base}_${props.suffix}.png`, props.title);
      }}
    >
      Save PNG
    </button>
  );
}

/** A colour for series `i` (colour-blind friendly palette, then hues). */
export function seriesColor(i: number): string {
  const palette = [
    "#0072b2",
    "#d55e00",
    "#009e73",
    "#cc79a7",
    "#e69f00",
    "#56b4e9",
    "#000000",
    "#f0e442",
  ];
  return i < palette.length ? palette[i] : `hsl(${(i * 47) % 360} 60% 45%)`;
}
