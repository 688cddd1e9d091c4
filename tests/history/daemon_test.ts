/**
 * The daemon keeps the catalog: each file it closes is in the data
 * directory's catalog as the reader returns it, a catalog found damaged is
 * rebuilt with the files before it, and a catalog that cannot be written
 * never fails the request or the file.
 */
import { readScanFile } from "../../lib/hdf5/mod.ts";
import { CATALOG_FILE, ScanCatalog } from "../../lib/history/mod.ts";
import { assert, assertEquals } from "../support/assert.ts";
import { makeRig } from "../daemon/rig.ts";
import { assertCatalogued, removeCatalog, writeFiles } from "./support.ts";

const QUICK = {
  mode: 0,
  startPos: -3,
  endPos: 3,
  nSteps: 7,
  nScans: 2,
  settle: 0,
};

Deno.test("daemon: every closed file is added to the catalog of the data directory", async () => {
  const rig = await makeRig();
  try {
    // a file of before the catalog, and a damaged catalog the daemon finds
    const [old] = await writeFiles(rig.dataDir, 1);
    Deno.writeTextFileSync(`${rig.dataDir}/${CATALOG_FILE}`, "garbage");
    const files: string[] = [];
    for (const comment of ["first", "second"]) {
      const outcome = await rig.request({ ...QUICK, user: "op", comment });
      assertEquals(outcome.status, "completed", outcome.message);
      files.push(outcome.file);
    }
    const catalog = ScanCatalog.open(rig.dataDir);
    try {
      assertEquals(catalog.problem, undefined);
      assertEquals(catalog.count(), 3);
      for (const p of [old, ...files]) {
        await assertCatalogued(catalog.entry(p), p);
      }
      assertEquals(
        catalog.list({ scanner: 7 }).map((s) => [s.path, s.comment]),
        [[files[1], "second"], [files[0], "first"]],
      );
      const run = await readScanFile(files[1]);
      const points = catalog.trend({ channel: "PDB", scanner: 7 });
      assertEquals(points.length, 4);
      assertEquals(points[3].sigma, run.scans[1].fits.PDB.sigma);
    } finally {
      catalog.close();
    }
  } finally {
    await rig.close();
  }
});

Deno.test("daemon: a catalog that cannot be written is logged; the request and its file are untouched", async () => {
  const rig = await makeRig();
  try {
    const first = await rig.request(QUICK);
    assertEquals(first.status, "completed", first.message);
    // the catalog's place taken by a directory: no database opens there
    const path = `${rig.dataDir}/${CATALOG_FILE}`;
    removeCatalog(path);
    Deno.mkdirSync(path);
    const second = await rig.request(QUICK);
    assertEquals(second.status, "completed", second.message);
    assert(!/catalog/.test(second.message), second.message);
    assertEquals(await rig.state(), "DONE");
    assert((await readScanFile(second.file)).scans.length === 2);
  } finally {
    await rig.close();
  }
});
