/**
 * A scanner's reference scan, the baseline the daemon compares each new
 * result with: the mark is a small JSON file in the data directory,
 * `fws_reference.json`, written by `fws index <dir> --reference FILE` (a
 * command with write permission; the page stays read-only). It lives beside
 * the files, not in the catalog, so a rebuilt catalog keeps it. The
 * reference values are the mean of the file's successful fits per channel,
 * with the standard error of that mean (or the fit's error for one scan).
 *
 * @module
 */
import { basename, join, resolve } from "node:path";
import { summarizeFits } from "../analysis/statistics.ts";

/** The mark's file name in a data directory. */
export const REFERENCE_FILE = "fws_reference.json";

/** The mark. */
export interface ReferenceMark {
  /** Absolute path of the reference scan file. */
  file: string;
  /** When it was marked (ISO 8601). */
  marked: string;
}

/** One channel's reference: centre and σ with their standard errors [mm]. */
export interface ReferenceValues {
  center: number;
  centerErr: number;
  sigma: number;
  sigmaErr: number;
  /** Successful fits averaged. */
  n: number;
}

/**
 * Marks `file` as the reference of the data directory `dir` (atomically:
 * written aside, then renamed); `null` clears the mark. The file must be a
 * readable scan file with at least one successful fit.
 */
export async function markReference(
  dir: string,
  file: string | null,
): Promise<ReferenceMark | undefined> {
  const target = join(dir, REFERENCE_FILE);
  if (file === null) {
    await Deno.remove(target).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
    return undefined;
  }
  const path = resolve(file);
  const values = await referenceValues(path);
  if (Object.keys(values).length === 0) {
    throw new Error(
      `${path}: no successful fit to take as a reference; expected a scan file with at least one`,
    );
  }
  const mark: ReferenceMark = { file: path, marked: new Date().toISOString() };
  const aside = `${target}.${Deno.pid}.tmp`;
  await Deno.writeTextFile(aside, JSON.stringify(mark, null, 2) + "\n");
  await Deno.rename(aside, target);
  return mark;
}

/** The mark of `dir`, or undefined (none, or unreadable: said in `problem`). */
export async function readReference(
  dir: string,
): Promise<{ mark?: ReferenceMark; problem?: string }> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(dir, REFERENCE_FILE));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return {};
    return { problem: `${REFERENCE_FILE}: ${(error as Error).message}` };
  }
  try {
    const mark = JSON.parse(text) as ReferenceMark;
    if (typeof mark.file !== "string" || mark.file === "") {
      throw new Error("no file");
    }
    return { mark };
  } catch (error) {
    return {
      problem: `${REFERENCE_FILE} is not a reference mark (${
        (error as Error).message
      }); expected {"file": …}`,
    };
  }
}

/** The reference values per channel of a scan file (channels with an ok fit). */
export async function referenceValues(
  file: string,
): Promise<Record<string, ReferenceValues>> {
  // loaded here: the page server's routes import this module, and the
  // file server's Worker must not load the HDF5 library it never uses
  const { readScanFile } = await import("../hdf5/mod.ts");
  const run = await readScanFile(file);
  const channels = [...new Set(run.scans.flatMap((s) => Object.keys(s.fits)))];
  const out: Record<string, ReferenceValues> = {};
  for (const ch of channels) {
    const fits = run.scans.map((s) => s.fits[ch]).filter((f) => f?.ok);
    if (fits.length === 0) continue;
    const s = summarizeFits(fits);
    const err = (key: "center" | "sigma") =>
      fits.length > 1
        ? s[key].std / Math.sqrt(fits.length)
        : fits[0][`${key}Err`];
    out[ch] = {
      center: s.center.mean,
      centerErr: err("center"),
      sigma: s.sigma.mean,
      sigmaErr: err("sigma"),
      n: fits.length,
    };
  }
  return out;
}

/** How a result differs from the reference. */
export interface Drift {
  /** The larger of |Δcentre| and |Δσ| in units of their combined standard error. */
  z: number;
  /** (σ − σ_ref) / σ_ref. */
  relative: number;
}

/**
 * The drift of a fit from the reference: each of centre and σ as
 * `|v − v_ref| / √(δv² + δv_ref²)`, the larger kept; and σ's relative change.
 */
export function driftOf(
  fit: { center: number; centerErr: number; sigma: number; sigmaErr: number },
  ref: ReferenceValues,
): Drift {
  const z = (v: number, e: number, r: number, re: number) =>
    Math.abs(v - r) / Math.hypot(e, re);
  return {
    z: Math.max(
      z(fit.center, fit.centerErr, ref.center, ref.centerErr),
      z(fit.sigma, fit.sigmaErr, ref.sigma, ref.sigmaErr),
    ),
    relative: (fit.sigma - ref.sigma) / ref.sigma,
  };
}

/** One line naming the reference, for logs. */
export function describeReference(mark: ReferenceMark): string {
  return `${basename(mark.file)} (marked ${mark.marked})`;
}
