/**
 * `ScanPlanner`: turns a {@link ScanConfig} into a plan — plain data that
 * `FWSScanRunner` executes. Step mode: the positions of each repetition;
 * fly mode: the trajectory (start, end, speed). `NSCANS` repetitions, and
 * with `BIDIR` every second repetition runs backwards.
 *
 * @module
 */
import type { ScanConfig } from "./config.ts";
import { type ScanDirection, scanGroupName, type ScanMode } from "./model.ts";

/** One repetition of the plan. */
export interface RepetitionPlan {
  /** 1-based repetition number. */
  index: number;
  /** HDF5 group name, `scan_001` … */
  name: string;
  direction: ScanDirection;
  /** Where the wire starts [mm]. */
  start: number;
  /** Where the wire ends [mm]. */
  end: number;
  /**
   * Step mode: every position in visiting order. Fly mode: `[start, end]`.
   */
  positions: Float64Array;
}

/** A whole request as data. */
export interface ScanPlan {
  mode: ScanMode;
  repetitions: RepetitionPlan[];
  /** Settle time after each move [s]. */
  settle: number;
  /** Wire speed during a fly repetition [mm/s]. */
  speed: number;
  /** Units of progress: steps (step mode) or repetitions (fly mode). */
  totalUnits: number;
}

/** Makes plans from configs; stateless. */
export class ScanPlanner {
  /**
   * The plan for a validated config.
   *
   * @example
   * ```ts
   * const plan = new ScanPlanner().plan(config);
   * plan.repetitions[0].positions; // Float64Array of nSteps positions
   * ```
   */
  plan(config: ScanConfig): ScanPlan {
    const forward = config.mode === "step"
      ? linspace(config.startPos, config.endPos, config.nSteps)
      : Float64Array.of(config.startPos, config.endPos);
    const backward = forward.slice().reverse();
    const repetitions: RepetitionPlan[] = [];
    for (let i = 1; i <= config.nScans; i++) {
      const direction: ScanDirection = config.bidir && i % 2 === 0
        ? "backward"
        : "forward";
      const positions = direction === "forward"
        ? forward.slice()
        : backward.slice();
      repetitions.push({
        index: i,
        name: scanGroupName(i),
        direction,
        start: positions[0],
        end: positions[positions.length - 1],
        positions,
      });
    }
    return {
      mode: config.mode,
      repetitions,
      settle: config.settle,
      speed: config.speed,
      totalUnits: config.mode === "step"
        ? config.nSteps * config.nScans
        : config.nScans,
    };
  }
}

/** `n` evenly spaced points from `a` to `b`, both included. */
export function linspace(a: number, b: number, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) {
    out[0] = a;
    return out;
  }
  const step = (b - a) / (n - 1);
  for (let i = 0; i < n; i++) out[i] = a + step * i;
  out[n - 1] = b;
  return out;
}
