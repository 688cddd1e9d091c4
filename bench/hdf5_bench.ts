/**
 * HDF5 write throughput: 1e7 float64 written by fws (h5wasm through
 * lib/hdf5/h5.ts) against h5py (HDF5's own C library) in the same run, on
 * the same data, same chunking — contiguous and gzip level 4.
 *
 * Run: `deno run -P=test bench/hdf5_bench.ts [--n 10000000] [--repeat 3]`
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
    repeat: { type: "string", default: "7" },
  },
});
const N = Number(values.n);
const REPEAT = Number(values.repeat);
const GZIP_REPEAT = Math.min(REPEAT, 3); // gzip runs take seconds each
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

/** Seconds of each repetition (the first one pays the wasm heap growth). */
async function ours(
  dir: string,
  data: Float64Array,
  gzip: boolean,
): Promise<number[]> {
  const times: number[] = [];
  for (let r = 0; r < (gzip ? GZIP_REPEAT : REPEAT); r++) {
    const path = `${dir}/fws_${gzip ? "gzip" : "contig"}_${r}.h5`;
    const t0 = performance.now();
    const f = await H5File.open(path, "overwrite");
    f.root.writeFloat64("data", data, gzip ? { gzip: 4, chunks: [CHUNK] } : {});
    f.close();
    times.push((performance.now() - t0) / 1000);
    if (r > 0) await Deno.remove(path); // no dirty-page build-up for the next run
  }
  return times;
}

const PY = `
import json, os, sys, time, numpy as np, h5py
data = np.fromfile(sys.argv[1], dtype="<f8")
out = {}
for mode in ("contig", "gzip"):
    times = []
    for r in range(int(sys.argv[3]) if mode == "contig" else int(sys.argv[4])):
        path = f"{sys.argv[2]}/h5py_{mode}_{r}.h5"
        t0 = time.perf_counter()
        with h5py.File(path, "w") as f:
            if mode == "gzip":
                f.create_dataset("data", data=data, chunks=(${CHUNK},), compression="gzip", compression_opts=4)
            else:
                f.create_dataset("data", data=data)
        times.append(time.perf_counter() - t0)
        if r > 0:
            os.remove(path)
    out[mode] = times
print(json.dumps(out))
`;

async function h5py(
  dir: string,
  data: Float64Array,
): Promise<{ contig: number[]; gzip: number[] }> {
  const raw = `${dir}/data.bin`;
  await Deno.writeFile(raw, new Uint8Array(data.buffer));
  const out = await new Deno.Command(SYSTEM_PYTHON, {
    args: ["-c", PY, raw, dir, String(REPEAT), String(GZIP_REPEAT)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `h5py benchmark failed: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

const dir = await Deno.makeTempDir({ prefix: "fws_hdf5_bench_" });
try {
  const data = signal(N);
  const mb = (N * 8) / 1e6;
  const py = await h5py(dir, data);
  const fwsContig = await ours(dir, data, false);
  const fwsGzip = await ours(dir, data, true);
  const size = (p: string) => Deno.statSync(p).size / 1e6;
  const rows = [
    ["contiguous", fwsContig, py.contig, size(`${dir}/fws_contig_0.h5`), 0.9],
    ["gzip 4", fwsGzip, py.gzip, size(`${dir}/fws_gzip_0.h5`), 0.7],
  ] as const;
  const median = (t: readonly number[]) =>
    [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)];
  console.log(
    `HDF5 write of ${N.toExponential(0)} float64 (${
      mb.toFixed(0)
    } MB) incl. file create/close, same data and chunking for both tools, in one run. ` +
      `Repetitions: ${REPEAT} contiguous, ${GZIP_REPEAT} gzip; "first" is the first write of the ` +
      `process (fws grows its wasm heap there). Ratio = fws throughput / h5py throughput.\n`,
  );
  console.log(
    "| layout | fws first s | fws median s | fws best s | h5py first s | h5py median s | h5py best s | file MB | ratio median | ratio best | goal |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
  for (const [name, ours, ref, fileMb, goal] of rows) {
    const best = Math.min(...ours);
    const refBest = Math.min(...ref);
    const ratio = refBest / best;
    const ratioMedian = median(ref) / median(ours);
    const f = (v: number) => v.toFixed(3);
    console.log(
      `| ${name} | ${f(ours[0])} | ${f(median(ours))} | ${f(best)} | ${
        f(ref[0])
      } | ${f(median(ref))} | ${f(refBest)} | ${fileMb.toFixed(1)} | ${
        ratioMedian.toFixed(2)
      }× | ${ratio.toFixed(2)}× | ≥ ${goal}× ${ratio >= goal ? "✓" : "✗"} |`,
    );
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
