/**
 * What every route handler receives, and small response helpers.
 *
 * @module
 */
import type { JSX } from "preact";
import type { PlotData, ShownProfile } from "./plot_data.ts";
import type { ScanRecord } from "../../lib/scan/model.ts";
import type { HistoryData } from "./history_data.ts";
import { BadRequest, NotFound } from "./http_errors.ts";
import type {
  LiveEvent,
  LiveSnapshot,
} from "../../islands/shared/live_events.ts";

/** The embedded page assets, loaded once at start-up. */
export interface Assets {
  /** The bundled islands (ESM, minified). */
  bundleJs: Uint8Array;
  /** CSS emitted by the bundler (uPlot's stylesheet). */
  bundleCss: Uint8Array;
  /** The page's own stylesheet. */
  styleCss: Uint8Array;
}

/** What the live page's routes read: the followed scanner's state. */
export interface LiveSource {
  /** The state as a page that connects now needs it. */
  snapshot(): LiveSnapshot;
  /**
   * Calls `fn` with every event from now on, and `null` when the server
   * closes; returns the unsubscribe.
   */
  subscribe(fn: (event: LiveEvent | null) => void): () => void;
  /** The scanner's index. */
  scannerIndex: number;
  /** The Struck channel the page opens with. */
  struck: string;
}

/** The request, its URL parameters and the served file. */
export interface RouteContext {
  req: Request;
  url: URL;
  /** The `[name]` segments of the route's file name, by name. */
  params: Record<string, string>;
  /**
   * The served file (under `fws plot --live`, the last finished request's
   * file once loaded; before that a file without scans).
   */
  data: PlotData;
  /** The followed scanner, under `fws plot --live` only. */
  live?: LiveSource;
  /** The data directory's catalog, under `fws history` only. */
  history?: HistoryData;
  assets: Assets;
  /** The port the server is bound to (for the Host check). */
  port: number;
}

/** What a handler hands the route's page component (Fresh's `page()`). */
export interface PageResponse<T> {
  data: T;
  headers?: HeadersInit;
}

/** A handler function: a response, or data for the route's `Page`. */
export type HandlerFn = (
  ctx: RouteContext,
) =>
  | Response
  | PageResponse<unknown>
  | Promise<Response | PageResponse<unknown>>;

/** A route's handlers by method, as Fresh's `handler = { GET(ctx) {…} }`. */
export interface RouteHandlers {
  GET: HandlerFn;
}

/** A module of `routes/`: its handlers, and a page component if it renders HTML. */
export interface RouteModule {
  handler: RouteHandlers;
  // deno-lint-ignore no-explicit-any
  Page?: (props: { data: any; ctx: RouteContext }) => JSX.Element;
}

/** `routes/_middleware.ts`: runs before every route; `next()` runs it. */
export interface MiddlewareModule {
  handler: (
    ctx: RouteContext & { next(): Promise<Response> },
  ) => Response | Promise<Response>;
}

/**
 * Data for the route's page component, with the response headers.
 *
 * @example
 * ```ts
 * export const handler = { GET: (ctx) => page(ctx.data.file) };
 * ```
 */
export function page<T>(
  data: T,
  options: { headers?: HeadersInit } = {},
): PageResponse<T> {
  return { data, headers: options.headers };
}

/** Whether the request accepts a gzip-encoded body. */
export function acceptsGzip(req: Request): boolean {
  return /\bgzip\b/.test(req.headers.get("accept-encoding") ?? "");
}

/** A plain-text error response. */
export function textError(status: number, message: string): Response {
  return new Response(message + "\n", {
    status,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

/** A JSON response. */
export function json(value: unknown): Response {
  return new Response(JSON.stringify(value), {
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
    },
  });
}

/**
 * A CSV download: a header row, then `rows`. Text cells are quoted when
 * they hold a comma, quote or line break, and a text cell that a
 * spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) is prefixed
 * with `'`; numbers are written as they are, null and NaN as empty cells.
 */
export function csv(
  header: string[],
  rows: (string | number | boolean | null)[][],
  filename: string,
): Response {
  const cell = (v: string | number | boolean | null): string => {
    if (v === null || (typeof v === "number" && !Number.isFinite(v))) return "";
    if (typeof v !== "string") return String(v);
    const t = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
    return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
  };
  const text = [header, ...rows].map((r) => r.map(cell).join(",")).join("\n");
  return new Response(text + "\n", {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${
        filename.replace(/[^A-Za-z0-9._-]/g, "_")
      }"`,
      "cache-control": "no-store",
    },
  });
}

export { BadRequest, NotFound } from "./http_errors.ts";

/** The catalog of `fws history`; a 404 on the file servers. */
export function historyOf(ctx: RouteContext): HistoryData {
  if (!ctx.history) {
    throw new NotFound(
      `${ctx.url.pathname} is a page of fws history; this server shows one file`,
    );
  }
  return ctx.history;
}

/** A 1-based scan number that exists in the file. */
export function scanParam(ctx: RouteContext): number {
  const text = ctx.url.searchParams.get("scan") ?? "";
  const n = Number(text);
  if (!/^\d+$/.test(text) || !ctx.data.scan(n)) {
    throw new BadRequest(
      `scan: expected one of ${
        ctx.data.run.scans.map((s) => s.index).join(", ")
      }, got '${text}'`,
    );
  }
  return n;
}

/** The struck channel parameter, checked against the file. */
export function struckParam(ctx: RouteContext): string {
  const struck = ctx.url.searchParams.get("struck") ?? "";
  if (!ctx.data.struckChannels.includes(struck)) {
    throw new BadRequest(
      `struck: expected one of ${
        ctx.data.struckChannels.join(", ")
      }, got '${struck}'`,
    );
  }
  return struck;
}

/** The struck and IOPS channel parameters, checked against the file. */
export function channelParams(
  ctx: RouteContext,
): { struck: string; iops: string } {
  const struck = struckParam(ctx);
  const iops = ctx.url.searchParams.get("iops") ?? "";
  if (!ctx.data.hasChannels(struck, iops)) {
    throw new BadRequest(
      `iops: expected one of ${
        ctx.data.iopsChannels.join(", ")
      }, got '${iops}'`,
    );
  }
  return { struck, iops };
}

/**
 * The scan and channel pair of the request, and that scan's profile of the
 * pair; throws {@linkcode NotFound} when the scan has no such profile.
 */
export function profileParams(ctx: RouteContext): {
  scan: ScanRecord;
  struck: string;
  iops: string;
  profile: ShownProfile;
} {
  const scan = ctx.data.scan(scanParam(ctx))!;
  const { struck, iops } = channelParams(ctx);
  const profile = ctx.data.profile(scan, struck, iops);
  if (!profile) {
    throw new NotFound(`${scan.name} has no profile for ${struck}/${iops}`);
  }
  return { scan, struck, iops, profile };
}

/** An optional finite number parameter. */
export function numberParam(
  ctx: RouteContext,
  name: string,
): number | undefined {
  const text = ctx.url.searchParams.get(name);
  if (text === null || text === "") return undefined;
  const v = Number(text);
  if (!Number.isFinite(v)) {
    throw new BadRequest(`${name}: expected a number, got '${text}'`);
  }
  return v;
}

/** A bucket count: at least 1, at most 20000 (default `fallback`). */
export function bucketsParam(ctx: RouteContext, fallback: number): number {
  const v = numberParam(ctx, "buckets") ?? fallback;
  return Math.max(1, Math.min(20000, Math.floor(v)));
}

/**
 * A binary response of Float32 columns laid out column after column; the
 * headers say the column names, the row count and the full-resolution count.
 */
export function columns(
  body: Float32Array,
  meta: {
    columns: string[];
    rows: number;
    total: number;
    extra?: Record<string, string>;
  },
): Response {
  return new Response(body as Float32Array<ArrayBuffer>, {
    headers: {
      "content-type": "application/octet-stream",
      "cache-control": "no-store",
      "x-columns": meta.columns.join(","),
      "x-rows": String(meta.rows),
      "x-total": String(meta.total),
      ...meta.extra,
    },
  });
}
