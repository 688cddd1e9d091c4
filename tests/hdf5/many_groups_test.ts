/**
 * An absurd but valid file: 100,000 empty `scan_*` groups, written by h5py.
 * The reader reads the first MAX_SCAN_GROUPS in repetition order and says
 * how many more there are, instead of opening every group (minutes);
 * `fws inspect` shows the summary. (Its time is in the session note, not
 * asserted here.)
 */
import { MAX_SCAN_GROUPS, readScanFile } from "../../lib/hdf5/mod.ts";
import { formatReport, inspectReport } from "../../lib/hdf5/inspect.ts";
import { assertEquals, assertMatch } from "../support/assert.ts";
import { missingReference, SYSTEM_PYTHON } from "../support/refs.ts";

Deno.test({
  name:
    "a file of 100,000 scan groups is read up to MAX_SCAN_GROUPS, and says so",
  ignore: missingReference("h5py"),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "fws-many-" });
    try {
      const path = `${dir}/many.h5`;
      const out = await new Deno.Command(SYSTEM_PYTHON, {
        args: [
          "-c",
          `import h5py, sys
with h5py.File(sys.argv[1], "w") as f:
    f.attrs["file_format"] = "fws-scan/1"
    # out of order on purpose: the reader sorts by repetition
    for i in range(100000, 0, -1):
        f.create_group("scan_%03d" % i)`,
          path,
        ],
        stderr: "piped",
      }).output();
      assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
      const run = await readScanFile(path);
      assertEquals(MAX_SCAN_GROUPS, 1000);
      assertEquals(run.scans.length, MAX_SCAN_GROUPS);
      assertEquals(run.scans[0].name, "scan_001");
      assertEquals(run.scans.at(-1)!.index, MAX_SCAN_GROUPS);
      assertEquals(
        run.message,
        "this file holds 100,000 scan groups, more than any request writes: the first 1,000 were read, 99,000 more were not",
      );
      assertMatch(
        formatReport(inspectReport(path, run)),
        /status +completed — this file holds 100,000 scan groups/,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
