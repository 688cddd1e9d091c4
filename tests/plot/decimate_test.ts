import { minMaxIndices, minMaxOfRows } from "../../lib/analysis/decimate.ts";
import { assert, assertEquals } from "../support/assert.ts";

Deno.test("minMaxIndices returns every index of a range that fits", () => {
  const y = [5, 1, 4, 2];
  assertEquals([...minMaxIndices(y, { from: 0, to: 4, buckets: 2 })], [
    0,
    1,
    2,
    3,
  ]);
  assertEquals([...minMaxIndices(y, { from: 1, to: 3, buckets: 5 })], [1, 2]);
  assertEquals([...minMaxIndices(y, { from: 3, to: 1, buckets: 5 })], []);
});

Deno.test("minMaxIndices keeps each bucket's extremes in index order", () => {
  const n = 100_000;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.sin(i / 50) + (i === 77_777 ? 9 : 0);
  y[12_345] = -9;
  const keep = minMaxIndices(y, { from: 0, to: n, buckets: 2000 });
  assert(keep.length <= 4000 && keep.length >= 2000, `kept ${keep.length}`);
  for (let k = 1; k < keep.length; k++) assert(keep[k] > keep[k - 1]);
  assert(keep.includes(77_777), "global max kept");
  assert(keep.includes(12_345), "global min kept");
});

Deno.test("minMaxOfRows decimates a subset of rows (a zoomed range)", () => {
  const y = new Float64Array(1000).map((_, i) => Math.cos(i / 10));
  const rows = new Uint32Array(600).map((_, k) => 200 + k);
  assertEquals([...minMaxOfRows(y, rows.subarray(0, 8), 4)], [
    200,
    201,
    202,
    203,
    204,
    205,
    206,
    207,
  ]);
  const keep = minMaxOfRows(y, rows, 50);
  assert(keep.length <= 100 && keep.length >= 50);
  for (const i of keep) assert(i >= 200 && i < 800);
  let max = 200;
  for (const i of rows) if (y[i] > y[max]) max = i;
  assert(keep.includes(max), "the subset's maximum is kept");
});
