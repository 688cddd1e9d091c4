/**
 * `fws history <dir>` as the binary runs it (the `fws` permission set,
 * restricted to its profile): start-up brings the catalog up to date and
 * serves; `--latest N` opens scanner N's newest scan; bad arguments and a
 * directory it may not write are said in one line each.
 */
import { ScanCatalog } from "../../lib/history/mod.ts";
import { runCommand } from "../ship/support.ts";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { ensureBundle, startPlotProcess } from "../plot/support.ts";
import { tempDir, writeFiles } from "./support.ts";

/** Adds the file `fws03_0004.h5` of {@link writeFiles}' fifth hour to `dir`. */
async function addFifth(dir: string): Promise<void> {
  const other = tempDir();
  try {
    await writeFiles(other, 5);
    await Deno.copyFile(`${other}/fws03_0004.h5`, `${dir}/fws03_0004.h5`);
  } finally {
    Deno.removeSync(other, { recursive: true });
  }
}

function fwsHistory(args: string[]) {
  return runCommand(Deno.execPath(), [
    "run",
    "--no-prompt",
    "-P=fws",
    "main.ts",
    "history",
    ...args,
  ]);
}

Deno.test("fws history indexes new files at start-up, serves the list, and --latest opens the newest scan", async () => {
  await ensureBundle();
  const dir = tempDir();
  try {
    await writeFiles(dir, 4);
    const p = await startPlotProcess([dir, "--no-open"], {
      command: "history",
      set: "fws",
    });
    try {
      assertMatch(
        p.output(),
        /fws history: 4 files indexed \(4 read, 0 up to date\), 0 skipped → .*fws_catalog\.sqlite\n/,
      );
      assertMatch(
        p.output(),
        /serving .* at http:\/\/127\.0\.0\.1:\d+\/history\n/,
      );
      const html = await (await fetch(`${p.url}history`)).text();
      assertEquals(html.match(/<tr data-file=/g)?.length, 4);
    } finally {
      assertEquals(await p.stop(), 0);
    }
    // one more file since: the next start reads only it
    await addFifth(dir);
    const latest = await startPlotProcess(["--latest", "3", dir, "--no-open"], {
      command: "history",
      set: "fws",
    });
    try {
      assertMatch(latest.output(), /\(1 read, 4 up to date\)/);
      const url = /serving .* at (\S+)\n/.exec(latest.output())![1];
      assert(url.endsWith("/history/latest/3"), url);
      const page = await fetch(url);
      assertEquals(page.status, 200);
      assert(page.url.endsWith("/history/file/fws03_0004.h5/"), page.url);
      assertMatch(await page.text(), /fws03_0004\.h5/);
    } finally {
      assertEquals(await latest.stop(), 0);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("fws history says what is wrong in one line: no such scanner, not a directory", async () => {
  const dir = tempDir();
  try {
    await writeFiles(dir, 2);
    const none = await fwsHistory([dir, "--latest", "9", "--no-open"]);
    assertEquals(none.code, 1);
    assertMatch(
      none.stderr,
      /fws history: --latest 9: no scan of scanner 9 in .*; the catalog has scanner 3\n/,
    );
    const file = `${dir}/fws03_0000.h5`;
    const notDir = await fwsHistory([file, "--no-open"]);
    assertEquals(notDir.code, 1);
    assertMatch(
      notDir.stderr,
      /is not a directory; expected the data directory/,
    );
    const bad = await fwsHistory([dir, "--latest", "x"]);
    assertEquals(bad.code, 2);
    assertMatch(bad.stderr, /--latest/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("fws history without write permission shows the catalog as it is, with a warning", async () => {
  await ensureBundle();
  const dir = tempDir();
  try {
    await writeFiles(dir, 4);
    const catalog = ScanCatalog.open(dir);
    await catalog.rebuild(dir, { workers: 0 });
    catalog.close();
    await addFifth(dir); // not catalogued
    // the plot permission set has no write
    const p = await startPlotProcess([dir, "--no-open"], {
      command: "history",
      set: "plot",
    });
    try {
      assertMatch(
        p.output(),
        /fws history: warning: the catalog could not be brought up to date \(.*\); showing it as it is/,
      );
      const html = await (await fetch(`${p.url}history`)).text();
      assertEquals(html.match(/<tr data-file=/g)?.length, 4);
    } finally {
      assertEquals(await p.stop(), 0);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
