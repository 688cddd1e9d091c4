/**
 * The catalog's tables, derived from the registries: the fit columns from
 * `FIT_FIELDS` (lib/analysis/fit_fields.ts), the beam-shape columns from
 * `BEAM_SHAPE_FIELDS`, so a field added there is catalogued without an edit
 * here. Bump {@link SCHEMA_VERSION} when a table changes: a catalog of
 * another version is rebuilt from the files.
 *
 * @module
 */
import { BEAM_SHAPE_FIELDS, FIT_FIELDS } from "../analysis/fit_fields.ts";

/** `PRAGMA application_id` of an fws catalog ("FWSC"). */
export const APPLICATION_ID = 0x46575343;

/** `PRAGMA user_version`: the schema of this code. */
export const SCHEMA_VERSION = 1;

/** File name of the catalog in a data directory. */
export const CATALOG_FILE = "fws_catalog.sqlite";

/** A fit column: the registry key and the SQL column (the HDF5 name). */
export interface Column {
  key: string;
  column: string;
  integer: boolean;
}

/** The fit columns, one per registry field. */
export const FIT_COLUMNS: readonly Column[] = FIT_FIELDS.map((f) => ({
  key: f.key,
  column: f.hdf5,
  integer: f.integer,
}));

/** The beam-shape columns: each value and its error. */
export const SHAPE_COLUMNS: readonly Column[] = BEAM_SHAPE_FIELDS.flatMap((
  f,
) => [
  { key: f.key, column: f.hdf5, integer: false },
  { key: `${f.key}Err`, column: `${f.hdf5}_err`, integer: false },
]);

function columns(list: readonly Column[]): string {
  return list.map((c) => `${c.column} ${c.integer ? "INTEGER" : "REAL"}`)
    .join(",\n  ");
}

/** The fit values every fit table (channel, wire) holds. */
const FIT_RESULT = `ok INTEGER NOT NULL,
  message TEXT NOT NULL,
  weighting TEXT NOT NULL,
  points TEXT NOT NULL,
  ${columns(FIT_COLUMNS)}`;

/** The statements that create an empty catalog. */
export const SCHEMA_SQL = `
CREATE TABLE files (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  mtime_ms REAL NOT NULL,
  size INTEGER NOT NULL,
  file_format TEXT NOT NULL,
  scanner_index INTEGER NOT NULL,
  test_mode INTEGER NOT NULL,
  start_time TEXT NOT NULL,
  end_time TEXT NOT NULL,
  start_ms REAL,
  user TEXT NOT NULL,
  comment TEXT NOT NULL,
  status TEXT NOT NULL,
  message TEXT NOT NULL,
  scan_args TEXT NOT NULL,
  source_program TEXT NOT NULL,
  source_version TEXT NOT NULL,
  source_host TEXT NOT NULL,
  wires TEXT
);
CREATE INDEX files_start ON files (start_ms);
CREATE INDEX files_scanner ON files (scanner_index, start_ms);
CREATE TABLE scans (
  file_id INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
  scan_index INTEGER NOT NULL,
  name TEXT NOT NULL,
  mode TEXT NOT NULL,
  direction TEXT NOT NULL,
  start_time TEXT NOT NULL,
  end_time TEXT NOT NULL,
  start_ms REAL,
  status TEXT NOT NULL,
  PRIMARY KEY (file_id, scan_index)
);
CREATE TABLE fits (
  file_id INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
  scan_index INTEGER NOT NULL,
  channel TEXT NOT NULL,
  start_ms REAL,
  iops_channel TEXT NOT NULL,
  ${FIT_RESULT},
  PRIMARY KEY (file_id, scan_index, channel)
);
CREATE INDEX fits_trend ON fits (channel, start_ms);
CREATE TABLE wire_fits (
  file_id INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
  scan_index INTEGER NOT NULL,
  channel TEXT NOT NULL,
  wire TEXT NOT NULL,
  position INTEGER NOT NULL,
  start_ms REAL,
  angle REAL,
  window_low REAL,
  window_high REAL,
  diameter REAL,
  sigma_beam REAL,
  sigma_beam_err REAL,
  ${FIT_RESULT},
  PRIMARY KEY (file_id, scan_index, channel, wire)
);
CREATE INDEX wire_fits_trend ON wire_fits (channel, wire, start_ms);
CREATE TABLE beam_shapes (
  file_id INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
  scan_index INTEGER NOT NULL,
  channel TEXT NOT NULL,
  start_ms REAL,
  ok INTEGER NOT NULL,
  message TEXT NOT NULL,
  planes INTEGER,
  chi2 REAL,
  ${columns(SHAPE_COLUMNS)},
  PRIMARY KEY (file_id, scan_index, channel)
);
PRAGMA application_id = ${APPLICATION_ID};
PRAGMA user_version = ${SCHEMA_VERSION};
`;

/** The tables of {@link SCHEMA_SQL}, as a valid catalog must have them. */
export const TABLES = [
  "files",
  "scans",
  "fits",
  "wire_fits",
  "beam_shapes",
] as const;
