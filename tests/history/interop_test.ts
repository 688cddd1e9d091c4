/** Files of other writers (h5py, in the documented layout) in the catalog. */
import { ScanCatalog } from "../../lib/history/mod.ts";
import { assertEquals } from "../support/assert.ts";
import { missingReference, SYSTEM_PYTHON } from "../support/refs.ts";
import { assertCatalogued, tempDir, writeFiles } from "./support.ts";

const H5PY_WRITE =
  new URL("../hdf5/support/h5py_write.py", import.meta.url).pathname;

Deno.test({
  name:
    "rebuild catalogues an h5py-written file beside fws files, every field as the reader returns it",
  ignore: missingReference("h5py"),
  async fn() {
    const dir = tempDir();
    try {
      const ours = await writeFiles(dir, 2);
      const theirs = `${dir}/h5py_scan.h5`;
      const out = await new Deno.Command(SYSTEM_PYTHON, {
        args: [H5PY_WRITE, theirs],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
      const catalog = ScanCatalog.open(dir);
      try {
        const summary = await catalog.rebuild(dir);
        assertEquals(summary.skipped, []);
        assertEquals(summary.indexed, 3);
        for (const p of [...ours, theirs]) {
          await assertCatalogued(catalog.entry(p), p);
        }
        const entry = catalog.entry(theirs)!;
        assertEquals(entry.scannerIndex, 7);
        assertEquals(entry.user, "h5py user");
        assertEquals(entry.scans.length, 2);
        assertEquals(entry.scans[0].fits.PDB.message, "fitted elsewhere");
        assertEquals(catalog.list({ scanner: 7 }).map((s) => s.path), [theirs]);
        assertEquals(
          catalog.trend({ channel: "PDB", scanner: 7 }).map((p) => p.center),
          [0.5],
        );
      } finally {
        catalog.close();
      }
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
