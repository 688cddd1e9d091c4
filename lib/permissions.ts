/**
 * Least privilege at start-up. The compiled `fws` binary carries the union of
 * the permission sets in `deno.json`; each subcommand calls
 * {@link restrictPermissions} (or {@link revokeExcept}) first thing, so that
 * `fws plot` can never write a file and the daemon can never start a process.
 *
 * Deno cannot narrow a permission at run time (revoking one path or host of a
 * global grant changes nothing), it can only drop a permission as a whole.
 * Narrowing is therefore done when the binary is built: `compile.sh` bakes the
 * daemon's write roots (`FWS_DATA_ROOT`, `FWS_LOG_ROOT`) into
 * `--allow-write=` and, through {@link bakeWriteRoots}, into the binary, and
 * {@link checkDaemonDirs} refuses data/log directories outside them —
 * including a symlink inside a root that points outside it, which Deno's own
 * check (lexical, on the path string) would let through.
 *
 * @example
 * ```ts
 * import { restrictPermissions } from "./permissions.ts";
 * await restrictPermissions("sim"); // sim keeps read, net, env, sys
 * ```
 *
 * @module
 */
import { dirname, join, resolve, sep } from "node:path";

/** The permissions a subcommand can keep or drop. */
export const PERMISSION_NAMES = [
  "read",
  "write",
  "net",
  "env",
  "sys",
  "run",
  "ffi",
] as const;

/** One of {@link PERMISSION_NAMES}. */
export type PermissionName = typeof PERMISSION_NAMES[number];

/** Which permissions to keep; anything not set to `true` is revoked. */
export type KeepPermissions = Partial<Record<PermissionName, boolean>>;

/** A subcommand with a permission profile. */
export type Subcommand =
  | "daemon"
  | "sim"
  | "plot"
  | "demo"
  | "inspect"
  | "index"
  | "history"
  | "ca"
  | "ops";

/** What a subcommand keeps, and when it drops the rest. */
export interface PermissionProfile {
  /** Kept for the whole run (after start-up). */
  keep: PermissionName[];
  /**
   * Kept only during start-up and dropped by the subcommand itself with
   * {@link dropPermissions} once done (e.g. `net` until the plot server
   * listens, `run` until the browser opener is started).
   */
  startup: PermissionName[];
  /** Why, for the docs. */
  note: string;
}

/**
 * The permissions each subcommand keeps. `restrictPermissions(name)` keeps
 * `keep` + `startup` and revokes everything else; the subcommand then drops
 * `startup` itself when it no longer needs it.
 */
export const PERMISSION_PROFILES: Record<Subcommand, PermissionProfile> = {
  daemon: {
    keep: ["read", "write", "net", "env", "sys"],
    startup: ["run"],
    note:
      "write only inside the baked write roots; run is dropped at start-up, except with --custom-callback: then it may start only itself (Deno.execPath(), every other program revoked), once per hook call, with a V8 heap limit, an empty environment and every permission but read revoked; the hook runs in there in a Worker with read of its own file (and the scan file) only",
  },
  sim: {
    keep: ["read", "net", "env", "sys"],
    startup: [],
    note: "serves Channel Access; never writes a file",
  },
  plot: {
    keep: [],
    startup: ["read", "net", "env", "sys", "run"],
    note:
      "reads the file and the assets, starts the browser opener, then drops everything; the server runs in a Worker holding only net on 127.0.0.1 (to listen again after a refused accept). Under --live the Worker follows the scanner and holds net on loopback and the Channel Access addresses (every host when the search list has a broadcast address) and read (the finished file, named at run time); never write, run, env, sys or ffi",
  },
  demo: {
    keep: ["read", "write", "net", "env", "sys"],
    startup: ["run"],
    note: "sim + daemon + plot in one process; drops run after the opener",
  },
  inspect: {
    keep: ["read", "env", "sys"],
    startup: [],
    note: "reads the one file",
  },
  index: {
    keep: ["read", "write", "env", "sys"],
    startup: [],
    note:
      "reads the scan files of the directory; writes only its catalog (fws_catalog.sqlite, its -wal/-shm, a .bad copy of a catalog not trusted); never listens or starts a process",
  },
  history: {
    keep: [],
    startup: ["read", "write", "net", "env", "sys", "run"],
    note:
      "brings the catalog up to date (writes only fws_catalog.sqlite and its -wal/-shm, as fws index), starts the browser opener, then drops everything; the server runs in a Worker holding only read of the data directory, net on 127.0.0.1 and env (the HDF5 library lists the environment when it loads), and opens the catalog read-only",
  },
  ca: {
    keep: ["read", "net", "env", "sys"],
    startup: [],
    note: "Channel Access client only",
  },
  ops: {
    keep: ["read"],
    startup: ["write"],
    note:
      "reads the map file; write only until the --output file is open, then dropped",
  },
};

/** The programs besides itself the binary may start (deno.json's `fws` set). */
export const OPENER_COMMANDS = ["xdg-open", "open"] as const;

/**
 * The daemon's `run` after start-up: dropped as a whole, or, with a custom
 * callback (`selfOnly`), every listed program revoked but this executable
 * itself, which starts the hooks' processes. Under a grant of every program
 * (`--allow-run`, `-P=test`) Deno cannot narrow it: it stays as granted.
 *
 * @example
 * ```ts
 * await narrowDaemonRun(false); // no process at all
 * ```
 */
export async function narrowDaemonRun(selfOnly: boolean): Promise<void> {
  if (!selfOnly) return await dropPermissions(["run"]);
  for (const command of OPENER_COMMANDS) {
    await Deno.permissions.revoke({ name: "run", command });
  }
}

/**
 * Revokes every permission in {@link PERMISSION_NAMES} that `keep` does not
 * set to `true`, and returns the names revoked.
 *
 * @example
 * ```ts
 * await revokeExcept({ read: true, net: true }); // write, env, sys, run, ffi gone
 * ```
 */
export async function revokeExcept(
  keep: KeepPermissions,
): Promise<PermissionName[]> {
  const drop = PERMISSION_NAMES.filter((name) => keep[name] !== true);
  await dropPermissions(drop);
  return drop;
}

/**
 * Revokes the given permissions as a whole (every path, host or program).
 *
 * @example
 * ```ts
 * await dropPermissions(["net", "run"]);
 * ```
 */
export async function dropPermissions(
  names: readonly PermissionName[],
): Promise<void> {
  for (const name of names) {
    await Deno.permissions.revoke({ name });
  }
}

/**
 * Start-up step of a subcommand: keeps its profile's `keep` and `startup`
 * permissions and revokes the rest. Returns the profile so the caller can drop
 * `startup` later with `dropPermissions(profile.startup)`.
 *
 * @example
 * ```ts
 * const profile = await restrictPermissions("plot"); // write, ffi gone
 * // … read the file, Deno.serve on 127.0.0.1, start xdg-open …
 * await dropPermissions(profile.startup); // now nothing is left
 * ```
 */
export async function restrictPermissions(
  subcommand: Subcommand,
): Promise<PermissionProfile> {
  const profile = PERMISSION_PROFILES[subcommand];
  if (!profile) {
    throw new Error(
      `permissions: unknown subcommand '${subcommand}'; expected one of ${
        Object.keys(PERMISSION_PROFILES).join(", ")
      }`,
    );
  }
  const keep: KeepPermissions = {};
  for (const name of [...profile.keep, ...profile.startup]) keep[name] = true;
  await revokeExcept(keep);
  return profile;
}

/** Whether `error` is a refused permission (Deno's sandbox or the OS). */
export function isPermissionError(error: unknown): boolean {
  return error instanceof Deno.errors.NotCapable ||
    error instanceof Deno.errors.PermissionDenied;
}

/** A permission refused at run time, with a message fit for an operator. */
export class PermissionRefusedError extends Error {
  /** @param message the whole line to print */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PermissionRefusedError";
  }
}

/**
 * Turns a refused permission into one clear line, e.g.
 * `fws plot: not allowed to listen on 127.0.0.1:80 (the operating system
 * refused: Permission denied)`. Returns `undefined` for other errors.
 *
 * @param error what was thrown
 * @param context the command (`fws plot`) and the action (`listen on …`)
 */
export function describePermissionError(
  error: unknown,
  context: { command: string; action: string },
): string | undefined {
  if (!isPermissionError(error)) return undefined;
  const detail = (error as Error).message.split("\n")[0];
  const why = error instanceof Deno.errors.NotCapable
    ? `this fws does not grant it: ${detail}`
    : `the operating system refused: ${detail}`;
  return `${context.command}: not allowed to ${context.action} (${why})`;
}

/**
 * Runs `fn`; a refused permission becomes a {@link PermissionRefusedError}
 * with a clear message, any other error passes through unchanged.
 *
 * @example
 * ```ts
 * const server = await withPermission(
 *   { command: "fws plot", action: "listen on 127.0.0.1:8080" },
 *   () => Deno.serve({ hostname: "127.0.0.1", port: 8080 }, handler),
 * );
 * ```
 */
export async function withPermission<T>(
  context: { command: string; action: string },
  fn: () => T | Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const message = describePermissionError(error, context);
    if (message === undefined) throw error;
    throw new PermissionRefusedError(message, { cause: error });
  }
}

/** The write roots a daemon's data and log directories must lie in. */
export interface WriteRoots {
  /** Root of the data directories (`FWS_DATA_ROOT`). */
  data: string;
  /** Root of the log directories (`FWS_LOG_ROOT`). */
  log: string;
}

let baked: WriteRoots | undefined;

/**
 * Records the write roots baked into a compiled binary; called once by the
 * entry point `compile.sh` generates, before `main()` runs.
 */
export function bakeWriteRoots(roots: WriteRoots): void {
  baked = { data: roots.data, log: roots.log };
}

/**
 * The write roots in force: those baked into the binary, else (under
 * `deno run`) `FWS_DATA_ROOT` and `FWS_LOG_ROOT` from the environment when
 * both are set, else `undefined` (no check beyond Deno's own).
 */
export function writeRoots(): WriteRoots | undefined {
  if (baked) return baked;
  let data: string | undefined;
  let log: string | undefined;
  try {
    data = Deno.env.get("FWS_DATA_ROOT");
    log = Deno.env.get("FWS_LOG_ROOT");
  } catch {
    return undefined; // env not granted: nothing configured
  }
  return data && log ? { data, log } : undefined;
}

/** A directory outside its write root, or one reached through a symlink. */
export class WriteRootError extends Error {
  /** @param message the whole line to print */
  constructor(message: string) {
    super(message);
    this.name = "WriteRootError";
  }
}

function existsNoFollow(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    if (error instanceof Deno.errors.NotADirectory) return false;
    throw error;
  }
}

/**
 * The real path `path` will have once created: resolves it component by
 * component as the kernel does (symlinks followed, `..` applied to the real
 * parent), and appends the part that does not exist yet lexically.
 *
 * @example
 * ```ts
 * await realPathOf("/data/link/new"); // "/elsewhere/new" when link → /elsewhere
 * ```
 */
export async function realPathOf(path: string): Promise<string> {
  const absolute = path.startsWith("/") ? path : join(Deno.cwd(), path);
  const parts = absolute.split("/").filter((p) => p !== "" && p !== ".");
  let current = "/";
  let missing = false;
  for (const part of parts) {
    if (part === "..") {
      current = dirname(current);
      continue;
    }
    current = join(current, part);
    if (!missing && existsNoFollow(current)) {
      current = await Deno.realPath(current);
    } else {
      missing = true;
    }
  }
  return resolve(current);
}

/**
 * Checks that `dir` lies inside one of `roots` once every symlink is
 * resolved, and returns its real path. Throws a {@link WriteRootError} naming
 * the directory and the roots otherwise.
 *
 * @param dir the directory (or file) to be written
 * @param roots allowed roots
 * @param label what `dir` is, for the message (e.g. `data directory`)
 */
export async function checkWriteRoot(
  dir: string,
  roots: readonly string[],
  label = "directory",
): Promise<string> {
  const real = await realPathOf(dir);
  for (const root of roots) {
    const realRoot = await realPathOf(root);
    if (
      real === realRoot || real.startsWith(realRoot.replace(/\/$/, "") + sep)
    ) {
      return real;
    }
  }
  const via = real === resolve(dir) ? "" : ` (resolves to '${real}')`;
  throw new WriteRootError(
    `${label} '${dir}'${via} is outside the write root${
      roots.length === 1 ? "" : "s"
    } ${roots.map((r) => `'${r}'`).join(", ")}`,
  );
}

/**
 * Start-up check of the daemon: the data directory must lie inside the data
 * root and the log directory inside the log root (symlinks resolved). One
 * clear error names both directories and both roots. Without roots (see
 * {@link writeRoots}) it does nothing.
 *
 * @example
 * ```ts
 * await checkDaemonDirs({ dataDir: "/var/lib/fws/fws-01", logDir: "/var/log/fws-daemon/fws-01" });
 * ```
 */
export async function checkDaemonDirs(
  dirs: { dataDir: string; logDir: string; spillDir?: string },
  roots: WriteRoots | undefined = writeRoots(),
): Promise<void> {
  if (!roots) return;
  const problems: string[] = [];
  for (
    const [dir, allowed, label] of [
      [dirs.dataDir, [roots.data], "data directory"],
      [dirs.logDir, [roots.log], "log directory"],
      ...(dirs.spillDir
        ? [[dirs.spillDir, [roots.data, roots.log], "spill directory"] as const]
        : []),
    ] as const
  ) {
    try {
      await checkWriteRoot(dir, [...allowed], label);
    } catch (error) {
      if (!(error instanceof WriteRootError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) {
    throw new WriteRootError(
      `fws: ${
        problems.join("; ")
      }. This fws may write only inside the data root '${roots.data}' and the log root '${roots.log}' (baked in by compile.sh from FWS_DATA_ROOT and FWS_LOG_ROOT): choose --data-dir and --log-dir inside them, or rebuild with other roots`,
    );
  }
}
