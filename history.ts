/**
 * `fws history <dir>` — serves the scan history of a data directory on
 * loopback and opens it in the browser: the list of scans (search by time,
 * scanner, user, comment, status; newest first), the trend of centre and σ
 * per channel and wire with the request boundaries and the drift from the
 * scanner's reference, the overlay of chosen scans' profiles, and each
 * file's own page (`/history/file/<name>/`). `--latest N` opens the newest
 * scan of scanner N.
 *
 * Start-up brings the catalog up to date with the files (as `fws index`
 * does; when the directory cannot be written, the catalog is shown as it
 * is, with a warning). The server then runs in a Worker whose only
 * permissions are `read` of the directory, `net` on 127.0.0.1 and `env`
 * (the HDF5 library lists the environment when it loads); it opens the
 * catalog read-only. The main thread drops every permission.
 *
 * @module
 */
import { resolve } from "node:path";
import { parseCommand, parseIntOption, parseScannerIndex } from "./lib/cli.ts";
import { dropPermissions, restrictPermissions } from "./lib/permissions.ts";
import { formatRebuild, ScanCatalog } from "./lib/history/mod.ts";
import { dataDirProblem } from "./lib/history/cli.ts";
import { readScanFile } from "./lib/hdf5/mod.ts";
import {
  type Assets,
  createHandler,
  emptyRun,
  HistoryData,
  PlotData,
} from "./routes/mod.ts";
import { serveLoopback } from "./lib/serve_loopback.ts";
import { serverInWorker, serveUntilStopped } from "./lib/server_worker.ts";
import { loadAssets, openBrowser, type PlotServer } from "./plot.ts";

const USAGE = `Usage: fws history <dir> [options]

Serve the scan history of the data directory <dir> on 127.0.0.1 and open it
in the browser: the scans (search, newest first, each opens in the file
view), trends of centre and sigma with the drift from the reference,
overlays of chosen scans' profiles, CSV and PNG export. Read-only: the
catalog is brought up to date at start-up (as fws index does), then the
server can only read <dir>.

Options:
  --latest N       open the newest scan of scanner N
  --port N         port to listen on (default 0 = a free one)
  --no-open        do not open a browser; just print the URL
  -h, --help       show this help

Mark a scanner's reference with: fws index <dir> --reference FILE`;

/** Options of {@link startHistoryServer}. */
export interface HistoryServerOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Page assets (default: {@link loadAssets}). */
  assets?: Assets;
}

/** What the main thread sends the history server's Worker. */
export type HistoryWorkerRequest =
  | { type: "start"; dir: string; options: HistoryServerOptions }
  | { type: "close" };

/**
 * Serves the history of data directory `dir` on 127.0.0.1 until closed;
 * the catalog is opened read-only (it must exist: `fws index` makes it).
 *
 * @example
 * ```ts
 * const server = await startHistoryServer("/var/lib/fws/fws-01");
 * console.log(`${server.url}history`);
 * await server.close();
 * ```
 */
export async function startHistoryServer(
  dir: string,
  options: HistoryServerOptions = {},
): Promise<PlotServer> {
  const assets = options.assets ?? await loadAssets();
  const root = resolve(dir);
  const catalog = ScanCatalog.open(root, { readOnly: true });
  const history = new HistoryData(root, catalog, readScanFile);
  // The file view replaces this with the file it shows.
  const none = new PlotData(emptyRun(0, false), {
    file: "",
    scannerIndex: 0,
    struck: "",
    iops: "",
  });
  let port = 0;
  const handler = createHandler(none, {
    assets,
    port: () => port,
    history,
  });
  const server = serveLoopback(options.port ?? 0, handler);
  port = server.port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    async close() {
      await server.shutdown();
      catalog.close();
    },
  };
}

/**
 * {@linkcode startHistoryServer} in a Worker that may read `dir`, use the
 * network on 127.0.0.1 and read the environment, and nothing else.
 */
export function startHistoryWorker(
  dir: string,
  options: HistoryServerOptions = {},
): Promise<PlotServer> {
  const root = resolve(dir);
  const worker = new Worker(new URL("./history_worker.ts", import.meta.url), {
    type: "module",
    deno: {
      permissions: {
        net: ["127.0.0.1"],
        read: [root],
        write: false,
        // the HDF5 library (Emscripten) lists the environment when it loads
        env: true,
        run: false,
        sys: false,
        ffi: false,
        import: false,
      },
    },
  } as WorkerOptions);
  return serverInWorker(worker, { type: "start", dir: root, options });
}

/**
 * Brings the catalog of `dir` up to date with its files; returns the line
 * to print, or a warning when the catalog cannot be written (it is then
 * shown as it is).
 */
async function refreshCatalog(dir: string): Promise<string> {
  let catalog: ScanCatalog | undefined;
  try {
    catalog = ScanCatalog.open(dir);
    if (catalog.problem) console.error(`fws history: ${catalog.problem}`);
    const summary = await catalog.rebuild(dir);
    return formatRebuild(summary, catalog.path).replace(
      /^fws index:/,
      "fws history:",
    );
  } catch (error) {
    const why = error instanceof Error ? error.message.split("\n")[0] : error;
    return `fws history: warning: the catalog could not be brought up to date (${why}); showing it as it is — run \`fws index ${dir}\` as a user who may write there`;
  } finally {
    catalog?.close();
  }
}

/** Entry point of `fws history`. */
export async function historyMain(args: string[]): Promise<number> {
  const profile = await restrictPermissions("history");
  const { values, positionals } = parseCommand(args, {
    command: "fws history",
    options: {
      help: { type: "boolean", short: "h" },
      latest: { type: "string" },
      port: { type: "string" },
      "no-open": { type: "boolean" },
    },
    positionals: ["dir"],
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const dir = resolve(positionals[0]);
  const port = values.port === undefined
    ? 0
    : parseIntOption(values.port as string, {
      name: "port",
      min: 0,
      max: 65535,
    });
  const latest = values.latest === undefined
    ? undefined
    : parseScannerIndex(values.latest as string, "--latest");
  const problem = await dataDirProblem(dir);
  if (problem) {
    console.error(`fws history: ${problem}`);
    return 1;
  }
  console.log(await refreshCatalog(dir));
  let path = "history";
  let assets: Assets;
  try {
    assets = await loadAssets();
    const catalog = ScanCatalog.open(dir, { readOnly: true });
    try {
      if (latest !== undefined) {
        if (!catalog.list({ scanner: latest, limit: 1 }).length) {
          const have = catalog.scanners();
          console.error(
            `fws history: --latest ${latest}: no scan of scanner ${latest} in ${dir}; the catalog has ${
              have.length
                ? `scanner${have.length > 1 ? "s" : ""} ${have.join(", ")}`
                : "no scans"
            }`,
          );
          return 1;
        }
        path = `history/latest/${latest}`;
      }
    } finally {
      catalog.close();
    }
  } catch (error) {
    console.error(
      `fws history: ${error instanceof Error ? error.message : error}`,
    );
    return 1;
  }
  const server = await startHistoryWorker(dir, { port, assets });
  const url = `${server.url}${path}`;
  console.log(`fws history: serving ${dir} at ${url}`);
  if (!values["no-open"]) openBrowser(url);
  await dropPermissions(profile.startup);
  return await serveUntilStopped(server, "fws history");
}
