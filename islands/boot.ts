/**
 * The browser entry point (bundled to `static/islands/bundle.js` by
 * `tools/bundle_islands.ts`): reads the state the server serialized into the
 * page and hydrates every `<div data-island="Name">`. The toolbar and the
 * profile are hydrated at once; the other islands (already visible as
 * server-rendered HTML) once the first profile is drawn, so nothing competes
 * with it for the main thread.
 *
 * @module
 */
import "uplot/dist/uPlot.min.css";
import { effect } from "@preact/signals";
import { h, hydrate } from "preact";
import { ISLANDS } from "./mod.ts";
import { initState, perf, profileShown, startFitSync } from "./shared/state.ts";
import type { PageState } from "./shared/types.ts";

/** Islands hydrated before the first profile is drawn. */
const FIRST = new Set(["ChannelPicker", "ProfileChart"]);

function hydrateAll(first: boolean): void {
  for (const el of document.querySelectorAll<HTMLElement>("[data-island]")) {
    const name = el.dataset.island ?? "";
    if (FIRST.has(name) !== first) continue;
    const island = ISLANDS[name];
    if (island) hydrate(h(island, {}), el);
  }
}

addEventListener("error", (e) => perf().errors.push(String(e.message)));
const script = document.getElementById("fws-state");
if (script?.textContent) {
  initState(JSON.parse(script.textContent) as PageState);
  startFitSync();
  hydrateAll(true);
  let rest = false;
  const later = () => {
    if (rest) return;
    rest = true;
    hydrateAll(false);
  };
  const stop = effect(() => {
    if (profileShown.value) setTimeout(later, 0);
  });
  // A file whose first profile cannot be drawn still gets its other islands.
  setTimeout(() => {
    later();
    stop();
  }, 3000);
}
