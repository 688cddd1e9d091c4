/**
 * The scan-file reader: returns the typed {@link ScanRun} of a file in the
 * fws layout, whether fws or another tool (h5py) wrote it — any chunking,
 * int/float widths, missing optional groups. Anything else gives one
 * {@link ScanFileError} naming the file and what is wrong. Needs read
 * permission only.
 *
 * @module
 */
import { readErrorBudget, readRejection } from "./quality_io.ts";
import { resolve } from "node:path";
import type {
  ChannelFit,
  ErrorBudget,
  ModelChoice,
  PointRejection,
  Readings,
  ScanDirection,
  ScanMode,
  ScanRecord,
  ScanRun,
  ScanStatus,
  Waveform,
  WireFit,
  WireSpec,
} from "../scan/model.ts";
import { ScanFileError } from "./errors.ts";
import { type AttrValue, H5Error, H5File, type H5Group } from "./h5.ts";
import { superblockProblem } from "./superblock.ts";
import {
  bool,
  number,
  readBeamShapes,
  readFit,
  readModelFits,
  readWireFits,
  readWires,
  text,
} from "./fit_io.ts";
import {
  ARG_PREFIX,
  ATTR,
  GROUP,
  MOTION,
  ROOT,
  SCAN,
  SCAN_GROUP_PATTERN,
} from "./layout.ts";

const STATUSES = new Set<ScanStatus>([
  "running",
  "completed",
  "aborted",
  "error",
]);

function status(
  value: AttrValue | undefined,
  fallback: ScanStatus,
): ScanStatus {
  const s = text(value) as ScanStatus;
  return STATUSES.has(s) ? s : fallback;
}

function scanArgs(root: H5Group): ScanRun["scanArgs"] {
  const json = root.attr(ROOT.scanArgs);
  if (json !== undefined) {
    try {
      const parsed = JSON.parse(text(json));
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
        return parsed;
      }
    } catch {
      // fall back to the per-argument attributes
    }
  }
  const args: ScanRun["scanArgs"] = {};
  for (const name of root.attrNames()) {
    if (!name.startsWith(ARG_PREFIX)) continue;
    const v = root.attr(name);
    args[name.slice(ARG_PREFIX.length)] =
      typeof v === "number" || typeof v === "boolean" ? v : text(v);
  }
  return args;
}

/** A 1-D float64 dataset of `group`, empty when absent. */
function vector(group: H5Group | undefined, name: string): Float64Array {
  const d = group?.dataset(name);
  return d ? d.readNumeric().data : new Float64Array(0);
}

function waveforms(group: H5Group | undefined): Record<string, Waveform> {
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

function readings(group: H5Group | undefined): Record<string, Readings> {
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

function fits(group: H5Group | undefined): Record<string, ChannelFit> {
  const out: Record<string, ChannelFit> = {};
  if (!group) return out;
  for (const channel of group.keys()) {
    const g = group.group(channel);
    if (g) out[channel] = readFit(g);
  }
  return out;
}

function readRecord(
  entry: H5Group,
  name: string,
  runStatus: ScanStatus,
  wires: readonly WireSpec[] | undefined,
): ScanRecord {
  const index = Number(SCAN_GROUP_PATTERN.exec(name)![1]);
  // one listing of the entry, so an empty one costs no lookups
  const members = new Set(entry.keys());
  const sub = (n: string) => members.has(n) ? entry.group(n) : undefined;
  const motion = sub(GROUP.scan);
  const struck = waveforms(sub(GROUP.struck));
  const iops = waveforms(sub(GROUP.iops));
  const stepIndex = Int32Array.from(vector(motion, MOTION.stepIndex));
  const modeText = text(entry.attr(SCAN.mode));
  const twoD = Object.values(struck).some((w) => w.shape.length >= 2);
  const mode: ScanMode = modeText === "fly" || modeText === "step"
    ? modeText
    : twoD || stepIndex.length > 1
    ? "step"
    : "fly";
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
    positionsPlanned: vector(motion, MOTION.positionsPlanned),
    positionsReadback: vector(motion, MOTION.positionsReadback),
    timestamps: vector(motion, MOTION.timestamps),
    stepIndex,
    struck,
    iops,
    idc: readings(sub(GROUP.idc)),
    beam: readings(sub(GROUP.beam)),
    fits: fits(sub(GROUP.fit)),
    ...(wires ? forkResults(entry, wires) : {}),
    ...modelResults(sub(GROUP.fit)),
    ...qualityResults(sub(GROUP.fit)),
  };
}

/** The points left out of each channel's fit and its σ's error budget. */
function qualityResults(
  group: H5Group | undefined,
): Pick<ScanRecord, "rejections" | "errorBudgets"> {
  const rejections: Record<string, PointRejection> = {};
  const budgets: Record<string, ErrorBudget> = {};
  for (const ch of group?.keys() ?? []) {
    const g = group!.group(ch);
    if (!g) continue;
    const rejection = readRejection(g);
    if (rejection) rejections[ch] = rejection;
    const budget = readErrorBudget(g);
    if (budget) budgets[ch] = budget;
  }
  return {
    ...(Object.keys(rejections).length > 0 ? { rejections } : {}),
    ...(Object.keys(budgets).length > 0 ? { errorBudgets: budgets } : {}),
  };
}

/** The models fitted per channel, when the request asked for any. */
function modelResults(
  group: H5Group | undefined,
): Pick<ScanRecord, "modelFits"> {
  const out: Record<string, ModelChoice> = {};
  for (const ch of group?.keys() ?? []) {
    const g = group!.group(ch);
    const choice = g && readModelFits(g);
    if (choice) out[ch] = choice;
  }
  return Object.keys(out).length > 0 ? { modelFits: out } : {};
}

/** A fork's per-wire fits and beam ellipses (none for a single wire). */
function forkResults(
  entry: H5Group,
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

function readRun(path: string, root: H5Group): ScanRun {
  const format = root.attr(ROOT.fileFormat);
  const entries = new Map<string, H5Group>();
  for (const k of root.keys()) {
    const g = SCAN_GROUP_PATTERN.test(k) ? root.group(k) : undefined;
    if (g) entries.set(k, g);
  }
  const names = [...entries.keys()]
    .sort((a, b) =>
      Number(SCAN_GROUP_PATTERN.exec(a)![1]) -
      Number(SCAN_GROUP_PATTERN.exec(b)![1])
    );
  if (format === undefined && names.length === 0) {
    throw new ScanFileError(
      path,
      "is an HDF5 file but not an fws scan file (no file_format attribute, no scan_NNN groups); expected the fws-scan/1 layout",
    );
  }
  const fileFormat = text(format);
  if (format !== undefined && !/^fws-scan\/1(\.|$)/.test(fileFormat)) {
    throw new ScanFileError(
      path,
      `has file_format '${fileFormat}'; expected fws-scan/1`,
    );
  }
  const runStatus = status(root.attr(ROOT.status), "completed");
  const wires = readWires(root);
  return {
    fileFormat,
    scannerIndex: number(root.attr(ROOT.scannerIndex), 0),
    testMode: bool(root.attr(ROOT.testMode)),
    user: text(root.attr(ROOT.user)),
    comment: text(root.attr(ROOT.comment)),
    startTime: text(root.attr(ROOT.startTime)),
    endTime: text(root.attr(ROOT.endTime)),
    source: {
      program: text(root.attr(ROOT.sourceProgram) ?? root.attr(ROOT.creator)),
      version: text(
        root.attr(ROOT.sourceVersion) ?? root.attr(ROOT.creatorVersion),
      ),
      host: text(root.attr(ROOT.sourceHost)),
    },
    scanArgs: scanArgs(root),
    status: runStatus,
    message: text(root.attr(ROOT.message)),
    ...(wires ? { wires } : {}),
    scans: names.map((n) => readRecord(entries.get(n)!, n, runStatus, wires)),
  };
}

/**
 * Reads a scan file into a {@link ScanRun}.
 *
 * @throws {ScanFileError} for a missing, empty, truncated, non-HDF5 or
 *   foreign-layout file, or data fws cannot decode (e.g. LZF compression)
 *
 * @example
 * ```ts
 * const run = await readScanFile("fws03_20261123_220509.h5");
 * console.log(run.scans.length, run.scans[0].fits.PDB?.sigma);
 * ```
 */
export async function readScanFile(path: string): Promise<ScanRun> {
  const abs = resolve(path);
  const problem = superblockProblem(abs);
  if (problem) throw new ScanFileError(abs, problem);
  let file: H5File;
  try {
    file = await H5File.open(abs, "r");
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new ScanFileError(
      abs,
      `is not a readable HDF5 file: ${why.replace(`open ${abs}: `, "")}`,
    );
  }
  try {
    return readRun(abs, file.root);
  } catch (error) {
    if (error instanceof ScanFileError) throw error;
    if (error instanceof H5Error) throw new ScanFileError(abs, error.message);
    throw new ScanFileError(
      abs,
      `unreadable: ${error instanceof Error ? error.message : error}`,
    );
  } finally {
    try {
      file.close();
    } catch {
      // closing a read-only file cannot lose data
    }
  }
}
