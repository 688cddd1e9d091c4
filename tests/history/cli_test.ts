/**
 * `fws index <dir>` as the binary runs it (the `fws` permission set,
 * restricted to its profile): files written before the catalog existed, a
 * file it cannot read, a second run, a damaged catalog, bad arguments.
 */
import { ScanCatalog } from "../../lib/history/mod.ts";
import { runCommand } from "../ship/support.ts";
import { assertEquals, assertMatch } from "../support/assert.ts";
import { assertCatalogued, tempDir, writeFiles } from "./support.ts";

function fwsIndex(args: string[]) {
  return runCommand(Deno.execPath(), [
    "run",
    "--no-prompt",
    "-P=fws",
    "main.ts",
    "index",
    ...args,
  ]);
}

Deno.test("fws index builds the catalog of a directory and prints one summary line", async () => {
  const dir = tempDir();
  try {
    const paths = await writeFiles(dir, 5);
    Deno.writeTextFileSync(`${dir}/notes.h5`, "not a scan file");
    const first = await fwsIndex([dir]);
    assertEquals(first.code, 0, first.stderr);
    const lines = first.stdout.trim().split("\n");
    assertEquals(lines.length, 1, first.stdout);
    assertMatch(
      lines[0],
      /^fws index: 5 files indexed \(5 read, 0 up to date\), 1 skipped \(notes\.h5: is not an HDF5 file.*\) → .*fws_catalog\.sqlite$/,
    );
    const catalog = ScanCatalog.open(dir);
    try {
      assertEquals(catalog.count(), 5);
      for (const p of paths) await assertCatalogued(catalog.entry(p), p);
    } finally {
      catalog.close();
    }
    Deno.removeSync(paths[4]);
    const second = await fwsIndex([dir]);
    assertMatch(
      second.stdout,
      /4 files indexed \(0 read, 4 up to date\), 1 skipped .*, 1 gone, removed/,
    );
    Deno.writeTextFileSync(`${dir}/fws_catalog.sqlite`, "garbage");
    const third = await fwsIndex([dir]);
    assertEquals(third.code, 0, third.stderr);
    assertMatch(
      third.stderr,
      /fws index: catalog .*fws_catalog\.sqlite is not an SQLite database .*: not trusted; moved to .*\.bad and rebuilt from the scan files/,
    );
    assertMatch(third.stdout, /4 files indexed \(4 read, 0 up to date\)/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("fws index: a missing directory or no argument is one clear line", async () => {
  const missing = await fwsIndex(["/nonexistent/fws-data"]);
  assertEquals(missing.code, 1);
  assertMatch(
    missing.stderr,
    /fws index: cannot read the directory '\/nonexistent\/fws-data' .*; expected the data directory/,
  );
  const none = await fwsIndex([]);
  assertEquals(none.code, 2);
  assertMatch(none.stderr, /fws index: .*dir/);
});
