/**
 * `ScanDataCollector` reads every data PV (Struck, IOPS, IDC, beam) with its
 * timestamp, and `ScanRecordBuilder` assembles the readings of one
 * repetition into a {@link ScanRecord}: one row per step in step mode, one
 * row of whole waveforms in fly mode.
 *
 * @module
 */
import type { DaqPvs, DataPv } from "../pvmap/mod.ts";
import { type CaPort, type PortValue, samples, scalar } from "./ca_port.ts";
import type { RepetitionPlan } from "./planner.ts";
import type {
  Readings,
  ScanMode,
  ScanRecord,
  ScanStatus,
  Waveform,
} from "./model.ts";

/** One reading of every data PV. */
export interface DataReading {
  /** Acquisition time, seconds since the Unix epoch. */
  timestamp: number;
  struck: Record<string, Float64Array>;
  iops: Record<string, Float64Array>;
  idc: Record<string, number>;
  beam: Record<string, number>;
  /** Seconds between two Struck samples (absent or NaN when unknown). */
  samplePeriod?: number;
}

/** Which channels to read. */
export interface CollectorOptions {
  struckChannels: string[];
  iopsChannels: string[];
  /** Timeout of each read [s]; default 5. */
  timeout?: number;
}

const NO_PERIOD: PortValue = { name: "", type: "double", count: 1, value: NaN };

/** One data PV to read, and where its value goes. */
interface DataRead {
  group: keyof Omit<DataReading, "timestamp" | "samplePeriod"> | "period";
  key: string;
  pv: string;
}

/** Reads the data PVs of one scanner. */
export class ScanDataCollector {
  readonly #ca: CaPort;
  readonly #reads: DataRead[];
  readonly #timeout: number;
  /** The sample-period PV did not answer: no longer asked. */
  #noPeriod = false;
  /** Units by group and key, from the PV map. */
  readonly units: Record<string, string>;

  /**
   * @param ca Channel Access client
   * @param pvs the data PVs, resolved by the PV map
   */
  constructor(ca: CaPort, pvs: DaqPvs, options: CollectorOptions) {
    this.#ca = ca;
    this.#timeout = options.timeout ?? 5;
    this.#reads = [];
    this.units = {};
    const add = (
      group: DataRead["group"],
      key: string,
      data: DataPv | undefined,
    ) => {
      if (!data) {
        const logical = `${group === "struck" ? "daq" : group}.${key}`;
        throw new Error(`pv map: no logical PV '${logical}'`);
      }
      if (!data.pv) return;
      this.#reads.push({ group, key, pv: data.pv });
      this.units[`${group}.${key}`] = data.units;
    };
    for (const ch of options.struckChannels) {
      add("struck", ch, pvs.struck[ch]);
    }
    for (const ch of options.iopsChannels) add("iops", ch, pvs.iops[ch]);
    add("idc", "current", pvs.idc.current);
    add("beam", "current", pvs.beam.current);
    add("beam", "energy", pvs.beam.energy);
    add("period", "samplePeriod", pvs.samplePeriod);
  }

  /**
   * Reads every data PV once: concurrently, or one after the other with
   * `sequential` (fly mode: large waveforms, lower peak memory).
   */
  async read(options: { sequential?: boolean } = {}): Promise<DataReading> {
    const get = (r: DataRead): Promise<PortValue> => {
      if (r.group === "period") {
        // optional: a facility without it scans on, and stops asking
        if (this.#noPeriod) return Promise.resolve(NO_PERIOD);
        return this.#ca.get(r.pv, { timeout: Math.min(this.#timeout, 1) })
          .catch(() => {
            this.#noPeriod = true;
            return NO_PERIOD;
          });
      }
      // waveforms land in a buffer of their own, already as doubles
      const count = r.group === "struck" || r.group === "iops"
        ? this.#ca.channel(r.pv).count
        : undefined;
      return this.#ca.get(r.pv, {
        form: "time",
        timeout: this.#timeout,
        ...(count ? { into: new Float64Array(count) } : {}),
      });
    };
    let values: PortValue[];
    if (options.sequential) {
      values = [];
      for (const r of this.#reads) values.push(await get(r));
    } else {
      values = await Promise.all(this.#reads.map(get));
    }
    const reading: DataReading = {
      timestamp: NaN,
      struck: {},
      iops: {},
      idc: {},
      beam: {},
      samplePeriod: NaN,
    };
    values.forEach((v: PortValue, i) => {
      const r = this.#reads[i];
      if (r.group === "struck" || r.group === "iops") {
        reading[r.group][r.key] = samples(v);
        if (
          r.group === "struck" && Number.isNaN(reading.timestamp) && v.timestamp
        ) {
          reading.timestamp = v.timestamp.getTime() / 1000;
        }
      } else if (r.group === "period") {
        reading.samplePeriod = scalar(v);
      } else {
        reading[r.group][r.key] = scalar(v);
      }
    });
    if (Number.isNaN(reading.timestamp)) reading.timestamp = Date.now() / 1000;
    return reading;
  }
}

/** Assembles one repetition's readings into a {@link ScanRecord}. */
export class ScanRecordBuilder {
  readonly #plan: RepetitionPlan;
  readonly #mode: ScanMode;
  readonly #startTime: string;
  readonly #units: Record<string, string>;
  readonly #planned: number[] = [];
  readonly #readback: number[] = [];
  readonly #times: number[] = [];
  readonly #steps: number[] = [];
  readonly #rows: Map<string, Float64Array[]> = new Map();
  readonly #scalars: Map<string, number[]> = new Map();
  #samplePeriod = NaN;

  /**
   * @param plan the repetition being recorded
   * @param options mode, start time, units by `group.key`
   */
  constructor(
    plan: RepetitionPlan,
    options: {
      mode: ScanMode;
      startTime: string;
      units: Record<string, string>;
    },
  ) {
    this.#plan = plan;
    this.#mode = options.mode;
    this.#startTime = options.startTime;
    this.#units = options.units;
  }

  /** Rows recorded so far. */
  get rows(): number {
    return this.#times.length;
  }

  /**
   * Adds one step (step mode) or the one trajectory (fly mode: `planned`
   * and `readback` hold start and end).
   */
  add(
    step: number,
    position: { planned: number[]; readback: number[] },
    reading: DataReading,
  ): void {
    this.#planned.push(...position.planned);
    this.#readback.push(...position.readback);
    this.#times.push(reading.timestamp);
    this.#steps.push(step);
    if (reading.samplePeriod! > 0) this.#samplePeriod = reading.samplePeriod!;
    for (const group of ["struck", "iops"] as const) {
      for (const [key, data] of Object.entries(reading[group])) {
        const id = `${group}.${key}`;
        if (!this.#rows.has(id)) this.#rows.set(id, []);
        this.#rows.get(id)!.push(data);
      }
    }
    for (const group of ["idc", "beam"] as const) {
      for (const [key, value] of Object.entries(reading[group])) {
        const id = `${group}.${key}`;
        if (!this.#scalars.has(id)) this.#scalars.set(id, []);
        this.#scalars.get(id)!.push(value);
      }
    }
  }

  /** The record as it stands, with the given status. */
  finish(status: ScanStatus, endTime: string): ScanRecord {
    const waveforms = (group: string): Record<string, Waveform> => {
      const out: Record<string, Waveform> = {};
      for (const [id, rows] of this.#rows) {
        if (!id.startsWith(group + ".")) continue;
        const key = id.slice(group.length + 1);
        out[key] = this.#stack(rows, this.#units[id] ?? "");
        if (group === "struck" && this.#samplePeriod > 0) {
          out[key].samplePeriod = this.#samplePeriod;
        }
      }
      return out;
    };
    const readings = (group: string): Record<string, Readings> => {
      const out: Record<string, Readings> = {};
      for (const [id, values] of this.#scalars) {
        if (!id.startsWith(group + ".")) continue;
        out[id.slice(group.length + 1)] = {
          values: Float64Array.from(values),
          units: this.#units[id] ?? "",
        };
      }
      return out;
    };
    return {
      name: this.#plan.name,
      index: this.#plan.index,
      mode: this.#mode,
      direction: this.#plan.direction,
      startTime: this.#startTime,
      endTime,
      status,
      positionsPlanned: Float64Array.from(this.#planned),
      positionsReadback: Float64Array.from(this.#readback),
      timestamps: Float64Array.from(this.#times),
      stepIndex: Int32Array.from(this.#steps),
      struck: waveforms("struck"),
      iops: waveforms("iops"),
      idc: readings("idc"),
      beam: readings("beam"),
      fits: {},
    };
  }

  #stack(rows: Float64Array[], units: string): Waveform {
    if (this.#mode === "fly") {
      const data = rows[rows.length - 1] ?? new Float64Array(0);
      return { data, shape: [data.length], units };
    }
    const width = rows.reduce((m, r) => Math.max(m, r.length), 0);
    const data = new Float64Array(rows.length * width).fill(NaN);
    rows.forEach((r, i) => data.set(r.subarray(0, width), i * width));
    return { data, shape: [rows.length, width], units };
  }
}
