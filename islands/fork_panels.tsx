/**
 * Island: a fork's wires in the chosen scan and channel — one small chart
 * per wire (its points against the beam coordinate, and its fit) with its
 * results, and the beam ellipse (σ_x, σ_y, σ_xy) with its error band.
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { IslandProps } from "./shared/state.ts";
import { UPlotChart } from "./shared/uplot_chart.tsx";
import {
  type EllipsePayload,
  ellipsePoints,
  type WirePanel,
  type WiresPayload,
} from "./shared/fork_types.ts";

/** Props of {@link ForkPanels}. */
export interface ForkPanelsProps extends IslandProps {
  /** Units of each channel, by name. */
  units: Record<string, string>;
}

function num(v: number | null, digits = 4): string {
  return v === null ? "—" : Number(v.toPrecision(digits)).toString();
}

function pm(v: number | null, e: number | null): string {
  return e === null ? num(v) : `${num(v)} ± ${num(e, 2)}`;
}

/** The section. */
export function ForkPanels(props: ForkPanelsProps): JSX.Element {
  const scan = props.sel.scan.value;
  const struck = props.sel.struck.value;
  const [data, setData] = useState<WiresPayload | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    let live = true;
    fetch(`api/wires?scan=${scan}&struck=${encodeURIComponent(struck)}`)
      .then(async (r) => {
        if (!r.ok) throw new Error(await r.text());
        return await r.json() as WiresPayload;
      })
      .then((d) => {
        if (!live) return;
        setData(d);
        setError("");
      }, (e) => live && setError(String((e as Error).message)));
    return () => {
      live = false;
    };
  }, [scan, struck]);
  const yu = props.units[struck] ?? "";
  return (
    <div class="fork" data-fork-scan={data?.scan ?? ""}>
      {error && <p class="error">{error}</p>}
      <div class="wires">
        {data?.wires.map((w) => <Wire key={w.wire} wire={w} units={yu} />)}
      </div>
      {data?.shape && <Ellipse shape={data.shape} />}
    </div>
  );
}

function Wire(props: { wire: WirePanel; units: string }): JSX.Element {
  const w = props.wire;
  return (
    <div class="wire" data-wire={w.wire}>
      <h3>
        {w.wire} wire ({w.angle}°)
      </h3>
      <UPlotChart
        name={`wire-${w.wire}`}
        height={180}
        optionsKey={`wire-${w.wire}`}
        data={[w.x, w.y, w.fit]}
        options={() => ({
          scales: { x: { time: false } },
          legend: { show: false },
          axes: [
            { label: "beam coordinate [mm]" },
            { label: props.units ? `signal [${props.units}]` : "signal" },
          ],
          series: [
            {},
            {
              label: "data",
              stroke: "#0072b2",
              width: 0,
              points: { show: true, size: 3 },
            },
            { label: "fit", stroke: "#d55e00", width: 2 },
          ],
        })}
      />
      <p class="wire-fit">
        {w.ok
          ? `centre ${pm(w.center, w.centerErr)} mm, σ ${
            num(w.sigma)
          } mm, σ beam ${
            pm(w.sigmaBeam, w.sigmaBeamErr)
          } mm (d ${w.diameter} mm)`
          : `fit failed: ${w.message}`}
        {w.ok && w.sigmaFloor !== null && (
          <span
            class={w.belowFloor ? "failed" : ""}
            title="σ floor: the fit's error, this wire's size, the position noise and the sampling in quadrature"
          >
            , σ floor {num(w.sigmaFloor)} mm
            {w.belowFloor && <span class="badge">σ BELOW FLOOR</span>}
          </span>
        )}
      </p>
    </div>
  );
}

/** The 1σ ellipse, and the ellipses at the ends of each error (the band). */
function Ellipse(props: { shape: EllipsePayload }): JSX.Element {
  const s = props.shape;
  if (!s.ok || s.sigmaX === null || s.sigmaY === null || s.sigmaXY === null) {
    return <p class="ellipse error">beam shape: {s.message}</p>;
  }
  const sx = s.sigmaX, sy = s.sigmaY, sxy = s.sigmaXY;
  const ex = s.sigmaXErr ?? 0, ey = s.sigmaYErr ?? 0, exy = s.sigmaXYErr ?? 0;
  const band: { x: number[]; y: number[] }[] = [];
  for (const dx of [-ex, ex]) {
    for (const dy of [-ey, ey]) {
      for (const dxy of [-exy, exy]) {
        const a = (sx + dx) ** 2, b = (sy + dy) ** 2, c = sxy + dxy;
        if (a > 0 && b > 0 && c * c < a * b) band.push(ellipsePoints(a, b, c));
      }
    }
  }
  const nominal = ellipsePoints(sx * sx, sy * sy, sxy);
  const reach = 1.15 *
    Math.max(
      ...[nominal, ...band].flatMap((e) => [...e.x, ...e.y].map(Math.abs)),
    );
  const path = (e: { x: number[]; y: number[] }) =>
    e.x.map((x, k) =>
      `${k ? "L" : "M"}${(x / reach).toFixed(4)} ${
        (-e.y[k] / reach).toFixed(4)
      }`
    )
      .join(" ") + " Z";
  return (
    <figure class="ellipse">
      <svg
        viewBox="-1 -1 2 2"
        width="260"
        height="260"
        role="img"
        aria-label="beam ellipse"
      >
        <line x1="-1" y1="0" x2="1" y2="0" stroke="#999" stroke-width="0.005" />
        <line x1="0" y1="-1" x2="0" y2="1" stroke="#999" stroke-width="0.005" />
        {band.map((e, k) => (
          <path
            key={k}
            d={path(e)}
            fill="none"
            stroke="#0072b2"
            stroke-opacity="0.25"
            stroke-width="0.008"
            class="band"
          />
        ))}
        <path
          d={path(nominal)}
          fill="#0072b2"
          fill-opacity="0.08"
          stroke="#0072b2"
          stroke-width="0.015"
          class="nominal"
        />
        <text x="0.95" y="-0.03" font-size="0.07" text-anchor="end">x</text>
        <text x="0.03" y="-0.9" font-size="0.07">y</text>
      </svg>
      <figcaption>
        σx {pm(s.sigmaX, s.sigmaXErr)} mm, σy {pm(s.sigmaY, s.sigmaYErr)}{" "}
        mm, σxy {pm(s.sigmaXY, s.sigmaXYErr)} mm², tilt{" "}
        {pm(s.tilt, s.tiltErr)}°, correlation{" "}
        {pm(s.correlation, s.correlationErr)}{" "}
        (1σ ellipse; faint: the ends of each error)
      </figcaption>
    </figure>
  );
}
