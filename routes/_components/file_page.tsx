/**
 * Server-only components of the page that shows one scan file: its `<head>`
 * and its body (the file header, then each island with its props). The file
 * page (`routes/index.tsx`) and the live page
 * (`routes/_components/live_page.tsx`, once the request's file is loaded)
 * render the same ones.
 *
 * @module
 */
import type { ComponentChildren, JSX } from "preact";
import {
  createSelection,
  type PageState,
  profileUrl,
} from "../../islands/mod.ts";
import type { Assets, RouteContext } from "../_lib/context.ts";
import { Island } from "../_lib/render.tsx";
import { FileHeader } from "./file_header.tsx";

/** The response headers of a page: no cache, a strict CSP. */
export const PAGE_HEADERS: Record<string, string> = {
  "cache-control": "no-store",
  "content-security-policy":
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** The `<head>`: title, the bundle, the first profile preloaded. */
export function PageHead(
  props: {
    title: string;
    state?: PageState;
    /**
     * The stylesheets inlined (no round trip before the first paint)
     * instead of linked.
     */
    inlineCss?: Assets;
    children?: ComponentChildren;
  },
): JSX.Element {
  const state = props.state;
  const first = state?.scans[0]?.index;
  return (
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{props.title}</title>
      <link rel="icon" href="data:," />
      <link rel="modulepreload" href="/static/islands/bundle.js" />
      {state && first && (
        <link
          rel="preload"
          as="fetch"
          crossorigin="anonymous"
          href={profileUrl({
            scan: first,
            struck: state.struck,
            iops: state.iops,
            buckets: state.buckets.profile,
          })}
        />
      )}
      {props.inlineCss
        ? (
          <style
            // the page's own assets, not user data
            dangerouslySetInnerHTML={{
              __html: new TextDecoder().decode(props.inlineCss.bundleCss) +
                new TextDecoder().decode(props.inlineCss.styleCss),
            }}
          />
        )
        : (
          <>
            <link rel="stylesheet" href="/static/islands/bundle.css" />
            <link rel="stylesheet" href="/static/style.css" />
          </>
        )}
      {props.children}
    </head>
  );
}

/** The file's header, channel picker and sections, each island with its props. */
export function FileBody(
  props: { state: PageState; ctx: RouteContext },
): JSX.Element {
  const state = props.state;
  const { data } = props.ctx;
  // One selection for the whole page: every island is handed the same one.
  const sel = createSelection(state);
  const { file, scans, units, buckets } = state;
  return (
    <>
      {props.ctx.history && (
        <nav class="back">
          <a href="/history">← all scans of {props.ctx.history.dir}</a>
        </nav>
      )}
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
        {(data.run.wires?.length ?? 0) > 1 && (
          <section id="fork">
            <h2>Wires of the fork</h2>
            <Island name="ForkPanels" props={{ sel, units }} />
          </section>
        )}
        <section id="fits">
          <h2>Fit results</h2>
          {(data.run.wires?.length ?? 0) > 1 && (
            <p class="note">
              This scanner's fork has several wires: the table below is one
              Gaussian over the whole stroke; each wire's fit is in "Wires of
              the fork" above.
            </p>
          )}
          <Island name="FitTable" props={{ sel, units }} />
        </section>
        {data.run.scans.some((s) => s.modelFits) && (
          <section id="models">
            <h2>Profile models</h2>
            <Island name="ModelPanel" props={{ sel, file, units }} />
          </section>
        )}
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
    </>
  );
}
