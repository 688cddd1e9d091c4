/**
 * The simulated FWS IOC: the scanner's whole PV map served over our own
 * Channel Access server, with a motor-record emulation, a Struck
 * acquisition that sees a Gaussian beam, IOPS positions, context readings
 * and soft PVs for the daemon. Used by `fws sim`, `fws demo` and the tests.
 *
 * @example
 * ```ts
 * const sim = await startSimulator({ scannerIndex: 1, seed: 7 });
 * const ca = new CAClient({ addrList: sim.addrList, autoAddrList: false });
 * await ca.put(sim.interface.requirePv("motor.val"), 2, { wait: true });
 * sim.setBeamOn(false);
 * await ca.close();
 * await sim.close();
 * ```
 *
 * @module
 */
import { CAServer, type CAServerOptions } from "../ca/mod.ts";
import { FWSScanInterface, type PvMapFile } from "../pvmap/mod.ts";
import { type BeamParameters, resolveBeam } from "./beam.ts";
import { type SimIocOptions, SimulatedIoc } from "./ioc.ts";
import type { PvHost } from "./ioc_pvs.ts";
import type { SimMotor } from "./motor.ts";

export {
  type BeamParameters,
  beamSignal,
  type ChannelBeam,
  channelBeam,
  defaultBeam,
  detectorWaveform,
  iopsCalibration,
  iopsWaveform,
  resolveBeam,
  SeededRandom,
} from "./beam.ts";
export {
  type MotionSegment,
  type MotorChange,
  sampleTrajectory,
  SimMotor,
  type SimMotorOptions,
} from "./motor.ts";
export { type SimIocOptions, type SimTiming, SimulatedIoc } from "./ioc.ts";
export {
  INPUT_DEFAULTS,
  type PvHost,
  type SimPV,
  type SimPvDefinition,
} from "./ioc_pvs.ts";

/** Options of {@link startSimulator}. */
export interface SimulatorOptions {
  /** Scanner index N (1–99): the prefix is `FWSNN:`. */
  scannerIndex: number;
  /** Put `Test:` in front of every PV. */
  testMode?: boolean;
  /** PRNG seed (same seed, same requests → same data); default 1. */
  seed?: number;
  /** A parsed `--pv-map` file: the simulator serves that map. */
  pvMap?: PvMapFile;
  /** Beam parameters over the defaults (see `defaultBeam`). */
  beam?: Partial<BeamParameters>;
  /** Detector noise [V] (shorthand for `beam.noise`). */
  noise?: number;
  /** Step-mode acquisition time [s]; default 0.05. */
  acquisitionTime?: number;
  /** Samples per step-mode acquisition; default 100. */
  samplesPerStep?: number;
  /** Fly-mode sample rate [Hz]; default 1000. */
  flySampleRate?: number;
  /** Fixed sample count per fly acquisition (overrides the rate). */
  flySamples?: number;
  /** Capacity of the data waveforms; default 10000. */
  maxSamples?: number;
  /** Motor: initial position, VELO (default 5), VMAX (20), HLM/LLM (±50), tick rate, zero latency. */
  motor?: SimIocOptions["motor"];
  /** Zero-latency mode: moves and acquisitions complete at once (benchmarks). */
  zeroLatency?: boolean;
  /** CA server options; default loopback with free ports. */
  server?: CAServerOptions;
}

/** A running simulator. */
export interface Simulator {
  /** UDP search port of the server. */
  udpPort: number;
  /** TCP port of the server. */
  tcpPort: number;
  /** Where a client should search: `["127.0.0.1:<udpPort>"]`. */
  addrList: string[];
  /** The PV map served. */
  interface: FWSScanInterface;
  /** The beam, read live: change a field and the next acquisition sees it. */
  beam: BeamParameters;
  /** The motor emulation. */
  motor: SimMotor;
  /** The PV set. */
  ioc: SimulatedIoc;
  /** Makes the beam disappear (`false`) or come back (`true`). */
  setBeamOn(on: boolean): void;
  /** Stops the motor, every timer and the server. */
  close(): Promise<void>;
}

/**
 * Starts a simulated FWS IOC on a Channel Access server (by default on
 * 127.0.0.1 with free ports) and resolves once it answers searches.
 */
export async function startSimulator(
  options: SimulatorOptions,
): Promise<Simulator> {
  const pvs = new FWSScanInterface(options.scannerIndex, {
    testMode: options.testMode,
    map: options.pvMap,
  });
  const beam = resolveBeam({
    ...options.beam,
    ...(options.noise !== undefined ? { noise: options.noise } : {}),
  });
  const maxSamples = options.maxSamples ?? 10000;
  const server = new CAServer({
    intfAddrList: ["127.0.0.1"],
    serverPort: 0,
    udpPort: 0,
    beaconAddrList: ["127.0.0.1"],
    maxArrayBytes: Math.max(16384, maxSamples * 8 + 1024),
    ...options.server,
  });
  const zero = options.zeroLatency ?? false;
  const ioc = new SimulatedIoc(server as unknown as PvHost, pvs, {
    beam,
    seed: options.seed,
    acquisitionTime: zero ? 0 : options.acquisitionTime,
    samplesPerStep: options.samplesPerStep,
    flySampleRate: options.flySampleRate,
    flySamples: options.flySamples,
    maxSamples,
    motor: { ...options.motor, instant: zero || options.motor?.instant },
  });
  let ports: { tcpPort: number; udpPort: number };
  try {
    ports = await server.start();
  } catch (error) {
    ioc.close();
    await server.close().catch(() => {});
    throw error;
  }
  const host = options.server?.intfAddrList?.[0] ?? "127.0.0.1";
  const connectHost = host === "0.0.0.0" ? "127.0.0.1" : host;
  let closed: Promise<void> | undefined;
  return {
    udpPort: ports.udpPort,
    tcpPort: ports.tcpPort,
    addrList: [`${connectHost}:${ports.udpPort}`],
    interface: pvs,
    beam,
    motor: ioc.motor,
    ioc,
    setBeamOn: (on) => ioc.setBeamOn(on),
    close: () => {
      closed ??= (async () => {
        ioc.close();
        await server.close();
      })();
      return closed;
    },
  };
}
