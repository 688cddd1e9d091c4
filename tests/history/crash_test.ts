/**
 * A crash between file close and catalog write, and a corrupt catalog: a
 * child killed with SIGKILL while it writes the catalog loses nothing it
 * committed, and a catalog that is garbage, truncated, foreign or of another
 * schema is reported in one line and rebuilt from the files.
 */
import { DatabaseSync } from "node:sqlite";
import { ScanCatalog } from "../../lib/history/mod.ts";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import {
  assertCatalogued,
  removeCatalog,
  tempDir,
  writeFiles,
} from "./support.ts";

/** Lines of a child's stdout as they arrive. */
async function* lines(stream: Deno.ChildProcess["stdout"]) {
  let buffer = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let i;
    while ((i = buffer.indexOf("\n")) >= 0) {
      yield buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
    }
  }
}

async function killWhileAdding(dir: string, after: number): Promise<string[]> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-P=test",
      new URL("./support/add_files.ts", import.meta.url).pathname,
      dir,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const added: string[] = [];
  for await (const line of lines(child.stdout)) {
    if (line.startsWith("added ")) added.push(line.slice(6));
    if (added.length >= after || line === "looping") break;
  }
  child.kill("SIGKILL");
  const status = await child.status;
  assertEquals(status.signal, "SIGKILL");
  return added;
}

Deno.test("SIGKILL while the catalog is written: every committed file is there, rebuild completes it", async () => {
  const dir = tempDir();
  try {
    const paths = await writeFiles(dir, 12);
    // killed while adding file 6 (first pass) and during the forced re-adds
    for (const after of [5, paths.length]) {
      const added = await killWhileAdding(dir, after);
      assert(added.length >= after, `${added.length} added`);
      const catalog = ScanCatalog.open(dir);
      try {
        assertEquals(catalog.problem, undefined);
        for (const p of added) await assertCatalogued(catalog.entry(p), p);
        const summary = await catalog.rebuild(dir);
        assertEquals(summary.skipped, []);
        assertEquals(catalog.count(), paths.length);
        for (const p of paths) await assertCatalogued(catalog.entry(p), p);
      } finally {
        catalog.close();
      }
      removeCatalog(`${dir}/fws_catalog.sqlite`);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

/** Builds a sound catalog of `dir`, closes it, and returns its path. */
async function soundCatalog(dir: string): Promise<string> {
  const catalog = ScanCatalog.open(dir);
  await catalog.rebuild(dir);
  catalog.close();
  return catalog.path;
}

const damages: [string, (path: string) => void, RegExp][] = [
  [
    "garbage bytes",
    (p) => Deno.writeFileSync(p, crypto.getRandomValues(new Uint8Array(8192))),
    /is not an SQLite database/,
  ],
  [
    "an empty file",
    (p) => Deno.writeFileSync(p, new Uint8Array(0)),
    /is empty/,
  ],
  [
    "a truncated file",
    (p) => {
      const db = new DatabaseSync(p); // fold the WAL into the file first
      db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      db.close();
      const bytes = Deno.readFileSync(p);
      Deno.writeFileSync(p, bytes.subarray(0, Math.floor(bytes.length / 2)));
    },
    /fails PRAGMA quick_check|cannot be read/,
  ],
  [
    "a page overwritten in the middle",
    (p) => {
      const db = new DatabaseSync(p);
      db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      db.close();
      const bytes = Deno.readFileSync(p);
      bytes.fill(0xa5, 4096, 8192);
      Deno.writeFileSync(p, bytes);
    },
    /fails PRAGMA quick_check|cannot be read/,
  ],
  [
    "another application's SQLite database",
    (p) => {
      removeCatalog(p);
      const db = new DatabaseSync(p);
      db.exec("CREATE TABLE notes (t TEXT)");
      db.close();
    },
    /another application/,
  ],
  [
    "another schema version",
    (p) => {
      const db = new DatabaseSync(p);
      db.exec("PRAGMA user_version = 99");
      db.close();
    },
    /schema version 99; expected 1/,
  ],
];

for (const [what, damage, message] of damages) {
  Deno.test(`a catalog with ${what} is reported in one line, moved aside and rebuilt from the files`, async () => {
    const dir = tempDir();
    try {
      const paths = await writeFiles(dir, 3);
      const path = await soundCatalog(dir);
      damage(path);
      const catalog = ScanCatalog.open(dir);
      try {
        assert(catalog.problem, "the damage was not noticed");
        assertMatch(catalog.problem, message);
        assertMatch(
          catalog.problem,
          /not trusted; moved to .*\.bad and rebuilt/,
        );
        assertEquals(catalog.problem.includes("\n"), false);
        assertEquals(catalog.count(), 0);
        await catalog.rebuild(dir);
        for (const p of paths) await assertCatalogued(catalog.entry(p), p);
        Deno.statSync(`${path}.bad`);
      } finally {
        catalog.close();
      }
      const again = ScanCatalog.open(dir);
      assertEquals(again.problem, undefined);
      assertEquals(again.count(), 3);
      again.close();
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });
}
