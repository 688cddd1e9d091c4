/**
 * The islands by name: the server renders each inside
 * `<div data-island="Name">`, and `boot.ts` hydrates the same names in the
 * browser.
 *
 * @module
 */
import type { FunctionComponent } from "preact";
import { ChannelPicker } from "./channel_picker.tsx";
import { FitTable } from "./fit_table.tsx";
import { OverlayChart } from "./overlay_chart.tsx";
import { ProfileChart } from "./profile_chart.tsx";
import { RawWaveforms } from "./raw_waveforms.tsx";
import { TrendChart } from "./trend_chart.tsx";

/** Island components by the name used in `data-island`. */
export const ISLANDS: Record<string, FunctionComponent> = {
  ChannelPicker,
  ProfileChart,
  FitTable,
  OverlayChart,
  TrendChart,
  RawWaveforms,
};
export { initState } from "./shared/state.ts";
export type { PageState } from "./shared/types.ts";
