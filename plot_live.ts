/**
 * `fws plot --live <scanner_index>` — serves on loopback the page of
 * `fws plot`, following a scanner over Channel Access as it scans: the
 * plot server subscribes to the scanner's PVs (`routes/_lib/live_follower.ts`)
 * and feeds the browser server-sent events (`routes/api/live.ts`); the
 * browser never speaks Channel Access. When a request ends, the server reads
 * its file (`SCAN:FILE`) if it can, and the page shows it as `fws plot
 * <file>` would.
 *
 * Permissions (`lib/permissions.ts`, profile `plot`): `write` and `ffi` are
 * revoked first thing (by `plotMain`); the Channel Access settings are
 * resolved from the environment, the assets read, the server started in a
 * Worker (`plot_live_worker.ts`) and the browser opener started; then the
 * main thread drops `read`, `net`, `env`, `sys` and `run`. The Worker holds
 * `net` on loopback and the Channel Access addresses only (every host, when
 * the search list holds a broadcast address: the servers that answer are
 * not known in advance) and `read` (the finished file is named at run
 * time); no `write`, `run`, `sys` or `ffi`, and `env` only until the HDF5
 * library is loaded.
 *
 * @module
 */
import type { CAClientOptions } from "./lib/ca/mod.ts";
import {
  broadcastAddresses,
  type ClientConfig,
  resolveConfig,
} from "./lib/ca/client_config.ts";
import {
  parseCommand,
  parseIntOption,
  parseScannerIndex,
  UsageError,
} from "./lib/cli.ts";
import { dropPermissions, type PermissionProfile } from "./lib/permissions.ts";
import {
  FWSScanInterface,
  loadPvMap,
  type PvMapFile,
} from "./lib/pvmap/mod.ts";
import { serveLoopback } from "./lib/serve_loopback.ts";
import { serverInWorker, serveUntilStopped } from "./lib/server_worker.ts";
import {
  type Assets,
  createHandler,
  emptyRun,
  PlotData,
} from "./routes/mod.ts";
import { followScanner } from "./routes/_lib/live_follower.ts";
import { LiveState, type LoadedFile } from "./routes/_lib/live_state.ts";

/** Usage text of `fws plot --live`. */
export const LIVE_USAGE = `Usage: fws plot --live <scanner_index> [options]

Serve on 127.0.0.1 a page that follows scanner N over Channel Access as it
scans (state, progress, the profile point by point, fits), and shows each
request's file once it is finished, if it is readable here.

Options:
  --test-mode          the scanner's PVs carry the Test: prefix
  --pv-map FILE        JSON map file overriding PV names (as the daemon's)
  --struck-channel CH  Struck channel shown first (default: the map's first)
  --port N             port to listen on (default 0 = a free one)
  --no-open            do not open a browser; just print the URL
  -h, --help           show this help

Channel Access settings come from EPICS_CA_ADDR_LIST, EPICS_CA_AUTO_ADDR_LIST,
EPICS_CA_SERVER_PORT as usual.`;

/** Options of {@link startLivePlotServer}. */
export interface LivePlotOptions {
  scannerIndex: number;
  testMode?: boolean;
  /** The map file's content (`--pv-map`), parsed. */
  map?: PvMapFile;
  /** Struck channel shown first (default: the map's first). */
  struck?: string;
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Page assets (`loadAssets()` of plot.ts). */
  assets: Assets;
  /** Channel Access settings (unset ones from EPICS_CA_*). */
  ca?: CAClientOptions;
  /** Seconds without a heartbeat before the daemon counts as gone (3.5). */
  heartbeatTimeout?: number;
}

/** A running live plot server. */
export interface LivePlotServer {
  /** `http://127.0.0.1:<port>/`. */
  url: string;
  port: number;
  /** Stops following, ends the event streams and stops listening. */
  close(): Promise<void>;
}

/** Reads a finished file; says why not when it cannot here. */
export async function loadFinishedFile(path: string): Promise<LoadedFile> {
  try {
    // loaded on first use, so the live server does not pay for it up front
    const { readScanFile } = await import("./lib/hdf5/mod.ts");
    const run = await readScanFile(path);
    if (run.scans.length === 0) {
      return { readable: false, reason: "the file holds no scans" };
    }
    return { readable: true, run };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { readable: false, reason: "no such file on this machine" };
    }
    if (
      error instanceof Deno.errors.PermissionDenied ||
      error instanceof Deno.errors.NotCapable
    ) {
      return { readable: false, reason: "not allowed to read it here" };
    }
    return {
      readable: false,
      reason: error instanceof Error ? error.message : String(error),
    };
  }
}

/**
 * Serves the live page of one scanner on 127.0.0.1 until closed.
 *
 * @example
 * ```ts
 * const server = await startLivePlotServer({ scannerIndex: 1, assets: await loadAssets() });
 * console.log(server.url);
 * await server.close();
 * ```
 */
export function startLivePlotServer(
  options: LivePlotOptions,
): Promise<LivePlotServer> {
  const pvs = new FWSScanInterface(options.scannerIndex, {
    testMode: options.testMode,
    map: options.map,
  });
  const struck = options.struck ?? pvs.struckChannels[0] ?? "";
  const placeholder = { file: "", scannerIndex: pvs.scannerIndex, struck };
  let data = new PlotData(emptyRun(pvs.scannerIndex, pvs.testMode), {
    ...placeholder,
    iops: pvs.iopsChannels[0] ?? "ch1",
  });
  const state = new LiveState({
    prefix: pvs.prefix,
    struckChannels: pvs.struckChannels,
    load: loadFinishedFile,
    onRun: (run, file) => {
      const probe = new PlotData(run, { ...placeholder, iops: "" });
      data = new PlotData(run, {
        file: file.name,
        scannerIndex: pvs.scannerIndex,
        struck: probe.struckChannels.includes(struck)
          ? struck
          : probe.struckChannels[0],
        iops: probe.iopsChannels[0] ?? "ch1",
      });
    },
  });
  const follower = followScanner(pvs, state, {
    ca: options.ca,
    heartbeatTimeout: options.heartbeatTimeout,
  });
  let port = 0;
  const handler = createHandler(() => data, {
    assets: options.assets,
    port: () => port,
    live: {
      snapshot: () => state.snapshot(),
      subscribe: (fn) => state.subscribe(fn),
      scannerIndex: pvs.scannerIndex,
      struck,
    },
  });
  const server = serveLoopback(options.port ?? 0, handler);
  port = server.port;
  return Promise.resolve({
    url: `http://127.0.0.1:${port}/`,
    port,
    async close() {
      state.end();
      await follower.close();
      await server.shutdown();
    },
  });
}

/** What the main thread sends the live server's Worker. */
export type LiveWorkerRequest =
  | { type: "start"; options: LivePlotOptions }
  | { type: "close" };

/**
 * The CA client settings fully resolved here (where `env` and `sys` are
 * still granted), so the Worker needs neither.
 */
export function resolvedCaOptions(config: ClientConfig): CAClientOptions {
  return {
    addrList: config.addresses.map((a) => `${a.host}:${a.port}`),
    autoAddrList: false,
    serverPort: config.serverPort,
    repeaterPort: config.repeaterPort,
    connectionTimeout: config.connectionTimeout,
    maxSearchPeriod: config.maxSearchPeriod,
    timeout: config.timeout,
  };
}

/**
 * The hosts the live server must reach: loopback (the page, the CA
 * repeater) and each search address, or `true` (every host) when a search
 * address is a broadcast one — the servers that answer it cannot be known
 * in advance, and Deno's permission takes hosts, not subnets.
 */
export function caNetPermission(config: ClientConfig): true | string[] {
  const broadcast = new Set(broadcastAddresses());
  // loopback: the page and the CA repeater; 0.0.0.0: the search socket's bind
  const hosts = new Set(["127.0.0.1", "0.0.0.0"]);
  for (const { host } of config.addresses) {
    if (broadcast.has(host) || /\.255$/.test(host)) return true;
    hosts.add(host);
  }
  return [...hosts];
}

/** The live server Worker's grants (`env` it drops itself, see the Worker). */
export function liveWorkerPermissions(
  net: true | string[],
): Record<string, boolean | string[]> {
  return {
    net,
    read: true,
    write: false,
    // dropped by the Worker once the HDF5 library is loaded
    env: true,
    run: false,
    sys: false,
    ffi: false,
    import: false,
  };
}

/**
 * {@linkcode startLivePlotServer} in a Worker holding `net` on `net` and
 * `read`, nothing else, so the caller can drop all of its own permissions.
 */
export function startLivePlotWorker(
  options: LivePlotOptions,
  net: true | string[],
): Promise<LivePlotServer> {
  const worker = new Worker(new URL("./plot_live_worker.ts", import.meta.url), {
    type: "module",
    deno: { permissions: liveWorkerPermissions(net) },
  } as WorkerOptions);
  return serverInWorker(worker, { type: "start", options });
}

/**
 * Entry point of `fws plot --live` (called by `plotMain` once `write` and
 * `ffi` are gone).
 *
 * @param args the arguments of `fws plot`
 * @param options the assets loader, the browser opener and the profile
 *   whose start-up permissions are dropped once the server listens
 */
export async function liveMain(
  args: string[],
  options: {
    loadAssets: () => Promise<Assets>;
    openBrowser: (url: string) => void;
    profile: PermissionProfile;
  },
): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    command: "fws plot --live",
    options: {
      live: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      "test-mode": { type: "boolean" },
      "pv-map": { type: "string" },
      "struck-channel": { type: "string" },
      port: { type: "string" },
      "no-open": { type: "boolean" },
    },
    positionals: ["scanner_index"],
  });
  if (values.help) {
    console.log(LIVE_USAGE);
    return 0;
  }
  const scannerIndex = parseScannerIndex(positionals[0]);
  const port = values.port === undefined ? 0 : parseIntOption(
    values.port as string,
    { name: "port", min: 0, max: 65535 },
  );
  const testMode = values["test-mode"] === true;
  const mapPath = values["pv-map"] as string | undefined;
  let map: PvMapFile | undefined;
  let pvs: FWSScanInterface;
  try {
    map = mapPath ? await loadPvMap(mapPath) : undefined;
    pvs = new FWSScanInterface(scannerIndex, { testMode, map });
  } catch (error) {
    throw new UsageError(`fws plot --live: ${(error as Error).message}`);
  }
  const struck = (values["struck-channel"] as string | undefined) ??
    pvs.struckChannels[0];
  if (!pvs.struckChannels.includes(struck)) {
    throw new UsageError(
      `fws plot --live: struck channel '${struck}' is not in the PV map; expected one of ${
        pvs.struckChannels.join(", ")
      }`,
    );
  }
  const config = resolveConfig();
  let server: LivePlotServer;
  try {
    server = await startLivePlotWorker({
      scannerIndex,
      testMode,
      map,
      struck,
      port,
      assets: await options.loadAssets(),
      ca: resolvedCaOptions(config),
    }, caNetPermission(config));
  } catch (error) {
    console.error(
      `fws plot --live: ${error instanceof Error ? error.message : error}`,
    );
    return 1;
  }
  console.log(
    `fws plot: following ${pvs.prefix} live at ${server.url}`,
  );
  if (!values["no-open"]) options.openBrowser(server.url);
  // The Worker serves and follows; this thread needs nothing any more.
  await dropPermissions(options.profile.startup);
  return await serveUntilStopped(server);
}
