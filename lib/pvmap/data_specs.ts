/**
 * The spec data of the data PVs that do not depend on the channels: the
 * Struck trigger and sample period and the context readings recorded per
 * step (IDC and beam current, beam energy); the per-channel `DAQ:<CH>` and
 * `IOPS:<ch>` are assembled in `defaults.ts`.
 *
 * @example
 * ```ts
 * import { FIXED_DATA_PVS } from "./data_specs.ts";
 * console.log(FIXED_DATA_PVS[0].template); // "{P}DAQ:ACQUIRE"
 * ```
 *
 * @module
 */
import type { PvSpecData } from "./specs.ts";

/** The data PVs that do not depend on the channels, in display order. */
export const FIXED_DATA_PVS = [
  {
    logical: "daq.acquire",
    template: "{P}DAQ:ACQUIRE",
    record: "bo",
    direction: "data",
    enumStrings: ["Idle", "Acquire"],
    description: "trigger the Struck acquisition (put with completion)",
    label: "Acquire",
  },
  {
    logical: "struck.samplePeriod",
    template: "{P}DAQ:SAMPLE_PERIOD",
    record: "ai",
    direction: "data",
    units: "s",
    description:
      "time between two Struck samples of the last acquisition (sample_period in the file)",
  },
  {
    logical: "idc.current",
    template: "{P}IDC:CURRENT",
    record: "ai",
    direction: "data",
    units: "mA",
    description: "IDC current, recorded per step",
    label: "IDC current",
    precision: 3,
  },
  {
    logical: "beam.current",
    template: "{P}BEAM:CURRENT",
    record: "ai",
    direction: "data",
    units: "mA",
    description: "beam current, recorded per step (beam-loss pause)",
    label: "Beam current",
    precision: 3,
  },
  {
    logical: "beam.energy",
    template: "{P}BEAM:ENERGY",
    record: "ai",
    direction: "data",
    units: "MeV",
    description: "beam energy, recorded per step",
    label: "Beam energy",
    precision: 1,
  },
] as const satisfies readonly PvSpecData[];
