/**
 * The browser entry point (bundled to `static/islands/bundle.js` by
 * `tools/bundle_islands.ts`): reads the island props the server serialised
 * into the page and hydrates every `<div data-island="Name" data-props="k">`
 * with them. The toolbar and the profile are hydrated at once; the other
 * islands (already visible as server-rendered HTML) once the first profile
 * is drawn, so nothing competes with it for the main thread.
 *
 * @module
 */
import "uplot/dist/uPlot.min.css";
import { effect } from "@preact/signals";
import { type FunctionComponent, h, hydrate } from "preact";
import { deserializeIslands, type IslandEntry, ISLANDS } from "./mod.ts";
import { type IslandProps, perf, startFitSync } from "./shared/state.ts";

/** Islands hydrated before the first profile is drawn. */
const FIRST = new Set(["LiveView", "ChannelPicker", "ProfileChart"]);

function hydrateAll(islands: IslandEntry[], first: boolean): void {
  for (const el of document.querySelectorAll<HTMLElement>("[data-island]")) {
    const name = el.dataset.island ?? "";
    if (FIRST.has(name) !== first) continue;
    const island = (ISLANDS as Record<string, FunctionComponent<never>>)[name];
    const entry = islands[Number(el.dataset.props)];
    if (island && entry?.name === name) {
      hydrate(h(island, entry.props as never), el);
    }
  }
}

addEventListener("error", (e) => perf().errors.push(String(e.message)));
const script = document.getElementById("fws-islands");
if (script?.textContent) {
  const islands = deserializeIslands(script.textContent);
  // Every island of the file holds the page's one selection (the live view
  // has its own, or the page has no file yet).
  const sel = (islands.find((i) => "sel" in i.props)?.props as
    | IslandProps
    | undefined)?.sel;
  if (sel) startFitSync(sel);
  hydrateAll(islands, true);
  let rest = false;
  const later = () => {
    if (rest) return;
    rest = true;
    hydrateAll(islands, false);
  };
  // A page without a file's selection (history, live before its file) has
  // no profile to wait for: its islands are hydrated once the server's HTML
  // has been painted, so the first paint does not wait for them.
  if (!sel) requestAnimationFrame(() => setTimeout(later, 0));
  const stop = effect(() => {
    if (sel?.profileShown.value) setTimeout(later, 0);
  });
  // A file whose first profile cannot be drawn still gets its other islands.
  setTimeout(() => {
    later();
    stop();
  }, 3000);
}
