/**
 * The in-memory shape of one scan request and its repetitions: what
 * `ScanDataCollector` fills, what `GaussFitCallback` fits, what the HDF5
 * writer persists and the reader returns, and what the plot page shows.
 * Plain data only (typed arrays, strings, numbers), so it can cross a Worker
 * boundary and be compared field by field in tests.
 *
 * @module
 */

/** How a request or one repetition ended. */
export type ScanStatus = "running" | "completed" | "aborted" | "error";

/** Step scan (move, settle, acquire per point) or fly scan (one trajectory). */
export type ScanMode = "step" | "fly";

/** Direction of one repetition; BIDIR alternates it. */
export type ScanDirection = "forward" | "backward";

/**
 * A block of samples stored row-major: step mode holds one row per step
 * (`shape = [nSteps, nSamples]`), fly mode one row (`shape = [nSamples]`).
 */
export interface Waveform {
  /** Row-major samples; length is the product of `shape`. */
  data: Float64Array;
  /** `[nSamples]` or `[nRows, nSamples]`. */
  shape: number[];
  /** Physical unit, e.g. `"V"`, `"mm"`, `"counts"`. */
  units: string;
  /** Seconds between samples, when known. */
  samplePeriod?: number;
}

/** Scalar context readings taken once per step (IDC, beam current/energy). */
export interface Readings {
  /** One value per step (NaN where the PV could not be read). */
  values: Float64Array;
  /** Physical unit, e.g. `"mA"`, `"MeV"`. */
  units: string;
}

/**
 * Result of fitting `A·exp(−(x−μ)²/(2σ²)) + c` to one profile.
 * When `ok` is false the numbers are NaN and `message` says why.
 */
export interface GaussFit {
  ok: boolean;
  /** Human-readable outcome: why it stopped, or why it failed. */
  message: string;
  amplitude: number;
  center: number;
  sigma: number;
  offset: number;
  amplitudeErr: number;
  centerErr: number;
  sigmaErr: number;
  offsetErr: number;
  /**
   * Reduced chi-square `Σ wᵢrᵢ²/(n−4)`, with `wᵢ = 1/σᵢ²` from the points'
   * uncertainties; NaN when the points carry none (see `weighting`).
   */
  chi2Red: number;
  /** RMS of the residuals, `√(Σrᵢ²/(n−4))` (signal units; always defined). */
  residualRms: number;
  rSquared: number;
  /** 2·√(2 ln 2)·σ. */
  fwhm: number;
  /** Background-subtracted RMS width of the data (model-free). */
  rms: number;
  /** Background-subtracted centroid of the data (model-free). */
  centroid: number;
  nPoints: number;
  iterations: number;
  nEvaluations: number;
  /** How the points were weighted: `none`, or where their σᵢ came from. */
  weighting: string;
  /** How a point of the profile was formed from the acquired samples. */
  points: string;
}

/** A fit stored with the scan: which IOPS channel gave the x axis. */
export interface ChannelFit extends GaussFit {
  iopsChannel: string;
}

/** One wire of the fork. */
export interface WireSpec {
  /** Name, e.g. `X`, `Y`, `U` (letters, digits, `_`). */
  readonly name: string;
  /** Direction the wire measures, degrees from x (x = 0, y = 90, u = 45). */
  readonly angle: number;
  /**
   * Stage positions `[low, high]` [mm] in which the wire crosses the beam,
   * `"auto"` to split the stroke at the minima between the peaks found, or
   * `"all"`: the whole stroke (one wire only).
   */
  readonly window: readonly [number, number] | "auto" | "all";
  /** Beam coordinate = scale × (stage − offset); default 1. */
  readonly scale: number;
  /** Stage position of the beam axis for this wire [mm]; default 0. */
  readonly offset: number;
  /** Wire diameter [mm]; 0 = no size correction. */
  readonly diameter: number;
}

/** The fit of one wire's region of a stroke. */
export interface WireFit {
  /** Wire name. */
  wire: string;
  /** Plane angle of the wire, degrees from x. */
  angle: number;
  /** Stage window the points came from [mm]. */
  window: [number, number];
  /** Wire diameter used for the correction [mm]. */
  diameter: number;
  /** The Gaussian fit in beam coordinates; `sigma` is uncorrected. */
  fit: GaussFit;
  /** σ corrected for the wire's size [mm] (NaN when not resolvable). */
  sigmaBeam: number;
  /** Standard error of {@link sigmaBeam} [mm]. */
  sigmaBeamErr: number;
  /** The stroke check as of this repetition (bidirectional requests). */
  stroke?: WireStroke;
  /** The error budget of `fit.sigma` with this wire's size (fit ok). */
  budget?: ErrorBudget;
}

/**
 * The stroke check of one wire as of a repetition: backward minus forward
 * over the request's strokes so far, and the readout lag over the speeds
 * of the daemon's requests (`lagOverSpeeds`).
 */
export interface WireStroke {
  /** Backward minus forward mean centre [mm], and its error. */
  centerShift: number;
  centerShiftErr: number;
  /** Backward minus forward mean σ (size-corrected) [mm], and its error. */
  sigmaShift: number;
  sigmaShiftErr: number;
  /** Position-readout lag [s], and its error. */
  lag: number;
  lagErr: number;
  /** Distinct fly speeds the lag comes from. */
  speeds: number;
  /** The centre shift grows with speed: a likely readout lag. */
  growsWithSpeed: boolean;
  /** One line for the operator. */
  message: string;
}

/** The beam ellipse, with standard errors. Angles in degrees. */
export interface BeamShape {
  ok: boolean;
  /** Why it could not be determined, or a warning ("" when none). */
  message: string;
  sigmaX: number;
  sigmaXErr: number;
  sigmaY: number;
  sigmaYErr: number;
  /** Covariance ⟨xy⟩ [mm²]. */
  sigmaXY: number;
  sigmaXYErr: number;
  /** Angle of the major axis from x [deg], −90 … 90. */
  tilt: number;
  tiltErr: number;
  /** σ_xy / (σ_x σ_y), −1 … 1. */
  correlation: number;
  correlationErr: number;
  /** Planes used. */
  planes: number;
  /** χ² of the least squares (0 with exactly three planes). */
  chi2: number;
}

/** One profile model's fit, as stored (see `lib/analysis/model_fit.ts`). */
export interface ModelFitResult {
  /** Model name of the registry (`gauss`, `double_gauss`, …). */
  model: string;
  ok: boolean;
  message: string;
  /** Parameters in the registry's order (NaN when not ok). */
  params: number[];
  /** Their standard errors. */
  errors: number[];
  chi2: number;
  nPoints: number;
  aicc: number;
  bic: number;
  fwhm: number;
  haloFraction: number;
  haloFractionErr: number;
  iterations: number;
  nEvaluations: number;
}

/** The models fitted to one channel's profile, and the one chosen. */
export interface ModelChoice {
  /** The request's setting: `auto` or one model's name. */
  asked: string;
  /** The model chosen (`auto`), the one asked for, or null when none fitted. */
  chosen: string | null;
  /** The runner-up's AICc minus the chosen one's (NaN without one). */
  deltaAicc: number;
  /** Every model fitted, in the registry's order. */
  fits: ModelFitResult[];
}

/** Point rejection settings (see `lib/analysis/rejection.ts`). */
export interface RejectionOptions {
  /** Scale each step's signal by median beam / its beam reading. */
  normalise?: boolean;
  /** The ADC's saturation level, in the signal's units. */
  saturation?: number;
  /** Steps with beam below this fraction of the median are left out (0–1). */
  beamFraction?: number;
  /** Residuals beyond k × MAD are outliers (k > 0). */
  outlierK?: number;
}

/** The points of one channel's profile left out of its fits, and why. */
export interface PointRejection {
  /**
   * A code per point of the raw profile (per step, or per fly sample):
   * 0 kept, 1 nan, 2 saturated, 3 low_beam, 4 outlier.
   */
  mask: Uint8Array;
  /** Points left out per reason (`nan`, `saturated`, `low_beam`, `outlier`). */
  counts: Record<string, number>;
  /** Whether the signal was normalised to the beam reading. */
  normalised: boolean;
  /** The settings applied. */
  options: RejectionOptions;
}

/** The error budget of a fitted σ (see `lib/analysis/error_budget.ts`). */
export interface ErrorBudget {
  /** The fit's standard error of σ. */
  statistical: number;
  /** The wire's size, d/4 (0 for a wire of no given size). */
  wire: number;
  /** The position readout's noise (NaN with one position channel). */
  readout: number;
  /** The sampling, h/√12 for a spacing h between points. */
  sampling: number;
  /** σ / h. */
  pointsPerSigma: number;
  /** The quadrature sum of the contributions (NaN ones left out). */
  floor: number;
  /** σ is below the floor (or not finite): not to be trusted. */
  belowFloor: boolean;
}

/** One repetition (`scan_001`, `scan_002`, …). */
export interface ScanRecord {
  /** HDF5 group name, `scan_NNN`. */
  name: string;
  /** 1-based repetition number. */
  index: number;
  mode: ScanMode;
  direction: ScanDirection;
  /** ISO 8601. */
  startTime: string;
  /** ISO 8601; empty while running. */
  endTime: string;
  status: ScanStatus;
  /** Planned wire positions [mm] (step mode: one per step; fly: start, end). */
  positionsPlanned: Float64Array;
  /** Motor readback after each move [mm]. */
  positionsReadback: Float64Array;
  /** Acquisition time of each step, seconds since the Unix epoch. */
  timestamps: Float64Array;
  /** Step number of each row, 0-based. */
  stepIndex: Int32Array;
  /** Struck detector channels by name (`PDB`, `PDT`, …). */
  struck: Record<string, Waveform>;
  /** IOPS position channels by name (`ch1`, `ch2`) [mm]. */
  iops: Record<string, Waveform>;
  /** IDC readings by name (`current`). */
  idc: Record<string, Readings>;
  /** Beam readings by name (`current`, `energy`). */
  beam: Record<string, Readings>;
  /** Fit per struck channel (empty as the runner hands it on; the file's from `fitsComputed`). */
  fits: Record<string, ChannelFit>;
  /** With a fork of several wires: each wire's fit, per struck channel. */
  wireFits?: Record<string, WireFit[]>;
  /** With three wires or more: the beam ellipse, per struck channel. */
  beamShapes?: Record<string, BeamShape>;
  /** With a model other than the Gaussian asked for: the models, per channel. */
  modelFits?: Record<string, ModelChoice>;
  /** Points left out of the fits, per channel (absent: none asked, none lost). */
  rejections?: Record<string, PointRejection>;
  /** The error budget of each channel's σ (absent in files from before). */
  errorBudgets?: Record<string, ErrorBudget>;
}

/** Who wrote the file. */
export interface SourceInfo {
  program: string;
  version: string;
  host: string;
}

/** One scan request: the root of an HDF5 scan file. */
export interface ScanRun {
  /** `file_format` attribute, e.g. `"fws-scan/1"`. */
  fileFormat: string;
  scannerIndex: number;
  testMode: boolean;
  user: string;
  comment: string;
  /** ISO 8601. */
  startTime: string;
  /** ISO 8601; empty while running. */
  endTime: string;
  source: SourceInfo;
  /** The validated ScanConfig as plain JSON values. */
  scanArgs: Record<string, string | number | boolean>;
  status: ScanStatus;
  /** Why the request ended as it did (empty when completed). */
  message: string;
  /** The fork's wires, when it has several (absent: one wire). */
  wires?: WireSpec[];
  scans: ScanRecord[];
}

/** The file-format identifier written as the root `file_format` attribute. */
export const FILE_FORMAT = "fws-scan/1";

/** `scan_001` for repetition 1. */
export function scanGroupName(index: number): string {
  return `scan_${String(index).padStart(3, "0")}`;
}
