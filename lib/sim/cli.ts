/**
 * `fws sim <index>`: serves a simulated FWS IOC over Channel Access until
 * SIGINT/SIGTERM, for rehearsing with the daemon and checking a facility's
 * PV map.
 *
 * @module
 */
import {
  fwsCommand,
  parseCommand,
  parseIntOption,
  parseScannerIndex,
  UsageError,
} from "../cli.ts";
import {
  checkWires,
  FWSScanInterface,
  parsePvMap,
  type PvMapFile,
} from "../pvmap/mod.ts";
import { simFork } from "./fork.ts";
import { type SimulatorOptions, startSimulator } from "./mod.ts";

/** Usage text of `fws sim`. */
export const SIM_USAGE = `Usage: fws sim <scanner_index> [options]

Serves a simulated FWS IOC (wire motor, Struck DAQ, IOPS, beam readings and
every daemon PV) over Channel Access until Ctrl-C.

Options:
  --test-mode          prefix every PV with Test:
  --seed N             seed of the noise (same seed, same data); default 1
  --center MM          beam centre [mm]; default 0.3
  --sigma MM           beam sigma [mm]; default 1.2
  --amplitude V        peak signal [V]; default 1
  --background V       detector background [V]; default 0.05
  --noise V            detector noise, standard deviation [V]; default 0.01
  --velocity MM_S      motor speed VELO [mm/s]; default 5
  --acquisition-time S Struck acquisition time [s]; default 0.05
  --port N             UDP search port; default EPICS_CAS_SERVER_PORT or 5064
  --interface ADDR     address to serve on; default EPICS_CAS_INTF_ADDR_LIST or all
  --pv-map PATH        serve the PV names of this map file (its wires: the fork)
  --fork LETTERS       a fork of wires x, y, u (45°), v (−45°) crossing the beam in
                       that order along the stroke, 15 mm apart, e.g. xuy
  --wire-diameter MM   diameter of the fork's wires [mm]; default 0.03
  --sigma-y MM         with a fork: the beam's second axis [mm]; default 0.7
  --tilt DEG           with a fork: the beam's tilt from x [deg]; default 0
  --readout-lag S      the IOPS position readout is S seconds late (a moving
                       wire reads behind itself); default 0
  --help               show this help

Beyond the scanner's PV map it serves <prefix>SIM:BEAM_ON (0 switches the
beam off, 1 brings it back) and <prefix>SIM:CENTER, SIM:SIGMA, SIM:AMPLITUDE,
SIM:BACKGROUND, SIM:NOISE to change the beam while it runs, e.g.
  fws ca put Test:FWS01:SIM:BEAM_ON 0
`;

function numberOption(
  text: string | undefined,
  name: string,
  check: (n: number) => boolean = Number.isFinite,
  expected = "a number",
): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || !check(n)) {
    throw new UsageError(`--${name}: expected ${expected}, got '${text}'`);
  }
  return n;
}

/** Parses the arguments of `fws sim` into simulator options. */
export async function parseSimArgs(
  args: string[],
): Promise<SimulatorOptions | "help"> {
  const { values, positionals } = parseCommand(args, {
    command: "fws sim",
    options: {
      "test-mode": { type: "boolean" },
      seed: { type: "string" },
      center: { type: "string" },
      sigma: { type: "string" },
      amplitude: { type: "string" },
      background: { type: "string" },
      noise: { type: "string" },
      velocity: { type: "string" },
      "acquisition-time": { type: "string" },
      port: { type: "string" },
      interface: { type: "string" },
      "pv-map": { type: "string" },
      fork: { type: "string" },
      "wire-diameter": { type: "string" },
      "sigma-y": { type: "string" },
      tilt: { type: "string" },
      "readout-lag": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    positionals: ["scanner_index"],
  });
  if (values.help) return "help";
  const str = (k: string) => values[k] as string | undefined;
  const scannerIndex = parseScannerIndex(positionals[0]);
  const seed = str("seed") === undefined ? undefined : parseIntOption(
    str("seed")!,
    { name: "seed", min: 0, max: 2 ** 32 - 1 },
  );
  const port = str("port") === undefined
    ? undefined
    : parseIntOption(str("port")!, { name: "port", min: 1, max: 65535 });
  const positive = (n: number) => Number.isFinite(n) && n > 0;
  const nonNegative = (n: number) => Number.isFinite(n) && n >= 0;
  const beam: SimulatorOptions["beam"] = {};
  const center = numberOption(str("center"), "center");
  const sigma = numberOption(str("sigma"), "sigma", positive, "a number > 0");
  const amplitude = numberOption(str("amplitude"), "amplitude");
  const background = numberOption(str("background"), "background");
  const noise = numberOption(
    str("noise"),
    "noise",
    nonNegative,
    "a number ≥ 0",
  );
  if (center !== undefined) beam.center = center;
  if (sigma !== undefined) beam.sigma = sigma;
  if (amplitude !== undefined) beam.amplitude = amplitude;
  if (background !== undefined) beam.background = background;
  if (noise !== undefined) beam.noise = noise;
  const sigmaY = numberOption(
    str("sigma-y"),
    "sigma-y",
    positive,
    "a number > 0",
  );
  const tilt = numberOption(
    str("tilt"),
    "tilt",
    (n) => Number.isFinite(n) && Math.abs(n) <= 90,
    "an angle in degrees (−90 … 90)",
  );
  if (sigmaY !== undefined) beam.sigmaY = sigmaY;
  if (tilt !== undefined) beam.tilt = tilt;
  const readoutLag = numberOption(
    str("readout-lag"),
    "readout-lag",
    nonNegative,
    "a time ≥ 0 in seconds",
  );
  if (readoutLag !== undefined) beam.readoutLag = readoutLag;
  const diameter = numberOption(
    str("wire-diameter"),
    "wire-diameter",
    nonNegative,
    "a diameter ≥ 0 in mm",
  );
  const velocity = numberOption(
    str("velocity"),
    "velocity",
    positive,
    "a speed > 0",
  );
  const acquisitionTime = numberOption(
    str("acquisition-time"),
    "acquisition-time",
    nonNegative,
    "a time ≥ 0",
  );
  let pvMap: PvMapFile | undefined;
  const mapPath = str("pv-map");
  if (mapPath !== undefined) {
    let text: string;
    try {
      text = await Deno.readTextFile(mapPath);
    } catch (error) {
      throw new UsageError(
        `--pv-map ${mapPath}: cannot read (${(error as Error).message})`,
      );
    }
    try {
      pvMap = parsePvMap(text, mapPath);
      // unknown names, nulls (old names are warned about once, at start)
      new FWSScanInterface(scannerIndex, { map: pvMap, onWarning: () => {} });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  const letters = str("fork");
  if (letters !== undefined) {
    if (pvMap?.wires) {
      throw new UsageError(
        `--fork ${letters}: the map file ${mapPath} has wires already; expected one of the two`,
      );
    }
    let wires;
    try {
      wires = checkWires(
        simFork(letters, { diameter }).map((w) => ({ ...w, window: "auto" })),
        `--fork ${letters}`,
      );
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    pvMap = { ...pvMap, wires };
  } else if (diameter !== undefined) {
    throw new UsageError("--wire-diameter: expected a --fork to go with it");
  }
  const iface = str("interface");
  return {
    scannerIndex,
    testMode: values["test-mode"] === true,
    seed,
    beam,
    pvMap,
    acquisitionTime,
    motor: velocity === undefined ? undefined : { velocity },
    // unset fields: the server's EPICS_CAS_* defaults (5064, all interfaces)
    server: {
      intfAddrList: iface === undefined ? undefined : [iface],
      serverPort: undefined,
      udpPort: port,
      beaconAddrList: undefined,
    },
  };
}

/** Entry point of `fws sim`: serves until SIGINT/SIGTERM, returns 0. */
export async function simMain(args: string[]): Promise<number> {
  const options = await parseSimArgs(args);
  if (options === "help") {
    console.log(SIM_USAGE);
    return 0;
  }
  const sim = await startSimulator(options);
  const p = sim.interface.prefix;
  const b = sim.beam;
  const fws = fwsCommand();
  console.log(
    [
      `fws sim: simulated FWS IOC for scanner ${options.scannerIndex}, prefix ${p}`,
      `  Channel Access: UDP ${sim.udpPort}, TCP ${sim.tcpPort} on ${
        options.server?.intfAddrList?.[0] ?? "all interfaces"
      }`,
      `  beam: centre ${b.center} mm, sigma ${b.sigma} mm, amplitude ${b.amplitude} V, ` +
      `background ${b.background} V, noise ${b.noise} V (seed ${
        options.seed ?? 1
      })`,
      `  ${sim.interface.entries().length} PVs, e.g. ${p}SCAN:START ${
        sim.interface.pv("motor.val") ?? ""
      } ${p}SIM:BEAM_ON`,
      ...forkLines(sim.interface, b),
      "",
      "Point clients at it with:",
      `  export EPICS_CA_ADDR_LIST=127.0.0.1:${sim.udpPort} EPICS_CA_AUTO_ADDR_LIST=NO`,
      `  ${fws} ${options.scannerIndex}${
        options.testMode ? " --test-mode" : ""
      } --log-dir /tmp/fws-log --data-dir /tmp/fws-data   # the daemon`,
      `  ${fws} ca get ${p}SCAN:STATE`,
      "Ctrl-C to stop.",
    ].join("\n"),
  );
  const { promise, resolve } = Promise.withResolvers<string>();
  const onInt = () => resolve("SIGINT");
  const onTerm = () => resolve("SIGTERM");
  Deno.addSignalListener("SIGINT", onInt);
  Deno.addSignalListener("SIGTERM", onTerm);
  const signal = await promise;
  Deno.removeSignalListener("SIGINT", onInt);
  Deno.removeSignalListener("SIGTERM", onTerm);
  console.log(`fws sim: ${signal}, stopping`);
  await sim.close();
  return 0;
}

/** The banner's fork lines: the wires, and the table the daemon needs. */
function forkLines(
  pvs: FWSScanInterface,
  beam: { sigmaY: number; tilt: number },
): string[] {
  if (pvs.wires.length < 2) return [];
  const wires = pvs.wires.map((w) =>
    `${w.name} ${w.angle}° at ${w.offset} mm (d ${w.diameter} mm)`
  );
  return [
    `  fork: ${
      wires.join(", ")
    }; beam σy ${beam.sigmaY} mm, tilt ${beam.tilt}°`,
    `  give the daemon the same wires in its --pv-map: {"wires": ${
      JSON.stringify(pvs.wires)
    }}`,
  ];
}
