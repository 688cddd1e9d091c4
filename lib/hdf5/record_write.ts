/**
 * One request in the scan file: the root's attributes, and each repetition
 * as an NXentry (`/scan_NNN`) with its waveforms, readings, motion, fits and
 * NXdata profiles. `writer.ts` decides when they are written; reading one
 * back is `record_read.ts`'s.
 *
 * @module
 */
import { writeErrorBudget, writeRejection } from "./quality_io.ts";
import { profileOf } from "../analysis/mod.ts";
import { gaussianCurve } from "../analysis/models.ts";
import type { Readings, ScanRecord, ScanRun, Waveform } from "../scan/model.ts";
import { INTEGER_SCAN_ARGS } from "../scan/config.ts";
import { H5Error, type H5Group } from "./h5.ts";
import { collection, writeFit, writeModelFits } from "./fit_io.ts";
import {
  writeBeamShapes,
  writeWireFits,
  writeWireProfiles,
  writeWires,
} from "./fork_io.ts";
import {
  ARG_PREFIX,
  ATTR,
  ENTRY,
  GROUP,
  GZIP_LEVEL,
  GZIP_THRESHOLD,
  MOTION,
  NX,
  PROFILE,
  profileGroupName,
  ROOT,
  SCAN,
  SCAN_GROUP_PATTERN,
  scanGroupName,
  UNITS,
} from "./layout.ts";

/** Writes the root's attributes: who, when, what was asked. */
export function writeRootHeader(root: H5Group, run: ScanRun): void {
  root.setString(ROOT.nxClass, NX.root);
  root.setString(ROOT.fileFormat, run.fileFormat);
  root.setInt(ROOT.scannerIndex, run.scannerIndex);
  root.setBool(ROOT.testMode, run.testMode);
  root.setString(ROOT.user, run.user);
  root.setString(ROOT.comment, run.comment);
  root.setString(ROOT.startTime, run.startTime);
  root.setString(ROOT.endTime, run.endTime);
  root.setString(ROOT.sourceProgram, run.source.program);
  root.setString(ROOT.sourceVersion, run.source.version);
  root.setString(ROOT.sourceHost, run.source.host);
  root.setString(ROOT.creator, run.source.program);
  root.setString(ROOT.creatorVersion, run.source.version);
  root.setString(ROOT.scanArgs, JSON.stringify(run.scanArgs));
  // An argument's type follows its meaning, not its value: a count is int32,
  // any other number float64 (-5 and -4.5 are both float64).
  for (const [key, value] of Object.entries(run.scanArgs)) {
    const name = ARG_PREFIX + key;
    if (typeof value === "boolean") root.setBool(name, value);
    else if (typeof value === "number") {
      if (INTEGER_SCAN_ARGS.includes(key)) root.setInt(name, value);
      else root.setFloat(name, value);
    } else root.setString(name, String(value));
  }
  root.setString(ROOT.status, "running");
  root.setString(ROOT.message, run.message);
  if (run.wires && run.wires.length > 1) writeWires(root, run.wires);
}

function writeWaveform(group: H5Group, name: string, w: Waveform): void {
  const d = group.writeFloat64(name, w.data, {
    shape: w.shape,
    gzip: w.data.length >= GZIP_THRESHOLD ? GZIP_LEVEL : undefined,
  });
  d.setString(ATTR.units, w.units);
  if (w.samplePeriod !== undefined) {
    d.setFloat(ATTR.samplePeriod, w.samplePeriod);
  }
}

function writeReadings(group: H5Group, name: string, r: Readings): void {
  group.writeFloat64(name, r.values).setString(ATTR.units, r.units);
}

/** Writes the NXdata profile of one channel; false when there is none. */
function writeProfile(
  entry: H5Group,
  scan: ScanRecord,
  channel: string,
): boolean {
  const fit = scan.fits[channel];
  const iops = fit?.iopsChannel || Object.keys(scan.iops)[0] || "";
  let profile;
  try {
    profile = profileOf(scan, channel, iops);
  } catch {
    return false; // e.g. a fly scan without IOPS data: no profile to show
  }
  if (profile.x.length === 0) return false;
  const g = collection(entry, profileGroupName(channel), NX.data);
  g.setString(ATTR.signal, channel);
  g.setStrings(ATTR.axes, [PROFILE.axis]);
  const yUnits = scan.struck[channel].units;
  const source = scan.iops[iops]
    ? `${GROUP.iops}/${iops}`
    : `${GROUP.scan}/${MOTION.positionsReadback}`;
  const y = g.writeFloat64(channel, profile.y);
  y.setString(ATTR.units, yUnits);
  y.setString(ATTR.longName, `${channel} signal`);
  const x = g.writeFloat64(PROFILE.axis, profile.x);
  x.setString(ATTR.units, scan.iops[iops]?.units ?? UNITS.position);
  x.setString(ATTR.longName, `wire position (${source})`);
  x.setString(ATTR.source, source);
  if (fit?.ok) {
    g.setStrings(ATTR.auxiliarySignals, [PROFILE.fit]);
    const f = g.writeFloat64(PROFILE.fit, gaussianCurve(fit, profile.x));
    f.setString(ATTR.units, yUnits);
    f.setString(ATTR.longName, `Gaussian fit of ${channel}`);
  }
  return true;
}

/** Fly mode: the time of each Struck sample, or undefined when unknown. */
function flySampleTimes(scan: ScanRecord): Float64Array | undefined {
  if (scan.mode !== "fly" || scan.timestamps.length === 0) return undefined;
  const w = Object.values(scan.struck).find((w) => w.samplePeriod! > 0);
  if (!w) return undefined;
  const n = w.data.length;
  const last = scan.timestamps[scan.timestamps.length - 1];
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = last - (n - 1 - i) * w.samplePeriod!;
  return out;
}

/** What a repetition's group needs of its request. */
/** What a repetition's title is made of. */
export type TitleInfo = Pick<ScanRun, "scannerIndex" | "comment" | "wires">;

/** `fws03 scan_002: step scan, backward, 41 steps — comment`. */
function entryTitle(run: TitleInfo, scan: ScanRecord): string {
  const points = scan.mode === "step"
    ? `, ${scan.positionsPlanned.length} steps`
    : "";
  const comment = run.comment ? ` — ${run.comment}` : "";
  const scanner = `fws${String(run.scannerIndex).padStart(2, "0")}`;
  return `${scanner} ${scan.name}: ${scan.mode} scan, ${scan.direction}${points}${comment}`;
}

export function writeRecord(
  root: H5Group,
  run: TitleInfo,
  scan: ScanRecord,
): string {
  const name = scan.name || scanGroupName(scan.index);
  if (!SCAN_GROUP_PATTERN.test(name)) {
    throw new H5Error(`scan name '${name}'; expected scan_NNN`);
  }
  const entry = collection(root, name, NX.entry);
  entry.setString(SCAN.mode, scan.mode);
  entry.setString(SCAN.direction, scan.direction);
  entry.setString(SCAN.startTime, scan.startTime);
  entry.setString(SCAN.endTime, scan.endTime);
  entry.writeString(ENTRY.title, entryTitle(run, scan));
  // "running" until the whole repetition is written: a scan group cut short
  // (crash or failed write) never claims to be complete
  entry.setString(SCAN.status, "running");

  const motion = collection(entry, GROUP.scan, NX.collection);
  motion.writeFloat64(MOTION.positionsPlanned, scan.positionsPlanned)
    .setString(ATTR.units, UNITS.position);
  motion.writeFloat64(MOTION.positionsReadback, scan.positionsReadback)
    .setString(ATTR.units, UNITS.position);
  motion.writeFloat64(MOTION.timestamps, scan.timestamps)
    .setString(ATTR.units, UNITS.time);
  motion.writeInt32(MOTION.stepIndex, scan.stepIndex);
  const time = flySampleTimes(scan);
  if (time) {
    motion.writeFloat64(MOTION.sampleTime, time, {
      gzip: time.length >= GZIP_THRESHOLD ? GZIP_LEVEL : undefined,
    }).setString(ATTR.units, UNITS.time);
  }

  const struck = collection(entry, GROUP.struck, NX.detector);
  for (const [ch, w] of Object.entries(scan.struck)) {
    writeWaveform(struck, ch, w);
  }
  const iops = collection(entry, GROUP.iops, NX.collection);
  for (const [ch, w] of Object.entries(scan.iops)) writeWaveform(iops, ch, w);
  const idc = collection(entry, GROUP.idc, NX.collection);
  for (const [n, r] of Object.entries(scan.idc)) writeReadings(idc, n, r);
  const beam = collection(entry, GROUP.beam, NX.collection);
  for (const [n, r] of Object.entries(scan.beam)) writeReadings(beam, n, r);

  const fits = collection(entry, GROUP.fit, NX.collection);
  for (const [ch, fit] of Object.entries(scan.fits)) {
    const y = scan.struck[ch]?.units ?? "";
    const x = scan.iops[fit.iopsChannel]?.units ?? UNITS.position;
    const g = writeFit(fits, ch, fit, { x, y });
    const perWire = scan.wireFits?.[ch];
    if (perWire) {
      writeWireFits(g, perWire, { iopsChannel: fit.iopsChannel, y });
    }
    const models = scan.modelFits?.[ch];
    if (models) writeModelFits(g, models, { x, y });
    const rejection = scan.rejections?.[ch];
    if (rejection) writeRejection(g, rejection);
    const budget = scan.errorBudgets?.[ch];
    if (budget) writeErrorBudget(g, budget, x);
  }
  if (scan.beamShapes) writeBeamShapes(entry, scan.beamShapes);

  let first = "";
  for (const ch of Object.keys(scan.struck)) {
    if (writeProfile(entry, scan, ch) && !first) first = ch;
    if (run.wires && run.wires.length > 1) {
      writeWireProfiles(entry, scan, ch, run.wires);
    }
  }
  if (first) entry.setString(SCAN.default, profileGroupName(first));
  entry.setString(SCAN.status, scan.status);
  return name;
}
