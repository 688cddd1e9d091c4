/**
 * Island: the profiles of every scan on one chart (aborted scans dashed),
 * with PNG export.
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type uPlot from "uplot";
import {
  fetchColumns,
  type IslandProps,
  perf,
  profileReady,
  query,
} from "./shared/state.ts";
import type { ScanInfo } from "./shared/types.ts";
import { PngButton, seriesColor, UPlotChart } from "./shared/uplot_chart.tsx";

/** Props of {@link OverlayChart}. */
export interface OverlayChartProps extends IslandProps {
  /** Base name of the file (PNG names and titles). */
  file: string;
  scans: ScanInfo[];
  /** Units of each channel, by name. */
  units: Record<string, string>;
  /** Bucket count of the overlay's min/max decimation. */
  buckets: number;
}

/** The overlay section. */
export function OverlayChart(props: OverlayChartProps): JSX.Element {
  const [data, setData] = useState<uPlot.AlignedData | null>(null);
  const chart = useRef<uPlot | null>(null);
  const s = props.sel.struck.value;
  const i = props.sel.iops.value;

  const ready = profileReady(props.sel, s, i);
  useEffect(() => {
    if (!ready) return;
    const abort = new AbortController();
    const url = `api/overlay?${
      query({ struck: s, iops: i, buckets: props.buckets })
    }`;
    fetchColumns(url, abort.signal).then((c) => {
      const gaps = (col: Float32Array) =>
        Array.from(col, (v) => (Number.isNaN(v) ? null : v));
      setData([c.cols[0], ...c.cols.slice(1).map(gaps)] as uPlot.AlignedData);
    }).catch((e) => {
      if (!abort.signal.aborted) perf().errors.push(String(e));
    });
    return () => abort.abort();
  }, [s, i, ready]);

  return (
    <div>
      <UPlotChart
        name="overlay"
        height={260}
        optionsKey={`${props.units[s]}/${props.units[i]}`}
        data={data}
        onChart={(u) => chart.current = u}
        options={() => ({
          scales: { x: { time: false } },
          axes: [
            { label: `position [${props.units[i] ?? "mm"}]` },
            { label: `signal [${props.units[s] ?? ""}]` },
          ],
          series: [
            { label: "position" },
            ...props.scans.map((x, k) => ({
              label: x.status === "completed"
                ? x.name
                : `${x.name} (${x.status})`,
              stroke: seriesColor(k),
              dash: x.status === "completed" ? undefined : [6, 4],
              spanGaps: true,
              points: { show: false },
            })),
          ],
        })}
      />
      <PngButton
        id="png-overlay"
        chart={() => chart.current}
        file={props.file}
        suffix={`overlay_${s}`}
        title={`${props.file} all scans ${s} vs ${i}`}
      />
    </div>
  );
}
