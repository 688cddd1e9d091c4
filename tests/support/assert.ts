/**
 * Test assertions on top of `node:assert/strict` (Deno's std assert lives on
 * JSR, which this network cannot reach). Names follow @std/assert so the
 * tests read as a Deno user expects.
 *
 * @module
 */
import nodeAssert from "node:assert/strict";

/** Asserts that `value` is truthy. */
export function assert(value: unknown, message?: string): asserts value {
  nodeAssert.ok(value, message);
}

/** Deep, strict equality (typed arrays compared element by element). */
export function assertEquals<T>(
  actual: unknown,
  expected: T,
  message?: string,
): void {
  nodeAssert.deepStrictEqual(actual, expected, message);
}

/** Strict inequality. */
export function assertNotEquals(
  actual: unknown,
  expected: unknown,
  message?: string,
): void {
  nodeAssert.notDeepStrictEqual(actual, expected, message);
}

/** `actual` matches the regular expression. */
export function assertMatch(
  actual: string,
  expected: RegExp,
  message?: string,
): void {
  nodeAssert.match(actual, expected, message);
}

/** `|actual − expected| ≤ tolerance` (absolute). */
export function assertAlmostEquals(
  actual: number,
  expected: number,
  tolerance = 1e-7,
  message?: string,
): void {
  const ok = Object.is(actual, expected) ||
    Math.abs(actual - expected) <= tolerance;
  nodeAssert.ok(
    ok,
    message ?? `expected ${actual} to be within ${tolerance} of ${expected}`,
  );
}

/** The function throws an error whose message matches `pattern`; returns it. */
export function assertThrows(fn: () => unknown, pattern?: RegExp): Error {
  try {
    fn();
  } catch (error) {
    if (pattern) nodeAssert.match((error as Error).message, pattern);
    return error as Error;
  }
  throw new nodeAssert.AssertionError({
    message: "expected the function to throw",
  });
}

/** The promise rejects with an error whose message matches `pattern`; returns it. */
export async function assertRejects(
  fn: () => Promise<unknown>,
  pattern?: RegExp,
): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    if (pattern) nodeAssert.match((error as Error).message, pattern);
    return error as Error;
  }
  throw new nodeAssert.AssertionError({
    message: "expected the promise to reject",
  });
}
