/**
 * The PV definitions of the simulated FWS IOC: the contract with the host
 * the PVs live on, the defaults of the daemon's inputs, the definition of
 * each PV of the map (motor record fields driving a {@link SimMotor}, the
 * acquisition trigger, the data waveforms, context readings and soft PVs)
 * and the `{P}SIM:*` beam knobs. `SimulatedIoc` (`ioc.ts`) adds them and
 * drives them.
 *
 * @example
 * ```ts
 * import { motorDefinition } from "./ioc_pvs.ts";
 * import { SimMotor } from "./motor.ts";
 * const motor = new SimMotor({});
 * console.log(motorDefinition("motor.egu", motor).value); // "mm"
 * motor.close();
 * ```
 *
 * @module
 */
import type { LogicalName, PvSpec } from "../pvmap/mod.ts";
import { type BeamParameters, channelBeam, iopsCalibration } from "./beam.ts";
import type { SimTiming } from "./daq.ts";
import type { SimMotor } from "./motor.ts";
import { recordAlarm } from "./alarm.ts";

/** The DBR base types the simulator uses (a subset of the CA contract's). */
export type SimPvType =
  | "string"
  | "short"
  | "enum"
  | "char"
  | "long"
  | "double";

/** A served PV as the simulator sees it (`ServerPV` satisfies it). */
export interface SimPV {
  readonly name: string;
  readonly value: unknown;
  set(
    value: number | string | ArrayLike<number> | string[],
    options?: { timestamp?: Date; status?: number; severity?: number },
  ): void;
}

/** A PV definition (structurally the CA server's `PVDefinition`). */
export interface SimPvDefinition {
  type: SimPvType;
  count?: number;
  value?: number | string | ArrayLike<number> | string[];
  units?: string;
  precision?: number;
  enumStrings?: string[];
  readOnly?: boolean;
  // deno-lint-ignore no-explicit-any
  onWrite?: (value: any, pv: SimPV) => void | Promise<void>;
}

/** Where the PVs live (`CAServer` satisfies it; tests may use a map). */
export interface PvHost {
  addPV(name: string, definition: SimPvDefinition): SimPV;
}

/** Defaults of the daemon's input PVs (logical name → value). */
export const INPUT_DEFAULTS: Readonly<
  Partial<Record<LogicalName, number | string>>
> = {
  "scan.start": 0,
  "scan.abort": 0,
  "scan.mode": 0,
  "scan.startPos": -5,
  "scan.endPos": 5,
  "scan.nSteps": 41,
  "scan.speed": 2,
  "scan.nScans": 1,
  "scan.settle": 0,
  "scan.bidir": 0,
  "scan.user": "",
  "scan.comment": "",
  "fit.model": 0,
};

/** What a PV definition reads of the IOC it belongs to. */
export interface DefinitionContext {
  /** The motor the `motor.*` fields drive. */
  readonly motor: SimMotor;
  /** The beam, read for the data waveforms' initial values. */
  readonly beam: BeamParameters;
  /** Waveform sizes. */
  readonly timing: SimTiming;
  /** The map's IOPS channels, in order (their calibrations by index). */
  readonly iopsChannels: readonly string[];
  /** Runs one acquisition (a put to `DAQ:ACQUIRE`). */
  acquire(): Promise<void>;
}

/** The definition of logical PV `logical` of the map, as the IOC serves it. */
export function pvDefinition(
  logical: LogicalName,
  spec: PvSpec,
  ioc: DefinitionContext,
): SimPvDefinition {
  if (logical.startsWith("motor.")) return motorDefinition(logical, ioc.motor);
  if (logical === "daq.acquire") {
    return {
      type: "enum",
      enumStrings: spec.enumStrings,
      value: 0,
      onWrite: (v) => Number(v) !== 0 ? ioc.acquire() : undefined,
    };
  }
  if (logical.startsWith("daq.") || logical.startsWith("iops.")) {
    const x = ioc.motor.position;
    const ch = logical.slice(5);
    const iops = ioc.iopsChannels.indexOf(ch);
    const value = logical.startsWith("daq.")
      ? channelBeam(ioc.beam, ch).background
      : x * iopsCalibration(ioc.beam, Math.max(0, iops)).scale +
        iopsCalibration(ioc.beam, Math.max(0, iops)).offset;
    return {
      type: "double",
      count: ioc.timing.maxSamples,
      value: new Float64Array(ioc.timing.samplesPerStep).fill(value),
      units: spec.units,
      precision: 4,
      readOnly: true,
    };
  }
  if (["idc.current", "beam.current", "beam.energy"].includes(logical)) {
    return {
      type: "double",
      value: 0,
      units: spec.units,
      precision: 3,
      readOnly: true,
    };
  }
  // as the generated record does: a state's severity, NaN → UDF INVALID
  const alarmed: Pick<SimPvDefinition, "onWrite"> =
    spec.severities || (spec.record === "ao" && spec.direction === "output")
      ? { onWrite: (v, pv) => pv.set(v, recordAlarm(spec, v)) }
      : {};
  switch (spec.record) {
    case "bo":
    case "bi":
    case "mbbo":
    case "mbbi":
      return {
        type: "enum",
        enumStrings: spec.enumStrings,
        value: Number(INPUT_DEFAULTS[logical] ?? 0),
        ...alarmed,
      };
    case "calc":
      return {
        type: "double",
        value: 0,
        units: spec.units,
        precision: spec.precision ?? 0,
        readOnly: true,
      };
    case "longout":
      return {
        type: "long",
        value: Number(INPUT_DEFAULTS[logical] ?? 0),
      };
    case "stringout":
      return { type: "string", value: String(INPUT_DEFAULTS[logical] ?? "") };
    case "waveform":
      if (spec.elementType === "double") {
        return {
          type: "double",
          count: spec.length ?? 1,
          value: new Float64Array(0),
          units: spec.units,
          precision: 4,
        };
      }
      return {
        type: "char",
        count: spec.length ?? (logical === "scan.file" ? 1024 : 512),
        value: Uint8Array.of(0),
      };
    default:
      return {
        type: "double",
        value: Number(INPUT_DEFAULTS[logical] ?? 0),
        units: spec.units,
        precision: logical.startsWith("fit.") ? 5 : 3,
        ...alarmed,
      };
  }
}

/** The definition of motor record field `logical` (`motor.<field>`) of `m`. */
export function motorDefinition(
  logical: LogicalName,
  m: SimMotor,
): SimPvDefinition {
  const number = (
    get: () => number,
    put: (v: number) => void,
    units = "mm",
  ): SimPvDefinition => ({
    type: "double",
    value: get(),
    units,
    precision: 4,
    onWrite: (v, pv) => {
      put(Number(v));
      pv.set(get()); // what the record holds stands (e.g. VELO clamped)
    },
  });
  switch (logical) {
    case "motor.val":
      return {
        type: "double",
        value: m.position,
        units: "mm",
        precision: 4,
        // VAL is posted by the motor (target, or the stop position)
        onWrite: (v) => m.moveTo(Number(v)),
      };
    case "motor.rbv":
      return {
        type: "double",
        value: m.position,
        units: "mm",
        precision: 4,
        readOnly: true,
      };
    case "motor.dmov":
      return { type: "short", value: 1, readOnly: true };
    case "motor.velo":
      return number(() => m.velocity, (v) => m.velocity = v, "mm/s");
    case "motor.vmax":
      return number(() => m.vmax, (v) => m.vmax = v, "mm/s");
    case "motor.hlm":
      return number(() => m.hlm, (v) => {
        if (!Number.isFinite(v)) {
          throw new RangeError("HLM: expected a number");
        }
        m.hlm = v;
      });
    case "motor.llm":
      return number(() => m.llm, (v) => {
        if (!Number.isFinite(v)) {
          throw new RangeError("LLM: expected a number");
        }
        m.llm = v;
      });
    case "motor.stop":
      return {
        type: "short",
        value: 0,
        onWrite: (v, pv) => {
          if (Number(v) !== 0) m.stop();
          pv.set(0);
        },
      };
    case "motor.egu":
      return { type: "string", value: "mm" };
    default:
      throw new Error(`simulator: no motor field for '${logical}'`);
  }
}

/**
 * Adds the simulator's own PVs under `prefix`: `SIM:BEAM_ON` (a put calls
 * `onBeamOn`) and the beam knobs `SIM:CENTER` … `SIM:NOISE`, which write
 * `beam`; returns the `SIM:BEAM_ON` PV.
 */
export function addSimPvs(
  host: PvHost,
  prefix: string,
  beam: BeamParameters,
  onBeamOn: (on: boolean) => void,
): SimPV {
  const beamOn = host.addPV(`${prefix}SIM:BEAM_ON`, {
    type: "enum",
    enumStrings: ["Off", "On"],
    value: 1,
    onWrite: (v) => {
      onBeamOn(Number(v) !== 0);
    },
  });
  const knob = (
    field: "center" | "sigma" | "amplitude" | "background" | "noise",
    unit: string,
  ) =>
    host.addPV(`${prefix}SIM:${field.toUpperCase()}`, {
      type: "double",
      value: beam[field],
      units: unit,
      precision: 4,
      onWrite: (v) => {
        const n = Number(v);
        if (
          !Number.isFinite(n) || (field === "sigma" && n <= 0) ||
          (field === "noise" && n < 0)
        ) {
          throw new RangeError(
            `SIM:${field.toUpperCase()}: invalid value ${v}`,
          );
        }
        beam[field] = n;
      },
    });
  knob("center", "mm");
  knob("sigma", "mm");
  knob("amplitude", "V");
  knob("background", "V");
  knob("noise", "V");
  return beamOn;
}
