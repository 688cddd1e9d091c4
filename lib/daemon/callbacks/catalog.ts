/**
 * `CatalogCallback`: keeps the data directory's scan catalog
 * (lib/history) up to date. On `fileClosed` it adds the file to
 * `<dataDir>/fws_catalog.sqlite`, in one transaction — from what the writer
 * says it wrote (`fileClosed.written`) when it has it, else by reading the
 * file — and closes the
 * catalog again (the daemon holds no database open between requests). The
 * first time in a process the catalog is checked; one that cannot be
 * trusted is reported and rebuilt from the files then. The catalog is a
 * cache: a failure is logged as a warning (`fws index <dir>` repairs it)
 * and never fails the request or the file.
 *
 * @module
 */
import type { ScanCallback, ScanEvent } from "../../scan/events.ts";
import { resolve } from "node:path";
import { CATALOG_FILE, ScanCatalog } from "../../history/mod.ts";
import type { ScanRun } from "../../scan/model.ts";
import { log } from "../../log.ts";

/** Catalog files checked by this process (quick_check once, not per file). */
const verified = new Set<string>();

/** Adds each closed scan file to the catalog of the data directory. */
export class CatalogCallback implements ScanCallback {
  readonly name = "catalog";
  readonly #dataDir: string;
  readonly #log = log("daemon", "catalog");

  /** @param dataDir directory of the scan files and of the catalog */
  constructor(dataDir: string) {
    this.#dataDir = dataDir;
  }

  /** Adds the file of `fileClosed`; never throws. */
  async handle(event: ScanEvent): Promise<void> {
    if (event.type !== "fileClosed" || !event.path) return;
    let catalog: ScanCatalog | undefined;
    try {
      catalog = await this.#open();
      // the writer's own account of the file, when it has it: not read back
      await catalog.addFile(event.path, {
        written: event.written as ScanRun | undefined,
      });
      this.#log.debug("catalogued {path}", { path: event.path });
    } catch (error) {
      if (catalog) verified.delete(catalog.path);
      this.#log.warning(
        "catalog: could not add {path} ({why}); the file is safe, `fws index {dir}` rebuilds the catalog",
        {
          path: event.path,
          why: error instanceof Error ? error.message.split("\n")[0] : error,
          dir: this.#dataDir,
        },
      );
    } finally {
      try {
        catalog?.close();
      } catch {
        // closing a cache cannot lose a file
      }
    }
  }

  async #open(): Promise<ScanCatalog> {
    const path = resolve(this.#dataDir, CATALOG_FILE);
    const catalog = ScanCatalog.open(this.#dataDir, {
      verify: !verified.has(path),
    });
    verified.add(catalog.path);
    if (catalog.problem) {
      this.#log.warning("{problem}", { problem: catalog.problem });
      const s = await catalog.rebuild(this.#dataDir);
      this.#log.info(
        "catalog rebuilt: {indexed} files indexed, {skipped} skipped",
        { indexed: s.indexed + s.unchanged, skipped: s.skipped.length },
      );
    }
    return catalog;
  }
}
