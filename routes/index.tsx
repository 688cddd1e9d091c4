/**
 * `GET /` — the page, rendered on the server: the file header, then each
 * island rendered inside `<div data-island="Name">` for hydration, the
 * serialized page state, and the bundled islands.
 *
 * @module
 */
import type { FunctionComponent, JSX } from "preact";
import { renderToString } from "preact-render-to-string";
import { initState, ISLANDS, type PageState } from "../islands/mod.ts";
import { profileUrl } from "../islands/shared/state.ts";
import { FileHeader } from "./_components/file_header.tsx";
import type { RouteContext } from "./_lib/context.ts";

function Island(props: { name: keyof typeof ISLANDS & string }): JSX.Element {
  const C: FunctionComponent = ISLANDS[props.name];
  return (
    <div data-island={props.name}>
      <C />
    </div>
  );
}

function Page(
  props: { ctx: RouteContext; state: PageState },
): JSX.Element {
  const { data } = props.ctx;
  const json = JSON.stringify(props.state).replace(/</g, "\\u003c");
  const first = props.state.scans[0]?.index;
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
              struck: props.state.struck,
              iops: props.state.iops,
              buckets: props.state.buckets.profile,
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
        <Island name="ChannelPicker" />
        <main>
          <section id="profile">
            <h2>Profile and fit</h2>
            <Island name="ProfileChart" />
          </section>
          <section id="fits">
            <h2>Fit results</h2>
            <Island name="FitTable" />
          </section>
          <section id="overlay">
            <h2>All scans</h2>
            <Island name="OverlayChart" />
          </section>
          <section id="trend">
            <h2>Centre and sigma over the scans</h2>
            <Island name="TrendChart" />
          </section>
          <section id="raw">
            <h2>Raw waveforms</h2>
            <Island name="RawWaveforms" />
          </section>
        </main>
        <footer>
          served by fws plot on loopback; read-only (no write permission)
        </footer>
        <script
          type="application/json"
          id="fws-state"
          dangerouslySetInnerHTML={{ __html: json }}
        />
        <script type="module" src="/static/islands/bundle.js" />
      </body>
    </html>
  );
}

/** The handler. */
export function indexRoute(ctx: RouteContext): Response {
  const state = ctx.data.pageState(
    ctx.data.initialStruck,
    ctx.data.initialIops,
  );
  initState(state); // signals read by the islands while rendering (synchronous)
  const html = "<!DOCTYPE html>" +
    renderToString(<Page ctx={ctx} state={state} />);
  return new Response(html, {
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "content-security-policy":
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    },
  });
}
