/**
 * The catalog against the files: every field equal to what the reader
 * returns (single wire and fork), staleness, rebuild, the list's filters and
 * the trend.
 */
import { readScanFile, writeScanFile } from "../../lib/hdf5/mod.ts";
import { CATALOG_FILE, ScanCatalog } from "../../lib/history/mod.ts";
import { FIT_FIELDS } from "../../lib/analysis/fit_fields.ts";
import { assert, assertEquals, assertRejects } from "../support/assert.ts";
import { makeForkRun, makeRun } from "../hdf5/fixtures.ts";
import { assertCatalogued, tempDir, writeFiles } from "./support.ts";

Deno.test("a file's catalog entry equals what readScanFile returns, field by field", async () => {
  const dir = tempDir();
  try {
    const run = makeRun(3);
    run.scans[1].fits.PDB = {
      ...run.scans[1].fits.PDB,
      ok: false,
      center: NaN,
    };
    run.status = "aborted";
    run.message = "aborted by the operator";
    const path = await writeScanFile(`${dir}/fws03_a.h5`, run);
    const catalog = ScanCatalog.open(dir);
    try {
      assertEquals(catalog.path, `${dir}/${CATALOG_FILE}`);
      assertEquals(catalog.problem, undefined);
      assertEquals(await catalog.addFile(path), "added");
      await assertCatalogued(catalog.entry(path), path);
      // every registry field is a column: a value comes back as the file has it
      const back = catalog.entry(path)!.scans[0].fits.PDT;
      const file = (await readScanFile(path)).scans[0].fits.PDT;
      for (const f of FIT_FIELDS) assertEquals(back[f.key], file[f.key], f.key);
    } finally {
      catalog.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a fork's per-wire fits and beam shapes are catalogued as the reader returns them", async () => {
  const dir = tempDir();
  try {
    const path = await writeScanFile(`${dir}/fork.h5`, makeForkRun());
    const catalog = ScanCatalog.open(dir);
    try {
      await catalog.addFile(path);
      const entry = catalog.entry(path);
      await assertCatalogued(entry, path);
      assertEquals(entry!.wires!.map((w) => w.name), ["X", "U", "Y"]);
      const x = catalog.trend({ channel: "PDB", wire: "X" });
      assertEquals(x.length, 1);
      const file = (await readScanFile(path)).scans[0].wireFits!.PDB[0];
      assertEquals(x[0].sigma, file.fit.sigma);
      assertEquals(x[0].sigmaBeam, file.sigmaBeam);
    } finally {
      catalog.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("addFile reads a file again only when its mtime or size changed; an unreadable file is refused", async () => {
  const dir = tempDir();
  try {
    const [path] = await writeFiles(dir, 1);
    const catalog = ScanCatalog.open(dir);
    try {
      assertEquals(await catalog.addFile(path), "added");
      assertEquals(await catalog.addFile(path), "unchanged");
      assertEquals(await catalog.addFile(path, { force: true }), "updated");
      const run = makeRun(2);
      run.user = "carol";
      await writeScanFile(path, run, { overwrite: true });
      assertEquals(await catalog.addFile(path), "updated");
      await assertCatalogued(catalog.entry(path), path);
      assertEquals(catalog.count(), 1);
      Deno.writeTextFileSync(`${dir}/bad.h5`, "not hdf5");
      await assertRejects(() => catalog.addFile(`${dir}/bad.h5`), /bad\.h5/);
      assertEquals(catalog.count(), 1);
    } finally {
      catalog.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("rebuild indexes new files, skips unreadable ones with the reason and forgets files gone", async () => {
  const dir = tempDir();
  try {
    const paths = await writeFiles(dir, 4);
    Deno.writeTextFileSync(`${dir}/junk.h5`, "junk");
    Deno.writeTextFileSync(`${dir}/w.h5.partial`, "being written");
    const catalog = ScanCatalog.open(dir);
    try {
      const first = await catalog.rebuild(dir);
      assertEquals(first.indexed, 4);
      assertEquals(first.skipped.length, 1);
      assertEquals(first.skipped[0].path, `${dir}/junk.h5`);
      assert(/HDF5/.test(first.skipped[0].reason), first.skipped[0].reason);
      for (const p of paths) await assertCatalogued(catalog.entry(p), p);
      Deno.removeSync(paths[0]);
      const again = await catalog.rebuild(dir);
      assertEquals(
        {
          indexed: again.indexed,
          unchanged: again.unchanged,
          removed: again.removed,
        },
        { indexed: 0, unchanged: 3, removed: 1 },
      );
      assertEquals(catalog.count(), 3);
    } finally {
      catalog.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("list: newest first, filtered by time, scanner, user, comment and status", async () => {
  const dir = tempDir();
  try {
    const paths = await writeFiles(dir, 6);
    const other = makeRun(1);
    other.scannerIndex = 4;
    other.status = "error";
    other.startTime = "2027-03-01T00:00:00.000Z";
    const otherPath = await writeScanFile(`${dir}/fws04_x.h5`, other);
    const catalog = ScanCatalog.open(dir);
    try {
      await catalog.rebuild(dir);
      const names = (f = {}) => catalog.list(f).map((s) => s.path);
      assertEquals(names(), [otherPath, ...[...paths].reverse()]);
      assertEquals(names({ scanner: 3 }), [...paths].reverse());
      assertEquals(names({ user: "bob" }), [paths[5], paths[3], paths[1]]);
      assertEquals(names({ comment: "SHIFT 2" }), [paths[2]]);
      assertEquals(names({ status: "error" }), [otherPath]);
      assertEquals(
        names({
          from: new Date("2027-01-15T11:00:00Z"),
          to: new Date("2027-01-15T13:00:00Z"),
        }),
        [paths[2], paths[1]],
      );
      assertEquals(names({ limit: 2, offset: 1 }), [paths[5], paths[4]]);
      assertEquals(catalog.list({ limit: 1 })[0].repetitions, 1);
    } finally {
      catalog.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("trend: centre and σ of a channel per repetition over a time range, oldest first", async () => {
  const dir = tempDir();
  try {
    const paths = await writeFiles(dir, 3, { scans: 2 });
    const catalog = ScanCatalog.open(dir);
    try {
      await catalog.rebuild(dir);
      const all = catalog.trend({ channel: "PDB" });
      assertEquals(all.length, 6);
      assertEquals(all.map((p) => [p.path, p.scanIndex]), [
        [paths[0], 1],
        [paths[0], 2],
        [paths[1], 1],
        [paths[1], 2],
        [paths[2], 1],
        [paths[2], 2],
      ]);
      const run = await readScanFile(paths[1]);
      assertEquals(all[3].sigma, run.scans[1].fits.PDB.sigma);
      assertEquals(all[3].centerErr, run.scans[1].fits.PDB.centerErr);
      assertEquals(all[3].timeMs, Date.parse(run.scans[1].startTime));
      const some = catalog.trend({
        channel: "PDB",
        from: new Date(all[2].timeMs),
        to: new Date(all[4].timeMs),
        scanner: 3,
      });
      assertEquals(some.map((p) => p.path), [paths[1], paths[1]]);
      assertEquals(catalog.trend({ channel: "NOPE" }), []);
    } finally {
      catalog.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("rebuild with reading Workers gives the same catalog, unreadable files skipped with the reason", async () => {
  const dir = tempDir();
  try {
    const paths = await writeFiles(dir, 6, { scans: 2 });
    paths.push(await writeScanFile(`${dir}/fork.h5`, makeForkRun()));
    Deno.writeTextFileSync(`${dir}/junk.h5`, "junk");
    const catalog = ScanCatalog.open(dir);
    try {
      const summary = await catalog.rebuild(dir, { workers: 2 });
      assertEquals(summary.indexed, 7);
      assertEquals(summary.skipped.map((s) => s.path), [`${dir}/junk.h5`]);
      assert(/HDF5/.test(summary.skipped[0].reason), summary.skipped[0].reason);
      for (const p of paths) await assertCatalogued(catalog.entry(p), p);
    } finally {
      catalog.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
