/**
 * Renders a route's page component on the server, as Fresh does: each
 * `<Island>` in it is rendered with its props inside
 * `<div data-island="Name" data-props="k">`, and the props of all of them
 * are serialised into the page (`<script id="fws-islands">`) for `boot.ts`
 * to hydrate with.
 *
 * @module
 */
import { createContext, type FunctionComponent, type JSX } from "preact";
import { useContext } from "preact/hooks";
import { renderToString } from "preact-render-to-string";
import {
  type IslandEntry,
  type IslandName,
  type IslandPropsOf,
  ISLANDS,
  serializeIslands,
} from "../../islands/mod.ts";
import type { PageResponse, RouteContext, RouteModule } from "./context.ts";

const Rendered = createContext<IslandEntry[] | null>(null);

/** An island, rendered on the server with `props` and recorded for hydration. */
export function Island<N extends IslandName>(
  props: { name: N; props: IslandPropsOf<N> },
): JSX.Element {
  const rendered = useContext(Rendered);
  if (!rendered) {
    throw new Error(`island ${props.name}: expected to render inside a page`);
  }
  const index = rendered.push({ name: props.name, props: props.props }) - 1;
  const C = ISLANDS[props.name] as FunctionComponent<IslandPropsOf<N>>;
  return (
    <div data-island={props.name} data-props={index}>
      <C {...props.props} />
    </div>
  );
}

/** The HTML response of `Page` for the handler's page data. */
export function renderPage(
  Page: NonNullable<RouteModule["Page"]>,
  res: PageResponse<unknown>,
  ctx: RouteContext,
): Response {
  const rendered: IslandEntry[] = [];
  const body = renderToString(
    <Rendered.Provider value={rendered}>
      <Page data={res.data} ctx={ctx} />
    </Rendered.Provider>,
  );
  const script = `<script type="application/json" id="fws-islands">${
    serializeIslands(rendered)
  }</script>`;
  const at = body.lastIndexOf("</body>");
  const html = "<!DOCTYPE html>" +
    (at < 0 ? body + script : body.slice(0, at) + script + body.slice(at));
  const headers = new Headers(res.headers);
  headers.set("content-type", "text/html; charset=utf-8");
  return new Response(html, { headers });
}
