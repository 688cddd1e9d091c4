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
    let p, refit;
    try {
      if (fromFile) p = profileOf(scan, struck, iops);
      else ({ profile: p, fit: refit } = fitProfile(scan, struck, iops));
    } catch {
      return undefined;
    }
    const fit = refit
      ? { ...refit, iopsChannel: iops, source: "refit" as const }
      : { ...stored!, source: "file" as const };
    const perWire = fromFile ? scan.wireFits?.[struck] : undefined;
    const shown: ShownProfile = { x: p.x, y: p.y, fit };
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
