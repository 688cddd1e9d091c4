/**
 * The direct reader (lib/hdf5/direct) against h5wasm: every group, dataset
 * and attribute of files of every shape fws writes reads the same, and a
 * file it does not read, or a corrupted one, is read by h5wasm instead, so
 * the summary never differs from withoutData(readScanFile).
 */
import { profileOf } from "../../lib/analysis/mod.ts";
import { profileModels } from "../../lib/analysis/profile_models.ts";
import { rejectPoints } from "../../lib/analysis/rejection.ts";
import { errorBudget } from "../../lib/analysis/error_budget.ts";
import { fitPoints } from "../../lib/analysis/profile.ts";
import { DirectFile } from "../../lib/hdf5/direct/mod.ts";
import {
  ByteSource,
  DirectUnsupported,
  lookup3,
} from "../../lib/hdf5/direct/bytes.ts";
import { objectHeader } from "../../lib/hdf5/direct/format.ts";
import { H5File } from "../../lib/hdf5/h5.ts";
import type { DatasetReader, GroupReader } from "../../lib/hdf5/h5_read.ts";
import {
  readScanFile,
  readScanSummary,
  writeScanFile,
} from "../../lib/hdf5/mod.ts";
import { withoutData } from "../../lib/history/read_pool.ts";
import type { ScanRun } from "../../lib/scan/model.ts";
import { assert, assertEquals, assertThrows } from "../support/assert.ts";
import { missingReference, SYSTEM_PYTHON } from "../support/refs.ts";
import { makeForkRun, makeRun, rng, tempDir } from "./fixtures.ts";

/** An fws-layout file as h5py writes it by default (superblock 0). */
const H5PY_EARLIEST = `
import sys, h5py
with h5py.File(sys.argv[1], "w") as f:
    f.attrs["file_format"] = "fws-scan/1"
    g = f.create_group("scan_001/fit/PDB")
    g["sigma"] = 0.8
    g["center"] = 1.5
`;

/** A value, or that reading failed (the direct reader then hands over). */
function outcome(read: () => unknown): unknown {
  try {
    return { value: read() };
  } catch {
    return { failed: true };
  }
}

function dataset(d: DatasetReader): unknown {
  return {
    shape: d.shape,
    type: d.type,
    chunked: d.chunked,
    numeric: outcome(() => {
      const { data, shape, type } = d.readNumeric();
      return { data: [...data], shape, type };
    }),
    scalar: outcome(() => d.readScalar()),
    units: d.attr("units"),
  };
}

/** Everything readable under `g`, as plain data. */
function tree(g: GroupReader): unknown {
  const attrs = Object.fromEntries(g.attrNames().map((n) => [n, g.attr(n)]));
  const members = Object.fromEntries(
    g.keys().map((k) => {
      const sub = g.memberGroup(k);
      if (sub) return [k, tree(sub)];
      const d = g.memberDataset(k);
      return [k, d ? dataset(d) : "other"];
    }),
  );
  return { path: g.path, attrNames: g.attrNames(), attrs, members };
}

async function assertSameTree(path: string): Promise<void> {
  const h5 = await H5File.open(path, "r");
  const direct = new DirectFile(path, () => {
    throw new Error(`${path}: a chunked dataset reached the delegate`);
  });
  try {
    // chunked datasets go to h5wasm: compare their metadata only
    const strip = (t: unknown): unknown =>
      JSON.parse(
        JSON.stringify(t, (_k, v) =>
          v && typeof v === "object" && v.chunked === true
            ? { shape: v.shape, chunked: true }
            : v),
      );
    assertEquals(strip(tree(direct.root)), strip(tree(h5.root)), path);
  } finally {
    direct.close();
    h5.close();
  }
}

/** Runs of every shape the catalog meets. */
function runs(): [string, ScanRun][] {
  const models = makeRun(2, { steps: 41, samples: 8 });
  for (const scan of models.scans) {
    scan.modelFits = {
      PDB: profileModels(profileOf(scan, "PDB", "ch1"), "auto")!,
    };
  }
  const rejected = makeRun(1, { steps: 41, samples: 8 });
  const scan = rejected.scans[0];
  scan.beam.current.values.forEach((_, i, a) => a[i] = 2.5 * (1 + i / 100));
  const { profile, rejection } = rejectPoints(scan, "PDB", "ch1", {
    outlierK: 6,
    normalise: true,
  });
  scan.fits.PDB = { ...fitPoints(profile), iopsChannel: "ch1" };
  scan.rejections = { PDB: rejection };
  scan.errorBudgets = {
    PDB: errorBudget(scan, profile, scan.fits.PDB, {
      iops: "ch1",
      diameter: 0.05,
    }),
  };
  const odd = makeRun(1, { steps: 11 });
  odd.user = "Ünïcødé operator";
  odd.comment = "";
  odd.message = "x".repeat(5000);
  return [
    ["small", makeRun(1, { steps: 11, samples: 8 })],
    ["step", makeRun(3)],
    ["fly", makeRun(2, { mode: "fly" })],
    ["chunked", makeRun(2, { steps: 101, samples: 64 })],
    ["unfitted", makeRun(2, { fit: false })],
    ["many repetitions", makeRun(50, { steps: 5, samples: 2, fit: false })],
    ["fork", makeForkRun()],
    ["models", models],
    ["rejection", rejected],
    ["odd text", odd],
  ];
}

Deno.test("the direct reader reads every object of fws's files as h5wasm does", async () => {
  const dir = tempDir();
  try {
    for (const [name, run] of runs()) {
      const path = await writeScanFile(
        `${dir}/${name.replace(/ /g, "_")}.h5`,
        run,
      );
      // 50 repetitions: the root's links fill a B-tree of depth 1
      if (run.scans.length <= 3) await assertSameTree(path);
      assertEquals(
        await readScanSummary(path, { reader: "direct" }),
        await readScanSummary(path, { reader: "h5wasm" }),
        name,
      );
      assertEquals(
        await readScanSummary(path),
        withoutData(await readScanFile(path)),
        name,
      );
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "files the direct reader does not read (h5py's, old-style groups) go to h5wasm",
  ignore: missingReference("h5py"),
  fn: async () => {
    const dir = tempDir();
    try {
      const path = `${dir}/earliest.h5`;
      const out = await new Deno.Command(SYSTEM_PYTHON, {
        args: ["-c", H5PY_EARLIEST, path],
        stderr: "piped",
      }).output();
      if (out.code !== 0) throw new Error(new TextDecoder().decode(out.stderr));
      const error = await readScanSummary(path, { reader: "direct" }).then(
        () => "",
        (e: Error) => e.message,
      );
      assert(
        error.includes("not read by the direct reader: superblock version 0"),
        error,
      );
      assertEquals(
        await readScanSummary(path),
        await readScanSummary(path, { reader: "h5wasm" }),
      );
      assertEquals((await readScanSummary(path)).scans[0].fits.PDB.sigma, 0.8);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

/**
 * The summary h5wasm gives in a process of its own: once HDF5 has aborted
 * on a corrupted file, h5wasm's later reads in the same process can fail.
 */
async function freshH5wasm(path: string): Promise<unknown> {
  const mod = new URL("../../lib/hdf5/mod.ts", import.meta.url).href;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { readScanSummary } from "${mod}";
      try {
        console.log(JSON.stringify({ run: await readScanSummary(${
        JSON.stringify(path)
      }, { reader: "h5wasm" }) }));
      } catch (e) { console.log(JSON.stringify({ error: e.name + ": " + e.message })); }`,
    ],
    stdout: "piped",
    stderr: "null",
  }).output();
  const line = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1);
  return JSON.parse(line || '{"error":"no answer"}');
}

const asJson = (v: unknown) => JSON.parse(JSON.stringify(v));

Deno.test("corrupted files: the summary is h5wasm's summary, whatever bytes were hit", async () => {
  const dir = tempDir();
  try {
    const source = await writeScanFile(
      `${dir}/run.h5`,
      makeRun(2, { steps: 11 }),
    );
    const bytes = Deno.readFileSync(source);
    const random = rng(11);
    let differentFromClean = 0;
    let checkedAfresh = 0;
    const clean = await readScanSummary(source, { reader: "h5wasm" });
    for (let i = 0; i < 150; i++) {
      const bad = bytes.slice();
      const at = 48 + Math.floor(random() * (bad.length - 64));
      const n = 1 + Math.floor(random() * 16);
      for (let k = 0; k < n; k++) bad[at + k] = Math.floor(random() * 256);
      const path = `${dir}/bad_${i}.h5`;
      Deno.writeFileSync(path, bad);
      const h5wasm = await outcomeOf(() =>
        readScanSummary(path, { reader: "h5wasm" })
      );
      const summary = await outcomeOf(() => readScanSummary(path));
      const where = `corruption ${i} at ${at} (${n} bytes)`;
      if ("run" in (h5wasm as object)) assertEquals(summary, h5wasm, where);
      else if ("run" in (summary as object)) {
        // read here, failed in h5wasm: h5wasm in a fresh process agrees
        assertEquals(asJson(summary), await freshH5wasm(path), where);
        checkedAfresh++;
      } // else both failed (after an abort, h5wasm's reason can vary)
      if (JSON.stringify(h5wasm) !== JSON.stringify({ run: clean })) {
        differentFromClean++;
      }
      Deno.removeSync(path);
    }
    // the corruptions did reach what is read
    assert(differentFromClean > 10, `${differentFromClean} of 150 differ`);
    assert(checkedAfresh < 20, `${checkedAfresh} checked in a fresh process`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

async function outcomeOf(read: () => Promise<unknown>): Promise<unknown> {
  try {
    return { run: await read() };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

Deno.test("a crafted object header whose continuation points back at itself is refused, not followed forever", () => {
  const dir = tempDir();
  try {
    const u64 = (n: number) => {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
      return [...b];
    };
    const sum = (bytes: number[]) => {
      const c = lookup3(Uint8Array.from(bytes));
      return [c & 0xff, (c >> 8) & 0xff, (c >> 16) & 0xff, c >>> 24];
    };
    // a continuation message (type 0x10): the block at 64, 28 bytes long
    const continuation = [0x10, 16, 0, 0, ...u64(64), ...u64(28)];
    const header = [..."OHDR"].map((c) => c.charCodeAt(0));
    const ohdr = [...header, 2, 0, continuation.length, ...continuation];
    const ochk = [...[..."OCHK"].map((c) => c.charCodeAt(0)), ...continuation];
    const file = new Uint8Array(128);
    file.set([...ohdr, ...sum(ohdr)], 0);
    file.set([...ochk, ...sum(ochk)], 64);
    Deno.writeFileSync(`${dir}/loop.bin`, file);
    const source = new ByteSource(`${dir}/loop.bin`);
    try {
      const e = assertThrows(
        () => objectHeader(source, { offsets: 8, lengths: 8 }, 0),
        /continuation loop/,
      );
      assert(e instanceof DirectUnsupported, String(e));
    } finally {
      source.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
