/**
 * Our files through the reference tools (h5py, h5dump, silx) and files
 * written by h5py through our reader.
 */
import { readScanFile, writeScanFile } from "../../lib/hdf5/mod.ts";
import { H5File } from "../../lib/hdf5/h5.ts";
import {
  ATTR,
  ENTRY,
  FIT,
  GROUP,
  MOTION,
  NX,
  PROFILE,
  profileGroupName,
  ROOT,
  SCAN,
} from "../../lib/hdf5/layout.ts";
import type { ScanRun } from "../../lib/scan/model.ts";
import {
  FIT_FLOAT_FIELDS,
  FIT_INTEGER_FIELDS,
} from "../../lib/analysis/fit_fields.ts";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertMatch,
  assertRejects,
} from "../support/assert.ts";
import { missingReference, SYSTEM_PYTHON } from "../support/refs.ts";
import { makeRun, tempDir } from "./fixtures.ts";

interface Node {
  kind: "group" | "dataset";
  attrs: Record<string, unknown>;
  attr_dtypes: Record<string, string>;
  dtype?: string;
  shape?: number[];
  chunks?: number[] | null;
  compression?: string | null;
  compression_opts?: number | null;
  value?: unknown;
}

const support = (name: string) =>
  new URL(`./support/${name}`, import.meta.url).pathname;

async function run(
  cmd: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const d = new TextDecoder();
  return {
    code: out.code,
    stdout: d.decode(out.stdout),
    stderr: d.decode(out.stderr),
  };
}

async function h5pyDump(path: string): Promise<Record<string, Node>> {
  const r = await run(SYSTEM_PYTHON, [support("h5py_dump.py"), path]);
  assertEquals(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** NaN → null, as h5py_dump.py writes non-finite numbers. */
function list(a: ArrayLike<number>): (number | null)[] {
  return Array.from(a, (v) => (Number.isFinite(v) ? v : null));
}

/** Row-major flat data → nested rows, as h5py returns 2-D data. */
function nested(data: Float64Array, shape: number[]): unknown {
  if (shape.length < 2) return list(data);
  const rows = [];
  for (let r = 0; r < shape[0]; r++) {
    rows.push(list(data.subarray(r * shape[1], (r + 1) * shape[1])));
  }
  return rows;
}

async function writeFixture(
  dir: string,
): Promise<{ path: string; run: ScanRun }> {
  const r = makeRun(2, { steps: 600, samples: 8 });
  return { path: await writeScanFile(`${dir}/ours.h5`, r), run: r };
}

Deno.test({
  name:
    "h5py reads our file field by field: names, dtypes, shapes, units, attributes",
  ignore: missingReference("h5py"),
  async fn() {
    const dir = tempDir();
    try {
      const { path, run: r } = await writeFixture(dir);
      const f = await h5pyDump(path);
      const root = f["/"].attrs;
      assertEquals(root[ROOT.nxClass], NX.root);
      assertEquals(root[ROOT.fileFormat], r.fileFormat);
      assertEquals(root[ROOT.scannerIndex], 3);
      assertEquals(f["/"].attr_dtypes[ROOT.scannerIndex], "int32");
      assertEquals(root[ROOT.testMode], 1);
      assertEquals(root[ROOT.user], r.user);
      assertEquals(root[ROOT.comment], r.comment);
      assertEquals(root[ROOT.startTime], r.startTime);
      assertEquals(root[ROOT.endTime], r.endTime);
      assertEquals(root[ROOT.status], "completed");
      assertEquals(root[ROOT.sourceProgram], "fws");
      assertEquals(root[ROOT.sourceVersion], "0.1.0");
      assertEquals(root[ROOT.sourceHost], "testhost");
      assertEquals(root[ROOT.default], "scan_001");
      assertEquals(JSON.parse(root[ROOT.scanArgs] as string), r.scanArgs);
      assertEquals(root.arg_n_steps, 600);
      assertEquals(root.arg_speed, 2.5);
      assertEquals(root.arg_mode, "step");
      assertEquals(root.arg_bidir, 1);
      // types follow the argument, not its value: -5 is as float as 4.5
      const types = f["/"].attr_dtypes;
      assertEquals(types.arg_n_steps, "int32");
      assertEquals(types.arg_n_scans, "int32");
      assertEquals(types.arg_start_pos, "float64");
      assertEquals(types.arg_end_pos, "float64");
      assertEquals(types.arg_speed, "float64");

      for (const scan of r.scans) {
        const e = `/${scan.name}`;
        assertEquals(f[e].kind, "group");
        assertEquals(f[e].attrs[SCAN.nxClass], NX.entry);
        assertEquals(f[e].attrs[SCAN.direction], scan.direction);
        assertEquals(f[e].attrs[SCAN.mode], scan.mode);
        assertEquals(f[e].attrs[SCAN.startTime], scan.startTime);
        assertEquals(f[e].attrs[SCAN.endTime], scan.endTime);
        assertEquals(f[e].attrs[SCAN.status], scan.status);
        assertEquals(f[e].attrs[SCAN.default], profileGroupName("PDB"));
        assertEquals(
          f[`${e}/${ENTRY.title}`].value,
          `fws03 ${scan.name}: step scan, ${scan.direction}, ${scan.positionsPlanned.length} steps — ${r.comment}`,
        );
        const m = `${e}/${GROUP.scan}`;
        for (
          const [name, data, units] of [
            [MOTION.positionsPlanned, scan.positionsPlanned, "mm"],
            [MOTION.positionsReadback, scan.positionsReadback, "mm"],
            [
              MOTION.timestamps,
              scan.timestamps,
              "s since 1970-01-01T00:00:00Z",
            ],
          ] as const
        ) {
          const d = f[`${m}/${name}`];
          assertEquals(d.dtype, "float64", name);
          assertEquals(d.shape, [data.length]);
          assertEquals(d.attrs[ATTR.units], units);
          assertEquals(d.value, list(data));
        }
        const si = f[`${m}/${MOTION.stepIndex}`];
        assertEquals(si.dtype, "int32");
        assertEquals(si.value, Array.from(scan.stepIndex));
        for (
          const [group, channels] of [[GROUP.struck, scan.struck], [
            GROUP.iops,
            scan.iops,
          ]] as const
        ) {
          for (const [ch, w] of Object.entries(channels)) {
            const d = f[`${e}/${group}/${ch}`];
            assertEquals(d.dtype, "float64");
            assertEquals(d.shape, w.shape);
            assertEquals(d.attrs[ATTR.units], w.units);
            assertEquals(d.attrs[ATTR.samplePeriod], w.samplePeriod);
            assertEquals(d.value, nested(w.data, w.shape));
            assertEquals(d.compression, "gzip", "large waveforms are gzip'd");
            assertEquals(d.compression_opts, 4);
          }
        }
        for (
          const [group, readings] of [[GROUP.idc, scan.idc], [
            GROUP.beam,
            scan.beam,
          ]] as const
        ) {
          for (const [name, rd] of Object.entries(readings)) {
            const d = f[`${e}/${group}/${name}`];
            assertEquals(d.dtype, "float64");
            assertEquals(d.attrs[ATTR.units], rd.units);
            assertEquals(d.value, list(rd.values));
          }
        }
        for (const [ch, fit] of Object.entries(scan.fits)) {
          const g = `${e}/${GROUP.fit}/${ch}`;
          assertEquals(f[g].attrs[ATTR.nxClass], NX.parameters);
          for (const { key, hdf5: name, unit } of FIT_FLOAT_FIELDS) {
            const d = f[`${g}/${name}`];
            assertEquals(d.dtype, "float64", name);
            assertEquals(d.shape, []);
            assertEquals(d.value, Number.isNaN(fit[key]) ? null : fit[key]);
            assertEquals(
              d.attrs[ATTR.units],
              unit === "none" ? undefined : unit === "x" ? "mm" : "V",
            );
          }
          for (const { key, hdf5: name } of FIT_INTEGER_FIELDS) {
            assertEquals(f[`${g}/${name}`].dtype, "int32");
            assertEquals(f[`${g}/${name}`].value, fit[key]);
          }
          assertEquals(f[`${g}/${FIT.converged}`].value, fit.ok ? 1 : 0);
          assertEquals(f[`${g}/${FIT.message}`].value, fit.message);
          assertEquals(f[`${g}/${FIT.iopsChannel}`].value, "ch1");
        }
        const p = `${e}/${profileGroupName("PDB")}`;
        assertEquals(f[p].attrs[ATTR.nxClass], NX.data);
        assertEquals(f[p].attrs[ATTR.signal], "PDB");
        assertEquals(f[p].attrs[ATTR.axes], [PROFILE.axis]);
        assertEquals(f[`${p}/PDB`].shape, [600]);
        assertEquals(f[`${p}/${PROFILE.axis}`].attrs[ATTR.units], "mm");
      }
      // every dataset with a physical meaning carries units
      const unitless = new Set([
        MOTION.stepIndex,
        "chi2_red",
        "r_squared",
        ...FIT_INTEGER_FIELDS.map((f) => f.hdf5),
        FIT.converged,
        FIT.message,
        FIT.iopsChannel,
        FIT.weighting,
        FIT.points,
        ENTRY.title,
      ]);
      for (const [p, node] of Object.entries(f)) {
        if (node.kind !== "dataset" || unitless.has(p.split("/").at(-1)!)) {
          continue;
        }
        assert(typeof node.attrs[ATTR.units] === "string", `${p} has no units`);
      }
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "h5dump reads our file: types, shapes, attributes, exact values",
  ignore: missingReference("h5dump"),
  async fn() {
    const dir = tempDir();
    try {
      const { path, run: r } = await writeFixture(dir);
      const header = await run("/usr/bin/h5dump", ["-H", "-A", path]);
      assertEquals(header.code, 0, header.stderr);
      assertMatch(header.stdout, /GROUP "scan_002"/);
      assertMatch(
        header.stdout,
        /DATASET "PDB" \{\s+DATATYPE\s+H5T_IEEE_F64LE\s+DATASPACE\s+SIMPLE \{ \( 600, 8 \) \/ \( 600, 8 \) \}/,
      );
      assertMatch(
        header.stdout,
        /DATASET "step_index" \{\s+DATATYPE\s+H5T_STD_I32LE/,
      );
      const sigma = await run("/usr/bin/h5dump", [
        "-m",
        "%.17g",
        "-d",
        "/scan_001/fit/PDB/sigma",
        path,
      ]);
      assertEquals(sigma.code, 0, sigma.stderr);
      const value = Number(/\(0\): ([-\d.e+]+)/.exec(sigma.stdout)?.[1]);
      assertEquals(value, r.scans[0].fits.PDB.sigma);
      const units = await run("/usr/bin/h5dump", [
        "-a",
        "/scan_001/struck/PDB/units",
        path,
      ]);
      assertMatch(units.stdout, /\(0\): "V"/);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "silx: every profile group is valid NXdata and the default plot resolves",
  ignore: missingReference("silx"),
  async fn() {
    const dir = tempDir();
    try {
      const { path } = await writeFixture(dir);
      const script = `
import json, sys, h5py
from silx.io.nxdata import is_valid_nxdata, get_default, NXdata
out = {}
with h5py.File(sys.argv[1], "r") as f:
    for e in f:
        for k in f[e]:
            if k.startswith("profile_"):
                g = f[e][k]
                d = NXdata(g)
                out[e + "/" + k] = [is_valid_nxdata(g), d.signal.name.split("/")[-1], [a.name.split("/")[-1] for a in d.axes], [s.name.split("/")[-1] for s in d.auxiliary_signals]]
    dflt = get_default(f)
    out["default"] = dflt.signal.name if dflt is not None else None
print(json.dumps(out))
`;
      const r = await run(SYSTEM_PYTHON, ["-c", script, path]);
      assertEquals(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      for (const e of ["scan_001", "scan_002"]) {
        for (const ch of ["PDB", "PDT"]) {
          assertEquals(out[`${e}/profile_${ch}`], [true, ch, ["position"], [
            "fit",
          ]]);
        }
      }
      assertEquals(out.default, "/scan_001/profile_PDB/PDB");
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "our reader reads a file h5py wrote in our layout (int64, float32, big-endian, chunks, attrs, missing groups)",
  ignore: missingReference("h5py"),
  async fn() {
    const dir = tempDir();
    try {
      const path = `${dir}/h5py.h5`;
      const w = await run(SYSTEM_PYTHON, [support("h5py_write.py"), path]);
      assertEquals(w.code, 0, w.stderr);
      const r = await readScanFile(path);
      assertEquals(r.fileFormat, "fws-scan/1");
      assertEquals(r.scannerIndex, 7);
      assertEquals(r.testMode, true);
      assertEquals(r.user, "h5py user");
      assertEquals(r.status, "completed");
      assertEquals(r.scanArgs, { steps: 11, mode: "step", bidir: false });
      assertEquals(r.scans.map((s) => s.name), ["scan_001", "scan_002"]);
      const [s1, s2] = r.scans;
      assertEquals(s1.mode, "step");
      assertEquals([s1.direction, s2.direction], ["forward", "backward"]);
      assertEquals(s1.status, "completed");
      assertEquals(Array.from(s1.stepIndex), [
        0,
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        9,
        10,
      ]);
      assert(s1.stepIndex instanceof Int32Array);
      assertEquals(Array.from(s1.positionsPlanned), [
        -5,
        -4,
        -3,
        -2,
        -1,
        0,
        1,
        2,
        3,
        4,
        5,
      ]);
      assertEquals(
        Array.from(s1.positionsReadback),
        [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5].map((v) => v + 0.001),
        "big-endian float64",
      );
      assertEquals(s1.struck.PDB.shape, [11, 4]);
      assertEquals(s1.struck.PDB.units, "V");
      assert(s1.struck.PDB.data instanceof Float64Array);
      assertAlmostEquals(s1.struck.PDB.data[5 * 4], 1 + Math.exp(-0.125), 1e-6);
      assertEquals(s1.iops.ch1.data[0], -5);
      assertEquals(s1.idc, {});
      assertEquals(s1.beam, {});
      const fit = s1.fits.PDB;
      assertEquals([fit.ok, fit.center, fit.sigma, fit.amplitude], [
        true,
        0.5,
        1,
        1,
      ]);
      assertEquals([fit.nPoints, fit.message, fit.iopsChannel], [
        11,
        "fitted elsewhere",
        "ch1",
      ]);
      assert(Number.isNaN(fit.offset));
      assertEquals(s2.fits, {});
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "an LZF-compressed file is refused with a clear error, not garbage",
  ignore: missingReference("h5py"),
  async fn() {
    const dir = tempDir();
    try {
      const path = `${dir}/lzf.h5`;
      const w = await run(SYSTEM_PYTHON, [
        support("h5py_write.py"),
        path,
        "lzf",
      ]);
      assertEquals(w.code, 0, w.stderr);
      const error = await assertRejects(() => readScanFile(path));
      assertMatch(
        error.message,
        /lzf\.h5: \/scan_001\/struck\/PDB is compressed with the 'lzf' filter \(id 32000\), which fws cannot decode/,
      );
      assertEquals(error.message.split("\n").length, 1);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "h5py reads contiguous arrays written straight from the caller's array exactly",
  ignore: missingReference("h5py"),
  async fn() {
    const dir = tempDir();
    try {
      const path = `${dir}/big_contiguous.h5`;
      const n = 1_300_003; // > 8 MiB of float64
      const flat = new Float64Array(n).map((_, i) => i * 0.5 + (i % 7));
      // Just above and below the 128 KiB where the direct write starts.
      const mid = new Float64Array(16_385).map((_, i) => Math.sqrt(i));
      const small = new Float64Array(16_383).map((_, i) => -i);
      const rows = new Float64Array(3 * 1_500_000).map((_, i) => i % 977);
      const ints = new Int32Array(2_500_000).map((_, i) => i * 7 - 3);
      const f = await H5File.open(path, "create");
      f.root.writeFloat64("flat", flat);
      f.root.writeFloat64("rows", rows, { shape: [3, 1_500_000] });
      f.root.writeInt32("ints", ints);
      f.root.writeFloat64("mid", mid);
      f.root.writeFloat64("small", small);
      f.close();
      const script = `
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
n = ${n}
i = np.arange(n, dtype=np.float64)
checks = {
  "flat": np.array_equal(f["flat"][:], i * 0.5 + (np.arange(n) % 7)),
  "rows": np.array_equal(f["rows"][:], (np.arange(4500000) % 977).astype(np.float64).reshape(3, 1500000)),
  "ints": np.array_equal(f["ints"][:], (np.arange(2500000, dtype=np.int64) * 7 - 3).astype(np.int32)),
  "mid": np.array_equal(f["mid"][:], np.sqrt(np.arange(16385, dtype=np.float64))),
  "small": np.array_equal(f["small"][:], -np.arange(16383, dtype=np.float64)),
  "contiguous": all(f[k].chunks is None and f[k].compression is None for k in ("flat", "rows", "ints")),
  "dtypes": [str(f[k].dtype) for k in ("flat", "rows", "ints")] == ["float64", "float64", "int32"],
}
print(" ".join(f"{k}={v}" for k, v in checks.items()))
`;
      const out = await run(SYSTEM_PYTHON, ["-c", script, path]);
      assertEquals(out.code, 0, out.stderr);
      assertEquals(
        out.stdout.trim(),
        "flat=True rows=True ints=True mid=True small=True contiguous=True dtypes=True",
      );
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
