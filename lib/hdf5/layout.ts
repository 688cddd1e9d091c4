/**
 * The HDF5 scan-file layout: the ONE place for group, dataset and attribute
 * names (DESIGN.md "HDF5 scan file"). Writer, reader, inspect and tests take
 * every name from here.
 *
 * ```
 * /                      NXroot: file_format, scanner_index, test_mode, user, comment,
 *                        start_time, end_time, source_*, scan_args (+ arg_<key>), status,
 *                        message, default
 * /scan_001              NXentry: mode, direction, start_time, end_time, status, default; title
 * /scan_001/scan         positions_planned, positions_readback [mm], timestamps [s since epoch], step_index
 * /scan_001/struck/<CH>  waveform (+ units, sample_period [s])
 * /scan_001/iops/<CH>    waveform [mm]
 * /scan_001/idc/<name>   readings (+ units); /scan_001/beam/<name> likewise
 * /scan_001/fit/<CH>     NXparameters: amplitude, center, sigma, offset (+ _err), chi2_red, …
 * /scan_001/profile_<CH> NXdata: signal <CH>, axes position, auxiliary fit
 * ```
 *
 * A fork of several wires adds (a single-wire file has none of these):
 *
 * ```
 * /wires/<WIRE>                    angle [deg], window (given|auto), window_low/high, scale, offset, diameter [mm]
 * /scan_001/fit/<CH>/<WIRE>        the wire's fit in beam coordinates + angle, window_low/high, diameter, sigma_beam(_err)
 * /scan_001/profile_<CH>_wire_<W>  NXdata of the wire's window against the beam coordinate
 * /scan_001/beam_shape/<CH>        sigma_x, sigma_y, sigma_xy, tilt, correlation (+ _err), ok, message, planes, chi2
 * ```
 *
 * @module
 */

export { FILE_FORMAT, scanGroupName } from "../scan/model.ts";

/** Root (`/`) attribute names. */
export const ROOT = {
  fileFormat: "file_format",
  scannerIndex: "scanner_index",
  testMode: "test_mode",
  user: "user",
  comment: "comment",
  startTime: "start_time",
  endTime: "end_time",
  sourceProgram: "source_program",
  sourceVersion: "source_version",
  sourceHost: "source_host",
  /** NeXus NXroot names of the writer, mirroring source_*. */
  creator: "creator",
  creatorVersion: "creator_version",
  scanArgs: "scan_args",
  status: "status",
  message: "message",
  nxClass: "NX_class",
  default: "default",
} as const;

/** Prefix of the per-argument root attributes (`arg_mode`, `arg_steps`, …). */
export const ARG_PREFIX = "arg_";

/** `scan_NNN` (NXentry) attribute names. */
export const SCAN = {
  mode: "mode",
  direction: "direction",
  startTime: "start_time",
  endTime: "end_time",
  status: "status",
  nxClass: "NX_class",
  default: "default",
} as const;

/** Datasets of a `scan_NNN` entry itself (NeXus NXentry fields). */
export const ENTRY = {
  /** NXentry/title: what the repetition is, in one line. */
  title: "title",
} as const;

/** Pattern of repetition group names; group 1 is the number. */
export const SCAN_GROUP_PATTERN = /^scan_(\d+)$/;

/** Subgroups of a `scan_NNN` entry. */
export const GROUP = {
  scan: "scan",
  struck: "struck",
  iops: "iops",
  idc: "idc",
  beam: "beam",
  fit: "fit",
  /** At the root: the fork's wire table. */
  wires: "wires",
  beamShape: "beam_shape",
} as const;

/** Datasets of `/wires/<WIRE>` and the extra ones of a wire's fit group. */
export const WIRE = {
  /** Attribute of `/wires`: the wire names in table order. */
  order: "wire_order",
  angle: "angle",
  /** `given`, `auto` or `all`. */
  window: "window",
  windowLow: "window_low",
  windowHigh: "window_high",
  scale: "scale",
  offset: "offset",
  diameter: "diameter",
  sigmaBeam: "sigma_beam",
  sigmaBeamErr: "sigma_beam_err",
} as const;

/**
 * The stroke check of a wire as of the repetition, in
 * `fit/<CH>/<WIRE>/stroke` (bidirectional requests only): backward minus
 * forward centre and σ [mm], and the readout lag over the daemon's
 * requests' speeds [s].
 */
export const STROKE = {
  group: "stroke",
  centerShift: "center_shift",
  centerShiftErr: "center_shift_err",
  sigmaShift: "sigma_shift",
  sigmaShiftErr: "sigma_shift_err",
  lag: "lag",
  lagErr: "lag_err",
  speeds: "speeds",
  growsWithSpeed: "grows_with_speed",
  message: "message",
} as const;

/**
 * The non-numeric datasets of `/scan_NNN/beam_shape/<CH>`; the numbers are
 * the beam-shape registry's (`lib/analysis/beam_shape.ts` BEAM_SHAPE_FIELDS).
 */
export const BEAM_SHAPE = {
  ok: "ok",
  message: "message",
  planes: "planes",
  chi2: "chi2",
} as const;

/** Datasets of `/scan_NNN/scan`. */
export const MOTION = {
  positionsPlanned: "positions_planned",
  positionsReadback: "positions_readback",
  timestamps: "timestamps",
  stepIndex: "step_index",
  /**
   * Fly mode: the time of every Struck sample (the waveform's timestamp is
   * its last sample's; the others are one sample period apart).
   */
  sampleTime: "sample_time",
} as const;

/** Attribute names on datasets. */
export const ATTR = {
  units: "units",
  samplePeriod: "sample_period",
  longName: "long_name",
  nxClass: "NX_class",
  signal: "signal",
  axes: "axes",
  auxiliarySignals: "auxiliary_signals",
  source: "source",
} as const;

/** NeXus class names used. */
export const NX = {
  root: "NXroot",
  entry: "NXentry",
  collection: "NXcollection",
  detector: "NXdetector",
  parameters: "NXparameters",
  data: "NXdata",
} as const;

/** Units of the motion datasets. */
export const UNITS = {
  position: "mm",
  /** Timestamps: seconds since the Unix epoch, said in the units (UDUNITS form). */
  time: "s since 1970-01-01T00:00:00Z",
} as const;

/** `profile_PDB` for struck channel `PDB`. */
export function profileGroupName(channel: string): string {
  return `profile_${channel}`;
}

/** `profile_PDB_wire_X` for wire `X` of struck channel `PDB`. */
export function wireProfileGroupName(channel: string, wire: string): string {
  return `${profileGroupName(channel)}_wire_${wire}`;
}

/** Pattern of profile group names; group 1 is the channel. */
export const PROFILE_GROUP_PATTERN = /^profile_(.+)$/;

/** Datasets of a `profile_<CH>` NXdata group (signal is named after <CH>). */
export const PROFILE = {
  axis: "position",
  fit: "fit",
} as const;

/**
 * The numeric datasets of `/scan_NNN/fit/<CH>` are the fit-field registry's
 * (`lib/analysis/fit_fields.ts`: name, integer or float, unit kind).
 */
/** The remaining fit datasets: `ok` is stored as `converged`. */
export const FIT = {
  converged: "converged",
  message: "message",
  iopsChannel: "iops_channel",
  /** How the points were weighted (`none`, or where each σᵢ came from). */
  weighting: "weighting",
  /** How a point was formed from the acquired samples. */
  points: "points",
  /** The fitted model, as a formula (attribute of the fit group). */
  model: "model",
} as const;

/** The model every fit of this file format is. */
export const FIT_MODEL = "gaussian: A*exp(-(x-mu)^2/(2*sigma^2)) + c";

/** Waveforms with at least this many values are stored chunked + gzip. */
export const GZIP_THRESHOLD = 4096;

/** gzip level of large waveforms. */
export const GZIP_LEVEL = 4;

/** Suffix of a file being written; renamed away when closed. */
export const PARTIAL_SUFFIX = ".partial";

/**
 * The file name of a request: `fwsNN_YYYYMMDD_HHMMSS.h5` for scanner `index`
 * and the request's start `date` (UTC).
 *
 * @example
 * ```ts
 * scanFileName(3, new Date("2026-11-23T22:05:09Z")); // "fws03_20261123_220509.h5"
 * ```
 */
export function scanFileName(index: number, date: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `fws${p(index)}_${date.getUTCFullYear()}${p(date.getUTCMonth() + 1)}${
    p(date.getUTCDate())
  }_${p(date.getUTCHours())}${p(date.getUTCMinutes())}${
    p(date.getUTCSeconds())
  }.h5`;
}
