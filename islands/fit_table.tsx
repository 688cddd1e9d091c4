/**
 * Island: the fit table of the chosen channel pair — centre, sigma,
 * amplitude, offset with standard errors, reduced χ² and FWHM per scan, and
 * mean ± std over the successful fits. Rendered on the server too.
 *
 * @module
 */
import type { JSX } from "preact";
import type { IslandProps } from "./shared/state.ts";
import { fmt, pm } from "./shared/format.ts";
import { FIT_COLUMNS } from "./shared/types.ts";

/** Props of {@link FitTable}. */
export interface FitTableProps extends IslandProps {
  /** Units of each channel, by name. */
  units: Record<string, string>;
  /** Element id of the table (default `fit-table`; its summary row is
   * `fit-summary`, else `<id>-summary`). */
  id?: string;
}

/** The table. */
export function FitTable(props: FitTableProps): JSX.Element {
  const { struck, iops, scan } = props.sel;
  const f = props.sel.fits.value;
  const stale = f.struck !== struck.value || f.iops !== iops.value;
  const xu = props.units[f.iops] ?? "mm";
  const yu = props.units[f.struck] ?? "";
  const unit = (f: (typeof FIT_COLUMNS)[number]) =>
    f.unit === "x" ? xu : f.unit === "y" ? yu : "";
  const id = props.id ?? "fit-table";
  // files with σ's error budget get its floor as a column
  const budgets = f.rows.some((r) => r.budget);
  // requests that fitted more than the Gaussian name the chosen model
  const models = f.rows.some((r) => r.model);
  return (
    <table
      id={id}
      class={stale ? "fits stale" : "fits"}
      data-struck={f.struck}
      data-iops={f.iops}
    >
      <thead>
        <tr>
          <th>scan</th>
          {FIT_COLUMNS.map((c) => (
            <th>
              {c.label}
              {unit(c) && <small>[{unit(c)}]</small>}
            </th>
          ))}
          {models && (
            <th title="the profile model the data support best (AICc); the table's values are the Gaussian's">
              model
            </th>
          )}
          {budgets && (
            <th title="the smallest σ the scan can tell: fit error, wire size, position noise, sampling">
              σ floor<small>[{xu}]</small>
            </th>
          )}
          <th>points</th>
          <th>fit</th>
        </tr>
      </thead>
      <tbody>
        {f.rows.map((r) => (
          <tr
            class={`status-${r.status}${
              r.scan === scan.value ? " active" : ""
            }`}
            data-scan={r.scan}
            onClick={() => scan.value = r.scan}
          >
            <td>
              {r.name}
              {r.status !== "completed" && (
                <span class="badge">{r.status.toUpperCase()}</span>
              )}
            </td>
            {FIT_COLUMNS.map(({ key: k, err: e }) => (
              <td
                data-key={k}
                data-value={r[k] ?? ""}
                data-err={e ? r[e] ?? "" : ""}
              >
                {r.ok ? (e ? pm(r[k], r[e]) : fmt(r[k])) : "–"}
              </td>
            ))}
            {models && (
              <td
                data-key="model"
                data-value={r.model?.name ?? ""}
                title={r.model?.deltaAicc !== null && r.model
                  ? `runner-up ΔAICc ${fmt(r.model.deltaAicc, 3)}`
                  : ""}
              >
                {r.model?.name ?? "–"}
              </td>
            )}
            {budgets && (
              <td
                data-key="sigmaFloor"
                data-value={r.budget?.floor ?? ""}
                title={r.budget
                  ? `statistical ${fmt(r.budget.statistical)}, wire ${
                    fmt(r.budget.wire)
                  }, readout ${fmt(r.budget.readout)}, sampling ${
                    fmt(r.budget.sampling)
                  } (${fmt(r.budget.pointsPerSigma, 3)} points per σ)`
                  : ""}
                class={r.budget?.belowFloor ? "failed" : ""}
              >
                {r.budget ? fmt(r.budget.floor) : "–"}
                {r.budget?.belowFloor && (
                  <span class="badge">σ BELOW FLOOR</span>
                )}
              </td>
            )}
            <td>
              {r.nPoints}
              {r.rejected
                ? <small title="left out of the fit">(−{r.rejected})</small>
                : ""}
            </td>
            <td title={r.message} class={r.ok ? "ok" : "failed"}>
              {r.ok ? "ok" : "failed"}
              {r.source === "refit" && <small>(refit on {r.iopsChannel})
              </small>}
            </td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr id={id === "fit-table" ? "fit-summary" : `${id}-summary`}>
          <th>mean ± std</th>
          {FIT_COLUMNS.map(({ key: k }) => {
            const s = f.summary[k];
            return (
              <td
                data-key={k}
                data-mean={s?.mean ?? ""}
                data-std={s?.std ?? ""}
              >
                {s ? pm(s.mean, s.std) : "–"}
              </td>
            );
          })}
          {models && <td />}
          {budgets && <td />}
          <td colSpan={2}>n = {f.summary.center?.n ?? 0}</td>
        </tr>
      </tfoot>
    </table>
  );
}
