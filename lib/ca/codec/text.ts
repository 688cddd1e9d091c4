/**
 * The one NUL-terminated string codec of CA: names in SEARCH/CREATE_CHAN
 * payloads, DBR_STRING elements, units, enum states, CHAR arrays as text.
 *
 * @module
 */

/** UTF-8 encoder shared by the codec. */
export const encoder: TextEncoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The text of the NUL-terminated string in `bytes[start, start + size)`
 * (the whole field when it holds no NUL).
 *
 * @example
 * ```ts
 * decodeCString(new Uint8Array([65, 66, 0, 67])); // "AB"
 * ```
 */
export function decodeCString(
  bytes: Uint8Array,
  start = 0,
  size: number = bytes.length - start,
): string {
  const field = bytes.subarray(start, Math.min(start + size, bytes.length));
  const end = field.indexOf(0);
  return decoder.decode(end < 0 ? field : field.subarray(0, end));
}

/** Writes `text` into `bytes[start, start + size)`, keeping the last byte NUL. */
export function encodeCString(
  bytes: Uint8Array,
  start: number,
  size: number,
  text: string,
): void {
  bytes.set(encoder.encode(text).subarray(0, size - 1), start);
}
