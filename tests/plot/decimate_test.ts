import {
  lowerBound,
  minMaxIndices,
  packColumns,
  upperBound,
} from "../../routes/_lib/decimate.ts";
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

Deno.test("lowerBound/upperBound bracket a value in an ascending array", () => {
  const x = [1, 2, 2, 2, 3];
  assertEquals(lowerBound(x, 2), 1);
  assertEquals(upperBound(x, 2), 4);
  assertEquals(lowerBound(x, 0), 0);
  assertEquals(upperBound(x, 9), 5);
});

Deno.test("packColumns lays the picked rows out column after column", () => {
  const out = packColumns([[1, 2, 3], [10, 20, 30]], new Uint32Array([0, 2]));
  assertEquals([...out], [1, 3, 10, 30]);
});
