/**
 * Island: the struck and IOPS channel switches, and the CSV export of the
 * shown profile. Switching only changes signals; every chart follows.
 *
 * @module
 */
import type { JSX } from "preact";
import { type IslandProps, perf, query } from "./shared/state.ts";

/** Props of {@link ChannelPicker}. */
export interface ChannelPickerProps extends IslandProps {
  struckChannels: string[];
  iopsChannels: string[];
}

/** The toolbar. */
export function ChannelPicker(props: ChannelPickerProps): JSX.Element {
  const { struck, iops, scan } = props.sel;
  const csv = `api/export.csv?${
    query({ scan: scan.value, struck: struck.value, iops: iops.value })
  }`;
  return (
    <div class="toolbar">
      <label>
        Detector{" "}
        <select
          id="struck"
          value={struck.value}
          onChange={(e) => {
            perf().switchStart = performance.now();
            struck.value = (e.target as HTMLSelectElement).value;
          }}
        >
          {props.struckChannels.map((c) => (
            <option key={c} value={c}>{c}</option>
          ))}
        </select>
      </label>
      <label>
        Position{" "}
        <select
          id="iops"
          value={iops.value}
          onChange={(e) => {
            perf().switchStart = performance.now();
            iops.value = (e.target as HTMLSelectElement).value;
          }}
        >
          {props.iopsChannels.map((c) => <option key={c} value={c}>{c}
          </option>)}
        </select>
      </label>
      <a id="export-csv" class="button" href={csv} download>
        Export CSV
      </a>
    </div>
  );
}
