/**
 * fws — fast-wire-scanner scan daemon and analysis toolkit for EPICS.
 *
 * One executable, several subcommands; each is loaded only when asked for so
 * that `fws ca get` does not pay for the HDF5 library or the plot page.
 *
 * @module
 */
import { type CommandMain, UsageError } from "./lib/cli.ts";
import { SEED_VERSION, VERSION } from "./lib/version.ts";
import {
  narrowDaemonRun,
  restrictPermissions,
  type Subcommand,
} from "./lib/permissions.ts";
// the hidden subcommand a custom-callback call runs in (small, no deps)
import { HOOK_HOST_COMMAND, hookHostMain } from "./lib/daemon/hook_host.ts";

interface Command {
  summary: string;
  load: () => Promise<CommandMain>;
}

const COMMANDS: Record<Subcommand, Command> = {
  daemon: {
    summary: "run the scan daemon for one scanner (same as `fws <index>`)",
    load: async () => (await import("./lib/daemon/cli.ts")).daemonMain,
  },
  sim: {
    summary: "serve a simulated FWS IOC over Channel Access",
    load: async () => (await import("./lib/sim/cli.ts")).simMain,
  },
  demo: {
    summary: "simulated IOC + daemon + one scan + fit + file, on the live page",
    load: async () => (await import("./lib/daemon/demo.ts")).demoMain,
  },
  plot: {
    summary:
      "open the profile page of a scan file (or --live N: a scanner as it scans)",
    load: async () => (await import("./plot.ts")).plotMain,
  },
  inspect: {
    summary: "print a scan file's metadata, scans and fit table",
    load: async () => (await import("./lib/hdf5/inspect.ts")).inspectMain,
  },
  index: {
    summary: "(re)build the scan catalog of a data directory from its files",
    load: async () => (await import("./lib/history/cli.ts")).indexMain,
  },
  history: {
    summary:
      "the scan history of a data directory: list, trends, drift, overlays (or --latest N)",
    load: async () => (await import("./history.ts")).historyMain,
  },
  ca: {
    summary: "Channel Access diagnostics: get, put, monitor, info",
    load: async () => (await import("./lib/ca/cli.ts")).caMain,
  },
  ops: {
    summary: "write the IOC database (db) or the operator display (display)",
    load: async () => (await import("./lib/ops/cli.ts")).opsMain,
  },
};

/** Names of the subcommands, each with a permission profile. */
export function commandNames(): Subcommand[] {
  return Object.keys(COMMANDS) as Subcommand[];
}

/** The top-level help text. */
export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) =>
    `  ${name.padEnd(width)}  ${c.summary}`
  );
  return [
    `fws ${VERSION} — fast-wire-scanner daemon and analysis toolkit (re-implements ${SEED_VERSION})`,
    "",
    "Usage:",
    "  fws <scanner_index> [daemon options]   run the scan daemon",
    "  fws <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "Run `fws <command> --help` for the options of a command.",
  ].join("\n");
}

/** Options of {@link main}. */
export interface MainOptions {
  /**
   * Revoke, before the subcommand runs, every permission its profile does not
   * keep (lib/permissions.ts). On in the executable; tests that call `main`
   * in-process turn it off so their own process keeps its permissions.
   */
  restrict?: boolean;
}

/**
 * Dispatches `args` to a subcommand and returns the exit code: 0 success,
 * 1 failure, 2 bad usage.
 */
export async function main(
  args: string[],
  options: MainOptions = {},
): Promise<number> {
  const [first, ...rest] = args;
  if (first === undefined || first === "--help" || first === "-h") {
    console.log(usage());
    return first === undefined ? 2 : 0;
  }
  if (first === "--version" || first === "-V") {
    console.log(`fws ${VERSION}`);
    return 0;
  }
  if (first === HOOK_HOST_COMMAND) {
    // a custom-callback call in its own process (lib/daemon/hook_process.ts)
    return await hookHostMain();
  }
  try {
    const name = /^\d+$/.test(first) ? "daemon" : first;
    const command = COMMANDS[name as Subcommand];
    if (!command) {
      throw new UsageError(
        `fws: unknown command '${first}'; expected a scanner index or one of ${
          Object.keys(COMMANDS).join(", ")
        } (see fws --help)`,
      );
    }
    const commandArgs = name === first ? rest : args;
    if (options.restrict) {
      await restrictPermissions(name as Subcommand);
      if (name === "daemon") {
        // a custom callback's calls run in processes of this program
        await narrowDaemonRun(
          commandArgs.some((a) =>
            a === "--custom-callback" || a.startsWith("--custom-callback=")
          ),
        );
      }
    }
    return await (await command.load())(commandArgs);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      return 2;
    }
    console.error(`fws: ${error instanceof Error ? error.message : error}`);
    return 1;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args, { restrict: true }));
}
