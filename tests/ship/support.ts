/**
 * Helpers of the ship tests: the repository root and a subprocess runner with
 * a timeout.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** The repository root (where deno.json lives). */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url))
  .replace(/\/$/, "");

/** Output of {@link runCommand}. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program in the repository root with piped output; kills it and
 * throws after `timeoutMs`.
 */
export async function runCommand(
  program: string,
  args: string[],
  options: {
    env?: Record<string, string>;
    timeoutMs?: number;
    cwd?: string;
    stdin?: string;
  } = {},
): Promise<RunResult> {
  const child = new Deno.Command(program, {
    args,
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: "1", ...options.env },
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, timeoutMs);
  const out = await child.output();
  clearTimeout(timer);
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  if (timedOut) {
    throw new Error(
      `${program} ${
        args.join(" ")
      } did not finish within ${timeoutMs} ms; stderr: ${decode(out.stderr)}`,
    );
  }
  return {
    code: out.code,
    stdout: decode(out.stdout),
    stderr: decode(out.stderr),
  };
}

/** `deno run` with a deno.json permission set. */
export function denoRun(
  set: string,
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunResult> {
  return runCommand(Deno.execPath(), [
    "run",
    `--config=${ROOT}/deno.json`,
    `-P=${set}`,
    "--no-prompt",
    ...args,
  ], options);
}
