/**
 * Island: the profiles of the scans picked in the list (every repetition of
 * a file) or on the trend (one repetition), on one chart across days, raw or
 * normalised to their own range, with PNG export.
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type uPlot from "uplot";
import { fetchColumns, perf } from "./shared/state.ts";
import {
  channelParts,
  type HistoryProps,
  togglePick,
} from "./shared/history_state.ts";
import { PngButton, seriesColor, UPlotChart } from "./shared/uplot_chart.tsx";

/** Bucket count of the overlay's min/max decimation. */
const BUCKETS = 500;

/** `(v − min) / (max − min)` of a series; nulls kept. */
function normalised(col: (number | null)[]): (number | null)[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of col) {
    if (v === null) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi > lo ? hi - lo : 1;
  return col.map((v) => v === null ? null : (v - lo) / span);
}

/** The overlay section. */
export function HistoryOverlay(props: HistoryProps): JSX.Element {
  const { hs } = props;
  const picks = hs.picks.value;
  const { channel } = channelParts(hs.channel.value);
  const [raw, setRaw] = useState<
    { labels: string[]; cols: (number | null)[][]; x: Float32Array } | null
  >(null);
  const [norm, setNorm] = useState(true);
  const [error, setError] = useState("");
  const chart = useRef<uPlot | null>(null);

  useEffect(() => {
    if (picks.length === 0 || channel === "") {
      setRaw(null);
      return;
    }
    const abort = new AbortController();
    const q = new URLSearchParams({
      struck: channel,
      buckets: String(BUCKETS),
    });
    for (const p of picks) q.append("pick", p);
    const started = performance.now();
    fetchColumns(`/history/api/overlay?${q}`, abort.signal).then((c) => {
      setError("");
      const labels = JSON.parse(c.headers.get("x-labels") ?? "[]") as string[];
      setRaw({
        labels,
        x: c.cols[0],
        cols: c.cols.slice(1).map((col) =>
          Array.from(col, (v) => Number.isNaN(v) ? null : v)
        ),
      });
      perf().historyOverlay = {
        ms: performance.now() - started,
        series: labels.length,
      };
    }).catch((e) => {
      if (!abort.signal.aborted) setError(String(e.message ?? e));
    });
    return () => abort.abort();
  }, [picks.join("\n"), channel]);

  const data = useMemo<uPlot.AlignedData | null>(
    () =>
      raw &&
      [
        raw.x,
        ...raw.cols.map((c) => norm ? normalised(c) : c),
      ] as uPlot.AlignedData,
    [raw, norm],
  );

  return (
    <div>
      <div class="toolbar-inline">
        <label>
          <input
            type="checkbox"
            id="overlay-normalise"
            checked={norm}
            onChange={(e) => setNorm(e.currentTarget.checked)}
          />{" "}
          normalised (each profile to its own range)
        </label>
        {picks.map((p) => (
          <button
            type="button"
            class="small pick"
            key={p}
            title="remove from the overlay"
            onClick={() => togglePick(hs, p)}
          >
            {p} ×
          </button>
        ))}
      </div>
      {error && <p class="warning">{error}</p>}
      {picks.length === 0
        ? (
          <p class="note" id="overlay-empty">
            Tick scans in the list, or click points of the trend, to overlay
            their profiles.
          </p>
        )
        : (
          <div>
            <UPlotChart
              name="history-overlay"
              height={280}
              optionsKey={`${raw?.labels.join("\n")}/${norm}`}
              data={data}
              onChart={(u) => chart.current = u}
              options={() => ({
                scales: { x: { time: false } },
                axes: [
                  { label: "position" },
                  { label: norm ? `${channel} (normalised)` : channel },
                ],
                series: [
                  { label: "position" },
                  ...(raw?.labels ?? []).map((l, k) => ({
                    label: l,
                    stroke: seriesColor(k),
                    spanGaps: true,
                    points: { show: false },
                  })),
                ],
              })}
            />
            <PngButton
              id="png-history-overlay"
              chart={() => chart.current}
              file="fws_history"
              suffix={`overlay_${channel}`}
              title={`${channel} profiles of ${raw?.labels.join(", ")}${
                norm ? " (normalised)" : ""
              }`}
            />
          </div>
        )}
    </div>
  );
}
