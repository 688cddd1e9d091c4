/**
 * Island: the struck and IOPS channel switches, and the CSV export of the
 * shown profile. Switching only changes signals; every chart follows.
 *
 * @module
 */
import type { JSX } from "preact";
import { iops, page, perf, query, scan, struck } from "./shared/state.ts";

/** The toolbar. */
export function ChannelPicker(): JSX.Element {
  const state = page.value;
  if (!state) return <div />;
  const csv = `/api/export.csv?${
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
          {state.struckChannels.map((c) => (
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
          {state.iopsChannels.map((c) => <option key={c} value={c}>{c}
          </option>)}
        </select>
      </label>
      <a id="export-csv" class="button" href={csv} download>
        Export CSV
      </a>
    </div>
  );
}
