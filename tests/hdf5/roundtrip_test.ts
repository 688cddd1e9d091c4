import {
  freeScanFilePath,
  readScanFile,
  ScanFileError,
  scanFileName,
  ScanFileWriter,
  writeScanFile,
} from "../../lib/hdf5/mod.ts";
import { H5File } from "../../lib/hdf5/h5.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
} from "../support/assert.ts";
import { makeRun, makeScan, tempDir } from "./fixtures.ts";

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("scanFileName: fwsNN_YYYYMMDD_HHMMSS.h5 in UTC", () => {
  assertEquals(
    scanFileName(3, new Date("2026-11-23T22:05:09Z")),
    "fws03_20261123_220509.h5",
  );
  assertEquals(
    scanFileName(12, new Date("2027-01-02T03:04:05.678Z")),
    "fws12_20270102_030405.h5",
  );
});

Deno.test("write then read gives back the same ScanRun (step mode)", async () => {
  const dir = tempDir();
  try {
    const run = makeRun(3);
    const path = await writeScanFile(`${dir}/run.h5`, run);
    assertEquals(path, `${dir}/run.h5`);
    assert(!exists(`${path}.partial`), "the .partial file is renamed away");
    assertEquals(await readScanFile(path), run);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("fly mode, large gzip waveforms and failed fits round-trip", async () => {
  const dir = tempDir();
  try {
    const run = makeRun(2, { mode: "fly", steps: 500, samples: 20 });
    const failed = run.scans[1].fits.PDT;
    run.scans[1].fits.PDT = {
      ...failed,
      ok: false,
      message: "no peak: significance below 5σ",
      amplitude: NaN,
      center: NaN,
      sigma: NaN,
      offset: NaN,
      amplitudeErr: NaN,
      centerErr: NaN,
      sigmaErr: NaN,
      offsetErr: NaN,
    };
    const path = await writeScanFile(`${dir}/fly.h5`, run);
    const back = await readScanFile(path);
    assertEquals(back, run);
    assertEquals(back.scans[0].struck.PDB.shape, [10000]);
    assertEquals(back.scans[1].fits.PDT.ok, false);
    assert(Number.isNaN(back.scans[1].fits.PDT.sigma));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a run with no scans and no channels round-trips", async () => {
  const dir = tempDir();
  try {
    const run = makeRun(0);
    run.status = "error";
    run.message = "motor did not move";
    const empty = makeScan(1, { fit: false });
    empty.struck = {};
    empty.iops = {};
    empty.idc = {};
    empty.beam = {};
    empty.positionsPlanned = new Float64Array(0);
    empty.positionsReadback = new Float64Array(0);
    empty.timestamps = new Float64Array(0);
    empty.stepIndex = new Int32Array(0);
    empty.status = "error";
    run.scans = [empty];
    const back = await readScanFile(await writeScanFile(`${dir}/e.h5`, run));
    assertEquals(back, run);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("incremental writer: .partial while open, valid after each scan", async () => {
  const dir = tempDir();
  try {
    const full = makeRun(3);
    const header = {
      ...full,
      scans: [],
      status: "running" as const,
      endTime: "",
    };
    const path = `${dir}/inc.h5`;
    const writer = await ScanFileWriter.create(path, header);
    assertEquals(writer.partialPath, `${path}.partial`);
    assert(exists(`${path}.partial`) && !exists(path));
    const early = await readScanFile(`${path}.partial`);
    assertEquals(early.status, "running");
    assertEquals(early.scans.length, 0);
    await writer.writeScan(full.scans[0]);
    await writer.writeScan(full.scans[1]);
    const mid = await readScanFile(`${path}.partial`);
    assertEquals(mid.scans, full.scans.slice(0, 2));
    await writer.writeScan(full.scans[2]);
    const final = await writer.close({
      status: "completed",
      endTime: full.endTime,
    });
    assertEquals(final, path);
    assert(!exists(`${path}.partial`));
    assertEquals(await readScanFile(path), { ...full, message: "" });
    await assertRejects(() => writer.writeScan(full.scans[0]), /after close/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("an aborted request leaves a valid file marked aborted", async () => {
  const dir = tempDir();
  try {
    const run = makeRun(3);
    const writer = await ScanFileWriter.create(`${dir}/ab.h5`, {
      ...run,
      scans: [],
      status: "running",
      endTime: "",
    });
    await writer.writeScan(run.scans[0]);
    const path = await writer.close({
      status: "aborted",
      endTime: "2027-01-15T10:01:00.000Z",
      message: "aborted by the operator",
    });
    const back = await readScanFile(path);
    assertEquals(back.status, "aborted");
    assertEquals(back.message, "aborted by the operator");
    assertEquals(back.endTime, "2027-01-15T10:01:00.000Z");
    assertEquals(back.scans, run.scans.slice(0, 1));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a writer killed mid-request leaves a readable .partial", async () => {
  const dir = tempDir();
  try {
    const script = new URL("./support/crash_writer.ts", import.meta.url);
    const config = new URL("../../deno.json", import.meta.url);
    const path = `${dir}/crash.h5`;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        `--config=${config.pathname}`,
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-sys",
        script.pathname,
        path,
        "2",
      ],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = child.stdout.getReader();
    const timeout = setTimeout(() => child.kill("SIGKILL"), 30_000);
    let text = "";
    while (!text.includes("ready")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    child.kill("SIGKILL");
    clearTimeout(timeout);
    await reader.cancel();
    await child.status;
    assertMatch(text, /ready/);
    assert(!exists(path));
    const back = await readScanFile(`${path}.partial`);
    assertEquals(back.status, "running");
    assertEquals(back.scans, makeRun(2).scans);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("create refuses to overwrite unless asked", async () => {
  const dir = tempDir();
  try {
    const run = makeRun(1);
    const path = await writeScanFile(`${dir}/x.h5`, run);
    const error = await assertRejects(
      () => writeScanFile(path, run),
      /already exists; refusing to overwrite/,
    );
    assert(error instanceof ScanFileError);
    const again = makeRun(2);
    await writeScanFile(path, again, { overwrite: true });
    assertEquals((await readScanFile(path)).scans.length, 2);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a bad record is one ScanFileError and the file stays valid", async () => {
  const dir = tempDir();
  try {
    const run = makeRun(2);
    const writer = await ScanFileWriter.create(`${dir}/bad.h5`, {
      ...run,
      scans: [],
    });
    await writer.writeScan(run.scans[0]);
    const broken = makeScan(2);
    broken.struck.PDB = { ...broken.struck.PDB, shape: [3, 3] };
    const error = await assertRejects(
      () => writer.writeScan(broken),
      /shape \[3,3\] holds 9 values/,
    );
    assert(error instanceof ScanFileError);
    assertMatch(error.message, /bad\.h5\.partial/);
    const path = await writer.close({ status: "error", endTime: run.endTime });
    const back = await readScanFile(path);
    assertEquals(back.status, "error");
    assertEquals(back.scans[0], run.scans[0]);
    assertEquals(back.scans[1].name, "scan_002");
    assertEquals(
      back.scans[1].status,
      "error",
      "the half-written scan says so",
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("arrays above the slab size are written in slabs and read back exactly", async () => {
  const dir = tempDir();
  try {
    const n = 1_300_003; // > 8 MiB of float64, not a multiple of anything
    const flat = new Float64Array(n).map((_, i) => Math.sin(i) * 1e3 + i);
    const rows = new Float64Array(700 * 2000).map((_, i) => i % 977);
    const ints = new Int32Array(2_500_000).map((_, i) => i * 7);
    const f = await H5File.open(`${dir}/big.h5`, "create");
    f.root.writeFloat64("flat", flat);
    f.root.writeFloat64("rows", rows, { shape: [700, 2000], gzip: 4 });
    f.root.writeInt32("ints", ints);
    f.close();
    const r = await H5File.open(`${dir}/big.h5`, "r");
    try {
      const a = r.root.dataset("flat")!.readNumeric();
      assertEquals(a.shape, [n]);
      assertEquals(a.data, flat);
      const b = r.root.dataset("rows")!.readNumeric();
      assertEquals(b.shape, [700, 2000]);
      assertEquals(b.data, rows);
      assertEquals(r.root.dataset("rows")!.filters().map((x) => x.name), [
        "deflate",
      ]);
      const c = r.root.dataset("ints")!;
      assertEquals(c.type, "int32");
      assertEquals(c.readNumeric().data, Float64Array.from(ints));
    } finally {
      r.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("freeScanFilePath: the next free name when the file or its .partial exists", () => {
  const dir = tempDir();
  try {
    const start = new Date("2026-11-23T22:05:09Z");
    const first = freeScanFilePath(dir, 3, start);
    assertEquals(first, `${dir}/fws03_20261123_220509.h5`);
    Deno.writeTextFileSync(first, "");
    assertEquals(
      freeScanFilePath(dir, 3, start),
      `${dir}/fws03_20261123_220509_2.h5`,
    );
    Deno.writeTextFileSync(`${dir}/fws03_20261123_220509_2.h5.partial`, "");
    assertEquals(
      freeScanFilePath(dir, 3, start),
      `${dir}/fws03_20261123_220509_3.h5`,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("close never replaces a file that appeared at the final name: it takes the next free one and says so", async () => {
  const dir = tempDir();
  try {
    const run = makeRun(1);
    const writer = await ScanFileWriter.create(`${dir}/y.h5`, run);
    await Deno.writeTextFile(`${dir}/y.h5`, "precious");
    Deno.symlinkSync(`${dir}/elsewhere`, `${dir}/y_2.h5`);
    const path = await writer.close({
      status: "completed",
      endTime: run.endTime,
    });
    assertEquals(path, `${dir}/y_3.h5`);
    assertEquals(writer.renamedFrom, `${dir}/y.h5`);
    assertEquals(Deno.readTextFileSync(`${dir}/y.h5`), "precious");
    assert(!exists(`${dir}/elsewhere`), "the planted symlink was not followed");
    assert(!exists(`${dir}/y.h5.partial`));
    assertEquals((await readScanFile(path)).scans.length, 1);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
