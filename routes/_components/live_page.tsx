/**
 * Server-only component: the live page of `fws plot --live` — the
 * `LiveView` island with the followed scanner's state as its props, then,
 * once the last request's file is loaded, the same file page as
 * `fws plot <file>` below it.
 *
 * @module
 */
import type { JSX } from "preact";
import type { PageState } from "../../islands/mod.ts";
import type { RouteContext } from "../_lib/context.ts";
import { Island } from "../_lib/render.tsx";
import { FileBody, PageHead } from "./file_page.tsx";

/** The live page. */
export function LivePage(
  props: { state: PageState | null; ctx: RouteContext },
): JSX.Element {
  const live = props.ctx.live!;
  const snapshot = live.snapshot();
  const nn = String(live.scannerIndex).padStart(2, "0");
  const state = props.state;
  return (
    <html lang="en">
      <PageHead
        title={`fws plot --live — FWS${nn}`}
        state={state ?? undefined}
      />
      <body>
        <Island
          name="LiveView"
          props={{
            scannerIndex: live.scannerIndex,
            struck: live.struck,
            snapshot,
            shownFile: state ? props.ctx.data.file : null,
          }}
        />
        {state
          ? (
            <section id="last-file">
              <FileBody state={state} ctx={props.ctx} />
            </section>
          )
          : (
            <p class="hint" id="no-file">
              The finished file of a request appears here once the request ends.
            </p>
          )}
        <footer>
          served by fws plot --live on loopback, following {snapshot.prefix}
          {" "}
          over Channel Access; read-only (no write permission)
        </footer>
        <script type="module" src="/static/islands/bundle.js" />
      </body>
    </html>
  );
}
