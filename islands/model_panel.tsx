/**
 * Island: the profile models of the chosen scan and channel, when the
 * request fitted more than the Gaussian (`FIT:MODEL` AUTO or one model):
 * which model was chosen and by how much (ΔAICc), every model's parameters
 * with errors, AICc, BIC, FWHM and halo fraction, and their curves over the
 * profile's points on demand (the chosen one and the Gaussian at first).
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type uPlot from "uplot";
import { fmt, pm } from "./shared/format.ts";
import { type IslandProps, perf, query } from "./shared/state.ts";
import type { ModelsPayload } from "./shared/model_types.ts";
import { PngButton, seriesColor, UPlotChart } from "./shared/uplot_chart.tsx";

/** Props of {@link ModelPanel}. */
export interface ModelPanelProps extends IslandProps {
  /** Base name of the file (PNG names and titles). */
  file: string;
  /** Units of each channel, by name. */
  units: Record<string, string>;
}

/** Why the chosen model was chosen, in words. */
function choiceReason(data: ModelsPayload): string {
  const d = data.deltaAicc;
  if (d === null) return "";
  if (d >= 0) return ` (the runner-up's AICc is ${fmt(d, 3)} higher)`;
  const best = data.models.find((m) => m.daicc === 0);
  return ` (kept: ${best?.label ?? "another model"} has an AICc only ${
    fmt(-d, 3)
  } lower; a model replaces the Gaussian when lower by more than ${data.margin})`;
}

/** The models section. */
export function ModelPanel(props: ModelPanelProps): JSX.Element {
  const scan = props.sel.scan.value;
  const struck = props.sel.struck.value;
  const [data, setData] = useState<ModelsPayload | null>(null);
  const [error, setError] = useState("");
  const [shown, setShown] = useState<string[] | null>(null);
  const chart = useRef<uPlot | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    fetch(`api/models?${query({ scan, struck })}`, { signal: abort.signal })
      .then(async (r) => {
        if (!r.ok) throw new Error((await r.text()).trim());
        const d = await r.json() as ModelsPayload;
        setError("");
        setData(d);
        setShown((s) => s ?? [...new Set([d.chosen ?? "gauss", "gauss"])]);
      })
      .catch((e) => {
        if (abort.signal.aborted) return;
        setData(null);
        setError(String(e.message ?? e));
      });
    return () => abort.abort();
  }, [scan, struck]);

  const visible = data?.models.filter((m) => m.ok && shown?.includes(m.name)) ??
    [];
  const aligned = useMemo<uPlot.AlignedData | null>(
    () =>
      data &&
      [data.x, data.y, ...visible.map((m) => m.curve)] as uPlot.AlignedData,
    [data, visible.map((m) => m.name).join()],
  );
  useEffect(() => {
    if (data) perf().models = { scan, struck, curves: visible.length };
  }, [aligned]);
  if (!data) {
    return <p class="note" id="models-note">{error || "loading…"}</p>;
  }
  const xu = props.units[data.iops] ?? "mm";
  const yu = props.units[struck] ?? "";
  const unit = (u: string) => u === "x" ? xu : u === "y" ? yu : "";
  const chosen = data.models.find((m) => m.name === data.chosen);
  const toggle = (name: string) =>
    setShown((s) =>
      s?.includes(name) ? s.filter((n) => n !== name) : [...s ?? [], name]
    );
  return (
    <div>
      <p class="note" id="models-choice">
        Asked: {data.asked}. {chosen
          ? (
            <>
              Chosen: <b>{chosen.label}</b>
              {choiceReason(data)}.
            </>
          )
          : "No model could be fitted."} Fitted against {data.iops}.
      </p>
      <table class="fits models">
        <thead>
          <tr>
            <th>curve</th>
            <th>model</th>
            <th>ΔAICc</th>
            <th>AICc</th>
            <th>BIC</th>
            <th>parameters</th>
            <th>FWHM</th>
            <th>halo</th>
          </tr>
        </thead>
        <tbody>
          {data.models.map((m) => (
            <tr
              key={m.name}
              data-model={m.name}
              class={m.name === data.chosen ? "active" : ""}
              title={m.formula}
            >
              <td>
                <input
                  type="checkbox"
                  disabled={!m.ok}
                  checked={m.ok && (shown?.includes(m.name) ?? false)}
                  onChange={() => toggle(m.name)}
                />
              </td>
              <td>
                {m.label}
                {m.name === data.chosen ? " ★" : ""}
              </td>
              {m.ok
                ? (
                  <>
                    <td>{fmt(m.daicc, 3)}</td>
                    <td>{fmt(m.aicc)}</td>
                    <td>{fmt(m.bic)}</td>
                    <td class="params">
                      {m.params.map((p) =>
                        `${p.label} ${pm(p.value, p.err)}${
                          unit(p.unit) ? ` ${unit(p.unit)}` : ""
                        }`
                      ).join("; ")}
                    </td>
                    <td>{fmt(m.fwhm)}</td>
                    <td>
                      {m.haloFraction === null
                        ? "–"
                        : pm(m.haloFraction, m.haloFractionErr)}
                    </td>
                  </>
                )
                : <td colSpan={6} class="failed">{m.message}</td>}
            </tr>
          ))}
        </tbody>
      </table>
      <UPlotChart
        name="models"
        height={260}
        optionsKey={`${data.scan}/${struck}/${visible.map((m) => m.name)}`}
        data={aligned}
        onChart={(u) => chart.current = u}
        options={() => ({
          scales: { x: { time: false } },
          axes: [
            { label: `position ${data.iops} [${xu}]` },
            { label: `${struck} [${yu}]` },
          ],
          series: [
            { label: "position" },
            {
              label: "data",
              stroke: "#555",
              width: 0,
              points: { show: true, size: 4, fill: "#555" },
            },
            ...visible.map((m, k) => ({
              label: m.label,
              stroke: seriesColor(k),
              width: m.name === data.chosen ? 2.5 : 1.5,
              dash: m.name === data.chosen ? undefined : [6, 3],
              points: { show: false },
            })),
          ],
        })}
      />
      <PngButton
        id="png-models"
        chart={() => chart.current}
        file={props.file}
        suffix={`models_scan${data.scan}_${struck}`}
        title={`${props.file} scan ${data.scan} ${struck}: ${
          visible.map((m) => m.label).join(", ")
        }`}
      />
    </div>
  );
}
