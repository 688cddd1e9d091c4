/**
 * `fws plot <file.h5> <struck_channel>` — serves the profile page of one
 * scan file on loopback and opens it in the browser. `fws plot --live
 * <scanner_index>` follows a scanner as it scans (`plot_live.ts`).
 *
 * The page follows Fresh's island model on npm packages: `routes/` renders
 * the page on the server (preact-render-to-string) and serves the JSON and
 * binary data endpoints; `islands/` holds the interactive Preact components,
 * bundled by `tools/bundle_islands.ts` (`deno task bundle`) into
 * `static/islands/bundle.{js,css}`; uPlot draws the charts.
 *
 * Assets are read once at start-up with
 * `Deno.readFile(new URL("./static/…", import.meta.url))`: under `deno run`
 * that is the source tree, inside a `deno compile` binary built with
 * `--include static/` it is the binary's embedded file system. They are then
 * served from memory, so the process can give up `read` after start-up.
 *
 * Permissions (`lib/permissions.ts`, profile `plot`): `write` and `ffi` are
 * revoked first thing; once the file and the assets are in memory and the
 * browser opener has been started, `read`, `net`, `env`, `sys` and `run` are
 * revoked too. The server runs in a Worker (`plot_worker.ts`) whose only
 * permission is `net` on 127.0.0.1, so it can listen again after the OS
 * refused an accept (EMFILE) without the process holding any other grant.
 *
 * @module
 */
import { basename } from "node:path";
import {
  parseCommand,
  parseIntOption,
  parseScannerIndex,
  UsageError,
} from "./lib/cli.ts";
import { dropPermissions, restrictPermissions } from "./lib/permissions.ts";
import type { ScanRun } from "./lib/scan/model.ts";
import { type Assets, createHandler, PlotData } from "./routes/mod.ts";
import { serveLoopback } from "./lib/serve_loopback.ts";
import { serverInWorker, serveUntilStopped } from "./lib/server_worker.ts";
import { liveMain } from "./plot_live.ts";

const USAGE = `Usage: fws plot <file.h5> <struck_channel> [options]

Serve the profile page of a scan file on 127.0.0.1 and open it in the browser.

Options:
  --iops-channel CH    position channel for the x axis (default ch1)
  --scanner-index N    scanner index shown (default: from the file name fwsNN_…)
  --port N             port to listen on (default 0 = a free one)
  --no-open            do not open a browser; just print the URL
  -h, --help           show this help

       fws plot --live <scanner_index> [options]

Follow a scanner over Channel Access as it scans (see fws plot --live --help).`;

/** Where the page's assets live: `static/` next to this module. */
const STATIC_DIR = new URL("./static/", import.meta.url);

/**
 * Reads the page assets from `dir` (default: `static/` next to this module,
 * which `deno compile --include static/` embeds). A missing bundle is an
 * error that says how to make it (`deno task bundle`).
 */
export async function loadAssets(dir: URL = STATIC_DIR): Promise<Assets> {
  const read = async (name: string): Promise<Uint8Array> => {
    const url = new URL(name, dir);
    try {
      return await Deno.readFile(url);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new Error(
          `the page asset ${url.pathname} is missing; build the islands with \`deno task bundle\``,
        );
      }
      throw error;
    }
  };
  return {
    bundleJs: await read("islands/bundle.js"),
    bundleCss: await read("islands/bundle.css"),
    styleCss: await read("style.css"),
  };
}

/** The scanner index in a file name `fwsNN_…`, if it has one. */
export function scannerIndexFromName(path: string): number | undefined {
  const m = /^fws(\d{2})_/i.exec(basename(path));
  const n = m ? Number(m[1]) : NaN;
  return n >= 1 && n <= 99 ? n : undefined;
}

/** Options of {@link startPlotServer}. */
export interface PlotServerOptions {
  /** Base name shown in the page. */
  file: string;
  /** Initial struck (detector) channel. */
  struck: string;
  /** Initial IOPS (position) channel. */
  iops: string;
  scannerIndex: number;
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Page assets (default: {@link loadAssets}). */
  assets?: Assets;
}

/** What the main thread sends the plot server's Worker (`plot_worker.ts`). */
export type PlotWorkerRequest =
  | {
    type: "start";
    run: ScanRun;
    options: PlotServerOptions;
  }
  | { type: "close" };

/** A running plot server. */
export interface PlotServer {
  /** `http://127.0.0.1:<port>/`. */
  url: string;
  port: number;
  /** Stops listening and waits for open requests and the cache warm-up. */
  close(): Promise<void>;
}

/**
 * Serves the page of `run` on 127.0.0.1 until closed.
 *
 * @example
 * ```ts
 * const server = await startPlotServer(await readScanFile("fws01_x.h5"), {
 *   file: "fws01_x.h5", struck: "PDB", iops: "ch1", scannerIndex: 1,
 * });
 * console.log(server.url);
 * await server.close();
 * ```
 */
export async function startPlotServer(
  run: ScanRun,
  options: PlotServerOptions,
): Promise<PlotServer> {
  const assets = options.assets ?? await loadAssets();
  const data = new PlotData(run, options);
  let port = 0;
  let lastRequest = 0;
  const handler = createHandler(data, { assets, port: () => port });
  const server = serveLoopback(options.port ?? 0, (req) => {
    lastRequest = performance.now();
    return handler(req);
  });
  port = server.port;
  // Fit in the background what the file does not hold (profiles on another
  // IOPS channel than the stored fit's), so that IOPS switches later are
  // cache hits. It yields to the page: it runs only after 300 ms without a
  // request, one fit per macrotask.
  let stop = false;
  const warm = (async () => {
    const pairs = data.run.scans.flatMap((scan) =>
      data.struckChannels.flatMap((s) =>
        data.iopsChannels
          .filter((i) => scan.fits[s]?.iopsChannel !== i)
          .map((i) => [scan, s, i] as const)
      )
    );
    for (const [scan, s, i] of pairs) {
      do {
        if (stop) return;
        await new Promise((r) => setTimeout(r, 100));
      } while (performance.now() - lastRequest < 300);
      data.profile(scan, s, i);
    }
  })();
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    async close() {
      stop = true;
      await warm;
      await server.shutdown();
    },
  };
}

/**
 * {@linkcode startPlotServer} in a Worker that may use the network on
 * 127.0.0.1 and nothing else, so that the caller can revoke all of its own
 * permissions while the server keeps the means to listen again.
 */
export function startPlotWorker(
  run: ScanRun,
  options: PlotServerOptions,
): Promise<PlotServer> {
  const worker = new Worker(new URL("./plot_worker.ts", import.meta.url), {
    type: "module",
    deno: {
      permissions: {
        net: ["127.0.0.1"],
        read: false,
        write: false,
        env: false,
        run: false,
        sys: false,
        ffi: false,
        import: false,
      },
    },
  } as WorkerOptions);
  return serverInWorker(worker, { type: "start", run, options });
}

/** Starts the browser opener (`xdg-open`, `open` on macOS) on `url`. */
export function openBrowser(url: string): void {
  const opener = Deno.build.os === "darwin" ? "open" : "xdg-open";
  try {
    const child = new Deno.Command(opener, {
      args: [url],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    child.status.then((s) => {
      if (!s.success) {
        console.error(`fws plot: ${opener} failed; open ${url} yourself`);
      }
    });
  } catch (error) {
    console.error(
      `fws plot: could not start ${opener} (${
        error instanceof Error ? error.message : error
      }); open ${url} yourself`,
    );
  }
}

/** Entry point of `fws plot`. */
export async function plotMain(args: string[]): Promise<number> {
  // write and ffi go now; read, net, env, sys and run are dropped once the
  // file is read, the server listens and the browser opener has started.
  const profile = await restrictPermissions("plot");
  if (args.includes("--live")) {
    return await liveMain(args, { loadAssets, openBrowser, profile });
  }
  const { values, positionals } = parseCommand(args, {
    command: "fws plot",
    options: {
      help: { type: "boolean", short: "h" },
      "iops-channel": { type: "string" },
      "scanner-index": { type: "string" },
      port: { type: "string" },
      "no-open": { type: "boolean" },
    },
    positionals: ["file.h5", "struck_channel"],
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [path, struck] = positionals;
  const iops = (values["iops-channel"] as string | undefined) ?? "ch1";
  const port = values.port === undefined
    ? 0
    : parseIntOption(values.port as string, {
      name: "port",
      min: 0,
      max: 65535,
    });
  const given = values["scanner-index"] === undefined
    ? undefined
    : parseScannerIndex(values["scanner-index"] as string, "--scanner-index");

  let assets: Assets;
  let run: ScanRun;
  try {
    assets = await loadAssets();
    // Loaded here, not at the top, so the server part (and its tests) does
    // not pay for the HDF5 library.
    const { readScanFile } = await import("./lib/hdf5/mod.ts");
    run = await readScanFile(path);
  } catch (error) {
    console.error(
      `fws plot: ${error instanceof Error ? error.message : error}`,
    );
    return 1;
  }
  if (run.scans.length === 0) {
    console.error(
      `fws plot: ${basename(path)} holds no scans (request ${run.status}${
        run.message ? `: ${run.message}` : ""
      }); nothing to plot`,
    );
    return 1;
  }
  const data = new PlotData(run, {
    file: basename(path),
    scannerIndex: 0,
    struck,
    iops,
  });
  if (!data.struckChannels.includes(struck)) {
    throw new UsageError(
      `fws plot: struck channel '${struck}' is not in ${
        basename(path)
      }; the file has: ${
        data.struckChannels.join(", ") || "(no struck channels)"
      }`,
    );
  }
  if (data.iopsChannels.length > 0 && !data.iopsChannels.includes(iops)) {
    throw new UsageError(
      `fws plot: IOPS channel '${iops}' is not in ${
        basename(path)
      }; the file has: ${data.iopsChannels.join(", ")}`,
    );
  }
  const scannerIndex = given ?? scannerIndexFromName(path) ?? run.scannerIndex;

  const server = await startPlotWorker(run, {
    file: basename(path),
    struck,
    iops,
    scannerIndex,
    port,
    assets,
  });
  console.log(`fws plot: serving ${basename(path)} at ${server.url}`);
  if (!values["no-open"]) openBrowser(server.url);
  // Serving accepted connections needs no permission: drop everything.
  await dropPermissions(profile.startup);
  return await serveUntilStopped(server);
}
