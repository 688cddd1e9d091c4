/**
 * Shared command-line plumbing: every subcommand parses its arguments with
 * `node:util` parseArgs through {@link parseCommand} and reports bad input as a
 * {@link UsageError}, which `main.ts` turns into one line and exit code 2.
 *
 * @module
 */
import { basename, delimiter, dirname, join, relative } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";

/** Bad command-line input: `main.ts` prints the message and exits with code 2. */
export class UsageError extends Error {
  /** @param message what was wrong and what was expected */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A subcommand entry point: takes its arguments, returns the exit code. */
export type CommandMain = (args: string[]) => Promise<number>;

/** Options of {@link parseCommand}. */
export interface ParseCommandOptions {
  /** The subcommand's name, used in error messages (e.g. `fws plot`). */
  command: string;
  /** parseArgs option definitions. */
  options: NonNullable<ParseArgsConfig["options"]>;
  /** Names of the positional arguments, in order, for the error messages. */
  positionals?: string[];
  /** Accept more positionals than named (e.g. `fws ca get PV...`). */
  variadic?: boolean;
}

/** The result of {@link parseCommand}. */
export interface ParsedCommand {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/**
 * Parses `args` strictly; an unknown option, a missing value or a wrong number
 * of positionals becomes a {@link UsageError} naming the command.
 *
 * @example
 * ```ts
 * const { values, positionals } = parseCommand(["1", "--test-mode"], {
 *   command: "fws",
 *   options: { "test-mode": { type: "boolean" } },
 *   positionals: ["scanner_index"],
 * });
 * ```
 */
export function parseCommand(
  args: string[],
  spec: ParseCommandOptions,
): ParsedCommand {
  // `deno task demo -- --no-open` hands the `--` on: a leading one is noise.
  if (args[0] === "--") args = args.slice(1);
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(args, spec.options),
      options: spec.options,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(
      `${spec.command}: ${
        message.replace(/\. To specify.*$/s, "")
      } (see ${spec.command} --help)`,
    );
  }
  const names = spec.positionals ?? [];
  if (parsed.values.help !== true) {
    if (parsed.positionals.length < names.length) {
      const missing = names.slice(parsed.positionals.length).join(" ");
      throw new UsageError(
        `${spec.command}: missing ${missing} (see ${spec.command} --help)`,
      );
    }
    if (!spec.variadic && parsed.positionals.length > names.length) {
      throw new UsageError(
        `${spec.command}: unexpected argument '${
          parsed.positionals[names.length]
        }'; expected ${
          names.length ? names.join(" ") : "no positional arguments"
        }`,
      );
    }
  }
  return {
    values: parsed.values as ParsedCommand["values"],
    positionals: parsed.positionals,
  };
}

/**
 * `--center -1.5` → `--center=-1.5`: parseArgs would otherwise take `-1.5`
 * for an option. Only for options that take a value.
 */
function joinNegativeValues(
  args: string[],
  options: ParseCommandOptions["options"],
): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = /^--([A-Za-z0-9-]+)$/.exec(args[i])?.[1];
    const next = args[i + 1];
    if (
      name && options[name]?.type === "string" && next !== undefined &&
      /^-(\d|\.\d)/.test(next)
    ) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else out.push(args[i]);
  }
  return out;
}

/**
 * Parses a scanner index: a whole number from 1 to 99.
 *
 * @param text the argument as typed
 * @param what what to call it in the error message
 */
export function parseScannerIndex(
  text: string,
  what = "scanner_index",
): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(n) || n < 1 || n > 99) {
    throw new UsageError(
      `${what}: expected a whole number from 1 to 99, got '${text}'`,
    );
  }
  return n;
}

/**
 * Parses a non-negative integer option such as a port.
 *
 * @param text the value as typed
 * @param options `name` of the option and inclusive `min`/`max`
 */
export function parseIntOption(
  text: string,
  options: { name: string; min: number; max: number },
): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || n < options.min || n > options.max) {
    throw new UsageError(
      `--${options.name}: expected a whole number from ${options.min} to ${options.max}, got '${text}'`,
    );
  }
  return n;
}

/** Where fws runs from, for {@linkcode fwsCommand}. */
export interface Invocation {
  /** `Deno.execPath()`: the compiled binary, or the deno that runs main.ts. */
  execPath: string;
  /** `$PATH`. */
  path: string;
  /** The working directory. */
  cwd: string;
  /** Deno's version (`npx -y deno@<version>` when deno is not on PATH). */
  denoVersion: string;
}

/** Whether `file` is an executable file. */
function isExecutable(file: string): boolean {
  try {
    const s = Deno.statSync(file);
    return s.isFile && ((s.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/**
 * How the user runs fws where they are, for banners that print a command:
 * `fws` when the binary is on PATH, `./fws` (or its path) when it is not, and
 * `deno task fws` (or `npx -y deno@… task fws`) under `deno run`.
 *
 * @example
 * ```ts
 * console.log(`plot it with:  ${fwsCommand()} plot scan.h5 PDB`);
 * ```
 */
export function fwsCommand(at: Invocation = currentInvocation()): string {
  const dirs = at.path.split(delimiter).filter((d) => d !== "");
  const onPath = (name: string) =>
    dirs.find((d) => isExecutable(join(d, name))) !== undefined;
  const exe = basename(at.execPath);
  if (!/^deno(\.exe)?$/.test(exe)) {
    if (onPath(exe) && dirs.includes(dirname(at.execPath))) return exe;
    const rel = relative(at.cwd, at.execPath);
    return rel.startsWith("..") ? at.execPath : `./${rel}`;
  }
  return onPath("deno")
    ? "deno task fws"
    : `npx -y deno@${at.denoVersion} task fws`;
}

function currentInvocation(): Invocation {
  const at = { execPath: "fws", path: "", cwd: ".", denoVersion: "" };
  at.denoVersion = Deno.version.deno;
  try {
    at.execPath = Deno.execPath();
    at.path = Deno.env.get("PATH") ?? "";
    at.cwd = Deno.cwd();
  } catch {
    // read or env not granted: what was read so far decides
  }
  return at;
}
