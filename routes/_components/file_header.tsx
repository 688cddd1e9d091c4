/**
 * Server-only component: the file header — scanner, user, comment, times,
 * status (an aborted or failed request is marked), the request's message and
 * the scan arguments. No JavaScript is shipped for it.
 *
 * @module
 */
import type { JSX } from "preact";
import type { ScanRun } from "../../lib/scan/model.ts";

/** The header. */
export function FileHeader(
  props: { run: ScanRun; file: string; scannerIndex: number },
): JSX.Element {
  const { run } = props;
  const args = Object.entries(run.scanArgs);
  return (
    <header class="file-header">
      <h1>
        {props.file}{" "}
        <span class={`status status-${run.status}`} id="run-status">
          {run.status.toUpperCase()}
        </span>
      </h1>
      {run.status !== "completed" && (
        <p class={`warning status-${run.status}`} id="run-warning">
          This request ended {run.status}
          {run.message ? `: ${run.message}` : ""}. The file holds the data
          acquired until then.
        </p>
      )}
      <dl class="facts">
        <dt>scanner</dt>
        <dd id="scanner">
          FWS{String(props.scannerIndex).padStart(2, "0")}
          {run.testMode ? " (test mode)" : ""}
        </dd>
        <dt>user</dt>
        <dd>{run.user || "–"}</dd>
        <dt>comment</dt>
        <dd>{run.comment || "–"}</dd>
        <dt>start</dt>
        <dd>{run.startTime || "–"}</dd>
        <dt>end</dt>
        <dd>{run.endTime || "–"}</dd>
        <dt>scans</dt>
        <dd>{run.scans.length}</dd>
        <dt>written by</dt>
        <dd>
          {run.source.program} {run.source.version} on {run.source.host}
        </dd>
      </dl>
      {args.length > 0 && (
        <details class="args">
          <summary>scan arguments</summary>
          <dl class="facts" id="scan-args">
            {args.map(([k, v]) => (
              <>
                <dt>{k}</dt>
                <dd>{String(v)}</dd>
              </>
            ))}
          </dl>
        </details>
      )}
    </header>
  );
}
