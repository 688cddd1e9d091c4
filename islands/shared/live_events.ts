/**
 * What the live page's server-sent events carry (`GET /api/live`), shared by
 * the server (`live_state.ts` assembles them) and the `LiveView` island
 * (which applies them). Every event carries `ca`, the Channel Access time
 * stamp of the update that caused it, and `recv`, when the plot server
 * received it (both ms since the epoch), so the page can measure latency.
 * Browser-safe.
 *
 * @module
 */
import type { FitsPayload } from "./types.ts";

/** The scanner's status as the page shows it. */
export interface LiveStatus {
  /** Channel Access reaches every followed PV. */
  connected: boolean;
  /** The daemon's heartbeat advances (`null`: not watched or not seen yet). */
  daemonAlive: boolean | null;
  /** `SCAN:STATE` label (IDLE … PAUSED), `""` before the first value. */
  state: string;
  message: string;
  /** Percent of the request. */
  progress: number;
  /** Step within the repetition. */
  step: number;
  /** Why the page is disconnected, for the operator. */
  reason: string;
  /** The request's scan range (`SCAN:START_POS`, `SCAN:END_POS`) [mm]. */
  range: [number, number] | null;
}

/** Points of one channel of a repetition: wire position and signal. */
export interface LiveTrace {
  x: number[];
  y: number[];
}

/** One repetition of the request, as followed. */
export interface LiveRep {
  /** 1-based repetition number (0 when not known yet). */
  rep: number;
  direction: "forward" | "backward";
  /** Profile points so far, by Struck channel. */
  points: Record<string, LiveTrace>;
  /** The fitted curve on the profile's positions, by Struck channel. */
  fit: Record<string, LiveTrace>;
}

/** The finished file of the last request, as seen from the plot server. */
export interface LiveFile {
  /** `SCAN:FILE` as published (a path on the daemon's host). */
  path: string;
  /** Base name. */
  name: string;
  /** Whether the plot server could read it. */
  readable: boolean;
  /** Why not, when not. */
  reason: string;
}

/** Everything a page that connects now needs. */
export interface LiveSnapshot {
  /** The scanner's PV prefix (e.g. `Test:FWS07:`). */
  prefix: string;
  struckChannels: string[];
  status: LiveStatus;
  /** The request's repetitions, the running one last. */
  reps: LiveRep[];
  /** The fit table of each Struck channel, filled as repetitions end. */
  fits: Record<string, FitsPayload>;
  /** The last request's file, once it ended. */
  file: LiveFile | null;
}

/** Time stamps every event carries (ms since the epoch). */
export interface Stamps {
  /** The Channel Access time stamp of the update. */
  ca: number;
  /** When the plot server received it. */
  recv: number;
}

/** One server-sent event of `/api/live`. */
export type LiveEvent =
  & Stamps
  & (
    | { type: "snapshot"; snapshot: LiveSnapshot }
    | { type: "status"; status: LiveStatus }
    /** A new request: earlier repetitions are dropped. */
    | { type: "request" }
    /** A new repetition begins (the one before becomes a faint trace). */
    | { type: "rep"; rep: number; direction: "forward" | "backward" }
    /** Points of the running repetition: replace from index `from` on. */
    | {
      type: "points";
      rep: number;
      ch: string;
      from: number;
      x: number[];
      y: number[];
    }
    /** The running repetition's fitted curve (empty: cleared). */
    | { type: "fit"; rep: number; ch: string; x: number[]; y: number[] }
    | { type: "fits"; ch: string; fits: FitsPayload }
    | { type: "file"; file: LiveFile }
  );

/** The event types, for `EventSource.addEventListener`. */
export const LIVE_EVENT_TYPES = [
  "snapshot",
  "status",
  "request",
  "rep",
  "points",
  "fit",
  "fits",
  "file",
] as const satisfies readonly LiveEvent["type"][];

/**
 * One event as server-sent-event text: `event: <type>` and one `data:` line
 * of JSON (JSON never holds a raw newline, so one line always suffices).
 *
 * @example
 * ```ts
 * encodeSse({ type: "request", ca: 1, recv: 2 });
 * // 'event: request\ndata: {"type":"request","ca":1,"recv":2}\n\n'
 * ```
 */
export function encodeSse(event: LiveEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * The events of a server-sent-event text (what {@link encodeSse} wrote);
 * comments and incomplete trailing events are skipped.
 */
export function decodeSse(text: string): LiveEvent[] {
  const out: LiveEvent[] = [];
  for (const block of text.split("\n\n")) {
    const data = block.split("\n").filter((l) => l.startsWith("data: "))
      .map((l) => l.slice(6)).join("\n");
    if (data) out.push(JSON.parse(data) as LiveEvent);
  }
  return out;
}
