/**
 * The page's shared state: one set of signals every island reads, set from
 * the state the server serialized into the page, and the fetch helpers for
 * the binary data endpoints. Works on the server (render) and in the browser.
 *
 * @module
 */
import { effect, signal } from "@preact/signals";
import type { FitsPayload, PageState } from "./types.ts";

/** The serialized page state (set once by {@link initState}). */
export const page = signal<PageState | null>(null);
/** Chosen struck (detector) channel. */
export const struck = signal("");
/** Chosen IOPS (position) channel. */
export const iops = signal("");
/** Chosen scan (1-based repetition number). */
export const scan = signal(1);
/** Fit table of the chosen channel pair (null while loading). */
export const fits = signal<FitsPayload | null>(null);

/** Every fit table loaded so far, by `struck/iops`. */
export const fitsSeen = new Map<string, FitsPayload>();

/** The fit table of a pair if it was loaded already. */
export function fitsFor(s: string, i: string): FitsPayload | undefined {
  const f = fits.value;
  if (f && f.struck === s && f.iops === i) return f;
  return fitsSeen.get(`${s}/${i}`);
}

/**
 * `struck/iops/scan` of the profile last drawn with data. The other charts
 * wait for it, so the profile is always drawn first (after load and after a
 * channel switch).
 */
export const profileShown = signal("");

/** Whether the profile of the channel pair `struck/iops` has been drawn. */
export function profileReady(s: string, i: string): boolean {
  return profileShown.value.startsWith(`${s}/${i}/`);
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
}

/** The timing marks (a global so tests can read them). */
export function perf(): PerfMarks {
  const g = globalThis as { __fws?: PerfMarks };
  return (g.__fws ??= { errors: [] });
}

/** Sets every signal from the serialized state. */
export function initState(state: PageState): void {
  page.value = state;
  struck.value = state.struck;
  iops.value = state.iops;
  scan.value = state.scans[0]?.index ?? 1;
  fits.value = state.fits;
  fitsSeen.set(`${state.fits.struck}/${state.fits.iops}`, state.fits);
}

/** Keeps {@link fits} in step with the chosen channels (browser only). */
export function startFitSync(): () => void {
  let seq = 0;
  return effect(() => {
    const s = struck.value;
    const i = iops.value;
    const have = fits.peek();
    if (have && have.struck === s && have.iops === i) return;
    const seen = fitsSeen.get(`${s}/${i}`);
    if (seen) {
      fits.value = seen;
      return;
    }
    const mine = ++seq;
    fetch(`/api/fits?${new URLSearchParams({ struck: s, iops: i })}`)
      .then((r) => r.ok ? r.json() : Promise.reject(new Error(r.statusText)))
      .then((payload: FitsPayload) => {
        fitsSeen.set(`${payload.struck}/${payload.iops}`, payload);
        if (mine === seq) fits.value = payload;
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
  return `/api/profile?${query({ ...params })}`;
}
