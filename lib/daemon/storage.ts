/**
 * The data directory's health, in words an operator understands: what is
 * wrong with it (full, read-only, gone, not writable) and how much room it
 * has. The scan-file writer asks after a failed write; the bridge asks
 * before a request moves anything.
 *
 * @module
 */
import { statfsSync } from "node:fs";
import { join } from "node:path";
import { storageCause } from "../fs_errors.ts";

export { storageCause };

/**
 * What keeps `dir` from taking a file, or undefined when it takes one: a
 * probe of `probeBytes` is written there and removed.
 */
export function storageProblem(
  dir: string,
  probeBytes = 64 * 1024,
): string | undefined {
  const probe = join(dir, `.fws-probe-${Deno.pid}`);
  try {
    Deno.writeFileSync(probe, new Uint8Array(probeBytes));
  } catch (error) {
    try {
      Deno.removeSync(probe);
    } catch {
      // nothing was created
    }
    return storageCause(error);
  }
  Deno.removeSync(probe);
  return undefined;
}

/** Bytes free for an unprivileged writer in `dir`, or undefined when unknown. */
export function freeBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return undefined;
  }
}

/** `12.3 MB`, `640 kB`, `512 B`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} kB`;
  return `${bytes} B`;
}
