/**
 * The browser entry point (bundled to `static/islands/bundle.js` by
 * `tools/bundle_islands.ts`): reads the state the server serialized into the
 * page, and hydrates every `<div data-island="Name">`.
 *
 * @module
 */
import "uplot/dist/uPlot.min.css";
import { h, hydrate } from "preact";
import { ISLANDS } from "./mod.ts";
import { initState, perf, startFitSync } from "./shared/state.ts";
import type { PageState } from "./shared/types.ts";

addEventListener("error", (e) => perf().errors.push(String(e.message)));
const script = document.getElementById("fws-state");
if (script?.textContent) {
  initState(JSON.parse(script.textContent) as PageState);
  startFitSync();
  for (const el of document.querySelectorAll<HTMLElement>("[data-island]")) {
    const island = ISLANDS[el.dataset.island ?? ""];
    if (island) hydrate(h(island, {}), el);
  }
}
