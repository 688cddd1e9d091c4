/**
 * HDF5 write throughput: 1e7 float64 written by fws (h5wasm through
 * lib/hdf5/h5.ts) against h5py (HDF5's own C library) in the same run, on
 * the same data, same chunking — contiguous and gzip level 4.
 *
 * Run: `deno run -P=test bench/hdf5_bench.ts [--n 10000000] [--repeat 31] [--warmup 3] [--gzip-repeat 5]`
 * Prints a markdown table; ratio = fws throughput / h5py throughput (goals:
 * ≥ 0.9 contiguous, ≥ 0.7 gzip).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { H5File } from "../lib/hdf5/h5.ts";
import { SYSTEM_PYTHON } from "../tests/support/refs.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    n: { type: "string", default: "10000000" },
    repeat: { type: "string", default: "31" },
    warmup: { type: "string", default: "3" },
    "gzip-repeat": { type: "string", default: "5" },
  },
});
const N = Number(values.n);
const REPEAT = Number(values.repeat);
// The first writes of a process land on memory the VM has not touched yet
// (tens of ms for either tool); they are shown as "first", not in the stats.
const WARMUP = Number(values.warmup);
const GZIP_REPEAT = Number(values["gzip-repeat"]); // gzip runs take seconds
const CHUNK = 131072; // 1 MiB of float64, as the writer's default

/** A struck-like signal: Gaussian peaks on a baseline with noise. */
function signal(n: number): Float64Array {
  const out = new Float64Array(n);
  let seed = 12345;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const x = ((i % 10000) - 5000) / 800;
    out[i] = 0.2 + 3 * Math.exp(-x * x / 2) + (seed / 2 ** 32 - 0.5) * 0.05;
  }
  return out;
}

type Mode = "contig" | "gzip";

/** Seconds for one fws write: file create, dataset write, close. */
async function ours(path: string, data: Float64Array, mode: Mode) {
  const t0 = performance.now();
  const f = await H5File.open(path, "overwrite");
  f.root.writeFloat64(
    "data",
    data,
    mode === "gzip" ? { gzip: 4, chunks: [Math.min(CHUNK, data.length)] } : {},
  );
  f.close();
  return (performance.now() - t0) / 1000;
}

// One long-lived h5py process holding the same data in memory; each line
// "<mode> <path>" on stdin is one timed write, answered with its seconds.
const PY = `
import sys, time, numpy as np, h5py
data = np.fromfile(sys.argv[1], dtype="<f8")
print("ready", flush=True)
for line in sys.stdin:
    mode, path = line.split()
    t0 = time.perf_counter()
    with h5py.File(path, "w") as f:
        if mode == "gzip":
            f.create_dataset("data", data=data, chunks=(min(${CHUNK}, len(data)),), compression="gzip", compression_opts=4)
        else:
            f.create_dataset("data", data=data)
    print(time.perf_counter() - t0, flush=True)
`;

/** The h5py side: a process and a function timing one write in it. */
async function h5py(dir: string, data: Float64Array) {
  const raw = `${dir}/data.bin`;
  await Deno.writeFile(raw, new Uint8Array(data.buffer));
  const child = new Deno.Command(SYSTEM_PYTHON, {
    args: ["-c", PY, raw],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream())
    .values();
  let pending = "";
  const readLine = async (): Promise<string> => {
    while (!pending.includes("\n")) {
      const { value, done } = await lines.next();
      if (done) throw new Error("h5py benchmark process ended early");
      pending += value;
    }
    const i = pending.indexOf("\n");
    const line = pending.slice(0, i);
    pending = pending.slice(i + 1);
    return line;
  };
  const writer = child.stdin.getWriter();
  if ((await readLine()) !== "ready") throw new Error("h5py did not start");
  return {
    async write(path: string, mode: Mode): Promise<number> {
      await writer.write(new TextEncoder().encode(`${mode} ${path}\n`));
      const seconds = Number(await readLine());
      if (!Number.isFinite(seconds)) throw new Error("h5py write failed");
      return seconds;
    },
    async close(): Promise<void> {
      await writer.close();
      await lines.return?.();
      await child.status;
    },
  };
}

/** Timings of one layout: the process's first write, then the measured ones. */
interface Runs {
  first: { fws: number; ref: number };
  fws: number[];
  ref: number[];
  /** Size of fws's file, MB. */
  fileMb: number;
}

/**
 * `warmup` + `repeat` interleaved rounds, alternating which tool goes
 * first; the warm-up rounds are not measured (the very first is reported).
 * Every file is removed after its round, outside the timing, so the page
 * cache does not grow over the run.
 */
async function run(
  dir: string,
  data: Float64Array,
  py: Awaited<ReturnType<typeof h5py>>,
  mode: Mode,
  { warmup, repeat }: { warmup: number; repeat: number },
): Promise<Runs> {
  const fws: number[] = [];
  const ref: number[] = [];
  let fileMb = 0;
  for (let r = 0; r < warmup + repeat; r++) {
    const a = `${dir}/fws_${mode}.h5`;
    const b = `${dir}/h5py_${mode}.h5`;
    if (r % 2 === 0) {
      fws.push(await ours(a, data, mode));
      ref.push(await py.write(b, mode));
    } else {
      ref.push(await py.write(b, mode));
      fws.push(await ours(a, data, mode));
    }
    fileMb = (await Deno.stat(a)).size / 1e6;
    await Deno.remove(a);
    await Deno.remove(b);
  }
  return {
    first: { fws: fws[0], ref: ref[0] },
    fws: fws.slice(warmup),
    ref: ref.slice(warmup),
    fileMb,
  };
}

const dir = await Deno.makeTempDir({ prefix: "fws_hdf5_bench_" });
try {
  const data = signal(N);
  const mb = (N * 8) / 1e6;
  const py = await h5py(dir, data);
  let contig, gzip;
  try {
    contig = await run(dir, data, py, "contig", {
      warmup: WARMUP,
      repeat: REPEAT,
    });
    // Seconds per gzip write: its first write is measured like the rest.
    gzip = await run(dir, data, py, "gzip", { warmup: 0, repeat: GZIP_REPEAT });
  } finally {
    await py.close();
  }
  const rows = [["contiguous", contig, 0.9], ["gzip 4", gzip, 0.7]] as const;
  const median = (t: readonly number[]) =>
    [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)];
  console.log(
    `HDF5 write of ${N.toExponential(0)} float64 (${
      mb.toFixed(0)
    } MB) incl. file create and close, same data (already in memory) and ` +
      `chunking for both tools, same directory (${
        dir.replace(/\/[^/]*$/, "")
      }), ` +
      `no fsync for either (the page cache), repetitions interleaved ` +
      `(${REPEAT} contiguous after ${WARMUP} warm-up rounds, ${GZIP_REPEAT} gzip), ` +
      `alternating which tool goes first, every file removed after its round. ` +
      `"first" is the first write of the process (fws grows its wasm heap there), ` +
      `not in the contiguous statistics. ` +
      `Ratio = fws throughput / h5py throughput; the goal is judged on the medians.\n`,
  );
  console.log(
    "| layout | fws first s | fws median s | fws best s | h5py first s | h5py median s | h5py best s | file MB | ratio median | ratio best | goal |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
  for (const [name, { first, fws: ours, ref, fileMb }, goal] of rows) {
    const ratio = Math.min(...ref) / Math.min(...ours);
    const ratioMedian = median(ref) / median(ours);
    const f = (v: number) => v.toFixed(4);
    console.log(
      `| ${name} | ${f(first.fws)} | ${f(median(ours))} | ${
        f(Math.min(...ours))
      } | ${f(first.ref)} | ${f(median(ref))} | ${f(Math.min(...ref))} | ${
        fileMb.toFixed(1)
      } | ${ratioMedian.toFixed(2)}× | ${ratio.toFixed(2)}× | ≥ ${goal}× ${
        ratioMedian >= goal ? "✓" : "✗"
      } |`,
    );
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
