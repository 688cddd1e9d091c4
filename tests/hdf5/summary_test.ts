/**
 * readScanSummary (what the scan catalog reads) is readScanFile without the
 * waveforms: the same run as `withoutData` leaves it, and the same files
 * refused with the same reasons.
 */
import {
  readScanFile,
  readScanSummary,
  writeScanFile,
} from "../../lib/hdf5/mod.ts";
import { H5File } from "../../lib/hdf5/h5.ts";
import { withoutData } from "../../lib/history/read_pool.ts";
import { assertEquals } from "../support/assert.ts";
import { missingReference, SYSTEM_PYTHON } from "../support/refs.ts";
import { makeForkRun, makeRun, rng, tempDir } from "./fixtures.ts";

const H5PY_WRITE = new URL("./support/h5py_write.py", import.meta.url).pathname;

async function outcome(read: () => Promise<unknown>): Promise<unknown> {
  try {
    return { run: await read() };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

async function assertSame(path: string): Promise<void> {
  const full = await outcome(async () => withoutData(await readScanFile(path)));
  assertEquals(await outcome(() => readScanSummary(path)), full, path);
}

Deno.test("readScanSummary equals withoutData(readScanFile) for fws files, also corrupted ones", async () => {
  const dir = tempDir();
  try {
    const files = [
      await writeScanFile(`${dir}/run.h5`, makeRun(3)),
      await writeScanFile(`${dir}/fork.h5`, makeForkRun()),
    ];
    const bytes = Deno.readFileSync(files[0]);
    const random = rng(7);
    for (let i = 0; i < 12; i++) {
      const bad = bytes.slice();
      const at = 96 + Math.floor(random() * Math.min(bad.length - 200, 20000));
      for (let k = 0; k < 64; k++) bad[at + k] = Math.floor(random() * 256);
      files.push(`${dir}/bad_${i}.h5`);
      Deno.writeFileSync(files.at(-1)!, bad);
    }
    files.push(
      await writeScanFile(`${dir}/fly.h5`, makeRun(2, { mode: "fly" })),
    );
    const odd = await H5File.open(`${dir}/odd.h5`, "create");
    odd.root.setString("file_format", "fws-scan/1");
    odd.root.createGroup("scan_001").createGroup("struck").writeString(
      "PDB",
      "oops",
    );
    odd.close();
    files.push(`${dir}/odd.h5`, `${dir}/missing.h5`);
    for (const f of files) await assertSame(f);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "readScanSummary equals withoutData(readScanFile) for h5py files (no mode recorded; gzip, and LZF refused alike)",
  ignore: missingReference("h5py"),
  async fn() {
    const dir = tempDir();
    try {
      for (const compression of ["gzip", "lzf"]) {
        const path = `${dir}/h5py_${compression}.h5`;
        const out = await new Deno.Command(SYSTEM_PYTHON, {
          args: [H5PY_WRITE, path, compression],
          stdout: "piped",
          stderr: "piped",
        }).output();
        assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
        await assertSame(path);
      }
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
