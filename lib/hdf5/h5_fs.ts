/**
 * The h5wasm module with emscripten's file system patched, loaded once:
 *
 * - HDF5's stderr (its diagnostic stack) is captured into a buffer that
 *   {@link takeDiagnostics} empties, so failures HDF5 only prints can be
 *   turned into errors;
 * - while a stand-in is set ({@link withStandIn}), host writes HDF5 issues
 *   from a heap block take their bytes from the caller's array instead;
 * - a read-write open of a missing path (HDF5's probe before creating a
 *   file) fails without emscripten's costly error objects.
 *
 * @module
 */
import h5wasm from "h5wasm/node";
import { existsSync } from "node:fs";

/** The loaded h5wasm module. */
export type H5Module = Awaited<typeof h5wasm.ready>;

/** Decodes HDF5's diagnostic output. */
const STDERR_TEXT = new TextDecoder();

/** emscripten's open flags: access mode mask, O_RDWR, O_CREAT; ENOENT. */
const O_ACCMODE = 3, O_RDWR = 2, O_CREAT = 64, ENOENT = 44;

let module: H5Module | undefined;
let diagnostics = "";

/**
 * While set, host writes HDF5 issues from heap bytes `[ptr, ptr + n)` take
 * their bytes from `bytes` at the same offset instead. `written` counts
 * them; `base` is the file position of byte 0 they imply, NaN once two of
 * them disagree.
 */
let standIn:
  | { ptr: number; bytes: Uint8Array; written: number; base?: number }
  | undefined;

/** Loads the wasm module once and patches its file system. */
export async function loadH5(): Promise<H5Module> {
  if (module) return module;
  const m = await h5wasm.ready;
  // deno-lint-ignore no-explicit-any
  const fs = (m as any).FS;
  const write = fs.write;
  fs.write = function (
    stream: { fd: number },
    buffer: Uint8Array,
    offset: number,
    length: number,
    position?: number,
  ): number {
    if (stream && stream.fd === 2) {
      diagnostics += STDERR_TEXT.decode(
        buffer.subarray(offset, offset + length),
      );
      return length;
    }
    const from = offset - (standIn?.ptr ?? 0);
    if (
      standIn && buffer.buffer === m.HEAPU8.buffer && from >= 0 &&
      from + length <= standIn.bytes.length
    ) {
      const n = write.call(fs, stream, standIn.bytes, from, length, position);
      const base = typeof position === "number" ? position - from : NaN;
      standIn.base = (standIn.base ?? base) === base ? base : NaN;
      standIn.written += n;
      return n;
    }
    return write.call(fs, stream, buffer, offset, length, position);
  };
  // Creating a file, HDF5 first opens it read-write without O_CREAT to see
  // whether it is open already; on a new file that fails, and a failing open
  // costs two error objects with stack traces across the wasm frames. A
  // missing path is answered without them (only there; every other open is
  // emscripten's own, so its errors stay exact).
  const open = fs.open;
  const missing = new fs.ErrnoError(ENOENT);
  fs.open = function (path: unknown, flags: unknown, mode?: unknown) {
    if (
      typeof path === "string" && typeof flags === "number" &&
      (flags & O_ACCMODE) === O_RDWR && !(flags & O_CREAT) && !existsSync(path)
    ) throw missing;
    return open.call(fs, path, flags, mode);
  };
  module = m;
  return m;
}

/** Whether {@link loadH5} has run (the HDF5 module is ready). */
export function h5Loaded(): boolean {
  return module !== undefined;
}

/** The module {@link loadH5} loaded (every open file implies it was). */
export function h5Module(): H5Module {
  if (!module) throw new Error("h5wasm: expected loadH5() to have run first");
  return module;
}

/** HDF5's diagnostics printed since the last call, and clears them. */
export function takeDiagnostics(): string {
  const text = diagnostics;
  diagnostics = "";
  return text;
}

/**
 * Runs `fn` while host writes from heap bytes `[ptr, ptr + bytes.length)`
 * take their bytes from `bytes`; returns how many bytes went so and the file
 * position of byte 0 they imply (NaN when they disagree or none went).
 */
export function withStandIn(
  ptr: number,
  bytes: Uint8Array,
  fn: () => void,
): { written: number; base: number } {
  const block: NonNullable<typeof standIn> = { ptr, bytes, written: 0 };
  standIn = block;
  try {
    fn();
  } finally {
    standIn = undefined;
  }
  return { written: block.written, base: block.base ?? NaN };
}
