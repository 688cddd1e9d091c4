/**
 * `GET /` — the page, rendered on the server: the file header, then each
 * island with its props (serialised into the page for hydration), and the
 * bundled islands.
 *
 * @module
 */
import type { JSX } from "preact";
import { createSelection, type PageState, profileUrl } from "../islands/mod.ts";
import { FileHeader } from "./_components/file_header.tsx";
import { page, type RouteContext, type RouteHandlers } from "./_lib/context.ts";
import { Island } from "./_lib/render.tsx";

/** The handlers: the page state of the initial channel pair. */
export const handler: RouteHandlers = {
  GET(ctx: RouteContext) {
    return page(
      ctx.data.pageState(ctx.data.initialStruck, ctx.data.initialIops),
      {
        headers: {
          "cache-control": "no-store",
          "content-security-policy":
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'",
          "x-content-type-options": "nosniff",
          "referrer-policy": "no-referrer",
        },
      },
    );
  },
};

/** The page: the file header, then the islands, each with its props. */
export function Page(
  props: { data: PageState; ctx: RouteContext },
): JSX.Element {
  const state = props.data;
  const { data } = props.ctx;
  const first = state.scans[0]?.index;
  // One selection for the whole page: every island is handed the same one.
  const sel = createSelection(state);
  const { file, scans, units, buckets } = state;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>fws plot — {data.file}</title>
        <link rel="icon" href="data:," />
        <link rel="modulepreload" href="/static/islands/bundle.js" />
        {first && (
          <link
            rel="preload"
            as="fetch"
            crossorigin="anonymous"
            href={profileUrl({
              scan: first,
              struck: state.struck,
              iops: state.iops,
              buckets: buckets.profile,
            })}
          />
        )}
        <link rel="stylesheet" href="/static/islands/bundle.css" />
        <link rel="stylesheet" href="/static/style.css" />
      </head>
      <body>
        <FileHeader
          run={data.run}
          file={data.file}
          scannerIndex={data.scannerIndex}
        />
        <Island
          name="ChannelPicker"
          props={{
            sel,
            struckChannels: state.struckChannels,
            iopsChannels: state.iopsChannels,
          }}
        />
        <main>
          <section id="profile">
            <h2>Profile and fit</h2>
            <Island
              name="ProfileChart"
              props={{ sel, file, scans, units, buckets: buckets.profile }}
            />
          </section>
          <section id="fits">
            <h2>Fit results</h2>
            <Island name="FitTable" props={{ sel, units }} />
          </section>
          <section id="overlay">
            <h2>All scans</h2>
            <Island
              name="OverlayChart"
              props={{ sel, file, scans, units, buckets: buckets.overlay }}
            />
          </section>
          <section id="trend">
            <h2>Centre and sigma over the scans</h2>
            <Island name="TrendChart" props={{ sel, file, units }} />
          </section>
          <section id="raw">
            <h2>Raw waveforms</h2>
            <Island
              name="RawWaveforms"
              props={{
                sel,
                file,
                units,
                buckets: buckets.raw,
                hasIops: state.iopsChannels.length > 0,
              }}
            />
          </section>
        </main>
        <footer>
          served by fws plot on loopback; read-only (no write permission)
        </footer>
        <script type="module" src="/static/islands/bundle.js" />
      </body>
    </html>
  );
}
