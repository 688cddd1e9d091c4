/** Program name written into HDF5 files and shown by `fws --version`. */
export const PROGRAM = "fws";

/** The version of fws; keep in step with `deno.json`. */
export const VERSION = "0.1.0";

/** Version of the Python package whose features fws re-implements. */
export const SEED_VERSION = "fws-daemon 3.3.1";
