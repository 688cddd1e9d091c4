/**
 * The scipy and lmfit references: runs `scipy_fit.py` (curve_fit from
 * Debian python3-scipy, or python3-lmfit's Model.fit) on fit cases of any
 * model, once for a table or as a server that times
 * single fits for the benchmark.
 *
 * @module
 */
import { SYSTEM_PYTHON } from "../support/refs.ts";
import type { ModelName } from "../../lib/analysis/models.ts";
import type { FitCase } from "./fit_cases.ts";

/** What curve_fit returned for one case. */
export interface ScipyResult {
  popt?: number[];
  perr?: number[];
  nfev?: number;
  /** Reduced chi-square Σ((y − f)/sigma)²/(n − 4) at popt. */
  chi2Red?: number;
  /** Median seconds of curve_fit alone. */
  seconds?: number;
  error?: string;
}

/** One curve_fit run of a case. */
export interface ScipyRun {
  /** Result key; defaults to the case name. */
  label?: string;
  data: FitCase;
  /** Starting point, in the model's parameter order (`[A, μ, σ, c]`). */
  p0: number[];
  /** The model (default the Gaussian on a constant). */
  model?: ModelName;
  /** curve_fit (default) or lmfit's Model.fit (leastsq). */
  reference?: "scipy" | "lmfit";
  /** > 1: time that many calls of curve_fit and report the median. */
  repeats?: number;
  /** Extra keyword arguments of curve_fit (`ftol`, `xtol`, `maxfev`). */
  options?: Record<string, number>;
  /** Give curve_fit the analytic Jacobian (default: its finite differences). */
  jac?: boolean;
}

/** Writes the data files and manifest of `runs` into `dir`. */
async function writeRuns(dir: string, runs: ScipyRun[]): Promise<void> {
  const written = new Set<string>();
  const manifest = { cases: [] as Record<string, unknown>[] };
  for (const run of runs) {
    const { label, data, p0, repeats, options, jac } = run;
    const file = data.spec.name;
    if (!written.has(file)) {
      written.add(file);
      const base = `${dir}/${file}`;
      await Deno.writeFile(`${base}.x.f64`, bytes(data.x));
      await Deno.writeFile(`${base}.y.f64`, bytes(data.y));
      if (data.weights) {
        await Deno.writeFile(`${base}.w.f64`, bytes(data.weights));
      }
    }
    manifest.cases.push({
      name: label ?? file,
      file,
      p0,
      weighted: !!data.weights,
      repeats: repeats ?? 1,
      options: options ?? {},
      jac: !!jac,
      model: run.model ?? "gauss",
      reference: run.reference ?? "scipy",
    });
  }
  await Deno.writeTextFile(`${dir}/manifest.json`, JSON.stringify(manifest));
}

const SCRIPT = new URL("./scipy_fit.py", import.meta.url).pathname;

/**
 * Runs `scipy_fit.py` once for all `runs` (one python process; each data
 * set written once as float64 files to a temporary directory).
 */
export async function runScipy(
  runs: ScipyRun[],
): Promise<Record<string, ScipyResult>> {
  const dir = await Deno.makeTempDir({ prefix: "fws_fit_" });
  try {
    await writeRuns(dir, runs);
    const out = await new Deno.Command(SYSTEM_PYTHON, {
      args: [SCRIPT, dir],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(
        `scipy_fit.py failed: ${new TextDecoder().decode(out.stderr)}`,
      );
    }
    // null (a non-finite number in python) becomes NaN.
    return JSON.parse(
      new TextDecoder().decode(out.stdout),
      (_key, value) => value === null ? NaN : value,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * A running `scipy_fit.py --serve`: times one curve_fit of a run on
 * request, so a benchmark can interleave scipy and fws under the same load.
 */
export class ScipyServer {
  #child: Deno.ChildProcess;
  #dir: string;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #lines: AsyncIterator<string>;

  private constructor(child: Deno.ChildProcess, dir: string) {
    this.#child = child;
    this.#dir = dir;
    this.#writer = child.stdin.getWriter();
    this.#lines = lines(child.stdout)[Symbol.asyncIterator]();
  }

  /** Starts the server with the data of `runs` loaded. */
  static async start(runs: ScipyRun[]): Promise<ScipyServer> {
    const dir = await Deno.makeTempDir({ prefix: "fws_fit_" });
    await writeRuns(dir, runs);
    const child = new Deno.Command(SYSTEM_PYTHON, {
      args: [SCRIPT, dir, "--serve"],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const server = new ScipyServer(child, dir);
    const first = await server.#lines.next();
    if (first.value !== "ready") {
      await server.close();
      throw new Error(
        `scipy_fit.py --serve did not start (got ${first.value})`,
      );
    }
    return server;
  }

  /** Seconds and evaluations of one curve_fit of the run labelled `label`. */
  async time(label: string): Promise<{ seconds: number; nfev: number }> {
    await this.#writer.write(new TextEncoder().encode(`${label}\n`));
    const line = await this.#lines.next();
    const [seconds, nfev] = String(line.value).split(" ").map(Number);
    if (line.done || !Number.isFinite(seconds)) {
      throw new Error(`scipy_fit.py --serve failed on ${label}`);
    }
    return { seconds, nfev };
  }

  /** Ends the python process and removes the data files. */
  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
    await this.#lines.return?.();
    await this.#child.status;
    await Deno.remove(this.#dir, { recursive: true });
  }
}

async function* lines(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<string> {
  let buffer = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    let i;
    while ((i = buffer.indexOf("\n")) >= 0) {
      yield buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
    }
  }
  if (buffer) yield buffer;
}

/** Little-endian float64 bytes (the platforms we run on are little-endian). */
function bytes(a: Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
