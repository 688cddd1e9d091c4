/**
 * Island: one scan's profile (signal vs position) with the fit curve, its
 * residuals below, scan tabs (aborted scans marked), drag-zoom that refetches
 * the range at full resolution, cursor read-out in the legend, PNG export.
 *
 * @module
 */
import type { JSX } from "preact";
import {
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from "preact/hooks";
import type uPlot from "uplot";
import { gaussian, type GaussianParams } from "../lib/analysis/models.ts";
import { forkValue } from "../lib/analysis/fork_curve.ts";
import {
  fetchColumns,
  fitsFor,
  type IslandProps,
  perf,
  profileUrl,
} from "./shared/state.ts";
import { PngButton, UPlotChart } from "./shared/uplot_chart.tsx";
import type { FitRow, ScanInfo } from "./shared/types.ts";

/** Props of {@link ProfileChart}. */
export interface ProfileChartProps extends IslandProps {
  /** Base name of the file (PNG names and titles). */
  file: string;
  scans: ScanInfo[];
  /** Units of each channel, by name. */
  units: Record<string, string>;
  /** Bucket count of the profile's min/max decimation. */
  buckets: number;
}

const GRID = 300;

/**
 * Merges the data x with a fine grid so the fit curve is smooth; with
 * `rej` (the points the fit left out), a fourth series of them.
 */
function withFit(
  x: Float32Array,
  y: Float32Array,
  fit: FitRow | undefined,
  rej?: Float32Array,
): uPlot.AlignedData {
  const n = x.length;
  const out = (k: number) => rej && !Number.isNaN(rej[k]) ? rej[k] : null;
  const extra = (col: (number | null)[]) => rej ? [col] : [];
  // rows of points left out have no signal of the kept profile
  const kept = rej ? Array.from(y, (v) => Number.isNaN(v) ? null : v) : y;
  const fork = fit?.fork;
  if ((!fork?.length && (!fit?.ok || fit.center == null)) || n === 0) {
    return [
      x,
      kept,
      new Array(n).fill(null),
      ...extra(Array.from({ length: n }, (_, k) => out(k))),
    ] as unknown as uPlot.AlignedData;
  }
  // a fork's curve is each wire's fit in its window, a gap between them
  const model = fork?.length
    ? (v: number) => {
      const f = forkValue(fork, v);
      return Number.isFinite(f) ? f : null;
    }
    : ((p: GaussianParams) => (v: number) => gaussian(p, v))({
      amplitude: fit!.amplitude!,
      center: fit!.center!,
      sigma: fit!.sigma!,
      offset: fit!.offset!,
    });
  if (n >= 500) {
    const f: (number | null)[] = new Array(n);
    for (let k = 0; k < n; k++) f[k] = model(x[k]);
    return [
      x,
      kept,
      f,
      ...extra(Array.from({ length: n }, (_, k) => out(k))),
    ] as unknown as uPlot.AlignedData;
  }
  const lo = x[0];
  const hi = x[n - 1];
  const xs: number[] = [];
  const ys: (number | null)[] = [];
  const fs: (number | null)[] = [];
  const rs: (number | null)[] = [];
  let i = 0;
  for (let g = 0; g <= GRID; g++) {
    const gx = lo + ((hi - lo) * g) / GRID;
    while (i < n && x[i] <= gx) {
      xs.push(x[i]);
      ys.push(Number.isNaN(y[i]) ? null : y[i]);
      fs.push(model(x[i]));
      rs.push(out(i));
      i++;
    }
    if (xs.length === 0 || xs[xs.length - 1] !== gx) {
      xs.push(gx);
      ys.push(null);
      fs.push(model(gx));
      rs.push(null);
    }
  }
  return [xs, ys, fs, ...extra(rs)];
}

/** The profile section. */
export function ProfileChart(props: ProfileChartProps): JSX.Element {
  const { struck, iops, scan, profileShown } = props.sel;
  const [shown, setShown] = useState<
    { key: string; cols: Float32Array[] } | null
  >(null);
  const cols = shown?.cols;
  const [zoomed, setZoomed] = useState<
    { key: string; range: [number, number] } | null
  >(null);
  const [info, setInfo] = useState("");
  const charts = useRef<{ p?: uPlot | null; r?: uPlot | null }>({});
  const s = struck.value;
  const i = iops.value;
  const n = scan.value;
  const key = `${s}/${i}/${n}`;
  const zoom = zoomed?.key === key ? zoomed.range : null;
  const rangeRef = useRef<[number, number] | null>(null);
  rangeRef.current = zoom;
  const setZoom = (range: [number, number] | null) =>
    setZoomed(range ? { key, range } : null);
  // The fit of the data on screen (not of the selection, which may be
  // ahead of it while a switch loads), so a switch redraws once.
  const [ks, ki, kn] = (shown?.key ?? key).split("/");
  const fit = fitsFor(props.sel, ks, ki)?.rows.find((r) =>
    r.scan === Number(kn)
  );

  // ← and → step through the scans (unless a form control has the focus).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const scans = props.scans;
      const target = e.target as HTMLElement | null;
      if (target?.closest?.("select, input, textarea")) return;
      if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
      const at = scans.findIndex((x) => x.index === scan.peek());
      const next = scans[at + (e.key === "ArrowRight" ? 1 : -1)];
      if (next) scan.value = next.index;
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);

  // A layout effect: the fetch starts right after the render that changed
  // the choice, not a frame later.
  useLayoutEffect(() => {
    const abort = new AbortController();
    const url = profileUrl({
      scan: n,
      struck: s,
      iops: i,
      buckets: props.buckets,
      xmin: zoom?.[0],
      xmax: zoom?.[1],
    });
    fetchColumns(url, abort.signal).then((c) => {
      setShown({ key, cols: c.cols });
      setInfo(
        c.rows < c.total
          ? `${c.total} points, shown as ${c.rows} (min/max); zoom in for full resolution`
          : `${c.total} points (full resolution)`,
      );
    }).catch((e) => {
      if (!abort.signal.aborted) perf().errors.push(String(e));
    });
    return () => abort.abort();
  }, [key, zoom?.[0], zoom?.[1]]);

  const data = useMemo(
    () => cols ? withFit(cols[0], cols[1], fit, cols[3]) : null,
    [cols, fit],
  );
  const resid = useMemo(
    () => cols ? [cols[0], cols[2]] as unknown as uPlot.AlignedData : null,
    [cols],
  );

  const info0 = props.scans.find((x) => x.index === n);
  const units = props.units[s] ?? "";
  const xUnits = props.units[i] ?? "mm";
  const range = (_u: uPlot, min: number, max: number): uPlot.Range.MinMax =>
    rangeRef.current ?? [min, max];
  const title = `${props.file} ${info0?.name ?? ""} ${s} vs ${i}`;
  const onDraw = (u: uPlot) => {
    const rows = u.data[0]?.length ?? 0;
    if (rows === 0) return;
    const marks = perf();
    const t = performance.now();
    marks.firstProfile ??= t;
    const [ds, di, dn] = (shown?.key ?? "").split("/");
    marks.lastProfile = { t, struck: ds, iops: di, scan: Number(dn), rows };
    if (shown) profileShown.value = shown.key;
  };
  return (
    <div>
      <div class="tabs" role="tablist">
        {props.scans.map((x) => (
          <button
            type="button"
            role="tab"
            class={`tab status-${x.status}${x.index === n ? " active" : ""}`}
            aria-selected={x.index === n}
            data-scan={x.index}
            title={`${x.name}: ${x.status}, ${x.direction}`}
            onClick={() => scan.value = x.index}
          >
            {x.name}
            {x.status !== "completed" && (
              <span class="badge">{x.status.toUpperCase()}</span>
            )}
          </button>
        ))}
      </div>
      {info0 && info0.status !== "completed" && (
        <p class={`warning status-${info0.status}`} id="scan-status">
          {info0.name} {info0.status}: its data ends where the scan stopped.
        </p>
      )}
      <p class="chart-title" id="profile-title">
        {info0?.name} · {s} vs {i}
      </p>
      <UPlotChart
        name="profile"
        height={300}
        optionsKey={`${units}/${xUnits}/${cols?.length === 4}`}
        data={data}
        onDraw={onDraw}
        onZoom={setZoom}
        onChart={(u) => charts.current.p = u}
        options={() => ({
          scales: { x: { time: false, range } },
          cursor: { sync: { key: "profile" } },
          axes: [
            { label: `position [${xUnits}]` },
            { label: `signal [${units}]` },
          ],
          series: [
            { label: `position [${xUnits}]` },
            {
              label: "signal",
              stroke: "#0072b2",
              spanGaps: true,
              points: { show: (u: uPlot) => (u.data[0]?.length ?? 0) < 600 },
            },
            {
              label: "fit",
              stroke: "#d55e00",
              width: 2,
              points: { show: false },
            },
            ...(cols?.length === 4
              ? [{
                label: "left out of the fit",
                stroke: "#9aa3ad",
                width: 0,
                points: { show: true, size: 7, fill: "#d8dde3" },
              }]
              : []),
          ],
        })}
      />
      <UPlotChart
        name="residuals"
        height={120}
        optionsKey={`${xUnits}`}
        data={resid}
        onZoom={setZoom}
        onChart={(u) => charts.current.r = u}
        options={() => ({
          scales: { x: { time: false, range } },
          cursor: { sync: { key: "profile" } },
          axes: [{}, { label: "residual" }],
          series: [
            { label: `position [${xUnits}]` },
            { label: "residual", stroke: "#555", points: { show: false } },
          ],
        })}
      />
      <p class="hint">
        <span id="profile-info">{info}</span>{" "}
        · drag to zoom, double-click to zoom out, ← → change scan{" "}
        <PngButton
          id="png-profile"
          chart={() => charts.current.p}
          file={props.file}
          suffix={`${info0?.name}_${s}`}
          title={title}
        />
      </p>
    </div>
  );
}
