/**
 * The scan history: a catalog of the scan files of a data directory in an
 * embedded SQLite database (`fws_catalog.sqlite`, node:sqlite). The files
 * are the truth and the catalog a cache: it is kept by the daemon on each
 * closed file, rebuilt by `fws index <dir>`, and replaced (reported in one
 * line) when it cannot be trusted.
 *
 * @example
 * ```ts
 * import { ScanCatalog } from "./lib/history/mod.ts";
 * const catalog = ScanCatalog.open("/var/lib/fws/fws-01");
 * await catalog.addFile("/var/lib/fws/fws-01/fws01_20270115_100000.h5");
 * const latest = catalog.list({ scanner: 1, limit: 1 })[0];
 * const sigma = catalog.trend({ channel: "PDB", from: new Date("2027-01-01") });
 * catalog.close();
 * ```
 *
 * @module
 */
export {
  type AddOptions,
  type AddOutcome,
  type OpenOptions,
  type RebuildOptions,
  type RebuildSummary,
  ScanCatalog,
} from "./catalog.ts";
export type {
  CatalogEntry,
  ScanFilter,
  ScanSummary,
  TrendPoint,
  TrendQuery,
} from "./queries.ts";
export { APPLICATION_ID, CATALOG_FILE, SCHEMA_VERSION } from "./schema.ts";
export { formatRebuild, indexMain } from "./cli.ts";
export {
  describeReference,
  type Drift,
  driftOf,
  markReference,
  readReference,
  REFERENCE_FILE,
  type ReferenceMark,
  type ReferenceValues,
  referenceValues,
} from "./reference.ts";
