/**
 * Filesystem errors in an operator's words ("no space left on device",
 * "read-only file system", …), for MSG and the log alike.
 *
 * @module
 */

/** What an OS error code means, for MSG and the log. */
const CAUSES: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  ENOENT: "the directory is gone",
  ENOTDIR: "the directory is gone",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EIO: "input/output error",
};

/** The cause of a filesystem error in words, or its message. */
export function storageCause(error: unknown): string {
  const code = (error as { code?: string })?.code;
  if (code && CAUSES[code]) return CAUSES[code];
  if (error instanceof Deno.errors.NotFound) return CAUSES.ENOENT;
  if (
    error instanceof Deno.errors.PermissionDenied ||
    error instanceof Deno.errors.NotCapable
  ) return CAUSES.EACCES;
  return error instanceof Error ? error.message : String(error);
}
