/**
 * Island: sigma and centre of the fit over the scans (successful fits only),
 * with PNG export.
 *
 * @module
 */
import type { JSX } from "preact";
import { useMemo, useRef } from "preact/hooks";
import type uPlot from "uplot";
import { type IslandProps, profileReady } from "./shared/state.ts";
import { PngButton, UPlotChart } from "./shared/uplot_chart.tsx";

/** Props of {@link TrendChart}. */
export interface TrendChartProps extends IslandProps {
  /** Base name of the file (PNG names and titles). */
  file: string;
  /** Units of each channel, by name. */
  units: Record<string, string>;
}

/** The trend section. */
export function TrendChart(props: TrendChartProps): JSX.Element {
  const f = props.sel.fits.value;
  const chart = useRef<uPlot | null>(null);
  const data = useMemo<uPlot.AlignedData | null>(() => [
    f.rows.map((r) => r.scan),
    f.rows.map((r) => (r.ok ? r.center : null)),
    f.rows.map((r) => (r.ok ? r.sigma : null)),
  ], [f]);
  const ready = profileReady(props.sel, f.struck, f.iops);
  const xu = props.units[f.iops] ?? "mm";
  return (
    <div>
      <UPlotChart
        name="trend"
        height={200}
        optionsKey="trend"
        data={ready ? data : null}
        onChart={(u) => chart.current = u}
        options={() => ({
          scales: { x: { time: false }, sigma: {} },
          axes: [
            { label: "scan", incrs: [1, 2, 5, 10, 20, 50, 100] },
            { label: `centre [${xu}]`, stroke: "#0072b2", size: 70 },
            {
              label: `sigma [${xu}]`,
              scale: "sigma",
              side: 1,
              size: 70,
              stroke: "#d55e00",
              grid: { show: false },
            },
          ],
          series: [
            { label: "scan" },
            {
              label: "centre",
              stroke: "#0072b2",
              points: { show: true, size: 7 },
            },
            {
              label: "sigma",
              scale: "sigma",
              stroke: "#d55e00",
              points: { show: true, size: 7 },
            },
          ],
        })}
      />
      <PngButton
        id="png-trend"
        chart={() => chart.current}
        file={props.file}
        suffix={`trend_${f.struck}`}
        title={`${props.file} centre and sigma over scans, ${f.struck} vs ${f.iops}`}
      />
    </div>
  );
}
