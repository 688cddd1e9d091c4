/**
 * Island: the live view of a scanner under `fws plot --live` — state,
 * message, progress, step and connection; the running repetition's profile
 * growing point by point with its fit once fitted; the request's earlier
 * repetitions as faint traces; the fit table filling in. It is fed by the
 * plot server's server-sent events (`/api/live`), never by Channel Access.
 * When the request's file has been loaded by the server the page reloads
 * once, so the file's page appears below the live view.
 *
 * Each drawn update is timed (`globalThis.__fws.live`): the Channel Access
 * time stamp and the server's receive time against the moment uPlot drew it.
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { signal } from "@preact/signals";
import uPlot from "uplot";
import type { LiveEvent, LiveRep, LiveSnapshot } from "./shared/live_events.ts";
import { LIVE_EVENT_TYPES } from "./shared/live_events.ts";
import { FitTable } from "./fit_table.tsx";
import { perf, type Selection } from "./shared/state.ts";
import type { FitsPayload } from "./shared/types.ts";
import { UPlotChart } from "./shared/uplot_chart.tsx";

/** Props of {@link LiveView}. */
export interface LiveViewProps {
  scannerIndex: number;
  /** The Struck channel shown first. */
  struck: string;
  /** The state when the page was rendered. */
  snapshot: LiveSnapshot;
  /** Base name of the file the page shows below, if any. */
  shownFile: string | null;
}

/** Milliseconds since the epoch, with the page clock's sub-ms resolution. */
function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Applies one event to the model (a copy of the server's state). */
export function applyLiveEvent(model: LiveSnapshot, ev: LiveEvent): void {
  const find = (n: number): LiveRep => {
    let rep = model.reps.find((r) => r.rep === n);
    const last = model.reps.at(-1);
    if (!rep && last && last.rep === 0) (rep = last).rep = n;
    if (!rep) {
      rep = { rep: n, direction: "forward", points: {}, fit: {} };
      model.reps.push(rep);
    }
    return rep;
  };
  switch (ev.type) {
    case "snapshot":
      Object.assign(model, ev.snapshot);
      return;
    case "status":
      model.status = ev.status;
      return;
    case "request":
      model.reps = [];
      model.fits = {};
      return;
    case "rep":
      find(ev.rep).direction = ev.direction;
      return;
    case "points": {
      const trace = find(ev.rep).points[ev.ch] ??= { x: [], y: [] };
      trace.x.splice(ev.from, trace.x.length - ev.from, ...ev.x);
      trace.y.splice(ev.from, trace.y.length - ev.from, ...ev.y);
      return;
    }
    case "fit":
      find(ev.rep).fit[ev.ch] = { x: ev.x, y: ev.y };
      return;
    case "fits":
      model.fits[ev.ch] = ev.fits;
      return;
    case "file":
      model.file = ev.file;
      return;
  }
}

/** A trace as an x-ascending table for uPlot.join. */
function table(x: number[], ys: number[][]): uPlot.AlignedData {
  const order = x.map((_, i) => i);
  let sorted = true;
  for (let i = 1; i < x.length && sorted; i++) sorted = x[i] >= x[i - 1];
  if (!sorted) order.sort((a, b) => x[a] - x[b]);
  return [order.map((i) => x[i]), ...ys.map((y) => order.map((i) => y[i]))];
}

/** The chart's data: earlier repetitions, then the running one and its fit. */
function chartData(reps: LiveRep[], ch: string): uPlot.AlignedData | null {
  const tables: uPlot.AlignedData[] = [];
  const cur = reps.at(-1);
  for (const rep of reps.slice(0, -1)) {
    const t = rep.points[ch] ?? { x: [], y: [] };
    tables.push(table(t.x, [t.y]));
  }
  const t = cur?.points[ch] ?? { x: [], y: [] };
  tables.push(table(t.x, [t.y]));
  const f = cur?.fit[ch] ?? { x: [], y: [] };
  tables.push(table(f.x, [f.y]));
  if (tables.every((tb) => tb[0].length === 0)) return null;
  return uPlot.join(tables);
}

/** The live view. */
export function LiveView(props: LiveViewProps): JSX.Element {
  const model = useRef<LiveSnapshot>(structuredClone(props.snapshot));
  const [, setVersion] = useState(0);
  const [ch, setCh] = useState(props.struck);
  const [sseUp, setSseUp] = useState(true);
  const pending = useRef<{ ca: number; recv: number } | null>(null);
  const shown = useRef(props.struck);
  shown.current = ch;
  const chartKey = useRef(0);
  // the x axis spans the request's scan range, so the profile grows into it
  const range = useRef<[number, number] | null>(null);
  // The fit table's choice: local to this island, never module-global.
  const sel = useMemo<Selection>(() => ({
    struck: signal(props.struck),
    iops: signal(""),
    scan: signal(0),
    fits: signal(props.snapshot.fits[props.struck] ?? emptyFits(ch)),
    profileShown: signal(""),
  }), []);

  useEffect(() => {
    const marks = perf();
    marks.live ??= [];
    const es = new EventSource("api/live");
    let queued = false;
    const onEvent = (e: MessageEvent<string>) => {
      const ev = JSON.parse(e.data) as LiveEvent;
      applyLiveEvent(model.current, ev);
      // the chart redraws only for what it shows
      const other = (ev.type === "points" || ev.type === "fit") &&
        ev.ch !== shown.current;
      if (ev.type === "points" || ev.type === "fit") {
        if (!other) pending.current = { ca: ev.ca, recv: ev.recv };
      }
      if (!other && ev.type !== "status" && ev.type !== "fits") {
        chartKey.current++;
      }
      const file = model.current.file;
      if (file?.readable && file.name !== props.shownFile) {
        es.close();
        location.reload();
        return;
      }
      // one render per frame of events, however many arrive
      if (!queued) {
        queued = true;
        queueMicrotask(() => {
          queued = false;
          setVersion((v) => v + 1);
        });
      }
    };
    for (const type of LIVE_EVENT_TYPES) {
      es.addEventListener(type, onEvent as EventListener);
    }
    es.onopen = () => setSseUp(true);
    es.onerror = () => setSseUp(false);
    return () => es.close();
  }, []);

  const m = model.current;
  const s = m.status;
  const cur = m.reps.at(-1);
  range.current = s.range;
  const data = useMemo(() => chartData(m.reps, ch), [chartKey.current, ch]);
  sel.struck.value = ch;
  sel.fits.value = m.fits[ch] ?? emptyFits(ch);
  sel.scan.value = cur?.rep ?? 0;
  const down = !sseUp || !s.connected || s.daemonAlive === false;
  const why = !sseUp
    ? "the plot server does not answer"
    : !s.connected
    ? s.reason
    : "the daemon's heartbeat stopped";
  const earlier = Math.max(0, m.reps.length - 1);
  const onDraw = (u: uPlot) => {
    const p = pending.current;
    if (!p) return;
    pending.current = null;
    const drawn = epochNow();
    perf().live!.push({
      drawn,
      ca: drawn - p.ca,
      recv: drawn - p.recv,
      points: u.data[0]?.length ?? 0,
    });
  };
  return (
    <section id="live" class={down ? "live down" : "live"}>
      <h1>
        FWS{String(props.scannerIndex).padStart(2, "0")} live{" "}
        <small>{m.prefix}</small>
      </h1>
      <div class="live-status">
        <span
          id="live-conn"
          class={down ? "conn conn-down" : "conn conn-ok"}
        >
          {down ? "disconnected" : "connected"}
        </span>{" "}
        <span id="live-state" class={`state state-${s.state || "unknown"}`}>
          {s.state || "…"}
        </span>{" "}
        <span id="live-rep">
          repetition {cur?.rep ?? "–"} ({cur?.direction ?? "–"})
        </span>{" "}
        <span id="live-step">step {s.step}</span>{" "}
        <progress id="live-progress" max={100} value={s.progress} />{" "}
        <span id="live-percent">{s.progress.toFixed(0)} %</span>
        <div id="live-msg">{s.message}</div>
        {down && (
          <p class="warning" id="live-reason">
            Disconnected: {why}. Waiting for it to come back…
          </p>
        )}
        {m.file && (
          <p id="live-file" class={m.file.readable ? "" : "warning"}>
            {m.file.readable
              ? `The request's file ${m.file.name} is shown below.`
              : `The request's file ${m.file.path} is not readable here (${m.file.reason}); open it where it is with fws plot.`}
          </p>
        )}
      </div>
      <label>
        channel{" "}
        <select
          id="live-channel"
          value={ch}
          onChange={(e) => setCh((e.target as HTMLSelectElement).value)}
        >
          {m.struckChannels.map((c) => <option key={c} value={c}>{c}</option>)}
        </select>
      </label>
      <p class="chart-title" id="live-title">
        {ch} · repetition {cur?.rep ?? "–"}
        {earlier > 0 && ` · ${earlier} earlier shown faint`}
      </p>
      <UPlotChart
        name="live"
        height={300}
        optionsKey={`${ch}/${earlier}`}
        data={data}
        onDraw={onDraw}
        options={() => ({
          scales: {
            x: {
              time: false,
              range: (_u: uPlot, min: number, max: number) => {
                const r = range.current;
                return r
                  ? [Math.min(r[0], min), Math.max(r[1], max)]
                  : uPlot.rangeNum(min, max, 0.1, true);
              },
            },
          },
          axes: [{ label: "position [mm]" }, { label: "signal" }],
          series: [
            { label: "position [mm]" },
            ...Array.from({ length: earlier }, (_, k) => ({
              label: `rep ${m.reps[k]?.rep}`,
              stroke: "rgba(0, 114, 178, 0.25)",
              spanGaps: true,
              points: { show: false },
            })),
            {
              label: "signal",
              stroke: "#0072b2",
              spanGaps: true,
              points: { show: true, size: 5 },
            },
            {
              label: "fit",
              stroke: "#d55e00",
              width: 2,
              spanGaps: true,
              points: { show: false },
            },
          ],
        })}
      />
      <h2>Fit results (live, from FIT:{ch}:*)</h2>
      <FitTable id="live-fit-table" sel={sel} units={{}} />
    </section>
  );
}

function emptyFits(ch: string): FitsPayload {
  return { struck: ch, iops: "", rows: [], summary: {} };
}
