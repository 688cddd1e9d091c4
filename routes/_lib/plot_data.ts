/**
 * The one scan file the server shows, with the derived views the routes
 * serve: profiles (via `profileOf`, the one definition), fits (the file's,
 * or `fitProfile` when the file's fit used another IOPS channel) and their
 * summary (via `summarizeFits`). Profiles and fits are cached per channel
 * pair. Nothing is sorted at full resolution: the profile route decimates in
 * acquisition order and sorts only the points it sends.
 *
 * @module
 */
import {
  fitProfile,
  profileOf,
  summarizeFits,
} from "../../lib/analysis/mod.ts";
import { type ForkPiece, forkPieces } from "../../lib/analysis/fork_curve.ts";
import { applyRejection } from "../../lib/analysis/rejection.ts";
import type { GaussFit, ScanRecord, ScanRun } from "../../lib/scan/model.ts";
import {
  finiteOrNull,
  FIT_ROW_KEYS,
  type FitRow,
  type FitsPayload,
  type FitValues,
  type PageState,
  type ScanInfo,
} from "../../islands/shared/types.ts";

/** Bucket counts of the min/max decimation (points = 2 × buckets). */
export const BUCKETS = { profile: 2000, overlay: 500, raw: 2000 };

/** A profile as `profileOf` returns it, with the fit shown for it. */
export interface ShownProfile {
  /** Position, in acquisition order (what CSV exports). */
  x: Float64Array;
  /** Signal, in acquisition order. */
  y: Float64Array;
  fit: GaussFit & { iopsChannel: string; source: "file" | "refit" };
  /** A fork: the wires' fitted pieces (from the file's per-wire fits). */
  fork?: ForkPiece[];
  /** The points the file's fit left out (its rejection mask), to grey. */
  rejected?: { x: Float64Array; y: Float64Array };
}

/**
 * Profiles on one shared position axis for an overlay: the full position
 * range cut into `buckets` equal bins, each bin two rows (at ¼ and ¾ of the
 * bin) holding, per profile, the lowest and the highest signal in that bin
 * in acquisition order (min/max decimation). Float32 columns `x, p1, p2, …`
 * laid out column after column; NaN where a profile has no point in a bin.
 */
export function overlayColumns(
  profiles: ({ x: ArrayLike<number>; y: ArrayLike<number> } | undefined)[],
  buckets: number,
): { body: Float32Array; rows: number; total: number } {
  let lo = Infinity;
  let hi = -Infinity;
  let total = 0;
  for (const p of profiles) {
    if (!p) continue;
    for (let i = 0; i < p.x.length; i++) {
      if (p.x[i] < lo) lo = p.x[i];
      if (p.x[i] > hi) hi = p.x[i];
    }
    total += p.x.length;
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (!(hi > lo)) hi = lo + 1;
  const rows = 2 * buckets;
  const w = (hi - lo) / buckets;
  const body = new Float32Array(rows * (profiles.length + 1)).fill(NaN);
  for (let b = 0; b < buckets; b++) {
    body[2 * b] = lo + w * (b + 0.25);
    body[2 * b + 1] = lo + w * (b + 0.75);
  }
  profiles.forEach((p, k) => {
    if (!p) return;
    const base = (k + 1) * rows;
    const minAt = new Int32Array(buckets).fill(-1);
    const maxAt = new Int32Array(buckets).fill(-1);
    for (let i = 0; i < p.x.length; i++) {
      const b = Math.min(buckets - 1, Math.floor((p.x[i] - lo) / w));
      if (minAt[b] < 0 || p.y[i] < p.y[minAt[b]]) minAt[b] = i;
      if (maxAt[b] < 0 || p.y[i] > p.y[maxAt[b]]) maxAt[b] = i;
    }
    for (let b = 0; b < buckets; b++) {
      if (minAt[b] < 0) continue;
      const [first, second] = minAt[b] <= maxAt[b]
        ? [minAt[b], maxAt[b]]
        : [maxAt[b], minAt[b]];
      body[base + 2 * b] = p.y[first];
      body[base + 2 * b + 1] = p.y[second];
    }
  });
  return { body, rows, total };
}

/** The fit table's summary row: mean ± std of each fitted quantity. */
export function fitsSummary(fits: GaussFit[]): FitsPayload["summary"] {
  const summary: FitsPayload["summary"] = {};
  for (const [k, v] of Object.entries(summarizeFits(fits))) {
    summary[k] = {
      mean: finiteOrNull(v.mean),
      std: finiteOrNull(v.std),
      n: v.n,
    };
  }
  return summary;
}

/** Names in first-seen order over all scans. */
function channelNames(
  scans: ScanRecord[],
  pick: (s: ScanRecord) => Record<string, unknown>,
): string[] {
  const seen = new Set<string>();
  for (const s of scans) for (const k of Object.keys(pick(s))) seen.add(k);
  return [...seen];
}

/**
 * A run without scans: what the live page serves before any file, and the
 * data of `fws history` outside a file view.
 */
export function emptyRun(scannerIndex: number, testMode: boolean): ScanRun {
  return {
    fileFormat: "",
    scannerIndex,
    testMode,
    user: "",
    comment: "",
    startTime: "",
    endTime: "",
    source: { program: "", version: "", host: "" },
    scanArgs: {},
    status: "running",
    message: "",
    scans: [],
  } as unknown as ScanRun;
}

/** A fit row's chosen profile model: the file's, for the file's own fit. */
function modelOf(
  scan: ScanRecord,
  struck: string,
  source: "file" | "refit" | undefined,
): Pick<FitRow, "model"> {
  const c = source === "file" ? scan.modelFits?.[struck] : undefined;
  return c?.chosen
    ? { model: { name: c.chosen, deltaAicc: finiteOrNull(c.deltaAicc) } }
    : {};
}

/**
 * A fit row's points left out and error budget: the file's, for the file's
 * own fit.
 */
function budgetOf(
  scan: ScanRecord,
  struck: string,
  source: "file" | "refit" | undefined,
): Pick<FitRow, "budget" | "rejected"> {
  if (source !== "file") return {};
  const counts = scan.rejections?.[struck]?.counts;
  const rejected = counts
    ? Object.values(counts).reduce((a, b) => a + b, 0)
    : 0;
  const b = scan.errorBudgets?.[struck];
  if (!b) return rejected ? { rejected } : {};
  return {
    ...(rejected ? { rejected } : {}),
    budget: {
      floor: finiteOrNull(b.floor),
      statistical: finiteOrNull(b.statistical),
      wire: finiteOrNull(b.wire),
      readout: finiteOrNull(b.readout),
      sampling: finiteOrNull(b.sampling),
      pointsPerSigma: finiteOrNull(b.pointsPerSigma),
      belowFloor: b.belowFloor,
    },
  };
}

/** The served file and its caches. */
export class PlotData {
  readonly run: ScanRun;
  /** Base name of the file (never a path). */
  readonly file: string;
  readonly scannerIndex: number;
  /** The channel pair the page opens with. */
  readonly initialStruck: string;
  readonly initialIops: string;
  readonly struckChannels: string[];
  readonly iopsChannels: string[];
  #profiles = new Map<string, ShownProfile>();

  /**
   * @param run the file's content, from `readScanFile`
   * @param options `file`: base name shown in the page; `scannerIndex`;
   *   the initial `struck` and `iops` channels
   */
  constructor(
    run: ScanRun,
    options: {
      file: string;
      scannerIndex: number;
      struck: string;
      iops: string;
    },
  ) {
    this.run = run;
    this.file = options.file;
    this.scannerIndex = options.scannerIndex;
    this.initialStruck = options.struck;
    this.initialIops = options.iops;
    this.struckChannels = channelNames(run.scans, (s) => s.struck);
    this.iopsChannels = channelNames(run.scans, (s) => s.iops);
  }

  /**
   * The file opening on its first struck channel against the IOPS channel
   * that channel's fit used (else the first IOPS channel, else `ch1`).
   */
  static firstPair(
    run: ScanRun,
    options: { file: string; scannerIndex: number },
  ): PlotData {
    const struck = channelNames(run.scans, (s) => s.struck)[0] ?? "";
    const iops = run.scans.find((s) => s.fits[struck])?.fits[struck]
      .iopsChannel ?? channelNames(run.scans, (s) => s.iops)[0] ?? "ch1";
    return new PlotData(run, { ...options, struck, iops });
  }

  /** The scan with 1-based repetition number `index`, if any. */
  scan(index: number): ScanRecord | undefined {
    return this.run.scans.find((s) => s.index === index);
  }

  /** Whether `struck`/`iops` name channels of this file. */
  hasChannels(struck: string, iops: string): boolean {
    return this.struckChannels.includes(struck) &&
      (this.iopsChannels.includes(iops) ||
        (this.iopsChannels.length === 0 && iops !== ""));
  }

  /**
   * The profile of one scan for a channel pair, or `undefined` when the scan
   * lacks the channel. Cached.
   */
  profile(
    scan: ScanRecord,
    struck: string,
    iops: string,
  ): ShownProfile | undefined {
    const key = `${scan.index}\u0000${struck}\u0000${iops}`;
    const hit = this.#profiles.get(key);
    if (hit) return hit;
    const stored = scan.fits[struck];
    const fromFile = stored?.iopsChannel === iops;
    let p, refit, rejected;
    try {
      const rejection = fromFile ? scan.rejections?.[struck] : undefined;
      if (rejection) {
        ({ profile: p, rejected } = applyRejection(
          scan,
          struck,
          iops,
          rejection,
        ));
      } else if (fromFile) p = profileOf(scan, struck, iops);
      else ({ profile: p, fit: refit } = fitProfile(scan, struck, iops));
    } catch {
      return undefined;
    }
    const fit = refit
      ? { ...refit, iopsChannel: iops, source: "refit" as const }
      : { ...stored!, source: "file" as const };
    const perWire = fromFile ? scan.wireFits?.[struck] : undefined;
    const shown: ShownProfile = { x: p.x, y: p.y, fit };
    if (rejected?.x.length) shown.rejected = rejected;
    if (this.run.wires && perWire) {
      shown.fork = forkPieces(this.run.wires, perWire);
    }
    this.#profiles.set(key, shown);
    return shown;
  }

  /** The fit table of a channel pair: one row per scan, and the summary. */
  fits(struck: string, iops: string): FitsPayload {
    const rows: FitRow[] = [];
    const fits: GaussFit[] = [];
    for (const scan of this.run.scans) {
      const shown = this.profile(scan, struck, iops);
      const f = shown?.fit;
      if (f) fits.push(f);
      const values: FitValues = {};
      for (const k of FIT_ROW_KEYS) values[k] = finiteOrNull(f?.[k] ?? NaN);
      rows.push({
        scan: scan.index,
        name: scan.name,
        status: scan.status,
        ok: f?.ok ?? false,
        message: f?.message ?? `no channel ${struck} in this scan`,
        source: f?.source ?? "file",
        iopsChannel: f?.iopsChannel ?? iops,
        ...values,
        nPoints: f?.nPoints ?? 0,
        ...(shown?.fork ? { fork: shown.fork } : {}),
        ...budgetOf(scan, struck, f?.source),
        ...modelOf(scan, struck, f?.source),
      });
    }
    return { struck, iops, rows, summary: fitsSummary(fits) };
  }

  /** The state serialized into the page for the initial channel pair. */
  pageState(struck: string, iops: string): PageState {
    const units: Record<string, string> = {};
    for (const s of this.run.scans) {
      for (const [k, w] of Object.entries(s.struck)) units[k] ??= w.units;
      for (const [k, w] of Object.entries(s.iops)) units[k] ??= w.units;
    }
    const scans: ScanInfo[] = this.run.scans.map((s) => ({
      index: s.index,
      name: s.name,
      status: s.status,
      mode: s.mode,
      direction: s.direction,
      startTime: s.startTime,
      endTime: s.endTime,
    }));
    return {
      file: this.file,
      scannerIndex: this.scannerIndex,
      status: this.run.status,
      struckChannels: this.struckChannels,
      iopsChannels: this.iopsChannels.length ? this.iopsChannels : [iops],
      units,
      scans,
      struck,
      iops,
      fits: this.fits(struck, iops),
      buckets: BUCKETS,
    };
  }
}
