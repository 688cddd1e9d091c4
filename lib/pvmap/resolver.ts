/**
 * `FWSScanInterface`: the resolved PV map of one scanner. Every logical name
 * of the spec data (`scan.start`, `motor.rbv`, `daq.PDB`, …) resolves to a PV
 * name — the built-in template with the prefix `FWSNN:` (`Test:` in front in
 * test mode) — unless a map file overrides it, or sets it to `null` when the
 * facility has no such PV. Devices take typed views of it
 * ({@link MotorPvs}, {@link DaqPvs}) instead of looking names up by string.
 *
 * @example
 * ```ts
 * import { FWSScanInterface } from "./resolver.ts";
 * const pvs = new FWSScanInterface(3, { testMode: true });
 * console.log(pvs.requirePv("scan.start")); // "Test:FWS03:SCAN:START"
 * console.log(pvs.motorPvs().rbv); // "Test:FWS03:MTR.RBV"
 * ```
 *
 * @module
 */
import type { PvMapFile } from "./map_file.ts";
import {
  DEFAULT_IOPS_CHANNELS,
  DEFAULT_STRUCK_CHANNELS,
  MOTOR_FIELDS,
  type MotorField,
} from "./specs.ts";
import type { LogicalName, PvSpec } from "./logical_names.ts";
import { defaultPvSpecs } from "./defaults.ts";
import { FIT_FIELD_ALIASES } from "./fit_pvs.ts";
import { DEFAULT_WIRES, type WireSpec } from "./wires.ts";
import type { FitModelChoice } from "../analysis/fit_fields.ts";
import type { RejectionOptions } from "../scan/model.ts";

/** Options of {@link FWSScanInterface}. */
export interface ScanInterfaceOptions {
  /** Prefix every PV with `Test:`. */
  testMode?: boolean;
  /** Overrides, already parsed (see `parsePvMap`). */
  map?: PvMapFile;
  /**
   * Told of each map-file key accepted under an old name; default
   * `console.warn`. The messages are also kept in `warnings`.
   */
  onWarning?: (message: string) => void;
}

/** The motor record's PVs, resolved; `val` and `rbv` are never unmapped. */
export type MotorPvs =
  & { readonly [K in MotorField]: string | null }
  & { readonly val: string; readonly rbv: string };

/** One data PV, resolved, with the unit of its spec. */
export interface DataPv {
  /** PV name, or null when the facility has none. */
  readonly pv: string | null;
  /** Unit of the spec ("" when it has none). */
  readonly units: string;
}

/** The acquisition and data PVs, resolved. */
export interface DaqPvs {
  /** `DAQ:ACQUIRE`, or null when the facility has none. */
  readonly acquire: string | null;
  /** `DAQ:<CH>` per Struck channel. */
  readonly struck: Readonly<Record<string, DataPv>>;
  /** `IOPS:<CH>` per IOPS channel. */
  readonly iops: Readonly<Record<string, DataPv>>;
  /** `DAQ:SAMPLE_PERIOD`: seconds between two Struck samples. */
  readonly samplePeriod: DataPv;
  /** `IDC:CURRENT`. */
  readonly idc: { readonly current: DataPv };
  /** `BEAM:CURRENT` and `BEAM:ENERGY`. */
  readonly beam: { readonly current: DataPv; readonly energy: DataPv };
}

/** The resolved PV map of one scanner. */
export class FWSScanInterface {
  /** Scanner index, 1–99. */
  readonly scannerIndex: number;
  /** Whether `Test:` is in front of every PV. */
  readonly testMode: boolean;
  /** The resolved prefix `{P}`, e.g. `Test:FWS01:`. */
  readonly prefix: string;
  /** Struck channels the scanner has. */
  readonly struckChannels: string[];
  /** IOPS channels the scanner has. */
  readonly iopsChannels: string[];
  /** The fork's wires (one, by default). */
  readonly wires: readonly WireSpec[];
  /** The map file's profile models per Struck channel (see `PvMapFile`). */
  readonly models: Readonly<Record<string, FitModelChoice>>;
  /** The map file's point rejection (see `PvMapFile`); `{}`: NaN points only. */
  readonly rejection: Readonly<RejectionOptions>;
  /** Specs of every logical PV, in display order. */
  readonly specs: PvSpec[];
  /** Warnings about the map file (old logical names accepted). */
  readonly warnings: string[] = [];
  readonly #names: Map<string, string | null>;

  /**
   * Resolves every logical PV of the scanner; throws for an unknown logical
   * name or a `null` the scan cannot run without.
   *
   * @param scannerIndex scanner number N (1–99)
   * @param options test mode and map-file overrides
   */
  constructor(scannerIndex: number, options: ScanInterfaceOptions = {}) {
    this.scannerIndex = scannerIndex;
    this.testMode = options.testMode ?? false;
    const map = options.map ?? {};
    this.struckChannels = [
      ...(map.channels?.struck ?? DEFAULT_STRUCK_CHANNELS),
    ];
    this.iopsChannels = [...(map.channels?.iops ?? DEFAULT_IOPS_CHANNELS)];
    const nn = String(scannerIndex).padStart(2, "0");
    const base = (map.prefix ?? "FWS{NN}:")
      .replaceAll("{NN}", nn)
      .replaceAll("{N}", String(scannerIndex));
    this.prefix = (this.testMode ? "Test:" : "") + base;
    this.wires = map.wires ?? DEFAULT_WIRES;
    this.models = map.models ?? {};
    this.rejection = map.rejection ?? {};
    for (const ch of Object.keys(this.models)) {
      if (!this.struckChannels.includes(ch)) {
        throw new Error(
          `pv map: 'models.${ch}' names no Struck channel; expected one of ${
            this.struckChannels.join(", ")
          }`,
        );
      }
    }
    this.specs = defaultPvSpecs(
      this.struckChannels,
      this.iopsChannels,
      this.wires,
    );
    this.#names = new Map();
    const known = new Set<string>(this.specs.map((s) => s.logical));
    const overrides = new Map<string, string | null>();
    for (const [key, value] of Object.entries(map.pvs ?? {})) {
      const logical = this.#alias(key, known, options.onWarning);
      if (!known.has(logical)) {
        throw new Error(
          `pv map: unknown logical name '${key}'; expected one of ${
            [...known].join(", ")
          }`,
        );
      }
      if (overrides.has(logical)) {
        throw new Error(
          `pv map: '${key}' and '${logical}' name the same PV; expected one of them`,
        );
      }
      overrides.set(logical, value);
    }
    for (const spec of this.specs) {
      const override = overrides.get(spec.logical);
      if (override === null) {
        if (spec.required) {
          throw new Error(
            `pv map: '${spec.logical}' cannot be null: the scan cannot run without it`,
          );
        }
        this.#names.set(spec.logical, null);
        continue;
      }
      const template = override ?? spec.template;
      this.#names.set(spec.logical, this.#expand(template, nn));
    }
  }

  /** The current logical name of a map-file key (old fit names warned). */
  #alias(
    key: string,
    known: Set<string>,
    onWarning = (message: string) => console.warn(message),
  ): string {
    const match = /^fit\.(.+)\.([^.]+)$/.exec(key);
    const renamed = match && FIT_FIELD_ALIASES[match[2]];
    if (!match || !renamed || known.has(key)) return key;
    const logical = `fit.${match[1]}.${renamed}`;
    if (!known.has(logical)) return key;
    const message =
      `pv map: '${key}' is an old logical name; accepted as '${logical}' (rename it in the map file)`;
    this.warnings.push(message);
    onWarning(message);
    return logical;
  }

  #expand(template: string, nn: string): string {
    return template
      .replaceAll("{P}", this.prefix)
      .replaceAll("{NN}", nn)
      .replaceAll("{N}", String(this.scannerIndex));
  }

  /**
   * The PV name for a logical name, or `null` when the facility has none.
   * Throws for a logical name that is not in the map.
   */
  pv(logical: LogicalName): string | null {
    if (!this.#names.has(logical)) {
      throw new Error(`pv map: no logical PV '${logical}'`);
    }
    return this.#names.get(logical)!;
  }

  /** Like {@link pv} but throws when the facility mapped it to `null`. */
  requirePv(logical: LogicalName): string {
    const name = this.pv(logical);
    if (name === null) {
      throw new Error(
        `pv map: '${logical}' is needed for this scan but is null`,
      );
    }
    return name;
  }

  /** Every mapped PV: logical name, PV name and spec (null entries left out). */
  entries(): { logical: LogicalName; name: string; spec: PvSpec }[] {
    return this.specs.flatMap((spec) => {
      const name = this.#names.get(spec.logical);
      return name ? [{ logical: spec.logical, name, spec }] : [];
    });
  }

  /** The wire motor's PVs. */
  motorPvs(): MotorPvs {
    const out: Record<string, string | null> = {};
    for (const field of Object.keys(MOTOR_FIELDS) as MotorField[]) {
      out[field] = this.pv(`motor.${field}`);
    }
    return {
      ...out,
      val: this.requirePv("motor.val"),
      rbv: this.requirePv("motor.rbv"),
    } as MotorPvs;
  }

  /** The acquisition trigger and the data PVs of every channel. */
  daqPvs(): DaqPvs {
    const data = (logical: LogicalName): DataPv => ({
      pv: this.pv(logical),
      units: this.specs.find((s) => s.logical === logical)?.units ?? "",
    });
    const perChannel = (channels: string[], group: "daq" | "iops") =>
      Object.fromEntries(
        channels.map((ch) => [ch, data(`${group}.${ch}`)]),
      );
    return {
      acquire: this.pv("daq.acquire"),
      struck: perChannel(this.struckChannels, "daq"),
      iops: perChannel(this.iopsChannels, "iops"),
      samplePeriod: data("struck.samplePeriod"),
      idc: { current: data("idc.current") },
      beam: { current: data("beam.current"), energy: data("beam.energy") },
    };
  }
}
