/**
 * The islands by name: the server renders each inside
 * `<div data-island="Name">` with its props, and `boot.ts` hydrates the same
 * names with the same props in the browser.
 *
 * @module
 */
import { ChannelPicker } from "./channel_picker.tsx";
import { FitTable } from "./fit_table.tsx";
import { HistoryList } from "./history_list.tsx";
import { HistoryOverlay } from "./history_overlay.tsx";
import { HistoryTrend } from "./history_trend.tsx";
import { ForkPanels } from "./fork_panels.tsx";
import { LiveView } from "./live_view.tsx";
import { ModelPanel } from "./model_panel.tsx";
import { OverlayChart } from "./overlay_chart.tsx";
import { ProfileChart } from "./profile_chart.tsx";
import { RawWaveforms } from "./raw_waveforms.tsx";
import { TrendChart } from "./trend_chart.tsx";

/** Island components by the name used in `data-island`. */
export const ISLANDS = {
  ChannelPicker,
  ProfileChart,
  FitTable,
  OverlayChart,
  TrendChart,
  RawWaveforms,
  LiveView,
  ForkPanels,
  ModelPanel,
  HistoryList,
  HistoryTrend,
  HistoryOverlay,
};

/** The name of an island. */
export type IslandName = keyof typeof ISLANDS;

/** The props of island `N`. */
export type IslandPropsOf<N extends IslandName> = Parameters<
  typeof ISLANDS[N]
>[0];

export {
  createSelection,
  type IslandProps,
  profileUrl,
  type Selection,
} from "./shared/state.ts";
export {
  deserializeIslands,
  type IslandEntry,
  serializeIslands,
} from "./shared/props.ts";
export type { PageState } from "./shared/types.ts";
export { createHistorySelection } from "./shared/history_state.ts";
export type { HistoryState } from "./shared/history_types.ts";
