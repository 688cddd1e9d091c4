/**
 * The spec data of the live view of the running repetition that does not
 * depend on the channels (`LIVE:POS`, `LIVE:REP`, `LIVE:DIR`) and the
 * element count of the live waveforms; the per-channel `LIVE:<CH>` and
 * `LIVE:FIT:<CH>` are assembled in `defaults.ts`.
 *
 * @example
 * ```ts
 * import { LIVE_PVS } from "./live_specs.ts";
 * console.log(LIVE_PVS[0].template); // "{P}LIVE:POS"
 * ```
 *
 * @module
 */
import type { PvSpecData } from "./specs.ts";

/**
 * Element count (NELM) of the live profile waveforms: one point per step of
 * the longest step request (NSTEPS ≤ 10000); a fly repetition is decimated
 * to it.
 */
export const LIVE_LENGTH = 10000;

/**
 * The live view of the running repetition that does not depend on the
 * channels (`LIVE:POS`, `LIVE:REP`, `LIVE:DIR`); `LIVE:<CH>` and
 * `LIVE:FIT:<CH>` follow per Struck channel (`defaults.ts`).
 */
export const LIVE_PVS = [
  {
    logical: "live.pos",
    template: "{P}LIVE:POS",
    record: "waveform",
    direction: "output",
    units: "mm",
    description:
      "wire positions of the repetition's profile so far: one per step; a fly repetition decimated to NELM",
    label: "Live positions",
    length: LIVE_LENGTH,
    elementType: "double",
  },
  {
    logical: "live.rep",
    template: "{P}LIVE:REP",
    record: "longout",
    direction: "output",
    description:
      "repetition shown on the LIVE waveforms, 1 … NSCANS (0 before the first)",
    label: "Live repetition",
  },
  {
    logical: "live.dir",
    template: "{P}LIVE:DIR",
    record: "bi",
    direction: "output",
    enumStrings: ["Forward", "Backward"],
    description: "direction of the repetition shown on the LIVE waveforms",
    label: "Live direction",
  },
] as const satisfies readonly PvSpecData[];
