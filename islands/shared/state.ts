/**
 * The choice the islands share (signals the page passes them as props), the
 * fit-table sync, the timing marks, and the fetch helpers for the binary data
 * endpoints. Works on the server (render) and in the browser.
 *
 * @module
 */
import { effect, type Signal, signal } from "@preact/signals";
import type { FitsPayload, PageState } from "./types.ts";

/**
 * The choice the islands share: the page hands the same signals to every
 * island as props (a new set per page, never module-global), so a switch in
 * one island redraws the others.
 */
export interface Selection {
  /** Chosen struck (detector) channel. */
  struck: Signal<string>;
  /** Chosen IOPS (position) channel. */
  iops: Signal<string>;
  /** Chosen scan (1-based repetition number). */
  scan: Signal<number>;
  /** Fit table of the chosen channel pair (or of the last pair loaded). */
  fits: Signal<FitsPayload>;
  /**
   * `struck/iops/scan` of the profile last drawn with data. The other charts
   * wait for it, so the profile is always drawn first (after load and after
   * a channel switch).
   */
  profileShown: Signal<string>;
}

/** Props every island receives: the shared choice. */
export interface IslandProps {
  sel: Selection;
}

/** A page's selection, starting at the page state's channels and first scan. */
export function createSelection(state: PageState): Selection {
  return {
    struck: signal(state.struck),
    iops: signal(state.iops),
    scan: signal(state.scans[0]?.index ?? 1),
    fits: signal(state.fits),
    profileShown: signal(""),
  };
}

/** Fit tables loaded so far, by `struck/iops`, per page (browser only). */
const seenOf = new WeakMap<Selection["fits"], Map<string, FitsPayload>>();

function seen(sel: Selection): Map<string, FitsPayload> {
  let m = seenOf.get(sel.fits);
  if (!m) {
    m = new Map();
    seenOf.set(sel.fits, m);
  }
  return m;
}

/** The fit table of a pair if it was loaded already. */
export function fitsFor(
  sel: Selection,
  s: string,
  i: string,
): FitsPayload | undefined {
  const f = sel.fits.value;
  if (f.struck === s && f.iops === i) return f;
  return seen(sel).get(`${s}/${i}`);
}

/** Whether the profile of the channel pair `struck/iops` has been drawn. */
export function profileReady(sel: Selection, s: string, i: string): boolean {
  return sel.profileShown.value.startsWith(`${s}/${i}/`);
}

/** Timing marks the browser tests read (`globalThis.__fws`). */
export interface PerfMarks {
  /** performance.now() when the first profile with data was drawn. */
  firstProfile?: number;
  /** performance.now() when the user last switched a channel. */
  switchStart?: number;
  /** The last profile drawn with data. */
  lastProfile?: {
    t: number;
    struck: string;
    iops: string;
    scan: number;
    rows: number;
  };
  /** Client-side errors. */
  errors: string[];
  /** `fws history`: the last list, trend and overlay loaded, and how long each took. */
  historyList?: { ms: number; rows: number };
  historyTrend?: { ms: number; points: number; q: string };
  historyOverlay?: { ms: number; series: number };
  /** The models section's last drawn scan and channel, and its curves. */
  models?: { scan: number; struck: string; curves: number };
  /**
   * Live updates drawn (`fws plot --live`): when (ms since the epoch), and
   * how long after the Channel Access time stamp (`ca`) and the plot
   * server's receive time (`recv`) of the update, in ms.
   */
  live?: { drawn: number; ca: number; recv: number; points: number }[];
}

/** The timing marks (a global so tests can read them). */
export function perf(): PerfMarks {
  const g = globalThis as { __fws?: PerfMarks };
  return (g.__fws ??= { errors: [] });
}

/** Keeps `sel.fits` in step with the chosen channels (browser only). */
export function startFitSync(sel: Selection): () => void {
  const cache = seen(sel);
  const first = sel.fits.peek();
  cache.set(`${first.struck}/${first.iops}`, first);
  let seq = 0;
  return effect(() => {
    const s = sel.struck.value;
    const i = sel.iops.value;
    const have = sel.fits.peek();
    if (have.struck === s && have.iops === i) return;
    const hit = cache.get(`${s}/${i}`);
    if (hit) {
      sel.fits.value = hit;
      return;
    }
    const mine = ++seq;
    fetch(`api/fits?${new URLSearchParams({ struck: s, iops: i })}`)
      .then((r) => r.ok ? r.json() : Promise.reject(new Error(r.statusText)))
      .then((payload: FitsPayload) => {
        cache.set(`${payload.struck}/${payload.iops}`, payload);
        if (mine === seq) sel.fits.value = payload;
      })
      .catch((e) => perf().errors.push(`fits: ${e}`));
  });
}

/** Float32 columns fetched from a data endpoint. */
export interface Columns {
  cols: Float32Array[];
  rows: number;
  /** Points at full resolution in the requested range. */
  total: number;
  headers: Headers;
}

/** Fetches a binary column endpoint and splits it into its columns. */
export async function fetchColumns(
  url: string,
  abort?: AbortSignal,
): Promise<Columns> {
  const r = await fetch(url, { signal: abort });
  if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  const all = new Float32Array(await r.arrayBuffer());
  const names = (r.headers.get("x-columns") ?? "").split(",");
  const rows = Number(r.headers.get("x-rows"));
  const cols = names.map((_, c) => all.subarray(c * rows, (c + 1) * rows));
  return {
    cols,
    rows,
    total: Number(r.headers.get("x-total")),
    headers: r.headers,
  };
}

/** A query string from parameters (undefined ones left out). */
export function query(
  params: Record<string, string | number | undefined>,
): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined) q.set(k, String(v));
  }
  return q.toString();
}

/**
 * The URL of one scan's profile; the page preloads the initial one with the
 * very same URL, so the island's first fetch is answered from the preload.
 */
export function profileUrl(params: {
  scan: number;
  struck: string;
  iops: string;
  buckets: number;
  xmin?: number;
  xmax?: number;
}): string {
  return `api/profile?${query({ ...params })}`;
}
