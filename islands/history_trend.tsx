/**
 * Island: the trend of one channel (or one wire of a fork) over the list's
 * time range and scanner — centre and σ per repetition with their error
 * bars, a dashed line at the start of each request, and, when the scanner
 * has a reference, its value and error band and the drift in combined
 * standard errors against FIT:<CH>:DRIFT's HIGH and HIHI limits. A drag
 * narrows the time range (list and trend), a double click widens it back;
 * a click on a point picks that repetition for the overlay. CSV and PNG.
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type uPlot from "uplot";
import { fmt, pm } from "./shared/format.ts";
import { perf } from "./shared/state.ts";
import {
  channelParts,
  fetchJson,
  type HistoryProps,
  inputTime,
  localTime,
  togglePick,
} from "./shared/history_state.ts";
import {
  DEFAULT_TREND_DAYS,
  NO_SEARCH,
  searchQuery,
  type TrendPayload,
} from "./shared/history_types.ts";
import { PngButton, UPlotChart } from "./shared/uplot_chart.tsx";

/** Props of {@link HistoryTrend}. */
export interface HistoryTrendProps extends HistoryProps {
  /** Channels with fits, each with its fork's wires. */
  channels: { channel: string; wires: string[] }[];
}

/** What a chart draws besides its series. */
interface Extras {
  /** Error of each point (same order as the data). */
  err?: (number | null)[];
  /** Request starts, in seconds. */
  boundaries: number[];
  /** A reference value and its error band. */
  ref?: { v: number | null; e: number | null };
  /** Horizontal limit lines. */
  limits?: { v: number; color: string }[];
}

/** The y range holding every point with its error bar, and the reference band. */
function errorRange(
  v: (number | null)[],
  e: (number | null)[],
  ref?: { v: number | null; e: number | null },
): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  const take = (x: number | null, d: number | null) => {
    if (x === null) return;
    lo = Math.min(lo, x - (d ?? 0));
    hi = Math.max(hi, x + (d ?? 0));
  };
  v.forEach((x, i) => take(x, e[i]));
  if (ref) take(ref.v, ref.e);
  if (!(hi > lo)) return Number.isFinite(lo) ? [lo - 1, lo + 1] : [0, 1];
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

/** The draw hook: boundaries, reference band, limits, error bars. */
function drawExtras(u: uPlot, x: Extras): void {
  const { ctx } = u;
  const { left, top, width, height } = u.bbox;
  const px = (v: number) => u.valToPos(v, "x", true);
  const py = (v: number) => u.valToPos(v, "y", true);
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  ctx.lineWidth = devicePixelRatio;
  ctx.strokeStyle = "#9aa3ad";
  ctx.setLineDash([4 * devicePixelRatio, 4 * devicePixelRatio]);
  for (const b of x.boundaries) {
    const p = px(b);
    ctx.beginPath();
    ctx.moveTo(p, top);
    ctx.lineTo(p, top + height);
    ctx.stroke();
  }
  ctx.setLineDash([]);
  if (x.ref && x.ref.v !== null) {
    const e = x.ref.e ?? 0;
    ctx.fillStyle = "rgba(0, 158, 115, 0.15)";
    const y1 = py(x.ref.v + e);
    const y2 = py(x.ref.v - e);
    ctx.fillRect(left, y1, width, Math.max(1, y2 - y1));
    ctx.strokeStyle = "#009e73";
    ctx.beginPath();
    ctx.moveTo(left, py(x.ref.v));
    ctx.lineTo(left + width, py(x.ref.v));
    ctx.stroke();
  }
  for (const l of x.limits ?? []) {
    ctx.strokeStyle = l.color;
    ctx.beginPath();
    ctx.moveTo(left, py(l.v));
    ctx.lineTo(left + width, py(l.v));
    ctx.stroke();
  }
  if (x.err) {
    ctx.strokeStyle = "#444";
    const xs = u.data[0];
    const ys = u.data[1];
    for (let i = 0; i < xs.length; i++) {
      const y = ys[i];
      const e = x.err[i];
      if (y == null || e == null) continue;
      const p = px(xs[i]);
      ctx.beginPath();
      ctx.moveTo(p, py(y - e));
      ctx.lineTo(p, py(y + e));
      ctx.stroke();
    }
  }
  ctx.restore();
}

/** The trend section: channel choice, centre, σ, drift. */
export function HistoryTrend(props: HistoryTrendProps): JSX.Element {
  const { hs } = props;
  const search = hs.search.value;
  const chosen = hs.channel.value;
  const { channel, wire } = channelParts(chosen);
  const [trend, setTrend] = useState<TrendPayload | null>(null);
  const [error, setError] = useState("");
  const charts = useRef<Record<string, uPlot | null>>({});

  const q = searchQuery(search, { channel, wire });
  useEffect(() => {
    if (channel === "") return;
    const abort = new AbortController();
    const started = performance.now();
    fetchJson<TrendPayload>(`/history/api/trend?${q}`, abort.signal)
      .then((t) => {
        setError("");
        setTrend(t);
        perf().historyTrend = {
          ms: performance.now() - started,
          points: t.t.length,
          q,
        };
      })
      .catch((e) => {
        if (!abort.signal.aborted) setError(String(e.message ?? e));
      });
    return () => abort.abort();
  }, [q]);

  const secs = useMemo(() => trend?.t.map((t) => t / 1000) ?? [], [trend]);
  const boundaries = useMemo(
    () => trend?.files.map((f) => f.t / 1000) ?? [],
    [trend],
  );
  // The charts' hooks outlive a render: they read the trend shown now.
  const now = useRef({ trend, boundaries });
  now.current = { trend, boundaries };
  const zoom = (range: [number, number] | null) => {
    const s = hs.search.peek();
    hs.search.value = range
      ? {
        ...s,
        from: inputTime(range[0] * 1000),
        to: inputTime(range[1] * 1000 + 60_000),
      }
      : { ...s, from: NO_SEARCH.from, to: NO_SEARCH.to };
  };
  const pickAt = (u: uPlot) => {
    const i = u.cursor.idx;
    const t = now.current.trend;
    if (i == null || !t) return;
    togglePick(hs, `${t.files[t.file[i]].name}#${t.scan[i]}`);
  };
  const ref = trend?.reference;
  const label = wire ? `${channel} wire ${wire}` : channel;
  const chart = (
    name: "center" | "sigma",
    title: string,
  ) => (
    <div>
      <UPlotChart
        name={`history-${name}`}
        height={200}
        optionsKey={`${name}/${chosen}`}
        data={trend ? [secs, trend[name]] as uPlot.AlignedData : null}
        onChart={(u) => {
          charts.current[name] = u;
          u?.over.addEventListener("click", () => pickAt(u));
        }}
        onZoom={zoom}
        options={() => ({
          scales: {
            x: { time: true },
            y: {
              range: (): [number, number] => {
                const t = now.current.trend;
                const r = t?.reference;
                return t
                  ? errorRange(
                    t[name],
                    t[`${name}Err`],
                    r ? { v: r[name], e: r[`${name}Err`] } : undefined,
                  )
                  : [0, 1];
              },
            },
          },
          axes: [{}, { label: title, size: 70 }],
          series: [
            {
              label: "time",
              value: (_u, v) => v == null ? "" : localTime(v * 1000),
            },
            {
              label: title,
              stroke: name === "center" ? "#0072b2" : "#d55e00",
              width: 0,
              points: { show: true, size: 6 },
              value: (_u, v, _s, i) => {
                const t = now.current.trend;
                return v == null || i == null || !t
                  ? "—"
                  : `${pm(v, t[`${name}Err`][i])} (${
                    t.files[t.file[i]].name
                  } #${t.scan[i]})`;
              },
            },
          ],
          hooks: {
            draw: [(u) => {
              const { trend: t, boundaries: b } = now.current;
              const r = t?.reference;
              drawExtras(u, {
                err: t?.[`${name}Err`],
                boundaries: b,
                ref: r ? { v: r[name], e: r[`${name}Err`] } : undefined,
              });
            }],
          },
        })}
      />
      <PngButton
        id={`png-history-${name}`}
        chart={() => charts.current[name]}
        file="fws_history"
        suffix={`${name}_${label.replace(/\W+/g, "_")}`}
        title={`${title} of ${label} over time${
          ref ? `; reference ${ref.file}` : ""
        }`}
      />
    </div>
  );

  return (
    <div>
      <div class="toolbar-inline">
        <label>
          channel{" "}
          <select
            id="history-channel"
            value={chosen}
            onChange={(e) => hs.channel.value = e.currentTarget.value}
          >
            {props.channels.flatMap((c) => [
              <option key={c.channel} value={c.channel}>{c.channel}</option>,
              ...c.wires.map((w) => (
                <option key={`${c.channel}/${w}`} value={`${c.channel}/${w}`}>
                  {c.channel} wire {w}
                </option>
              )),
            ])}
          </select>
        </label>
        <a
          class="button"
          id="csv-trend"
          href={`/history/api/trend.csv?${q}`}
          download
        >
          CSV
        </a>
        <span class="note" id="trend-summary">
          {trend
            ? `${trend.t.length} repetitions of ${trend.files.length} requests${
              trend.t.length
                ? `, ${localTime(trend.t[0])} to ${localTime(trend.t.at(-1)!)}`
                : ""
            }${
              trend.range.latest
                ? ` (the newest ${DEFAULT_TREND_DAYS} days of data; set from and to for another range)`
                : ""
            }. Dashed lines: the start of each request. Drag to narrow the time range, double-click to widen it; click a point to overlay its profile.`
            : channel === ""
            ? "No fits in the catalog yet."
            : "loading…"}
        </span>
      </div>
      {error && <p class="warning">{error}</p>}
      {ref
        ? (
          <p class="note" id="trend-reference">
            Reference {ref.file} (marked {localTime(ref.marked)}, {ref.n}{" "}
            fits): centre {pm(ref.center, ref.centerErr)}, σ{" "}
            {pm(ref.sigma, ref.sigmaErr)}; green line and band.
          </p>
        )
        : trend?.referenceNote && (
          <p class="note" id="trend-reference">
            No drift shown: {trend.referenceNote}.
          </p>
        )}
      {chart("center", "centre")}
      {chart("sigma", wire ? "σ of the beam" : "σ")}
      {trend?.drift && (
        <div>
          <UPlotChart
            name="history-drift"
            height={150}
            optionsKey={`drift/${chosen}`}
            data={[secs, trend.drift] as uPlot.AlignedData}
            onChart={(u) => charts.current.drift = u}
            onZoom={zoom}
            options={() => ({
              scales: {
                x: { time: true },
                y: {
                  range: (
                    _u,
                    _lo,
                    hi,
                  ) => [0, Math.max(hi, trend.alarm.hihi * 1.2)],
                },
              },
              axes: [{}, { label: "drift [σ combined]", size: 70 }],
              series: [
                {
                  label: "time",
                  value: (_u, v) => v == null ? "" : localTime(v * 1000),
                },
                {
                  label: "drift",
                  stroke: "#cc79a7",
                  width: 0,
                  points: { show: true, size: 5 },
                  value: (_u, v) => v == null ? "—" : fmt(v, 3),
                },
              ],
              hooks: {
                draw: [(u) =>
                  drawExtras(u, {
                    boundaries: now.current.boundaries,
                    limits: [
                      { v: trend.alarm.high, color: "#e69f00" },
                      { v: trend.alarm.hihi, color: "#b00020" },
                    ],
                  })],
              },
            })}
          />
          <PngButton
            id="png-history-drift"
            chart={() => charts.current.drift}
            file="fws_history"
            suffix={`drift_${label.replace(/\W+/g, "_")}`}
            title={`Drift of ${label} from ${ref?.file} (HIGH ${trend.alarm.high}, HIHI ${trend.alarm.hihi})`}
          />
        </div>
      )}
    </div>
  );
}
