/**
 * Bad files give one clear ScanFileError naming the file; the reader works
 * without write permission.
 */
import {
  readScanFile,
  ScanFileError,
  writeScanFile,
} from "../../lib/hdf5/mod.ts";
import { H5File } from "../../lib/hdf5/h5.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
} from "../support/assert.ts";
import { makeRun, rng, tempDir } from "./fixtures.ts";

async function expectError(path: string, pattern: RegExp): Promise<void> {
  const error = await assertRejects(() => readScanFile(path));
  assert(error instanceof ScanFileError, `${error.name}: ${error.message}`);
  assertMatch(error.message, pattern);
  assert(error.message.startsWith(path), `names the file: ${error.message}`);
  assertEquals(error.message.split("\n").length, 1, error.message);
}

Deno.test("missing, empty, directory and non-HDF5 files", async () => {
  const dir = tempDir();
  try {
    await expectError(`${dir}/nope.h5`, /: no such file$/);
    Deno.writeFileSync(`${dir}/empty.h5`, new Uint8Array(0));
    await expectError(`${dir}/empty.h5`, /is empty \(0 bytes\)/);
    await expectError(dir, /is not a regular file/);
    Deno.writeTextFileSync(`${dir}/text.h5`, "time,value\n1,2\n".repeat(100));
    await expectError(
      `${dir}/text.h5`,
      /is not an HDF5 file \(no HDF5 signature\)/,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("truncated files say so", async () => {
  const dir = tempDir();
  try {
    const path = await writeScanFile(`${dir}/full.h5`, makeRun(2));
    const bytes = Deno.readFileSync(path);
    for (
      const n of [bytes.length - 1, Math.floor(bytes.length / 2), 2048, 40]
    ) {
      const cut = `${dir}/cut_${n}.h5`;
      Deno.writeFileSync(cut, bytes.subarray(0, n));
      await expectError(
        cut,
        new RegExp(
          `is truncated: ${n} bytes on disk, but its HDF5 superblock says ${bytes.length}`,
        ),
      );
    }
    Deno.writeFileSync(`${dir}/cut_6.h5`, bytes.subarray(0, 6));
    await expectError(`${dir}/cut_6.h5`, /not an HDF5 file/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("corrupted files give a ScanFileError or the data, never another error", async () => {
  const dir = tempDir();
  try {
    const path = await writeScanFile(`${dir}/good.h5`, makeRun(2));
    const bytes = Deno.readFileSync(path);
    const random = rng(42);
    let errors = 0;
    for (let i = 0; i < 12; i++) {
      const bad = bytes.slice();
      const at = 96 + Math.floor(random() * Math.min(bad.length - 200, 20000));
      for (let k = 0; k < 64; k++) bad[at + k] = Math.floor(random() * 256);
      const p = `${dir}/bad_${i}.h5`;
      Deno.writeFileSync(p, bad);
      try {
        await readScanFile(p);
      } catch (error) {
        assert(error instanceof ScanFileError, `${error}`);
        assert((error as Error).message.startsWith(p));
        assertEquals((error as Error).message.split("\n").length, 1);
        errors++;
      }
    }
    assert(errors > 0, "at least one corruption hit the metadata");
    // the library still works after all those failures
    assertEquals((await readScanFile(path)).scans.length, 2);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("foreign layouts and other file formats are named as such", async () => {
  const dir = tempDir();
  try {
    const foreign = await H5File.open(`${dir}/foreign.h5`, "create");
    foreign.root.createGroup("entry").writeFloat64(
      "data",
      Float64Array.of(1, 2),
    );
    foreign.close();
    await expectError(
      `${dir}/foreign.h5`,
      /is an HDF5 file but not an fws scan file \(no file_format attribute, no scan_NNN groups\)/,
    );
    const other = await H5File.open(`${dir}/v2.h5`, "create");
    other.root.setString("file_format", "fws-scan/2");
    other.close();
    await expectError(
      `${dir}/v2.h5`,
      /has file_format 'fws-scan\/2'; expected fws-scan\/1/,
    );
    const odd = await H5File.open(`${dir}/odd.h5`, "create");
    odd.root.setString("file_format", "fws-scan/1");
    odd.root.createGroup("scan_001").createGroup("struck").writeString(
      "PDB",
      "oops",
    );
    odd.close();
    await expectError(
      `${dir}/odd.h5`,
      /\/scan_001\/struck\/PDB holds string data; expected numbers/,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

async function readOnly(
  args: string[],
  file: string,
): Promise<Record<string, unknown>> {
  const script = new URL("./support/read_summary.ts", import.meta.url).pathname;
  const config = new URL("../../deno.json", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", `--config=${config}`, ...args, script, file],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, stderr);
  assertEquals(
    stderr.replace(/.*Permissions in the config file.*\n/g, "").trim(),
    "",
    "nothing on stderr",
  );
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test("the reader needs no write permission (plain flags and -P=plot)", async () => {
  const dir = tempDir();
  try {
    const run = makeRun(2);
    const path = await writeScanFile(`${dir}/ro.h5`, run);
    const expected = {
      status: "completed",
      scans: 2,
      sigma: run.scans[0].fits.PDB.sigma,
    };
    assertEquals(
      await readOnly(["--allow-read", "--allow-env", "--allow-sys"], path),
      expected,
    );
    assertEquals(await readOnly(["-P=plot"], path), expected);
    const bytes = Deno.readFileSync(path);
    bytes.fill(0xff, 200, 1200);
    Deno.writeFileSync(`${dir}/broken.h5`, bytes);
    const broken = await readOnly([
      "--allow-read",
      "--allow-env",
      "--allow-sys",
    ], `${dir}/broken.h5`);
    assertMatch(String(broken.error), /^ScanFileError: .*broken\.h5: /);
    assert(
      !/write access|tmpfile/.test(String(broken.error)),
      String(broken.error),
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
