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
  iops,
  page,
  perf,
  profileReady,
  query,
  struck,
} from "./shared/state.ts";
import { exportPng, seriesColor, UPlotChart } from "./shared/uplot_chart.tsx";

/** The overlay section. */
export function OverlayChart(): JSX.Element {
  const state = page.value;
  const [data, setData] = useState<uPlot.AlignedData | null>(null);
  const chart = useRef<uPlot | null>(null);
  const s = struck.value;
  const i = iops.value;

  const ready = profileReady(s, i);
  useEffect(() => {
    if (!state || !ready) return;
    const abort = new AbortController();
    const url = `/api/overlay?${
      query({ struck: s, iops: i, buckets: state.buckets.overlay })
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

  if (!state) return <div />;
  return (
    <div>
      <UPlotChart
        name="overlay"
        height={260}
        optionsKey={`${state.units[s]}/${state.units[i]}`}
        data={data}
        onChart={(u) => chart.current = u}
        options={() => ({
          scales: { x: { time: false } },
          axes: [
            { label: `position [${state.units[i] ?? "mm"}]` },
            { label: `signal [${state.units[s] ?? ""}]` },
          ],
          series: [
            { label: "position" },
            ...state.scans.map((x, k) => ({
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
      <button
        type="button"
        id="png-overlay"
        onClick={() =>
          chart.current &&
          exportPng(
            chart.current,
            `${state.file.replace(/\.h5$/, "")}_overlay_${s}.png`,
            `${state.file} all scans ${s} vs ${i}`,
          )}
      >
        Save PNG
      </button>
    </div>
  );
}
