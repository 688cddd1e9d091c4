/**
 * What the fit benches share: the median of repeated timings, milliseconds
 * for a table, and the markdown table itself.
 *
 * @module
 */

/** Median of `values` (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Seconds as milliseconds with 3, 2 or 0 decimals by size. */
export function ms(seconds: number): string {
  const v = seconds * 1e3;
  return v < 1 ? v.toFixed(3) : v < 100 ? v.toFixed(2) : v.toFixed(0);
}

/**
 * Prints a markdown table — `header` its cells joined by " | ", `rows`
 * already `| … |` — and a note.
 */
export function printTable(header: string, rows: string[], note: string): void {
  console.log(`| ${header} |`);
  console.log(`|${"---|".repeat(header.split(" | ").length)}`);
  for (const row of rows) console.log(row);
  console.log(`\n${note}`);
}
