/**
 * Numeric DBR arrays: one bulk byte swap between the wire's big-endian order
 * and the host's, in place or into a copy, and the region a receiver may
 * swap ahead while a large array is still arriving.
 *
 * @module
 */
import { type DbrBaseType, dbrInfo, ELEMENT_SIZE } from "./constants.ts";
import { LITTLE_ENDIAN_HOST, valueOffset } from "./dbr_layout.ts";
import { simdSwap } from "./simd_swap.ts";

/** Arrays from this many bytes on are swapped with WebAssembly SIMD (below,
 * the call costs more than it saves: 800 bytes take 110 ns, 85 in JS). */
export const SIMD_FROM = 4096;

/** The typed arrays numeric DBR arrays decode to, one per base type. */
export type DbrArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Int16Array
  | Uint16Array
  | Uint8Array;

/**
 * Swaps the byte order of `count` elements of `size` bytes, in place.
 * From {@linkcode SIMD_FROM} bytes on: WebAssembly SIMD ({@linkcode simdSwap},
 * where available). Below, 8-byte elements: one pass reading each as a
 * big-endian double and storing it in host order (the bits are kept, NaN
 * payloads included). Others:
 * reversing all the bytes turns big-endian elements into little-endian ones
 * in reverse order; reversing the elements restores the order (native
 * builtins, fast from the first call).
 */
export function swapInPlace(
  buffer: ArrayBuffer,
  byteOffset: number,
  count: number,
  size: number,
): void {
  if (size === 1 || !LITTLE_ENDIAN_HOST || count < 1) return;
  const bytes = count * size;
  if (
    bytes >= SIMD_FROM &&
    simdSwap(new Uint8Array(buffer, byteOffset, bytes), size as 2 | 4 | 8)
  ) return;
  if (size === 8 && byteOffset % 8 === 0) {
    swap64(
      new DataView(buffer, byteOffset, bytes),
      new Float64Array(buffer, byteOffset, count),
    );
    return;
  }
  new Uint8Array(buffer, byteOffset, bytes).reverse();
  if (size === 2) new Uint16Array(buffer, byteOffset, count).reverse();
  else if (size === 4) new Uint32Array(buffer, byteOffset, count).reverse();
  else new BigUint64Array(buffer, byteOffset, count).reverse();
}

/** Big-endian 8-byte elements of `view` to host order, through `out` (the same bytes). */
function swap64(view: DataView, out: Float64Array): void {
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8);
}

type TypedCtor =
  | Float64ArrayConstructor
  | Float32ArrayConstructor
  | Int32ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Uint8ArrayConstructor;

/** The typed array of each numeric base type. */
export const ARRAY_TYPE: Readonly<
  Record<Exclude<DbrBaseType, "string">, TypedCtor>
> = {
  short: Int16Array,
  float: Float32Array,
  enum: Uint16Array,
  char: Uint8Array,
  long: Int32Array,
  double: Float64Array,
};

/** Options of {@link decodeDbr}. */
export interface DecodeDbrOptions {
  /**
   * Byte-swap numeric arrays inside `payload` itself (no copy) when aligned.
   * Only for payloads the caller owns and will not decode again.
   */
  inPlace?: boolean;
  /**
   * The value array (the {@link dbrSwapRegion} of the payload) was already
   * swapped to host byte order, e.g. while it was being received.
   */
  nativeOrder?: boolean;
}

/** Bytes of a payload whose elements are byte-swapped as a unit. */
export interface SwapRegion {
  /** First byte of the value array in the payload. */
  start: number;
  /** End of the value array (start + count × size). */
  end: number;
  /** Element size: 2, 4 or 8. */
  size: number;
}

/**
 * Where the numeric value array of a DBR payload lies, when {@link decodeDbr}
 * would byte-swap it: numeric (non-CHAR) types, more than one element, a
 * little-endian host and a payload long enough. Undefined otherwise. Lets a
 * receiver swap a large array chunk by chunk as it arrives
 * ({@link swapElements}) and decode it with `nativeOrder`.
 */
export function dbrSwapRegion(
  dataType: number,
  count: number,
  payloadLength: number,
): SwapRegion | undefined {
  const info = dbrInfo(dataType);
  if (!info || info.type === "string" || count < 2) return undefined;
  const size = ELEMENT_SIZE[info.type];
  if (size === 1 || !LITTLE_ENDIAN_HOST) return undefined;
  const start = valueOffset(info.type, info.form);
  const end = start + count * size;
  return end <= payloadLength ? { start, end, size } : undefined;
}

/**
 * Swaps the byte order of the `size`-byte elements in `bytes[from, to)`, in
 * place (`to - from` a multiple of `size`; `bytes.byteOffset + from` aligned
 * to `size`).
 */
export function swapElements(
  bytes: Uint8Array,
  from: number,
  to: number,
  size: number,
): void {
  swapInPlace(
    bytes.buffer as ArrayBuffer,
    bytes.byteOffset + from,
    (to - from) / size,
    size,
  );
}

/**
 * The `count` numeric elements at `offset` of `payload` as a typed array
 * in host byte order (a view when `inPlace` allows, else a copy).
 */
export function decodeArray(
  type: Exclude<DbrBaseType, "string">,
  payload: Uint8Array,
  offset: number,
  count: number,
  options: DecodeDbrOptions,
): DbrArray {
  const Ctor = ARRAY_TYPE[type];
  const size = Ctor.BYTES_PER_ELEMENT;
  const start = payload.byteOffset + offset;
  let buffer: ArrayBuffer;
  let byteOffset: number;
  if (options.inPlace && start % size === 0) {
    buffer = payload.buffer as ArrayBuffer;
    byteOffset = start;
  } else {
    const copy = new Uint8Array(count * size);
    copy.set(payload.subarray(offset, offset + count * size));
    buffer = copy.buffer;
    byteOffset = 0;
  }
  if (!options.nativeOrder) swapInPlace(buffer, byteOffset, count, size);
  return new Ctor(buffer, byteOffset, count);
}
