/**
 * The PV set of the simulated FWS IOC: every PV of the scanner's map
 * (`FWSScanInterface`) on a Channel Access server — motor record fields
 * driven by {@link SimMotor}, `DAQ:ACQUIRE` (put with completion) filling the
 * Struck and IOPS waveforms from the beam physics, context readings, soft
 * PVs for the daemon's inputs (with sensible defaults) and outputs — plus
 * `{P}SIM:*` knobs to switch the beam off and on and to move it.
 *
 * What each PV is (its definition, the input defaults, the knobs) is in
 * `ioc_pvs.ts`; this file holds the state they act on and the acquisition.
 *
 * @module
 */
import type { FWSScanInterface, LogicalName } from "../pvmap/mod.ts";
import {
  type BeamParameters,
  channelBeam,
  detectorWaveform,
  iopsCalibration,
  iopsWaveform,
  SeededRandom,
} from "./beam.ts";
import { forkSignal } from "./fork.ts";
import { SimDaq, type SimTiming } from "./daq.ts";
import { SimMotor, type SimMotorOptions } from "./motor.ts";
import { HIGH_ALARM, SEVERITY } from "./alarm.ts";
import {
  addSimPvs,
  type DefinitionContext,
  pvDefinition,
  type PvHost,
  type SimPV,
} from "./ioc_pvs.ts";

export type { SimTiming };

/** Options of {@link SimulatedIoc}. */
export interface SimIocOptions extends Partial<SimTiming> {
  /** The beam; the object is read live on every acquisition. */
  beam: BeamParameters;
  /** PRNG seed; default 1. */
  seed?: number;
  /** Motor: initial position, speed, limits, tick rate, zero latency. */
  motor?: Omit<SimMotorOptions, "now" | "onChange">;
}

/** A served PV: a logical PV of the map, or the simulator's own beam switch. */
type ServedName = LogicalName | "sim.beamOn";

/** The simulated IOC's PVs and behaviour on a {@link PvHost}. */
export class SimulatedIoc {
  readonly motor: SimMotor;
  readonly beam: BeamParameters;
  readonly timing: SimTiming;
  readonly #pvs: FWSScanInterface;
  readonly #served = new Map<ServedName, SimPV>();
  readonly #data: SeededRandom;
  readonly #context: SeededRandom;
  readonly #daq: SimDaq;
  #beamOn = true;
  #closed = false;
  #acquiring?: Promise<void>;
  #watchdog?: ReturnType<typeof setInterval>;
  #acquisitions = 0;

  /**
   * @param host the server the PVs are added to
   * @param pvs the scanner's PV map
   */
  constructor(host: PvHost, pvs: FWSScanInterface, options: SimIocOptions) {
    this.#pvs = pvs;
    this.beam = options.beam;
    this.timing = {
      acquisitionTime: options.acquisitionTime ?? 0.05,
      samplesPerStep: options.samplesPerStep ?? 100,
      flySampleRate: options.flySampleRate ?? 1000,
      flySamples: options.flySamples,
      maxSamples: options.maxSamples ?? 10000,
    };
    const seed = options.seed ?? 1;
    this.#data = new SeededRandom(seed);
    this.#context = new SeededRandom(seed ^ 0x9e3779b9);
    const m = options.motor ?? {};
    const hlm = m.hlm ?? 50;
    const llm = m.llm ?? -50;
    this.motor = new SimMotor({
      ...m,
      hlm,
      llm,
      onChange: (c) => {
        if (c.val !== undefined) this.#set("motor.val", c.val);
        if (c.velo !== undefined) this.#set("motor.velo", c.velo);
        if (c.rbv !== undefined) this.#set("motor.rbv", c.rbv);
        if (c.dmov !== undefined) this.#set("motor.dmov", c.dmov);
      },
    });
    this.#daq = new SimDaq(this.motor, this.timing);
    const context: DefinitionContext = {
      motor: this.motor,
      beam: this.beam,
      timing: this.timing,
      iopsChannels: pvs.iopsChannels,
      acquire: () => this.acquire(),
    };
    for (const { logical, name, spec } of pvs.entries()) {
      const pv = host.addPV(name, pvDefinition(logical, spec, context));
      this.#served.set(logical, pv);
    }
    const val = pvs.pv("motor.val");
    if (val?.endsWith(".VAL")) {
      host.addPV(
        val.slice(0, -4),
        pvDefinition("motor.val", {
          logical: "motor.val",
          template: "",
          record: "motor",
          direction: "motor",
          units: "mm",
          description: "",
        }, context),
      );
    }
    const beamOn = addSimPvs(host, pvs.prefix, this.beam, (on) => {
      this.#beamOn = on;
      this.#postContext();
    });
    this.#served.set("sim.beamOn", beamOn);
    this.#postContext();
    this.#watchHeartbeat();
  }

  /** The PV prefix `{P}` the IOC serves. */
  get prefix(): string {
    return this.#pvs.prefix;
  }

  /** Whether the beam is on. */
  get beamOn(): boolean {
    return this.#beamOn;
  }

  /** Acquisitions completed so far. */
  get acquisitions(): number {
    return this.#acquisitions;
  }

  /** Switches the beam off (signal, BEAM:CURRENT and IDC drop) or on. */
  setBeamOn(on: boolean): void {
    this.#beamOn = on;
    const pv = this.#served.get("sim.beamOn");
    if (pv && pv.value !== (on ? 1 : 0)) pv.set(on ? 1 : 0);
    this.#postContext();
  }

  /** Stops the motor and every timer; pending puts complete. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#watchdog);
    this.motor.close();
    this.#daq.close();
  }

  #set(logical: LogicalName, value: number | string | ArrayLike<number>): void {
    this.#served.get(logical)?.set(value, { timestamp: new Date() });
  }

  /**
   * Counts the seconds since the heartbeat last changed on
   * `SCAN:HEARTBEAT_AGE`, from start-up on, as the database's watchdog calc
   * does (so without a daemon it goes MAJOR after 5 s, as on a real IOC).
   */
  #watchHeartbeat(): void {
    const age = this.#served.get("scan.heartbeatAge");
    const beat = this.#served.get("scan.heartbeat");
    const spec = this.#pvs.specs.find((s) => s.logical === "scan.heartbeatAge");
    if (this.#watchdog || this.#closed || !age || !beat || !spec?.watchdog) {
      return;
    }
    const { after, severity } = spec.watchdog;
    let last = beat.value;
    this.#watchdog = setInterval(() => {
      const n = beat.value === last ? Number(age.value) + 1 : 0;
      last = beat.value;
      age.set(
        n,
        n >= after
          ? { status: HIGH_ALARM, severity: SEVERITY[severity] }
          : { status: 0, severity: 0 },
      );
    }, 1000);
  }

  #postContext(): void {
    const wobble = () => 1 + 0.001 * this.#context.normal();
    const on = this.#beamOn;
    this.#set("beam.current", on ? this.beam.current * wobble() : 0);
    this.#set("idc.current", on ? this.beam.idcCurrent * wobble() : 0);
    const energy = this.#served.get("beam.energy");
    if (energy && energy.value !== this.beam.energy) {
      this.#set("beam.energy", this.beam.energy);
    }
  }

  #flyMode(): boolean {
    const v = this.#served.get("scan.mode")?.value;
    return v === 1 || v === "FLY" || (v instanceof Array && v[0] === "FLY");
  }

  /**
   * One Struck acquisition: step mode samples the wire where it is for the
   * acquisition time; fly mode records along the next (or current) motion
   * until the motor stops. Resolves when the waveforms are published.
   */
  acquire(): Promise<void> {
    if (!this.#acquiring) {
      this.#acquiring = this.#daq.record(this.#flyMode())
        .then((positions) => {
          if (positions) this.#publish(positions);
        })
        .finally(() => this.#acquiring = undefined);
    }
    return this.#acquiring;
  }

  /** What channel `ch` reads: one wire's beam, or each wire of the fork's. */
  #detector(positions: Float64Array, ch: string): Float64Array {
    const beam = channelBeam(this.beam, ch);
    const random = this.#data;
    const wires = this.#pvs.wires;
    if (wires.length < 2) {
      return detectorWaveform(positions, {
        beam,
        beamOn: this.#beamOn,
        random,
      });
    }
    return forkSignal(positions, {
      wires,
      ellipse: {
        sigmaA: beam.sigma,
        sigmaB: this.beam.sigmaY,
        tilt: this.beam.tilt,
        centerX: beam.center,
        centerY: this.beam.centerY,
      },
      beam,
      beamOn: this.#beamOn,
      random,
    });
  }

  #publish(positions: Float64Array): void {
    if (this.#closed) return;
    const stamp = new Date();
    this.#served.get("struck.samplePeriod")?.set(this.#daq.samplePeriod, {
      timestamp: stamp,
    });
    for (const ch of this.#pvs.struckChannels) {
      const pv = this.#served.get(`daq.${ch}`);
      if (!pv) continue;
      pv.set(this.#detector(positions, ch), { timestamp: stamp });
    }
    const read = lagged(
      positions,
      this.beam.readoutLag,
      this.#daq.samplePeriod,
    );
    this.#pvs.iopsChannels.forEach((ch, i) => {
      const pv = this.#served.get(`iops.${ch}`);
      if (!pv) return;
      pv.set(
        iopsWaveform(read, {
          noise: this.beam.positionNoise,
          calibration: iopsCalibration(this.beam, i),
          random: this.#data,
        }),
        { timestamp: stamp },
      );
    });
    this.#postContext();
    this.#acquisitions++;
  }
}

/**
 * The positions a readout `lag` seconds late reads from samples `period`
 * seconds apart: each sample's value `lag` earlier, interpolated (the first
 * sample held before the start).
 */
function lagged(
  positions: Float64Array,
  lag: number,
  period: number,
): Float64Array {
  if (!(lag > 0) || !(period > 0)) return positions;
  const shift = lag / period;
  return positions.map((_, i) => {
    const t = Math.max(0, i - shift);
    const k = Math.min(Math.floor(t), positions.length - 1);
    const next = positions[Math.min(k + 1, positions.length - 1)];
    return positions[k] + (t - k) * (next - positions[k]);
  });
}
