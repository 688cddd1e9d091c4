/**
 * The physics of the simulated scanner: a Gaussian beam seen by a wire, the
 * detector background and noise, and the IOPS position sensor's two
 * channels (CH2 a slightly different calibration of CH1). Pure functions
 * over Float64Array plus a seeded random source, so a given seed always
 * gives the same data.
 *
 * @module
 */

/** What one detector channel sees of the beam. */
export interface ChannelBeam {
  /** Beam centre [mm]. */
  center: number;
  /** Beam size (Gaussian sigma) [mm]. */
  sigma: number;
  /** Peak signal above the background [V]. */
  amplitude: number;
  /** Constant background [V]. */
  background: number;
  /** Gaussian noise per sample, standard deviation [V]. */
  noise: number;
}

/**
 * The simulated beam. The simulator reads it on every acquisition, so a test
 * may change a field between scans and the next acquisition sees it.
 */
export interface BeamParameters extends ChannelBeam {
  /** Per-channel values; a field absent here falls back to the top level. */
  channels: Record<string, Partial<ChannelBeam>>;
  /** Beam current while the beam is on [mA]. */
  current: number;
  /** Beam energy [MeV]. */
  energy: number;
  /** IDC current while the beam is on [mA]. */
  idcCurrent: number;
  /** IOPS position noise, standard deviation [mm]. */
  positionNoise: number;
  /**
   * How late the IOPS position readout is [s]: each sample reads where the
   * wire was this long before (a moving wire reads behind itself).
   */
  readoutLag: number;
  /** IOPS CH2 = CH1 · scale + offset (a slightly different calibration). */
  ch2Calibration: { scale: number; offset: number };
  /**
   * With a fork of several wires: σ of the beam's second axis [mm] (the
   * first is `sigma`), the tilt of its first axis from x [deg] and its
   * centre in y [mm] (see `fork.ts`).
   */
  sigmaY: number;
  tilt: number;
  centerY: number;
}

/** The defaults: a 1.2 mm beam at +0.3 mm, PDT seeing 60 % of PDB. */
export function defaultBeam(): BeamParameters {
  return {
    center: 0.3,
    sigma: 1.2,
    amplitude: 1.0,
    background: 0.05,
    noise: 0.01,
    channels: { PDT: { amplitude: 0.6, background: 0.03 } },
    current: 10,
    energy: 590,
    idcCurrent: 2.2,
    positionNoise: 0.0005,
    readoutLag: 0,
    ch2Calibration: { scale: 1.002, offset: 0.01 },
    sigmaY: 0.7,
    tilt: 0,
    centerY: 0,
  };
}

/**
 * Merges user options over the defaults.
 *
 * @param options fields to override; `channels` entries are merged per channel
 */
export function resolveBeam(
  options: Partial<BeamParameters> = {},
): BeamParameters {
  const base = defaultBeam();
  const channels: Record<string, Partial<ChannelBeam>> = { ...base.channels };
  for (const [ch, c] of Object.entries(options.channels ?? {})) {
    channels[ch] = { ...channels[ch], ...c };
  }
  const beam = { ...base, ...options, channels };
  for (const key of ["center", "sigma", "amplitude", "background", "noise"]) {
    const v = beam[key as keyof ChannelBeam];
    if (!Number.isFinite(v)) {
      throw new Error(`beam ${key}: expected a finite number, got ${v}`);
    }
  }
  if (!(beam.sigma > 0)) {
    throw new Error(
      `beam sigma: expected a positive number, got ${beam.sigma}`,
    );
  }
  if (beam.noise < 0) {
    throw new Error(`beam noise: expected ≥ 0, got ${beam.noise}`);
  }
  return beam;
}

/**
 * The beam as detector channel `channel` sees it: its own entry, else the
 * top-level values.
 */
export function channelBeam(
  beam: BeamParameters,
  channel: string,
): ChannelBeam {
  const c = beam.channels[channel] ?? {};
  return {
    center: c.center ?? beam.center,
    sigma: c.sigma ?? beam.sigma,
    amplitude: c.amplitude ?? beam.amplitude,
    background: c.background ?? beam.background,
    noise: c.noise ?? beam.noise,
  };
}

/** `A·exp(−(x−μ)²/(2σ²)) + background` without noise. */
export function beamSignal(x: number, beam: ChannelBeam): number {
  const d = (x - beam.center) / beam.sigma;
  return beam.amplitude * Math.exp(-0.5 * d * d) + beam.background;
}

/**
 * A seeded pseudo-random source: mulberry32 for uniforms, Box–Muller for
 * normals. The same seed always gives the same sequence.
 */
export class SeededRandom {
  #state: number;
  #spare: number | undefined;

  /** @param seed any 32-bit integer */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A uniform number in [0, 1). */
  uniform(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A standard normal number (mean 0, standard deviation 1). */
  normal(): number {
    if (this.#spare !== undefined) {
      const s = this.#spare;
      this.#spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

/**
 * The detector waveform a wire at `positions[i]` produces, sample by sample:
 * beam signal (when `beamOn`) plus background plus noise.
 *
 * @param positions true wire position of each sample [mm]
 * @param options channel beam, beam on/off and the random source
 */
export function detectorWaveform(
  positions: Float64Array,
  options: { beam: ChannelBeam; beamOn: boolean; random: SeededRandom },
): Float64Array {
  const { beam, beamOn, random } = options;
  const out = new Float64Array(positions.length);
  for (let i = 0; i < positions.length; i++) {
    const signal = beamOn ? beamSignal(positions[i], beam) : beam.background;
    out[i] = signal + beam.noise * random.normal();
  }
  return out;
}

/**
 * One IOPS channel for the true wire positions: the position through the
 * channel's calibration (`x · scale + offset`) plus noise. CH1 is the
 * identity calibration; CH2 a slightly different one.
 */
export function iopsWaveform(
  positions: Float64Array,
  options: {
    noise: number;
    calibration: { scale: number; offset: number };
    random: SeededRandom;
  },
): Float64Array {
  const { noise, calibration, random } = options;
  const out = new Float64Array(positions.length);
  for (let i = 0; i < positions.length; i++) {
    out[i] = positions[i] * calibration.scale + calibration.offset +
      noise * random.normal();
  }
  return out;
}

/** The calibration of the `index`-th IOPS channel (0 = CH1, identity). */
export function iopsCalibration(
  beam: BeamParameters,
  index: number,
): { scale: number; offset: number } {
  return index === 0 ? { scale: 1, offset: 0 } : beam.ch2Calibration;
}
