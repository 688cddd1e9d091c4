/**
 * Island: the raw waveforms of the chosen scan (the struck channel and the
 * IOPS channel, flattened row-major, against sample index), min/max
 * decimated, full resolution when zoomed in.
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
import { PngButton, UPlotChart } from "./shared/uplot_chart.tsx";

/** Props of {@link RawWaveforms}. */
export interface RawWaveformsProps extends IslandProps {
  /** Base name of the file (PNG names and titles). */
  file: string;
  /** Units of each channel, by name. */
  units: Record<string, string>;
  /** Bucket count of the raw waveforms' min/max decimation. */
  buckets: number;
  /** Whether the file has IOPS channels (else only the struck trace). */
  hasIops: boolean;
}

function RawTrace(
  props: Omit<RawWaveformsProps, "hasIops"> & {
    group: "struck" | "iops";
    channel: string;
    scan: number;
    color: string;
  },
): JSX.Element {
  const key = `${props.group}/${props.channel}/${props.scan}`;
  const [zoomed, setZoomed] = useState<
    { key: string; range: [number, number] } | null
  >(null);
  const [data, setData] = useState<uPlot.AlignedData | null>(null);
  const [info, setInfo] = useState("");
  const chart = useRef<uPlot | null>(null);
  const zoom = zoomed?.key === key ? zoomed.range : null;
  const ready = profileReady(
    props.sel,
    props.sel.struck.value,
    props.sel.iops.value,
  );
  useEffect(() => {
    if (!ready) return;
    const abort = new AbortController();
    const url = `api/raw?${
      query({
        scan: props.scan,
        group: props.group,
        channel: props.channel,
        buckets: props.buckets,
        from: zoom?.[0],
        to: zoom?.[1],
      })
    }`;
    fetchColumns(url, abort.signal).then((c) => {
      setData(c.cols as unknown as uPlot.AlignedData);
      setInfo(
        `shape ${c.headers.get("x-shape")}, ${c.total} samples` +
          (c.rows < c.total ? `, shown as ${c.rows} (min/max)` : ""),
      );
    }).catch((e) => {
      if (!abort.signal.aborted) perf().errors.push(String(e));
    });
    return () => abort.abort();
  }, [key, ready, zoom?.[0], zoom?.[1]]);
  const units = props.units[props.channel] ?? "";
  return (
    <div>
      <UPlotChart
        name={`raw-${props.group}`}
        height={160}
        optionsKey={`${props.group}/${units}`}
        data={data}
        onZoom={(r) => setZoomed(r ? { key, range: r } : null)}
        onChart={(u) => chart.current = u}
        options={() => ({
          scales: { x: { time: false } },
          axes: [{ label: "sample" }, {
            label: `${
              props.group === "struck" ? "signal" : "position"
            } [${units}]`,
            size: 60,
          }],
          series: [
            { label: "sample" },
            {
              label: props.group,
              stroke: props.color,
              points: { show: false },
            },
          ],
        })}
      />
      <p class="hint">
        {props.channel}: {info}{" "}
        <PngButton
          id={`png-raw-${props.group}`}
          chart={() => chart.current}
          file={props.file}
          suffix={`scan_${props.scan}_raw_${props.channel}`}
          title={`${props.file} scan ${props.scan} raw ${props.channel}`}
        />
      </p>
    </div>
  );
}

/** The raw waveform section. */
export function RawWaveforms(props: RawWaveformsProps): JSX.Element {
  const { hasIops, ...common } = props;
  const { struck, iops, scan } = props.sel;
  return (
    <div>
      <RawTrace
        {...common}
        group="struck"
        channel={struck.value}
        scan={scan.value}
        color="#0072b2"
      />
      {hasIops && (
        <RawTrace
          {...common}
          group="iops"
          channel={iops.value}
          scan={scan.value}
          color="#009e73"
        />
      )}
    </div>
  );
}
