/**
 * `fws demo`: the newcomer's first command. In one process it starts the
 * simulated FWS IOC on free loopback ports and the scan daemon, asks for one
 * step scan of three repetitions through Channel Access puts (as an operator
 * would), shows the progress, prints the Gaussian fits per channel and
 * repetition with mean ± std, and the scan file. The live page
 * (`fws plot --live`) follows the scan from the start (its URL is the first
 * line printed) and shows the file once written.
 *
 * @module
 */
import { dirname } from "node:path";
import { dropPermissions } from "../permissions.ts";
import { CAClient, type CAValue, charArrayToString } from "../ca/mod.ts";
import {
  fwsCommand,
  parseCommand,
  parseIntOption,
  UsageError,
} from "../cli.ts";
import { readScanFile } from "../hdf5/mod.ts";
import { summarizeFits } from "../analysis/mod.ts";
import type { ChannelFit, ScanRecord } from "../scan/model.ts";
import { simFork } from "../sim/fork.ts";
import { type Simulator, startSimulator } from "../sim/mod.ts";
import { checkWires, type LogicalName, SCAN_STATES } from "../pvmap/mod.ts";
import { type RequestOutcome, startDaemon } from "./mod.ts";

/** Usage text of `fws demo`. */
export const DEMO_USAGE = `Usage: fws demo [options]

Starts a simulated FWS IOC and the scan daemon in this process and requests
3 repetitions over Channel Access: a fly stroke over a fork of three wires
(x, u at 45°, y) crossing a beam tilted by 20°. It prints each wire's fitted
sigma and the beam's tilt per repetition and writes an HDF5 scan file. The
live page follows the scan from the start (its URL is printed first) and then
shows the file. With --fork x it scans one wire, step by step, and prints the
fitted centre and sigma.

Options:
  --data-dir PATH   where the scan file goes; default a new temporary directory
  --seed N          seed of the simulated noise; default 1
  --no-open         do not open the live page (its URL is printed first); at
                    the end print how to open the file's plot page
  --fork LETTERS    the fork's wires, of x, y, u (45°), v (-45°); default xuy:
                    a fly scan over -25 … 25 mm, fitted per wire, with the
                    beam's ellipse; x alone: a step scan of one wire
  --help            show this help
`;

/** What {@link runDemo} needs. */
export interface DemoOptions {
  /** Directory of the scan file. */
  dataDir: string;
  /** Seed of the simulated noise. */
  seed: number;
  /** Repetitions; default 3. */
  nScans?: number;
  /** Steps per repetition; default 41. */
  nSteps?: number;
  /** Wires of a fork, e.g. `xuy` (fly scan of a tilted beam); default one wire. */
  fork?: string;
  /** Where the lines go; default console.log. */
  print?: (line: string) => void;
  /** Draw a progress bar in place (a terminal) instead of plain lines. */
  tty?: boolean;
  /** Longest the scan may take [s]; default 120. */
  timeout?: number;
  /** Aborts the demo (Ctrl-C). */
  signal?: AbortSignal;
  /**
   * Starts the live page against the simulated IOC (`fws plot --live`);
   * its URL is the first line printed.
   */
  startLive?: (
    ca: { addrList: string[]; autoAddrList: boolean },
  ) => Promise<{ url: string; close(): Promise<void> }>;
  /** Called with the live page's URL as soon as it serves (the opener). */
  onLive?: (url: string) => void;
  /** Awaited once the scan is done, before the IOC and daemon stop. */
  keepOpen?: () => Promise<void>;
}

/** What the demo measured. */
export interface DemoResult {
  outcome: RequestOutcome;
  /** Fits by channel, one per repetition. */
  fits: Record<string, ChannelFit[]>;
  /** The simulated beam's centre and sigma [mm]. */
  beam: { center: number; sigma: number };
  /** With a fork: each repetition's beam tilt [deg] from the file, and the simulated one. */
  tilts?: { fitted: number[]; simulated: number };
}

/** The fork `fws demo` scans unless told otherwise. */
const DEMO_FORK = "xuy";

/** The beam a fork demo sees: σ 1.2 × 0.7 mm, turned by 20°. */
const FORK_BEAM = { sigmaY: 0.7, tilt: 20 };

const BAR = 30;

function progressLine(percent: number, detail: string): string {
  const p = Math.max(0, Math.min(100, percent));
  const filled = Math.round((p / 100) * BAR);
  return `[${"#".repeat(filled)}${".".repeat(BAR - filled)}] ${
    p.toFixed(0).padStart(3)
  }%  ${detail}`;
}

function text(v: CAValue): string {
  if (v.value instanceof Uint8Array) return charArrayToString(v.value);
  return String(v.value);
}

function fmt(value: number, err: number): string {
  if (!Number.isFinite(value)) return "—".padEnd(20);
  return `${value.toFixed(4).padStart(8)} ± ${
    Number.isFinite(err) ? err.toFixed(4) : "nan"
  }`.padEnd(20);
}

/** Prints the fit table: per channel and repetition, then mean ± std. */
export function fitTable(
  fits: Record<string, ChannelFit[]>,
  beam: { center: number; sigma: number },
): string[] {
  const lines = [
    `${"channel".padEnd(8)}${"scan".padEnd(10)}${"centre [mm]".padEnd(22)}${
      "sigma [mm]".padEnd(22)
    }fit`,
  ];
  for (const [ch, list] of Object.entries(fits)) {
    list.forEach((f, i) => {
      const name = `scan_${String(i + 1).padStart(3, "0")}`;
      lines.push(
        `${ch.padEnd(8)}${name.padEnd(10)}${fmt(f.center, f.centerErr)}  ${
          fmt(f.sigma, f.sigmaErr)
        }  ${f.ok ? `ok (x: ${f.iopsChannel})` : `failed: ${f.message}`}`,
      );
    });
    const s = summarizeFits(list);
    lines.push(
      `${ch.padEnd(8)}${"mean±std".padEnd(10)}${
        fmt(s.center.mean, s.center.std)
      }  ${fmt(s.sigma.mean, s.sigma.std)}  n=${s.center.n}`,
    );
  }
  lines.push(
    `simulated beam: centre ${beam.center} mm, sigma ${beam.sigma} mm`,
  );
  return lines;
}

/** A fork's results per repetition: each wire's σ beam, then the ellipse. */
function forkTable(scans: readonly ScanRecord[]): string[] {
  const lines: string[] = [];
  for (const scan of scans) {
    for (const [ch, list] of Object.entries(scan.wireFits ?? {})) {
      const wires = list.map((w) =>
        `${w.wire} σ ${fmt(w.sigmaBeam, w.sigmaBeamErr).trim()}`
      ).join("  ");
      const s = scan.beamShapes?.[ch];
      const shape = s?.ok
        ? `tilt ${fmt(s.tilt, s.tiltErr).trim()}°`
        : `beam shape: ${s?.message ?? "none"}`;
      lines.push(`${ch.padEnd(6)}${scan.name}  ${wires}  ${shape}`);
    }
  }
  return lines;
}

/**
 * Runs the demo scan end to end and returns its outcome and fits; the
 * simulator, daemon and client are always closed before it returns.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const nScans = options.nScans ?? 3;
  const nSteps = options.nSteps ?? 41;
  const wires = options.fork === undefined ? undefined : checkWires(
    simFork(options.fork).map((w) => ({ ...w, window: "auto" })),
    `--fork ${options.fork}`,
  );
  const pvMap = wires ? { wires } : undefined;
  const sim: Simulator = await startSimulator({
    scannerIndex: 1,
    testMode: true,
    seed: options.seed,
    acquisitionTime: 0.01,
    motor: { velocity: 10, vmax: 20 },
    ...(wires ? { pvMap, beam: FORK_BEAM, maxSamples: 20000 } : {}),
  });
  const pvs = sim.interface;
  const ca = { addrList: sim.addrList, autoAddrList: false };
  let live: { url: string; close(): Promise<void> } | undefined;
  try {
    live = await options.startLive?.(ca);
  } catch (error) {
    await sim.close();
    throw error;
  }
  if (live) {
    print(`live page: ${live.url}`);
    options.onLive?.(live.url);
  }
  print(
    `simulated IOC ${pvs.prefix} on 127.0.0.1 (UDP ${sim.udpPort}, TCP ${sim.tcpPort}); ` +
      `beam centre ${sim.beam.center} mm, sigma ${sim.beam.sigma}${
        wires ? ` × ${FORK_BEAM.sigmaY} mm, tilt ${FORK_BEAM.tilt}°` : " mm"
      }`,
  );
  const client = new CAClient({ ...ca, timeout: 5 });
  let daemon: Awaited<ReturnType<typeof startDaemon>> | undefined;
  const subs: { cancel(): void }[] = [];
  try {
    daemon = await startDaemon({
      scannerIndex: 1,
      testMode: true,
      dataDir: options.dataDir,
      ca,
      pvMap,
      tuning: { suspender: { resumeDelay: 0.2 } },
    });
    print(`scan daemon watching ${pvs.requirePv("scan.start")}`);
    const finished = new Promise<RequestOutcome>((resolve) =>
      daemon!.bridge.onRequestFinished(resolve)
    );
    const pv = (logical: LogicalName) => pvs.requirePv(logical);
    const request: [LogicalName, number | string][] = wires
      ? [
        ["scan.mode", "FLY"],
        ["scan.startPos", -25],
        ["scan.endPos", 25],
        ["scan.speed", 10],
      ]
      : [
        ["scan.mode", "STEP"],
        ["scan.startPos", -5],
        ["scan.endPos", 5],
        ["scan.nSteps", nSteps],
      ];
    request.push(
      ["scan.nScans", nScans],
      ["scan.settle", 0],
      ["scan.user", "demo"],
      ["scan.comment", "fws demo: simulated beam"],
    );
    for (const [logical, value] of request) {
      await client.put(pv(logical), value, { wait: true });
    }
    print(
      wires
        ? `request: fly scan -25 → 25 mm at 10 mm/s over a ${
          wires.map((w) => `${w.name} (${w.angle}°)`).join(", ")
        } fork, ${nScans} repetitions`
        : `request: step scan ${-5} → ${5} mm, ${nSteps} steps, ${nScans} repetitions`,
    );
    let percent = 0;
    let detail = "";
    let lastDecile = -1;
    const total = nScans * nSteps;
    const show = () => {
      if (options.tty) {
        const done = Math.round((percent / 100) * total);
        const line = progressLine(percent, `${done}/${total} steps  ${detail}`)
          .slice(0, 100);
        Deno.stdout.writeSync(
          new TextEncoder().encode(`\r${line.padEnd(100)}`),
        );
      } else if (Math.floor(percent / 10) > lastDecile) {
        lastDecile = Math.floor(percent / 10);
        print(progressLine(percent, detail));
      }
    };
    subs.push(client.monitor(pv("scan.progress"), (v) => {
      percent = Number(v.value);
      show();
    }));
    subs.push(client.monitor(pv("scan.msg"), (v) => {
      detail = text(v);
      if (options.tty) show();
    }));
    await client.put(pv("scan.start"), 1, { wait: true });
    const timeout = options.timeout ?? 120;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      finished,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new Error(`the demo scan took longer than ${timeout} s`)),
          timeout * 1000,
        );
        options.signal?.addEventListener(
          "abort",
          () => reject(new Error("demo interrupted")),
          { once: true },
        );
      }),
    ]).finally(() => clearTimeout(timer));
    for (const s of subs.splice(0)) s.cancel();
    if (outcome.status === "completed") {
      percent = 100;
      detail = `${nScans} repetitions done`;
      show();
    }
    if (options.tty) Deno.stdout.writeSync(new TextEncoder().encode("\n"));
    const state = await client.get(pv("scan.state"));
    const stateName = typeof state.value === "number"
      ? SCAN_STATES[state.value]
      : String(state.value);
    print(`scan ${outcome.status} (${stateName}): ${outcome.message}`);
    const fits: Record<string, ChannelFit[]> = {};
    let tilts: DemoResult["tilts"];
    if (outcome.file) {
      const run = await readScanFile(outcome.file);
      for (const scan of run.scans) {
        for (const [ch, fit] of Object.entries(scan.fits)) {
          (fits[ch] ??= []).push(fit);
        }
      }
      print("");
      if (wires) {
        for (const line of forkTable(run.scans)) print(line);
        tilts = {
          fitted: run.scans.map((s) => s.beamShapes?.PDB?.tilt ?? NaN),
          simulated: FORK_BEAM.tilt,
        };
        print(
          `simulated beam: σ ${sim.beam.sigma} × ${FORK_BEAM.sigmaY} mm, tilt ${FORK_BEAM.tilt}°`,
        );
      } else for (const line of fitTable(fits, sim.beam)) print(line);
      print("");
      print(`scan file: ${outcome.file}`);
    }
    await options.keepOpen?.();
    return {
      outcome,
      fits,
      beam: { center: sim.beam.center, sigma: sim.beam.sigma },
      ...(tilts ? { tilts } : {}),
    };
  } finally {
    await live?.close();
    for (const s of subs) s.cancel();
    await daemon?.stop("demo finished").catch(() => {});
    await client.close();
    await sim.close();
  }
}

/** Entry point of `fws demo`. */
export async function demoMain(args: string[]): Promise<number> {
  const { values } = parseCommand(args, {
    command: "fws demo",
    options: {
      "data-dir": { type: "string" },
      seed: { type: "string" },
      "no-open": { type: "boolean" },
      fork: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(DEMO_USAGE);
    return 0;
  }
  const seedText = values.seed as string | undefined;
  const seed = seedText === undefined
    ? 1
    : parseIntOption(seedText, { name: "seed", min: 0, max: 2 ** 32 - 1 });
  const letters = (values.fork as string | undefined) ?? DEMO_FORK;
  let fork: string | undefined;
  try {
    // one wire is the classic step scan; more make a fork
    fork = simFork(letters).length > 1 ? letters : undefined;
  } catch (error) {
    throw new UsageError(`--fork: ${(error as Error).message}`);
  }
  let dataDir = values["data-dir"] as string | undefined;
  if (dataDir !== undefined) {
    if (dataDir.trim() === "") {
      throw new UsageError("--data-dir: expected a directory path, got ''");
    }
    await Deno.mkdir(dataDir, { recursive: true });
  } else {
    dataDir = await Deno.makeTempDir({ prefix: "fws-demo-" });
  }
  const controller = new AbortController();
  const onInt = () => controller.abort();
  Deno.addSignalListener("SIGINT", onInt);
  const open = values["no-open"] !== true;
  // the live page, if this build has it (and its browser opener)
  let page: typeof import("../../plot_live.ts") | undefined;
  let plot: typeof import("../../plot.ts") | undefined;
  try {
    page = await import("../../plot_live.ts");
    plot = await import("../../plot.ts");
  } catch {
    page = plot = undefined;
  }
  const assets = page && plot
    ? await plot.loadAssets().catch(() => undefined)
    : undefined;
  let result: DemoResult;
  try {
    result = await runDemo({
      dataDir,
      seed,
      fork,
      tty: Deno.stdout.isTerminal(),
      signal: controller.signal,
      startLive: page && assets
        ? (ca) =>
          page.startLivePlotServer({
            scannerIndex: 1,
            testMode: true,
            assets,
            ca,
          })
        : undefined,
      onLive: (url) => {
        if (open) plot?.openBrowser(url);
      },
      keepOpen: open && assets
        ? async () => {
          await dropPermissions(["run"]); // the opener has started
          console.log("the live page shows the scan file (Ctrl-C to quit)");
          if (controller.signal.aborted) return;
          await new Promise((resolve) =>
            controller.signal.addEventListener("abort", resolve, {
              once: true,
            })
          );
        }
        : undefined,
    });
  } finally {
    Deno.removeSignalListener("SIGINT", onInt);
  }
  const file = result.outcome.file;
  if (result.outcome.status !== "completed" || !file) return 1;
  if (!open) {
    await dropPermissions(["run"]); // nothing left to start
    console.log(`open the plot page with:  ${fwsCommand()} plot ${file} PDB`);
    console.log(
      `and the data directory's history with:  ${fwsCommand()} history ${
        dirname(file)
      }`,
    );
    return 0;
  }
  if (!assets) {
    console.log(
      `the plot page is not available in this build; plot with:  ${fwsCommand()} plot ${file} PDB`,
    );
  }
  return 0;
}
