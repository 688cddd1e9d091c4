/**
 * The scan-file writer: one HDF5 file per request, written incrementally to
 * `<name>.partial`, flushed after every repetition (so a crash leaves a
 * readable file with everything so far, `status=running`), and renamed to its
 * final name by {@link ScanFileWriter.close}.
 *
 * @module
 */
import { writeErrorBudget, writeRejection } from "./quality_io.ts";
import { join, resolve } from "node:path";
import { profileOf } from "../analysis/mod.ts";
import { gaussianCurve } from "../analysis/models.ts";
import type {
  Readings,
  ScanRecord,
  ScanRun,
  ScanStatus,
  Waveform,
} from "../scan/model.ts";
import { INTEGER_SCAN_ARGS } from "../scan/config.ts";
import { ScanFileError } from "./errors.ts";
import { H5Error, H5File, type H5Group } from "./h5.ts";
import {
  collection,
  writeBeamShapes,
  writeFit,
  writeModelFits,
  writeWireFits,
  writeWireProfiles,
  writeWires,
} from "./fit_io.ts";
import {
  ARG_PREFIX,
  ATTR,
  ENTRY,
  GROUP,
  GZIP_LEVEL,
  GZIP_THRESHOLD,
  MOTION,
  NX,
  PARTIAL_SUFFIX,
  PROFILE,
  profileGroupName,
  ROOT,
  SCAN,
  SCAN_GROUP_PATTERN,
  scanFileName,
  scanGroupName,
  UNITS,
} from "./layout.ts";

/** Options of {@link ScanFileWriter.create}. */
export interface CreateOptions {
  /** Replace an existing file (and `.partial`); default: refuse. */
  overwrite?: boolean;
}

/** How {@link ScanFileWriter.close} ends the file. */
export interface CloseOptions {
  status: ScanStatus;
  /** ISO 8601. */
  endTime: string;
  /** Why the request ended as it did (empty when completed). */
  message?: string;
}

/** Whether anything is at `path`, a dangling symlink included. */
function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Runs `fn`, turning HDF5 failures into a ScanFileError naming `path`. */
function wrap<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ScanFileError) throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new ScanFileError(path, `write failed: ${why}`);
  }
}

function writeRootHeader(root: H5Group, run: ScanRun): void {
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
type TitleInfo = Pick<ScanRun, "scannerIndex" | "comment" | "wires">;

/** `fws03 scan_002: step scan, backward, 41 steps — comment`. */
function entryTitle(run: TitleInfo, scan: ScanRecord): string {
  const points = scan.mode === "step"
    ? `, ${scan.positionsPlanned.length} steps`
    : "";
  const comment = run.comment ? ` — ${run.comment}` : "";
  const scanner = `fws${String(run.scannerIndex).padStart(2, "0")}`;
  return `${scanner} ${scan.name}: ${scan.mode} scan, ${scan.direction}${points}${comment}`;
}

function writeRecord(
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

/**
 * A path in `dir` for a new scan file of scanner `index` started at `start`:
 * `fwsNN_YYYYMMDD_HHMMSS.h5`, or `…_2.h5`, `…_3.h5` when that name (or its
 * `.partial`) is already taken.
 *
 * @example
 * ```ts
 * const path = freeScanFilePath("/var/lib/fws/fws-01", 1, new Date());
 * ```
 */
export function freeScanFilePath(
  dir: string,
  index: number,
  start: Date,
): string {
  const name = scanFileName(index, start);
  let path = join(dir, name);
  for (let i = 2; exists(path) || exists(path + PARTIAL_SUFFIX); i++) {
    path = numbered(join(dir, name), i);
  }
  return path;
}

/**
 * Writes one scan request incrementally and abort-safely.
 *
 * @example
 * ```ts
 * const w = await ScanFileWriter.create("/data/fws03_20261123_220509.h5", run);
 * for (const scan of scans) await w.writeScan(scan);
 * const path = await w.close({ status: "completed", endTime: new Date().toISOString() });
 * ```
 */
export class ScanFileWriter {
  /** Final path (what {@link close} returns). */
  readonly path: string;
  /** Path while writing: `<path>.partial`. */
  readonly partialPath: string;
  readonly #file: H5File;
  readonly #run: TitleInfo;
  /**
   * Set by {@link close} when the final name was taken (created meanwhile):
   * the name intended; the file went to the next free one.
   */
  renamedFrom?: string;
  readonly #overwrite: boolean;
  #closed = false;
  #hasDefault = false;

  private constructor(
    path: string,
    file: H5File,
    run: TitleInfo,
    overwrite: boolean,
  ) {
    this.path = path;
    this.partialPath = file.path;
    this.#file = file;
    this.#overwrite = overwrite;
    this.#run = {
      scannerIndex: run.scannerIndex,
      comment: run.comment,
      wires: run.wires,
    };
  }

  /**
   * Creates `<path>.partial` with the root attributes of `run` (status
   * `running`), writes any scans `run` already holds, and flushes.
   *
   * @throws {ScanFileError} when the file exists (unless `overwrite`) or
   *   cannot be created
   */
  static async create(
    path: string,
    run: ScanRun,
    options: CreateOptions = {},
  ): Promise<ScanFileWriter> {
    const abs = resolve(path);
    const partial = abs + PARTIAL_SUFFIX;
    if (!options.overwrite) {
      for (const p of [abs, partial]) {
        if (exists(p)) {
          throw new ScanFileError(
            p,
            "already exists; refusing to overwrite a scan file",
          );
        }
      }
    }
    let file: H5File;
    try {
      file = await H5File.open(
        partial,
        options.overwrite ? "overwrite" : "create",
      );
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new ScanFileError(partial, `cannot create: ${why}`);
    }
    const writer = new ScanFileWriter(
      abs,
      file,
      run,
      options.overwrite ?? false,
    );
    try {
      wrap(partial, () => writeRootHeader(file.root, run));
      for (const scan of run.scans) await writer.writeScan(scan);
      wrap(partial, () => file.flush());
    } catch (error) {
      file.close();
      throw error;
    }
    return writer;
  }

  /**
   * Writes one repetition (data, fits, profile NXdata groups) and flushes,
   * so the `.partial` file on disk is complete up to this scan.
   */
  writeScan(scan: ScanRecord): Promise<void> {
    if (this.#closed) {
      return Promise.reject(
        new ScanFileError(this.path, "writeScan after close"),
      );
    }
    try {
      wrap(this.partialPath, () => {
        let name: string;
        try {
          name = writeRecord(this.#file.root, this.#run, scan);
        } catch (error) {
          this.#markFailed(scan);
          throw error;
        }
        if (!this.#hasDefault) {
          this.#file.root.setString(ROOT.default, name);
          this.#hasDefault = true;
        }
        this.#file.flush();
      });
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.resolve();
  }

  /** Best effort: a repetition whose write failed half-way says `error`. */
  #markFailed(scan: ScanRecord): void {
    try {
      const entry = this.#file.root.group(
        scan.name || scanGroupName(scan.index),
      );
      entry?.setString(SCAN.status, "error");
      this.#file.flush();
    } catch {
      // the original failure is what the caller needs to see
    }
  }

  /**
   * Sets the final status, end time and message, closes the file and renames
   * `<path>.partial` to `<path>`; returns the final path.
   */
  async close(options: CloseOptions): Promise<string> {
    if (this.#closed) {
      throw new ScanFileError(this.path, "closed twice");
    }
    this.#closed = true;
    try {
      wrap(this.partialPath, () => {
        const root = this.#file.root;
        root.setString(ROOT.status, options.status);
        root.setString(ROOT.endTime, options.endTime);
        root.setString(ROOT.message, options.message ?? "");
      });
    } finally {
      wrap(this.partialPath, () => this.#file.close());
    }
    return await this.#publish();
  }

  /**
   * Gives the closed `.partial` its final name without ever replacing what
   * is there: a hard link fails on any existing name (a file created there
   * meanwhile, a planted symlink), and then the next free `_N` name is
   * taken. Returns the name used ({@link renamedFrom} says when it moved).
   */
  async #publish(): Promise<string> {
    if (this.#overwrite) {
      // asked for: the file replaces what is at its name
      await this.#move(() => Deno.rename(this.partialPath, this.path));
      return this.path;
    }
    for (let n = 1; n < 1000; n++) {
      const target = n === 1 ? this.path : numbered(this.path, n);
      try {
        await Deno.link(this.partialPath, target);
      } catch (error) {
        if (error instanceof Deno.errors.AlreadyExists) continue;
        throw this.#renameError(target, error);
      }
      await this.#move(() => Deno.remove(this.partialPath));
      if (target !== this.path) this.renamedFrom = this.path;
      return target;
    }
    throw new ScanFileError(
      this.partialPath,
      `cannot rename: ${this.path} and its _2 … _999 names are all taken`,
    );
  }

  async #move(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      throw this.#renameError(this.path, error);
    }
  }

  #renameError(target: string, error: unknown): ScanFileError {
    const why = error instanceof Error ? error.message : String(error);
    return new ScanFileError(
      this.partialPath,
      `cannot rename to ${target}: ${why}`,
    );
  }
}

/** `…/fws01_x.h5` → `…/fws01_x_N.h5`. */
function numbered(path: string, n: number): string {
  return path.replace(/(\.h5)?$/, `_${n}$1`);
}

/**
 * Writes a whole run at once: create, every scan, close with `run.status`,
 * `run.endTime` and `run.message`; returns the final path.
 */
export async function writeScanFile(
  path: string,
  run: ScanRun,
  options: CreateOptions = {},
): Promise<string> {
  const writer = await ScanFileWriter.create(path, run, options);
  return await writer.close({
    status: run.status,
    endTime: run.endTime,
    message: run.message,
  });
}
