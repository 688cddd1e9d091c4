/**
 * One repetition (`/scan_NNN`) read back: its waveforms, readings, motion,
 * fits, models, rejections and a fork's wires, to a {@link Depth}.
 * `reader.ts` reads the file around it.
 *
 * @module
 */
import {
  BUDGET_GROUP,
  readErrorBudget,
  readRejection,
  REJECTION_GROUP,
} from "./quality_io.ts";
import type {
  ChannelFit,
  ErrorBudget,
  ModelChoice,
  PointRejection,
  Readings,
  ScanDirection,
  ScanMode,
  ScanRecord,
  ScanStatus,
  Waveform,
  WireFit,
  WireSpec,
} from "../scan/model.ts";
import type { AttrValue } from "./h5.ts";
import { number, readFit, readModelFits, text } from "./fit_io.ts";
import { readBeamShapes, readWireFits } from "./fork_io.ts";
import { ATTR, GROUP, MOTION, SCAN, SCAN_GROUP_PATTERN } from "./layout.ts";
import type { DatasetReader, GroupReader } from "./h5_read.ts";

const STATUSES = new Set<ScanStatus>([
  "running",
  "completed",
  "aborted",
  "error",
]);

/** A status attribute's value, or `fallback` when it names none. */
export function status(
  value: AttrValue | undefined,
  fallback: ScanStatus,
): ScanStatus {
  const s = text(value) as ScanStatus;
  return STATUSES.has(s) ? s : fallback;
}

/**
 * How much of a file to read: `full`, or `summary` — everything but the
 * waveforms, motion vectors and readings, which come back empty (as
 * `withoutData` of lib/history/read_pool.ts leaves them) and are only
 * checked: to be numbers fws can decode, and when stored in chunks (which
 * may be compressed, so their bytes can fail to decode) read and dropped,
 * so that the same files fail, with the same reasons.
 */
export type Depth = "full" | "summary";

const NONE = new Float64Array(0);

/** A 1-D float64 dataset of `group`, empty when absent. */
function vector(
  group: GroupReader | undefined,
  name: string,
  depth: Depth = "full",
): Float64Array {
  const d = group?.keys().includes(name)
    ? group.memberDataset(name)
    : undefined;
  if (!d) return new Float64Array(0);
  if (depth === "full") return d.readNumeric().data;
  check(d);
  return NONE;
}

/** Checks a dataset a summary leaves out (see {@link Depth}); its shape. */
function check(d: DatasetReader): number[] {
  const { shape } = d.checkNumeric();
  if (d.chunked) d.readNumeric();
  return shape;
}

/** Whether any waveform of `group` has two dimensions or more (summary). */
function checkWaveforms(group: GroupReader | undefined): boolean {
  let twoD = false;
  for (const name of group?.keys() ?? []) {
    const d = group!.memberDataset(name);
    if (!d) continue;
    if (check(d).length >= 2) twoD = true;
  }
  return twoD;
}

function waveforms(group: GroupReader | undefined): Record<string, Waveform> {
  const out: Record<string, Waveform> = {};
  if (!group) return out;
  for (const name of group.keys()) {
    const d = group.dataset(name);
    if (!d) continue;
    const { data, shape } = d.readNumeric();
    const w: Waveform = {
      data,
      shape: shape.length ? shape : [data.length],
      units: text(d.attr(ATTR.units)),
    };
    const period = d.attr(ATTR.samplePeriod);
    if (period !== undefined) w.samplePeriod = number(period);
    out[name] = w;
  }
  return out;
}

function readings(group: GroupReader | undefined): Record<string, Readings> {
  const out: Record<string, Readings> = {};
  if (!group) return out;
  for (const name of group.keys()) {
    const d = group.dataset(name);
    if (!d) continue;
    out[name] = {
      values: d.readNumeric().data,
      units: text(d.attr(ATTR.units)),
    };
  }
  return out;
}

/** Checks the readings of `group` (summary): none come back. */
function checkReadings(
  group: GroupReader | undefined,
): Record<string, Readings> {
  checkWaveforms(group);
  return {};
}

/** A channel's fit group and the names it lists. */
interface FitGroup {
  channel: string;
  group: GroupReader;
  members: ReadonlySet<string>;
}

/** The channel fit groups of `group` (`fit`), each listed once. */
function fitGroups(group: GroupReader | undefined): FitGroup[] {
  return (group?.keys() ?? []).flatMap((channel) => {
    const g = group!.memberGroup(channel);
    return g ? [{ channel, group: g, members: new Set(g.keys()) }] : [];
  });
}

function fits(groups: FitGroup[]): Record<string, ChannelFit> {
  const out: Record<string, ChannelFit> = {};
  for (const { channel, group, members } of groups) {
    out[channel] = readFit(group, members);
  }
  return out;
}

/** Reads one repetition (`/scan_NNN`) to `depth`. */
export function readRecord(
  entry: GroupReader,
  name: string,
  runStatus: ScanStatus,
  wires: readonly WireSpec[] | undefined,
  depth: Depth,
): ScanRecord {
  const index = Number(SCAN_GROUP_PATTERN.exec(name)![1]);
  // one listing of the entry, so an empty one costs no lookups
  const members = new Set(entry.keys());
  const sub = (n: string) => members.has(n) ? entry.memberGroup(n) : undefined;
  const motion = sub(GROUP.scan);
  const full = depth === "full";
  const struck = full ? waveforms(sub(GROUP.struck)) : {};
  const iops = full ? waveforms(sub(GROUP.iops)) : {};
  const twoD = full
    ? Object.values(struck).some((w) => w.shape.length >= 2)
    : checkWaveforms(sub(GROUP.struck));
  if (!full) checkWaveforms(sub(GROUP.iops));
  const checked = vector(motion, MOTION.stepIndex, depth);
  const modeText = text(entry.attr(SCAN.mode));
  const recorded = modeText === "fly" || modeText === "step";
  // a summary reads the step indexes only when the mode is not recorded
  const steps = full || recorded ? checked : vector(motion, MOTION.stepIndex);
  const mode: ScanMode = recorded
    ? modeText
    : twoD || steps.length > 1
    ? "step"
    : "fly";
  const fitted = fitGroups(sub(GROUP.fit));
  const direction: ScanDirection =
    text(entry.attr(SCAN.direction)) === "backward" ? "backward" : "forward";
  return {
    name,
    index,
    mode,
    direction,
    startTime: text(entry.attr(SCAN.startTime)),
    endTime: text(entry.attr(SCAN.endTime)),
    status: status(entry.attr(SCAN.status), runStatus),
    positionsPlanned: vector(motion, MOTION.positionsPlanned, depth),
    positionsReadback: vector(motion, MOTION.positionsReadback, depth),
    timestamps: vector(motion, MOTION.timestamps, depth),
    stepIndex: full ? Int32Array.from(steps) : new Int32Array(0),
    struck,
    iops,
    idc: full ? readings(sub(GROUP.idc)) : checkReadings(sub(GROUP.idc)),
    beam: full ? readings(sub(GROUP.beam)) : checkReadings(sub(GROUP.beam)),
    fits: fits(fitted),
    ...(wires ? forkResults(entry, wires) : {}),
    ...modelResults(fitted),
    ...qualityResults(fitted),
  };
}

/**
 * The points left out of each channel's fit and its σ's error budget
 * (looked up only where the fit group lists them).
 */
function qualityResults(
  groups: FitGroup[],
): Pick<ScanRecord, "rejections" | "errorBudgets"> {
  const rejections: Record<string, PointRejection> = {};
  const budgets: Record<string, ErrorBudget> = {};
  for (const { channel, group, members } of groups) {
    const rejection = members.has(REJECTION_GROUP) && readRejection(group);
    if (rejection) rejections[channel] = rejection;
    const budget = members.has(BUDGET_GROUP) && readErrorBudget(group);
    if (budget) budgets[channel] = budget;
  }
  return {
    ...(Object.keys(rejections).length > 0 ? { rejections } : {}),
    ...(Object.keys(budgets).length > 0 ? { errorBudgets: budgets } : {}),
  };
}

/** The models fitted per channel, when the request asked for any. */
function modelResults(groups: FitGroup[]): Pick<ScanRecord, "modelFits"> {
  const out: Record<string, ModelChoice> = {};
  for (const { channel, group, members } of groups) {
    const choice = readModelFits(group, members);
    if (choice) out[channel] = choice;
  }
  return Object.keys(out).length > 0 ? { modelFits: out } : {};
}

/** A fork's per-wire fits and beam ellipses (none for a single wire). */
function forkResults(
  entry: GroupReader,
  wires: readonly WireSpec[] | undefined,
): Pick<ScanRecord, "wireFits" | "beamShapes"> {
  if (!wires) return {};
  const order = wires.map((w) => w.name);
  const group = entry.group(GROUP.fit);
  const wireFits: Record<string, WireFit[]> = {};
  for (const ch of group?.keys() ?? []) {
    const g = group!.group(ch);
    if (g) wireFits[ch] = readWireFits(g, order);
  }
  const beamShapes = readBeamShapes(entry);
  return beamShapes ? { wireFits, beamShapes } : { wireFits };
}
