/**
 * Island: the list of scans of the data directory, newest first, with its
 * search (time range, scanner, user, comment, status), paging, CSV and PNG
 * export, and a box per row to pick the scan for the overlay. A file's
 * name opens it in the file view. Rendered on the server with the first
 * page, so the list is there before any script runs.
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { perf } from "./shared/state.ts";
import {
  fetchJson,
  type HistoryProps,
  localTime,
  togglePick,
} from "./shared/history_state.ts";
import {
  type HistoryRow,
  type HistorySearch,
  searchFrom,
  searchQuery,
} from "./shared/history_types.ts";
import { download } from "./shared/uplot_chart.tsx";

/** Props of {@link HistoryList}. */
export interface HistoryListProps extends HistoryProps {
  /** The first page of the list (of the initial search). */
  rows: HistoryRow[];
  /** Rows per page. */
  limit: number;
  scanners: number[];
  /** The data directory (for the reference command). */
  dir: string;
  /** File name of the scanner's reference, or "". */
  reference: string;
}

const STATUSES = ["completed", "aborted", "error", "running"];

/**
 * Rows the server draws (more than the box shows at once); the rest of the
 * page of rows follows right after hydration, so the first paint is quick.
 */
const FIRST_ROWS = 40;

/** The list's columns: heading and cell text. */
const COLUMNS: [string, (r: HistoryRow) => string][] = [
  ["start", (r) => localTime(r.start)],
  ["scanner", (r) => String(r.scanner)],
  ["file", (r) => r.name],
  ["status", (r) => r.status],
  ["reps", (r) => String(r.repetitions)],
  ["mode", (r) => r.mode],
  ["user", (r) => r.user],
  ["comment", (r) => r.comment],
];

/** The list drawn on a canvas, with a caption, saved as PNG. */
function savePng(rows: HistoryRow[], title: string): void {
  const dpr = devicePixelRatio || 1;
  const font = 13;
  const lineH = 20;
  const measure = document.createElement("canvas").getContext("2d")!;
  measure.font = `${font}px sans-serif`;
  const cells = rows.map((r) => COLUMNS.map(([, f]) => f(r)));
  const widths = COLUMNS.map(([h], c) =>
    Math.min(
      360,
      Math.max(
        measure.measureText(h).width,
        ...cells.map((row) => measure.measureText(row[c]).width),
      ),
    ) + 16
  );
  const width = widths.reduce((a, b) => a + b, 20);
  const height = lineH * (rows.length + 3);
  const canvas = document.createElement("canvas");
  canvas.width = Math.ceil(width * dpr);
  canvas.height = Math.ceil(height * dpr);
  const ctx = canvas.getContext("2d")!;
  ctx.scale(dpr, dpr);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = "#222";
  ctx.font = `bold ${font + 1}px sans-serif`;
  ctx.fillText(title, 10, lineH);
  const row = (texts: string[], y: number, bold: boolean) => {
    ctx.font = `${bold ? "bold " : ""}${font}px sans-serif`;
    let x = 10;
    texts.forEach((t, c) => {
      ctx.save();
      ctx.beginPath();
      ctx.rect(x, y - lineH, widths[c] - 8, lineH + 4);
      ctx.clip();
      ctx.fillText(t, x, y);
      ctx.restore();
      x += widths[c];
    });
  };
  row(COLUMNS.map(([h]) => h), lineH * 2.3, true);
  cells.forEach((texts, k) => row(texts, lineH * (k + 3.3), false));
  canvas.toBlob(
    (blob) => blob && download("fws_history_list.png", blob),
    "image/png",
  );
}

/** The search form and the list. */
export function HistoryList(props: HistoryListProps): JSX.Element {
  const { hs } = props;
  const search = hs.search.value;
  const picks = hs.picks.value;
  const [rows, setRows] = useState(props.rows);
  const [more, setMore] = useState(props.rows.length === props.limit);
  const [error, setError] = useState("");
  const shown = useRef(search);
  // hydrated: every row of the page, and the date pickers (the server
  // draws text boxes: the pickers cost the first paint tens of ms)
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const drawn = hydrated ? rows.length : FIRST_ROWS;
  const dateType = hydrated ? "datetime-local" : "text";
  // the reference command for the scan ticked last
  const ticked = [...picks].reverse().find((p) =>
    rows.some((r) => r.name === p)
  );

  const load = (s: HistorySearch, offset: number) => {
    const started = performance.now();
    return fetchJson<{ rows: HistoryRow[] }>(
      `/history/api/scans?${searchQuery(s, { limit: props.limit, offset })}`,
    ).then((r) => {
      setError("");
      setRows((old) => offset === 0 ? r.rows : [...old, ...r.rows]);
      setMore(r.rows.length === props.limit);
      perf().historyList = {
        ms: performance.now() - started,
        rows: r.rows.length,
      };
    }).catch((e) => setError(String(e.message ?? e)));
  };

  useEffect(() => {
    if (shown.current === search) return;
    shown.current = search;
    history.replaceState(null, "", `/history?${searchQuery(search)}`);
    load(search, 0);
  }, [search]);

  const onSubmit = (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    hs.search.value = searchFrom((k) => f.get(k)?.toString());
  };

  return (
    <div>
      <form id="history-search" class="search" onSubmit={onSubmit}>
        {(["from", "to"] as const).map((k) => (
          <label key={k}>
            {k}{" "}
            <input
              type={dateType}
              name={k}
              placeholder="YYYY-MM-DDTHH:MM"
              value={search[k]}
            />
          </label>
        ))}
        <label>
          scanner{" "}
          <select name="scanner" value={search.scanner}>
            <option value="">all</option>
            {props.scanners.map((n) => (
              <option key={n} value={String(n)}>{n}</option>
            ))}
          </select>
        </label>
        <label>
          user <input name="user" size={10} value={search.user} />
        </label>
        <label>
          comment <input name="comment" size={14} value={search.comment} />
        </label>
        <label>
          status{" "}
          <select name="status" value={search.status}>
            <option value="">all</option>
            {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <button type="submit" id="history-go">Search</button>
        <a
          class="button"
          id="csv-list"
          href={`/history/api/scans.csv?${searchQuery(search)}`}
          download
        >
          CSV
        </a>
        <button
          type="button"
          id="png-list"
          onClick={() =>
            savePng(rows, `fws history — ${rows.length} scans, newest first`)}
        >
          Save PNG
        </button>
      </form>
      {error && <p class="warning" id="history-error">{error}</p>}
      <p class="note" id="reference-command">
        {ticked
          ? (
            <>
              To mark {ticked}{" "}
              as the scanner's reference (the page cannot write), run:{" "}
              <code>
                fws index {props.dir} --reference {props.dir}/{ticked}
              </code>
            </>
          )
          : "Tick a scan to overlay its profiles below (and to see how to mark it as the scanner's reference)."}
      </p>
      <div class="history-rows">
        <table class="history" data-rows={rows.length}>
          <thead>
            <tr>
              <th title="overlay">⊕</th>
              {COLUMNS.map(([h]) => <th key={h}>{h}</th>)}
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, drawn).map((r, k) => (
              <tr key={r.name} data-file={r.name}>
                <td>
                  <input
                    type="checkbox"
                    title={`overlay the profiles of ${r.name}`}
                    checked={picks.includes(r.name)}
                    onChange={() =>
                      togglePick(hs, r.name)}
                  />
                </td>
                <td>{localTime(r.start)}</td>
                <td>{r.scanner}</td>
                <td>
                  <a
                    href={`/history/file/${encodeURIComponent(r.name)}/`}
                    // the bench times the list's first paint by this mark
                    elementtiming={k === 0 ? "history-list" : undefined}
                  >
                    {r.name}
                  </a>
                  {r.name === props.reference && (
                    <span class="badge ref" title="the scanner's reference">
                      reference
                    </span>
                  )}
                  {r.testMode && <span class="badge">test</span>}
                </td>
                <td>
                  <span
                    class={`status status-${r.status}`}
                    title={r.message}
                  >
                    {r.status}
                  </span>
                </td>
                <td>{r.repetitions}</td>
                <td>
                  {r.mode}
                  {r.wires > 1 ? ` (${r.wires} wires)` : ""}
                </td>
                <td>{r.user}</td>
                <td class="comment">{r.comment}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length === 0 && <p class="note">No scan matches this search.</p>}
      {more && (
        <button
          type="button"
          id="history-more"
          onClick={() => load(search, rows.length)}
        >
          More
        </button>
      )}
    </div>
  );
}
