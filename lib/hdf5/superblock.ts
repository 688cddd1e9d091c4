/**
 * What HDF5 would only report as a diagnostic stack, checked before the
 * library opens a file: it exists, is a regular non-empty file, carries the
 * HDF5 signature (at 0, 512, 1024, … as the format allows a user block), and
 * is as long as its superblock says (a file cut short by a crash).
 *
 * @module
 */

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function readAt(file: Deno.FsFile, offset: number, length: number): Uint8Array {
  file.seekSync(offset, Deno.SeekMode.Start);
  const buf = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = file.readSync(buf.subarray(got));
    if (n === null || n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

function littleEndian(bytes: Uint8Array): number {
  let v = 0;
  for (let i = bytes.length - 1; i >= 0; i--) v = v * 256 + bytes[i];
  return v;
}

function why(error: unknown): string {
  return `cannot read: ${error instanceof Error ? error.message : error}`;
}

/**
 * What is wrong with the HDF5 file at `path` before HDF5 opens it, as the
 * end of a sentence naming the file, or `undefined` when nothing is.
 *
 * @example
 * ```ts
 * superblockProblem("/data/empty.h5"); // "is empty (0 bytes); expected an HDF5 file"
 * ```
 */
export function superblockProblem(path: string): string | undefined {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (error) {
    return error instanceof Deno.errors.NotFound ? "no such file" : why(error);
  }
  if (!info.isFile) return "is not a regular file; expected an .h5 file";
  if (info.size === 0) return "is empty (0 bytes); expected an HDF5 file";
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (error) {
    return why(error);
  }
  try {
    let base = -1;
    for (let at = 0; at < info.size && at <= 1 << 20; at = at ? at * 2 : 512) {
      const head = readAt(file, at, 8);
      if (head.length === 8 && SIGNATURE.every((b, i) => head[i] === b)) {
        base = at;
        break;
      }
    }
    if (base < 0) {
      return "is not an HDF5 file (no HDF5 signature); expected an fws scan file";
    }
    const sb = readAt(file, base, 96);
    const version = sb[8];
    let eofAt: number;
    let sizeOfOffsets: number;
    if (version === 0 || version === 1) {
      sizeOfOffsets = sb[13];
      eofAt = (version === 0 ? 24 : 28) + 2 * sizeOfOffsets;
    } else {
      sizeOfOffsets = sb[9];
      eofAt = 12 + 2 * sizeOfOffsets;
    }
    if (
      ![2, 4, 8].includes(sizeOfOffsets) || sb.length < eofAt + sizeOfOffsets
    ) {
      return `is truncated or corrupted: the HDF5 superblock (version ${version}) is incomplete`;
    }
    const eof = littleEndian(sb.subarray(eofAt, eofAt + sizeOfOffsets));
    if (base + eof > info.size) {
      return `is truncated: ${info.size} bytes on disk, but its HDF5 superblock says ${
        base + eof
      }`;
    }
    return undefined;
  } finally {
    file.close();
  }
}
