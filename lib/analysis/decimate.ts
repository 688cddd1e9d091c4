/**
 * Min/max bucket decimation: a trace of many points becomes at most two
 * points per bucket (the lowest and the highest of the bucket, in index
 * order), so its envelope survives at any zoom; ranges that already fit are
 * returned whole, at full resolution.
 *
 * @module
 */

/**
 * Indices into `y[from, to)` that keep the min and max of each of `buckets`
 * equal-count buckets, in ascending order. When the range holds at most
 * `2 * buckets` points every index is returned.
 *
 * @example
 * ```ts
 * const keep = minMaxIndices(y, { from: 0, to: y.length, buckets: 2000 });
 * ```
 */
export function minMaxIndices(
  y: ArrayLike<number>,
  range: { from: number; to: number; buckets: number },
): Uint32Array {
  const from = Math.max(0, Math.min(range.from, y.length));
  const to = Math.max(from, Math.min(range.to, y.length));
  const n = to - from;
  const buckets = Math.max(1, Math.floor(range.buckets));
  if (n <= 2 * buckets) {
    const all = new Uint32Array(n);
    for (let i = 0; i < n; i++) all[i] = from + i;
    return all;
  }
  const out = new Uint32Array(2 * buckets);
  let k = 0;
  for (let b = 0; b < buckets; b++) {
    const start = from + Math.floor((b * n) / buckets);
    const end = from + Math.floor(((b + 1) * n) / buckets);
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      if (y[i] < y[lo]) lo = i;
      if (y[i] > y[hi]) hi = i;
    }
    if (lo === hi) {
      out[k++] = lo;
    } else {
      out[k++] = Math.min(lo, hi);
      out[k++] = Math.max(lo, hi);
    }
  }
  return out.slice(0, k);
}

/**
 * Like {@link minMaxIndices} over the rows listed in `rows` (ascending
 * indices into `y`): the min and max of each of `buckets` equal-count
 * buckets of that list, or the whole list when it has at most `2 * buckets`.
 */
export function minMaxOfRows(
  y: ArrayLike<number>,
  rows: Uint32Array,
  buckets: number,
): Uint32Array {
  if (rows.length <= 2 * buckets) return rows.slice();
  const out = new Uint32Array(2 * buckets);
  let k = 0;
  const n = rows.length;
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * n) / buckets);
    const end = Math.floor(((b + 1) * n) / buckets);
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      if (y[rows[i]] < y[rows[lo]]) lo = i;
      if (y[rows[i]] > y[rows[hi]]) hi = i;
    }
    out[k++] = rows[Math.min(lo, hi)];
    if (lo !== hi) out[k++] = rows[Math.max(lo, hi)];
  }
  return out.slice(0, k);
}
