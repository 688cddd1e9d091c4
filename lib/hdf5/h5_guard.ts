/**
 * HDF5 errors: {@link guarded} runs an h5wasm call and turns an exception or
 * any diagnostic HDF5 printed during it into an {@link H5Error} naming the
 * innermost reason.
 *
 * @module
 */
import { takeDiagnostics } from "./h5_fs.ts";

/** An HDF5 operation failed; `message` says which and why. */
export class H5Error extends Error {
  /** @param message what failed and HDF5's reason */
  constructor(message: string) {
    super(message);
    this.name = "H5Error";
  }
}

/**
 * The innermost detail of HDF5's diagnostics: of the first stack printed,
 * for a call that fails after an earlier one failed (H5Dwrite on a dataset
 * H5Dcreate could not make) only repeats the consequence.
 */
export function reason(text: string): string {
  const first = text.split(/^(?=HDF5-DIAG)/m).find((s) => /#\d+:/.test(s));
  const lines = (first ?? text).split("\n").map((l) => l.trim()).filter(
    Boolean,
  );
  const details = lines.filter((l) => /^#\d+:/.test(l)).map((l) =>
    l.replace(/^#\d+:.*? in [\w]+\(\): /, "")
  );
  const last = details.at(-1);
  return last ?? (lines.at(-1) ?? "unknown HDF5 error");
}

/** Runs `fn`; an exception or any HDF5 diagnostic becomes an H5Error. */
export function guarded<T>(what: string, fn: () => T): T {
  takeDiagnostics();
  let result: T;
  try {
    result = fn();
  } catch (error) {
    const text = takeDiagnostics() ||
      (error instanceof Error ? error.message : String(error));
    throw new H5Error(`${what}: ${reason(text)}`);
  }
  const text = takeDiagnostics();
  if (text) throw new H5Error(`${what}: ${reason(text)}`);
  return result;
}
