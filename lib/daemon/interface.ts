/**
 * `FWSScanInterface`: the PV map of one scanner. Every PV the daemon touches
 * has a logical name (`scan.start`, `motor.rbv`, `daq.PDB`, …); the built-in
 * map below is the default, and a JSON map file (`--pv-map`) may override any
 * entry, or set it to `null` when a facility has no such PV.
 *
 * This module is the one place the PV names live: the daemon, the simulated
 * IOC, the operator display and the docs are all derived from it.
 *
 * @module
 */

/** Role of a PV, as documented in the PV table. */
export type PvDirection = "input" | "output" | "motor" | "data";

/** EPICS record type the PV stands for (used by the simulator and the docs). */
export type PvRecordType =
  | "ai"
  | "ao"
  | "bo"
  | "bi"
  | "mbbo"
  | "mbbi"
  | "longout"
  | "stringout"
  | "waveform"
  | "motor";

/** Description of one logical PV in the built-in map. */
export interface PvSpec {
  /** Logical name, e.g. `scan.start`. */
  logical: string;
  /** Default PV name template with `{P}` for the prefix. */
  template: string;
  record: PvRecordType;
  direction: PvDirection;
  /** Unit, where it has one. */
  units?: string;
  /** Enum labels for bo/mbbo/mbbi records. */
  enumStrings?: string[];
  /** What the PV does, for the docs and the operator display. */
  description: string;
  /** The scan cannot run without it: `null` in a map file is rejected. */
  required?: boolean;
}

/** States published on `SCAN:STATE`, in mbbi order. */
export const SCAN_STATES = [
  "IDLE",
  "VALIDATING",
  "MOVING",
  "ACQUIRING",
  "FITTING",
  "WRITING",
  "DONE",
  "ABORTED",
  "ERROR",
  "PAUSED",
] as const;

/** One of {@link SCAN_STATES}. */
export type ScanState = typeof SCAN_STATES[number];

/** Default Struck detector channels. */
export const DEFAULT_STRUCK_CHANNELS = ["PDB", "PDT"] as const;

/** Default IOPS position channels. */
export const DEFAULT_IOPS_CHANNELS = ["ch1", "ch2"] as const;

/** Fit result fields published per struck channel, with their PV suffixes. */
export const FIT_FIELDS = {
  center: "CENTER",
  sigma: "SIGMA",
  amplitude: "AMPLITUDE",
  offset: "OFFSET",
  centerErr: "CENTER_ERR",
  sigmaErr: "SIGMA_ERR",
  chi2: "CHI2",
  ok: "OK",
} as const;

/** Motor record fields the daemon uses, logical suffix → record field. */
export const MOTOR_FIELDS = {
  val: "VAL",
  rbv: "RBV",
  dmov: "DMOV",
  velo: "VELO",
  vmax: "VMAX",
  hlm: "HLM",
  llm: "LLM",
  stop: "STOP",
  egu: "EGU",
} as const;

const SCAN_PVS: PvSpec[] = [
  {
    logical: "scan.start",
    template: "{P}SCAN:START",
    record: "bo",
    direction: "input",
    enumStrings: ["Idle", "Start"],
    description:
      "request a scan; the daemon writes 0 back once it has taken the request",
    required: true,
  },
  {
    logical: "scan.abort",
    template: "{P}SCAN:ABORT",
    record: "bo",
    direction: "input",
    enumStrings: ["Idle", "Abort"],
    description: "abort the running request",
  },
  {
    logical: "scan.mode",
    template: "{P}SCAN:MODE",
    record: "mbbo",
    direction: "input",
    enumStrings: ["STEP", "FLY"],
    description: "step scan or continuous (fly) scan",
  },
  {
    logical: "scan.startPos",
    template: "{P}SCAN:START_POS",
    record: "ao",
    direction: "input",
    units: "mm",
    description: "first wire position",
    required: true,
  },
  {
    logical: "scan.endPos",
    template: "{P}SCAN:END_POS",
    record: "ao",
    direction: "input",
    units: "mm",
    description: "last wire position",
    required: true,
  },
  {
    logical: "scan.nSteps",
    template: "{P}SCAN:NSTEPS",
    record: "longout",
    direction: "input",
    description: "number of positions (step mode)",
  },
  {
    logical: "scan.speed",
    template: "{P}SCAN:SPEED",
    record: "ao",
    direction: "input",
    units: "mm/s",
    description: "wire speed (fly mode)",
  },
  {
    logical: "scan.nScans",
    template: "{P}SCAN:NSCANS",
    record: "longout",
    direction: "input",
    description: "repetitions, written as scan_001 …",
  },
  {
    logical: "scan.settle",
    template: "{P}SCAN:SETTLE",
    record: "ao",
    direction: "input",
    units: "s",
    description: "settle time after each move",
  },
  {
    logical: "scan.bidir",
    template: "{P}SCAN:BIDIR",
    record: "bo",
    direction: "input",
    enumStrings: ["No", "Yes"],
    description: "alternate direction between repetitions",
  },
  {
    logical: "scan.user",
    template: "{P}SCAN:USER",
    record: "stringout",
    direction: "input",
    description: "who asked for the scan (metadata)",
  },
  {
    logical: "scan.comment",
    template: "{P}SCAN:COMMENT",
    record: "stringout",
    direction: "input",
    description: "free comment (metadata)",
  },
  {
    logical: "scan.state",
    template: "{P}SCAN:STATE",
    record: "mbbi",
    direction: "output",
    enumStrings: [...SCAN_STATES],
    description:
      "daemon state; DONE, ABORTED and ERROR are held until the next request",
  },
  {
    logical: "scan.msg",
    template: "{P}SCAN:MSG",
    record: "waveform",
    direction: "output",
    description: "human-readable status or error",
  },
  {
    logical: "scan.progress",
    template: "{P}SCAN:PROGRESS",
    record: "ao",
    direction: "output",
    units: "%",
    description: "progress of the request",
  },
  {
    logical: "scan.heartbeat",
    template: "{P}SCAN:HEARTBEAT",
    record: "longout",
    direction: "output",
    description: "incremented every second while the daemon lives",
  },
  {
    logical: "scan.file",
    template: "{P}SCAN:FILE",
    record: "waveform",
    direction: "output",
    description: "path of the last HDF5 file",
  },
];

const MOTOR_DESCRIPTIONS: Record<keyof typeof MOTOR_FIELDS, string> = {
  val: "wire motor set point",
  rbv: "wire motor readback",
  dmov: "done moving (1 when the motor is still)",
  velo: "motor speed",
  vmax: "maximum motor speed",
  hlm: "high soft limit",
  llm: "low soft limit",
  stop: "stop the motor",
  egu: "engineering units",
};

function motorPvs(): PvSpec[] {
  return (Object.keys(MOTOR_FIELDS) as (keyof typeof MOTOR_FIELDS)[]).map(
    (key) => ({
      logical: `motor.${key}`,
      template: `{P}MTR.${MOTOR_FIELDS[key]}`,
      record: "motor" as const,
      direction: "motor" as const,
      units: key === "velo" || key === "vmax"
        ? "mm/s"
        : ["val", "rbv", "hlm", "llm"].includes(key)
        ? "mm"
        : undefined,
      description: MOTOR_DESCRIPTIONS[key],
      required: key === "val" || key === "rbv",
    }),
  );
}

function dataPvs(struck: readonly string[], iops: readonly string[]): PvSpec[] {
  return [
    {
      logical: "daq.acquire",
      template: "{P}DAQ:ACQUIRE",
      record: "bo",
      direction: "data",
      enumStrings: ["Idle", "Acquire"],
      description: "trigger the Struck acquisition (put with completion)",
    },
    ...struck.map((ch): PvSpec => ({
      logical: `daq.${ch}`,
      template: `{P}DAQ:${ch}`,
      record: "waveform",
      direction: "data",
      units: "V",
      description: `Struck detector signal ${ch}`,
    })),
    ...iops.map((ch): PvSpec => ({
      logical: `iops.${ch}`,
      template: `{P}IOPS:${ch.toUpperCase()}`,
      record: "waveform",
      direction: "data",
      units: "mm",
      description: `IOPS wire position ${ch}`,
    })),
    {
      logical: "idc.current",
      template: "{P}IDC:CURRENT",
      record: "ai",
      direction: "data",
      units: "mA",
      description: "IDC current, recorded per step",
    },
    {
      logical: "beam.current",
      template: "{P}BEAM:CURRENT",
      record: "ai",
      direction: "data",
      units: "mA",
      description: "beam current, recorded per step (beam-loss pause)",
    },
    {
      logical: "beam.energy",
      template: "{P}BEAM:ENERGY",
      record: "ai",
      direction: "data",
      units: "MeV",
      description: "beam energy, recorded per step",
    },
  ];
}

function fitPvs(struck: readonly string[]): PvSpec[] {
  return struck.flatMap((ch) =>
    (Object.keys(FIT_FIELDS) as (keyof typeof FIT_FIELDS)[]).map((key) => ({
      logical: `fit.${ch}.${key}`,
      template: `{P}FIT:${ch}:${FIT_FIELDS[key]}`,
      record: key === "ok" ? "bo" as const : "ao" as const,
      direction: "output" as const,
      units: ["center", "sigma", "centerErr", "sigmaErr"].includes(key)
        ? "mm"
        : undefined,
      enumStrings: key === "ok" ? ["Failed", "OK"] : undefined,
      description: `fit ${key} of ${ch} for the last scan`,
    }))
  );
}

/**
 * The built-in PV specs for the given channels, in display order.
 *
 * @param struck Struck channel names
 * @param iops IOPS channel names
 */
export function defaultPvSpecs(
  struck: readonly string[] = DEFAULT_STRUCK_CHANNELS,
  iops: readonly string[] = DEFAULT_IOPS_CHANNELS,
): PvSpec[] {
  return [
    ...SCAN_PVS,
    ...motorPvs(),
    ...dataPvs(struck, iops),
    ...fitPvs(struck),
  ];
}

/** A PV map file as read from JSON (see DESIGN.md "The map file"). */
export interface PvMapFile {
  prefix?: string;
  channels?: { struck?: string[]; iops?: string[] };
  pvs?: Record<string, string | null>;
}

/** Options of {@link FWSScanInterface}. */
export interface ScanInterfaceOptions {
  /** Prefix every PV with `Test:`. */
  testMode?: boolean;
  /** Overrides, already parsed (see {@link parsePvMap}). */
  map?: PvMapFile;
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
  /** Specs of every logical PV, in display order. */
  readonly specs: PvSpec[];
  readonly #names: Map<string, string | null>;

  /**
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
    this.specs = defaultPvSpecs(this.struckChannels, this.iopsChannels);
    this.#names = new Map();
    const known = new Set(this.specs.map((s) => s.logical));
    for (const key of Object.keys(map.pvs ?? {})) {
      if (!known.has(key)) {
        throw new Error(
          `pv map: unknown logical name '${key}'; expected one of ${
            [...known].join(", ")
          }`,
        );
      }
    }
    for (const spec of this.specs) {
      const override = map.pvs?.[spec.logical];
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
  pv(logical: string): string | null {
    if (!this.#names.has(logical)) {
      throw new Error(`pv map: no logical PV '${logical}'`);
    }
    return this.#names.get(logical)!;
  }

  /** Like {@link pv} but throws when the facility mapped it to `null`. */
  requirePv(logical: string): string {
    const name = this.pv(logical);
    if (name === null) {
      throw new Error(
        `pv map: '${logical}' is needed for this scan but is null`,
      );
    }
    return name;
  }

  /** Every mapped PV: logical name, PV name and spec (null entries left out). */
  entries(): { logical: string; name: string; spec: PvSpec }[] {
    return this.specs.flatMap((spec) => {
      const name = this.#names.get(spec.logical);
      return name ? [{ logical: spec.logical, name, spec }] : [];
    });
  }
}

/**
 * Parses and checks the JSON text of a map file; a malformed file is rejected
 * with the offending key.
 *
 * @param text the file's contents
 * @param source the file's path, for error messages
 */
export function parsePvMap(text: string, source = "pv map"): PvMapFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new Error(
      `${source}: expected a JSON object with prefix, channels, pvs`,
    );
  }
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!["prefix", "channels", "pvs"].includes(key)) {
      throw new Error(
        `${source}: unknown key '${key}'; expected prefix, channels or pvs`,
      );
    }
  }
  if (obj.prefix !== undefined && typeof obj.prefix !== "string") {
    throw new Error(`${source}: 'prefix' must be a string`);
  }
  const channels = obj.channels as Record<string, unknown> | undefined;
  if (channels !== undefined) {
    if (typeof channels !== "object" || channels === null) {
      throw new Error(
        `${source}: 'channels' must be an object with struck, iops`,
      );
    }
    for (const [key, list] of Object.entries(channels)) {
      if (key !== "struck" && key !== "iops") {
        throw new Error(
          `${source}: unknown key 'channels.${key}'; expected struck or iops`,
        );
      }
      if (
        !Array.isArray(list) || list.length === 0 ||
        !list.every((c) => typeof c === "string" && /^[A-Za-z0-9_]+$/.test(c))
      ) {
        throw new Error(
          `${source}: 'channels.${key}' must be a non-empty list of channel names (letters, digits, _)`,
        );
      }
    }
  }
  const pvs = obj.pvs as Record<string, unknown> | undefined;
  if (pvs !== undefined) {
    if (typeof pvs !== "object" || pvs === null || Array.isArray(pvs)) {
      throw new Error(
        `${source}: 'pvs' must be an object of logical name → PV name`,
      );
    }
    for (const [key, value] of Object.entries(pvs)) {
      if (value !== null && (typeof value !== "string" || value === "")) {
        throw new Error(
          `${source}: 'pvs.${key}' must be a PV name string or null`,
        );
      }
    }
  }
  return obj as PvMapFile;
}
