/**
 * The choice the history page's islands share (signals handed to each as
 * props, as the file page does with its `Selection`): the search, the
 * channel of the trend, and the scans picked for the overlay.
 * Browser-safe.
 *
 * @module
 */
import { type Signal, signal } from "@preact/signals";
import type { HistorySearch, HistoryState } from "./history_types.ts";

/** The history page's shared choice. */
export interface HistorySelection {
  /** The list's search; the trend follows its time range and scanner. */
  search: Signal<HistorySearch>;
  /** The trend's channel, `CH` or `CH/wire` for one wire of a fork. */
  channel: Signal<string>;
  /**
   * Scans picked for the overlay: a file name (every repetition of it) or
   * `name#k` (repetition k).
   */
  picks: Signal<string[]>;
}

/** Props every history island receives. */
export interface HistoryProps {
  hs: HistorySelection;
}

/** A page's history selection, from its state. */
export function createHistorySelection(state: HistoryState): HistorySelection {
  return {
    search: signal(state.search),
    channel: signal(state.channels[0]?.channel ?? ""),
    picks: signal([]),
  };
}

/** `CH/wire` split into channel and wire ("" for the channel's own fit). */
export function channelParts(value: string): { channel: string; wire: string } {
  const at = value.indexOf("/");
  return at < 0
    ? { channel: value, wire: "" }
    : { channel: value.slice(0, at), wire: value.slice(at + 1) };
}

/** Adds `pick` to the overlay's picks, or removes it when there. */
export function togglePick(hs: HistorySelection, pick: string): void {
  const now = hs.picks.peek();
  hs.picks.value = now.includes(pick)
    ? now.filter((p) => p !== pick)
    : [...now, pick];
}

/** A time as the list shows it: local `YYYY-MM-DD HH:MM:SS`. */
export function localTime(t: string | number): string {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${
    p(d.getHours())
  }:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A time for a `datetime-local` input: local `YYYY-MM-DDTHH:MM`. */
export function inputTime(ms: number): string {
  return localTime(ms).slice(0, 16).replace(" ", "T");
}

/** The JSON of `url`; a failed response throws its text. */
export async function fetchJson<T>(
  url: string,
  signal?: AbortSignal,
): Promise<T> {
  const r = await fetch(url, { signal });
  if (!r.ok) throw new Error((await r.text()).trim());
  return await r.json() as T;
}
