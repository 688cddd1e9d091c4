/**
 * Opening a catalog file without trusting it: a file that is not SQLite, is
 * empty or truncated, fails `PRAGMA quick_check`, or has another application
 * id, schema version or tables is moved aside (`<file>.bad`) and replaced by
 * an empty catalog, with one line saying why.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import {
  APPLICATION_ID,
  SCHEMA_SQL,
  SCHEMA_VERSION,
  TABLES,
} from "./schema.ts";

/** What an SQLite file starts with. */
const SQLITE_MAGIC = "SQLite format 3\0";

/** An open catalog database, and why an older file was not trusted. */
export interface OpenedDatabase {
  db: DatabaseSync;
  /** One line when the file found was not trusted and replaced; else undefined. */
  problem?: string;
}

function header(path: string): string | undefined {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  try {
    const bytes = new Uint8Array(16);
    let n = 0;
    while (n < 16) {
      const got = file.readSync(bytes.subarray(n));
      if (got === null || got === 0) break;
      n += got;
    }
    return new TextDecoder("latin1").decode(bytes.subarray(0, n));
  } finally {
    file.close();
  }
}

function configure(db: DatabaseSync): void {
  // WAL: a commit is one append to <file>-wal; a crash loses at most the
  // transaction under way, never one committed (synchronous=NORMAL is
  // durable against a crashed process; after a power cut the last commits
  // may be missing, which a rebuild restores)
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  db.exec("PRAGMA busy_timeout = 5000");
}

/** Why the database at `db` is not a catalog of this schema, or undefined. */
function schemaProblem(db: DatabaseSync): string | undefined {
  const check = db.prepare("PRAGMA quick_check").all()
    .map((r) => String(Object.values(r)[0]));
  if (check.join() !== "ok") {
    return `fails PRAGMA quick_check (${check.slice(0, 2).join("; ")})`;
  }
  const app = Number(
    Object.values(db.prepare("PRAGMA application_id").get() ?? {})[0],
  );
  const version = Number(
    Object.values(db.prepare("PRAGMA user_version").get() ?? {})[0],
  );
  if (app !== APPLICATION_ID) {
    return `is an SQLite database of another application (application_id ${app}); expected an fws catalog (${APPLICATION_ID})`;
  }
  if (version !== SCHEMA_VERSION) {
    return `has catalog schema version ${version}; expected ${SCHEMA_VERSION}`;
  }
  const tables = new Set(
    db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all()
      .map((r) => String(r.name)),
  );
  const missing = TABLES.filter((t) => !tables.has(t));
  if (missing.length > 0) {
    return `lacks the table${missing.length > 1 ? "s" : ""} ${
      missing.join(", ")
    }; expected the schema version ${SCHEMA_VERSION}`;
  }
  return undefined;
}

function tryOpen(
  path: string,
  verify: boolean,
): { db?: DatabaseSync; problem?: string } {
  const head = header(path);
  if (head === undefined) return {}; // no file yet
  if (head.length === 0) return { problem: "is empty" };
  if (head !== SQLITE_MAGIC) {
    return { problem: "is not an SQLite database (no SQLite header)" };
  }
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path);
    configure(db);
    const problem = verify ? schemaProblem(db) : undefined;
    if (!problem) return { db };
    db.close();
    return { problem };
  } catch (error) {
    try {
      db?.close();
    } catch {
      // already unusable
    }
    const why = error instanceof Error ? error.message : String(error);
    return { problem: `cannot be read (${why.split("\n")[0]})` };
  }
}

function removeIfThere(path: string): void {
  try {
    Deno.removeSync(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * Opens the catalog at `path` for reading only (`fws history`): SQLite
 * refuses every write on this connection. A missing or unsound catalog is
 * an error naming the file and saying how to build it.
 */
export function openReadOnly(path: string): DatabaseSync {
  const head = header(path);
  const problem = head === undefined
    ? "does not exist"
    : head !== SQLITE_MAGIC
    ? "is not an SQLite database"
    : undefined;
  if (problem) {
    throw new Error(
      `catalog ${path} ${problem}; expected an fws catalog: build it with \`fws index <dir>\``,
    );
  }
  const db = new DatabaseSync(path, { readOnly: true });
  db.exec("PRAGMA busy_timeout = 5000");
  const bad = schemaProblem(db);
  if (bad) {
    db.close();
    throw new Error(
      `catalog ${path} ${bad}; rebuild it with \`fws index <dir>\``,
    );
  }
  return db;
}

/**
 * Opens the catalog at `path`, creating it when absent; a file that is not a
 * sound catalog of this schema is moved to `<path>.bad` and a new empty one
 * created, with `problem` saying why in one line. `verify: false` skips
 * the checks of a file this process verified before (the header is still
 * checked).
 */
export function openDatabase(path: string, verify = true): OpenedDatabase {
  const found = tryOpen(path, verify);
  if (found.db) return { db: found.db };
  let problem: string | undefined;
  if (found.problem) {
    problem =
      `catalog ${path} ${found.problem}: not trusted; moved to ${path}.bad and rebuilt from the scan files`;
    Deno.renameSync(path, `${path}.bad`);
    removeIfThere(`${path}-wal`);
    removeIfThere(`${path}-shm`);
  }
  const db = new DatabaseSync(path);
  configure(db);
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec(SCHEMA_SQL);
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    db.close();
    throw error;
  }
  return { db, problem };
}
