/**
 * The live page's state, assembled from the scanner's PV updates without any
 * socket: `live_follower.ts` feeds it Channel Access monitor values, tests
 * feed it by hand. It follows the daemon's contract for the LIVE PVs — per
 * repetition `LIVE:REP` and `LIVE:DIR` first, then `LIVE:POS`, `LIVE:<CH>`
 * and `LIVE:FIT:<CH>` cleared; per step `LIVE:POS` then each `LIVE:<CH>`,
 * each the whole array so far (paired by the shorter length); after the
 * repetition's fit `LIVE:FIT:<CH>` on the same positions — and turns the
 * updates into {@link LiveEvent}s (only what changed: a step sends its new
 * points, not the whole array). When a request ends it asks its `load` hook
 * for the finished file (`SCAN:FILE`).
 *
 * @module
 */
import { FIT_MODEL_CHOICES } from "../../lib/analysis/fit_fields.ts";
import type { GaussFit, ScanRun } from "../../lib/scan/model.ts";
import { FIT_PV_FIELDS, type FitPvField } from "../../lib/pvmap/mod.ts";
import {
  finiteOrNull,
  FIT_ROW_KEYS,
  type FitRow,
  type FitsPayload,
  type FitValues,
} from "../../islands/shared/types.ts";
import type {
  LiveEvent,
  LiveFile,
  LiveRep,
  LiveSnapshot,
  LiveStatus,
  Stamps,
} from "../../islands/shared/live_events.ts";
import { fitsSummary } from "./plot_data.ts";

/** What a PV update is about (the logical PV, channel-qualified). */
export type LiveInput =
  | { key: "state"; value: string }
  | { key: "msg" | "file"; value: string }
  | {
    key: "progress" | "step" | "rep" | "heartbeat" | "startPos" | "endPos";
    value: number;
  }
  | { key: "dir"; value: "forward" | "backward" }
  | { key: "pos"; value: ArrayLike<number> }
  | { key: "daq" | "fit"; ch: string; value: ArrayLike<number> }
  | { key: "fitField"; ch: string; field: LiveFitField; value: number };

/** FIT:<CH>:MODEL's choices, by index (the models, without AUTO). */
const LIVE_MODELS: readonly string[] = FIT_MODEL_CHOICES.filter((c) =>
  c !== "auto"
);

/** The FIT PVs the live fit table follows: the fit's, and its quality. */
export type LiveFitField =
  | FitPvField
  | "sigmaFloor"
  | "sigmaLow"
  | "rejected"
  | "model"
  | "dAicc";

/** What loading the finished file gave. */
export type LoadedFile =
  | { readable: true; run: ScanRun }
  | { readable: false; reason: string };

/** Options of {@link LiveState}. */
export interface LiveStateOptions {
  prefix: string;
  struckChannels: string[];
  /** Reads the finished file where the page runs. */
  load: (path: string) => Promise<LoadedFile>;
  /** Called with each file that loaded (the routes serve it then). */
  onRun?: (run: ScanRun, file: LiveFile) => void;
}

const ACTIVE = new Set([
  "VALIDATING",
  "MOVING",
  "ACQUIRING",
  "FITTING",
  "WRITING",
  "PAUSED",
]);
const ENDED = new Set(["DONE", "ABORTED", "ERROR"]);

/** The `path`'s base name. */
function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The live page's state and its event stream. */
export class LiveState {
  readonly #options: LiveStateOptions;
  #listeners = new Set<(event: LiveEvent | null) => void>();
  #status: LiveStatus = {
    connected: false,
    daemonAlive: null,
    state: "",
    message: "",
    progress: 0,
    step: 0,
    reason: "connecting",
    range: null,
  };
  #ends: { startPos?: number; endPos?: number } = {};
  #reps: LiveRep[] = [];
  #fits = new Map<string, Map<number, Partial<Record<LiveFitField, number>>>>();
  /** FIT:<CH>:OK as last published (a monitor sends no unchanged value). */
  #lastOk = new Map<string, number>();
  #file: LiveFile | null = null;
  /** The arrays as last published. */
  #pos: ArrayLike<number> = [];
  #daq = new Map<string, ArrayLike<number>>();
  #fileAtStart: string | undefined;
  #filePath = "";
  #loading: string | undefined;

  /** @param options the scanner, its channels and the file loader */
  constructor(options: LiveStateOptions) {
    this.#options = options;
  }

  /**
   * Calls `fn` with every event from now on, and with `null` when the state
   * ends (the server closes); returns the unsubscribe.
   */
  subscribe(fn: (event: LiveEvent | null) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Ends every subscriber's stream (the server is closing). */
  end(): void {
    for (const fn of [...this.#listeners]) fn(null);
    this.#listeners.clear();
  }

  /** The state as a page that connects now needs it. */
  snapshot(): LiveSnapshot {
    const fits: Record<string, FitsPayload> = {};
    for (const ch of this.#options.struckChannels) fits[ch] = this.#table(ch);
    return {
      prefix: this.#options.prefix,
      struckChannels: this.#options.struckChannels,
      status: { ...this.#status },
      reps: structuredClone(this.#reps),
      fits,
      file: this.#file,
    };
  }

  #emit(event: LiveEvent): void {
    for (const fn of this.#listeners) fn(event);
  }

  #setStatus(patch: Partial<LiveStatus>, at: Stamps): void {
    this.#status = { ...this.#status, ...patch };
    this.#emit({ type: "status", status: { ...this.#status }, ...at });
  }

  /** Channel Access connected to every followed PV, or not (and why). */
  connection(connected: boolean, reason: string, at: Stamps): void {
    if (
      connected === this.#status.connected && reason === this.#status.reason
    ) {
      return;
    }
    this.#setStatus({ connected, reason: connected ? "" : reason }, at);
  }

  /** The daemon's heartbeat advances, or stopped (`null`: unknown). */
  daemon(alive: boolean | null, at: Stamps): void {
    if (alive === this.#status.daemonAlive) return;
    this.#setStatus({ daemonAlive: alive }, at);
  }

  /** One PV update. */
  update(input: LiveInput, at: Stamps): void {
    switch (input.key) {
      case "state":
        return this.#state(input.value, at);
      case "msg":
        return this.#setStatus({ message: input.value }, at);
      case "progress":
        return this.#setStatus({ progress: input.value }, at);
      case "step":
        return this.#setStatus({ step: input.value }, at);
      case "heartbeat":
        return;
      case "startPos":
      case "endPos": {
        this.#ends[input.key] = input.value;
        const { startPos: a, endPos: b } = this.#ends;
        if (a === undefined || b === undefined || a === b) return;
        return this.#setStatus({ range: [Math.min(a, b), Math.max(a, b)] }, at);
      }
      case "file":
        this.#filePath = input.value;
        return this.#maybeLoad();
      case "rep":
        return this.#rep(input.value, at);
      case "dir": {
        const rep = this.#current();
        if (rep.direction === input.value) return;
        rep.direction = input.value;
        return this.#emit({
          type: "rep",
          rep: rep.rep,
          direction: rep.direction,
          ...at,
        });
      }
      case "pos":
        this.#pos = input.value;
        for (const ch of this.#options.struckChannels) this.#points(ch, at);
        return;
      case "daq":
        this.#daq.set(input.ch, input.value);
        return this.#points(input.ch, at);
      case "fit":
        return this.#fit(input.ch, input.value, at);
      case "fitField":
        return this.#fitField(input, at);
    }
  }

  #current(): LiveRep {
    let rep = this.#reps.at(-1);
    if (!rep) {
      rep = { rep: 0, direction: "forward", points: {}, fit: {} };
      this.#reps.push(rep);
    }
    return rep;
  }

  #state(state: string, at: Stamps): void {
    const before = this.#status.state;
    if (ACTIVE.has(state) && (before === "IDLE" || ENDED.has(before))) {
      this.#reps = [];
      this.#fits.clear();
      this.#fileAtStart = this.#filePath;
      this.#emit({ type: "request", ...at });
    }
    this.#setStatus({ state }, at);
    this.#maybeLoad();
  }

  #rep(n: number, at: Stamps): void {
    const rep = this.#current();
    if (rep.rep === n) return;
    if (rep.rep === 0) {
      // the first number seen; points may have come first (monitor start)
      rep.rep = n;
    } else {
      if (n < rep.rep) {
        this.#reps = []; // a new request's first repetition
        this.#fits.clear();
        this.#emit({ type: "request", ...at });
      }
      this.#reps.push({ rep: n, direction: "forward", points: {}, fit: {} });
    }
    this.#emit({
      type: "rep",
      rep: n,
      direction: this.#current().direction,
      ...at,
    });
  }

  #points(ch: string, at: Stamps): void {
    const y = this.#daq.get(ch);
    if (!y) return;
    const rep = this.#current();
    const trace = rep.points[ch] ??= { x: [], y: [] };
    const n = Math.min(this.#pos.length, y.length);
    const sent = trace.x.length;
    if (n === sent && n > 0) return;
    if (n === 0 && sent === 0) return;
    const from = n < sent ? 0 : sent;
    const x = Array.from({ length: n - from }, (_, i) => this.#pos[from + i]);
    const v = Array.from({ length: n - from }, (_, i) => y[from + i]);
    trace.x.splice(from, trace.x.length - from, ...x);
    trace.y.splice(from, trace.y.length - from, ...v);
    this.#emit({ type: "points", rep: rep.rep, ch, from, x, y: v, ...at });
  }

  #fit(ch: string, curve: ArrayLike<number>, at: Stamps): void {
    const rep = this.#current();
    const n = Math.min(this.#pos.length, curve.length);
    const x = Array.from({ length: n }, (_, i) => this.#pos[i]);
    const y = Array.from({ length: n }, (_, i) => curve[i]);
    const had = rep.fit[ch]?.x.length ?? 0;
    if (n === 0 && had === 0) return;
    rep.fit[ch] = { x, y };
    this.#emit({ type: "fit", rep: rep.rep, ch, x, y, ...at });
  }

  #fitField(
    input: { ch: string; field: LiveFitField; value: number },
    at: Stamps,
  ): void {
    const rep = this.#current().rep;
    if (rep === 0) return; // not attributable to a repetition
    let rows = this.#fits.get(input.ch);
    if (!rows) this.#fits.set(input.ch, rows = new Map());
    const row = rows.get(rep) ?? {};
    row[input.field] = input.value;
    if (input.field === "ok") this.#lastOk.set(input.ch, input.value);
    rows.set(rep, row);
    this.#emit({
      type: "fits",
      ch: input.ch,
      fits: this.#table(input.ch),
      ...at,
    });
  }

  /** The fit table of one channel from the FIT PVs seen per repetition. */
  #table(ch: string): FitsPayload {
    const rows: FitRow[] = [];
    const fits: GaussFit[] = [];
    const rep = (n: number) => this.#reps.find((r) => r.rep === n);
    for (
      const [n, seen] of [...(this.#fits.get(ch) ?? [])].sort((a, b) =>
        a[0] - b[0]
      )
    ) {
      const fit = {
        ok: (seen.ok ?? this.#lastOk.get(ch)) === 1,
      } as GaussFit;
      for (const { field } of FIT_PV_FIELDS) {
        if (field !== "ok") fit[field] = seen[field] ?? NaN;
      }
      fits.push(fit);
      const values: FitValues = {};
      for (const k of FIT_ROW_KEYS) values[k] = finiteOrNull(fit[k] ?? NaN);
      rows.push({
        scan: n,
        name: `scan_${String(n).padStart(3, "0")}`,
        status: "completed",
        ok: fit.ok,
        message: fit.ok ? "" : "fit failed (FIT:OK = 0)",
        source: "file",
        iopsChannel: "",
        ...values,
        nPoints: rep(n)?.points[ch]?.x.length ?? 0,
        ...(seen.rejected ? { rejected: seen.rejected } : {}),
        ...(seen.model !== undefined && LIVE_MODELS[seen.model]
          ? {
            model: {
              name: LIVE_MODELS[seen.model],
              deltaAicc: finiteOrNull(seen.dAicc ?? NaN),
            },
          }
          : {}),
        ...(seen.sigmaFloor !== undefined
          ? {
            budget: {
              floor: finiteOrNull(seen.sigmaFloor),
              statistical: null,
              wire: null,
              readout: null,
              sampling: null,
              pointsPerSigma: null,
              belowFloor: seen.sigmaLow === 1,
            },
          }
          : {}),
      });
    }
    return { struck: ch, iops: "", rows, summary: fitsSummary(fits) };
  }

  /** Once the request ended and named a new file, reads it. */
  #maybeLoad(): void {
    const path = this.#filePath;
    if (!ENDED.has(this.#status.state) || path === "") return;
    if (path === this.#fileAtStart && this.#fileAtStart !== undefined) return;
    if (path === this.#file?.path || path === this.#loading) return;
    this.#loading = path;
    this.#options.load(path).then(
      (loaded) => this.#loaded(path, loaded),
      (error) => this.#loaded(path, { readable: false, reason: String(error) }),
    );
  }

  #loaded(path: string, loaded: LoadedFile): void {
    if (this.#loading === path) this.#loading = undefined;
    const file: LiveFile = {
      path,
      name: baseName(path),
      readable: loaded.readable,
      reason: loaded.readable ? "" : loaded.reason,
    };
    this.#file = file;
    if (loaded.readable) this.#options.onRun?.(loaded.run, file);
    const now = Date.now();
    this.#emit({ type: "file", file, ca: now, recv: now });
  }
}
